"""Niraparib for a BRCA1 variant in high-grade serous ovarian cancer, in the clinician report, the patient report and
FHIR, by the variant's origin. The first-line maintenance label (HRD-positive: a BRCA mutation of either origin) speaks
for the line; the recurrent-disease label (germline BRCA only) is named beside it with what it needs. The tumour's
line of treatment is never stated, so each label's setting is shown with it."""

from __future__ import annotations

import json

import pytest

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.alteration import VariantOrigin
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient, SomaticVariant, Tumour
from tailormed.pipeline.analyze import analyze
from tailormed.report.fhir_genomics import careplan_to_fhir
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.summary import summary_text
from tailormed.report.text import visible_text

from .conftest import ON, demo04_metastatic, plan_for

FIRST_LINE = "first-line maintenance in complete or partial response to platinum-based chemotherapy"
RECURRENT = "maintenance of recurrent cancer in response to platinum-based chemotherapy"
OTHER = {
    VariantOrigin.GERMLINE: f"Also on-label for {FIRST_LINE}",
    VariantOrigin.SOMATIC: f"Not on-label for {RECURRENT}: the label needs a germline BRCA1 variant; BRCA1 Q1756fs is "
    "somatic",
    VariantOrigin.UNKNOWN: f"Also on-label for {RECURRENT}: requires germline confirmation (the origin of BRCA1 "
    "Q1756fs is not stated)",
}


def ovarian(origin: VariantOrigin) -> Patient:
    """demo-04 with a high-grade serous ovarian cancer carrying BRCA1 Q1756fs of the given origin."""
    variant = SomaticVariant(gene="BRCA1", protein_change="Q1756fs", origin=origin)
    tumour = Tumour(oncotree_code="HGSOC", somatic_variants=[variant])
    return demo04_metastatic().model_copy(update={"tumour": tumour})


def plan(patient: Patient, core: KnowledgeBundle) -> CarePlan:
    return plan_for(patient, list(analyze(patient, None, core, on=ON, engines=["onco"]).runs.values()))


def oncology_section(html: str) -> str:
    start = html.index('<section id="oncology">')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("origin", list(OTHER))
def test_niraparib_line_names_both_settings(core: KnowledgeBundle, origin: VariantOrigin) -> None:
    patient = ovarian(origin)
    care = plan(patient, core)
    summary = summary_text(patient, care)
    assert "BRCA1 Q1756fs – niraparib: may benefit (AMP tier I-A)" in summary, summary
    assert "requires germline confirmation" not in summary  # the first-line label takes either origin
    table = visible_text(oncology_section(render_clinician_html(care, patient)))
    assert OTHER[origin] in table, table
    assert f"for {FIRST_LINE if origin is not VariantOrigin.GERMLINE else RECURRENT}" in table
    notes = json.dumps(careplan_to_fhir(care, patient))
    assert OTHER[origin] in notes
    for language in ("en", "es"):
        assert "niraparib" in visible_text(render_patient_html(care, patient, language=language)).casefold()
