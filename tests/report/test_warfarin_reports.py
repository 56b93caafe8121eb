"""The warfarin dose in plans and reports: a pharmacogenetic dose only from called genes, and the CPIC-adjusted
range as the dose to act on, for clinician and patient alike once its percentages are quoted."""

from __future__ import annotations

from datetime import date

import pytest

from tailormed.demo import demo_record
from tailormed.engines.pgx.findings import pgx_findings
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.careplan import ActionKind, CarePlan
from tailormed.model.engine import EngineRun
from tailormed.model.finding import Priority
from tailormed.model.patient import Patient
from tailormed.model.pgx import CallStatus, GeneCall, WarfarinDose
from tailormed.pipeline.pgx import load_pgx
from tailormed.pipeline.plausible import plausibility
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.text import visible_text

from .conftest import plan_for

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

Plans = dict[str, tuple[Patient, CarePlan]]


def test_no_dose_from_the_formula_when_its_genes_are_not_called(core: KnowledgeBundle) -> None:
    patient = load_record(demo_record("demo-02-mensah"), RANGES)  # takes warfarin; age, height and weight recorded
    _, knowledge, _ = load_pgx(core)
    calls = [
        GeneCall(sample="s", gene=gene, status=CallStatus.NO_CALL, missing_positions=[position])
        for gene, position in (("CYP2C9", "rs1057910"), ("VKORC1", "rs9923231"), ("CYP4F2", "rs2108622"))
    ]
    findings = pgx_findings(patient, calls, knowledge, on=date(2026, 3, 10))
    [dose] = [f for f in findings if isinstance(f.data, WarfarinDose)]
    assert isinstance(dose.data, WarfarinDose) and dose.data.weekly_mg is None
    assert dose.priority is Priority.INFORMATIONAL and dose.title == "warfarin: no pharmacogenetic dose calculated"
    assert {n.item for n in dose.not_assessed} >= {"CYP2C9", "VKORC1"}
    plan = plan_for(patient, [EngineRun(findings=findings)])
    assert not [a for a in plan.actions if dose.id in a.finding_ids]
    clinician = visible_text(render_clinician_html(plan, patient))
    summary = clinician[: clinician.index("Pharmacogenomics.")]
    assert "IWPC" not in summary and "mg/week" not in summary
    patient_text = visible_text(render_patient_html(plan, patient))
    assert "Your genes help set your dose of warfarin" not in patient_text
    assert "mg a week" not in patient_text


def test_headline_dose_is_the_cpic_adjusted_range(pgx_plans: Plans) -> None:
    patient, plan = pgx_plans["demo-02-mensah"]  # CYP2C9 *1/*8, African ancestry: CPIC lowers the IWPC dose
    [dose] = [f for f in plan.findings if isinstance(f.data, WarfarinDose)]
    assert isinstance(dose.data, WarfarinDose) and dose.data.weekly_mg == pytest.approx(28.7, abs=0.05)
    low, high = dose.data.adjusted_weekly_mg or (0, 0)
    assert (round(low), round(high)) == (20, 24)
    assert dose.title.startswith("warfarin: CPIC-adjusted pharmacogenetic starting dose 20.1-24.4 mg/week")
    [action] = [a for a in plan.actions if dose.id in a.finding_ids]
    assert action.kind is ActionKind.MEDICATION_CHANGE and "20.1-24.4 mg/week" in action.title
    assert "28.7" not in action.title
    clinician = visible_text(render_clinician_html(plan, patient))
    summary = clinician[: clinician.index("Pharmacogenomics.")]
    assert "20.1-24.4 mg/week" in summary and "28.7" not in summary
    assert "28.7 mg/week" in clinician  # the unadjusted IWPC dose stays in the worked detail
    # the African-ancestry CYP2C9 percentages are quoted: the range is not flagged and the patient hears it
    assert not dose.unverified
    patient_text = visible_text(render_patient_html(plan, patient))
    assert "about 20 to 24 mg a week" in patient_text and "28.7" not in patient_text
