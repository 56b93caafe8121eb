"""Options several commands share, declared once so their names and help read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tailormed.model.enums import GenomeBuild

KbOption = Annotated[
    Path | None,
    typer.Option(
        "--kb", help="Knowledge bundle folder (default: $TAILORMED_KB or the installed bundle, else the curated core)."
    ),
]
OutsideCallsOption = Annotated[
    Path | None,
    typer.Option("--outside-calls", help="TSV of calls from other tools (gene, diplotype, phenotype, score)."),
]
AbsentIsReferenceOption = Annotated[
    bool,
    typer.Option(
        "--absent-is-reference",
        help="The VCF is complete (WGS/panel): positions it does not list are reference. Recorded in the output.",
    ),
]


def genome_build(name: str | GenomeBuild) -> GenomeBuild:
    """``--build``'s value: any name :meth:`GenomeBuild.named` knows; a usage error listing the accepted ones."""
    if isinstance(name, GenomeBuild):
        return name
    try:
        return GenomeBuild.named(name)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


BuildOption = Annotated[
    GenomeBuild | None,
    typer.Option(
        "--build",
        parser=genome_build,
        metavar="<build>",
        help="The VCF's genome build, overriding detection: GRCh37 (hg19, b37, GRCh37.p13) or GRCh38 (hg38, b38).",
    ),
]
RecordVcfOption = Annotated[
    Path | None, typer.Option("--vcf", help="VCF/BCF of the patient (default: the record's genome.vcf).")
]
