"""The clinician PDF of a whole-genome sample stays readable: uncalled positions are summarised per gene, not listed
one per line (it once ran to 31 pages of "position not called")."""

from __future__ import annotations

import os
from datetime import date

import pytest

from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.pipeline.analyze import analyze, read_patient_genome
from tailormed.pipeline.plausible import plausibility
from tailormed.report.outputs import report_support
from tailormed.report.render import render_clinician_html

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

#: Pages a clinician can be expected to read for one patient; the built bundle's 1,000+ uncalled positions of the
#: demo WGS sample must not push the report past it.
MAX_PAGES = 15


def test_clinician_pdf_of_a_wgs_sample_is_short(built_bundle: KnowledgeBundle) -> None:
    problem = report_support().pdf
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PDF rendering is not available under CI: {problem}")
        pytest.skip(problem)
    import weasyprint

    record = demo_record("demo-04-park")
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    evidence = read_patient_genome(vcf, patient, built_bundle)
    plan = analyze(patient, evidence, built_bundle, on=date(2026, 11, 22), pdf=False).plan
    uncalled = [n for n in plan.limitations if n.reason == "position not called in the VCF"]
    assert len(uncalled) > 1000  # the scenario: a WGS sample with many positions the VCF does not call
    pages = len(weasyprint.HTML(string=render_clinician_html(plan, patient)).render().pages)
    assert pages <= MAX_PAGES, f"clinician report runs to {pages} pages"
