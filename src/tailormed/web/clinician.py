"""The clinician workspace: the care team's patients with flags, and one patient's plan page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from tailormed.model.careplan import CarePlan
from tailormed.model.finding import Domain, Priority
from tailormed.model.patient import Patient
from tailormed.report.view import ReportView, build_view
from tailormed.security.policy import Operation, Resource
from tailormed.service.views import view
from tailormed.store import models as m
from tailormed.web.pages import PREFIX, PageError, Signed, page, redirect, signed

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
    return page(
        who,
        "plan.html",
        title=f"Care plan: {patient.display_name or patient.id}",
        patient=patient,
        view=report,
    )
