"""Measurements no living person has: a record whose height, weight, BMI, waist, blood pressure, cholesterol,
glucose, HbA1c or eGFR lies outside the published plausibility range is refused at intake, naming the file, the
field and the value, so that no risk equation ever scores it.

The ranges are those the NCD Risk Factor Collaboration removes as data-entry errors before pooling population
studies (univariate cleaning criteria; anthropometric ranges by age band, the others for all ages), read from the
curated core (``plausible-ranges/ranges.yaml``, each band with its quoted table cell). A value is
checked in the unit it is written in, converted exactly (lengths, masses, pressures) or by the substance's molar
mass; a unit not listed here, and anthropometrics of a child under 5 (no published range), are not checked. A
value with no unit is checked in the unit it will be read in, so a height of 1.75 with no unit (read as 1.75 cm)
is refused rather than scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from tailormed.errors import InputError, KnowledgeError
from tailormed.intake.documents import line_of
from tailormed.intake.units import LENGTH_TO_CM, MASS_TO_KG, PRESSURE_TO_MMHG, unit_key
from tailormed.model.patient import Observation, Patient

#: The curated ranges with their quoted table cells (package data of the curated core; its sourced model is
#: ``tailormed.knowledge.plausible``, which this layer may not import).
RANGES_FILE = Path(__file__).resolve().parents[1] / "knowledge" / "curated" / "plausible-ranges" / "ranges.yaml"

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


@dataclass(frozen=True)
class Band:
    """A plausible range for ages ``from_age`` up to (not including) ``to_age``; None: no upper age. ``quotes``:
    the table row and cell it is read from."""

    from_age: float
    to_age: float | None
    low: float
    high: float
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plausible:
    """One measurement's plausible range in its base unit, and the units it may be written in."""

    name: str
    loinc: tuple[str, ...]
    unit: str
    units: dict[str, float]
    bands: tuple[Band, ...]

    def band(self, age: float | None) -> Band | None:
        """The band for ``age``; with no age, the widest range of all bands (any age could hold the value)."""
        if age is None:
            return Band(0, None, min(b.low for b in self.bands), max(b.high for b in self.bands))
        return next((b for b in self.bands if b.from_age <= age and (b.to_age is None or age < b.to_age)), None)


def _molar(substance: str) -> dict[str, float]:
    per_mmol = _MGDL_PER_MMOL[substance]
    return {"mmol/l": 1.0, "mg/dl": 1 / per_mmol, "g/l": 100 / per_mmol}


def read_ranges(path: Path = RANGES_FILE) -> tuple[Plausible, ...]:
    """The ranges of a ranges file; an entry without a known unit, or a band whose quote does not hold its range,
    is a :class:`KnowledgeError` naming the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = data["ranges"]
    except (OSError, yaml.YAMLError, TypeError, KeyError) as exc:
        raise KnowledgeError(f"cannot read the plausibility ranges: {exc}", source=path) from exc
    rules = []
    for index, entry in enumerate(entries):
        try:
            rules.append(_rule(entry))
        except (KeyError, TypeError, ValueError) as exc:
            where = f"ranges[{index}]"
            raise KnowledgeError(f"invalid plausibility range: {exc}", source=path, location=where) from exc
    return tuple(rules)


def _rule(entry: dict[str, Any]) -> Plausible:
    unit = str(entry["unit"])
    substance = entry.get("substance")
    units = _molar(substance) if unit == "mmol/L" and substance in _MGDL_PER_MMOL else _UNITS.get(unit)
    if units is None:
        raise ValueError(f"no conversions for unit {unit!r} (substance {substance!r})")
    bands = tuple(_band(band) for band in entry["bands"])
    if not bands:
        raise ValueError("no bands")
    return Plausible(str(entry["name"]), tuple(str(code) for code in entry["loinc"]), unit, units, bands)


def _band(band: dict[str, Any]) -> Band:
    low, high, to_age = float(band["low"]), float(band["high"]), band.get("to_age")
    quotes = tuple(str(source["quote"]) for source in band.get("sources") or ())
    if not any(f"{low:g}-{high:g}" in quote for quote in quotes):
        raise ValueError(f"the band {low:g}-{high:g} quotes no table cell holding it")
    return Band(float(band["from_age"]), None if to_age is None else float(to_age), low, high, quotes)


PLAUSIBLE: tuple[Plausible, ...] = read_ranges()
#: The rule for each LOINC code.
BY_LOINC = {code: p for p in PLAUSIBLE for code in p.loinc}


def check_plausible(patient: Patient, source: str, *, text: str | None = None, on: date | None = None) -> None:
    """Refuse the first observation outside its plausible range (age at the observation, else on ``on``/today),
    then a BMI outside its range as the risk equations would compute it from the latest weight and height."""
    today = on or date.today()
    for index, obs in enumerate(patient.observations):
        problem = _problem(obs, patient, today)
        if problem is not None:
            raise InputError(problem, source=source, location=_where(index, text))
    derived = _derived_bmi(patient, today)
    if derived is not None:
        index, problem = derived
        raise InputError(problem, source=source, location=_where(index, text))


def _where(index: int, text: str | None) -> str:
    field = f"observations[{index}].value"
    line = line_of(text, ("observations", index, "value")) if text is not None else None
    return f"line {line}, {field}" if line is not None else field


def _derived_bmi(patient: Patient, today: date) -> tuple[int, str] | None:
    """The BMI of the latest weight and height (what the risk equations use without a BMI observation), when it
    lies outside the BMI range though each measurement is plausible: the weight's index and why."""
    weight, height = patient.latest("29463-7"), patient.latest("8302-2")
    if weight is None or height is None or isinstance(weight.value, str) or isinstance(height.value, str):
        return None
    kg = _in_base(BY_LOINC["29463-7"], float(weight.value), weight.unit or "")
    cm = _in_base(BY_LOINC["8302-2"], float(height.value), height.unit or "")
    if kg is None or not cm:
        return None
    bmi = kg / (cm / 100) ** 2
    age = patient.demographics.age_on(weight.effective_date or today)
    problem = implausible(BY_LOINC["39156-5"], round(bmi, 1), "kg/m2", age)
    if problem is None:
        return None
    return patient.observations.index(weight), f"BMI from weight {kg:g} kg and height {cm:g} cm: {problem}"


def _in_base(rule: Plausible, value: float, unit: str) -> float | None:
    written = unit.strip()
    factor = rule.units.get(unit_key(written) if written else unit_key(rule.unit))
    return None if factor is None else value * factor


def _problem(obs: Observation, patient: Patient, today: date) -> str | None:
    rule = BY_LOINC.get(obs.loinc)
    if rule is None or isinstance(obs.value, str):
        return None
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
        "(NCD-RisC data-cleaning protocol): correct the value or its unit"
    )


def _ages(band: Band) -> str:
    if band.to_age is None:
        return "" if band.from_age == 0 else f" for ages {band.from_age:g} and over"
    return f" for ages {band.from_age:g}-{band.to_age - 1:g}"
