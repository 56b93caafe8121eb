"""``tailormed cohort run``: the per-person analyses over a cohort VCF, PLINK 2 fileset or BGEN, partitioned, resumable.

Outputs go to ``OUT/<table>.parquet/block=NNNNN/part-0.parquet`` (region partitions' partial scores under
``OUT/_regions/``) (Hive-style, readable with DuckDB or Spark as one
table) and ``OUT/manifest.json`` (inputs with checksums, scores, build, partitions). The work is done by
:mod:`tailormed.cohort`; this module parses options and shows progress.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tailormed.cli.console import err, progress
from tailormed.cli.options import AbsentIsReferenceOption, BuildOption, KbOption

cohort_app = typer.Typer(
    rich_markup_mode=None,
    name="cohort",
    help="Cohort runs: the same analyses over many people, in resumable partitions, to Parquet.",
    no_args_is_help=True,
)


@cohort_app.command("run")
def run(
    out: Annotated[Path, typer.Option("--out", help="Output folder (Parquet tables and manifest.json).")],
    vcf: Annotated[Path | None, typer.Option("--vcf", help="Multi-sample VCF, bgzipped VCF or BCF.")] = None,
    pgen: Annotated[
        Path | None,
        typer.Option(
            "--pgen",
            help="PLINK 2 fileset prefix (.pgen/.pvar/.psam); needs --build. With --vcf: prs is scored from it.",
        ),
    ] = None,
    bgen: Annotated[
        Path | None,
        typer.Option("--bgen", help="BGEN file (first allele the reference) for every analysis; needs --build."),
    ] = None,
    bgen_sample: Annotated[
        Path | None,
        typer.Option("--sample", help="Oxford .sample file of --bgen (default: FILE.sample beside it, else its IDs)."),
    ] = None,
    samples: Annotated[
        Path | None, typer.Option("--samples", help="File with the sample IDs to analyse, one per line.")
    ] = None,
    regions: Annotated[
        Path | None,
        typer.Option("--regions", help="BED file (0-based, half-open): every analysis reads only these regions."),
    ] = None,
    analyses: Annotated[
        str, typer.Option("--analyses", help="Comma-separated analyses: pgx, prs, hereditary, risk.")
    ] = "prs",
    scoring: Annotated[
        list[Path] | None, typer.Option("--scoring", help="PGS Catalog scoring file (repeatable) for prs.")
    ] = None,
    build: BuildOption = None,
    kb: KbOption = None,
    records: Annotated[
        Path | None,
        typer.Option("--records", help="JSON Lines file of patient records; genome.sample (else id) names the sample."),
    ] = None,
    populations: Annotated[
        Path | None,
        typer.Option("--populations", help="TSV with a sample column (sample, IID or #IID) and a population column."),
    ] = None,
    population_column: Annotated[
        str, typer.Option("--population-column", help="The --populations column the summary groups people by.")
    ] = "SuperPop",
    absent_is_reference: AbsentIsReferenceOption = False,
    on: Annotated[str | None, typer.Option("--on", help="Assessment date (YYYY-MM-DD); default today.")] = None,
    block_size: Annotated[int, typer.Option("--block-size", min=1, help="Samples per partition.")] = 500,
    region_size: Annotated[
        int | None,
        typer.Option(
            "--region-size",
            min=1,
            help="Compute prs in ranges of the scores' sites spanning under this many base pairs, each read once "
            "through the VCF's index for every sample (needs an indexed VCF and --build).",
        ),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes (local engine).")] = 1,
    engine: Annotated[str, typer.Option("--engine", help="local (process pool) or spark (PySpark extra).")] = "local",
    spark_master: Annotated[
        str, typer.Option("--spark-master", help="Spark master URL, e.g. local[2] or spark://host:7077.")
    ] = "local[2]",
    min_overlap: Annotated[
        float, typer.Option("--min-overlap", min=0.0, max=1.0, help="Minimum matched share of a score.")
    ] = 0.75,
) -> None:
    """Run the analyses over every sample (or those in --samples); finished partitions of an earlier run are kept.

    The run ends with summary.json and summary.html (frequencies, actionable share, score distributions, hereditary
    rates), per population group when --populations is given.

    pgx, hereditary and risk are the single-patient engines, run per person on evidence read once per partition;
    prs scores the given PGS Catalog files. risk needs --records (age, sex, measurements per person).
    """
    from datetime import date

    from tailormed.cohort.plan import Analysis, Engine, read_sample_list
    from tailormed.cohort.run import plan_run, run_cohort
    from tailormed.cohort.summary import read_populations
    from tailormed.errors import InputError

    try:
        wanted = [Analysis(name.strip()) for name in analyses.split(",") if name.strip()]
    except ValueError as exc:
        raise InputError(f"--analyses: {exc}; available: {', '.join(a.value for a in Analysis)}") from exc
    if engine not in {e.value for e in Engine}:
        raise InputError(f"--engine must be local or spark, not {engine!r}")
    try:
        assessed = date.fromisoformat(on) if on is not None else None
    except ValueError as exc:
        raise InputError(f"--on must be a date YYYY-MM-DD, not {on!r}") from exc
    plan = plan_run(
        vcf=vcf,
        pgen=pgen,
        analyses=wanted,
        scoring=scoring or [],
        build=build,
        samples=read_sample_list(samples) if samples is not None else None,
        block_size=block_size,
        min_overlap=min_overlap,
        kb=kb,
        records=records,
        absent_is_reference=absent_is_reference,
        on=assessed,
        region_size=region_size,
        bgen=bgen,
        bgen_sample=bgen_sample,
        restrict_to=regions,
    )
    groups = read_populations(populations, population_column) if populations is not None else None
    with progress() as bar:
        task = bar.add_task(f"{len(plan.units)} partitions", total=len(plan.units))
        manifest = run_cohort(
            plan,
            out,
            workers=workers,
            engine=Engine(engine),
            spark_master=spark_master,
            on_partition=lambda _: bar.advance(task),
            populations=groups,
        )
    err.print(
        f"{manifest['samples']} samples in {len(plan.units)} partitions: {manifest['computed_now']} computed, "
        f"{manifest['reused']} already finished; wrote {out}",
        highlight=False,
    )
    for analysis, reason in manifest["not_run"].items():
        err.print(f"{analysis}: {reason}", highlight=False, markup=False)
