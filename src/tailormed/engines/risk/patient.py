"""From a patient record to each equation's inputs: what was read, what is missing, and whether the model applies.

Every value names where it came from (``total cholesterol 246 mg/dL (LOINC 2093-3, 2026-02-10)``). A missing input
is never filled in: the model is reported as not assessed with the list of what is missing. The mapping rules
(LOINC codes, ATC classes, thresholds, race words) are data in ``risk-equations/equations.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from pydantic import BaseModel

from tailormed.engines.risk.inputs import (
    EquationSex,
    FamilyHistoryDiabetes,
    FindriscInputs,
    GailInputs,
    PceInputs,
    PreventInputs,
)
from tailormed.intake.units import LENGTH_TO_CM, MASS_TO_KG, PRESSURE_TO_MMHG, unit_key
from tailormed.knowledge.medicines import core_medicines
from tailormed.knowledge.risk.spec import ConditionMatch, EquationFacts, Exclusion, RecordMapping
from tailormed.model.patient import ConditionStatus, Medication, Observation, Patient, Relative, Sex, SmokingStatus

M = TypeVar("M", bound=BaseModel)

_FIRST_DEGREE_FEMALE = {Relative.MOTHER, Relative.SISTER, Relative.DAUGHTER}
_UNKNOWN = 99
_NULLIPAROUS = 98


#: Units each record input is accepted in (spelled as :func:`unit_key` normalises them) and the factor to the
#: equations' unit. ``None`` marks the molar units, whose factor is the knowledge's molar-mass conversion.
_UNITS: dict[str, dict[str, float | None]] = {
    "chol_total_mgdl": {"mg/dl": 1.0, "mmol/l": None, "g/l": 100.0},
    "chol_hdl_mgdl": {"mg/dl": 1.0, "mmol/l": None, "g/l": 100.0},
    "fasting_glucose_mgdl": {"mg/dl": 1.0, "mmol/l": None, "g/l": 100.0},
    "bp_sys_mmhg": dict(PRESSURE_TO_MMHG),
    "bmi": {"kg/m2": 1.0},
    "weight_kg": dict(MASS_TO_KG),
    "height_cm": dict(LENGTH_TO_CM),
    "waist_cm": dict(LENGTH_TO_CM),
    "egfr_mlminm2": {"ml/min/1.73m2": 1.0},
    "hba1c_pct": {"%": 1.0},
}
_EXPECTED = {name: next(iter(units)) for name, units in _UNITS.items()}


def _unit_factor(name: str, unit: str, rules: RecordMapping) -> float | None:
    """The factor from ``unit`` to the unit the equations use for ``name``; a blank unit is taken as that unit."""
    units = _UNITS.get(name)
    if units is None:
        return 1.0
    key = unit_key(unit) or _EXPECTED[name]
    if key not in units:
        return None
    factor = units[key]
    if factor is not None:
        return factor
    return rules.mgdl_per_mmol_glucose if name == "fasting_glucose_mgdl" else rules.mgdl_per_mmol_cholesterol


def accepted_units(name: str) -> list[str]:
    """The unit spellings (normalised) a record input is read in."""
    return list(_UNITS.get(name, {}))


@dataclass
class Mapped(Generic[M]):
    """One model's inputs from the record, or why there are none."""

    inputs: M | None = None
    used: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    excluded: str | None = None


