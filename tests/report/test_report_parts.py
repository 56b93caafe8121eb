"""Pieces of the reports: icon arrays, plots, visible text, report files and what a bare install writes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.model.payloads import ClinicalRiskData, PolygenicScoreData
from tailormed.report import icons, plots
from tailormed.report.outputs import (
    CLINICIAN_HTML,
    CLINICIAN_PDF,
    PATIENT_HTML,
    ReportSupport,
    report_file_names,
    report_files,
    report_inputs,
)
from tailormed.report.text import visible_blocks, visible_text


@pytest.mark.parametrize(("now", "after", "red", "green"), [(22.6, 13.1, 13, 10), (0.4, None, 0, 0), (100, 0, 0, 100)])
def test_icon_array_counts_people(now: float, after: float | None, red: int, green: int) -> None:
    svg = icons.icon_array_svg(now, after=after, label="23 out of 100 <people>")
    assert svg.count("<circle") == 100
    assert svg.count(f'fill="{icons.AFFECTED}"') == red and svg.count(f'fill="{icons.SPARED}"') == green
    assert 'aria-label="23 out of 100 &lt;people&gt;"' in svg


def test_percentile_plot_from_percentile_alone() -> None:
    score = PolygenicScoreData(
        pgs_id="PGS000018",
        trait="CAD",
        score_sum=0.1,
        variants_matched=9,
        variants_total=10,
        overlap=0.9,
        percentile=97.5,
    )
    svg = plots.percentile_svg(score, "prs:x")
    assert svg is not None and svg.startswith("<svg") and "98th percentile (z = 1.96)" in svg


def test_plots_keep_ids_apart() -> None:
    risk = ClinicalRiskData(
        model="pce", outcome="10-year ASCVD", horizon_years=10, equation_risk=0.1, integrated_risk=0.1
    )
    first, second = plots.risk_whatif_svg(risk, "a"), plots.risk_whatif_svg(risk, "b")
    assert first is not None and second is not None
    ids = lambda svg: set(re.findall(r'<clipPath id="([^"]+)"', svg))  # noqa: E731
    assert ids(first) and not ids(first) & ids(second)
    assert plots.risk_whatif_svg(risk.model_copy(update={"integrated_risk": None, "equation_risk": None}), "c") is None


def test_visible_text_skips_styles_and_drawings() -> None:
    html = "<style>p{}</style><h2>Heading</h2><p>One <b>two</b>.</p><svg><title>chart</title></svg><li>item</li>"
    assert visible_blocks(html) == ["Heading.", "One two.", "item."]


@given(st.text(alphabet=st.sampled_from(list("<>/ph1svgstyle=\"' &;#x.!?")) | st.characters(), max_size=300))
def test_visible_text_never_fails(html: str) -> None:
    assert isinstance(visible_text(html), str)


def test_report_files_without_pdf(pgx_plans: dict[str, tuple[Patient, CarePlan]]) -> None:
    patient, plan = pgx_plans["demo-04-park"]
    support = ReportSupport(html=None, pdf="no PDF: WeasyPrint is not usable")
    files = report_files(plan, patient, support)
    assert sorted(files) == sorted(report_file_names(support))
    assert CLINICIAN_HTML in files and PATIENT_HTML in files and CLINICIAN_PDF not in files
    assert report_inputs(patient, support) == {
        "reports": "HTML only (no PDF: WeasyPrint is not usable); patient report language: en"
    }


def test_bare_install_still_writes_the_plan(pgx_plans: dict[str, tuple[Patient, CarePlan]]) -> None:
    patient, plan = pgx_plans["demo-04-park"]
    support = ReportSupport(html="reports not written: jinja2 not installed", pdf="same")
    assert report_file_names(support) == list(report_files(plan, patient, support))
    assert CLINICIAN_HTML not in report_file_names(support)
    assert report_inputs(patient, support)["reports"].startswith("reports not written")
