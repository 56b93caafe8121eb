"""The audit trail: every access to patient data, by whom, why and from where, in a keyed hash chain.

Each event's ``hash`` is HMAC-SHA256 over its own fields and the previous event's hash, keyed by an audit key
that is stored wrapped under the master key (so re-wrapping at key rotation keeps the chain verifiable, and
someone with write access to the database but not the master key cannot forge a consistent chain). Appends lock
the single ``audit_head`` row, so concurrent writers queue rather than fork the chain; :func:`verify` walks the
chain and compares its end with the head, so an edited, inserted or deleted row (at any position) is reported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tailormed.store.crypto import new_data_key
from tailormed.store.keys import Keyring
from tailormed.store.models import AuditEvent, AuditHead, DataKey

GENESIS = "0" * 64
AUDIT_KEY_ID = "audit-chain"
HEAD_ID = 1


class Purpose(StrEnum):
    """Why the data was used (HL7 v3 PurposeOfUse codes)."""

    TREATMENT = "TREAT"
    PATIENT_REQUEST = "PATRQT"
    RESEARCH = "HRESCH"
    OPERATIONS = "HOPERAT"


class AuditAction(StrEnum):
    """What was done (FHIR AuditEvent.action: Create, Read, Update, Delete, Execute)."""

    CREATE = "C"
    READ = "R"
    UPDATE = "U"
    DELETE = "D"
    EXECUTE = "E"


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True)
class Actor:
    """Who acted: a signed-in user, a CDS client, or the system itself (a job worker, a CLI command)."""

    name: str
    role: str
    user_id: str | None = None
    source: str | None = None


SYSTEM = Actor(name="tailormed", role="system")


@dataclass(frozen=True)
class Entry:
    """One event to append."""

    actor: Actor
    action: AuditAction
    resource: str
    purpose: Purpose
    outcome: Outcome = Outcome.SUCCESS
    resource_id: str | None = None
    patient_id: str | None = None
    detail: str | None = None


def _fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "resource": event.resource,
        "resource_id": event.resource_id,
        "patient_id": event.patient_id,
        "purpose": event.purpose,
        "source": event.source,
        "outcome": event.outcome,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }


def chain_hash(key: bytes, event: AuditEvent) -> str:
    canonical = json.dumps(_fields(event), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


class AuditLog:
    """Appends to and reads the chain of one store."""

    def __init__(self, keyring: Keyring) -> None:
        self.keys = keyring
        self._key: tuple[str, bytes] | None = None

    def _audit_key(self, session: Session) -> bytes:
        master_id = self.keys.master.key_id
        if self._key is not None and self._key[0] == master_id:
            return self._key[1]
        raw = self.keys.data_key(session, AUDIT_KEY_ID)
        self._key = (master_id, raw)
        return raw

    def ensure_key(self, session: Session) -> None:
        """Create the audit key on a new store (called once, when the store is initialized)."""
        if session.get(DataKey, AUDIT_KEY_ID) is None:
            raw = new_data_key()
            master = self.keys.master
            session.add(DataKey(id=AUDIT_KEY_ID, wrapped=master.wrap(raw, AUDIT_KEY_ID), master_key_id=master.key_id))
            session.flush()

    def append(self, session: Session, entry: Entry, *, at: datetime | None = None) -> AuditEvent:
        """Add one event in the caller's transaction (it commits or rolls back with the work it records)."""
        return self.append_many(session, [entry], at=at)[0]

    def append_many(
        self, session: Session, entries: Sequence[Entry], *, at: datetime | None = None
    ) -> list[AuditEvent]:
        """Add events, in order, in the caller's transaction: the chain head is locked, read and moved once, so a
        group of events costs one read and one write of the head (the group commit of a busy service)."""
        if not entries:
            return []
        head = session.scalars(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()).one()
        key = self._audit_key(session)
        seq, previous = head.seq, head.hash
        events = []
        for entry in entries:
            seq += 1
            event = AuditEvent(
                seq=seq,
                at=(at or datetime.now(UTC)).astimezone(UTC),
                actor_id=entry.actor.user_id,
                actor=entry.actor.name,
                role=entry.actor.role,
                action=entry.action.value,
                resource=entry.resource,
                resource_id=entry.resource_id,
                patient_id=entry.patient_id,
                purpose=entry.purpose.value,
                source=entry.actor.source,
                outcome=entry.outcome.value,
                detail=entry.detail,
                prev_hash=previous,
                hash="",
            )
            event.hash = previous = chain_hash(key, event)
            events.append(event)
        # One multi-row INSERT of plain rows (no unit of work over the events: they are written once, never changed).
        session.execute(insert(AuditEvent), [{**_fields(e), "at": e.at, "hash": e.hash} for e in events])
        head.seq = seq
        head.hash = previous
        session.flush()
        return events

    def verify(self, session: Session) -> VerifyResult:
        """Walk the whole chain; every break is listed (at most the first 20)."""
        key = self._audit_key(session)
        problems: list[str] = []
        expected_seq = 1
        previous = GENESIS
        count = 0
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000):
            count += 1
            if event.seq != expected_seq:
                problems.append(
                    f"event {expected_seq}"
                    + (f"-{event.seq - 1}" if event.seq - 1 > expected_seq else "")
                    + " missing (deleted)"
                )
            if event.prev_hash != previous:
                problems.append(
                    f"event {event.seq}: previous-hash link broken (an earlier event was changed or removed)"
                )
            if not hmac.compare_digest(chain_hash(key, event), event.hash):
                problems.append(f"event {event.seq}: content does not match its hash (edited)")
            previous = event.hash
            expected_seq = event.seq + 1
        head = session.get(AuditHead, HEAD_ID)
        if head is None:
            problems.append("the chain head is missing")
        elif head.seq != expected_seq - 1 or head.hash != previous:
            problems.append(
                f"the chain ends at event {expected_seq - 1} but its head says {head.seq}: events at the end were "
                "deleted or the head was changed"
            )
        return VerifyResult(events=count, problems=problems[:20], total_problems=len(problems))

    def events(
        self, session: Session, *, patient_id: str | None = None, limit: int = 500, offset: int = 0
    ) -> Sequence[AuditEvent]:
        statement = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)
        if patient_id is not None:
            statement = statement.where(AuditEvent.patient_id == patient_id)
        return list(session.scalars(statement))


