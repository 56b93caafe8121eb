"""Option grids: outcomes from the patient's own baseline and genotype, checked against published trial arms."""

from __future__ import annotations

import pytest

from tailormed.knowledge.sdm import SdmOptions
from tailormed.model.base import Coding
from tailormed.model.careplan import Decision, Option
from tailormed.model.finding import Domain, Finding
from tailormed.model.patient import Condition, ConditionStatus, Medication, Patient
from tailormed.model.payloads import ClinicalRiskData, RiskScenario
from tailormed.plan.decisions import build_decisions, rescale

from .conftest import finding, gene_result


def by_id(decisions: list[Decision], decision_id: str) -> Decision:
    return next(d for d in decisions if d.id == decision_id)


def rates(option: Option) -> dict[str, float]:
    return {o.name: o.per_100 for o in option.outcomes}


def test_rescale_assumes_a_constant_hazard() -> None:
    assert rescale(34.7, 7, 5) == pytest.approx(100 * (1 - 0.653 ** (5 / 7)))
    assert rescale(10.0, 1, 1) == 10.0
    assert rescale(rescale(20.0, 10, 3), 3, 10) == pytest.approx(20.0)


def test_decision_rates_reproduce_the_published_comparator_arms(
    demo_pgx: dict[str, tuple[Patient, list[Finding]]], sdm: SdmOptions
) -> None:
    """Reference rate x relative effect gives the other trial arm's published rate (not an input to the grid)."""
    patient, findings = demo_pgx["demo-02-mensah"]
    af = by_id(build_decisions(patient, findings, sdm), "decision:anticoagulant-af")
    apixaban = rates(next(o for o in af.options if o.id == "apixaban"))
    # ARISTOTLE apixaban arm: stroke or systemic embolism 1.27 %/year, major bleeding 2.13 %/year
    assert apixaban["stroke or blood clot elsewhere in the body"] == pytest.approx(1.27, abs=0.05)
    assert apixaban["major bleeding"] == pytest.approx(2.13, abs=0.05)
    patient, findings = demo_pgx["demo-01-hale"]
    pci = by_id(build_decisions(patient, findings, sdm), "decision:antiplatelet-after-pci")
    ticagrelor = rates(next(o for o in pci.options if o.id == "ticagrelor"))
    # TAILOR-PCI genotype-guided (ticagrelor) arm: 4.0 in 100 at 12 months; PLATO dyspnoea on ticagrelor 13.8 %
    assert ticagrelor["heart attack, stroke, stent clot or death from heart disease"] == pytest.approx(4.0, abs=0.15)
    assert ticagrelor["shortness of breath caused by the medicine"] == pytest.approx(14.5 - 8.7, abs=0.05)
    assert pci.horizon_years == 1 and all(o.horizon_years == 1 for opt in pci.options for o in opt.outcomes)
    assert [q.item for q in pci.sure_questions] == [
        "Sure of myself",
        "Understand information",
        "Risk-benefit ratio",
        "Encouragement",
    ]
    assert "pgx:gene:CYP2C19" in pci.finding_ids


def test_statin_grid_uses_the_slco1b1_result(sdm: SdmOptions) -> None:
    patient = Patient(id="p", medications=[Medication(name="atorvastatin")])

    def simvastatin_myopathy(phenotype: str) -> Decision:
        grid = by_id(
            build_decisions(patient, [gene_result("SLCO1B1", phenotype)], sdm), "decision:statin-choice-slco1b1"
        )
        return grid

    decreased = simvastatin_myopathy("Decreased Function")
    poor = simvastatin_myopathy("Poor Function")
    # SEARCH (Lancet 2010): myopathy in 0.9 % on simvastatin 80 mg over 6.7 years; the genotype-specific rates
    # could not be tied to a quoted source, so every SLCO1B1 result shows the trial-wide rate, rescaled to 5 years
    expected = rescale(0.9, 6.7, 5)
    for grid in (decreased, poor):
        simvastatin = rates(next(o for o in grid.options if o.id == "simvastatin-80"))
        assert simvastatin["muscle damage (myopathy) caused by the statin"] == pytest.approx(expected, abs=0.05)
    assert {o.id for o in decreased.options if o.contraindicated} == {"atorvastatin-80", "simvastatin-80"}
    assert {o.id for o in poor.options if o.contraindicated} == {
        "atorvastatin-80",
        "simvastatin-80",
        "atorvastatin-40-ezetimibe",
    }
    # CPIC 2022: with poor SLCO1B1 function start rosuvastatin at 20 mg or less, so 20 mg stays an option and,
    # being the more intensive statin, ranks first
    assert poor.ranking[0] == "rosuvastatin-20"
    # ... unless ABCG2 function is poor too: then CPIC advises 10 mg or less
    both = by_id(
        build_decisions(
            patient, [gene_result("SLCO1B1", "Poor Function"), gene_result("ABCG2", "Poor Function")], sdm
        ),
        "decision:statin-choice-slco1b1",
    )
    assert "rosuvastatin-20" in {o.id for o in both.options if o.contraindicated}
    normal = build_decisions(patient, [gene_result("SLCO1B1", "Normal Function")], sdm)
    assert "decision:statin-choice-slco1b1" not in {d.id for d in normal}


def test_prasugrel_is_contraindicated_after_a_stroke(
    demo_pgx: dict[str, tuple[Patient, list[Finding]]], sdm: SdmOptions
) -> None:
    patient, findings = demo_pgx["demo-01-hale"]
    stroke = Condition(
        name="Cerebral infarction",
        code=Coding(system="http://hl7.org/fhir/sid/icd-10-cm", code="I63.9"),
        status=ConditionStatus.HISTORY,
    )
    with_stroke = patient.model_copy(update={"conditions": [*patient.conditions, stroke]})
    pci = by_id(build_decisions(with_stroke, findings, sdm), "decision:antiplatelet-after-pci")
    assert {o.id for o in pci.options if o.contraindicated} == {"clopidogrel", "prasugrel"}
    assert pci.ranking[0] == "ticagrelor"


