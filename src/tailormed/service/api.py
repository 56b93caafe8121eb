"""The REST API for patients: records, genomes, analyses, plans, reports, preferences, consent, access log.

Every route asks :meth:`Platform.access` first (authorize + audit), then works in that same transaction.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Preferences
from tailormed.security.consent import Category, Decision, fhir_bundle
from tailormed.security.policy import Operation, Resource, Role, Subject
from tailormed.service import jobs
from tailormed.service.analysis import REPORT_NAMES, Analyzer, Upload, render_report
from tailormed.service.auth import SubjectDep
from tailormed.service.core import Platform
from tailormed.service.problems import ApiProblemError, documented
from tailormed.service.schemas import (
    AccessEntry,
    AnalysisOut,
    AnalysisRequest,
    ConsentIn,
    ConsentOut,
    ErasureOut,
    GenomeOut,
    PatientOut,
    PatientSummary,
    PreferencesOut,
)
from tailormed.service.state import ServiceState, state_of
from tailormed.service.views import redact, view
from tailormed.store import models as m
from tailormed.store.repo import StoredPlan

router = APIRouter(prefix="/api", tags=["patients"])
_NAME = re.compile(r"^[A-Za-z0-9._ ()+-]{1,200}$")
RECORD_TYPES = {
    "application/json": ".json",
    "application/fhir+json": ".json",
    "application/yaml": ".yaml",
    "application/x-yaml": ".yaml",
    "text/yaml": ".yaml",
    "text/plain": ".yaml",
}


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, read as it streams in and refused (413) as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiProblemError(413, "Content Too Large", f"the upload is {int(declared)} bytes; the limit is {limit}")
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise ApiProblemError(413, "Content Too Large", f"the upload passed the limit of {limit} bytes")
    return bytes(received)


def _file_name(name: str | None, default: str) -> str:
    if name is None:
        return default
    if not _NAME.match(name) or name.startswith("."):
        raise ApiProblemError(422, "Invalid request", "filename: use letters, digits, spaces and . _ - ( ) + only")
    return name


# -- patients --------------------------------------------------------------------------------------------------


@router.get("/patients", response_model=list[PatientSummary], responses=documented(401, 403))
def list_patients(request: Request, subject: SubjectDep) -> list[PatientSummary]:
    """The patients you may see: your own record (patient), your care teams' patients (clinical roles)."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        grant = platform.access(session, subject, Operation.LIST, Resource.PATIENT)
        if subject.role == Role.PATIENT:
            ids = [subject.patient_id] if subject.patient_id else []
        elif subject.role in (Role.CLINICIAN, Role.GENETIC_COUNSELLOR):
            ids = sorted(subject.team_patients)
        else:
            ids = platform.repo.patient_ids(session)
        out = []
        for patient_id in ids:
            entry = platform.repo.load_patient(session, patient_id) if subject.role != Role.ADMIN else None
            row = session.get(m.Patient, patient_id)
            if row is None:
                continue
            latest = session.scalars(
                select(m.Analysis.status)
                .where(m.Analysis.patient_id == patient_id)
                .order_by(m.Analysis.created_at.desc())
                .limit(1)
            ).first()
            out.append(
                PatientSummary(
                    id=patient_id,
                    display_name=entry.patient.display_name if entry else None,
                    created_at=row.created_at,
                    latest_analysis=latest,
                )
            )
        del grant
        return out


