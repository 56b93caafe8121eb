"""Measurements no living person has: a record whose height, weight, BMI, waist, blood pressure, cholesterol,
glucose, HbA1c or eGFR lies outside the published plausibility range is refused at intake, naming the file, the
field and the value, so that no risk equation ever scores it.

The ranges are knowledge (the NCD Risk Factor Collaboration's data-cleaning criteria, curated source
``plausible-ranges``, read and held to their quoted table cells by :mod:`tailormed.knowledge.plausible`); intake sits
below knowledge, so the caller hands them in as data (:meth:`Plausibility.of`), from the knowledge bundle of the run.
A value is checked in the unit it is written in, converted exactly (lengths, masses, pressures) or by the
substance's molar mass; a unit no reader converts is refused, naming the units accepted, rather than dropped later;
anthropometrics of a child under 5 (no published range) are not checked. A value with no unit is checked in the unit
it will be read in, so a height of 1.75 with no unit (read as 1.75 cm) is refused rather than scored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from tailormed.errors import InputError, KnowledgeError
from tailormed.intake.documents import line_of
from tailormed.intake.units import LENGTH_TO_CM, MASS_TO_KG, PRESSURE_TO_MMHG, unit_key, unit_names
from tailormed.model.patient import Observation, Patient

#: mg/dL per mmol/L from the molar masses of cholesterol (386.65 g/mol) and glucose (180.16 g/mol).
_MGDL_PER_MMOL = {"cholesterol": 38.665, "glucose": 18.016}
#: The units a value may be written in, per base unit of the ranges, as factors to that base unit.
_UNITS: dict[str, dict[str, float]] = {
    "cm": LENGTH_TO_CM,
    "kg": MASS_TO_KG,
    "mmHg": PRESSURE_TO_MMHG,
    "kg/m2": {"kg/m2": 1.0},
    "%": {"%": 1.0},
    "mL/min/1.73m2": {"ml/min/1.73m2": 1.0},
}
#: The measurements intake derives or reads by code: weight, height and BMI (the BMI the equations would compute).
_WEIGHT, _HEIGHT, _BMI = "29463-7", "8302-2", "39156-5"


class RangeBand(Protocol):
    """What intake reads of one curated band (``tailormed.knowledge.plausible.PlausibleBand``)."""

    @property
    def from_age(self) -> float: ...
    @property
    def to_age(self) -> float | None: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...


class RangeEntry(Protocol):
    """What intake reads of one curated measurement (``tailormed.knowledge.plausible.PlausibleRange``)."""

    @property
    def name(self) -> str: ...
    @property
    def loinc(self) -> Sequence[str]: ...
    @property
    def unit(self) -> str: ...
    @property
    def substance(self) -> str | None: ...
    @property
    def bands(self) -> Sequence[RangeBand]: ...


@dataclass(frozen=True)
class Band:
    """A plausible range for ages ``from_age`` up to (not including) ``to_age``; None: no upper age."""

    from_age: float
    to_age: float | None
    low: float
    high: float


@dataclass(frozen=True)
class Plausible:
    """One measurement's plausible range in its base unit, the units it may be written in, and ``named``: the
    ranges it comes from, as errors cite them."""

    name: str
    loinc: tuple[str, ...]
    unit: str
    units: dict[str, float]
    bands: tuple[Band, ...]
    named: str

    def band(self, age: float | None) -> Band | None:
        """The band for ``age``; with no age, the widest range of all bands (any age could hold the value)."""
        if age is None:
            return Band(0, None, min(b.low for b in self.bands), max(b.high for b in self.bands))
        return next((b for b in self.bands if b.from_age <= age and (b.to_age is None or age < b.to_age)), None)


@dataclass(frozen=True)
class Plausibility:
    """The ranges a run holds measurements to, by LOINC code (weight, height and BMI are required)."""

    rules: tuple[Plausible, ...]
    by_loinc: Mapping[str, Plausible]

    @classmethod
    def of(cls, entries: Iterable[RangeEntry], *, source: str, named: str) -> Plausibility:
        """The ranges of curated ``entries`` read from ``source`` (errors cite them as ``named``); a unit intake
        cannot convert, or no range for weight, height or BMI, is a :class:`KnowledgeError` naming ``source``."""
        rules = tuple(_rule(entry, index, source, named) for index, entry in enumerate(entries))
        by_loinc = {code: rule for rule in rules for code in rule.loinc}
        missing = [code for code in (_WEIGHT, _HEIGHT, _BMI) if code not in by_loinc]
        if missing:
            raise KnowledgeError(f"no plausibility range for LOINC {', '.join(missing)}", source=source)
        return cls(rules, by_loinc)


def _rule(entry: RangeEntry, index: int, source: str, named: str) -> Plausible:
    substance = entry.substance
    units = _molar(substance) if entry.unit == "mmol/L" and substance in _MGDL_PER_MMOL else _UNITS.get(entry.unit)
    if units is None:
        raise KnowledgeError(
            f"no unit conversions for {entry.unit!r} (substance {substance!r})",
            source=source,
            location=f"ranges.{index}.unit",
        )
    bands = tuple(Band(b.from_age, b.to_age, b.low, b.high) for b in entry.bands)
    return Plausible(entry.name, tuple(entry.loinc), entry.unit, units, bands, named)


def _molar(substance: str | None) -> dict[str, float]:
    per_mmol = _MGDL_PER_MMOL[substance or ""]
    return {"mmol/l": 1.0, "mg/dl": 1 / per_mmol, "g/l": 100 / per_mmol}


def check_plausible(
    patient: Patient, source: str, plausible: Plausibility, *, text: str | None = None, on: date | None = None
) -> None:
    """Refuse the first observation outside its plausible range (age at the observation, else on ``on``/today),
    then a BMI outside its range as the risk equations would compute it from the latest weight and height."""
    today = on or date.today()
    for index, obs in enumerate(patient.observations):
        unreadable = _unreadable_unit(obs, plausible)
        if unreadable is not None:
            raise InputError(unreadable, source=source, location=_where(index, text, "unit"))
        problem = _problem(obs, patient, plausible, today)
        if problem is not None:
            raise InputError(problem, source=source, location=_where(index, text))
    derived = _derived_bmi(patient, plausible, today)
    if derived is not None:
        index, problem = derived
        raise InputError(problem, source=source, location=_where(index, text))


def _where(index: int, text: str | None, part: str = "value") -> str:
    field = f"observations[{index}].{part}"
    line = line_of(text, ("observations", index, part)) if text is not None else None
    return f"line {line}, {field}" if line is not None else field


def _unreadable_unit(obs: Observation, plausible: Plausibility) -> str | None:
    """Why a measurement the equations read is written in a unit no reader converts (so it would be dropped), or
    None: every reader of the record converts the same units, so a unit accepted here is read the same everywhere."""
    rule = plausible.by_loinc.get(obs.loinc)
    written = (obs.unit or "").strip()
    if rule is None or not written or unit_key(written) in rule.units:
        return None
    hint = ""
    if any(word in unit_key(written) for word in ("ft", "feet", "foot", "'")):
        hint = "; give a height in feet and inches as inches (5 ft 10 in = 70 in) or in cm"
    return (
        f"{rule.name} (LOINC {obs.loinc}) unit {written!r} cannot be read "
        f"(accepted: {unit_names(rule.units)}){hint}"
    )


def _derived_bmi(patient: Patient, plausible: Plausibility, today: date) -> tuple[int, str] | None:
    """The BMI of the latest weight and height (what the risk equations use without a BMI observation), when it
    lies outside the BMI range though each measurement is plausible: the weight's index and why."""
    weight, height = patient.latest(_WEIGHT), patient.latest(_HEIGHT)
    if weight is None or height is None or isinstance(weight.value, str) or isinstance(height.value, str):
        return None
    kg = _in_base(plausible.by_loinc[_WEIGHT], float(weight.value), weight.unit or "")
    cm = _in_base(plausible.by_loinc[_HEIGHT], float(height.value), height.unit or "")
    if kg is None or not cm:
        return None
    bmi = kg / (cm / 100) ** 2
    age = patient.demographics.age_on(weight.effective_date or today)
    problem = implausible(plausible.by_loinc[_BMI], round(bmi, 1), "kg/m2", age)
    if problem is None:
        return None
    return patient.observations.index(weight), f"BMI from weight {kg:g} kg and height {cm:g} cm: {problem}"


