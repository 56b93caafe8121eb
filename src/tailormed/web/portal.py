"""The patient portal: my results in plain language (the patient report's content, in English or Spanish)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field, ValidationError

from tailormed.errors import InputError
from tailormed.model.careplan import Decision
from tailormed.model.patient import PreferenceWeights
from tailormed.report.i18n import available_languages, resolve_language
from tailormed.report.render import render_patient_html
from tailormed.security.consent import GRU, HMB, NRES
from tailormed.service import api
from tailormed.service.schemas import AccessEntry, ConsentIn
from tailormed.web.clinician import DOWNLOADS, download, plan_view
from tailormed.web.pages import PREFIX, SECURITY_HEADERS, PageError, Signed, environment, page, redirect, signed

router = APIRouter(include_in_schema=False)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S)
LANGUAGES = {"en": "English", "es": "Español"}
PATIENT_DOWNLOADS = ("report_patient.pdf", "fhir_genomics.json", "careplan.json")


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
        who,
        "my_results.html",
        title="My results",
        lang=language,
        body=body,
        languages=languages,
        language=language,
        downloads={n: label for n, (label, _) in DOWNLOADS.items() if n in PATIENT_DOWNLOADS},
        ready=report is not None,
    )


# -- my priorities ---------------------------------------------------------------------------------------------

CRITERIA_WORDS = {
    "efficacy": "How well it works",
    "side_effects": "Fewer side effects",
    "cost": "Lower cost",
    "convenience": "Convenience",
}


def _decisions_html(decisions: list[Decision]) -> Markup:
    return Markup(environment().get_template("_decisions.html").render(decisions=decisions, words=CRITERIA_WORDS))


@router.get(f"{PREFIX}/me/priorities")
def my_priorities(request: Request, saved: str | None = None) -> Response:
    who = signed(request)
    patient_id = _own(who)
    current = api.read_preferences(request, who.subject, patient_id)
    return page(
        who,
        "my_priorities.html",
        title="My priorities",
        weights=current.preferences.weights.model_dump(),
        words=CRITERIA_WORDS,
        decisions=_decisions_html(current.decisions),
        saved=saved is not None,
    )


def _save_weights(who: Signed, request: Request, weights: dict[str, float]) -> list[Decision]:
    patient_id = _own(who)
    current = api.read_preferences(request, who.subject, patient_id).preferences
    try:
        chosen = PreferenceWeights.model_validate(weights)
    except ValidationError as exc:
        raise InputError(f"priorities: {exc.errors()[0]['msg']}", source="my priorities") from None
    body = current.model_copy(update={"weights": chosen})
    return api.write_preferences(request, who.subject, patient_id, body).decisions


@router.post(f"{PREFIX}/me/priorities")
def save_priorities(
    request: Request,
    efficacy: Annotated[float, Form(ge=0, le=10)] = 1.0,
    side_effects: Annotated[float, Form(ge=0, le=10)] = 1.0,
    cost: Annotated[float, Form(ge=0, le=10)] = 1.0,
    convenience: Annotated[float, Form(ge=0, le=10)] = 1.0,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    who = signed(request)
    who.check_csrf(csrf)
    weights = {"efficacy": efficacy, "side_effects": side_effects, "cost": cost, "convenience": convenience}
    _save_weights(who, request, weights)
    return redirect(f"{PREFIX}/me/priorities?saved=1")


class WeightsIn(BaseModel):
    weights: dict[str, float] = Field(max_length=4)


@router.post(f"{PREFIX}/api/me/priorities")
async def live_priorities(request: Request) -> JSONResponse:
    """Save the weights and answer the decisions re-ranked at once (the page calls it as the sliders move)."""
    who = signed(request)
    who.check_csrf(request.headers.get("x-csrf-token"))
    try:
        body = WeightsIn.model_validate(await request.json())
    except (ValueError, ValidationError) as exc:
        raise InputError(f"priorities request: {exc}", source="my priorities") from None
    decisions = _save_weights(who, request, body.weights)
    return JSONResponse(
        {"html": str(_decisions_html(decisions)), "ranking": {d.id: d.ranking for d in decisions}},
        headers=SECURITY_HEADERS,
    )


# -- my consent ------------------------------------------------------------------------------------------------

RESEARCH_USES = {
    GRU: "General research use",
    HMB: "Health, medical or biomedical research",
    NRES: "Any use, no restriction",
}


@router.get(f"{PREFIX}/me/consent")
def my_consent(request: Request, saved: str | None = None) -> Response:
    who = signed(request)
    consent = api.read_consent(request, who.subject, _own(who))
    return page(who, "my_consent.html", title="My consent", consent=consent, uses=RESEARCH_USES, saved=saved)


@router.post(f"{PREFIX}/me/consent")
def change_consent(
    request: Request,
    category: Annotated[str, Form(pattern="^(clinical|secondary_findings|research)$")],
    decision: Annotated[str, Form(pattern="^(permit|deny)$")],
    duo: Annotated[str, Form(max_length=20)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record one consent decision; it takes effect at once (the service's consent rules apply)."""
    who = signed(request)
    who.check_csrf(csrf)
    codes = [duo] if category == "research" and decision == "permit" and duo else []
    body = ConsentIn.model_validate({"category": category, "decision": decision, "duo_codes": codes})
    api.write_consent(request, who.subject, _own(who), body)
    return redirect(f"{PREFIX}/me/consent?saved={category}")


