"""The FHIR Patient resource: identity, sex, birth date, US Core race/ethnicity and preferred language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tailormed.intake.fhir import codes
from tailormed.intake.fhir.common import Entry, to_date
from tailormed.model.patient import Demographics

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_PATIENT_ID = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class PatientFacts:
    id: str
    display_name: str | None
    demographics: Demographics
    language: str | None


def read_patient(entry: Entry, full_url: str | None) -> PatientFacts:
    resource = entry.resource
    gender = entry.code(resource.gender, codes.GENDER, "gender")
    race, ethnicity = _race_and_ethnicity(resource.extension or [])
    demographics = entry.build(
        Demographics,
        written={"birth_date": ("birthDate", resource.birthDate)},
        sex=codes.GENDER[gender] if gender else codes.GENDER["unknown"],
        birth_date=to_date(entry, resource.birthDate, "birthDate"),
        race=race,
        ethnicity=ethnicity,
    )
    return PatientFacts(
        id=_patient_id(entry, full_url),
        display_name=_display_name(resource.name or []),
        demographics=demographics,
        language=_language(entry, resource.communication or []),
    )


def _patient_id(entry: Entry, full_url: str | None) -> str:
    candidates = [entry.resource.id, full_url.rsplit(":", 1)[-1].rsplit("/", 1)[-1] if full_url else None]
    for candidate in candidates:
        if candidate and _PATIENT_ID.match(str(candidate)):
            return str(candidate)
    raise entry.error("the Patient has no id (neither Patient.id nor a usable entry.fullUrl)", "id")


def _display_name(names: list[Any]) -> str | None:
    ordered = sorted(names, key=lambda name: 0 if name.use in (None, "official", "usual") else 1)
    for name in ordered:
        if name.text:
            return str(name.text)
        parts = [*(str(given) for given in name.given or []), str(name.family or "")]
        joined = " ".join(part for part in parts if part)
        if joined:
            return joined
    return None


def _race_and_ethnicity(extensions: list[Any]) -> tuple[list[str], str | None]:
    race: list[str] = []
    ethnicity: str | None = None
    for extension in extensions:
        if extension.url == codes.US_CORE_RACE:
            race = _omb_values(extension)
        elif extension.url == codes.US_CORE_ETHNICITY:
            values = _omb_values(extension)
            ethnicity = values[0] if values else None
    return race, ethnicity


def _omb_values(extension: Any) -> list[str]:
    """OMB category and detailed displays of a US Core race/ethnicity extension, else its text."""
    values: list[str] = []
    text: str | None = None
    for part in extension.extension or []:
        if part.url in ("ombCategory", "detailed") and part.valueCoding is not None:
            label = part.valueCoding.display or part.valueCoding.code
            if label and str(label) not in values:
                values.append(str(label))
        elif part.url == "text" and part.valueString:
            text = str(part.valueString)
    return values or ([text] if text else [])


def _language(entry: Entry, communications: list[Any]) -> str | None:
    for index, communication in enumerate(communications):
        if communication.language is None:  # required (1..1) in FHIR R4, but a parsed resource may lack it
            raise entry.error(
                "communication without a language (Patient.communication.language is required)",
                f"communication[{index}].language",
            )
    ordered = sorted(communications, key=lambda c: 0 if c.preferred else 1)
    for communication in ordered:
        for coding in communication.language.coding or []:
            if coding.code and _LANGUAGE.match(str(coding.code)):
                return str(coding.code)
            if coding.code:
                entry.warn(f"communication language '{coding.code}' is not a BCP-47 tag; not used")
    return None