@router.post(
    "/patients",
    response_model=PatientOut,
    status_code=201,
    responses=documented(401, 403, 409, 413, 422),
    openapi_extra={
        "requestBody": {"required": True, "content": {t: {"schema": {"type": "string"}} for t in RECORD_TYPES}}
    },
)
async def create_patient(
    request: Request,
    subject: SubjectDep,
    filename: Annotated[str | None, Query(max_length=200, description="The record's file name, for messages")] = None,
    team: Annotated[str | None, Query(max_length=200, description="Care team to add the patient to")] = None,
) -> PatientOut:
    """Create a patient from a YAML/JSON record or a FHIR R4 Bundle sent as the request body."""
    state = state_of(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = RECORD_TYPES.get(content_type, ".yaml")
    state.platform.check(subject, Operation.CREATE, Resource.PATIENT)
    body = await read_body(request, state.settings.upload_limit)
    name = _file_name(filename, f"record{suffix}")
    if not name.lower().endswith((".json", ".yaml", ".yml")):
        name += suffix
    return create_from_record(state.platform, state.analyzer(), subject, Upload(name, body), team)


def create_from_record(
    platform: Platform, analyzer: Analyzer, subject: Subject, upload: Upload, team: str | None
) -> PatientOut:
    """Create a patient from a record file or FHIR Bundle (read as ``tailormed analyze`` reads it; a bad file is an
    InputError naming the file and line; measurements held to the plausibility ranges of the analyzer's bundle), in
    the subject's care team, with consent from an explicit consent block.
    The REST API and the web app's new-patient page both create patients here."""
    parsed = analyzer.read_record(upload)
    patient = parsed.patient
    with platform.transaction() as session:
        platform.access(session, subject, Operation.CREATE, Resource.PATIENT, resource_id=patient.id)
        if platform.repo.patient_exists(session, patient.id):
            raise ApiProblemError(409, "Conflict", f"a patient with id '{patient.id}' already exists")
        team_id = _team_for(platform, session, subject, team)
        platform.repo.create_patient(session, patient, kind=parsed.kind, created_by=subject.user_id)
        if team_id is not None:
            platform.repo.add_team_patient(session, team_id, patient.id)
        if parsed.states_consent:
            from tailormed.security.consent import from_record

            for category, decision, codes in from_record(patient.consent):
                platform.repo.add_consent(
                    session, patient.id, category.value, decision.value, list(codes), subject.user_id
                )
        row = session.get(m.Patient, patient.id)
        assert row is not None
        return PatientOut(
            id=patient.id,
            kind=parsed.kind,
            created_at=row.created_at,
            updated_at=row.updated_at,
            record=patient,
            warnings=parsed.warnings,
        )


def _team_for(platform: Platform, session: Session, subject: Subject, name: str | None) -> str | None:
    teams = platform.repo.teams_of(session, subject.user_id) if subject.user_id else []
    if name is None:
        if subject.role in (Role.CLINICIAN, Role.GENETIC_COUNSELLOR) and not teams:
            raise ApiProblemError(
                409,
                "Conflict",
                "you belong to no care team, so the new patient would be invisible "
                "to you; ask an administrator to add you to one",
            )
        return teams[0] if teams else None
    found = platform.repo.team_by_name(session, name)
    if found is None or found.id not in teams:
        raise ApiProblemError(422, "Invalid request", f"team: you are not a member of a care team named '{name}'")
    return found.id


@router.get("/patients/{patient_id}", response_model=PatientOut, responses=documented(401, 403, 404))
def read_patient(request: Request, subject: SubjectDep, patient_id: str) -> PatientOut:
    """A patient's record."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.READ, Resource.PATIENT, patient_id, resource_id=patient_id)
        entry = platform.repo.load_patient(session, patient_id)
        assert entry is not None
        return PatientOut(
            id=patient_id,
            kind=entry.kind,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
            record=entry.patient,
        )


@router.delete("/patients/{patient_id}", response_model=ErasureOut, responses=documented(401, 403, 404))
def erase_patient(request: Request, subject: SubjectDep, patient_id: str) -> ErasureOut:
    """Erase every piece of a patient's data, keeping only the audit trail (with a tombstone entry)."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(
            session,
            subject,
            Operation.DELETE,
            Resource.PATIENT,
            patient_id,
            resource_id=patient_id,
            detail="erasure on request: every record, genome, plan, report and consent deleted; "
            "the audit trail is kept",
        )
        counts = platform.repo.erase_patient(session, patient_id)
    state_of(request).forget(patient_id)
    return ErasureOut(patient_id=patient_id, erased=True, deleted=counts)


# -- genomes ---------------------------------------------------------------------------------------------------


@router.post(
    "/patients/{patient_id}/genomes",
    response_model=GenomeOut,
    status_code=201,
    responses=documented(401, 403, 404, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        }
    },
)
async def upload_genome(
    request: Request,
    subject: SubjectDep,
    patient_id: str,
    kind: Annotated[str, Query(pattern="^(vcf|outside_calls)$")] = "vcf",
    filename: Annotated[str | None, Query(max_length=200)] = None,
) -> GenomeOut:
    """Upload a VCF (plain, bgzipped or BCF) or an outside-call TSV as the raw request body, streamed and
    size-limited. It is checked as ``tailormed analyze`` would read it; a bad file is refused with a problem naming
    the line, and nothing is stored."""
    state = state_of(request)
    platform = state.platform
    platform.check(subject, Operation.CREATE, Resource.GENOME, patient_id)
    body = await read_body(request, state.settings.upload_limit)
    name = _file_name(filename, "genome.vcf" if kind == "vcf" else "outside_calls.tsv")
    upload = Upload(name, body)
    if not body:
        raise ApiProblemError(422, "Invalid input", "the upload is empty", source=name)
    analyzer = state.analyzer()
    summary = analyzer.check_vcf(upload) if kind == "vcf" else analyzer.check_outside_calls(upload)
    with platform.transaction() as session:
        platform.access(
            session,
            subject,
            Operation.CREATE,
            Resource.GENOME,
            patient_id,
            detail=f"{kind} upload {name} ({len(body)} bytes)",
        )
        row = platform.repo.add_genome(
            session,
            patient_id,
            kind=kind,
            filename=name,
            content=body,
            evidence=None,
            summary=summary,
            created_by=subject.user_id,
        )
        return _genome_out(row)


