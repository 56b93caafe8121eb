"""PDFs render: page one of a clinician and a patient report, rasterised by pdftoppm, has ink on it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.report.outputs import html_to_pdf, report_support
from tailormed.report.render import render_clinician_html, render_patient_html

pytestmark = pytest.mark.slow


def unavailable(reason: str) -> None:
    """Skip locally, fail in CI, where the PDF toolchain is installed on purpose."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def first_page(pdf: bytes) -> np.ndarray:
    if shutil.which("pdftoppm") is None:
        unavailable("pdftoppm (poppler-utils) is not installed")
    png = subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"))


def assert_has_content(page: np.ndarray) -> None:
    ink = page < 200
    assert page.shape[0] > page.shape[1]  # portrait A4
    assert 0.01 < ink.mean() < 0.5  # text and drawings, neither blank nor black
    rows = np.flatnonzero(ink.any(axis=1))
    assert rows[-1] - rows[0] > page.shape[0] * 0.6  # content runs down most of the page


@pytest.fixture(scope="module", autouse=True)
def _weasyprint() -> None:
    problem = report_support().pdf
    if problem is not None:
        unavailable(problem)


def test_clinician_pdf(full_plans: dict[str, tuple[Patient, CarePlan]]) -> None:
    patient, plan = full_plans["demo-01-hale"]
    pdf = html_to_pdf(render_clinician_html(plan, patient))
    assert pdf.startswith(b"%PDF")
    assert_has_content(first_page(pdf))


def test_patient_pdf(full_plans: dict[str, tuple[Patient, CarePlan]]) -> None:
    patient, plan = full_plans["demo-03-rodriguez"]
    pdf = html_to_pdf(render_patient_html(plan, patient))
    assert pdf.startswith(b"%PDF")
    assert_has_content(first_page(pdf))
