"""The clinician workspace: the care team's patients with flags, and one patient's plan page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from tailormed.errors import InputError
from tailormed.knowledge.risk.load import load_risk_knowledge
from tailormed.model.careplan import CarePlan
from tailormed.model.finding import Domain, Priority
from tailormed.model.patient import Patient
from tailormed.model.payloads import ClinicalRiskData
from tailormed.report import plots
from tailormed.report.view import ReportView, build_view
from tailormed.security.policy import Operation, Resource
from tailormed.service import api, cds
from tailormed.service.views import view
from tailormed.store import models as m
from tailormed.web import whatif
from tailormed.web.pages import PREFIX, SECURITY_HEADERS, PageError, Signed, page, redirect, signed

router = APIRouter(include_in_schema=False)
_ACT = (Priority.ACTIONABLE, Priority.URGENT)
PENDING = ("queued", "running")
SORTS = {"name": "name", "id": "patient id", "flags": "most flags first", "created": "newest first"}


@dataclass(frozen=True)
class Flag:
    key: str
    label: str


FLAGS = {
    "pgx": Flag("pgx", "actionable PGx"),
    "risk": Flag("risk", "raised risk"),
    "hereditary": Flag("hereditary", "hereditary finding"),
    "tumour": Flag("tumour", "tumour therapy"),
    "pending": Flag("pending", "analysis pending"),
}


@dataclass(frozen=True)
class PatientLine:
    id: str
    name: str
    created_at: datetime
    analysis: str | None
    flags: list[Flag]


def plan_flags(plan: CarePlan | None, patient: Patient) -> list[Flag]:
    """What the patient list shows for one plan: actionable PGx, raised risks, hereditary findings, tumour
    therapies at tiers to act on now."""
    if plan is None:
        return []
    found = []
    act = [f for f in plan.findings if f.priority in _ACT]
    if any(f.domain is Domain.PGX for f in act):
        found.append(FLAGS["pgx"])
    if any(f.domain is Domain.CLINICAL_RISK for f in act):
        found.append(FLAGS["risk"])
    if any(f.domain is Domain.HEREDITARY for f in plan.findings):
        found.append(FLAGS["hereditary"])
    if any(f.domain is Domain.ONCOLOGY for f in plan.findings) and build_view(plan, patient).therapies_now:
        found.append(FLAGS["tumour"])
    return found


def _latest_status(who: Signed, db: object, patient_id: str) -> str | None:
    from sqlalchemy.orm import Session

    assert isinstance(db, Session)
    return db.scalars(
        select(m.Analysis.status)
        .where(m.Analysis.patient_id == patient_id)
        .order_by(m.Analysis.created_at.desc())
        .limit(1)
    ).first()


def _require_clinical(who: Signed) -> None:
    if not who.clinical:
        raise PageError(403, "Not available", "The clinician workspace is for clinicians and genetic counsellors.")


@router.get(f"{PREFIX}/patients")
def patient_list(request: Request, q: str = "", sort: str = "name") -> Response:
    who = signed(request)
    _require_clinical(who)
    platform = who.state.platform
    sort = sort if sort in SORTS else "name"
    lines: list[PatientLine] = []
    with platform.transaction() as db:
        platform.access(db, who.subject, Operation.LIST, Resource.PATIENT, detail="web patient list")
        for patient_id in sorted(who.subject.team_patients):
            grant = platform.access(
                db, who.subject, Operation.READ, Resource.CARE_PLAN, patient_id, detail="patient list flags"
            )
            entry = platform.repo.load_patient(db, patient_id)
            if entry is None:
                continue
            stored = platform.repo.latest_plan(db, patient_id)
            plan = view(stored.plan, entry.patient, grant.hide_domains) if stored else None
            status = _latest_status(who, db, patient_id)
            flags = plan_flags(plan, entry.patient) + ([FLAGS["pending"]] if status in PENDING else [])
            lines.append(
                PatientLine(patient_id, entry.patient.display_name or patient_id, entry.created_at, status, flags)
            )
    wanted = q.strip().casefold()
    if wanted:
        lines = [line for line in lines if wanted in line.id.casefold() or wanted in line.name.casefold()]
    if sort == "id":
        lines.sort(key=lambda line: line.id)
    elif sort == "flags":
        lines.sort(key=lambda line: (-len(line.flags), line.name.casefold()))
    elif sort == "created":
        lines.sort(key=lambda line: line.created_at, reverse=True)
    else:
        lines.sort(key=lambda line: line.name.casefold())
    return page(who, "patients.html", title="Patients", lines=lines, q=q, sort=sort, sorts=SORTS)


def plan_view(who: Signed, patient_id: str, purpose: str) -> tuple[ReportView | None, Patient]:
    """The patient's latest plan as this reader may see it (one audited access), re-ranked by the patient's
    current preferences; None when no analysis has produced a plan yet."""
    platform = who.state.platform
    with platform.transaction() as db:
        grant = platform.access(
            db, who.subject, Operation.READ, Resource.CARE_PLAN, patient_id, resource_id=purpose, detail=purpose
        )
        entry = platform.repo.load_patient(db, patient_id)
        assert entry is not None
        stored = platform.repo.latest_plan(db, patient_id)
    if stored is None:
        return None, entry.patient
    plan = view(stored.plan, entry.patient, grant.hide_domains)
    return build_view(plan, entry.patient), entry.patient


@router.get(f"{PREFIX}/patients/{{patient_id}}")
def plan_page(request: Request, patient_id: str) -> Response:
    who = signed(request)
    report, patient = plan_view(who, patient_id, "plan page")  # another patient's page: 404, audited
    if not who.clinical:
        return redirect(f"{PREFIX}/me")
    extra: dict[str, Any] = {
        "genomes": api.list_genomes(request, who.subject, patient_id),
        "analyses": api.list_analyses(request, who.subject, patient_id)[:5],
        "clinical_consent": api.read_consent(request, who.subject, patient_id).clinical,
    }
    if report is not None:
        knowledge = load_risk_knowledge(who.state.analyzer().bundle)
        diplotypes, phenotypes = _gene_words(report)
        extra |= {
            "plots": _plots(report),
            "controls": whatif.controls(report.plan, patient, knowledge),
            "diplotypes": diplotypes,
            "phenotypes": phenotypes,
        }
    return page(
        who,
        "plan.html",
        title=f"Care plan: {patient.display_name or patient.id}",
        patient=patient,
        view=report,
        downloads={name: label for name, (label, _) in DOWNLOADS.items()},
        **extra,
    )


def _plots(report: ReportView) -> dict[str, Markup]:
    drawn: dict[str, str | None] = {}
    for score in report.scores:
        drawn[score.finding.id] = plots.percentile_svg(score.data, score.finding.id)
    for prediction in report.predictions:
        drawn[prediction.finding.id] = plots.prediction_svg(prediction.data, prediction.finding.id)
    return {key: Markup(svg) for key, svg in drawn.items() if svg is not None}


def _gene_words(report: ReportView) -> tuple[dict[str, str], dict[str, str]]:
    diplotypes = {g.data.gene: " or ".join(g.data.diplotypes) or "-" for g in report.pgx.genes}
    phenotypes = {g.data.gene: g.data.phenotype or g.data.status.value.replace("_", " ") for g in report.pgx.genes}
    return diplotypes, phenotypes


@router.post(f"{PREFIX}/api/patients/{{patient_id}}/whatif")
async def what_if(request: Request, patient_id: str) -> JSONResponse:
    """One risk recomputed with the sliders' values (JSON in, JSON out; the page calls it as the sliders move)."""
    who = signed(request)
    who.check_csrf(request.headers.get("x-csrf-token"))
    try:
        body = WhatIfIn.model_validate(await request.json())
    except (ValueError, ValidationError) as exc:
        raise InputError(f"what-if request: {exc}", source="what-if") from None
    report, patient = plan_view(who, patient_id, f"what-if {body.risk}")
    if report is None:
        raise PageError(404, "Not found", "no care plan yet")
    knowledge = load_risk_knowledge(who.state.analyzer().bundle)
    data = whatif.recompute(report.plan, patient, knowledge, body.risk, body.values)
    before = next(
        (f.data for f in report.plan.findings if f.id == f"risk:{body.risk}" and isinstance(f.data, ClinicalRiskData)),
        None,
    )
    now = before.integrated_risk if before is not None else None
    after = data.integrated_risk
    return JSONResponse(
        {
            "risk": body.risk,
            "before": now,
            "after": after,
            "equation_risk": data.equation_risk,
            "low": data.integrated_low,
            "high": data.integrated_high,
            "text": _whatif_text(now, after),
        },
        headers=SECURITY_HEADERS,
    )