def _genome_out(row: m.GenomeUpload) -> GenomeOut:
    return GenomeOut(
        id=row.id,
        patient_id=row.patient_id,
        kind=row.kind,
        filename=row.filename,
        size=row.size,
        sha256=row.sha256,
        summary=row.summary,
        created_at=row.created_at,
    )


@router.get("/patients/{patient_id}/genomes", response_model=list[GenomeOut], responses=documented(401, 403, 404))
def list_genomes(request: Request, subject: SubjectDep, patient_id: str) -> list[GenomeOut]:
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.LIST, Resource.GENOME, patient_id)
        return [_genome_out(row) for row in platform.repo.genomes(session, patient_id)]


# -- analyses --------------------------------------------------------------------------------------------------


def _analysis_out(job: m.Analysis) -> AnalysisOut:
    return AnalysisOut(
        id=job.id,
        patient_id=job.patient_id,
        status=job.status,
        progress=job.progress,
        stage=job.stage,
        error=job.error,
        genome_id=job.genome_id,
        outside_calls_id=job.outside_calls_id,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


@router.post(
    "/patients/{patient_id}/analyses",
    response_model=AnalysisOut,
    status_code=202,
    responses=documented(401, 403, 404, 409, 422),
)
def start_analysis(
    request: Request, subject: SubjectDep, patient_id: str, body: AnalysisRequest | None = None
) -> AnalysisOut:
    """Queue an analysis of the patient's record and genome; poll ``GET /api/analyses/{id}`` for progress.
    Refused (403) unless the patient consents to clinical use."""
    state = state_of(request)
    platform = state.platform
    wanted = body or AnalysisRequest()
    with platform.transaction() as session:
        platform.access(session, subject, Operation.ANALYZE, Resource.ANALYSIS, patient_id)
        genome = outside = None
        if wanted.genome:
            genome = _pick(platform, session, patient_id, wanted.genome_id, "vcf")
            outside = _pick(platform, session, patient_id, wanted.outside_calls_id, "outside_calls")
        job = jobs.enqueue(
            session, patient_id, genome_id=genome, outside_calls_id=outside, requested_by=subject.user_id
        )
        out = _analysis_out(job)
    state.worker.wake()
    return out


def _pick(platform: Platform, session: Session, patient_id: str, upload_id: str | None, kind: str) -> str | None:
    if upload_id is None:
        latest = platform.repo.latest_genome(session, patient_id, kind)
        return latest.id if latest is not None else None
    row = session.get(m.GenomeUpload, upload_id)
    if row is None or row.patient_id != patient_id or row.kind != kind:
        raise ApiProblemError(422, "Invalid request", f"no {kind} upload '{upload_id}' for this patient")
    return row.id


@router.get("/patients/{patient_id}/analyses", response_model=list[AnalysisOut], responses=documented(401, 403, 404))
def list_analyses(request: Request, subject: SubjectDep, patient_id: str) -> list[AnalysisOut]:
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.LIST, Resource.ANALYSIS, patient_id)
        rows = session.scalars(
            select(m.Analysis).where(m.Analysis.patient_id == patient_id).order_by(m.Analysis.created_at.desc())
        ).all()
        return [_analysis_out(r) for r in rows]


