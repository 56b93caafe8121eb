"""From demo records to equation inputs and findings: what is read, what is missing, what does not apply."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tailormed.engines.risk.patient import findrisc_inputs, gail_inputs, pce_inputs, prevent_inputs
from tailormed.engines.risk.pce import pce_risk
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.risk.load import RiskKnowledge
from tailormed.model.finding import Domain
from tailormed.model.patient import Observation, Patient
from tailormed.model.payloads import ClinicalRiskData
from tailormed.pipeline.engine_api import PatientContext
from tailormed.pipeline.plausible import plausibility
from tailormed.pipeline.risk import risk_engine
from tailormed.report.tables import risk_json

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

DEMO = Path(__file__).resolve().parents[2] / "src" / "tailormed" / "demo" / "patients"
ON = date(2026, 11, 22)


def _patient(name: str) -> Patient:
    return load_record(DEMO / f"{name}.yaml", RANGES)


def test_established_ascvd_makes_pce_and_prevent_not_applicable(knowledge: RiskKnowledge) -> None:
    hale = _patient("demo-01-hale")
    mapped = pce_inputs(hale, ON, knowledge.facts)
    assert mapped.inputs is None
    assert mapped.excluded is not None and "primary prevention" in mapped.excluded
    assert prevent_inputs(hale, ON, knowledge.facts).excluded is not None


def test_primary_prevention_record_maps_every_pce_input(knowledge: RiskKnowledge) -> None:
    hale = _patient("demo-01-hale")
    primary = hale.model_copy(update={"conditions": [c for c in hale.conditions if c.name == "Essential hypertension"]})
    mapped = pce_inputs(primary, ON, knowledge.facts)
    assert mapped.inputs is not None, mapped.missing
    inputs = mapped.inputs
    assert (inputs.sex.value, inputs.race, inputs.age_years) == ("male", "white", 58)
    assert (inputs.chol_total_mgdl, inputs.chol_hdl_mgdl, inputs.bp_sys_mmhg) == (246, 38, 152)
    assert (inputs.bp_meds, inputs.smoke_current, inputs.diabetes) == (True, True, False)
    assert any("LOINC 2093-3, 2026-02-10" in used for used in mapped.used)
    assert 0.2 < pce_risk(inputs, knowledge).risk < 0.5


def test_missing_labs_are_listed_never_guessed(knowledge: RiskKnowledge) -> None:
    park = _patient("demo-04-park")
    mapped = prevent_inputs(park, ON, knowledge.facts)
    assert mapped.inputs is None
    assert any("HDL" in m for m in mapped.missing) and any("eGFR" in m for m in mapped.missing)


def test_gail_record_mapping_uses_bcra_codes(knowledge: RiskKnowledge) -> None:
    rodriguez = _patient("demo-03-rodriguez")
    foreign_born = gail_inputs(rodriguez, ON, knowledge.facts)
    assert foreign_born.inputs is not None and foreign_born.inputs.Race == 5
    born_where = {"US": 3, None: None}
    for country, code in born_where.items():
        demographics = rodriguez.demographics.model_copy(update={"birth_country": country})
        hispanic = gail_inputs(rodriguez.model_copy(update={"demographics": demographics}), ON, knowledge.facts)
        if code is None:
            assert hispanic.inputs is None and any("birthplace" in m for m in hispanic.missing)
        else:
            assert hispanic.inputs is not None and hispanic.inputs.Race == code
    white = rodriguez.model_copy(
        update={"demographics": rodriguez.demographics.model_copy(update={"ethnicity": "Not Hispanic or Latino"})}
    )
    mapped = gail_inputs(white, ON, knowledge.facts)
    assert mapped.inputs is not None
    got = mapped.inputs.model_dump()
    assert got == {"T1": 45, "T2": 50, "N_Biop": 1, "HypPlas": 1, "AgeMen": 11, "Age1st": 31, "N_Rels": 1, "Race": 1}


def test_risk_engine_on_a_record_without_vcf(core: KnowledgeBundle) -> None:
    path = DEMO / "demo-02-mensah.yaml"
    ctx = PatientContext(patient=load_record(path, RANGES), knowledge=core, on=ON)
    run = risk_engine(ctx)
    assert run.skipped is None
    keys = [f.id for f in run.findings]
    assert "risk:pce" in keys and "risk:prevent_cvd" in keys
    for finding in run.findings:
        assert finding.domain is Domain.CLINICAL_RISK
        data = ClinicalRiskData.model_validate(finding.data)
        assert data.equation_risk is not None and 0 < data.equation_risk < 1
        assert finding.evidence[0].source == "risk-equations"
    assert any("no genome VCF" in n.reason for n in run.limitations)
    payload = risk_json(ctx.patient.id, ON, {"risk": run}, genome=False)
    assert '"id": "risk:pce"' in payload


@pytest.mark.parametrize("name", ["demo-01-hale", "demo-03-rodriguez", "demo-04-park"])
def test_risk_engine_reports_why_models_were_not_assessed(core: KnowledgeBundle, name: str) -> None:
    path = DEMO / f"{name}.yaml"
    run = risk_engine(PatientContext(patient=load_record(path, RANGES), knowledge=core, on=ON))
    items = " ".join(n.item for n in run.limitations)
    assert "FINDRISC" in items


def _with_labs(patient: Patient, **by_loinc: tuple[float, str]) -> Patient:
    """``patient`` with the given LOINC observations replaced by (value, unit)."""
    kept = [o for o in patient.observations if o.loinc.replace("-", "_") not in by_loinc]
    added = [
        Observation(loinc=code.replace("_", "-"), name=code, value=value, unit=unit, effective_date=date(2026, 3, 1))
        for code, (value, unit) in by_loinc.items()
    ]
    return patient.model_copy(update={"observations": kept + added})


@pytest.mark.parametrize(
    ("total", "hdl", "sbp"),
    [
        ((246, "mg/dL"), (38, "mg/dL"), (152, "mm[Hg]")),
        ((2.46, "g/L"), (0.38, "g/L"), (152, "mmHg")),
        ((6.3616, "mmol/L"), (0.98268, "mmol/L"), (20.265, "kPa")),
    ],
)
def test_every_lab_unit_the_equations_read_is_converted(
    knowledge: RiskKnowledge, total: tuple[float, str], hdl: tuple[float, str], sbp: tuple[float, str]
) -> None:
    hale = _patient("demo-01-hale")
    primary = hale.model_copy(update={"conditions": [c for c in hale.conditions if c.name == "Essential hypertension"]})
    record = _with_labs(primary, **{"2093_3": total, "2085_9": hdl, "8480_6": sbp})
    inputs = pce_inputs(record, ON, knowledge.facts).inputs
    assert inputs is not None
    assert inputs.chol_total_mgdl == pytest.approx(246, abs=0.1)
    assert inputs.chol_hdl_mgdl == pytest.approx(38, abs=0.1)
    assert inputs.bp_sys_mmhg == pytest.approx(152, abs=0.1)


def test_body_measures_in_other_units_are_converted(knowledge: RiskKnowledge) -> None:
    hale = _patient("demo-01-hale")
    record = _with_labs(hale, **{"39156_5": (0, "kg/m2"), "29463_7": (211.64, "[lb_av]"), "8302_2": (70.079, "[in_i]")})
    record = record.model_copy(update={"observations": [o for o in record.observations if o.loinc != "39156-5"]})
    mapped = prevent_inputs(record, ON, knowledge.facts)
    assert any("BMI 30.3 kg/m2 (from weight and height)" in used for used in mapped.used), mapped.used


def test_a_lab_in_an_unknown_unit_is_missing_never_read_as_is(knowledge: RiskKnowledge) -> None:
    hale = _patient("demo-01-hale")
    record = _with_labs(hale, **{"2085_9": (380, "mg/L"), "4548_4": (48, "mmol/mol")})
    mapped = pce_inputs(record, ON, knowledge.facts)
    assert mapped.inputs is None
    assert any("HDL cholesterol" in m and "'mg/L'" in m for m in mapped.missing), mapped.missing
    # HbA1c 48 mmol/mol is not "48 %" (which would call everyone with a measured HbA1c diabetic)
    assert not any("HbA1c 48" in used for used in mapped.used)


def test_glucose_thresholds_compare_converted_values(knowledge: RiskKnowledge) -> None:
    park = _patient("demo-04-park")
    record = _with_labs(park, **{"1558_6": (6.0, "mmol/L")})
    mapped = findrisc_inputs(record, ON, knowledge.facts)
    expected = "high blood glucose ever: yes (fasting glucose 108.1 mg/dL)"
    assert any(expected in used for used in mapped.used), mapped.used


def test_prevent_classes_are_the_2026_ascvd_classes_and_the_other_outcomes_say_why_not(core: KnowledgeBundle) -> None:
    """The 2026 ACC/AHA classes (3 %, 5 %, 10 %) apply to 10-year PREVENT-ASCVD; total CVD and heart failure get no
    class, and each says why, without being flagged as resting on an unsourced class."""
    ctx = PatientContext(patient=load_record(DEMO / "demo-02-mensah.yaml", RANGES), knowledge=core, on=ON)
    by_id = {f.id: f for f in risk_engine(ctx).findings}
    ascvd = ClinicalRiskData.model_validate(by_id["risk:prevent_ascvd"].data)
    assert ascvd.equation_risk is not None
    classes = ((0.03, "low"), (0.05, "borderline"), (0.10, "intermediate"), (1.01, "high"))
    expected = next(c for bound, c in classes if ascvd.equation_risk < bound)
    assert ascvd.category == expected
    for key in ("risk:prevent_cvd", "risk:prevent_hf"):
        if key not in by_id:
            continue
        finding = by_id[key]
        assert ClinicalRiskData.model_validate(finding.data).category is None
        assert any("classes are for 10-year ASCVD only" in n.reason for n in finding.evidence[0].not_assessed)
        assert not finding.unverified


def test_pce_input_limits_rest_on_quotes(knowledge: RiskKnowledge) -> None:
    """The cholesterol and systolic limits are quoted (Cerner's implementation of the equations), not unsourced."""
    pce = knowledge.facts.pce
    assert pce.unsourced == {}
    quotes = " ".join(s.quote for s in pce.sources)
    for name in ("chol_total_mgdl", "chol_hdl_mgdl", "bp_sys_mmhg"):
        band = pce.ranges[name]
        assert f"{band.low:g}-{band.high:g}" in quotes


def test_findrisc_activity_is_read_as_asked_never_converted_from_minutes(knowledge: RiskKnowledge) -> None:
    """FINDRISC asks about 30 minutes daily: the record's answer is used when it gives one; a weekly total is not
    turned into that answer, and the mapping says the item is not assessed."""
    rodriguez = _patient("demo-03-rodriguez")
    weekly_only = findrisc_inputs(rodriguez, ON, knowledge.facts)
    assert any("weekly total (150 min) does not say" in note for note in weekly_only.notes)
    answered = rodriguez.model_copy(
        update={"lifestyle": rodriguez.lifestyle.model_copy(update={"active_30min_daily": True})}
    )
    mapped = findrisc_inputs(answered, ON, knowledge.facts)
    assert "at least 30 minutes of physical activity daily: yes" in mapped.used
    assert not any("physical activity not assessed" in note for note in mapped.notes)
