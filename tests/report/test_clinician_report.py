"""The clinician report: every section, the PGx table from the real engine, plots, and honest empty sections."""

from __future__ import annotations

import re

import pytest

from tailormed.model.careplan import CarePlan
from tailormed.model.finding import Domain, Evidence, Finding
from tailormed.model.patient import Patient
from tailormed.report.render import render_clinician_html
from tailormed.report.view import build_view, summarised

from .conftest import PATIENTS

SECTIONS = [
    "summary",
    "pgx",
    "risk",
    "hereditary",
    "oncology",
    "diagnosis",
    "predictions",
    "decisions",
    "versions",
    "limitations",
]
Plans = dict[str, tuple[Patient, CarePlan]]


@pytest.mark.parametrize("patient_id", PATIENTS)
def test_every_section_for_every_demo_patient(full_plans: Plans, patient_id: str) -> None:
    patient, plan = full_plans[patient_id]
    html = render_clinician_html(plan, patient)
    positions = [html.index(f'<section id="{section}">') for section in SECTIONS]
    assert positions == sorted(positions)  # summary first, limitations last
    assert html.count("<svg") == 3  # risk what-if bars, PGS percentile, dose interval
    assert "Stop smoking" in html and "22.6%" in html and "13.1%" in html
    assert "89th percentile" in html or "88th percentile" in html
    assert "BRCA2" in html and "Hereditary breast and ovarian cancer syndrome" in html
    assert html.index("I-A<") < html.index("II-C<") < html.index('<section id="appendix">') < html.index("II-D<")
    assert "Inflammatory bowel disease 1" in html and "42.0%" in html
    assert "31.4 mg/week" in html and "MAE 8.6 mg/week" in html
    assert "Not validated in this patient's ancestry" in html
    assert "contraindicated" in html and "Prasugrel ranks first" in html
    assert "do you feel sure about the best choice for you?" in html
    for name, version in plan.knowledge.items():
        assert f"<td>{name}</td><td>{version}</td>" in html
    for item in summarised(plan.limitations):
        assert item.item in html


def test_pgx_table_from_the_engine(pgx_plans: Plans) -> None:
    patient, plan = pgx_plans["demo-01-hale"]
    html = render_clinician_html(plan, patient)
    summary = html[html.index('<section id="summary">') : html.index('<section id="pgx">')]
    # one line for clopidogrel citing both guidelines and the label, and one drug-gene conflict for it
    assert summary.count("clopidogrel (CPIC, DPWG, FDA label)") == 1
    assert summary.count("clopidogrel (") == 1
    assert summary.count("<strong>drug–gene</strong>: clopidogrel is on the medication list") == 1
    pgx = html[html.index('<section id="pgx">') : html.index('<section id="risk">')]
    row = pgx[pgx.index("<strong>clopidogrel</strong>") :]
    row = row[: row.index("</tr>")]
    cells = [re.sub(r"<[^>]+>", " ", c).split() for c in row.split("<td>")[1:]]
    assert cells[0] == ["CYP2C19"] and cells[1] == ["*2/*2"] and cells[2] == ["Poor", "Metabolizer"]
    assert "Avoid clopidogrel if possible. Use prasugrel or ticagrelor" in row  # CPIC's own words
    assert cells[4] == ["Strong,", "Moderate"] and cells[5][0] == "CPIC"


def test_empty_domains_say_what_was_not_assessed(pgx_plans: Plans) -> None:
    patient, plan = pgx_plans["demo-04-park"]
    html = render_clinician_html(plan, patient)
    hereditary = html[html.index('<section id="hereditary">') : html.index('<section id="oncology">')]
    assert "No findings in this section." in hereditary
    assert "hereditary findings: the hereditary engine was not run in this analysis" in hereditary
    diagnosis = html[html.index('<section id="diagnosis">') : html.index('<section id="predictions">')]
    assert "not part of this analysis" in diagnosis


def test_finding_without_payload_is_still_shown(pgx_plans: Plans) -> None:
    patient, plan = pgx_plans["demo-01-hale"]
    text_only = Finding(
        id="hereditary:LDLR",
        domain=Domain.HEREDITARY,
        title="LDLR variant reported as text only",
        summary="Familial hypercholesterolaemia variant.",
        evidence=[Evidence(source="clinvar", version="2026-02")],
    )
    html = render_clinician_html(plan.model_copy(update={"findings": [*plan.findings, text_only]}), patient)
    hereditary = html[html.index('<section id="hereditary">') : html.index('<section id="oncology">')]
    assert "LDLR variant reported as text only" in hereditary and "clinvar 2026-02" in hereditary
    assert "No findings in this section." not in hereditary


@pytest.mark.slow
@pytest.mark.parametrize("patient_id", PATIENTS)
def test_demo_plans_from_every_engine(demo_plans: Plans, patient_id: str) -> None:
    patient, plan = demo_plans[patient_id]
    view = build_view(plan, patient)
    text_only = {f.id for s in view.sections.values() for f in s.text_only}
    assert text_only <= {"hereditary:none-reportable"}  # every other finding carries its typed payload
    html = render_clinician_html(plan, patient)
    for section in SECTIONS:
        assert f'<section id="{section}">' in html
    assert html.count("<svg") == sum(1 for r in view.risks if r.data.integrated_risk is not None) + len(
        [s for s in view.scores if s.data.z is not None or s.data.percentile is not None]
    ) + len(view.predictions)


def test_diagnosis_workup_says_what_to_examine_and_which_test(demo_plans: Plans) -> None:
    patient, plan = demo_plans["demo-03-rodriguez"]
    html = render_clinician_html(plan, patient)
    diagnosis = html[html.index('<section id="diagnosis">') : html.index('<section id="predictions">')]
    assert "<strong>What to examine next:</strong>" in diagnosis
    assert "<li>check for " in diagnosis and "Check for: check for" not in re.sub(r"<[^>]+>", "", diagnosis)
    assert "<strong>Suggested test:</strong> exome or genome sequencing" in diagnosis
