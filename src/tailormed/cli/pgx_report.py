"""``tailormed pgx report``: one patient's PGx report (gene results, medication review, dosing) from record + VCF.

The pipeline (:func:`tailormed.pipeline.analyze.read_patient_genome`, :func:`tailormed.pipeline.pgx.patient_pgx`) does
the work; this module parses options and renders.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tailormed.cli.console import err, out, plain, progress
from tailormed.cli.options import (
    AbsentIsReferenceOption,
    BuildOption,
    KbOption,
    OutsideCallsOption,
    RecordVcfOption,
)
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic

if TYPE_CHECKING:
    from tailormed.model.patient import Patient
    from tailormed.pipeline.pgx import PatientPgx


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def report_command(
    record: Annotated[Path, typer.Option("--record", help="Patient record (YAML/JSON) with the medication list.")],
    vcf: RecordVcfOption = None,
    outside_calls: OutsideCallsOption = None,
    absent_is_reference: AbsentIsReferenceOption = False,
    build: BuildOption = None,
    kb: KbOption = None,
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.TEXT,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (atomically).")] = None,
) -> None:
    """Per-drug CPIC/DPWG recommendations and a medication review with phenoconversion for one patient."""
    from tailormed.intake.record import load_record, resolve_genome_path, resolve_outside_calls
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline.analyze import read_patient_genome
    from tailormed.pipeline.pgx import CONSUMER, load_calling, not_covered, patient_pgx, read_outside
    from tailormed.pipeline.plausible import plausibility

    bundle = load_bundle(kb)
    patient = load_record(record, plausibility(bundle))
    vcf_path = vcf or resolve_genome_path(patient, record)
    outside_calls = outside_calls or resolve_outside_calls(patient, record)
    if vcf_path is None:
        raise InputError("no VCF given and the record has no genome.vcf", source=record, location="genome")
    definitions, tables = load_calling(bundle)
    outside = read_outside(outside_calls, definitions, tables=tables) if outside_calls is not None else None
    with progress() as bar:
        task = bar.add_task(f"reading {plain(vcf_path.name)}", total=None)
        evidence = read_patient_genome(
            vcf_path,
            patient,
            bundle,
            engines=["pgx"],
            build=build,
            absent_is_reference=True if absent_is_reference else None,
            on_progress=lambda n: bar.advance(task, n),
        )
    run = patient_pgx(patient, evidence, bundle, outside=outside, on=date.today())
    for warning in [*evidence.warnings, *run.warnings]:
        err.print(f"[yellow]warning:[/] {plain(warning)}", highlight=False)
    if evidence.absent.absent_is_reference:
        for region in evidence.uncovered(CONSUMER):
            err.print(f"[bold yellow]{region.name}:[/] {plain(not_covered(region))}", highlight=False)
    if output_format is ReportFormat.JSON:
        _emit(json.dumps(_payload(patient, run), indent=2, ensure_ascii=False) + "\n", output)
    elif output is None:
        _render(patient, run)
    else:
        with out.capture() as captured:
            _render(patient, run)
        _emit(captured.get(), output)


def _payload(patient: Patient, run: PatientPgx) -> dict[str, Any]:
    result = run.result
    return {
        "patient": patient.id,
        "sample": run.genotypes.sample,
        "vcf": run.genotypes.source,
        "build": run.genotypes.build.model_dump(mode="json"),
        "absent_is_reference": run.genotypes.absent_is_reference,
        "knowledge": run.versions,
        "genes": [p.model_dump(mode="json") for p in result.phenotypes.values()],
        "medication_review": result.review.model_dump(mode="json"),
        "other_actionable": [r.model_dump(mode="json") for r in result.other_recommendations],
        "warfarin": result.warfarin.model_dump(mode="json") if result.warfarin else None,
        "findings": [f.model_dump(mode="json") for f in run.findings],
    }


def _render(patient: Patient, run: PatientPgx) -> None:
    from rich.table import Table
    from rich.text import Text

    from tailormed.engines.pgx.matcher import ABSENT_AS_REFERENCE_NOTE
    from tailormed.report.text import plain_word

    genotypes, result, versions = run.genotypes, run.result, run.versions
    out.print(
        f"[bold]PGx report[/] for {plain(f'{patient.id} (sample {genotypes.sample}, {genotypes.source})')}",
        highlight=False,
    )
    absent = "absent positions assumed reference" if genotypes.absent_is_reference else "absent positions not called"
    out.print(
        f"{absent}; knowledge: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())),
        highlight=False,
        markup=False,
    )
    genes = Table(title="Gene results")  # cells are Text: knowledge and input text is shown as it is
    for column in ("gene", "diplotype", "phenotype", "activity score", "notes"):
        genes.add_column(column)
    for gene, p in sorted(result.phenotypes.items()):
        genes.add_row(
            Text(gene),
            Text(" or ".join(p.diplotypes) or "-"),
            Text(p.phenotype or plain_word(p.status)),
            Text(p.activity_score or ""),
            Text(
                "; ".join(
                    [
                        *(note for note in p.notes if note != ABSENT_AS_REFERENCE_NOTE),  # stated once, above the table
                        *(f"missing {m}" for m in p.missing_positions[:3]),
                    ]
                )
            ),
        )
    out.print(genes)
    meds = Table(title="Medication review")
    for column in ("medication", "source", "gene results used", "recommendation", "strength", "action"):
        meds.add_column(column)
    for medication in result.review.medications:
        for answer in medication.recommendations:
            # the whole text: a row that opens with its condition ("Patient has ... risk factors:") gives its advice
            # on the lines that follow
            text = "\n".join(
                f"[{r.population}] {r.text.strip()}" if r.population not in (None, "general") else r.text.strip()
                for r in answer.rows
            ) or "; ".join(n.reason for n in answer.not_assessed)
            if answer.provisional and answer.range_note:
                text += f"\n{answer.range_note}"
            meds.add_row(
                Text(medication.medication),
                Text(answer.source),
                Text("\n".join(answer.gene_results.values())),
                Text(text),
                Text(", ".join(sorted({r.classification or "" for r in answer.rows}))),
                "change" if answer.actionable else "",
            )
    out.print(meds)
    for change in result.review.phenoconversions:
        out.print(f"[bold yellow]phenoconversion:[/] {plain(change.explanation)}", highlight=False)
    for line in result.review.unrecognised:
        out.print(f"[bold red]{plain(line)}[/]", highlight=False)
    for line in result.review.not_in_bundle:
        out.print(f"[bold yellow]{plain(line)}[/]", highlight=False)
    if result.review.without_guidance:
        out.print(
            "no CPIC/DPWG guidance for: " + ", ".join(result.review.without_guidance), highlight=False, markup=False
        )
    if result.warfarin is not None:
        out.print(f"[bold]warfarin (IWPC):[/] {plain(result.warfarin.worked)}", highlight=False)
        if result.warfarin.adjusted_weekly_mg is not None:
            low, high = result.warfarin.adjusted_weekly_mg
            out.print(f"  CPIC 2017 adjusted: {low:.1f}-{high:.1f} mg/week", highlight=False)
        for item in result.warfarin.not_assessed:
            out.print(f"  not assessed: {item.item}: {item.reason}", highlight=False, markup=False)
    if result.other_recommendations:
        drugs = sorted({f"{r.drug} ({r.source})" for r in result.other_recommendations})
        out.print(
            "guidance that would change therapy for drugs not on the list: " + ", ".join(drugs),
            highlight=False,
            markup=False,
        )


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        out.file.write(text)
        out.file.flush()
        return
    write_text_atomic(output, text)
    err.print(f"wrote PGx report to {output}")
