"""``tailormed vcf``: look inside a VCF/BCF before analysing it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tailormed.cli.console import out, plain, progress
from tailormed.cli.options import BuildOption

if TYPE_CHECKING:
    from tailormed.evidence.summary import VcfSummary

vcf_app = typer.Typer(
    rich_markup_mode=None,
    name="vcf",
    help="Inspect VCF/BCF files: samples, records, contigs, phasing, gVCF blocks, genome build.",
    no_args_is_help=True,
)


class InfoFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def _print_text(summary: VcfSummary) -> None:
    from rich.table import Table

    shown = ", ".join(summary.samples[:10]) + (" ..." if len(summary.samples) > 10 else "")
    table = Table(show_header=False, box=None)
    table.add_row("file", plain(summary.path))
    table.add_row("format", summary.format + (" (indexed)" if summary.indexed else ""))
    table.add_row("samples", f"{len(summary.samples)}" + (f": {plain(shown)}" if shown else ""))
    table.add_row("records", str(summary.records))
    table.add_row("multi-allelic", str(summary.multiallelic_records))
    table.add_row(
        "contigs",
        plain(", ".join(f"{c.name} ({c.records})" for c in summary.contigs) or "none"),
    )
    table.add_row("phased", "yes" if summary.phased else "no")
    table.add_row("haploid calls", "yes" if summary.haploid_calls else "no")
    table.add_row("gVCF blocks", "yes" if summary.gvcf else "no")
    if summary.build is not None:
        table.add_row(
            "build", plain(f"{summary.build.build} (from {summary.build.source.value}: {summary.build.detail})")
        )
    else:
        table.add_row("build", plain(f"undetermined: {summary.build_problem}"))
    out.print(table)


@vcf_app.command("info")
def info(
    vcf: Annotated[Path, typer.Argument(help="VCF, bgzipped VCF or BCF file.")],
    build: BuildOption = None,
    output_format: Annotated[InfoFormat, typer.Option("--format", "-f", help="Output format.")] = InfoFormat.TEXT,
) -> None:
    """Samples, record count, contigs, phasing, gVCF blocks and the detected genome build, from one checked pass."""
    from tailormed.evidence.summary import summarize_vcf
    from tailormed.knowledge.markers import core_build_markers

    markers = core_build_markers() if build is None else []  # every bundle's markers: no bundle is opened
    with progress() as bar:
        task = bar.add_task(f"reading {vcf.name}", total=None)
        summary = summarize_vcf(
            vcf,
            build=build,
            markers=markers,
            on_progress=lambda n: bar.advance(task, n),
            on_start=lambda total: bar.update(task, total=total),
        )
    if output_format is InfoFormat.JSON:
        out.print_json(summary.model_dump_json())
    else:
        _print_text(summary)
