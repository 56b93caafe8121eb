"""What every resource mapper shares: the entry being read (for errors and warnings) and small readers
for FHIR datatypes (CodeableConcept, dates, quantities)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from tailormed.errors import InputError
from tailormed.intake.documents import describe_error, describe_problem
from tailormed.model.base import Coding

T = TypeVar("T")


@dataclass
class Entry:
    """One bundle entry under translation: where it is (for messages) and its validated FHIR model."""

    source: str
    index: int
    resource_type: str
    resource: Any
    warnings: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"entry[{self.index}] {self.resource_type}"

    def error(self, message: str, field_name: str | None = None) -> InputError:
        location = f"{self.where}.{field_name}" if field_name else self.where
        return InputError(message, source=self.source, location=location)

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.where}: {message}")

    def build(
        self, factory: Callable[..., T], written: Mapping[str, tuple[str, Any]] | None = None, **values: Any
    ) -> T:
        """Construct a tailormed model, turning a rejected value into an error that names this entry.

        ``written`` maps a model field to the FHIR element it was read from and that element's value in the
        file, so an error names the element and shows the value as the file gave it.
        """
        try:
            return factory(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = tuple(first["loc"])
            if written and loc and loc[0] in written:
                element, raw = written[str(loc[0])]
                raise self.error(describe_problem({**first, "input": raw}), element) from None
            raise self.error(describe_error(first)) from None

    def code(self, value: Any, allowed: Iterable[str], field_name: str) -> str | None:
        """A required-binding code, checked against its value set (fhir.resources does not check codes)."""
        if value is None:
            return None
        options = sorted(allowed)
        if str(value) not in options:
            raise self.error(f"'{value}' is not one of {', '.join(options)}", field_name)
        return str(value)


def codings(concept: Any) -> list[Any]:
    return list(concept.coding or []) if concept is not None else []


def coding_in(concept: Any, *systems: str) -> Any | None:
    """The first coding of the concept from one of ``systems`` (in the order given), or None."""
    found = codings(concept)
    for system in systems:
        for coding in found:
            if coding.system == system and coding.code:
                return coding
    return None


def concept_text(concept: Any) -> str | None:
    """What a person would call the concept: its text, else the first display, else the first code."""
    if concept is None:
        return None
    if concept.text:
        return str(concept.text)
    for coding in codings(concept):
        if coding.display:
            return str(coding.display)
    for coding in codings(concept):
        if coding.code:
            return str(coding.code)
    return None


def concept_codes(concept: Any) -> set[str]:
    return {str(coding.code) for coding in codings(concept) if coding.code}


def to_coding(coding: Any) -> Coding | None:
    if coding is None or not coding.system or not coding.code:
        return None
    display = str(coding.display) if coding.display else None
    return Coding(system=str(coding.system), code=str(coding.code), display=display)


def to_date(entry: Entry, value: Any, field_name: str) -> date | None:
    """A FHIR date/dateTime as a date; partial dates (``2019``, ``2019-05``) become the period's first day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        first = date(year, month, 1)
    except (ValueError, IndexError):
        raise entry.error(f"'{text}' is not a FHIR date", field_name) from None
    entry.warn(f"{field_name} '{text}' is a partial date; read as {first.isoformat()}")
    return first


def age_in_years(entry: Entry, age: Any, field_name: str) -> float | None:
    """An Age quantity in years (UCUM ``a``/``mo``/``wk``/``d``); other units are reported and dropped."""
    if age is None or age.value is None:
        return None
    unit = str(age.code or age.unit or "a").lower()
    per_year = {"a": 1.0, "yr": 1.0, "year": 1.0, "years": 1.0, "mo": 12.0, "month": 12.0, "months": 12.0}
    per_year |= {"wk": 52.1775, "week": 52.1775, "weeks": 52.1775, "d": 365.25, "day": 365.25, "days": 365.25}
    if unit not in per_year:
        entry.warn(f"{field_name} unit '{unit}' is not a unit of age; age not used")
        return None
    return round(float(age.value) / per_year[unit], 2)


def reference_of(value: Any) -> str | None:
    return str(value.reference) if value is not None and value.reference else None