class _Reader:
    """Reads one record with the mapping rules, remembering what it used and what it could not find."""

    def __init__(self, patient: Patient, on: date, rules: RecordMapping) -> None:
        self.patient = patient
        self.on = on
        self.rules = rules
        self.used: list[str] = []
        self.missing: list[str] = []
        self.notes: list[str] = []

    def age(self) -> float | None:
        age = self.patient.demographics.age_on(self.on)
        if age is None:
            self.missing.append("age (birth_date or age_years)")
        else:
            self.used.append(f"age {age:g} years on {self.on.isoformat()}")
        return age

    def sex(self) -> EquationSex | None:
        sex = self.patient.demographics.sex
        if sex in (Sex.FEMALE, Sex.MALE):
            self.used.append(f"sex {sex.value}")
            return EquationSex(sex.value)
        self.missing.append("sex (female or male; the equations are sex-specific)")
        return None

    def lab(self, name: str, label: str, unit: str, *, required: bool = True) -> float | None:
        """The most recent numeric observation of any LOINC code listed for ``name``, converted to ``unit``.

        A value in a unit that cannot be converted is not used: the input counts as missing, with the unit named.
        """
        codes = self.rules.loinc.get(name, [])
        found = [o for code in codes if (o := self.patient.latest(code)) is not None]
        numeric = [o for o in found if isinstance(o.value, int | float)]
        if not numeric:
            if required:
                self.missing.append(f"{label} (LOINC {' or '.join(codes)})")
            return None
        obs = max(numeric, key=lambda o: o.effective_date or date.min)
        value = self.value_in(name, obs)
        if value is None:
            self.missing.append(
                f"{label} (LOINC {obs.loinc} is in {obs.unit!r}, which cannot be converted to {unit}; "
                f"accepted: {', '.join(accepted_units(name))})"
            )
            return None
        when = f", {obs.effective_date.isoformat()}" if obs.effective_date else ""
        unitless = "" if (obs.unit or "").strip() else f"; no unit given, read as {unit}"
        self.used.append(f"{label} {value:g} {unit} (LOINC {obs.loinc}{when}{unitless})")
        return value

    def value_in(self, name: str, obs: Observation) -> float | None:
        """``obs`` in the unit the equations use for ``name`` (None when its unit cannot be converted)."""
        if not isinstance(obs.value, int | float):
            return None
        factor = _unit_factor(name, obs.unit or "", self.rules)
        if factor is None:
            return None
        molar = unit_key(obs.unit or "") == "mmol/l"
        return round(float(obs.value) * factor, 1 if molar else 4)

    def bmi(self, *, required: bool = True) -> float | None:
        bmi = self.lab("bmi", "BMI", "kg/m2", required=False)
        if bmi is not None:
            return bmi
        weight = self.lab("weight_kg", "weight", "kg", required=False)
        height = self.lab("height_cm", "height", "cm", required=False)
        if weight is not None and height is not None and height > 0:
            bmi = round(weight / (height / 100) ** 2, 1)
            self.used.append(f"BMI {bmi:g} kg/m2 (from weight and height)")
            return bmi
        if required:
            self.missing.append("BMI (LOINC 39156-5, or weight 29463-7 and height 8302-2)")
        return None

    def smoking(self) -> bool | None:
        smoking = self.patient.lifestyle.smoking
        if smoking is None:
            self.missing.append("smoking status (lifestyle.smoking)")
            return None
        self.used.append(f"smoking: {smoking.status.value}")
        return smoking.status is SmokingStatus.CURRENT

    def _atc(self, prefixes: Sequence[str], *, current_only: bool) -> list[str]:
        meds = self.patient.current_medications() if current_only else self.patient.medications
        return [m.name for m in meds if any(code.startswith(p) for code in _atc_codes(m) for p in prefixes)]

    def _unclassified(self, *, current_only: bool) -> list[str]:
        """Medications that neither carry an ATC code nor resolve (name, brand, RxNorm) to a known ingredient."""
        meds = self.patient.current_medications() if current_only else self.patient.medications
        unknown = [med.name for med in meds if not _atc_codes(med)]
        for name in unknown:
            note = f"medication {name!r} could not be classified (no ATC code and not a known medicine)"
            if note not in self.notes:
                self.notes.append(note)
        return unknown

    def on_drugs(self, prefixes: Sequence[str], label: str, *, current_only: bool = True) -> bool:
        names = self._atc(prefixes, current_only=current_only)
        unknown = self._unclassified(current_only=current_only)
        when = "currently" if current_only else "ever"
        if names:
            self.used.append(f"{label} {when}: yes ({', '.join(names)})")
        elif unknown:
            self.used.append(f"{label} {when}: no (assumed: {', '.join(unknown)} could not be classified)")
        else:
            self.used.append(f"{label} {when}: no")
        return bool(names)

    def matches(self, match: ConditionMatch, label: str) -> bool:
        """Whether a condition, or a lab at or above the rule's threshold, says yes."""
        hits = [c.name for c in self.patient.conditions if c.status != ConditionStatus.RESOLVED and _is(c, match)]
        if match.hba1c_pct_at_least is not None:
            hits += [
                f"HbA1c {value:g} %"
                for code in self.rules.loinc.get("hba1c_pct", [])
                for o in self.patient.observations
                if o.loinc == code
                and (value := self.value_in("hba1c_pct", o)) is not None
                and value >= match.hba1c_pct_at_least
            ]
        if match.fasting_glucose_mgdl_at_least is not None:
            hits += [
                f"fasting glucose {value:g} mg/dL"
                for code in self.rules.loinc.get("fasting_glucose_mgdl", [])
                for o in self.patient.observations
                if o.loinc == code
                and (value := self.value_in("fasting_glucose_mgdl", o)) is not None
                and value >= match.fasting_glucose_mgdl_at_least
            ]
        self.used.append(f"{label}: {'yes (' + '; '.join(hits) + ')' if hits else 'no'}")
        return bool(hits)

    def diabetes(self) -> bool:
        on_drugs = bool(self._atc(self.rules.glucose_lowering_atc, current_only=True))
        found = self.matches(self.rules.diabetes, "diabetes")
        if on_drugs and not found:
            self.used.append("diabetes: yes (on glucose-lowering drugs)")
        return found or on_drugs


