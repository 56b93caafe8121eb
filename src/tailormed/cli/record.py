"""``tailormed record``: check a patient record or FHIR Bundle before it is used for a care plan."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tailormed.cli.console import err, out, plain
from tailormed.cli.options import KbOption

if TYPE_CHECKING:
    from rich.table import Table

    from tailormed.intake.record import RecordIntake

record_app = typer.Typer(
    rich_markup_mode=None, help="Patient records (YAML/JSON) and FHIR R4 Bundles.", no_args_is_help=True
)


class CheckFormat(StrEnum):
    JSON = "json"
    TEXT = "text"


@record_app.command()
def check(
    file: Annotated[Path, typer.Argument(help="Patient record (.yaml/.yml/.json) or FHIR R4 Bundle (.json).")],
    output_format: Annotated[
        CheckFormat, typer.Option("--format", "-f", help="json: the normalized patient; text: a short summary.")
    ] = CheckFormat.JSON,
    kb: KbOption = None,
) -> None:
    """Validate a record or FHIR Bundle and print the patient as tailormed reads it (exit 2 if invalid); its
    measurements are held to the plausibility ranges of the knowledge bundle (--kb), as an analysis holds them."""
    from tailormed.intake.record import read_record, resolve_genome_path
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline.plausible import plausibility

    intake = read_record(file, plausibility(load_bundle(kb)))
    notes = list(intake.warnings)
    genome = resolve_genome_path(intake.patient, file)
    if genome is not None and not genome.is_file():
        notes.append(f"genome.vcf '{intake.patient.genome.vcf if intake.patient.genome else ''}' not found at {genome}")
    for note in notes:
        err.print(f"[yellow]warning:[/] {plain(note)}", highlight=False, markup=True)
    if output_format is CheckFormat.JSON:
        out.print_json(json.dumps(intake.patient.model_dump(mode="json")))
    else:
        out.print(_summary(intake, file))


def _summary(intake: RecordIntake, file: Path) -> Table:
    from rich.table import Table
    from rich.text import Text

    patient = intake.patient
    demographics = patient.demographics
    table = Table(
        title=Text(f"{patient.id} ({intake.kind}: {file.name})"), show_header=False, title_justify="left"
    )  # titles and cells are Text: the record's own words are shown as they are
    table.add_column("section", style="bold")
    table.add_column("content")
    who = [demographics.sex.value]
    if demographics.birth_date is not None:
        who.append(f"born {demographics.birth_date.isoformat()}")
    elif demographics.age_years is not None:
        who.append(f"{demographics.age_years:g} years")
    if demographics.race or demographics.ethnicity:
        who.append(", ".join([*demographics.race, *([demographics.ethnicity] if demographics.ethnicity else [])]))
    table.add_row("patient", Text(", ".join(filter(None, [patient.display_name, *who]))))
    table.add_row("conditions", Text(_names([c.name for c in patient.conditions])))
    table.add_row("medications", Text(_names([f"{m.name} ({m.status.value})" for m in patient.medications])))
    table.add_row("allergies", Text(_names([a.substance for a in patient.allergies])))
    table.add_row(
        "observations",
        Text(f"{len(patient.observations)} ({len({o.loinc for o in patient.observations})} LOINC codes)"),
    )
    table.add_row(
        "family history", Text(_names([f"{f.relative.value}: {f.condition}" for f in patient.family_history]))
    )
    if patient.lifestyle.smoking is not None:
        table.add_row("smoking", Text(patient.lifestyle.smoking.status.value))
    if patient.tumour is not None:
        tumour = patient.tumour
        staged = [f"stage {tumour.stage}"] if tumour.stage else []
        extent = [tumour.extent.words] if tumour.extent else ["extent of disease not stated"]
        wild = [f"wild-type: {', '.join(tumour.wild_type)}"] if tumour.wild_type else []
        table.add_row("tumour", Text(", ".join([tumour.oncotree_code, *staged, *extent, *wild])))
    table.add_row("language", Text(patient.preferences.language))
    if patient.genome is not None:
        table.add_row(
            "genome",
            Text(
                f"{patient.genome.vcf} (sample {patient.genome.sample or '-'}, "
                f"absent sites are {'reference' if patient.genome.absent_is_reference else 'not called'})"
            ),
        )
    table.add_row("warnings", Text(str(len(intake.warnings))))
    return table


def _names(items: list[str]) -> str:
    return "; ".join(items) if items else "-"