def _whatif_text(before: float | None, after: float | None) -> str:
    if after is None:
        return "No risk could be computed with these values."
    if before is None:
        return f"Estimated risk with these values: {after:.1%}."
    change = (after - before) * 100
    return (
        f"Estimated risk with these values: {after:.1%} (now {before:.1%}; {change:+.1f} percentage points). "
        "An estimate with these values, not a proven treatment effect."
    )


class WhatIfIn(BaseModel):
    risk: str = Field(max_length=40, pattern=r"^[a-z_]+$")
    values: dict[str, float | bool] = Field(default_factory=dict, max_length=20)


@router.get(f"{PREFIX}/patients/{{patient_id}}/medication-check")
def medication_check_page(request: Request, patient_id: str) -> Response:
    who = signed(request)
    _require_clinical(who)
    report, patient = plan_view(who, patient_id, "medication check")
    return page(
        who,
        "medication_check.html",
        title="Medication check",
        patient=patient,
        drug="",
        cards=None,
        ready=report is not None,
    )


@router.post(f"{PREFIX}/patients/{{patient_id}}/medication-check")
def medication_check(
    request: Request,
    patient_id: str,
    drug: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """What the CDS Hooks order-select card for this patient would say if ``drug`` were ordered now."""
    who = signed(request)
    who.check_csrf(csrf)
    _require_clinical(who)
    name = drug.strip()
    cards = preview_cards(who, patient_id, name) if name else []
    with who.state.platform.db.read() as db:
        entry = who.state.platform.repo.load_patient(db, patient_id)
    assert entry is not None
    return page(
        who,
        "medication_check.html",
        title="Medication check",
        patient=entry.patient,
        drug=name,
        cards=cards,
        ready=True,
    )


def preview_cards(who: Signed, patient_id: str, drug: str) -> list[cds.Card]:
    """The cards of an order-select call for one draft order of ``drug`` (the same code the EHR's call runs)."""
    service = next(s for s in cds.discovery().services if s.hook == "order-select")
    order = {
        "resourceType": "MedicationRequest",
        "id": "web-medication-check",
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"text": drug},
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    body = cds.CdsRequest(
        hook="order-select",
        hookInstance=f"web-medication-check-{uuid.uuid4()}",
        context={
            "patientId": patient_id,
            "userId": f"Practitioner/{who.subject.name}",
            "selections": ["MedicationRequest/web-medication-check"],
            "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]},
        },
    )
    cards = cds.answer(who.state, who.subject, service, body, patient_id)
    return [cds.Card.model_validate_json(card) for card in cards]


DOWNLOADS = {
    "report_clinician.pdf": ("Clinician report (PDF)", Resource.REPORT),
    "report_patient.pdf": ("Patient report (PDF)", Resource.REPORT),
    "fhir_genomics.json": ("FHIR Genomics bundle (JSON)", Resource.GENOMICS),
    "careplan.json": ("Care plan (JSON)", Resource.CARE_PLAN),
}


def download(who: Signed, patient_id: str, name: str) -> Response:
    """A report or the plan as a file, through the same guarded access as the API."""
    if name not in DOWNLOADS:
        raise PageError(404, "Not found", f"no download named '{name}'")
    if name == "careplan.json":
        report, _ = plan_view(who, patient_id, "download careplan.json")
        if report is None:
            raise PageError(404, "Not found", "no care plan yet: run an analysis first")
        content: bytes = report.plan.model_dump_json(indent=2).encode()
        media = "application/json"
    else:
        media, content = api._report(who.state, who.subject, patient_id, name, DOWNLOADS[name][1])
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{patient_id}-{name}"'}
    return Response(content, media_type=media.split(";")[0], headers=headers)


@router.get(f"{PREFIX}/patients/{{patient_id}}/download/{{name}}")
def clinician_download(request: Request, patient_id: str, name: str) -> Response:
    who = signed(request)
    _require_clinical(who)
    return download(who, patient_id, name)
