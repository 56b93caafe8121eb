"""MedicationStatement and MedicationRequest: the drug (RxNorm/ATC), its dose and whether it is taken now.

The route (``dosage.route``, SNOMED CT) is kept, because an interaction measured with tablets need not follow a
cream. The drug is read as EHRs send it: a ``medicationCodeableConcept`` (RxNorm ingredient, clinical or branded drug or
pack codes, ATC, or free text), or a ``medicationReference`` to a Medication in the bundle or contained in the
resource, whose ``code`` names the drug or, without one, whose ``ingredient`` list does. A reference that carries
only a ``display`` is read as that text. Whatever is read is handed on by name and codes, so the medication review
resolves it, reports it ambiguous or reports it not recognised; a drug is left out only with a warning saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tailormed.intake.fhir import codes
from tailormed.intake.fhir.common import Entry, coding_in, codings, concept_text, to_date
from tailormed.model.patient import Dose, Medication, MedicationStatus, Route

# Resolves a Reference(Medication) to the Medication resource (contained or in the bundle), or None.
MedicationLookup = Callable[[Entry, str], Any | None]

_TIMES = {1: "once", 2: "twice", 3: "three times", 4: "four times"}
_EVERY = {"h": "hourly", "d": "daily", "wk": "weekly", "mo": "monthly", "a": "yearly"}
_UNIT_WORD = {"s": "second", "min": "minute", "h": "hour", "d": "day", "wk": "week", "mo": "month", "a": "year"}


def read_medication_statement(entry: Entry, lookup: MedicationLookup) -> Medication | None:
    resource = entry.resource
    code = entry.code(resource.status, codes.MEDICATION_STATEMENT_STATUS, "status")
    status = codes.MEDICATION_STATEMENT_STATUS[str(code)]
    if status is None:
        entry.warn(f"status '{code}' means the drug is not taken; not used")
        return None
    if code == "unknown":
        entry.warn("status is 'unknown'; treated as active so drug-gene checks still see it")
    start = to_date(entry, resource.effectiveDateTime, "effectiveDateTime")
    if start is None and resource.effectivePeriod is not None:
        start = to_date(entry, resource.effectivePeriod.start, "effectivePeriod.start")
    dosage = (resource.dosage or [None])[0]
    return _medication(entry, lookup, status, start, dosage, resource.reasonCode)


def read_medication_request(entry: Entry, lookup: MedicationLookup) -> Medication | None:
    resource = entry.resource
    code = entry.code(resource.status, codes.MEDICATION_REQUEST_STATUS, "status")
    status = codes.MEDICATION_REQUEST_STATUS[str(code)]
    if status is None:
        entry.warn(f"status '{code}'; not used")
        return None
    if code == "unknown":
        entry.warn("status is 'unknown'; treated as active so drug-gene checks still see it")
    if resource.doNotPerform:
        entry.warn("doNotPerform is set (an order not to give the drug); not used")
        return None
    if status == MedicationStatus.ACTIVE and resource.intent in codes.MEDICATION_REQUEST_PLANNING_INTENTS:
        status = MedicationStatus.PLANNED
    start = to_date(entry, resource.authoredOn, "authoredOn")
    dosage = (resource.dosageInstruction or [None])[0]
    return _medication(entry, lookup, status, start, dosage, resource.reasonCode)


def _medication(
    entry: Entry,
    lookup: MedicationLookup,
    status: MedicationStatus,
    start: Any,
    dosage: Any,
    reasons: Any,
) -> Medication | None:
    name, rxnorm, atc = _drug(entry, lookup)
    if name is None:
        entry.warn("the drug has no code, text or ingredients; not used")
        return None
    indication = next((text for text in (concept_text(reason) for reason in reasons or []) if text), None)
    return entry.build(
        Medication,
        name=name,
        rxnorm=rxnorm,
        atc=atc,
        dose=_dose(entry, dosage),
        status=status,
        route=_route(entry, dosage),
        start_date=start,
        indication=indication,
    )


def _drug(entry: Entry, lookup: MedicationLookup) -> tuple[str | None, str | None, str | None]:
    """The drug's name, RxNorm and ATC codes, from the concept or the referenced Medication."""
    resource = entry.resource
    if resource.medicationCodeableConcept is not None or resource.medicationReference is None:
        return _named(resource.medicationCodeableConcept)
    reference = resource.medicationReference
    target = str(reference.reference or "")
    if not target:
        if reference.display:
            entry.warn("medicationReference has only a display; the drug is read from that text")
            return str(reference.display), None, None
        raise entry.error("medicationReference has neither a reference nor a display", "medicationReference")
    medication = lookup(entry, target)
    if medication is None:
        raise entry.error(
            f"medicationReference '{target}' does not resolve to a Medication in the bundle", "medicationReference"
        )
    name, rxnorm, atc = _named(medication.code)
    if name is not None:
        return name, rxnorm, atc
    items = [
        _named(i.itemCodeableConcept) if i.itemCodeableConcept is not None else _ingredient_reference(i)
        for i in medication.ingredient or []
    ]
    named = [item for item in items if item[0] is not None]
    if not named:
        return None, None, None
    single = named[0] if len(named) == 1 else (None, None, None)
    return " / ".join(str(item[0]) for item in named), single[1], single[2]


