"""A FHIR R4 Bundle as one :class:`Patient`.

Each entry is validated with the ``fhir.resources`` R4B models, so a malformed resource is reported by its
entry index and field before anything is mapped. Resources tailormed reads are mapped by one module per
kind; everything else (encounters, claims, procedures ...) is listed in the warnings rather than dropped
without a word.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from tailormed.errors import InputError
from tailormed.intake.documents import describe_problem, field_path, parse_document, read_text
from tailormed.intake.fhir.clinical import read_allergy, read_condition, read_family_history
from tailormed.intake.fhir.common import Entry, reference_of
from tailormed.intake.fhir.demographics import read_patient
from tailormed.intake.fhir.medications import read_medication_request, read_medication_statement
from tailormed.intake.fhir.observations import SmokingReport, read_observation
from tailormed.model.patient import (
    Allergy,
    Condition,
    FamilyHistoryEntry,
    Lifestyle,
    Medication,
    MedicationStatus,
    Observation,
    Patient,
    Preferences,
    Smoking,
)

logger = logging.getLogger(__name__)

_SUBJECT_FIELD = {
    "Condition": "subject",
    "Observation": "subject",
    "MedicationStatement": "subject",
    "MedicationRequest": "subject",
    "AllergyIntolerance": "patient",
    "FamilyMemberHistory": "patient",
}
_STATUS_RANK = {MedicationStatus.ACTIVE: 0, MedicationStatus.PLANNED: 1, MedicationStatus.STOPPED: 2}
_ENTRIES_SHOWN = 5


@dataclass(frozen=True)
class FhirIntake:
    """The patient read from a bundle, and what could not be carried over (one line each)."""

    patient: Patient
    warnings: list[str] = field(default_factory=list)


def load_fhir_bundle(path: Path) -> Patient:
    """Read a FHIR R4 Bundle file (JSON or YAML) into a :class:`Patient`; warnings go to the log."""
    intake = read_fhir_bundle(path)
    for warning in intake.warnings:
        logger.warning("%s: %s", path, warning)
    return intake.patient


def read_fhir_bundle(path: Path) -> FhirIntake:
    """Read a FHIR R4 Bundle file and return the patient together with the reader's warnings."""
    return convert_fhir_bundle(parse_document(read_text(path), path), str(path))


def patient_from_fhir_bundle(data: Mapping[str, Any], source: str) -> Patient:
    """An already-parsed bundle as a :class:`Patient`; ``source`` names it in errors."""
    intake = convert_fhir_bundle(data, source)
    for warning in intake.warnings:
        logger.warning("%s: %s", source, warning)
    return intake.patient


def convert_fhir_bundle(data: object, source: str) -> FhirIntake:
    """Validate and map a parsed bundle; raises :class:`InputError` naming the entry on any bad resource."""
    if not isinstance(data, Mapping):
        raise InputError("expected a FHIR Bundle (a JSON object)", source=source)
    kind = data.get("resourceType")
    if kind != "Bundle":
        raise InputError(f"expected resourceType 'Bundle', got {kind!r}", source=source, location="resourceType")
    raw_entries = data.get("entry", [])
    if not isinstance(raw_entries, list):
        raise InputError("Bundle.entry must be a list", source=source, location="entry")
    entries = [_validated(source, index, raw) for index, raw in enumerate(raw_entries)]
    return _Translator(source, entries).run()


def _validated(source: str, index: int, raw: object) -> tuple[Entry, str | None]:
    if not isinstance(raw, Mapping):
        raise InputError("a bundle entry must be an object", source=source, location=f"entry[{index}]")
    resource = raw.get("resource")
    if not isinstance(resource, Mapping):
        raise InputError("the entry has no resource", source=source, location=f"entry[{index}].resource")
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise InputError("the resource has no resourceType", source=source, location=f"entry[{index}].resource")
    try:
        model = get_fhir_model_class(kind)
    except (ValueError, KeyError, AttributeError):
        raise InputError(
            f"'{kind}' is not a FHIR R4 resource type", source=source, location=f"entry[{index}].resourceType"
        ) from None
    try:
        validated = model.model_validate(dict(resource))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = f"entry[{index}] {kind}.{field_path(tuple(first['loc']))}"
        message = describe_problem(first)
        raise InputError(f"invalid {kind}: {message}", source=source, location=where) from None
    except (ValueError, TypeError) as exc:
        raise InputError(f"invalid {kind}: {exc}", source=source, location=f"entry[{index}] {kind}") from None
    full_url = raw.get("fullUrl")
    return Entry(source, index, kind, validated), str(full_url) if isinstance(full_url, str) else None


