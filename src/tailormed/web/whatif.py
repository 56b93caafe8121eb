"""What-if on the plan page: one risk equation recomputed with the reader's values for its modifiable inputs.

The modifiable inputs of an equation are the ones its what-if scenarios change (``integration.yaml``); the sliders
span the model's validity range. A recomputation runs the same equation from the patient's record with only those
values replaced, then the same genetic adjustment as the analysis (:func:`integrate`), so the new absolute risk is
on the plan's basis. Like the plan's scenarios, it is the estimated risk with these values, not a proven effect.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from pydantic import ValidationError

from tailormed.engines.risk.integrate import integrate
from tailormed.engines.risk.results import EquationResult, base_risk, equation_results
from tailormed.engines.risk.validity import RiskInputError
from tailormed.errors import InputError
from tailormed.knowledge.risk.coefficients import Band
from tailormed.knowledge.risk.load import RiskKnowledge
from tailormed.model.careplan import CarePlan
from tailormed.model.finding import Domain
from tailormed.model.patient import Patient
from tailormed.model.payloads import ClinicalRiskData

#: How the inputs read on a page.
LABELS = {
    "bp_sys_mmhg": "Systolic blood pressure (mmHg)",
    "chol_total_mgdl": "Total cholesterol (mg/dL)",
    "chol_hdl_mgdl": "HDL cholesterol (mg/dL)",
    "smoke_current": "Smokes now",
    "bmi": "Body-mass index (kg/m²)",
    "waist_cm": "Waist (cm)",
    "physically_active_30min_daily": "Active 30 minutes a day",
    "vegetables_fruit_berries_daily": "Vegetables, fruit or berries every day",
    "hba1c_pct": "HbA1c (%)",
    "bp_meds": "Takes blood-pressure medicine",
    "statin_meds": "Takes a statin",
}
_STEPS = {"bmi": 0.5, "hba1c_pct": 0.1, "waist_cm": 1.0}


@dataclass(frozen=True)
class Control:
    name: str
    label: str
    value: float | bool
    low: float | None = None
    high: float | None = None
    step: float = 1.0

    @property
    def boolean(self) -> bool:
        return isinstance(self.value, bool)


def risk_on(plan: CarePlan) -> date:
    """The date the plan's risks were computed for (ages are counted to it)."""
    stated = plan.inputs.get("risk_date")
    return date.fromisoformat(stated) if stated else plan.generated_at.date()


def _result(plan: CarePlan, patient: Patient, knowledge: RiskKnowledge, key: str) -> EquationResult:
    results, _ = equation_results(patient, risk_on(plan), knowledge)
    found = next((r for r in results if r.key == key), None)
    if found is None:
        raise InputError(f"no risk equation '{key}' applies to this patient", source="what-if")
    return found


def modifiable(knowledge: RiskKnowledge, key: str) -> list[str]:
    return list(dict.fromkeys(rule.input for rule in knowledge.integration.scenarios if key in rule.risks))


def controls(plan: CarePlan, patient: Patient, knowledge: RiskKnowledge) -> dict[str, list[Control]]:
    """Finding id -> the sliders and switches of that risk (risks without modifiable inputs have none)."""
    results, _ = equation_results(patient, risk_on(plan), knowledge)
    shown = {f.id for f in plan.findings if isinstance(f.data, ClinicalRiskData) and f.data.applicable}
    found: dict[str, list[Control]] = {}
    for result in results:
        finding_id = f"risk:{result.key}"
        if finding_id not in shown:
            continue
        ranges = _ranges(knowledge, result.key)
        items = []
        for name in modifiable(knowledge, result.key):
            value = getattr(result.inputs, name, None)
            if value is None:
                continue
            band = ranges.get(name)
            items.append(
                Control(
                    name=name,
                    label=LABELS.get(name, name.replace("_", " ")),
                    value=value if isinstance(value, bool) else float(value),
                    low=band.low if band else None,
                    high=band.high if band else None,
                    step=_STEPS.get(name, 1.0),
                )
            )
        if items:
            found[finding_id] = items
    return found


def _ranges(knowledge: RiskKnowledge, key: str) -> dict[str, Band]:
    facts = knowledge.facts
    model = {"pce": facts.pce, "findrisc": facts.findrisc, "gail": facts.gail}.get(key, facts.prevent)
    return dict(model.ranges)


def recompute(
    plan: CarePlan, patient: Patient, knowledge: RiskKnowledge, key: str, changes: dict[str, float | bool]
) -> ClinicalRiskData:
    """The risk ``key`` with ``changes`` to its modifiable inputs, adjusted by the plan's genetics."""
    allowed = set(modifiable(knowledge, key))
    wrong = sorted(set(changes) - allowed)
    if wrong:
        raise InputError(f"'{wrong[0]}' is not a modifiable input of {key}", source="what-if")
    result = _result(plan, patient, knowledge, key)
    try:
        inputs = type(result.inputs).model_validate({**result.inputs.model_dump(), **changes})
        risk = base_risk(key, inputs, knowledge)
    except ValidationError as exc:
        raise InputError(f"what-if values: {exc.errors()[0]['msg']}", source="what-if") from None
    except RiskInputError as exc:
        raise InputError(exc.message, source="what-if") from None
    changed = replace(result, inputs=inputs, risk=risk)
    polygenic = [f for f in plan.findings if f.domain is Domain.POLYGENIC]
    hereditary = [f for f in plan.findings if f.domain is Domain.HEREDITARY]
    finding = integrate([changed], polygenic, hereditary, knowledge)[0]
    assert isinstance(finding.data, ClinicalRiskData)
    return finding.data
