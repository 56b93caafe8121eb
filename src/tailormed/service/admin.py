"""Administration: user accounts, care teams and the audit trail (no clinical data)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select

from tailormed.security import audit as audit_log
from tailormed.security.passwords import hash_password
from tailormed.security.policy import Operation, Resource
from tailormed.service.auth import SubjectDep
from tailormed.service.problems import ApiProblemError, documented
from tailormed.service.schemas import AuditOut, MemberIn, TeamIn, TeamOut, TeamPatientIn, UserIn, UserOut, VerifyOut
from tailormed.service.state import state_of
from tailormed.store import models as m

router = APIRouter(prefix="/api", tags=["admin"])


@router.get("/users", response_model=list[UserOut], responses=documented(401, 403))
def list_users(request: Request, subject: SubjectDep) -> list[UserOut]:
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.LIST, Resource.USER)
        users = session.scalars(select(m.User).order_by(m.User.username)).all()
        return [
            UserOut(
                id=u.id,
                username=u.username,
                role=u.role,
                display_name=u.display_name,
                patient_id=u.patient_id,
                active=u.active,
                teams=platform.repo.teams_of(session, u.id),
            )
            for u in users
        ]


@router.post("/users", response_model=UserOut, status_code=201, responses=documented(401, 403, 409, 422))
def create_user(request: Request, subject: SubjectDep, body: UserIn) -> UserOut:
    """Create an account; a patient account names the patient whose record it opens."""
    if (body.role == "patient") != (body.patient_id is not None):
        raise ApiProblemError(422, "Invalid request", "patient_id: required for role patient, and only for it")
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.CREATE, Resource.USER, resource_id=body.username)
        if platform.repo.user_by_name(session, body.username) is not None:
            raise ApiProblemError(409, "Conflict", f"user name '{body.username}' is taken")
        if body.patient_id is not None and not platform.repo.patient_exists(session, body.patient_id):
            raise ApiProblemError(422, "Invalid request", f"patient_id: no patient '{body.patient_id}'")
        user = platform.repo.add_user(
            session,
            username=body.username,
            password_hash=hash_password(body.password),
            role=body.role,
            display_name=body.display_name,
            patient_id=body.patient_id,
        )
        return UserOut(
            id=user.id,
            username=user.username,
            role=user.role,
            display_name=user.display_name,
            patient_id=user.patient_id,
            active=user.active,
        )


def _team_out(session: Any, team: m.CareTeam) -> TeamOut:
    members = session.scalars(
        select(m.User.username)
        .join(m.CareTeamMember, m.CareTeamMember.user_id == m.User.id)
        .where(m.CareTeamMember.team_id == team.id)
        .order_by(m.User.username)
    ).all()
    patients = session.scalars(
        select(m.CareTeamPatient.patient_id)
        .where(m.CareTeamPatient.team_id == team.id)
        .order_by(m.CareTeamPatient.patient_id)
    ).all()
    return TeamOut(id=team.id, name=team.name, members=list(members), patients=list(patients))


@router.get("/care-teams", response_model=list[TeamOut], responses=documented(401, 403))
def list_teams(request: Request, subject: SubjectDep) -> list[TeamOut]:
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.LIST, Resource.CARE_TEAM)
        return [_team_out(session, t) for t in session.scalars(select(m.CareTeam).order_by(m.CareTeam.name))]


@router.post("/care-teams", response_model=TeamOut, status_code=201, responses=documented(401, 403, 409, 422))
def create_team(request: Request, subject: SubjectDep, body: TeamIn) -> TeamOut:
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.CREATE, Resource.CARE_TEAM, resource_id=body.name)
        if platform.repo.team_by_name(session, body.name) is not None:
            raise ApiProblemError(409, "Conflict", f"a care team named '{body.name}' exists")
        return _team_out(session, platform.repo.add_team(session, body.name))


@router.post("/care-teams/{team_id}/members", response_model=TeamOut, responses=documented(401, 403, 404, 422))
def add_member(request: Request, subject: SubjectDep, team_id: str, body: MemberIn) -> TeamOut:
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(
            session,
            subject,
            Operation.UPDATE,
            Resource.CARE_TEAM,
            resource_id=team_id,
            detail=f"member {body.user_id} added",
        )
        team = session.get(m.CareTeam, team_id)
        user = session.get(m.User, body.user_id)
        if team is None:
            raise ApiProblemError(404, "Not Found", "no such care team")
        if user is None or user.role not in ("clinician", "genetic_counsellor"):
            raise ApiProblemError(422, "Invalid request", "user_id: no clinician or genetic counsellor with this id")
        platform.repo.add_member(session, team_id, user.id)
        return _team_out(session, team)


@router.post("/care-teams/{team_id}/patients", response_model=TeamOut, responses=documented(401, 403, 404, 422))
def add_team_patient(request: Request, subject: SubjectDep, team_id: str, body: TeamPatientIn) -> TeamOut:
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(
            session,
            subject,
            Operation.UPDATE,
            Resource.CARE_TEAM,
            resource_id=team_id,
            detail=f"patient {body.patient_id} added",
        )
        team = session.get(m.CareTeam, team_id)
        if team is None:
            raise ApiProblemError(404, "Not Found", "no such care team")
        if not platform.repo.patient_exists(session, body.patient_id):
            raise ApiProblemError(422, "Invalid request", "patient_id: no such patient")
        platform.repo.add_team_patient(session, team_id, body.patient_id)
        return _team_out(session, team)


def _audit_out(event: m.AuditEvent) -> AuditOut:
    return AuditOut(
        seq=event.seq,
        at=event.at,
        who=event.actor,
        role=event.role,
        action=event.action,
        resource=event.resource,
        purpose=event.purpose,
        outcome=event.outcome,
        source=event.source,
        patient_id=event.patient_id,
        resource_id=event.resource_id,
        detail=event.detail,
        hash=event.hash,
    )


@router.get("/audit", response_model=list[AuditOut], responses=documented(401, 403))
def read_audit(
    request: Request,
    subject: SubjectDep,
    patient_id: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AuditOut]:
    """Audit events, newest first (optionally of one patient)."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.READ, Resource.AUDIT)
        return [
            _audit_out(e) for e in platform.audit.events(session, patient_id=patient_id, limit=limit, offset=offset)
        ]


