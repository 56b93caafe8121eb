"""Each equation's risk for one patient, and one function that recomputes any of them with changed inputs or a
polygenic relative risk (what the integration and the what-ifs both need).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from pydantic import BaseModel

from tailormed.engines.risk.findrisc import findrisc_score
from tailormed.engines.risk.gail import gail_risk
from tailormed.engines.risk.inputs import FindriscInputs, GailInputs, PceInputs, PreventInputs
from tailormed.engines.risk.patient import (
    Mapped,
    current_atc_codes,
    findrisc_inputs,
    gail_inputs,
    hispanic_alternatives,
    pce_inputs,
    prevent_inputs,
)
from tailormed.engines.risk.pce import pce_risk
from tailormed.engines.risk.prevent import BASE_OUTCOMES, prevent_risk
from tailormed.engines.risk.validity import RiskInputError
from tailormed.errors import InternalError
from tailormed.knowledge.risk.integration import AdjustMethod
from tailormed.knowledge.risk.load import RiskKnowledge
from tailormed.knowledge.risk.spec import ModelFacts, classify
from tailormed.model.finding import NotAssessed
from tailormed.model.patient import Patient, Sex

#: Risk keys in the order findings are listed.
RISK_KEYS = ("pce", "prevent_cvd", "prevent_ascvd", "prevent_hf", "findrisc", "gail")
_PREVENT_OUTCOMES = {"cvd": "total cardiovascular disease", "ascvd": "ASCVD", "hf": "heart failure"}
GAIL_YEARS = 5
#: PREVENT's risk classes (2026 ACC/AHA dyslipidemia guideline) are defined for 10-year ASCVD only.
_UNCLASSIFIED = ("prevent_cvd", "prevent_hf")
_NO_CLASS = "no risk class: the published PREVENT classes are for 10-year ASCVD only"


@dataclass(frozen=True)
class EquationResult:
    """One equation's risk for one person, with the inputs it used (so it can be recomputed)."""

    key: str
    model: str
    title: str
    outcome: str
    horizon_years: float
    inputs: BaseModel
    risk: float
    category: str | None = None
    detail: str | None = None
    used: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    current_atc: tuple[str, ...] = ()  # ATC codes of the medications taken now (for the what-ifs' titles)


def base_risk(key: str, inputs: BaseModel, knowledge: RiskKnowledge, *, rr: float = 1.0) -> float:
    """The equation's risk; ``rr`` enters the Gail hazard directly (the other models are adjusted afterwards)."""
    if key == "pce" and isinstance(inputs, PceInputs):
        return pce_risk(inputs, knowledge).risk
    if key.startswith("prevent_") and isinstance(inputs, PreventInputs):
        return prevent_risk(inputs, knowledge, key.removeprefix("prevent_"))
    if key == "findrisc" and isinstance(inputs, FindriscInputs):
        return findrisc_score(inputs, knowledge).risk
    if key == "gail" and isinstance(inputs, GailInputs):
        return gail_risk(inputs, knowledge, rr_multiplier=rr).absolute_risk
    raise InternalError(f"no risk {key!r} for inputs of type {type(inputs).__name__}")


def evaluate(
    key: str, inputs: BaseModel, knowledge: RiskKnowledge, *, rr: float = 1.0, method: AdjustMethod | None = None
) -> float:
    """Risk of ``key`` with these inputs, adjusted by a polygenic relative risk ``rr`` with ``method``.

    survival: 1 - (1 - risk) ** rr; log_odds: logit(risk) + ln rr; hazard: rr in the Gail hazard;
    risk_ratio: min(risk x rr, cap).
    """
    if method is None or rr == 1.0:
        return base_risk(key, inputs, knowledge)
    if method is AdjustMethod.HAZARD:
        return base_risk(key, inputs, knowledge, rr=rr)
    risk = base_risk(key, inputs, knowledge)
    if method is AdjustMethod.SURVIVAL:
        return 1.0 - float((1.0 - risk) ** rr)
    if method is AdjustMethod.LOG_ODDS:
        x = math.log(risk / (1.0 - risk)) + math.log(rr)
        return 1.0 / (1.0 + math.exp(-x))
    return min(risk * rr, knowledge.integration.risk_ratio_cap)