def _in_base(rule: Plausible, value: float, unit: str) -> float | None:
    written = unit.strip()
    factor = rule.units.get(unit_key(written) if written else unit_key(rule.unit))
    return None if factor is None else value * factor


def _problem(obs: Observation, patient: Patient, plausible: Plausibility, today: date) -> str | None:
    rule = plausible.by_loinc.get(obs.loinc)
    if rule is None:
        return None
    if isinstance(obs.value, str) or not math.isfinite(obs.value):
        # a decimal comma ("5,2") or a word would otherwise reach the risk equations as a missing input
        shown = repr(obs.value) if isinstance(obs.value, str) else f"{obs.value:g}"
        return f"{rule.name} (LOINC {obs.loinc}) {shown} is not a number: give it as a number (e.g. in {rule.unit})"
    age = patient.demographics.age_on(obs.effective_date or today)
    problem = implausible(rule, float(obs.value), obs.unit or "", age)
    return None if problem is None else f"{rule.name} (LOINC {obs.loinc}) {problem}"


def implausible(rule: Plausible, value: float, unit: str, age: float | None) -> str | None:
    """Why ``value`` in ``unit`` (blank: the rule's unit) cannot be right for a person aged ``age``, or None."""
    written = unit.strip()
    factor = rule.units.get(unit_key(written) if written else unit_key(rule.unit))
    band = rule.band(age)
    if factor is None or band is None:
        return None
    converted = value * factor
    if band.low <= converted <= band.high:
        return None
    shown = f"{value:g} {written}" if written else f"{value:g} (no unit given, read as {rule.unit})"
    also = "" if factor == 1.0 else f" ({converted:.4g} {rule.unit})"
    ages = "" if age is None else _ages(band)
    return (
        f"{shown}{also} is outside the plausible range {band.low:g}-{band.high:g} {rule.unit}{ages} "
        f"({rule.named}): correct the value or its unit"
    )


def _ages(band: Band) -> str:
    if band.to_age is None:
        return "" if band.from_age == 0 else f" for ages {band.from_age:g} and over"
    return f" for ages {band.from_age:g}-{band.to_age - 1:g}"
