"""Bringing a patient in from the clinician workspace: a new patient from a record file or FHIR Bundle, a genome
upload (the browser shows its progress), an analysis started and watched until its plan is ready.

Each step is the REST API's own code (same checks, same policy, same audit); a refused file is shown with the
problem as the intake reader names it (file, line, what is wrong).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from tailormed.errors import InputError
from tailormed.service import api
from tailormed.service.analysis import Upload
from tailormed.service.problems import ApiProblemError
from tailormed.service.schemas import ConsentIn
from tailormed.web.pages import PREFIX, SECURITY_HEADERS, Signed, page, redirect, signed

router = APIRouter(include_in_schema=False)


def _clinical(request: Request) -> Signed:
    from tailormed.web.clinician import _require_clinical

    who = signed(request)
    _require_clinical(who)
    return who


@router.get(f"{PREFIX}/patients-new")
def new_patient_page(request: Request) -> Response:
    who = _clinical(request)
    return page(who, "new_patient.html", title="New patient", error=None)


@router.post(f"{PREFIX}/patients-new")
async def new_patient(
    request: Request,
    record: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    who = _clinical(request)
    who.check_csrf(csrf)
    limit = who.state.settings.upload_limit
    content = await record.read(limit + 1)
    name = record.filename or "record"
    if len(content) > limit:
        return page(who, "new_patient.html", title="New patient", status=413,
                    error=f"{name}: the file is larger than the limit of {limit} bytes")  # fmt: skip
    if not content:
        return page(who, "new_patient.html", title="New patient", status=422, error=f"{name}: the file is empty")
    try:
        created = api.create_from_record(
            who.state.platform, who.state.analyzer(), who.subject, Upload(name, content), None
        )
    except InputError as exc:
        return page(who, "new_patient.html", title="New patient", status=422, error=str(exc))
    except ApiProblemError as exc:
        return page(who, "new_patient.html", title="New patient", status=exc.status, error=exc.detail)
    return redirect(f"{PREFIX}/patients/{created.id}")


@router.post(f"{PREFIX}/api/patients/{{patient_id}}/genomes")
async def upload_genome(request: Request, patient_id: str, filename: str | None = None) -> JSONResponse:
    """The raw file as the request body (the page sends it with upload progress); answered as the API answers."""
    who = _clinical(request)
    who.check_csrf(request.headers.get("x-csrf-token"))
    stored = await api.upload_genome(request, who.subject, patient_id, "vcf", filename)
    return JSONResponse(stored.model_dump(mode="json"), status_code=201, headers=SECURITY_HEADERS)


@router.post(f"{PREFIX}/patients/{{patient_id}}/analyses")
def start_analysis(request: Request, patient_id: str, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    who = _clinical(request)
    who.check_csrf(csrf)
    job = api.start_analysis(request, who.subject, patient_id, None)
    return redirect(f"{PREFIX}/analyses/{job.id}")


@router.get(f"{PREFIX}/analyses/{{analysis_id}}")
def analysis_page(request: Request, analysis_id: str) -> Response:
    who = _clinical(request)
    job = api.read_analysis(request, who.subject, analysis_id)
    return page(who, "analysis.html", title="Analysis", job=job)


@router.get(f"{PREFIX}/api/analyses/{{analysis_id}}")
def analysis_status(request: Request, analysis_id: str) -> JSONResponse:
    who = _clinical(request)
    job = api.read_analysis(request, who.subject, analysis_id)
    return JSONResponse(job.model_dump(mode="json"), headers=SECURITY_HEADERS)


@router.post(f"{PREFIX}/patients/{{patient_id}}/consent")
def record_clinical_consent(
    request: Request,
    patient_id: str,
    decision: Annotated[str, Form(pattern="^(permit|deny)$")],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record the patient's decision about clinical use as given to the care team (e.g. on a signed form); the
    decision is audited under the clinician who recorded it, and the patient can change it in the portal."""
    who = _clinical(request)
    who.check_csrf(csrf)
    api.write_consent(request, who.subject, patient_id, ConsentIn(category="clinical", decision=decision))
    return redirect(f"{PREFIX}/patients/{patient_id}#genome")
