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
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.orm import Session

from tailormed.store.crypto import new_data_key
from tailormed.store.db import Database, DriverStatement, DriverWriter
from tailormed.store.keys import Keyring
from tailormed.store.models import AuditEvent, AuditHead, DataKey, UsedNonce

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
class Nonce:
    """A single-use value an access presented (a CDS client JWT's issuer and ``jti``), claimed in the transaction
    that records the access: claimed again, by any server process, before it expires, it is a replay."""

    scope: str
    value: str
    expires: datetime


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
    nonce: Nonce | None = None
    """Claimed with the event (not itself part of it); a replayed one turns the event into a denial."""


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


def _hash(key: bytes, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def chain_hash(key: bytes, event: AuditEvent) -> str:
    return _hash(key, _fields(event))


_EVENTS = cast(Table, AuditEvent.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_NONCES = cast(Table, UsedNonce.__table__)


def _rows(
    key: bytes, seq: int, previous: str, entries: Sequence[Entry], at: datetime | None
) -> list[dict[str, Any]]:
    """The rows of ``entries`` chained after event ``seq`` whose hash is ``previous``."""
    rows = []
    for entry in entries:
        seq += 1
        moment = (at or datetime.now(UTC)).astimezone(UTC)
        actor = entry.actor
        fields: dict[str, Any] = {
            "seq": seq,
            "at": moment.isoformat(timespec="microseconds"),
            "actor_id": actor.user_id,
            "actor": actor.name,
            "role": actor.role,
            "action": entry.action.value,
            "resource": entry.resource,
            "resource_id": entry.resource_id,
            "patient_id": entry.patient_id,
            "purpose": entry.purpose.value,
            "source": actor.source,
            "outcome": entry.outcome.value,
            "detail": entry.detail,
            "prev_hash": previous,
        }
        previous = _hash(key, fields)
        fields["at"] = moment
        fields["hash"] = previous
        rows.append(fields)
    return rows


@dataclass(frozen=True)
class _GroupStatements:
    """The group-commit writer's connection and statements for one database."""

    db: Database
    writer: DriverWriter
    head: DriverStatement
    insert: DriverStatement
    move: DriverStatement
    claim: DriverStatement
    expire: DriverStatement


@dataclass(frozen=True)
class Appended:
    """What a group append wrote: the events' sequence numbers, and which entries (by position) presented a nonce
    already used (written as denials)."""

    seqs: list[int]
    replayed: frozenset[int]


def _claim_statement(dialect: str) -> Any:
    """INSERT of a nonce that does nothing when it is already there; it returns a row only when it inserted one."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(_NONCES).on_conflict_do_nothing().returning(_NONCES.c.value)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(_NONCES).on_conflict_do_nothing().returning(_NONCES.c.value)


def _claim_all(cursor: Any, claim: DriverStatement, nonces: Sequence[Nonce], dialect: str) -> list[bool]:
    """Claim ``nonces`` in order on a driver cursor; for each, whether it was new (False: used before, or earlier
    in the same list). PostgreSQL gets them as one pipeline, one round trip for the group instead of one each."""
    values = [claim.bind({"scope": n.scope, "value": n.value, "expires_at": n.expires}) for n in nonces]
    if dialect == "postgresql":
        cursor.executemany(claim.sql, values, returning=True)
        claimed = []
        while True:
            claimed.append(cursor.fetchone() is not None)
            if not cursor.nextset():
                return claimed
    claimed = []
    for bound in values:
        cursor.execute(claim.sql, bound)
        claimed.append(cursor.fetchone() is not None)
    return claimed


def as_replay(entry: Entry) -> Entry:
    """``entry`` as the denial it becomes when its nonce was used before."""
    nonce = entry.nonce
    assert nonce is not None
    refusal = f"refused: {nonce.value} from {nonce.scope} was already used"
    detail = f"{entry.detail}; {refusal}" if entry.detail else refusal
    return replace(entry, outcome=Outcome.DENIED, detail=detail, nonce=None)


class AuditLog:
    """Appends to and reads the chain of one store."""

    def __init__(self, keyring: Keyring) -> None:
        self.keys = keyring
        self._key: tuple[str, bytes] | None = None
        self._statements: _GroupStatements | None = None

    def key(self, session: Session) -> bytes:
        """The chain's key (read once per master key)."""
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

    def append(self, session: Session, entry: Entry, *, at: datetime | None = None) -> int:
        """Add one event in the caller's transaction (it commits or rolls back with the work it records); its
        sequence number."""
        return self.append_many(session, [entry], at=at)[0]

    def append_many(self, session: Session, entries: Sequence[Entry], *, at: datetime | None = None) -> list[int]:
        """Add events, in order, in the caller's transaction; their sequence numbers. The chain head is locked,
        read and moved once, so a group of events costs one read and one write of the head, and the events are
        plain rows in one multi-row INSERT (written once, never changed: no ORM objects are made for them)."""
        if not entries:
            return []
        entries = [self._claim_in_session(session, entry) for entry in entries]
        key = self.key(session)
        head = session.execute(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID).with_for_update()).one()
        rows = _rows(key, int(head.seq), str(head.hash), entries, at)
        session.execute(_EVENTS.insert(), rows)
        session.execute(_HEAD.update().where(_HEAD.c.id == HEAD_ID).values(seq=rows[-1]["seq"], hash=rows[-1]["hash"]))
        return [row["seq"] for row in rows]

    def claim(self, session: Session, nonce: Nonce) -> bool:
        """Record ``nonce`` as used in the caller's transaction; False: it was used before (a replay)."""
        dialect = session.get_bind().dialect.name
        session.execute(delete(_NONCES).where(_NONCES.c.expires_at < datetime.now(UTC)))
        claimed = session.execute(
            _claim_statement(dialect).values(scope=nonce.scope, value=nonce.value, expires_at=nonce.expires)
        )
        return claimed.first() is not None

    def _claim_in_session(self, session: Session, entry: Entry) -> Entry:
        if entry.nonce is None or self.claim(session, entry.nonce):
            return entry
        return as_replay(entry)

    def append_group(self, db: Database, entries: Sequence[Entry]) -> Appended:
        """:meth:`append_many` in a transaction of its own on a driver connection the calling thread keeps for it
        (:class:`~tailormed.store.db.DriverWriter`): the service's group-commit writer calls this for every group,
        and the pool, the ORM session and SQLAlchemy's per-statement work cost several times the writes. Nonces
        are claimed in the same transaction; an entry whose nonce was used before is written as a denial."""
        if not entries:
            return Appended([], frozenset())
        statements = self._group_statements(db)
        if self._key is None or self._key[0] != self.keys.master.key_id:
            with db.read() as session:
                self.key(session)
        assert self._key is not None
        key = self._key[1]
        replayed: set[int] = set()
        with statements.writer.transaction() as cursor:
            presented = [(position, entry.nonce) for position, entry in enumerate(entries) if entry.nonce is not None]
            if presented:
                cursor.execute(statements.expire.sql, statements.expire.bind({"now": datetime.now(UTC)}))
                claimed = _claim_all(cursor, statements.claim, [nonce for _, nonce in presented], db.dialect)
                replayed = {position for (position, _), fresh in zip(presented, claimed, strict=True) if not fresh}
                entries = [as_replay(entry) if p in replayed else entry for p, entry in enumerate(entries)]
            cursor.execute(statements.head.sql, statements.head.bind({}))
            seq, previous = cursor.fetchone()
            rows = _rows(key, int(seq), str(previous), entries, None)
            cursor.executemany(statements.insert.sql, [statements.insert.bind(row) for row in rows])
            cursor.execute(
                statements.move.sql, statements.move.bind({"new_seq": rows[-1]["seq"], "new_hash": rows[-1]["hash"]})
            )
        return Appended([row["seq"] for row in rows], frozenset(replayed))

    def _group_statements(self, db: Database) -> _GroupStatements:
        found = self._statements
        if found is None or found.db is not db:
            writer = db.driver_writer()
            found = _GroupStatements(
                db=db,
                writer=writer,
                head=writer.compile(select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID).with_for_update()),
                insert=writer.compile(_EVENTS.insert(), column_keys=[c.name for c in _EVENTS.columns]),
                move=writer.compile(
                    _HEAD.update()
                    .where(_HEAD.c.id == HEAD_ID)
                    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
                ),
                claim=writer.compile(
                    _claim_statement(db.engine.dialect.name), column_keys=["scope", "value", "expires_at"]
                ),
                expire=writer.compile(delete(_NONCES).where(_NONCES.c.expires_at < bindparam("now"))),
            )
            self._statements = found
        return found

    def verify(self, session: Session) -> VerifyResult:
        """Walk the whole chain; every break is listed (at most the first 20)."""
        key = self.key(session)
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