@router.get("/audit/verify", response_model=VerifyOut, responses=documented(401, 403))
def verify_audit(request: Request, subject: SubjectDep) -> VerifyOut:
    """Check the whole audit chain: any edited, inserted or deleted event is reported."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.READ, Resource.AUDIT, detail="verify")
        result = platform.audit.verify(session)
        return VerifyOut(ok=result.ok, events=result.events, problems=result.problems)


@router.get(
    "/audit/fhir",
    responses={
        200: {"content": {"application/fhir+json": {}}, "description": "Bundle of AuditEvent"},
        **documented(401, 403),
    },
)
def audit_fhir(
    request: Request,
    subject: SubjectDep,
    patient_id: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict[str, Any]:
    """Audit events as FHIR R4 AuditEvent resources in a Bundle."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.READ, Resource.AUDIT, detail="FHIR export")
        return audit_log.fhir_bundle(platform.audit.events(session, patient_id=patient_id, limit=limit))


@router.post(
    "/research/exports",
    tags=["research"],
    responses={
        200: {"content": {"application/zip": {}}, "description": "Parquet tables, Phenopackets and the export report"},
        **documented(401, 403, 422),
    },
)
def research_export(
    request: Request,
    subject: SubjectDep,
    duo: Annotated[str, Query(pattern=r"^DUO:\d{7}$", description="The data use, e.g. DUO:0000042")],
    k: Annotated[int, Query(ge=2, le=100)] = 5,
) -> Response:
    """De-identified export of the patients whose research consent covers ``duo`` (researchers only)."""
    from tailormed.service.research import run_export, zip_export

    result = run_export(state_of(request).platform, subject, duo, k=k)
    return Response(
        zip_export(result),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="tailormed-research-export.zip"'},
    )
