"""Demo mode: a store seeded with the demo accounts, a care team and the demo patients with their plans computed.

Demo mode exists only when ``tailormed serve`` runs with no production database or master key configured; it
uses a throwaway SQLite file and key file of its own. The demo passwords are public, so it listens on loopback only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tailormed.demo import demo_records
from tailormed.intake.record import resolve_genome_path, resolve_outside_calls
from tailormed.security.audit import SYSTEM, AuditAction, Entry, Purpose
from tailormed.security.consent import from_record
from tailormed.security.passwords import hash_password
from tailormed.service import jobs
from tailormed.service.analysis import Analyzer, Upload
from tailormed.service.core import Platform

DEMO_SETTING = "demo"
TEAM = "Demo care team"
STAFF = (
    ("clinician", "clinician-demo", "clinician", "Dr Demo Clinician"),
    ("counsellor", "counsellor-demo", "genetic_counsellor", "Demo Genetic Counsellor"),
    ("researcher", "researcher-demo", "researcher", "Demo Researcher"),
    ("admin", "admin-demo", "admin", "Demo Administrator"),
)
CDS_CLIENT = "demo-cds-client"


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    role: str
    patient_id: str | None = None


def patient_password(patient_id: str) -> str:
    return f"{patient_id}-demo"


def seed(
    platform: Platform,
    analyzer: Analyzer,
    *,
    records: list[Path] | None = None,
    analyse: bool = True,
    on_patient: Callable[[str], None] | None = None,
) -> list[Login]:
    """Create the demo accounts, team and patients (with genomes and consent from their records) and run their
    analyses; returns the logins."""
    logins: list[Login] = []
    with platform.db.transaction() as session:
        platform.repo.set_setting(session, DEMO_SETTING, "true")
        team = platform.repo.add_team(session, TEAM)
        for username, password, role, name in STAFF:
            user = platform.repo.add_user(
                session, username=username, password_hash=hash_password(password), role=role, display_name=name
            )
            if role in ("clinician", "genetic_counsellor"):
                platform.repo.add_member(session, team.id, user.id)
            logins.append(Login(username, password, role))
        platform.audit.append(
            session,
            Entry(
                actor=SYSTEM,
                action=AuditAction.CREATE,
                resource="demo",
                purpose=Purpose.OPERATIONS,
                detail="demo accounts and care team",
            ),
        )
    for record in records if records is not None else demo_records():
        parsed = analyzer.read_record(Upload(record.name, record.read_bytes()))
        patient = parsed.patient
        vcf_path = resolve_genome_path(patient, record)
        calls_path = resolve_outside_calls(patient, record)
        vcf = Upload(vcf_path.name, vcf_path.read_bytes()) if vcf_path is not None else None
        calls = Upload(calls_path.name, calls_path.read_bytes()) if calls_path is not None else None
        vcf_summary = analyzer.check_vcf(vcf) if vcf is not None else None
        calls_summary = analyzer.check_outside_calls(calls) if calls is not None else None
        with platform.db.transaction() as session:
            platform.repo.create_patient(session, patient, kind=parsed.kind, created_by=None)
            platform.repo.add_team_patient(session, team.id, patient.id)
            for category, decision, codes in from_record(patient.consent):
                platform.repo.add_consent(session, patient.id, category.value, decision.value, list(codes), None)
            genome_id = calls_id = None
            if vcf is not None and vcf_summary is not None:
                genome_id = platform.repo.add_genome(
                    session,
                    patient.id,
                    kind="vcf",
                    filename=vcf.name,
                    content=vcf.content,
                    evidence=None,
                    summary=vcf_summary,
                    created_by=None,
                ).id
            if calls is not None and calls_summary is not None:
                calls_id = platform.repo.add_genome(
                    session,
                    patient.id,
                    kind="outside_calls",
                    filename=calls.name,
                    content=calls.content,
                    evidence=None,
                    summary=calls_summary,
                    created_by=None,
                ).id
            user = platform.repo.add_user(
                session,
                username=patient.id,
                password_hash=hash_password(patient_password(patient.id)),
                role="patient",
                patient_id=patient.id,
            )
            if analyse:
                jobs.enqueue(session, patient.id, genome_id=genome_id, outside_calls_id=calls_id, requested_by=user.id)
            platform.audit.append(
                session,
                Entry(
                    actor=SYSTEM,
                    action=AuditAction.CREATE,
                    resource="patient",
                    purpose=Purpose.OPERATIONS,
                    patient_id=patient.id,
                    detail="demo patient seeded",
                ),
            )
        logins.append(Login(patient.id, patient_password(patient.id), "patient", patient.id))
        if analyse:
            worker = jobs.Worker(platform, lambda: analyzer)
            worker.run_pending()
        if on_patient is not None:
            on_patient(patient.id)
    return logins


def is_demo(platform: Platform) -> bool:
    with platform.db.read() as session:
        return platform.repo.setting(session, DEMO_SETTING) == "true"
