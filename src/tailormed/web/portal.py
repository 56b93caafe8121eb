"""The patient portal: my results in plain language (the patient report's content, in English or Spanish)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from tailormed.report.i18n import available_languages, resolve_language
from tailormed.report.render import render_patient_html
from tailormed.web.clinician import plan_view
from tailormed.web.pages import PREFIX, PageError, Signed, page, signed

router = APIRouter(include_in_schema=False)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
LANGUAGES = {"en": "English", "es": "Español"}


def _own(who: Signed) -> str:
    if who.subject.patient_id is None:
        raise PageError(403, "Not available", "The patient portal is for patients; clinicians use the workspace.")
    return who.subject.patient_id


def report_body(html: str) -> Markup:
    """The body of a rendered patient report, to sit inside a portal page."""
    found = _BODY.search(html)
    assert found is not None
    return Markup(found.group(1))


@router.get(f"{PREFIX}/me")
def my_results(request: Request, lang: str | None = None) -> Response:
    who = signed(request)
    patient_id = _own(who)
    report, patient = plan_view(who, patient_id, "my results")
    language = resolve_language(lang or patient.preferences.language)
    body = report_body(render_patient_html(report.plan, patient, language)) if report else None
    languages = {code: LANGUAGES.get(code, code) for code in available_languages()}
    return page(
        who, "my_results.html", title="My results", lang=language, body=body, languages=languages, language=language
    )
