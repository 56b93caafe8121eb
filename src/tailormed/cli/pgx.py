"""``tailormed pgx``: pharmacogenomic star-allele calls from a VCF (``call``) and one patient's report (``report``).

``pgx call`` reads every sample (or ``--sample``) of a VCF in one pass at the allele-defining positions, runs the
named-allele matcher per gene, lets outside calls override genes, adds phenotype and activity score, and writes one
row per sample and gene. The work is done by :mod:`tailormed.pipeline.pgx`; this module parses options and renders.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tailormed.cli.console import err, out, plain, progress
from tailormed.cli.options import AbsentIsReferenceOption, BuildOption, KbOption, OutsideCallsOption
from tailormed.cli.pgx_report import report_command
from tailormed.fileio import write_text_atomic

if TYPE_CHECKING:
    from tailormed.model.genotype import SampleGenotypes
    from tailormed.model.pgx import GeneCall, GenePhenotype

    Result = tuple[SampleGenotypes, list[GeneCall], Mapping[str, GenePhenotype]]

pgx_app = typer.Typer(
    rich_markup_mode=None,
    name="pgx",
    help="Pharmacogenomics: star-allele diplotypes, phenotypes and drug guidance from a VCF.",
    no_args_is_help=True,
)
pgx_app.command("report")(report_command)


class CallFormat(StrEnum):
    TSV = "tsv"
    JSON = "json"


@pgx_app.command("call")
def call(
    vcf: Annotated[Path, typer.Argument(help="VCF, bgzipped VCF or BCF; all samples unless --sample is given.")],
    sample: Annotated[list[str] | None, typer.Option("--sample", "-s", help="Sample to call (repeatable).")] = None,
    absent_is_reference: AbsentIsReferenceOption = False,
    outside_calls: OutsideCallsOption = None,
    lenient: Annotated[
        bool, typer.Option("--lenient", help="Skip bad outside-call lines with a warning instead of stopping.")
    ] = False,
    build: BuildOption = None,
    kb: KbOption = None,
    output_format: Annotated[CallFormat, typer.Option("--format", "-f", help="Output format.")] = CallFormat.TSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
) -> None:
    """Call star-allele diplotypes for every PGx gene in a VCF; one row per sample and gene."""
    from tailormed.engines.pgx.copy_number import phenotype_calls
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.knowledge.pgx.copy_number import load_copy_number
    from tailormed.pipeline import pgx

    bundle = load_bundle(kb)
    sources = pgx.pgx_sources(bundle)
    definitions, tables = pgx.load_calling(bundle, sources)
    copy_numbers = load_copy_number(bundle)
    outside = pgx.read_outside(outside_calls, definitions, tables=tables, lenient=lenient)
    with progress() as bar:
        task = bar.add_task(f"reading {vcf.name}", total=None)
        batch = pgx.read_pgx_batch(
            vcf,
            bundle,
            samples=sample or None,
            build=build,
            absent_is_reference=absent_is_reference,
            on_progress=lambda n: bar.advance(task, n),
        )
    results: list[Result] = []
    with progress() as bar:
        task = bar.add_task("calling samples", total=len(batch.samples))
        for name in batch.samples:
            genotypes, calls = pgx.evidence_calls(batch.evidence(name), definitions, outside, copy_numbers)
            results.append((genotypes, calls, phenotype_calls(calls, tables, copy_numbers)))
            bar.advance(task)
    for warning in batch.warnings:
        err.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False)
    for genotypes, _, _ in results:  # e.g. a REF that differs from the knowledge's: that position is not used
        for warning in genotypes.warnings:
            if warning not in batch.warnings:
                err.print(f"[yellow]warning:[/] {plain(f'{genotypes.sample}: {warning}')}", highlight=False)
    if batch.absent.absent_is_reference:
        for region in batch.coverage:
            if region.consumer == pgx.CONSUMER and not region.records:
                err.print(f"[bold yellow]{region.name}:[/] {plain(pgx.not_covered(region))}", highlight=False)
    if outside is not None:
        for warning in outside.warnings:
            err.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False)
    versions = {
        sources.definitions: next(iter(definitions.values())).version,
        **pgx.source_versions(bundle, [sources.phenotypes]),
    }
    if output_format is CallFormat.TSV:
        from tailormed.report.tables import calls_tsv

        text = calls_tsv([(calls, phenotypes) for _, calls, phenotypes in results])
    else:
        text = _json(results, versions)
    if output is None:
        out.file.write(text)  # raw: a Rich print would expand the TSV's tabs
        out.file.flush()
    else:
        write_text_atomic(output, text)
        err.print(f"wrote {sum(len(c) for _, c, _ in results)} gene calls for {len(results)} samples to {output}")


def _json(results: Sequence[Result], versions: dict[str, str]) -> str:
    from tailormed.report.tables import call_rows

    samples = []
    for genotypes, calls, phenotypes in results:
        genes: list[dict[str, Any]] = [
            {
                **row.call.model_dump(mode="json"),
                "diplotype": row.diplotype,
                "phenotype": row.phenotype,
                "activity_score": row.activity_score,
                "copy_number": row.copy_number or None,
            }
            for row in call_rows(calls, phenotypes)
        ]
        samples.append(
            {
                "sample": genotypes.sample,
                "source": genotypes.source,
                "build": genotypes.build.model_dump(mode="json"),
                "absent_is_reference": genotypes.absent_is_reference,
                "warnings": genotypes.warnings,
                "genes": genes,
            }
        )
    return json.dumps({"knowledge": versions, "samples": samples}, indent=1, ensure_ascii=False) + "\n"