def risk_finding(risk: float, model: str = "pce", scenarios: list[RiskScenario] | None = None) -> Finding:
    data = ClinicalRiskData(
        model=model,
        outcome="10-year ASCVD" if model == "pce" else "10-year type 2 diabetes",
        horizon_years=10,
        equation_risk=risk,
        integrated_risk=risk,
        integrated_low=risk * 0.8,
        integrated_high=risk * 1.2,
        category="intermediate",
        scenarios=scenarios or [],
    )
    return finding(f"risk:{model}", Domain.CLINICAL_RISK, data)


def test_risk_decision_uses_the_patients_own_risk_and_what_ifs(sdm: SdmOptions) -> None:
    quit = RiskScenario(
        id="quit_smoking", title="Stop smoking", changes={"smoker": "no"}, risk_before=0.18, risk_after=0.12
    )
    worse = RiskScenario(id="noop", title="Nothing useful", changes={}, risk_before=0.18, risk_after=0.18)
    made = build_decisions(Patient(id="p"), [risk_finding(0.18, scenarios=[quit, worse])], sdm)
    grid = by_id(made, "decision:lower-ascvd-risk")
    options = {o.id: rates(o) for o in grid.options}
    assert set(options) == {"no-change", "statin-moderate", "scenario:quit_smoking"}
    assert options["no-change"]["heart attack or stroke"] == 18.0
    assert options["scenario:quit_smoking"]["heart attack or stroke"] == 12.0
    assert options["statin-moderate"]["heart attack or stroke"] == pytest.approx(18 * 0.78, abs=0.05)
    assert options["statin-moderate"]["muscle pain or weakness caused by the medicine"] == 1.1
    no_change = next(o for o in grid.options if o.id == "no-change")
    assert (no_change.outcomes[0].low, no_change.outcomes[0].high) == (14.4, 21.6)
    assert "risk:pce" in grid.finding_ids and grid.baseline is not None and "18.0 in 100" in grid.baseline
    assert build_decisions(Patient(id="p"), [risk_finding(0.05)], sdm) == []  # below the 7.5 % threshold
    diabetes = by_id(
        build_decisions(Patient(id="p"), [risk_finding(0.33, "findrisc")], sdm), "decision:lower-diabetes-risk"
    )
    programme = next(o for o in diabetes.options if o.id == "lifestyle-programme")
    assert rates(programme)["type 2 diabetes"] == pytest.approx(33 * 0.42, abs=0.05)


@pytest.mark.parametrize(
    "statin",
    [
        Medication(name="simvastatin"),
        Medication(name="cholesterol tablet", rxnorm="36567"),  # simvastatin by RxNorm code alone
        Medication(name="Lipitor 20 mg"),  # a brand
        Medication(name="lipid pill", atc="C10BA02"),  # simvastatin and ezetimibe, by ATC code
    ],
)
def test_a_statin_is_not_offered_to_someone_already_taking_one(sdm: SdmOptions, statin: Medication) -> None:
    """Issue: with simvastatin coded only by RxNorm, "A daily statin" was offered to a patient already on one."""
    taking = Patient(id="p", medications=[statin, Medication(name="lisinopril")])
    grid = by_id(build_decisions(taking, [risk_finding(0.18)], sdm), "decision:lower-ascvd-risk")
    assert "statin-moderate" not in {o.id for o in grid.options}
    assert grid.ranking and "statin-moderate" not in grid.ranking
    stopped = Patient(id="p", medications=[statin.model_copy(update={"status": "stopped"})])
    grid = by_id(build_decisions(stopped, [risk_finding(0.18)], sdm), "decision:lower-ascvd-risk")
    assert "statin-moderate" in {o.id for o in grid.options}  # a stopped statin is not one taken now


def test_a_risk_finding_without_a_risk_payload_makes_no_decision(sdm: SdmOptions) -> None:
    text_only = finding("risk:pce", Domain.CLINICAL_RISK, None)
    assert build_decisions(Patient(id="p"), [text_only], sdm) == []


def test_heart_attack_or_stroke_decision_takes_prevent_ascvd_not_total_cvd_or_heart_failure(sdm: SdmOptions) -> None:
    """PREVENT gives total CVD (which includes heart failure), ASCVD and heart failure; only ASCVD is 'heart attack or
    stroke', so the grid's baseline is 10.9 in 100, not the higher total-CVD 19.1."""

    def prevent(key: str, outcome: str, risk: float) -> Finding:
        data = ClinicalRiskData(
            model="prevent", outcome=outcome, horizon_years=10, equation_risk=risk, integrated_risk=risk
        )
        return finding(f"risk:{key}", Domain.CLINICAL_RISK, data)

    findings = [
        prevent("prevent_cvd", "10-year total cardiovascular disease", 0.191),
        prevent("prevent_ascvd", "10-year ASCVD", 0.109),
        prevent("prevent_hf", "10-year heart failure", 0.11),
    ]
    grid = by_id(build_decisions(Patient(id="p"), findings, sdm), "decision:lower-ascvd-risk")
    no_change = {o.id: rates(o) for o in grid.options}["no-change"]
    assert no_change["heart attack or stroke"] == pytest.approx(10.9)
    assert grid.finding_ids == ["risk:prevent_ascvd"]
