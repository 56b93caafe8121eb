"""The Spark engine: the same partitions as Spark tasks (PySpark, the optional ``spark`` extra; Java 17).

Each task runs :func:`tailormed.cohort.tasks.run_group` on one group of partitions, exactly as a local worker does,
so the Parquet files are the same whichever engine wrote them. In ``local[N]`` mode the tasks run on this machine;
against a standalone cluster (``spark://host:7077``) every worker needs tailormed installed and the inputs and
``--out`` on a file system all of them share.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tailormed.cohort.plan import CohortPlan, Partition
from tailormed.cohort.tasks import read_groups
from tailormed.errors import InputError


def _task(plan_json: str, group_json: str, out: str) -> list[str]:
    from tailormed.cohort.tasks import run_group

    plan = CohortPlan.model_validate_json(plan_json)
    group = [Partition.model_validate(found) for found in json.loads(group_json)]
    return [json.dumps(summary) for summary in run_group(plan, group, Path(out))]


def run_on_spark(
    plan: CohortPlan,
    todo: Sequence[Partition],
    out: Path,
    *,
    master: str,
    on_partition: Callable[[dict[str, object]], None] | None = None,
) -> list[dict[str, object]]:
    """Run ``todo`` as one Spark job of one task per group of partitions sharing a pass (at least as many groups as
    the context's default parallelism allows); returns the partitions' summaries."""
    try:
        from pyspark import SparkConf, SparkContext
    except ImportError as exc:
        raise InputError("--engine spark needs PySpark: pip install 'tailormed[spark]' (and Java 17)") from exc
    if not todo:
        return []
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers run this interpreter (its packages)
    conf = (
        SparkConf()
        .setMaster(master)
        .setAppName("tailormed cohort run")
        .set("spark.ui.enabled", "false")
        .set("spark.pyspark.python", sys.executable)
        .set("spark.task.maxFailures", "1")
    )
    context = SparkContext.getOrCreate(conf)
    try:
        plan_json, target = plan.model_dump_json(), str(out.resolve())
        groups = read_groups(plan, todo, context.defaultParallelism)
        encoded = [json.dumps([p.model_dump(mode="json") for p in group]) for group in groups]
        tasks = context.parallelize(encoded, numSlices=len(encoded))
        found = tasks.flatMap(lambda group: _task(plan_json, group, target)).collect()
    finally:
        context.stop()
    summaries: list[dict[str, object]] = [json.loads(text) for text in found]
    for summary in summaries:
        if on_partition:
            on_partition(summary)
    return summaries
