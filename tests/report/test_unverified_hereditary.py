"""Hereditary management that no quoted source backs stays in the clinician report and out of the patient's."""

from __future__ import annotations

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hereditary.management import load_management
from tailormed.knowledge.sourcing import Unverified
from tailormed.model.engine import EngineRun
from tailormed.model.finding import Domain, Evidence, Finding, Priority
from tailormed.model.payloads import HereditaryVariantData
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.text import visible_text

from .conftest import pgx_run, plan_for


def test_unverified_management_is_shown_to_clinicians_only(core: KnowledgeBundle) -> None:
    curated = load_management(core)
    unverified = Unverified(reason="The guideline text behind this entry could not be read.")
    entry = curated.management[0].model_copy(update={"sources": (), "unverified": unverified})
    gene = entry.genes[0]
    finding = Finding(
        id=f"hereditary:{gene}:chr1:100:C:T",
        domain=Domain.HEREDITARY,
        title=f"{gene} c.100C>T: pathogenic",
        summary=f"{gene} c.100C>T (Pathogenic in ClinVar, 2 stars), heterozygous (0/1).",
        priority=Priority.ACTIONABLE,
        genes=[gene],
        data=HereditaryVariantData(
            gene=gene,
            chrom="chr1",
            pos=100,
            ref="C",
            alt="T",
            genotype="0/1",
            zygosity="heterozygous",
            clinvar_id="1",
            clinvar_significance="Pathogenic",
            review_stars=2,
            reportable=True,
            reason="ACMG SF gene, P/LP with 2 review stars",
            condition=entry.condition,
            inheritance="autosomal recessive",
            management=entry.management,
        ),
        evidence=[
            Evidence(
                source="hereditary-management",
                version=curated.version,
                citations=list(entry.citations),
                unverified=[f"{entry.condition}: {unverified.reason}"],
            )
        ],
    )
    assert finding.unverified
    patient, run = pgx_run("demo-01-hale", core)
    plan = plan_for(patient, [run, EngineRun(findings=[finding], versions={"hereditary-management": "test"})])

    patient_text = visible_text(render_patient_html(plan, patient, language="en"))
    clinician_text = visible_text(render_clinician_html(plan, patient))
    words = " ".join(entry.management.split())
    assert gene in patient_text and entry.condition in patient_text
    assert words not in " ".join(patient_text.split())
    assert words in " ".join(clinician_text.split())
