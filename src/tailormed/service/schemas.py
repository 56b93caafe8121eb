"""The API's request and response bodies (their JSON Schemas are the OpenAPI document's components)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from tailormed.model.careplan import Decision
from tailormed.model.patient import Patient, Preferences


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str
    scope: str


class MeOut(BaseModel):
    username: str
    role: str
    patient_id: str | None = None
    scopes: list[str]
    display_name: str | None = None


class PatientSummary(BaseModel):
    id: str
    display_name: str | None = None
    created_at: datetime
    latest_analysis: str | None = Field(default=None, description="Status of the latest analysis, if any")


class PatientOut(BaseModel):
    id: str
    kind: str = Field(description="record or fhir-bundle: what the patient was created from")
    created_at: datetime
    updated_at: datetime
    record: Patient
    warnings: list[str] = Field(default_factory=list)


class ErasureOut(BaseModel):
    patient_id: str
    erased: bool
    deleted: dict[str, int]


class GenomeOut(BaseModel):
    id: str
    patient_id: str
    kind: Literal["vcf", "outside_calls"]
    filename: str
    size: int
    sha256: str
    summary: dict[str, Any]
    created_at: datetime


class AnalysisOut(BaseModel):
    id: str
    patient_id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: int
    stage: str | None = None
    error: dict[str, Any] | None = None
    genome_id: str | None = None
    outside_calls_id: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class AnalysisRequest(BaseModel):
    genome_id: str | None = Field(default=None, description="Genome upload to analyse (default: the latest VCF)")
    outside_calls_id: str | None = Field(default=None, description="Outside calls (default: the latest, if any)")
    genome: bool = Field(default=True, description="False: analyse the record alone, without any genome")


class PreferencesOut(BaseModel):
    patient_id: str
    preferences: Preferences
    decisions: list[Decision] = Field(default_factory=list, description="The latest plan's decisions, re-ranked")


class ConsentIn(BaseModel):
    category: Literal["clinical", "secondary_findings", "research"]
    decision: Literal["permit", "deny"]
    duo_codes: list[str] = Field(default_factory=list, description="DUO codes (research only), e.g. DUO:0000042")


class ConsentOut(BaseModel):
    patient_id: str
    clinical: bool
    secondary_findings: bool
    research: bool
    duo_codes: list[str]
    resources: dict[str, Any] = Field(description="Every decision as a FHIR Consent, in a Bundle")


class AccessEntry(BaseModel):
    patient_id: str | None = None
    at: datetime
    who: str
    role: str
    action: str
    resource: str
    purpose: str
    outcome: str
    source: str | None = None


class AuditOut(AccessEntry):
    seq: int
    resource_id: str | None = None
    detail: str | None = None
    hash: str


class VerifyOut(BaseModel):
    ok: bool
    events: int
    problems: list[str]


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=8, max_length=1024)
    role: Literal["patient", "clinician", "genetic_counsellor", "researcher", "admin"]
    display_name: str | None = Field(default=None, max_length=200)
    patient_id: str | None = Field(default=None, description="For role patient: whose record this account opens")


class UserOut(BaseModel):
    id: str
    username: str
    role: str
    display_name: str | None = None
    patient_id: str | None = None
    active: bool
    teams: list[str] = Field(default_factory=list)


class TeamIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TeamOut(BaseModel):
    id: str
    name: str
    members: list[str] = Field(default_factory=list)
    patients: list[str] = Field(default_factory=list)


class MemberIn(BaseModel):
    user_id: str


class TeamPatientIn(BaseModel):
    patient_id: str
