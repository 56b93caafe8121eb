"""Pooled Cohort Equations (Goff 2013): 10-year hard ASCVD risk = 1 - S0 ** exp(sum - mean sum).

Four equations (white/black x female/male); every other race uses the white equation, and the result says so.
"""

from __future__ import annotations

import math

from tailormed.engines.risk.inputs import PceInputs
from tailormed.engines.risk.validity import RiskInputError, check_range
from tailormed.knowledge.risk.coefficients import PceGroup
from tailormed.knowledge.risk.load import RiskKnowledge
from tailormed.model.base import Contract

MODEL = "pce"


class PceResult(Contract):
    risk: float
    individual_sum: float
    equation: str
    note: str | None = None


def pce_group(inputs: PceInputs, knowledge: RiskKnowledge) -> tuple[str, str | None]:
    """The equation to use (``white_female``...) and a note when the race has no equation of its own."""
    facts = knowledge.facts.pce
    race = inputs.race.strip().lower()
    note = None
    if race not in facts.races:
        note = f"race {inputs.race!r} has no equation of its own; the {facts.fallback_race} equation is used"
        race = facts.fallback_race
    return f"{race}_{inputs.sex.value}", note


def pce_risk(inputs: PceInputs, knowledge: RiskKnowledge) -> PceResult:
    """10-year hard-ASCVD risk for a person without clinical ASCVD."""
    ranges = knowledge.facts.pce.ranges
    for field in ("age_years", "chol_total_mgdl", "chol_hdl_mgdl", "bp_sys_mmhg"):
        check_range(field, getattr(inputs, field), ranges, "the Pooled Cohort Equations")
    name, note = pce_group(inputs, knowledge)
    group = knowledge.coefficients.pce.get(name)
    if group is None:
        raise RiskInputError(f"no Pooled Cohort equation {name!r}", field="race")
    total = individual_sum(inputs, group)
    risk = 1.0 - group.baseline_survival_10yr ** math.exp(total - group.mean_individual_sum)
    return PceResult(risk=risk, individual_sum=total, equation=name, note=note)


def individual_sum(inputs: PceInputs, group: PceGroup) -> float:
    """Sum of coefficient x term (Goff 2013 Table A); the SBP terms use the treated or untreated coefficients."""
    ln_age = math.log(inputs.age_years)
    ln_sbp = math.log(inputs.bp_sys_mmhg)
    smoker = 1.0 if inputs.smoke_current else 0.0
    sbp = "treated" if inputs.bp_meds else "untreated"
    terms = {
        "ln_age": ln_age,
        "ln_age_squared": ln_age**2,
        "ln_total_chol": math.log(inputs.chol_total_mgdl),
        "ln_age_x_ln_total_chol": ln_age * math.log(inputs.chol_total_mgdl),
        "ln_hdl": math.log(inputs.chol_hdl_mgdl),
        "ln_age_x_ln_hdl": ln_age * math.log(inputs.chol_hdl_mgdl),
        f"ln_{sbp}_sbp": ln_sbp,
        f"ln_age_x_ln_{sbp}_sbp": ln_age * ln_sbp,
        "current_smoker": smoker,
        "ln_age_x_current_smoker": ln_age * smoker,
        "diabetes": 1.0 if inputs.diabetes else 0.0,
    }
    c = group.coefficients
    return sum(c.get(term, 0.0) * value for term, value in terms.items())