def equation_results(
    patient: Patient, on: date, knowledge: RiskKnowledge
) -> tuple[list[EquationResult], list[NotAssessed]]:
    """Every equation that applies to the patient, and why the others were not assessed."""
    facts = knowledge.facts
    results: list[EquationResult] = []
    limits: list[NotAssessed] = []

    pce = pce_inputs(patient, on, facts)
    if _usable(pce, "10-year ASCVD risk (Pooled Cohort Equations)", limits) and pce.inputs is not None:
        try:
            computed = pce_risk(pce.inputs, knowledge)
        except RiskInputError as exc:
            limits.append(NotAssessed(item="10-year ASCVD risk (Pooled Cohort Equations)", reason=exc.message))
        else:
            notes = [*pce.notes, *([computed.note] if computed.note else [])]
            results.append(_result("pce", facts.pce, pce, computed.risk, notes=notes))

    prevent = prevent_inputs(patient, on, facts)
    if _usable(prevent, "10-year cardiovascular risk (PREVENT)", limits) and prevent.inputs is not None:
        for outcome in BASE_OUTCOMES:
            item = f"10-year {_PREVENT_OUTCOMES[outcome]} risk (PREVENT)"
            if outcome == "hf" and prevent.inputs.bmi is None:
                limits.append(NotAssessed(item=item, reason="missing input: BMI"))
                continue
            try:
                risk = prevent_risk(prevent.inputs, knowledge, outcome)
            except RiskInputError as exc:
                limits.append(NotAssessed(item=item, reason=exc.message))
                continue
            key = f"prevent_{outcome}"
            notes = [*prevent.notes, *([_NO_CLASS] if key in _UNCLASSIFIED else [])]
            results.append(
                _result(key, facts.prevent, prevent, risk, outcome=f"10-year {_PREVENT_OUTCOMES[outcome]}", notes=notes)
            )

    findrisc = findrisc_inputs(patient, on, facts)
    if _usable(findrisc, "10-year type 2 diabetes risk (FINDRISC)", limits) and findrisc.inputs is not None:
        try:
            score = findrisc_score(findrisc.inputs, knowledge)
        except RiskInputError as exc:
            limits.append(NotAssessed(item="10-year type 2 diabetes risk (FINDRISC)", reason=exc.message))
        else:
            points = f"{score.points}" if score.points_if_active is None else f"{score.points_if_active}-{score.points}"
            detail = f"FINDRISC {points} points ({score.category.replace('_', ' ')}, about {score.risk_text})"
            results.append(
                _result("findrisc", facts.findrisc, findrisc, score.risk, category=score.category, detail=detail)
            )

    if patient.demographics.sex is Sex.FEMALE:
        results += _gail(patient, on, knowledge, limits)
    taken = current_atc_codes(patient)
    return [replace(result, current_atc=taken) for result in results], limits


def _gail(patient: Patient, on: date, knowledge: RiskKnowledge, limits: list[NotAssessed]) -> list[EquationResult]:
    facts = knowledge.facts
    item = f"{GAIL_YEARS}-year invasive breast cancer risk (Gail model, BCRAT)"
    mapped = gail_inputs(patient, on, facts, years=GAIL_YEARS)
    if mapped.inputs is None and mapped.excluded is None and hispanic_alternatives(patient, facts.record):
        mapped.notes.append(_hispanic_both(patient, on, knowledge))
    if not _usable(mapped, item, limits) or mapped.inputs is None:
        return []
    try:
        gail = gail_risk(mapped.inputs, knowledge)
        lifetime = (
            gail_risk(mapped.inputs.model_copy(update={"T2": 90.0}), knowledge) if mapped.inputs.T1 < 89 else None
        )
    except RiskInputError as exc:
        limits.append(NotAssessed(item=item, reason=exc.message))
        return []
    detail = (
        f"average woman of the same age and group: {gail.average_risk:.1%}; relative risk "
        f"{gail.relative_risk_below_50:.2f} (<50) / {gail.relative_risk_from_50:.2f} (50+)"
    )
    if lifetime is not None:
        detail += f"; to age 90: {lifetime.absolute_risk:.1%}"
    category = classify(gail.absolute_risk, facts.gail.categories_5_year)
    return [
        _result(
            "gail",
            facts.gail,
            mapped,
            gail.absolute_risk,
            outcome=f"{GAIL_YEARS}-year invasive breast cancer",
            horizon=mapped.inputs.T2 - mapped.inputs.T1,
            category=category,
            detail=detail,
        )
    ]


def _hispanic_both(patient: Patient, on: date, knowledge: RiskKnowledge) -> str:
    """Both Hispanic projections, so the missing birthplace is seen to matter (or not)."""
    shown = []
    for code, label in ((3, "US-born"), (5, "foreign-born")):
        copy = patient.model_copy(
            update={"demographics": patient.demographics.model_copy(update={"race": [], "ethnicity": None})}
        )
        mapped = gail_inputs(copy, on, knowledge.facts, years=GAIL_YEARS)
        if mapped.inputs is None:
            return "both Hispanic projections need the other Gail inputs too"
        try:
            risk = gail_risk(mapped.inputs.model_copy(update={"Race": code}), knowledge).absolute_risk
        except RiskInputError as exc:
            return exc.message
        shown.append(f"{label} {risk:.1%}")
    return f"{GAIL_YEARS}-year risk would be " + ", ".join(shown) + " (not reported until the birthplace is known)"


def _usable(mapped: Mapped[Any], item: str, limits: list[NotAssessed]) -> bool:
    if mapped.excluded is not None:
        limits.append(NotAssessed(item=item, reason=f"not applicable: {mapped.excluded}"))
        return False
    if mapped.missing:
        extra = f" ({'; '.join(mapped.notes)})" if mapped.notes else ""
        limits.append(NotAssessed(item=item, reason="missing input(s): " + "; ".join(mapped.missing) + extra))
        return False
    return True


def _result(
    key: str,
    facts: ModelFacts,
    mapped: Mapped[Any],
    risk: float,
    *,
    outcome: str | None = None,
    horizon: float | None = None,
    category: str | None = None,
    detail: str | None = None,
    notes: list[str] | None = None,
) -> EquationResult:
    assert mapped.inputs is not None
    return EquationResult(
        key=key,
        model=key.split("_", 1)[0],
        title=facts.title,
        outcome=outcome or facts.outcome,
        horizon_years=horizon if horizon is not None else facts.horizon_years or 10,
        inputs=mapped.inputs,
        risk=risk,
        category=category if category is not None or key in _UNCLASSIFIED else classify(risk, facts.categories),
        detail=detail,
        used=list(mapped.used),
        notes=list(notes if notes is not None else mapped.notes),
        citations=list(facts.citations),
    )
