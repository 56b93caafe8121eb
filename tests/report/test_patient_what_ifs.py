"""The patient report lists under "Changes you make can lower this number" only changes that lower the number it
shows: a what-if that leaves a risk of about 11 in 100 at about 11 (losing 5 % of body weight for a heart-failure
risk of 10.9 %, say) is not offered as lowering it."""

from __future__ import annotations

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.model.payloads import ClinicalRiskData, RiskScenario
from tailormed.report.render import render_patient_html
from tailormed.report.text import visible_text


def test_a_change_that_leaves_the_number_is_not_offered_as_lowering_it(
    demo_plans: dict[str, tuple[Patient, CarePlan]],
) -> None:
    patient, plan = demo_plans["demo-02-mensah"]
    findings = []
    for finding in plan.findings:
        data = finding.data
        if isinstance(data, ClinicalRiskData) and "heart failure" in data.outcome.casefold() and data.scenarios:
            before = 0.109
            scenarios = [
                RiskScenario(id="keep", title="Same rounded number", changes={}, risk_before=before,
                             risk_after=before - 0.003),
                RiskScenario(id="lower", title="Clearly lower", changes={}, risk_before=before,
                             risk_after=before - 0.03),
            ]  # fmt: skip
            data = data.model_copy(update={"integrated_risk": before, "equation_risk": before, "scenarios": scenarios})
            finding = finding.model_copy(update={"data": data})
        findings.append(finding)
    assert findings != plan.findings
    changed = plan.model_copy(update={"findings": findings})
    text = visible_text(render_patient_html(changed, patient))
    block = text[text.index("about 11 of them will have heart failure") :]
    assert "Clearly lower: about 8 in 100" in block
    assert "Same rounded number" not in text


def test_changes_are_named_in_the_patient_words_and_language(
    demo_plans: dict[str, tuple[Patient, CarePlan]],
) -> None:
    """The equations' what-if titles are clinician English ("Lower systolic blood pressure by 10 mmHg"); the patient
    report names each change in its own words, in Spanish for a Spanish-speaking patient."""
    patient, plan = demo_plans["demo-02-mensah"]
    english = visible_text(render_patient_html(plan, patient))
    assert "Lower your blood pressure by 10 mmHg: about" in english
    assert "systolic" not in english.split("Your chances of health problems")[1].split("Choices to make")[0]
    spanish = visible_text(render_patient_html(plan, patient, language="es"))
    assert "Bajar su presión arterial 10 mmHg:" in spanish
    assert "Lower systolic blood pressure" not in spanish.split("Decisiones para tomar con su equipo de salud")[0]
