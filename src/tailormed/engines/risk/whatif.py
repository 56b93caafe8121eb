"""What-if scenarios: the same equation recomputed with one modifiable input changed (age and genetics fixed).

The rules (which input, when it is meaningful, how it changes) are data in ``integration.yaml``. A changed value is
kept inside the model's validity range, and the scenario says so. Equations estimate associations, not treatment
effects: a scenario is "the estimated risk with these values", not the proven benefit of a treatment. For the same
reason a scenario is only shown when the equation estimates a lower risk: every scenario is a change meant to lower
risk, and where an equation's association runs the other way for this patient it is a property of the fit, not an
effect of the change. PREVENT's total-CVD model is the case in point: its non-HDL-C term is
``0.0305 - 0.0820 x (age - 55) / 10`` per mmol/L for women, negative from about age 59, so "total cholesterol 20 %
lower" would otherwise be shown as raising the risk of a 60-year-old woman.
"""

from __future__ import annotations

from tailormed.engines.risk.results import EquationResult, evaluate
from tailormed.engines.risk.validity import RiskInputError
from tailormed.knowledge.risk.coefficients import Band
from tailormed.knowledge.risk.integration import AdjustMethod, Change, Condition, ScenarioRule
from tailormed.knowledge.risk.load import RiskKnowledge
from tailormed.model.payloads import RiskScenario


def scenarios(
    result: EquationResult,
    knowledge: RiskKnowledge,
    *,
    before: float,
    rr: float = 1.0,
    method: AdjustMethod | None = None,
) -> list[RiskScenario]:
    """Every scenario that applies to this result, each with the risk before and after on the same basis."""
    found = []
    for rule in knowledge.integration.scenarios:
        if result.key not in rule.risks:
            continue
        current = getattr(result.inputs, rule.input, None)
        if current is None or not applies(rule.when, current):
            continue
        scenario = _scenario(rule, result, knowledge, current, before=before, rr=rr, method=method)
        if scenario is not None:
            found.append(scenario)
    return found


def applies(when: Condition, value: float | bool) -> bool:
    if when.equals is not None:
        return bool(value) is when.equals
    return when.above is not None and float(value) > when.above


def changed(change: Change, value: float | bool, band: Band | None) -> tuple[float | bool, str]:
    """The new value, and a note when it was kept at the model's range limit."""
    if change.set is not None:
        return change.set, ""
    number = float(value)
    if change.minus is not None:
        new = number - change.minus
    elif change.times is not None:
        new = number * change.times
    else:
        assert change.to is not None
        new = change.to
    new = round(new, 1)
    if band is not None and band.low is not None and new < band.low:
        return band.low, f" (kept at the model's lower limit {band.low:g})"
    return new, ""


def _ranges(knowledge: RiskKnowledge, key: str) -> dict[str, Band]:
    facts = knowledge.facts
    model = {"pce": facts.pce, "findrisc": facts.findrisc, "gail": facts.gail}.get(key, facts.prevent)
    return model.ranges


def _scenario(
    rule: ScenarioRule,
    result: EquationResult,
    knowledge: RiskKnowledge,
    current: float | bool,
    *,
    before: float,
    rr: float,
    method: AdjustMethod | None,
) -> RiskScenario | None:
    new, note = changed(rule.change, current, _ranges(knowledge, result.key).get(rule.input))
    if new == current:
        return None
    try:
        after = evaluate(
            result.key, result.inputs.model_copy(update={rule.input: new}), knowledge, rr=rr, method=method
        )
    except RiskInputError:
        return None
    if not after < before:
        return None
    shown = ("yes" if new else "no") if isinstance(new, bool) else f"{new:g}"
    was = ("yes" if current else "no") if isinstance(current, bool) else f"{current:g}"
    return RiskScenario(
        id=rule.id,
        title=rule.title_for(result.current_atc),
        changes={rule.input: f"{was} -> {shown}{note}"},
        risk_before=before,
        risk_after=after,
    )


def denominator(*risks: float) -> int:
    """100 when the risks read well per 100 people, else 1,000 (same denominator for before and after)."""
    return 100 if max(risks) >= 0.095 else 1000


def in_words(before: float, after: float | None = None) -> str:
    """``12 in 100 -> 8 in 100``: absolute risks on one denominator.

    >>> in_words(0.121, 0.079)
    '12 in 100 → 8 in 100'
    >>> in_words(0.0062)
    '6 in 1,000'
    """
    risks = [before] if after is None else [before, after]
    per = denominator(*risks)
    parts = [f"{_count(r * per)} in {per:,}" for r in risks]
    return " → ".join(parts)


def _count(value: float) -> str:
    if 0 < value < 0.5:
        return "<1"
    return f"{round(value):d}"