def current_atc_codes(patient: Patient) -> tuple[str, ...]:
    """The ATC codes of every medication taken now or planned (the record's and those of its ingredients)."""
    return tuple(dict.fromkeys(code for m in patient.current_medications() for code in _atc_codes(m)))


def _atc_codes(medication: Medication) -> list[str]:
    """The record's ATC code and those of the ingredients the entry resolves to (RxNorm code, name or brand)."""
    vocabulary = core_medicines()
    codes = [medication.atc] if medication.atc else []
    resolved = vocabulary.resolve(medication.name, medication.rxnorm, medication.atc)
    if resolved is not None:
        codes += vocabulary.atc_codes(resolved.ingredients)
    return codes


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "


def _has_word(text: str, words: Sequence[str]) -> bool:
    haystack = _words(text)
    return any(_words(word) in haystack for word in words)


def _is(condition: object, match: ConditionMatch | Exclusion) -> bool:
    code = getattr(condition, "code", None)
    if (
        code is not None
        and "icd-10" in code.system.lower()
        and any(code.code.upper().startswith(p.upper()) for p in match.icd10_prefixes)
    ):
        return True
    return _has_word(getattr(condition, "name", ""), match.names)


def exclusion(patient: Patient, exclusions: Sequence[Exclusion]) -> str | None:
    """Why the model does not apply to this patient (a matching condition), or None."""
    for rule in exclusions:
        for condition in patient.conditions:
            if condition.status != ConditionStatus.RESOLVED and _is(condition, rule):
                return f"{rule.reason}: {condition.name}"
    return None


def _finish(reader: _Reader, mapped: Mapped[M], build: type[M], values: Mapping[str, object]) -> Mapped[M]:
    mapped.used, mapped.missing, mapped.notes = reader.used, reader.missing, mapped.notes + reader.notes
    if not reader.missing and mapped.excluded is None:
        mapped.inputs = build.model_validate(values)
    return mapped


def pce_inputs(patient: Patient, on: date, facts: EquationFacts) -> Mapped[PceInputs]:
    reader = _Reader(patient, on, facts.record)
    mapped: Mapped[PceInputs] = Mapped(excluded=exclusion(patient, facts.pce.exclusions))
    race = _pce_race(patient, facts.record)
    if race is None:
        reader.missing.append("race (white, black or other)")
    else:
        reader.used.append(f"race for the equation: {race}")
    values = {
        "sex": reader.sex(),
        "race": race,
        "age_years": reader.age(),
        "chol_total_mgdl": reader.lab("chol_total_mgdl", "total cholesterol", "mg/dL"),
        "chol_hdl_mgdl": reader.lab("chol_hdl_mgdl", "HDL cholesterol", "mg/dL"),
        "bp_sys_mmhg": reader.lab("bp_sys_mmhg", "systolic blood pressure", "mmHg"),
        "bp_meds": reader.on_drugs(facts.record.antihypertensive_atc, "antihypertensive drugs"),
        "smoke_current": reader.smoking(),
        "diabetes": reader.diabetes(),
    }
    return _finish(reader, mapped, PceInputs, values)


