"""Repositories: typed reads and writes of the store's rows, with encryption done here and nowhere else.

Functions take the caller's :class:`~sqlalchemy.orm.Session`, so a request or a job groups its writes (and the
audit entry that records them) into one transaction. Nothing here checks permissions.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.store import models as m
from tailormed.store.keys import Keyring, context


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PatientEntry:
    """A stored patient: the record, where it came from, when."""

    patient: Patient
    kind: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredPlan:
    id: str
    patient_id: str
    analysis_id: str | None
    created_at: datetime
    plan: CarePlan


class Repository:
    """Reads and writes for one store (one keyring)."""

    def __init__(self, keyring: Keyring) -> None:
        self.keys = keyring

    # -- patients --------------------------------------------------------------------------------------------

    def patient_exists(self, session: Session, patient_id: str) -> bool:
        """Whether the patient is stored (without loading the encrypted record)."""
        return session.scalar(select(m.Patient.id).where(m.Patient.id == patient_id)) is not None

    def create_patient(self, session: Session, patient: Patient, *, kind: str, created_by: str | None) -> None:
        key_id = self.keys.new_key(session)
        row = m.Patient(id=patient.id, key_id=key_id, record_enc=b"", record_kind=kind, created_by=created_by)
        session.add(row)
        session.flush()
        row.record_enc = self._seal_record(session, patient)

    def _seal_record(self, session: Session, patient: Patient) -> bytes:
        data = patient.model_dump_json().encode()
        return self.keys.seal(session, patient.id, data, context("patients", "record", patient.id))

    def load_patient(self, session: Session, patient_id: str) -> PatientEntry | None:
        row = session.get(m.Patient, patient_id)
        if row is None:
            return None
        raw = self.keys.open(session, patient_id, row.record_enc, context("patients", "record", patient_id))
        return PatientEntry(Patient.model_validate_json(raw), row.record_kind, row.created_at, row.updated_at)

    def update_patient(self, session: Session, patient: Patient) -> None:
        row = session.get(m.Patient, patient.id)
        if row is None:
            raise LookupError(patient.id)
        row.record_enc = self._seal_record(session, patient)
        row.updated_at = now()

    def patient_ids(self, session: Session) -> list[str]:
        return list(session.scalars(select(m.Patient.id).order_by(m.Patient.id)))

    def erase_patient(self, session: Session, patient_id: str) -> dict[str, int]:
        """Delete every row about the patient and their data key; returns what was deleted, per table."""
        row = session.get(m.Patient, patient_id)
        if row is None:
            raise LookupError(patient_id)
        counts: dict[str, int] = {}
        plan_ids = select(m.CarePlanRow.id).where(m.CarePlanRow.patient_id == patient_id)
        for table, statement in (
            ("reports", delete(m.Report).where(m.Report.care_plan_id.in_(plan_ids))),
            ("care_plans", delete(m.CarePlanRow).where(m.CarePlanRow.patient_id == patient_id)),
            ("analyses", delete(m.Analysis).where(m.Analysis.patient_id == patient_id)),
            ("genome_uploads", delete(m.GenomeUpload).where(m.GenomeUpload.patient_id == patient_id)),
            ("consents", delete(m.ConsentRow).where(m.ConsentRow.patient_id == patient_id)),
            ("care_team_patients", delete(m.CareTeamPatient).where(m.CareTeamPatient.patient_id == patient_id)),
            ("users", delete(m.User).where(m.User.patient_id == patient_id)),
        ):
            counts[table] = session.execute(statement).rowcount  # type: ignore[attr-defined]
        key_id = row.key_id
        session.delete(row)
        session.flush()
        session.execute(delete(m.DataKey).where(m.DataKey.id == key_id))
        counts["patients"] = 1
        return counts

    # -- genomes ---------------------------------------------------------------------------------------------

    def add_genome(
        self,
        session: Session,
        patient_id: str,
        *,
        kind: str,
        filename: str,
        content: bytes,
        evidence: bytes | None,
        summary: dict[str, Any],
        created_by: str | None,
    ) -> m.GenomeUpload:
        upload_id = new_id()
        row = m.GenomeUpload(
            id=upload_id,
            patient_id=patient_id,
            kind=kind,
            filename=filename,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content_enc=self.keys.seal(session, patient_id, content, context("genome_uploads", "content", upload_id)),
            evidence_enc=None
            if evidence is None
            else self.keys.seal(session, patient_id, evidence, context("genome_uploads", "evidence", upload_id)),
            summary=summary,
            created_by=created_by,
        )
        session.add(row)
        session.flush()
        return row

    def genomes(self, session: Session, patient_id: str) -> list[m.GenomeUpload]:
        statement = (
            select(m.GenomeUpload)
            .where(m.GenomeUpload.patient_id == patient_id)
            .order_by(m.GenomeUpload.created_at.desc(), m.GenomeUpload.id)
        )
        return list(session.scalars(statement))

    def latest_genome(self, session: Session, patient_id: str, kind: str) -> m.GenomeUpload | None:
        return next((g for g in self.genomes(session, patient_id) if g.kind == kind), None)

    def set_evidence(self, session: Session, upload_id: str, evidence: bytes) -> None:
        """Store (encrypted) the genome evidence an analysis read from an upload."""
        row = session.get(m.GenomeUpload, upload_id)
        if row is None:
            raise LookupError(upload_id)
        row.evidence_enc = self.keys.seal(
            session, row.patient_id, evidence, context("genome_uploads", "evidence", upload_id)
        )

    def genome_content(self, session: Session, row: m.GenomeUpload) -> bytes:
        return self.keys.open(session, row.patient_id, row.content_enc, context("genome_uploads", "content", row.id))

    def genome_evidence(self, session: Session, row: m.GenomeUpload) -> bytes | None:
        if row.evidence_enc is None:
            return None
        return self.keys.open(session, row.patient_id, row.evidence_enc, context("genome_uploads", "evidence", row.id))

    # -- plans and reports -----------------------------------------------------------------------------------

    def save_plan(
        self,
        session: Session,
        patient_id: str,
        plan: CarePlan,
        reports: dict[str, tuple[str, bytes]],
        *,
        analysis_id: str | None,
    ) -> str:
        """Store a plan and its rendered reports (name -> (media type, bytes)); returns the plan id."""
        plan_id = new_id()
        sealed = self.keys.seal(
            session, patient_id, plan.model_dump_json().encode(), context("care_plans", "plan", plan_id)
        )
        session.add(m.CarePlanRow(id=plan_id, patient_id=patient_id, analysis_id=analysis_id, plan_enc=sealed))
        session.flush()
        for name, report in reports.items():
            self.save_report(session, plan_id, patient_id, name, report)
        return plan_id

    def save_report(
        self, session: Session, plan_id: str, patient_id: str, name: str, report: tuple[str, bytes]
    ) -> None:
        """Store one rendered report (media type, bytes) of a plan."""
        media_type, content = report
        report_id = new_id()
        session.add(
            m.Report(
                id=report_id,
                care_plan_id=plan_id,
                patient_id=patient_id,
                name=name,
                media_type=media_type,
                content_enc=self.keys.seal(session, patient_id, content, context("reports", "content", report_id)),
            )
        )
        session.flush()

    def latest_plan(self, session: Session, patient_id: str) -> StoredPlan | None:
        row = session.scalars(
            select(m.CarePlanRow)
            .where(m.CarePlanRow.patient_id == patient_id)
            .order_by(m.CarePlanRow.created_at.desc(), m.CarePlanRow.id)
            .limit(1)
        ).first()
        if row is None:
            return None
        raw = self.keys.open(session, patient_id, row.plan_enc, context("care_plans", "plan", row.id))
        return StoredPlan(row.id, patient_id, row.analysis_id, row.created_at, CarePlan.model_validate_json(raw))

    def report(self, session: Session, plan_id: str, name: str) -> tuple[str, bytes] | None:
        row = session.scalars(select(m.Report).where(m.Report.care_plan_id == plan_id, m.Report.name == name)).first()
        if row is None:
            return None
        content = self.keys.open(session, row.patient_id, row.content_enc, context("reports", "content", row.id))
        return row.media_type, content

    def report_names(self, session: Session, plan_id: str) -> list[str]:
        return list(
            session.scalars(select(m.Report.name).where(m.Report.care_plan_id == plan_id).order_by(m.Report.name))
        )

    # -- consent ---------------------------------------------------------------------------------------------

    def add_consent(
        self,
        session: Session,
        patient_id: str,
        category: str,
        decision: str,
        duo_codes: list[str],
        recorded_by: str | None,
    ) -> m.ConsentRow:
        last = session.scalar(select(func.max(m.ConsentRow.seq)).where(m.ConsentRow.patient_id == patient_id))
        row = m.ConsentRow(
            id=new_id(),
            patient_id=patient_id,
            category=category,
            decision=decision,
            duo_codes=list(duo_codes),
            recorded_by=recorded_by,
            recorded_at=now(),
            seq=(last or 0) + 1,
        )
        session.add(row)
        session.flush()
        return row

    def consents(self, session: Session, patient_id: str) -> list[m.ConsentRow]:
        """Every consent decision of the patient, oldest first."""
        statement = select(m.ConsentRow).where(m.ConsentRow.patient_id == patient_id).order_by(m.ConsentRow.seq)
        return list(session.scalars(statement))

    # -- users and care teams --------------------------------------------------------------------------------

    def user_by_name(self, session: Session, username: str) -> m.User | None:
        return session.scalars(select(m.User).where(m.User.username == username)).first()

    def add_user(
        self,
        session: Session,
        *,
        username: str,
        password_hash: str,
        role: str,
        display_name: str | None = None,
        patient_id: str | None = None,
    ) -> m.User:
        user = m.User(
            id=new_id(),
            username=username,
            password_hash=password_hash,
            role=role,
            display_name=display_name,
            patient_id=patient_id,
            active=True,
        )
        session.add(user)
        session.flush()
        return user

    def add_team(self, session: Session, name: str) -> m.CareTeam:
        team = m.CareTeam(id=new_id(), name=name)
        session.add(team)
        session.flush()
        return team

    def team_by_name(self, session: Session, name: str) -> m.CareTeam | None:
        return session.scalars(select(m.CareTeam).where(m.CareTeam.name == name)).first()

    def add_member(self, session: Session, team_id: str, user_id: str) -> None:
        if session.get(m.CareTeamMember, (team_id, user_id)) is None:
            session.add(m.CareTeamMember(team_id=team_id, user_id=user_id))
            session.flush()

    def add_team_patient(self, session: Session, team_id: str, patient_id: str) -> None:
        if session.get(m.CareTeamPatient, (team_id, patient_id)) is None:
            session.add(m.CareTeamPatient(team_id=team_id, patient_id=patient_id))
            session.flush()

    def teams_of(self, session: Session, user_id: str) -> list[str]:
        statement = select(m.CareTeamMember.team_id).where(m.CareTeamMember.user_id == user_id)
        return list(session.scalars(statement))

    def team_patients(self, session: Session, user_id: str) -> set[str]:
        """Patients of every care team the user belongs to."""
        statement = (
            select(m.CareTeamPatient.patient_id)
            .join(m.CareTeamMember, m.CareTeamMember.team_id == m.CareTeamPatient.team_id)
            .where(m.CareTeamMember.user_id == user_id)
        )
        return set(session.scalars(statement))

    # -- settings --------------------------------------------------------------------------------------------

    def setting(self, session: Session, key: str) -> str | None:
        row = session.get(m.Setting, key)
        return row.value if row is not None else None

    def set_setting(self, session: Session, key: str, value: str) -> None:
        row = session.get(m.Setting, key)
        if row is None:
            session.add(m.Setting(key=key, value=value))
        else:
            row.value = value
        session.flush()