def _ingredient_reference(ingredient: Any) -> tuple[str | None, str | None, str | None]:
    reference = ingredient.itemReference
    return (str(reference.display), None, None) if reference is not None and reference.display else (None, None, None)


def _named(concept: Any) -> tuple[str | None, str | None, str | None]:
    """Name, RxNorm and ATC code of a drug concept; a concept with codes only is named by its first code."""
    if concept is None:
        return None, None, None
    rxnorm = coding_in(concept, *codes.RXNORM_SYSTEMS)
    atc = coding_in(concept, *codes.ATC_SYSTEMS)
    written = (str(concept.text) if concept.text else "", *(str(c.display) for c in codings(concept) if c.display))
    name = next((text for text in written if text.strip()), None)
    if name is None:
        coded = next((c for c in codings(concept) if c.code), None)
        if coded is not None:
            label = codes.DRUG_CODE_LABELS.get(str(coded.system or ""), str(coded.system or "code"))
            name = f"{label} {coded.code}"
    return name, str(rxnorm.code) if rxnorm is not None else None, str(atc.code) if atc is not None else None


def _route(entry: Entry, dosage: Any) -> Route | None:
    """``dosage.route`` by its SNOMED CT code; a route stated otherwise is ``other`` (said in a warning), so the
    review treats it as systemic use rather than as unstated."""
    concept = dosage.route if dosage is not None else None
    if concept is None:
        return None
    coded = coding_in(concept, codes.SNOMED)
    if coded is not None and str(coded.code) in codes.ROUTE_SNOMED:
        return codes.ROUTE_SNOMED[str(coded.code)]
    written = concept_text(concept) or "without code or text"
    entry.warn(f"dosage.route '{written}' is not a SNOMED CT route this reader knows; read as 'other'")
    return Route.OTHER


def _dose(entry: Entry, dosage: Any) -> Dose | None:
    if dosage is None:
        return None
    quantity = next((rate.doseQuantity for rate in dosage.doseAndRate or [] if rate.doseQuantity is not None), None)
    if quantity is None or quantity.value is None:
        if dosage.text or dosage.doseAndRate:
            entry.warn("the dose is not a single quantity; dose not used")
        return None
    unit = quantity.unit or quantity.code
    if not unit:
        entry.warn("the dose quantity has no unit; dose not used")
        return None
    return entry.build(Dose, amount=float(quantity.value), unit=str(unit), frequency=_frequency(dosage))


def _frequency(dosage: Any) -> str | None:
    """A timing in words: ``1 per 1 d`` -> ``once daily``; otherwise ``N per P unit`` or the dosage text."""
    timing = dosage.timing
    if timing is not None and timing.code is not None and concept_text(timing.code):
        return concept_text(timing.code)
    repeat = timing.repeat if timing is not None else None
    if repeat is not None and repeat.frequency and repeat.period and repeat.periodUnit:
        times = int(repeat.frequency)
        period = Decimal(str(repeat.period))
        unit = str(repeat.periodUnit)
        if period == 1 and times in _TIMES and unit in _EVERY:
            return f"{_TIMES[times]} {_EVERY[unit]}"
        word = _UNIT_WORD.get(unit, unit)
        plural = "" if period == 1 else "s"
        return f"{times} times every {period.normalize()} {word}{plural}"
    return str(dosage.text) if dosage.text else None