@dataclass(frozen=True)
class VerifyResult:
    events: int
    problems: list[str]
    total_problems: int

    @property
    def ok(self) -> bool:
        return self.total_problems == 0


_FHIR_OUTCOME = {Outcome.SUCCESS.value: "0", Outcome.DENIED.value: "4", Outcome.FAILED.value: "8"}
_PURPOSE_DISPLAY = {
    Purpose.TREATMENT.value: "treatment",
    Purpose.PATIENT_REQUEST.value: "patient requested",
    Purpose.RESEARCH.value: "healthcare research",
    Purpose.OPERATIONS.value: "healthcare operations",
}


def to_fhir(event: AuditEvent) -> dict[str, Any]:
    """The event as a FHIR R4 ``AuditEvent`` resource."""
    agent: dict[str, Any] = {
        "type": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/extra-security-role-type",
                    "code": "humanuser" if event.role not in ("system", "cds_client") else "dataprocessor",
                }
            ]
        },
        "role": [{"text": event.role}],
        "who": {
            "identifier": {"system": "urn:tailormed:user", "value": event.actor_id or event.actor},
            "display": event.actor,
        },
        "requestor": True,
    }
    if event.source:
        agent["network"] = {"address": event.source, "type": "2"}
    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"audit-{event.seq}",
        "type": {
            "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
            "code": "rest",
            "display": "RESTful Operation",
        },
        "action": event.action,
        "recorded": event.at.astimezone(UTC).isoformat(),
        "outcome": _FHIR_OUTCOME.get(event.outcome, "8"),
        "purposeOfEvent": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                        "code": event.purpose,
                        "display": _PURPOSE_DISPLAY.get(event.purpose, event.purpose),
                    }
                ]
            }
        ],
        "agent": [agent],
        "source": {"observer": {"display": "tailormed"}},
        "entity": [],
    }
    if event.outcome != Outcome.SUCCESS.value or event.detail:
        resource["outcomeDesc"] = event.detail or event.outcome
    if event.patient_id:
        resource["entity"].append(
            {
                "what": {"identifier": {"system": "urn:tailormed:patient", "value": event.patient_id}},
                "type": {
                    "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                    "code": "1",
                    "display": "Person",
                },
            }
        )
    if event.resource_id or event.resource:
        resource["entity"].append(
            {
                "what": {"display": f"{event.resource}/{event.resource_id or ''}".rstrip("/")},
                "type": {
                    "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                    "code": "2",
                    "display": "System Object",
                },
            }
        )
    resource["extension"] = [{"url": "urn:tailormed:audit-chain", "valueString": f"{event.seq}:{event.hash}"}]
    return resource


def fhir_bundle(events: Sequence[AuditEvent]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": datetime.now(UTC).isoformat(),
        "entry": [{"fullUrl": f"urn:tailormed:audit:{e.seq}", "resource": to_fhir(e)} for e in events],
    }


def iter_all(session: Session) -> Iterator[AuditEvent]:
    yield from session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000)
