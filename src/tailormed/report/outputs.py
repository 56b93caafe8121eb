"""The report files ``analyze`` writes beside the care plan, and what this installation can produce.

HTML reports need the ``report`` extra (Jinja2, Babel, matplotlib); PDFs also need WeasyPrint and its system
libraries (Pango). What is missing is said in the plan's inputs instead of failing the analysis, so a base install
still writes the care plan. Further renderers of the plan (e.g. FHIR) are listed in :data:`EXTRA_OUTPUTS`, by the
functions themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from typing import Any

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.report.fhir_genomics import careplan_to_fhir_json

CLINICIAN_HTML = "report_clinician.html"
CLINICIAN_PDF = "report_clinician.pdf"
PATIENT_HTML = "report_patient.html"
PATIENT_PDF = "report_patient.pdf"
#: (file name, renderer): more renderings of the plan, each ``renderer(plan, patient)`` returning text, a
#: JSON-serializable dict, or a pydantic model (e.g. a FHIR Bundle).
EXTRA_OUTPUTS: list[tuple[str, Callable[[CarePlan, Patient], Any]]] = [
    ("fhir_genomics.json", careplan_to_fhir_json),
]
_HTML_NEEDS = ("jinja2", "babel", "matplotlib")


@dataclass(frozen=True)
class ReportSupport:
    """Why HTML or PDF reports cannot be made here (None: they can)."""

    html: str | None
    pdf: str | None


@cache
def report_support(pdf: bool = True) -> ReportSupport:
    """Check once per process which report formats this installation can write (PDF only when ``pdf`` is wanted:
    the check renders a page)."""
    missing = [name for name in _HTML_NEEDS if find_spec(name) is None]
    if missing:
        reason = f"reports not written: {', '.join(missing)} not installed (install tailormed[report])"
        return ReportSupport(html=reason, pdf=reason)
    return ReportSupport(html=None, pdf=_pdf_problem() if pdf else "PDF not requested")


def report_file_names(support: ReportSupport) -> list[str]:
    """The files :func:`report_files` writes with this support: the extra outputs, then the reports."""
    names = [name for name, _ in EXTRA_OUTPUTS]
    if support.html is not None:
        return names
    names += [CLINICIAN_HTML, PATIENT_HTML]
    return names + ([CLINICIAN_PDF, PATIENT_PDF] if support.pdf is None else [])


def report_inputs(patient: Patient, support: ReportSupport) -> dict[str, str]:
    """What the plan records about its reports: formats and language, or why some are missing."""
    if support.html is not None:
        return {"reports": support.html}
    from tailormed.report.render import report_language

    formats = "HTML and PDF" if support.pdf is None else f"HTML only ({support.pdf})"
    return {"reports": f"{formats}; patient report language: {report_language(patient)}"}


def report_files(plan: CarePlan, patient: Patient, support: ReportSupport) -> dict[str, str | bytes]:
    """The clinician and patient reports (HTML, and PDF when supported) plus every extra output."""
    files: dict[str, str | bytes] = dict(_extra_outputs(plan, patient))
    if support.html is not None:
        return files
    from tailormed.report.render import render_clinician_html, render_patient_html

    clinician = render_clinician_html(plan, patient)
    patient_html = render_patient_html(plan, patient)
    files[CLINICIAN_HTML] = clinician
    files[PATIENT_HTML] = patient_html
    if support.pdf is None:
        files[CLINICIAN_PDF] = html_to_pdf(clinician)
        files[PATIENT_PDF] = html_to_pdf(patient_html)
    return files


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained HTML report to PDF with WeasyPrint."""
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


def _pdf_problem() -> str | None:
    try:
        html_to_pdf("<p>tailormed</p>")
    except (ImportError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"no PDF: WeasyPrint is not usable ({first}); install tailormed[report] and Pango"
    return None


def _extra_outputs(plan: CarePlan, patient: Patient) -> list[tuple[str, str]]:
    return [(name, _serialize(render(plan, patient))) for name, render in EXTRA_OUTPUTS]


def _serialize(value: Any) -> str:
    if isinstance(value, str):
        return value
    if hasattr(value, "model_dump_json"):
        return str(value.model_dump_json(indent=2, exclude_none=True)) + "\n"
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
