"""``tailormed hereditary VCF``: ClinVar P/LP (and conflicting) variants with the ACMG SF verdict, one row each.

Reads every sample (or ``--sample``) at the ClinVar positions of the knowledge bundle, applies the chosen ACMG SF
list's per-gene rules and writes ``gene chrom pos ref alt genotype clinvar_significance review_stars reportable
reason condition inheritance`` (then sample, zygosity, ClinVar id, HGVS and management). What could not be assessed
goes to stderr (TSV) or into the JSON. The work is done by :mod:`tailormed.pipeline.hereditary`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tailormed.cli.console import err, out, plain, progress
from tailormed.cli.options import AbsentIsReferenceOption, BuildOption, KbOption
from tailormed.fileio import write_text_atomic
from tailormed.model.enums import Sex


class HereditaryFormat(StrEnum):
    TSV = "tsv"
    JSON = "json"


def hereditary(
    vcf: Annotated[Path, typer.Argument(help="VCF, bgzipped VCF or BCF (GRCh38); all samples unless --sample.")],
    sample: Annotated[list[str] | None, typer.Option("--sample", "-s", help="Sample to assess (repeatable).")] = None,
    acmg_version: Annotated[
        str | None,
        typer.Option("--acmg-version", help="ACMG SF list version (3.1, 3.2, 3.3 when built; default: 3.2)."),
    ] = None,
    min_stars: Annotated[
        int, typer.Option("--min-stars", min=0, max=4, help="Lowest ClinVar review stars a reportable P/LP needs.")
    ] = 0,
    sex: Annotated[
        Sex | None,
        typer.Option("--sex", case_sensitive=False, help="Sex of every sample, for X-linked genes (hemizygous males)."),
    ] = None,
    absent_is_reference: AbsentIsReferenceOption = False,
    build: BuildOption = None,
    kb: KbOption = None,
    output_format: Annotated[
        HereditaryFormat, typer.Option("--format", "-f", help="Output format.")
    ] = HereditaryFormat.TSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
) -> None:
    """List ClinVar P/LP and conflicting variants in a VCF with the ACMG secondary-findings verdict."""
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.knowledge.hereditary.load import load_hereditary
    from tailormed.pipeline import hereditary as pipeline
    from tailormed.report import tables

    bundle = load_bundle(kb)
    knowledge = load_hereditary(bundle) if acmg_version is None else load_hereditary(bundle, acmg_version)
    with progress() as bar:
        task = bar.add_task(f"reading {vcf.name}", total=None)
        batch = pipeline.read_hereditary_batch(
            vcf,
            knowledge,
            bundle,
            samples=sample or None,
            build=build,
            absent_is_reference=absent_is_reference,
            on_progress=lambda n: bar.advance(task, n),
        )
    results = [
        pipeline.assess_evidence(batch.evidence(name), knowledge, sex=sex, min_stars=min_stars)
        for name in batch.samples
    ]
    if output_format is HereditaryFormat.TSV:
        text = tables.hereditary_tsv(results)
        limits = dict.fromkeys(f"{item.item}: {item.reason}" for result in results for item in result.limits)
        for line in limits:
            err.print(f"[dim]not assessed:[/] {plain(line)}", highlight=False)
    else:
        text = tables.hereditary_json(results, knowledge)
    for result in results:
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False)
    if output is None:
        out.file.write(text)  # raw: a Rich print would expand the TSV's tabs
        out.file.flush()
    else:
        write_text_atomic(output, text)
        rows = sum(len(r.result.rows) for r in results)
        reportable = sum(row.reportable for r in results for row in r.result.rows)
        err.print(f"wrote {rows} variants ({reportable} reportable) for {len(results)} samples to {output}")