def prevent_inputs(patient: Patient, on: date, facts: EquationFacts) -> Mapped[PreventInputs]:
    reader = _Reader(patient, on, facts.record)
    mapped: Mapped[PreventInputs] = Mapped(excluded=exclusion(patient, facts.prevent.exclusions))
    values = {
        "sex": reader.sex(),
        "age_years": reader.age(),
        "chol_total_mgdl": reader.lab("chol_total_mgdl", "total cholesterol", "mg/dL"),
        "chol_hdl_mgdl": reader.lab("chol_hdl_mgdl", "HDL cholesterol", "mg/dL"),
        "bp_sys_mmhg": reader.lab("bp_sys_mmhg", "systolic blood pressure", "mmHg"),
        "bp_meds": reader.on_drugs(facts.record.antihypertensive_atc, "antihypertensive drugs"),
        "statin_meds": reader.on_drugs(facts.record.statin_atc, "statin"),
        "smoke_current": reader.smoking(),
        "diabetes": reader.diabetes(),
        "bmi": reader.bmi(required=False),
        "egfr_mlminm2": reader.lab("egfr_mlminm2", "eGFR", "mL/min/1.73m2"),
    }
    if values["bmi"] is None:
        mapped.notes.append("no BMI (LOINC 39156-5, or weight and height): heart-failure risk not assessed")
    return _finish(reader, mapped, PreventInputs, values)


def findrisc_inputs(patient: Patient, on: date, facts: EquationFacts) -> Mapped[FindriscInputs]:
    rules = facts.record
    reader = _Reader(patient, on, rules)
    mapped: Mapped[FindriscInputs] = Mapped(excluded=exclusion(patient, facts.findrisc.exclusions))
    active = patient.lifestyle.active_30min_daily
    if active is not None:
        reader.used.append(f"at least 30 minutes of physical activity daily: {'yes' if active else 'no'}")
    else:
        minutes = patient.lifestyle.physical_activity_minutes_per_week
        weekly = f"a weekly total ({minutes:g} min) does not say" if minutes is not None else "the record does not say"
        mapped.notes.append(
            f"physical activity not assessed: FINDRISC asks about at least 30 minutes daily and {weekly} whether that "
            "is daily (lifestyle.active_30min_daily); the score is given only when both answers fall in the same band"
        )
    vegetables = patient.lifestyle.vegetables_fruit_daily
    if vegetables is None:
        reader.missing.append("vegetables or fruit every day (lifestyle.vegetables_fruit_daily)")
    else:
        reader.used.append(f"vegetables or fruit every day: {'yes' if vegetables else 'no'}")
    values = {
        "sex": reader.sex(),
        "age_years": reader.age(),
        "bmi": reader.bmi(),
        "waist_cm": reader.lab("waist_cm", "waist circumference", "cm"),
        "physically_active_30min_daily": active,
        "vegetables_fruit_berries_daily": vegetables,
        "ever_antihypertensive_medication": reader.on_drugs(
            rules.antihypertensive_atc, "antihypertensive drugs", current_only=False
        ),
        "ever_high_blood_glucose": reader.matches(rules.high_glucose_ever, "high blood glucose ever"),
        "family_history_diabetes": _family_diabetes(patient, rules, reader),
    }
    return _finish(reader, mapped, FindriscInputs, values)


