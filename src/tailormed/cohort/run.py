"""A cohort run: plan the partitions, run the unfinished ones (process pool or Spark), write the manifest.

Local workers are separate processes (``spawn``: nothing of the parent's state is shared), each computing whole
partitions; memory per worker is bounded by the block size. A partition that finished in an earlier, interrupted
run with the same fingerprint is not recomputed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from tailormed.cohort.plan import (
    DEFAULT_BLOCK_SIZE,
    Analysis,
    CohortPlan,
    Engine,
    InputKind,
    blocks,
    checksum,
)
from tailormed.cohort.tasks import finished, run_partition
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic
from tailormed.model.genotype import GenomeBuild

MANIFEST = "manifest.json"


def input_samples(kind: InputKind, source: Path) -> list[str]:
    """Every sample of the cohort input, in file order."""
    if kind is InputKind.PGEN:
        from tailormed.evidence.pgen import PgenFileset

        return list(PgenFileset.open(source).samples)
    from tailormed.evidence import open_vcf

    if not source.is_file():
        raise InputError("cohort VCF not found", source=source)
    with open_vcf(source) as vcf:
        return list(vcf.samples)


def plan_run(
    *,
    vcf: Path | None,
    pgen: Path | None,
    analyses: Sequence[Analysis],
    scoring: Sequence[Path],
    build: GenomeBuild | None = None,
    samples: Sequence[str] | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    min_overlap: float = 0.75,
) -> CohortPlan:
    """The partitions and fingerprint of a run; checks the inputs before any work starts."""
    if (vcf is None) == (pgen is None):
        raise InputError("give either --vcf or --pgen")
    if Analysis.PRS in analyses and not scoring:
        raise InputError("--analyses prs needs at least one --scoring file")
    kind = InputKind.PGEN if pgen is not None else InputKind.VCF
    source = pgen if pgen is not None else vcf
    assert source is not None
    if kind is InputKind.PGEN and build is None:
        raise InputError("a PLINK 2 fileset names no genome build: give --build", source=source)
    everyone = input_samples(kind, source)
    if samples is not None:
        known = set(everyone)
        unknown = [sample for sample in samples if sample not in known]
        if unknown:
            raise InputError(f"{len(unknown)} listed sample(s) not in the input, e.g. {unknown[0]}", source=source)
        chosen = list(samples)
    else:
        chosen = everyone
    if not chosen:
        raise InputError("the cohort input has no samples", source=source)
    paths = [Path(f"{source}{suffix}") for suffix in (".pgen", ".pvar", ".psam")] if pgen is not None else [source]
    from tailormed.pipeline.prs import read_scores

    read_scores(scoring)  # bad scoring files stop the run before it starts
    return CohortPlan(
        input_kind=kind,
        input=str(source),
        build=build,
        analyses=list(analyses),
        scoring=[str(path) for path in scoring],
        min_overlap=min_overlap,
        block_size=block_size,
        partitions=blocks(chosen, block_size),
        files=[checksum(path) for path in [*paths, *scoring]],
    )


def run_cohort(
    plan: CohortPlan,
    out: Path,
    *,
    workers: int = 1,
    engine: Engine = Engine.LOCAL,
    spark_master: str = "local[2]",
    on_partition: Callable[[dict[str, object]], None] | None = None,
) -> dict[str, object]:
    """Run every unfinished partition and write the manifest.

    ``local``: ``workers`` processes (1 = in this process); ``spark``: one Spark task per partition on
    ``spark_master``. Both run the same partition function, so their Parquet files are the same.
    """
    out.mkdir(parents=True, exist_ok=True)
    todo = [partition for partition in plan.partitions if not finished(plan, partition, out)]
    skipped = len(plan.partitions) - len(todo)
    done: list[dict[str, object]] = []
    if engine is Engine.SPARK:
        from tailormed.cohort.spark import run_on_spark

        done = run_on_spark(plan, todo, out, master=spark_master, on_partition=on_partition)
    elif workers <= 1 or len(todo) <= 1:
        for partition in todo:
            done.append(run_partition(plan, partition, out))
            if on_partition:
                on_partition(done[-1])
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_partition, plan, partition, out) for partition in todo]
            for future in as_completed(futures):
                done.append(future.result())
                if on_partition:
                    on_partition(done[-1])
    manifest = manifest_of(plan, out, computed=len(done), skipped=skipped)
    manifest["engine"] = engine.value if engine is Engine.LOCAL else f"spark ({spark_master})"
    write_text_atomic(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return manifest


def manifest_of(plan: CohortPlan, out: Path, *, computed: int, skipped: int) -> dict[str, object]:
    """What the outputs rest on: inputs with checksums, scores with their PGS Catalog headers, partitions, build."""
    from tailormed.cohort.tables import PRS_SCHEMA
    from tailormed.cohort.tasks import PRS_TABLE, marker_path
    from tailormed.pipeline.prs import read_scores

    markers = [json.loads(marker_path(out, p).read_text()) for p in plan.partitions]
    scores = read_scores([Path(path) for path in plan.scoring])
    return {
        "tailormed": plan.version,
        "fingerprint": plan.fingerprint,
        "input": {"kind": plan.input_kind.value, "path": plan.input},
        "files": [file.model_dump(mode="json") for file in plan.files],
        "build": markers[0]["build"] if markers else None,
        "analyses": [analysis.value for analysis in plan.analyses],
        "knowledge": {
            "scores": [
                {
                    "pgs_id": score.name,
                    "pgs_name": score.header.pgs_name,
                    "trait": score.header.trait_reported,
                    "format_version": score.header.format_version,
                    "genome_build": score.header.genome_build,
                    "variants": len(score),
                }
                for score in scores
            ]
        },
        "missing_genotypes": "not imputed (each person's score rests on their own genotypes only)",
        "min_overlap": plan.min_overlap,
        "samples": sum(len(p.samples) for p in plan.partitions),
        "partitions": [
            {"name": p.name, "samples": len(p.samples), "seconds": m["seconds"]}
            for p, m in zip(plan.partitions, markers, strict=True)
        ],
        "computed_now": computed,
        "reused": skipped,
        "tables": {PRS_TABLE: [field.name for field in PRS_SCHEMA]},
    }
