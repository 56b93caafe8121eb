"""Patient record intake: a YAML or JSON document validated against :class:`tailormed.model.Patient`.

Records are written by hand, so every failure names the file, the field path a clinician can find
(``medications[2].status``) and, where the text allows it, the line; a measurement no living person has (a BMI of
250) is refused the same way, against the plausibility ranges the caller hands in from its knowledge bundle
(:mod:`tailormed.intake.plausible`). A document that is really a FHIR
Bundle is handed to :mod:`tailormed.intake.fhir`, so users need not care which of the two they have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from tailormed.errors import InputError
from tailormed.intake.documents import describe_error, document_kind, line_of, parse_document, read_text
from tailormed.intake.plausible import Plausibility, check_plausible
from tailormed.model.patient import Patient


@dataclass(frozen=True)
class RecordIntake:
    """A loaded patient plus what the reader could not carry over (empty for hand-written records)."""

    patient: Patient
    warnings: list[str] = field(default_factory=list)
    kind: str = "record"


def load_record(path: Path, plausible: Plausibility) -> Patient:
    """Read a YAML/JSON patient record (or a FHIR Bundle) into a validated :class:`Patient`, its measurements held
    to ``plausible`` (the run's ranges, ``tailormed.pipeline.plausible.plausibility(bundle)``)."""
    return read_record(path, plausible).patient


def read_record(path: Path, plausible: Plausibility) -> RecordIntake:
    """Like :func:`load_record`, but also return the reader's warnings and which format the file was."""
    text = read_text(path)
    data = parse_document(text, path)
    if isinstance(data, Mapping) and data.get("resourceType") is not None:
        from tailormed.intake.fhir import convert_fhir_bundle  # fhir.resources loads only for FHIR records

        converted = convert_fhir_bundle(data, str(path))
        check_plausible(converted.patient, str(path), plausible)
        return RecordIntake(patient=converted.patient, warnings=converted.warnings, kind="fhir-bundle")
    return RecordIntake(patient=patient_from_mapping(data, str(path), plausible, text=text))


def patient_from_mapping(data: object, source: str, plausible: Plausibility, *, text: str | None = None) -> Patient:
    """Validate an already-parsed record; ``text`` (the original document) lets errors name a line."""
    if not isinstance(data, Mapping):
        raise InputError(
            f"a patient record must be a mapping of fields, got {document_kind(data)}", source=source, location="line 1"
        )
    try:
        patient = Patient.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = line_of(text, loc) if text is not None else None
        location = f"line {line}" if line is not None else None
        extra = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise InputError(describe_error(first) + extra, source=source, location=location) from None
    check_plausible(patient, source, plausible, text=text)
    return patient


def resolve_genome_path(patient: Patient, record_path: Path) -> Path | None:
    """The patient's VCF as a usable path: relative paths are taken from the record's folder."""
    if patient.genome is None:
        return None
    vcf = Path(patient.genome.vcf).expanduser()
    return vcf if vcf.is_absolute() else record_path.parent / vcf


def resolve_outside_calls(patient: Patient, record_path: Path) -> Path | None:
    """The record's outside-call TSV as a usable path, relative to the record's folder like the VCF."""
    if patient.genome is None or patient.genome.outside_calls is None:
        return None
    path = Path(patient.genome.outside_calls).expanduser()
    return path if path.is_absolute() else record_path.parent / path
