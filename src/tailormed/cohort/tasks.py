"""One partition of a cohort run: read its samples at the analyses' positions, analyse, write Parquet atomically.

Missing genotypes are never mean-imputed in a cohort run: a person's score then depends only on their own
genotypes, so it is the same whichever block (or cohort) they are in, and equals their single-patient score.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tailormed.cohort.plan import CohortPlan, InputKind, Partition
from tailormed.engines.prs.matching import MatchOptions
from tailormed.engines.prs.scoring import Imputation, PrsRun
from tailormed.pipeline import prs

PRS_TABLE = "prs_scores.parquet"
MARKERS = "_partitions"


def marker_path(out: Path, partition: Partition) -> Path:
    return out / MARKERS / f"{partition.name}.json"


def table_path(out: Path, table: str, partition: Partition) -> Path:
    return out / table / partition.name / "part-0.parquet"


def finished(plan: CohortPlan, partition: Partition, out: Path) -> bool:
    """The partition's marker carries this plan's fingerprint and its tables are there."""
    marker = marker_path(out, partition)
    if not marker.is_file():
        return False
    try:
        saved = json.loads(marker.read_text())
    except json.JSONDecodeError:
        return False
    tables = saved.get("tables", [])
    return saved.get("fingerprint") == plan.fingerprint and all(
        table_path(out, table, partition).is_file() for table in tables
    )


def score_partition(plan: CohortPlan, partition: Partition) -> PrsRun:
    scores = prs.read_scores([Path(path) for path in plan.scoring])
    options = MatchOptions(min_overlap=plan.min_overlap)
    if plan.input_kind is InputKind.PGEN:
        assert plan.build is not None  # the plan refuses a fileset without a build
        run = prs.score_pgen(
            Path(plan.input), scores, plan.build, samples=partition.samples, options=options, imputation=Imputation.NONE
        )
    else:
        run = prs.score_vcf(
            Path(plan.input),
            scores,
            None,
            samples=partition.samples,
            build=plan.build,
            options=options,
            imputation=Imputation.NONE,
        )
    failure = prs.overlap_error(run)
    if failure is not None:
        raise failure
    return run


def run_partition(plan: CohortPlan, partition: Partition, out: Path) -> dict[str, object]:
    """Compute one partition and write its tables, then its marker (the marker last: it means "finished")."""
    from tailormed.cohort.tables import prs_table, write_parquet_atomic

    started = time.perf_counter()
    run = score_partition(plan, partition)
    write_parquet_atomic(prs_table(run), table_path(out, PRS_TABLE, partition))
    summary: dict[str, object] = {
        "partition": partition.name,
        "fingerprint": plan.fingerprint,
        "samples": len(partition.samples),
        "tables": [PRS_TABLE],
        "build": run.build.model_dump(mode="json"),
        "seconds": round(time.perf_counter() - started, 3),
        "pid": os.getpid(),
    }
    marker = marker_path(out, partition)
    marker.parent.mkdir(parents=True, exist_ok=True)
    temporary = marker.with_suffix(".tmp")
    temporary.write_text(json.dumps(summary, indent=1) + "\n")
    temporary.replace(marker)
    return summary