@router.get("/analyses/{analysis_id}", response_model=AnalysisOut, responses=documented(401, 403, 404))
def read_analysis(request: Request, subject: SubjectDep, analysis_id: str) -> AnalysisOut:
    """An analysis job's status and progress."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        job = session.get(m.Analysis, analysis_id)
        patient_id = job.patient_id if job is not None else f"unknown-analysis-{analysis_id[:40]}"
        platform.access(session, subject, Operation.READ, Resource.ANALYSIS, patient_id, resource_id=analysis_id)
        assert job is not None
        return _analysis_out(job)


# -- plans and reports -----------------------------------------------------------------------------------------


def _stored_plan(platform: Platform, session: Session, patient_id: str) -> StoredPlan:
    stored = platform.repo.latest_plan(session, patient_id)
    if stored is None:
        raise ApiProblemError(404, "Not Found", "no care plan yet: run an analysis first")
    return stored


@router.get("/patients/{patient_id}/careplan", response_model=CarePlan, responses=documented(401, 403, 404))
def read_careplan(request: Request, subject: SubjectDep, patient_id: str) -> CarePlan:
    """The latest care plan, with decisions ranked by the patient's current preferences (hereditary findings
    only for roles that may see them, and only while the patient consents to secondary findings)."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        grant = platform.access(session, subject, Operation.READ, Resource.CARE_PLAN, patient_id)
        stored = _stored_plan(platform, session, patient_id)
        entry = platform.repo.load_patient(session, patient_id)
        assert entry is not None
        return view(stored.plan, entry.patient, grant.hide_domains)


@router.get(
    "/patients/{patient_id}/reports/{name}",
    responses={
        200: {"content": {"text/html": {}, "application/pdf": {}, "application/json": {}}, "description": "The report"},
        **documented(401, 403, 404, 422),
    },
)
def read_report(request: Request, subject: SubjectDep, patient_id: str, name: str) -> Response:
    """A report of the latest plan: ``report_clinician.html``, ``report_patient.html``, their ``.pdf``, or
    ``fhir_genomics.json``. PDFs are rendered on first request and stored (encrypted)."""
    if name not in REPORT_NAMES:
        raise ApiProblemError(404, "Not Found", f"no report named '{name}'; reports: {', '.join(REPORT_NAMES)}")
    resource = Resource.GENOMICS if name.endswith(".json") else Resource.REPORT
    content_type, content = _report(state_of(request), subject, patient_id, name, resource)
    return Response(
        content,
        media_type=content_type.split(";")[0],
        headers={"Content-Disposition": f'inline; filename="{patient_id}-{name}"'},
    )


@router.get(
    "/patients/{patient_id}/fhir",
    responses={
        200: {"content": {"application/fhir+json": {}}, "description": "FHIR Genomics Reporting bundle"},
        **documented(401, 403, 404),
    },
)
def read_fhir(request: Request, subject: SubjectDep, patient_id: str) -> Response:
    """The latest plan as a FHIR R4 Genomics Reporting bundle."""
    _, content = _report(state_of(request), subject, patient_id, "fhir_genomics.json", Resource.GENOMICS)
    return Response(content, media_type="application/fhir+json")


def _report(state: ServiceState, subject: Subject, patient_id: str, name: str, resource: Resource) -> tuple[str, bytes]:
    platform = state.platform
    with platform.transaction() as session:
        grant = platform.access(session, subject, Operation.READ, resource, patient_id, resource_id=name)
        stored = _stored_plan(platform, session, patient_id)
        entry = platform.repo.load_patient(session, patient_id)
        assert entry is not None
        shown = redact(stored.plan, grant.hide_domains)
        if shown is not stored.plan:
            # A reader who may not see every finding gets the report rendered from what they may see.
            return render_report(view(stored.plan, entry.patient, grant.hide_domains), entry.patient, name)
        found = platform.repo.report(session, stored.id, name)
        if found is not None:
            return found
        html = (
            platform.repo.report(session, stored.id, name.replace(".pdf", ".html")) if name.endswith(".pdf") else None
        )
    rendered = render_report(stored.plan, entry.patient, name, html=html[1] if html else None)
    with platform.transaction() as session:
        if (
            platform.repo.latest_plan(session, patient_id) is not None
            and platform.repo.report(session, stored.id, name) is None
        ):
            try:
                with session.begin_nested():
                    platform.repo.save_report(session, stored.id, patient_id, name, rendered)
            except IntegrityError:
                pass  # rendered by a concurrent request meanwhile
    return rendered


# -- preferences and consent -----------------------------------------------------------------------------------


@router.get("/patients/{patient_id}/preferences", response_model=PreferencesOut, responses=documented(401, 403, 404))
def read_preferences(request: Request, subject: SubjectDep, patient_id: str) -> PreferencesOut:
    platform = state_of(request).platform
    with platform.transaction() as session:
        grant = platform.access(session, subject, Operation.READ, Resource.PREFERENCES, patient_id)
        entry = platform.repo.load_patient(session, patient_id)
        assert entry is not None
        stored = platform.repo.latest_plan(session, patient_id)
        decisions = view(stored.plan, entry.patient, grant.hide_domains).decisions if stored else []
        return PreferencesOut(patient_id=patient_id, preferences=entry.patient.preferences, decisions=decisions)


