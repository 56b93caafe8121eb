"""``tailormed onco match``: tumour alterations -> targeted therapies with levels of evidence and AMP tiers.

Three input forms: tumour files (``--vcf`` somatic VCF, ``--cna`` copy-number segments, ``--fusions`` fusion list)
for one case, ``--alteration`` texts (repeatable; ``--germline-alteration`` for variants known to be inherited), or a
batch ``--input CASES.tsv``. The work is done by
:mod:`tailormed.pipeline.onco`; this module parses options and renders.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tailormed.cli.console import err, out, plain
from tailormed.cli.options import BuildOption, KbOption
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic
from tailormed.model.enums import DiseaseExtent

onco_app = typer.Typer(
    rich_markup_mode=None,
    name="onco",
    help="Oncology: tumour alterations matched to targeted therapies, with evidence levels and AMP/ASCO/CAP tiers.",
    no_args_is_help=True,
)


class MatchFormat(StrEnum):
    TSV = "tsv"
    JSON = "json"


@onco_app.command("match")
def match(
    tumor_type: Annotated[
        str | None,
        typer.Option(
            "--tumor-type",
            "-t",
            help="OncoTree code of the tumour, e.g. COAD, NSCLC, BRCA, CUP (unknown primary); UNKNOWN if not known.",
        ),
    ] = None,
    vcf: Annotated[Path | None, typer.Option("--vcf", help="Somatic VCF (plain, bgzipped or BCF).")] = None,
    cna: Annotated[
        Path | None, typer.Option("--cna", help="Copy-number segments TSV (Chromosome Start End nMajor nMinor).")
    ] = None,
    fusions: Annotated[
        Path | None, typer.Option("--fusions", help="Fusion TSV with a FusionGene column (A--B).")
    ] = None,
    alteration: Annotated[
        list[str] | None, typer.Option("--alteration", "-a", help="An alteration, e.g. 'BRAF V600E' (repeatable).")
    ] = None,
    germline: Annotated[
        list[str] | None,
        typer.Option(
            "--germline-alteration",
            "-g",
            help="A variant known to be inherited (germline), e.g. 'VHL Q164*' (repeatable); labels for germline "
            "variants only (belzutifan for VHL disease) need this or a germline origin in the input.",
        ),
    ] = None,
    extent: Annotated[
        DiseaseExtent | None,
        typer.Option(
            "--extent",
            help="Extent of disease: early (resectable or resected), locally_advanced (unresectable) or metastatic; "
            "a label for other extents is not on-label (not given: shown as the label's condition).",
        ),
    ] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage", help="AJCC stage group as the report gives it (III, IIIB, IV), shown with the extent of disease."
        ),
    ] = None,
    cases: Annotated[
        Path | None,
        typer.Option(
            "--input",
            "-i",
            help="Batch TSV: case_id gene alteration feature_type tumor_type [origin] [extent] [stage].",
        ),
    ] = None,
    case_id: Annotated[str, typer.Option("--case-id", help="case_id for single-case output.")] = "case",
    build: BuildOption = None,
    amp_min_copies: Annotated[
        int | None,
        typer.Option("--amp-min-copies", min=1, help="Total copies at which a gene counts as amplified [curated: 6]."),
    ] = None,
    core_only: Annotated[
        bool, typer.Option("--core-only", help="Use only the curated core, not CIViC/CGI from the built bundle.")
    ] = False,
    kb: KbOption = None,
    output_format: Annotated[MatchFormat, typer.Option("--format", "-f", help="Output format.")] = MatchFormat.TSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
) -> None:
    """Match tumour alterations to therapies; one row per alteration, therapy and claim, best tier first, citing every
    label and source row that says it (JSON keeps each evidence row)."""
    from tailormed.engines.onco.run import match_profile
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline import onco
    from tailormed.report.tables import onco_tsv

    single = vcf is not None or cna is not None or fusions is not None or bool(alteration) or bool(germline)
    if cases is not None and single:
        raise InputError("use either --input CASES.tsv or single-case inputs (--vcf/--cna/--fusions/--alteration)")
    if cases is None and not single:
        raise InputError("nothing to match: give --vcf, --cna, --fusions, --alteration or --input CASES.tsv")
    for option, given in (("--extent", extent), ("--stage", stage)):
        if cases is not None and given is not None:
            name = option.removeprefix("--")
            raise InputError(f"{option} is for single-case inputs; a batch TSV states each case's in its {name} column")
    if cases is None and tumor_type is None:
        raise InputError("--tumor-type is required for single-case inputs: an OncoTree code such as COAD, or UNKNOWN")
    knowledge = onco.load_knowledge(load_bundle(kb), include_built=not core_only)
    if cases is not None:
        profiles = onco.batch_profiles(cases, knowledge)
    else:
        profiles = [
            onco.file_profile(
                case_id,
                tumor_type,
                knowledge,
                vcf=vcf,
                build=build,
                cna=cna,
                fusions=fusions,
                alterations=alteration or (),
                germline=germline or (),
                amp_min_copies=amp_min_copies,
                extent=extent,
                stage=stage,
            )
        ]
    results = [match_profile(profile, knowledge) for profile in profiles]
    if output_format is MatchFormat.TSV:
        text = onco_tsv(results)
    else:
        payload = {"knowledge": knowledge.versions(), "cases": [r.model_dump(mode="json") for r in results]}
        text = json.dumps(payload, indent=1, ensure_ascii=False) + "\n"
    for result in results:
        for item in result.not_assessed:
            err.print(
                f"[yellow]not assessed[/] {plain(f'{result.case_id}: {item.item} — {item.reason}')}", highlight=False
            )
    if output is None:
        out.file.write(text)
        out.file.flush()
    else:
        write_text_atomic(output, text)
        err.print(f"wrote {sum(len(r.matches) for r in results)} matches for {len(results)} case(s) to {output}")
