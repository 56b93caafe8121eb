"""A cohort run: plan the partitions, run the unfinished ones (process pool or Spark), write the manifest.

Local workers are separate processes (``spawn``: nothing of the parent's state is shared), each computing whole
partitions; memory per worker is bounded by the block size. A partition that finished in an earlier, interrupted
run with the same fingerprint is not recomputed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tailormed.cohort.plan import (
    DEFAULT_BLOCK_SIZE,
    Analysis,
    CohortPlan,
    Engine,
    InputKind,
    Region,
    blocks,
    checksum,
    score_regions,
)
from tailormed.cohort.tables import arrow_without_pandas
from tailormed.cohort.tasks import finished, merge_regions, prepare_run, read_groups, run_group
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.pgs_scoring import ScoringFile
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
    scoring: Sequence[Path] = (),
    build: GenomeBuild | None = None,
    samples: Sequence[str] | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    min_overlap: float = 0.75,
    kb: Path | None = None,
    records: Path | None = None,
    absent_is_reference: bool = False,
    on: date | None = None,
    region_size: int | None = None,
    bgen: Path | None = None,
    bgen_sample: Path | None = None,
    restrict_to: Path | None = None,
) -> CohortPlan:
    """The partitions and fingerprint of a run; checks the inputs before any work starts.

    With both ``vcf`` and ``pgen``, ``prs`` is scored from the fileset (as biobanks ship the genome-wide genotypes)
    and the engines read the VCF; the samples are the VCF's, and each must be in the fileset too.
    With ``region_size``, the scores are computed in ranges of the scores' sites spanning less than that many base
    pairs (region partitions over every sample, read through the VCF's index), then added per block.
    A ``bgen`` file (with its ``bgen_sample`` file, default the ``.sample`` beside it) is read alone, for every
    analysis, as the VCF text of its calls (:mod:`tailormed.evidence.bgen`).
    With ``restrict_to`` (a BED file), every analysis reads only the records inside its regions.
    """
    if restrict_to is not None:
        from tailormed.evidence.bed import read_bed

        read_bed(restrict_to)  # a bad regions file stops the run before it starts
        plan = plan_run(vcf=vcf, pgen=pgen, analyses=analyses, scoring=scoring, build=build, samples=samples,
                        block_size=block_size, min_overlap=min_overlap, kb=kb, records=records,
                        absent_is_reference=absent_is_reference, on=on, region_size=region_size, bgen=bgen,
                        bgen_sample=bgen_sample)  # fmt: skip
        files = [*plan.files, checksum(restrict_to)]
        return plan.model_copy(update={"restrict_to": str(restrict_to), "files": files})
    if bgen is not None:
        return plan_bgen_run(bgen, bgen_sample, vcf=vcf, pgen=pgen, analyses=analyses, scoring=scoring, build=build,
                             samples=samples, block_size=block_size, min_overlap=min_overlap, kb=kb, records=records,
                             absent_is_reference=absent_is_reference, on=on, region_size=region_size)  # fmt: skip
    if bgen_sample is not None:
        raise InputError("--sample names the samples of a --bgen file: give --bgen", source=bgen_sample)
    if vcf is None and pgen is None:
        raise InputError("give --vcf, --pgen, both (the fileset for prs, the VCF for the other analyses), or --bgen")
    if not analyses:
        raise InputError(f"--analyses names no analysis; available: {', '.join(a.value for a in Analysis)}")
    if Analysis.PRS in analyses and not scoring:
        raise InputError("--analyses prs needs at least one --scoring file")
    if pgen is not None and build is None:
        raise InputError("a PLINK 2 fileset names no genome build: give --build", source=pgen)
    if pgen is not None and absent_is_reference:
        raise InputError(
            "--absent-is-reference applies to single-sample VCFs, not to a PLINK 2 fileset: prs from --pgen would "
            "count absent sites as missing; drop the flag, or --pgen to score the VCF",
            source=pgen,
        )
    both = vcf is not None and pgen is not None
    if both and (Analysis.PRS not in analyses or analyses == [Analysis.PRS]):
        raise InputError(
            "--vcf with --pgen scores prs from the fileset and runs the other analyses on the VCF: "
            f"--analyses must name prs and another analysis, not {','.join(a.value for a in analyses)}",
            source=pgen,
        )
    kind = InputKind.VCF if vcf is not None else InputKind.PGEN
    source = vcf if vcf is not None else pgen
    assert source is not None
    chosen = _chosen_samples(input_samples(kind, source), samples, source)
    if both:
        assert pgen is not None
        in_fileset = set(input_samples(InputKind.PGEN, pgen))
        absent = [sample for sample in chosen if sample not in in_fileset]
        if absent:
            raise InputError(
                f"{len(absent)} sample(s) of the VCF not in the PLINK 2 fileset, e.g. {absent[0]}", source=pgen
            )
    paths = [source] if vcf is not None else []
    if pgen is not None:
        paths += [Path(f"{pgen}{suffix}") for suffix in (".pgen", ".pvar", ".psam")]
    from tailormed.cohort.plan import read_records
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline.plausible import plausibility
    from tailormed.pipeline.prs import read_scores

    scores = read_scores(scoring)  # bad scoring files stop the run before it starts
    regions = region_partitions(vcf, pgen, analyses, scores, build, absent_is_reference, region_size)
    bundle = load_bundle(kb)
    if records is not None:
        read_records(records, plausibility(bundle))  # and so do bad records
    plan = CohortPlan(
        input_kind=kind,
        input=str(source),
        scores_pgen=str(pgen) if both else None,
        build=build,
        analyses=list(dict.fromkeys(analyses)),
        scoring=[str(path) for path in scoring],
        min_overlap=min_overlap,
        block_size=block_size,
        partitions=blocks(chosen, block_size),
        region_size=region_size,
        regions=regions,
        files=[checksum(path) for path in [*paths, *scoring, *([records] if records is not None else [])]],
        kb=str(bundle.root) if bundle.root is not None else None,
        knowledge=bundle.versions(),
        records=str(records) if records is not None else None,
        absent_is_reference=absent_is_reference,
        on=on or date.today(),
    )
    return plan


def plan_bgen_run(
    bgen: Path,
    sample_file: Path | None,
    *,
    vcf: Path | None,
    pgen: Path | None,
    analyses: Sequence[Analysis],
    scoring: Sequence[Path],
    build: GenomeBuild | None,
    samples: Sequence[str] | None,
    block_size: int,
    min_overlap: float,
    kb: Path | None,
    records: Path | None,
    absent_is_reference: bool,
    on: date | None,
    region_size: int | None,
) -> CohortPlan:
    """The plan of a BGEN run (see :func:`plan_run`), its file read whole before any work starts."""
    from tailormed.cohort.plan import read_records
    from tailormed.evidence.bgen import BgenInput
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline.plausible import plausibility
    from tailormed.pipeline.prs import read_scores

    if vcf is not None or pgen is not None:
        raise InputError("--bgen is read alone: give --bgen, --vcf or --pgen", source=bgen)
    if not analyses:
        raise InputError(f"--analyses names no analysis; available: {', '.join(a.value for a in Analysis)}")
    if Analysis.PRS in analyses and not scoring:
        raise InputError("--analyses prs needs at least one --scoring file")
    if build is None:
        raise InputError("a BGEN file names no genome build: give --build", source=bgen)
    if absent_is_reference or region_size is not None:
        raise InputError("--absent-is-reference and --region-size apply to VCF input, not to --bgen", source=bgen)
    source = BgenInput.open(bgen, sample_file)
    chosen = _chosen_samples(list(source.samples), samples, bgen)
    read_scores(scoring)
    bundle = load_bundle(kb)
    if records is not None:
        read_records(records, plausibility(bundle))
    paths = [bgen, *([source.sample_file] if source.sample_file is not None else []), *scoring]
    return CohortPlan(
        input_kind=InputKind.BGEN,
        input=str(bgen),
        sample_file=str(source.sample_file) if source.sample_file is not None else None,
        build=build,
        analyses=list(dict.fromkeys(analyses)),
        scoring=[str(path) for path in scoring],
        min_overlap=min_overlap,
        block_size=block_size,
        partitions=blocks(chosen, block_size),
        files=[checksum(path) for path in [*paths, *([records] if records is not None else [])]],
        kb=str(bundle.root) if bundle.root is not None else None,
        knowledge=bundle.versions(),
        records=str(records) if records is not None else None,
        on=on or date.today(),
    )


def region_partitions(
    vcf: Path | None,
    pgen: Path | None,
    analyses: Sequence[Analysis],
    scores: Sequence[ScoringFile],
    build: GenomeBuild | None,
    absent_is_reference: bool,
    size: int | None,
) -> list[Region]:
    """The score regions of ``--region-size`` (none without it), once the run can use them."""
    if size is None:
        return []
    if vcf is None or pgen is not None or Analysis.PRS not in analyses:
        raise InputError("--region-size splits the scores read from a VCF: give --vcf and --analyses prs, no --pgen")
    if build is None:
        raise InputError("--region-size needs --build: regions are ranges of the scores' positions in one build")
    if absent_is_reference:
        raise InputError("--region-size is for cohorts; --absent-is-reference for single-sample VCFs", source=vcf)
    if not any(Path(f"{vcf}{suffix}").is_file() for suffix in (".tbi", ".csi")):
        raise InputError(
            "--region-size reads each region through the VCF's index: bgzip the VCF and index it (tabix -p vcf)",
            source=vcf,
        )
    sites = [
        (chrom, pos)
        for score in scores
        for found in [score.positions(build)]
        for chrom, pos in zip(found.chrom, found.pos.tolist(), strict=True)
        if chrom is not None
    ]
    return score_regions(sites, size)


def run_cohort(
    plan: CohortPlan,
    out: Path,
    *,
    workers: int = 1,
    engine: Engine = Engine.LOCAL,
    spark_master: str = "local[2]",
    on_partition: Callable[[dict[str, object]], None] | None = None,
    populations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run every unfinished partition and write the manifest.

    ``local``: ``workers`` processes (1 = in this process); ``spark``: one Spark task per group of partitions on
    ``spark_master``. Both run the same group function (:func:`tailormed.cohort.tasks.run_group`: sample blocks of a
    VCF share one pass over it), so their Parquet files are the same. The summary
    (``summary.json``, ``summary.html``) is written last, per group of ``populations`` (sample -> group) if given.
    """
    out.mkdir(parents=True, exist_ok=True)
    arrow_without_pandas()
    prepare_run(plan, out)
    units = plan.units
    todo = [partition for partition in units if not finished(plan, partition, out)]
    skipped = len(units) - len(todo)
    done: list[dict[str, object]] = []
    if engine is Engine.SPARK:
        from tailormed.cohort.spark import run_on_spark

        done = run_on_spark(plan, todo, out, master=spark_master, on_partition=on_partition)
    elif workers <= 1 or len(todo) <= 1:
        for group in read_groups(plan, todo):
            for summary in run_group(plan, group, out):
                done.append(summary)
                if on_partition:
                    on_partition(summary)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_group, plan, group, out) for group in read_groups(plan, todo, workers)]
            for future in as_completed(futures):
                for summary in future.result():
                    done.append(summary)
                    if on_partition:
                        on_partition(summary)
    if plan.regions:
        merge_regions(plan, out)
    manifest = manifest_of(plan, out, computed=len(done), skipped=skipped)
    manifest["engine"] = engine.value if engine is Engine.LOCAL else f"spark ({spark_master})"
    write_text_atomic(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    from tailormed.cohort.summary import write_summary

    write_summary(out, manifest, [sample for p in plan.partitions for sample in p.samples], populations)
    return manifest


def manifest_of(plan: CohortPlan, out: Path, *, computed: int, skipped: int) -> dict[str, Any]:
    """What the outputs rest on: inputs with checksums, knowledge versions per analysis, partitions, build."""
    from tailormed.cohort.plan import Analysis
    from tailormed.cohort.tables import SCHEMAS
    from tailormed.cohort.tasks import RISK_NEEDS_RECORDS, marker_path, run_analyses, tables_of
    from tailormed.pipeline.prs import read_scores

    markers = [json.loads(marker_path(out, p).read_text()) for p in plan.units]
    used_by: dict[str, dict[str, str]] = {}
    for marker in markers:
        for engine, used in marker.get("knowledge", {}).items():
            used_by.setdefault(engine, {}).update(used)
    knowledge: dict[str, object] = {"bundle": plan.kb or "installed (or the curated core)", **used_by}
    if Analysis.PRS in plan.analyses:
        knowledge["prs"] = [
            {
                "pgs_id": score.name,
                "pgs_name": score.header.pgs_name,
                "trait": score.header.trait_reported,
                "format_version": score.header.format_version,
                "genome_build": score.header.genome_build,
                "variants": len(score),
            }
            for score in read_scores([Path(path) for path in plan.scoring])
        ]
    not_run = {a.value: RISK_NEEDS_RECORDS for a in plan.analyses if a not in run_analyses(plan)}
    skipped_people: dict[str, dict[str, int]] = {}
    for marker in markers:
        for engine, reasons in marker.get("skipped", {}).items():
            for reason, count in reasons.items():
                target = skipped_people.setdefault(engine, {})
                target[reason] = target.get(reason, 0) + count
    return {
        "tailormed": plan.version,
        "fingerprint": plan.fingerprint,
        "input": {"kind": plan.input_kind.value, "path": plan.input}
        | ({"prs_from_pgen": plan.scores_pgen} if plan.scores_pgen is not None else {})
        | ({"sample_file": plan.sample_file} if plan.sample_file is not None else {})
        | ({"regions": plan.restrict_to} if plan.restrict_to is not None else {}),
        "files": [file.model_dump(mode="json") for file in plan.files],
        "build": markers[0]["build"] if markers else None,
        "analyses": [analysis.value for analysis in run_analyses(plan)],
        "not_run": not_run,
        "engines_skipped": skipped_people,
        "assessed_on": plan.on.isoformat() if plan.on else None,
        "records": plan.records,
        "absent_is_reference": plan.absent_is_reference,
        "knowledge": knowledge,
        "knowledge_bundle_sources": plan.knowledge,
        "missing_genotypes": "not imputed (each person's score rests on their own genotypes only)",
        "min_overlap": plan.min_overlap,
        "samples": sum(len(p.samples) for p in plan.partitions),
        "partitions": [
            {"name": p.name, "samples": len(p.samples), "seconds": m["seconds"]}
            for p, m in zip(plan.units, markers, strict=True)
        ],
        "regions": [region.model_dump(mode="json") for region in plan.regions],
        "region_size": plan.region_size,
        "computed_now": computed,
        "reused": skipped,
        "tables": {table: [field.name for field in SCHEMAS[table]] for table in tables_of(plan)},
    }


def _chosen_samples(everyone: list[str], samples: Sequence[str] | None, source: Path) -> list[str]:
    """The listed samples (every one must be in the input), else all of the input's; refused when none."""
    chosen = everyone
    if samples is not None:
        known = set(everyone)
        unknown = [sample for sample in samples if sample not in known]
        if unknown:
            raise InputError(f"{len(unknown)} listed sample(s) not in the input, e.g. {unknown[0]}", source=source)
        chosen = list(samples)
    if not chosen:
        raise InputError("the cohort input has no samples", source=source)
    return chosen