@router.put(
    "/patients/{patient_id}/preferences", response_model=PreferencesOut, responses=documented(401, 403, 404, 422)
)
def write_preferences(request: Request, subject: SubjectDep, patient_id: str, body: Preferences) -> PreferencesOut:
    """Set what matters to the patient; the plan's decisions come back re-ranked at once (no engine re-runs)."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        grant = platform.access(
            session,
            subject,
            Operation.UPDATE,
            Resource.PREFERENCES,
            patient_id,
            detail="weights " + ", ".join(f"{k}={v:g}" for k, v in body.weights.model_dump().items()),
        )
        entry = platform.repo.load_patient(session, patient_id)
        assert entry is not None
        patient = entry.patient.model_copy(update={"preferences": body})
        platform.repo.update_patient(session, patient)
        stored = platform.repo.latest_plan(session, patient_id)
        decisions = view(stored.plan, patient, grant.hide_domains).decisions if stored else []
        return PreferencesOut(patient_id=patient_id, preferences=body, decisions=decisions)


def _consent_out(platform: Platform, session: Session, patient_id: str) -> ConsentOut:
    state = platform.consent_state(session, patient_id)
    return ConsentOut(
        patient_id=patient_id,
        clinical=state.clinical,
        secondary_findings=state.secondary_findings,
        research=state.research,
        duo_codes=list(state.duo_codes),
        resources=fhir_bundle(state),
    )


@router.get("/patients/{patient_id}/consent", response_model=ConsentOut, responses=documented(401, 403, 404))
def read_consent(request: Request, subject: SubjectDep, patient_id: str) -> ConsentOut:
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.READ, Resource.CONSENT, patient_id)
        return _consent_out(platform, session, patient_id)


_DUO = re.compile(r"^DUO:\d{7}$")


@router.put("/patients/{patient_id}/consent", response_model=ConsentOut, responses=documented(401, 403, 404, 422))
def write_consent(request: Request, subject: SubjectDep, patient_id: str, body: ConsentIn) -> ConsentOut:
    """Record a consent decision; it takes effect at once (a research withdrawal removes the patient from the
    next export, a secondary-findings opt-out hides hereditary findings from then on)."""
    bad = [c for c in body.duo_codes if not _DUO.match(c)]
    if bad:
        raise ApiProblemError(422, "Invalid request", f"duo_codes: '{bad[0]}' is not a DUO code (DUO: and 7 digits)")
    if body.duo_codes and body.category != "research":
        raise ApiProblemError(422, "Invalid request", "duo_codes: only research consent carries DUO codes")
    if body.category == "research" and body.decision == "permit" and not body.duo_codes:
        raise ApiProblemError(422, "Invalid request", "duo_codes: research consent needs at least one DUO code")
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(
            session,
            subject,
            Operation.UPDATE,
            Resource.CONSENT,
            patient_id,
            detail=f"{body.category}: {body.decision} {' '.join(body.duo_codes)}".strip(),
        )
        platform.repo.add_consent(
            session,
            patient_id,
            Category(body.category).value,
            Decision(body.decision).value,
            list(body.duo_codes),
            subject.user_id,
        )
        return _consent_out(platform, session, patient_id)


@router.get("/patients/{patient_id}/access-log", response_model=list[AccessEntry], responses=documented(401, 403, 404))
def access_log(
    request: Request,
    subject: SubjectDep,
    patient_id: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AccessEntry]:
    """Who opened this patient's data, when, why and from where (newest first)."""
    platform = state_of(request).platform
    with platform.transaction() as session:
        platform.access(session, subject, Operation.READ, Resource.ACCESS_LOG, patient_id)
        events = platform.audit.events(session, patient_id=patient_id, limit=limit)
        return [_entry(e) for e in events]


def _entry(event: m.AuditEvent) -> AccessEntry:
    return AccessEntry(
        patient_id=event.patient_id,
        at=event.at,
        who=event.actor,
        role=event.role,
        action=_ACTIONS.get(event.action, event.action),
        resource=event.resource,
        purpose=event.purpose,
        outcome=event.outcome,
        source=event.source,
    )


_ACTIONS = {"C": "create", "R": "read", "U": "update", "D": "delete", "E": "execute"}
