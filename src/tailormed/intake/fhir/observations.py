"""Observation: LOINC-coded labs and vital signs (blood-pressure panels split into their components) and
the smoking status that risk equations read as lifestyle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tailormed.intake.fhir import codes
from tailormed.intake.fhir.common import Entry, coding_in, concept_codes, concept_text, to_date
from tailormed.model.patient import Observation, ObservationCategory, SmokingStatus


@dataclass(frozen=True)
class SmokingReport:
    status: SmokingStatus
    when: date | None


@dataclass(frozen=True)
class ObservationFacts:
    observations: list[Observation]
    smoking: SmokingReport | None = None


def read_observation(entry: Entry) -> ObservationFacts | None:
    """The observations an entry yields, or None when it carries nothing tailormed reads."""
    resource = entry.resource
    status = entry.code(resource.status, codes.OBSERVATION_STATUSES, "status")
    if status in codes.OBSERVATION_STATUS_SKIPPED:
        entry.warn(f"status '{status}'; not used")
        return ObservationFacts(observations=[])
    loinc = coding_in(resource.code, codes.LOINC)
    if loinc is None:
        return None
    when = to_date(entry, resource.effectiveDateTime, "effectiveDateTime")
    if when is None and resource.effectivePeriod is not None:
        when = to_date(entry, resource.effectivePeriod.start, "effectivePeriod.start")
    if when is None and resource.effectiveInstant is not None:
        when = to_date(entry, resource.effectiveInstant, "effectiveInstant")
    if str(loinc.code) == codes.SMOKING_STATUS_LOINC:
        return _smoking(entry, resource, when)
    category = _category(resource, str(loinc.code))
    if category is None:
        return None
    results: list[Observation] = []
    own = _value(entry, resource, "value")
    if own is not None:
        results.append(_observation(entry, str(loinc.code), concept_text(resource.code), own, category, when))
    for number, component in enumerate(resource.component or []):
        component_loinc = coding_in(component.code, codes.LOINC)
        value = _value(entry, component, f"component[{number}].value")
        if component_loinc is None or value is None:
            entry.warn(f"component[{number}] has no LOINC code or no value; not used")
            continue
        name = concept_text(component.code)
        results.append(_observation(entry, str(component_loinc.code), name, value, category, when))
    if not results:
        entry.warn("no value (and no component values); not used")
    return ObservationFacts(observations=results)


def _category(resource: Any, loinc: str) -> ObservationCategory | None:
    declared: set[str] = set()
    for concept in resource.category or []:
        declared |= concept_codes(concept)
    for code, category in codes.OBSERVATION_CATEGORY.items():
        if code in declared:
            return category
    if declared:
        return None
    return ObservationCategory.VITAL if loinc in codes.VITAL_SIGN_LOINC else ObservationCategory.LAB


def _value(entry: Entry, holder: Any, field_name: str) -> tuple[float | str, str | None] | None:
    quantity = holder.valueQuantity
    if quantity is not None:
        if quantity.value is None:
            entry.warn(f"{field_name}Quantity has no value; not used")
            return None
        unit = quantity.unit or quantity.code
        return float(quantity.value), str(unit) if unit else None
    if holder.valueInteger is not None:
        return float(holder.valueInteger), None
    if holder.valueString is not None:
        return str(holder.valueString), None
    if holder.valueCodeableConcept is not None:
        text = concept_text(holder.valueCodeableConcept)
        return (text, None) if text else None
    if holder.valueBoolean is not None:
        return ("yes" if holder.valueBoolean else "no"), None
    return None


def _observation(
    entry: Entry,
    loinc: str,
    name: str | None,
    value: tuple[float | str, str | None],
    category: ObservationCategory,
    when: date | None,
) -> Observation:
    return entry.build(
        Observation,
        loinc=loinc,
        name=name or loinc,
        value=value[0],
        unit=value[1],
        category=category,
        effective_date=when,
    )


def _smoking(entry: Entry, resource: Any, when: date | None) -> ObservationFacts:
    answer = coding_in(resource.valueCodeableConcept, codes.SNOMED)
    status = codes.SMOKING_STATUS.get(str(answer.code)) if answer is not None else None
    if status is None:
        shown = concept_text(resource.valueCodeableConcept) or "no answer"
        entry.warn(f"smoking status '{shown}' does not say never, former or current; not used")
        return ObservationFacts(observations=[])
    return ObservationFacts(observations=[], smoking=SmokingReport(status=status, when=when))