class _Translator:
    """Walks the validated entries once, collecting the patient's sections and the warnings."""

    def __init__(self, source: str, entries: list[tuple[Entry, str | None]]) -> None:
        self.source = source
        self.entries = entries
        self.warnings: list[str] = []
        self.medication_codes: dict[str, Any] = {}
        self.used_medication_resources: set[int] = set()
        for entry, full_url in entries:
            if entry.resource_type == "Medication":
                for key in filter(None, (full_url, f"Medication/{entry.resource.id}" if entry.resource.id else None)):
                    self.medication_codes[key] = entry
        self.conditions: list[Condition] = []
        self.medications: list[tuple[int, Medication]] = []
        self.observations: list[Observation] = []
        self.allergies: list[Allergy] = []
        self.family: list[FamilyHistoryEntry] = []
        self.smoking: list[SmokingReport] = []
        self.unused: dict[str, list[int]] = defaultdict(list)

    def run(self) -> FhirIntake:
        patients = [(entry, url) for entry, url in self.entries if entry.resource_type == "Patient"]
        if not patients:
            raise InputError("the bundle has no Patient resource", source=self.source, location="entry")
        if len(patients) > 1:
            where = ", ".join(f"entry[{entry.index}]" for entry, _ in patients)
            raise InputError(
                f"the bundle has {len(patients)} Patient resources ({where}); one bundle must describe one patient",
                source=self.source,
            )
        patient_entry, patient_url = patients[0]
        facts = read_patient(patient_entry, patient_url)
        own_refs = {f"Patient/{patient_entry.resource.id}"} | ({patient_url} if patient_url else set())
        for entry, _ in self.entries:
            if entry is not patient_entry:
                self._check_subject(entry, own_refs)
                self._read(entry)
            self.warnings.extend(entry.warnings)
        medications = self._merged_medications()
        for kind, indexes in sorted(self.unused.items()):
            shown = ", ".join(str(index) for index in indexes[:_ENTRIES_SHOWN])
            more = ", ..." if len(indexes) > _ENTRIES_SHOWN else ""
            self.warnings.append(f"{len(indexes)} {kind} resource(s) not used (entries {shown}{more})")
        values: dict[str, Any] = {
            "id": facts.id,
            "display_name": facts.display_name,
            "demographics": facts.demographics,
            "conditions": self.conditions,
            "medications": medications,
            "allergies": self.allergies,
            "observations": self.observations,
            "family_history": self.family,
        }
        if self.smoking:
            latest = max(self.smoking, key=lambda report: report.when or date.min)
            values["lifestyle"] = Lifestyle(smoking=Smoking(status=latest.status))
        if facts.language is not None:
            values["preferences"] = Preferences(language=facts.language)
        patient = patient_entry.build(Patient, **values)
        return FhirIntake(patient=patient, warnings=self.warnings)

    def _check_subject(self, entry: Entry, own_refs: set[str]) -> None:
        field_name = _SUBJECT_FIELD.get(entry.resource_type)
        if field_name is None:
            return
        reference = reference_of(getattr(entry.resource, field_name))
        if reference is None:
            return
        relative = {ref for ref in own_refs if ref.startswith("Patient/")}
        if reference in own_refs or any(reference.endswith("/" + ref) for ref in relative):
            return
        raise entry.error(f"refers to '{reference}', not to the bundle's Patient", field_name)

    def _read(self, entry: Entry) -> None:
        kind = entry.resource_type
        if kind == "Condition":
            condition = read_condition(entry)
            if condition is not None:
                self.conditions.append(condition)
        elif kind in ("MedicationStatement", "MedicationRequest"):
            reader = read_medication_statement if kind == "MedicationStatement" else read_medication_request
            medication = reader(entry, self._medication)
            if medication is not None:
                self.medications.append((entry.index, medication))
        elif kind == "Observation":
            facts = read_observation(entry)
            if facts is None:
                self.unused[kind].append(entry.index)
                return
            self.observations.extend(facts.observations)
            if facts.smoking is not None:
                self.smoking.append(facts.smoking)
        elif kind == "AllergyIntolerance":
            allergy = read_allergy(entry)
            if allergy is not None:
                self.allergies.append(allergy)
        elif kind == "FamilyMemberHistory":
            self.family.extend(read_family_history(entry))
        elif kind == "Medication":
            return  # read through the statements and requests that refer to it; see _medication
        else:
            self.unused[kind].append(entry.index)

    def _medication(self, entry: Entry, reference: str) -> Any | None:
        """The Medication a reference points to: contained in ``entry`` (``#id``) or elsewhere in the bundle."""
        if reference.startswith("#"):
            for contained in entry.resource.contained or []:
                if contained.id == reference[1:] and contained.get_resource_type() == "Medication":
                    return contained
            return None
        target = self.medication_codes.get(reference)
        if target is None:
            return None
        self.used_medication_resources.add(target.index)
        return target.resource

    def _merged_medications(self) -> list[Medication]:
        """One line per drug and route: repeated orders (renewals) collapse onto the current or latest one; a cream
        and tablets of one drug stay two lines (only the tablets carry its interactions)."""
        groups: dict[tuple[str, str | None], list[tuple[int, Medication]]] = defaultdict(list)
        for index, medication in self.medications:
            key = (medication.rxnorm or medication.atc or medication.name.casefold(), medication.route)
            groups[key].append((index, medication))
        merged: list[Medication] = []
        for group in groups.values():
            best = min(
                group,
                key=lambda item: (_STATUS_RANK[item[1].status], -(item[1].start_date or date.min).toordinal(), item[0]),
            )
            merged.append(best[1])
            if len(group) > 1:
                others = [f"entry[{index}]" for index, _ in group if index != best[0]]
                shown = ", ".join(others[:_ENTRIES_SHOWN]) + (", ..." if len(others) > _ENTRIES_SHOWN else "")
                self.warnings.append(
                    f"{len(group)} entries for '{best[1].name}' merged into entry[{best[0]}] "
                    f"({best[1].status.value}); also {shown}"
                )
        for entry, _ in self.entries:
            if entry.resource_type == "Medication" and entry.index not in self.used_medication_resources:
                self.unused["Medication"].append(entry.index)
        return merged
