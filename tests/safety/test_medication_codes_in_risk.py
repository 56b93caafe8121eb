"""Risk inputs from medications coded only by RxNorm: the name alone would tell nothing (issue: lisinopril by RxNorm
was read as untreated blood pressure, simvastatin by RxNorm was not seen as a statin, so a statin was suggested to
someone already taking one)."""

from __future__ import annotations

from datetime import date

import pytest

from tailormed.demo import demo_record
from tailormed.engines.risk.integrate import integrate
from tailormed.engines.risk.patient import pce_inputs, prevent_inputs
from tailormed.engines.risk.pce import pce_risk
from tailormed.engines.risk.results import equation_results
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.risk.load import RiskKnowledge, load_risk_knowledge
from tailormed.model.patient import Medication, Patient
from tailormed.model.payloads import ClinicalRiskData
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

ON = date(2026, 11, 22)
#: RxNorm ingredient codes, under names no vocabulary can resolve.
LISINOPRIL = Medication(name="blood pressure tablet", rxnorm="29046")
SIMVASTATIN = Medication(name="cholesterol tablet", rxnorm="36567")


@pytest.fixture(scope="module")
def risk(core: KnowledgeBundle) -> RiskKnowledge:
    return load_risk_knowledge(core)


def _hale(medications: list[Medication]) -> Patient:
    hale = load_record(demo_record("demo-01-hale"), RANGES)
    conditions = [c for c in hale.conditions if c.name == "Essential hypertension"]
    return hale.model_copy(update={"conditions": conditions, "medications": medications})


def test_rxnorm_only_antihypertensive_is_treated_blood_pressure_and_raises_the_estimate(risk: RiskKnowledge) -> None:
    coded = pce_inputs(_hale([LISINOPRIL]), ON, risk.facts)
    none = pce_inputs(_hale([]), ON, risk.facts)
    assert coded.inputs is not None and none.inputs is not None
    assert coded.inputs.bp_meds is True and none.inputs.bp_meds is False
    assert "antihypertensive drugs currently: yes (blood pressure tablet)" in coded.used
    treated = pce_risk(coded.inputs, risk).risk
    untreated = pce_risk(none.inputs, risk).risk
    assert treated > untreated  # treated systolic pressure carries the larger coefficient in the PCE


def test_rxnorm_only_statin_is_a_statin(risk: RiskKnowledge) -> None:
    mapped = prevent_inputs(_hale([SIMVASTATIN]), ON, risk.facts)
    assert "statin currently: yes (cholesterol tablet)" in mapped.used
    assert not any("could not be classified" in note for note in mapped.notes)


def _cholesterol_what_if(patient: Patient, risk: RiskKnowledge) -> str:
    results, _ = equation_results(patient, ON, risk)
    (pce,) = [r for r in results if r.key == "pce"]
    (finding,) = integrate([pce], [], [], risk)
    assert isinstance(finding.data, ClinicalRiskData)
    (scenario,) = [s for s in finding.data.scenarios if s.id == "cholesterol_minus_20pct"]
    return scenario.title


@pytest.mark.parametrize("statin", [SIMVASTATIN, Medication(name="Lipitor 40 mg"), Medication(name="x", atc="C10BA02")])
def test_the_cholesterol_what_if_does_not_suggest_a_statin_to_a_statin_taker(
    risk: RiskKnowledge, statin: Medication
) -> None:
    """Issue: a statin was offered to someone already on one (simvastatin coded by RxNorm alone)."""
    assert _cholesterol_what_if(_hale([LISINOPRIL]), risk) == (
        "Total cholesterol 20 % lower (diet or a moderate-intensity statin)"
    )
    assert _cholesterol_what_if(_hale([LISINOPRIL, statin]), risk) == (
        "Total cholesterol 20 % lower than now (already on a statin)"
    )
