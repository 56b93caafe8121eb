"""A risk adjusted by a polygenic score whose per-SD effect no quoted source backs (PRS77) is shown to clinicians;
the patient hears the equation's own risk instead. A risk adjusted by a source-backed score stays adjusted."""

from __future__ import annotations

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.engine import EngineRun
from tailormed.model.finding import Domain, Evidence, Finding, Priority
from tailormed.model.payloads import ClinicalRiskData, PolygenicScoreData
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.text import visible_text

from .conftest import pgx_run, plan_for

PRS77_REASON = "PGS000001 per-SD effect: the per-SD odds ratio of PRS77 could not be read in the publication."


def _score(pgs_id: str, trait: str, unverified: list[str]) -> Finding:
    data = PolygenicScoreData(
        pgs_id=pgs_id,
        trait=trait,
        score_sum=0.5,
        variants_matched=77,
        variants_total=77,
        overlap=1.0,
        z=1.2,
        percentile=88.0,
        per_sd_effect=1.55,
        relative_risk=1.4,
    )
    evidence = Evidence(source="prs-panel", version="test", unverified=unverified)
    return Finding(
        id=f"prs:{pgs_id}",
        domain=Domain.POLYGENIC,
        title=f"{trait} polygenic score ({pgs_id})",
        summary=f"{pgs_id} percentile 88",
        priority=Priority.ROUTINE,
        data=data,
        evidence=[evidence],
    )


def _risk(key: str, model: str, outcome: str, pgs_id: str, risk: float, unverified: list[str]) -> Finding:
    data = ClinicalRiskData(
        model=model,
        outcome=outcome,
        horizon_years=5 if model == "gail" else 10,
        equation_risk=risk / 1.4,
        polygenic_relative_risk=1.4,
        polygenic_score=pgs_id,
        integrated_risk=risk,
    )
    evidence = Evidence(source="risk-equations", version="test", unverified=unverified)
    return Finding(
        id=f"risk:{key}",
        domain=Domain.CLINICAL_RISK,
        title=f"{outcome} risk ({model})",
        summary=f"Estimated {outcome} risk {risk:.1%}",
        priority=Priority.ROUTINE,
        data=data,
        evidence=[evidence],
    )


def test_a_patient_hears_the_equations_own_risk_when_the_score_effect_is_unverified(core: KnowledgeBundle) -> None:
    findings = [
        _score("PGS000001", "Breast cancer", [PRS77_REASON]),
        _risk("gail", "gail", "5-year invasive breast cancer", "PGS000001", 0.031, [PRS77_REASON]),
        _score("PGS000018", "coronary artery disease", []),
        _risk("pce", "pce", "10-year ASCVD", "PGS000018", 0.226, []),
    ]
    patient, run = pgx_run("demo-03-rodriguez", core)
    plan = plan_for(patient, [run, EngineRun(findings=findings, versions={"test": "1"})])
    patient_text = visible_text(render_patient_html(plan, patient, language="en"))
    clinician_text = visible_text(render_clinician_html(plan, patient))
    assert "Think of 100 people like you. In the next 10 years, about 23 of them" in patient_text
    # Gail's own 2.2 %, not the PRS77-adjusted 3.1 %.
    assert "In the next 5 years, about 2 of them" in patient_text
    assert "In the next 5 years, about 3 of them" not in patient_text
    assert "5-year invasive breast cancer" in clinician_text
    assert "3.1%" in clinician_text