# -- who saw my data -------------------------------------------------------------------------------------------

_DID = {"read": "looked at", "create": "added", "update": "changed", "delete": "deleted", "execute": "ran"}
_WHAT = {
    "care_plan": "your care plan",
    "patient": "your record",
    "genome": "your genome file",
    "analysis": "an analysis of your data",
    "report": "a report",
    "genomics": "your genetic results (FHIR)",
    "consent": "your consent",
    "preferences": "your priorities",
    "access_log": "this list",
}
_WHY = {
    "TREAT": "your care",
    "PATRQT": "your own request",
    "HRESCH": "research",
    "HOPERAT": "running the service",
}
_ROLE = {
    "clinician": "clinician",
    "genetic_counsellor": "genetic counsellor",
    "patient": "you",
    "cds_client": "prescribing system",
    "system": "the service",
    "researcher": "researcher",
    "admin": "administrator",
}


@dataclass(frozen=True)
class AccessLine:
    at: str
    who: str
    what: str
    why: str
    outcome: str


def in_words(entry: AccessEntry, own_name: str) -> AccessLine:
    """One audit entry as a patient reads it."""
    who = "You" if entry.who == own_name else f"{entry.who} ({_ROLE.get(entry.role, entry.role.replace('_', ' '))})"
    did = _DID.get(entry.action, entry.action)
    what = _WHAT.get(entry.resource, entry.resource.replace("_", " "))
    outcome = {"success": "allowed", "denied": "refused", "failed": "failed"}.get(entry.outcome, entry.outcome)
    return AccessLine(
        at=entry.at.strftime("%Y-%m-%d %H:%M UTC"),
        who=who,
        what=f"{did} {what}",
        why=_WHY.get(entry.purpose, entry.purpose),
        outcome=outcome,
    )


@router.get(f"{PREFIX}/me/access")
def who_saw_my_data(request: Request) -> Response:
    who = signed(request)
    entries = api.access_log(request, who.subject, _own(who), limit=200)
    lines = [in_words(e, who.subject.name) for e in entries]
    return page(who, "my_access.html", title="Who saw my data", lines=lines)


@router.get(f"{PREFIX}/me/download/{{name}}")
def my_download(request: Request, name: str) -> Response:
    who = signed(request)
    if name not in PATIENT_DOWNLOADS:
        raise PageError(404, "Not found", f"no download named '{name}'")
    return download(who, _own(who), name)