def gail_inputs(patient: Patient, on: date, facts: EquationFacts, *, years: float = 5) -> Mapped[GailInputs]:
    """Gail inputs for the next ``years`` (ending by 90); unknown reproductive facts use BCRA's code 99."""
    rules = facts.record
    reader = _Reader(patient, on, rules)
    mapped: Mapped[GailInputs] = Mapped(excluded=exclusion(patient, facts.gail.exclusions))
    if patient.demographics.sex is not Sex.FEMALE:
        mapped.excluded = "the Gail model is for women"
    age = reader.age()
    repro = patient.reproductive
    biopsies = repro.breast_biopsies if repro else None
    atypia = repro.atypical_hyperplasia if repro else None
    menarche = repro.age_at_menarche if repro else None
    first_birth = repro.age_at_first_live_birth if repro else None
    births = repro.live_births if repro else None
    n_biop = _UNKNOWN if biopsies is None else biopsies
    hyp = _UNKNOWN if n_biop in (0, _UNKNOWN) or atypia is None else int(atypia)
    age1st = first_birth if first_birth is not None else _NULLIPAROUS if births == 0 else _UNKNOWN
    relatives = [
        f"{f.relative.value} ({f.condition})"
        for f in patient.family_history
        if f.relative in _FIRST_DEGREE_FEMALE and _has_word(f.condition, rules.family_breast_cancer_names)
    ]
    race = _gail_race(patient, rules, reader)
    reader.used += [
        f"breast biopsies: {'unknown (99)' if biopsies is None else biopsies}",
        f"atypical hyperplasia: {'not applicable' if hyp == _UNKNOWN and n_biop in (0, _UNKNOWN) else hyp}",
        f"age at menarche: {'unknown (99)' if menarche is None else f'{menarche:g}'}",
        f"age at first live birth: {_first_birth_text(age1st)}",
        f"first-degree relatives with breast cancer: {len(relatives)}"
        + (f" ({', '.join(relatives)})" if relatives else ""),
    ]
    values: dict[str, object] = {}
    if age is not None and race is not None:
        values = {
            "T1": age,
            "T2": min(age + years, 90.0),
            "N_Biop": n_biop,
            "HypPlas": hyp,
            "AgeMen": _UNKNOWN if menarche is None else menarche,
            "Age1st": age1st,
            "N_Rels": len(relatives),
            "Race": race,
        }
    return _finish(reader, mapped, GailInputs, values)


def hispanic_alternatives(patient: Patient, rules: RecordMapping) -> bool:
    """Whether the record says Hispanic without a birth country (BCRAT then depends on US vs foreign birth)."""
    if patient.demographics.birth_country is not None:
        return False
    return _is_hispanic(patient, rules)


def _is_hispanic(patient: Patient, rules: RecordMapping) -> bool:
    text = " ".join([*patient.demographics.race, patient.demographics.ethnicity or ""])
    return _has_word(text, rules.hispanic_words) and not _has_word(text, ["not hispanic", "non hispanic"])


def _first_birth_text(code: float) -> str:
    if code == _UNKNOWN:
        return "unknown (99)"
    if code == _NULLIPAROUS:
        return "no live births (98)"
    return f"{code:g}"


def _pce_race(patient: Patient, rules: RecordMapping) -> str | None:
    races = patient.demographics.race
    if not races:
        return None
    text = " ".join(races)
    for race, words in rules.pce_race_words.items():
        if _has_word(text, words):
            return race
    return "white" if _has_word(text, ["white"]) else "other"


def _gail_race(patient: Patient, rules: RecordMapping, reader: _Reader) -> int | None:
    text = " ".join(patient.demographics.race)
    if _is_hispanic(patient, rules) and patient.demographics.birth_country is not None:
        us_born = patient.demographics.birth_country == "US"
        code = 3 if us_born else 5
        where = "US-born" if us_born else f"born outside the US ({patient.demographics.birth_country})"
        reader.used.append(f"BCRA race code {code} (Hispanic, {where})")
        return code
    if hispanic_alternatives(patient, rules):
        reader.missing.append(
            "birthplace (US-born or foreign-born): BCRAT has separate models for Hispanic women (codes 3 and 5)"
        )
        return None
    for code, words in rules.gail_race_words.items():
        if _has_word(text, words):
            reader.used.append(f"BCRA race code {code}")
            return code
    reader.used.append("BCRA race code 4 (other or unknown race)")
    return 4


def _family_diabetes(patient: Patient, rules: RecordMapping, reader: _Reader) -> FamilyHistoryDiabetes:
    degrees = [
        f.relative.degree
        for f in patient.family_history
        if _has_word(f.condition, rules.family_diabetes_names) and f.relative.degree is not None
    ]
    if 1 in degrees:
        answer = FamilyHistoryDiabetes.FIRST_DEGREE
    elif degrees:
        answer = FamilyHistoryDiabetes.SECOND_DEGREE  # grandparents, aunts, uncles and first cousins on the form
    else:
        answer = FamilyHistoryDiabetes.NONE
    reader.used.append(f"family history of diabetes: {answer.value.replace('_', ' ')}")
    return answer


__all__ = [
    "Mapped",
    "exclusion",
    "findrisc_inputs",
    "gail_inputs",
    "hispanic_alternatives",
    "pce_inputs",
    "prevent_inputs",
]
