"""Measurements no living person has: a record whose height, weight, BMI, waist, blood pressure, cholesterol,
glucose, HbA1c or eGFR lies outside the published plausibility range is refused at intake, naming the file, the
field and the value, so that no risk equation ever scores it.

The ranges are those the NCD Risk Factor Collaboration removes as data-entry errors before pooling population
studies (univariate cleaning criteria; anthropometric ranges by age band, the others for all ages). A value is
checked in the unit it is written in, converted exactly (lengths, masses, pressures) or by the substance's molar
mass; a unit not listed here, and anthropometrics of a child under 5 (no published range), are not checked. A
value with no unit is checked in the unit it will be read in, so a height of 1.75 with no unit (read as 1.75 cm)
is refused rather than scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tailormed.errors import InputError
from tailormed.intake.documents import line_of
from tailormed.intake.units import LENGTH_TO_CM, MASS_TO_KG, PRESSURE_TO_MMHG, unit_key
from tailormed.model.patient import Observation, Patient

#: The protocol the ranges are quoted from.
SOURCE = "https://github.com/NCD-RisC/Data-cleaning-protocol/blob/b2a8af6141a300590160dadf9a2c3d3bc3a846d0/README.md"
#: Its words on what the ranges are for (section 1, Applying univariate cleaning criteria).
PURPOSE = "Data outside the following ranges are removed to minimise the possibility of entry error."

#: mg/dL per mmol/L from the molar masses of cholesterol (386.65 g/mol) and glucose (180.16 g/mol).
_MGDL_PER_MMOL = {"cholesterol": 38.665, "glucose": 18.016}


@dataclass(frozen=True)
class Band:
    """A plausible range for ages ``from_age`` up to (not including) ``to_age``; None: no upper age."""

    from_age: float
    to_age: float | None
    low: float
    high: float


@dataclass(frozen=True)
class Plausible:
    """One measurement's plausible range in its base unit, with the protocol table cells it is read from (``at``:
    table, rows and column; ``cells``: each row's label and cell as the table writes them)."""

    name: str
    loinc: tuple[str, ...]
    unit: str
    units: dict[str, float]
    bands: tuple[Band, ...]
    at: str
    cells: str

    def band(self, age: float | None) -> Band | None:
        """The band for ``age``; with no age, the widest range of all bands (any age could hold the value)."""
        if age is None:
            return Band(0, None, min(b.low for b in self.bands), max(b.high for b in self.bands))
        return next((b for b in self.bands if b.from_age <= age and (b.to_age is None or age < b.to_age)), None)


def _molar(substance: str) -> dict[str, float]:
    per_mmol = _MGDL_PER_MMOL[substance]
    return {"mmol/l": 1.0, "mg/dl": 1 / per_mmol, "g/l": 100 / per_mmol}


def _by_age(child: tuple[float, float], teen: tuple[float, float], adult: tuple[float, float]) -> tuple[Band, ...]:
    """The protocol's anthropometric rows: 5-9 years, 10-14 years, 15+ years."""
    return (Band(5, 10, *child), Band(10, 15, *teen), Band(15, None, *adult))


def _all_ages(low: float, high: float) -> tuple[Band, ...]:
    return (Band(0, None, low, high),)


_ANTHROPOMETRICS = "Anthropometrics table, rows 5-9 years, 10-14 years and 15+ years"
#: Each measurement's LOINC codes are those the risk equations read (risk-equations/equations.yaml, record.loinc).
PLAUSIBLE: tuple[Plausible, ...] = (
    Plausible(
        "height", ("8302-2",), "cm", LENGTH_TO_CM, _by_age((60, 180), (80, 200), (100, 250)),
        f"{_ANTHROPOMETRICS}, column Height (cm)", "5-9 years: 60-180; 10-14 years: 80-200; 15+ years: 100-250",
    ),
    Plausible(
        "weight", ("29463-7",), "kg", MASS_TO_KG, _by_age((5, 90), (8, 150), (12, 300)),
        f"{_ANTHROPOMETRICS}, column Weight (kg)", "5-9 years: 5-90; 10-14 years: 8-150; 15+ years: 12-300",
    ),
    Plausible(
        "BMI", ("39156-5",), "kg/m2", {"kg/m2": 1.0}, _by_age((6, 40), (8, 60), (10, 80)),
        f"{_ANTHROPOMETRICS}, column BMI (kg/m2)", "5-9 years: 6-40; 10-14 years: 8-60; 15+ years: 10-80",
    ),
    Plausible(
        "waist circumference", ("8280-0",), "cm", LENGTH_TO_CM, _by_age((20, 150), (20, 200), (30, 300)),
        f"{_ANTHROPOMETRICS}, column Waist (cm)", "5-9 years: 20-150; 10-14 years: 20-200; 15+ years: 30-300",
    ),
    Plausible(
        "systolic blood pressure", ("8480-6",), "mmHg", PRESSURE_TO_MMHG, _all_ages(70, 270),
        "Blood Pressure table, row All ages, column SBP (mmHg)", "All ages: 70-270",
    ),
    Plausible(
        "total cholesterol", ("2093-3",), "mmol/L", _molar("cholesterol"), _all_ages(1.75, 20),
        "Lipids table, row All ages, column TC (mmol/L)", "All ages: 1.75-20",
    ),
    Plausible(
        "HDL cholesterol", ("2085-9",), "mmol/L", _molar("cholesterol"), _all_ages(0.4, 5),
        "Lipids table, row All ages, column HDL (mmol/L)", "All ages: 0.4-5",
    ),
    Plausible(
        "fasting glucose", ("1558-6",), "mmol/L", _molar("glucose"), _all_ages(2, 30),
        "Glucose table, row All ages, column FPG (mmol/L)", "All ages: 2-30",
    ),
    Plausible(
        "HbA1c", ("4548-4",), "%", {"%": 1.0}, _all_ages(3, 18),
        "Glucose table, row All ages, column HbA1c (%)", "All ages: 3-18",
    ),
    Plausible(
        "eGFR", ("98979-8", "62238-1", "33914-3"), "mL/min/1.73m2", {"ml/min/1.73m2": 1.0}, _all_ages(5, 250),
        "Kidney function related variable table, row All ages, column eGFR (mL/min/1.73m2)", "All ages: 5-250",
    ),
)  # fmt: skip
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
