"""One open platform: the database, the keyring, the repositories and the audit log, and the guarded access to them.

:meth:`Platform.access` is how every entry point (API route, CDS service, CLI command) reaches patient data: it
looks up the target's existence and consent, asks :func:`tailormed.security.policy.authorize`, and appends the
audit event — in the caller's transaction when allowed (so it commits with the work), in its own when denied (so
the attempt is recorded even though the request fails).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from tailormed.errors import AccessDeniedError, TailormedError
from tailormed.security.audit import Actor, AuditAction, AuditLog, Entry, Nonce, Outcome, Purpose, as_replay
from tailormed.security.consent import Category, ConsentDecision, ConsentState, Decision
from tailormed.security.policy import Grant, Operation, Resource, Role, Subject, Target, authorize
from tailormed.store import migrate
from tailormed.store.config import StoreConfig
from tailormed.store.crypto import MasterKey, load_master_key
from tailormed.store.db import Database
from tailormed.store.keys import Keyring
from tailormed.store.models import ConsentRow, User
from tailormed.store.repo import Repository

_log = logging.getLogger(__name__)

MASTER_KEY_SETTING = "master_key_id"

_AUDIT_ACTION = {
    Operation.READ: AuditAction.READ,
    Operation.LIST: AuditAction.READ,
    Operation.EXPORT: AuditAction.READ,
    Operation.CREATE: AuditAction.CREATE,
    Operation.UPDATE: AuditAction.UPDATE,
    Operation.DELETE: AuditAction.DELETE,
    Operation.ANALYZE: AuditAction.EXECUTE,
}
_PURPOSE = {
    Role.PATIENT: Purpose.PATIENT_REQUEST,
    Role.CLINICIAN: Purpose.TREATMENT,
    Role.GENETIC_COUNSELLOR: Purpose.TREATMENT,
    Role.CDS_CLIENT: Purpose.TREATMENT,
    Role.RESEARCHER: Purpose.RESEARCH,
    Role.ADMIN: Purpose.OPERATIONS,
}


def actor_of(subject: Subject) -> Actor:
    return Actor(name=subject.name, role=subject.role.value, user_id=subject.user_id, source=subject.source)


def purpose_of(subject: Subject) -> Purpose:
    return _PURPOSE[subject.role]


@dataclass
class Platform:
    """Everything an entry point needs to read and write the store safely."""

    db: Database
    keyring: Keyring
    repo: Repository
    audit: AuditLog
    _local: threading.local = field(default_factory=threading.local)
    _writer: AuditWriter | None = None

    @classmethod
    def open(cls, config: StoreConfig, *, master: MasterKey | None = None, initialize: bool = True) -> Platform:
        """Open the store ``config`` names; with ``initialize``, migrate it to the current schema first."""
        db = Database.open(config)
        keyring = Keyring(master or load_master_key(config))
        platform = cls(db=db, keyring=keyring, repo=Repository(keyring), audit=AuditLog(keyring))
        if initialize:
            platform.initialize()
        return platform

    def initialize(self) -> None:
        """Migrate to the current schema, create the audit key, and check that the master key is this store's."""
        migrate.upgrade(self.db)
        with self.db.transaction() as session:
            known = self.repo.setting(session, MASTER_KEY_SETTING)
            if known is None:
                self.repo.set_setting(session, MASTER_KEY_SETTING, self.keyring.master.key_id)
            elif known != self.keyring.master.key_id:
                from tailormed.errors import InputError

                raise InputError(
                    f"this database's data is wrapped by master key {known}, but the key in use is "
                    f"{self.keyring.master.key_id}; set TAILORMED_MASTER_KEY or TAILORMED_KEY_FILE to its key",
                    source=self.db.url.split("@")[-1],
                )
            self.audit.ensure_key(session)

    def close(self) -> None:
        self.db.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction for guarded work: an access denied inside it is audited after it rolls back."""
        pending = self._pending()
        pending.clear()
        try:
            with self.db.transaction() as session:
                yield session
        finally:
            if pending:
                entries = list(pending)
                pending.clear()
                with self.db.transaction() as session:
                    for entry in entries:
                        self.audit.append(session, entry)

    def _pending(self) -> list[Entry]:
        found: list[Entry] | None = getattr(self._local, "pending", None)
        if found is None:
            found = []
            self._local.pending = found
        return found

    # -- subjects ------------------------------------------------------------------------------------------

    def subject_for(self, session: Session, user: User, *, scopes: tuple[str, ...], source: str | None) -> Subject:
        role = Role(user.role)
        team = (
            frozenset(self.repo.team_patients(session, user.id))
            if role in (Role.CLINICIAN, Role.GENETIC_COUNSELLOR)
            else frozenset()
        )
        return Subject(
            name=user.username,
            role=role,
            user_id=user.id,
            patient_id=user.patient_id,
            team_patients=team,
            scopes=scopes,
            source=source,
        )

    # -- consent -------------------------------------------------------------------------------------------

    def consent_state(self, session: Session, patient_id: str) -> ConsentState:
        return ConsentState.from_decisions(decision_of(row) for row in self.repo.consents(session, patient_id))

    # -- guarded access ------------------------------------------------------------------------------------

    def target(
        self, session: Session, resource: Resource, patient_id: str | None, *, duo_code: str | None = None
    ) -> Target:
        if patient_id is None:
            return Target(resource=resource, duo_code=duo_code)
        exists = self.repo.patient_exists(session, patient_id)
        consent = self.consent_state(session, patient_id) if exists else None
        return Target(resource=resource, patient_id=patient_id, consent=consent, exists=exists, duo_code=duo_code)

    def access(
        self,
        session: Session,
        subject: Subject,
        operation: Operation,
        resource: Resource,
        patient_id: str | None = None,
        *,
        resource_id: str | None = None,
        detail: str | None = None,
        duo_code: str | None = None,
    ) -> Grant:
        """Authorize and audit one access, inside :meth:`transaction`; a denial is re-raised and audited by it."""
        target = self.target(session, resource, patient_id, duo_code=duo_code)
        try:
            grant = authorize(subject, operation, target)
        except AccessDeniedError as exc:
            # Recorded by transaction() once this transaction (and its write lock) is gone.
            self._pending().append(
                Entry(
                    actor=actor_of(subject),
                    action=_AUDIT_ACTION[operation],
                    resource=resource.value,
                    purpose=purpose_of(subject),
                    outcome=Outcome.DENIED,
                    resource_id=resource_id,
                    patient_id=patient_id,
                    detail=exc.message,
                )
            )
            raise
        self.audit.append(
            session,
            Entry(
                actor=actor_of(subject),
                action=_AUDIT_ACTION[operation],
                resource=resource.value,
                purpose=purpose_of(subject),
                resource_id=resource_id,
                patient_id=patient_id,
                detail=detail,
            ),
        )
        return grant

    def read_access_deferred(
        self,
        subject: Subject,
        operation: Operation,
        resource: Resource,
        patient_id: str | None = None,
        *,
        resource_id: str | None = None,
        detail: str | None = None,
        target: Target | None = None,
        nonce: Nonce | None = None,
    ) -> tuple[Grant | None, Commit]:
        """Authorize a read and hand its audit event to the group-commit writer, for a caller that must not block
        (an event loop): the grant (None: denied) and the commit of the event, allowed or denied, which the
        caller awaits before it answers. ``target``: what the caller already read of the patient (existence and
        consent, checked against the store in the same request); ``nonce``: the caller's single-use credential,
        claimed with the event (a replay fails the future with :class:`ReplayedCredentialError`)."""
        if target is None:
            with self.db.read() as session:
                target = self.target(session, resource, patient_id)
        try:
            grant = authorize(subject, operation, target)
        except AccessDeniedError as exc:
            denied = self.submit(
                subject,
                operation,
                resource,
                patient_id,
                outcome=Outcome.DENIED,
                detail=exc.message,
                nonce=nonce,
                awaited=True,
            )
            return None, denied
        committed = self.submit(
            subject, operation, resource, patient_id, resource_id=resource_id, detail=detail, nonce=nonce, awaited=True
        )
        return grant, committed

    def check(
        self,
        subject: Subject,
        operation: Operation,
        resource: Resource,
        patient_id: str | None = None,
        *,
        target: Target | None = None,
    ) -> Grant:
        """Authorize without writing anything yet (before reading a large body, say); a denial is audited.

        The allowed access is audited later by :meth:`access`, in the transaction that does the work."""
        if target is None:
            with self.db.read() as session:
                target = self.target(session, resource, patient_id)
        try:
            return authorize(subject, operation, target)
        except AccessDeniedError as exc:
            self.record(subject, operation, resource, patient_id, outcome=Outcome.DENIED, detail=exc.message)
            raise

    def start_audit_writer(self) -> None:
        """Write read-audit events through one thread that commits them in groups (the service does this): under
        many concurrent readers one short transaction carries many events, instead of each request queueing for
        the write lock. Each caller still returns only once its event is committed."""
        if self._writer is None:
            self._writer = AuditWriter(self)
            self._writer.start()

    def stop_audit_writer(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None

    def record(
        self,
        subject: Subject,
        operation: Operation,
        resource: Resource,
        patient_id: str | None,
        *,
        resource_id: str | None = None,
        outcome: Outcome = Outcome.SUCCESS,
        detail: str | None = None,
    ) -> None:
        """Append one audit event in a transaction of its own (denials, failures, events with no data write);
        returns once it is committed (:class:`AuditUnavailableError` when it could not be, so nothing is answered
        whose access is not in the trail)."""
        committed = self.submit(
            subject, operation, resource, patient_id, resource_id=resource_id, outcome=outcome, detail=detail
        )
        committed.result()

    def submit(
        self,
        subject: Subject,
        operation: Operation,
        resource: Resource,
        patient_id: str | None,
        *,
        resource_id: str | None = None,
        outcome: Outcome = Outcome.SUCCESS,
        detail: str | None = None,
        nonce: Nonce | None = None,
        awaited: bool = False,
    ) -> Commit:
        """:meth:`record` without waiting: the event's commit, which the caller must see done before it answers.
        Through the group-commit writer (when started) the event shares its commit with the events of concurrent
        calls; without it the event is committed before this returns. ``awaited``: see :meth:`AuditWriter.submit`."""
        entry = Entry(
            actor=actor_of(subject),
            action=_AUDIT_ACTION[operation],
            resource=resource.value,
            purpose=purpose_of(subject),
            outcome=outcome,
            resource_id=resource_id,
            patient_id=patient_id,
            detail=detail,
            nonce=nonce,
        )
        if self._writer is not None:
            return self._writer.submit(entry, awaited=awaited)
        done: Future[None] = Future()
        with self.db.transaction() as session:
            fresh = nonce is None or self.audit.claim(session, nonce)
            self.audit.append(session, replace(entry, nonce=None) if fresh else as_replay(entry))
        if fresh:
            done.set_result(None)
        else:
            done.set_exception(_replay_error(entry))
        return done


class AuditUnavailableError(TailormedError):
    """The audit trail cannot be written, so no patient data is served (answered as 503)."""


class ReplayedCredentialError(TailormedError):
    """A single-use credential (a CDS client JWT's ``jti``) was presented again (answered as 401)."""


def _replay_error(entry: Entry) -> ReplayedCredentialError:
    nonce = entry.nonce
    used = f"{nonce.value} from {nonce.scope}" if nonce is not None else "this credential"
    return ReplayedCredentialError(f"the JWT was already used ({used}): every call needs a fresh one")


def decision_of(row: ConsentRow) -> ConsentDecision:
    return ConsentDecision(
        id=row.id,
        patient_id=row.patient_id,
        category=Category(row.category),
        decision=Decision(row.decision),
        duo_codes=tuple(row.duo_codes or ()),
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
    )


Commit = Future[None] | asyncio.Future[None]
"""An audit event's commit: a thread's :class:`concurrent.futures.Future`, or a future of the event loop that awaits
it (completed on that loop, for all the group's calls at once)."""


@dataclass
class _Queued:
    entry: Entry
    committed: Commit
    loop: asyncio.AbstractEventLoop | None = None


class AuditWriter:
    """Group commit for audit events: callers hand in events (:meth:`submit`) and wait for their commit before they
    answer; one thread commits whatever has queued up meanwhile in one transaction (one multi-row INSERT and one
    move of the chain head) and completes their futures. Under many concurrent readers one short transaction
    carries many events, instead of each request queueing for the write lock, and no read is answered before its
    event is in the trail: a caller whose group cannot be committed gets :class:`AuditUnavailableError` (503)
    instead of the data.

    Events handed in while a group is being committed form the next group. A caller that awaits its commit on an
    event loop (``awaited``) also lets the writer wait for the end of the loop's current round (``call_soon``; no
    longer than :attr:`ROUND_WAIT` seconds after the last event came, should the loop be held up), so that the calls
    that arrived together, which the loop is running, join the first group instead of waiting behind a group of
    one. The order of the queue is the order of the chain, and a group is taken whole from its head, so no event is
    dropped or overtaken."""

    MAX_GROUP = 500
    ROUND_WAIT = 0.02

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._queue: list[_Queued] = []
        self._cond = threading.Condition()
        self._stopped = False
        self._round_open = False
        self._last_event = 0.0
        self.commits = 0
        """Groups committed so far."""
        self._thread = threading.Thread(target=self._run, name="tailormed-audit", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Commit what is queued, then end the thread."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._thread.join(30)

    def submit(self, entry: Entry, *, awaited: bool = False) -> Commit:
        """Queue ``entry``; the future completes once it is committed, or fails with
        :class:`AuditUnavailableError`. ``awaited``: the caller awaits it on the running event loop (the future is
        then that loop's), never blocks that loop on it."""
        loop: asyncio.AbstractEventLoop | None = None
        if awaited:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
        queued = _Queued(entry, Future() if loop is None else loop.create_future(), loop)
        with self._cond:
            if self._stopped:
                raise AuditUnavailableError("the audit trail cannot be written: the service is stopping")
            self._queue.append(queued)
            self._last_event = time.monotonic()
            if loop is not None and not self._round_open:
                self._round_open = True
                loop.call_soon(self._round_ended)
            if len(self._queue) == 1:  # the writer waits only on an empty queue
                self._cond.notify()
        return queued.committed

    def _round_ended(self) -> None:
        with self._cond:
            self._round_open = False
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopped:
                    self._cond.wait()
                while self._round_open and not self._stopped:
                    left = self._last_event + self.ROUND_WAIT - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if not self._queue:
                    return
                group, self._queue = self._queue[: self.MAX_GROUP], self._queue[self.MAX_GROUP :]
            try:
                appended = self.platform.audit.append_group(self.platform.db, [queued.entry for queued in group])
            except BaseException as exc:
                _log.error("audit trail: a group of %d event(s) could not be written: %s", len(group), exc)
                _complete(group, [_unavailable(exc) for _ in group])
                continue
            self.commits += 1
            _complete(group, [_replay_error(q.entry) if p in appended.replayed else None for p, q in enumerate(group)])


def _unavailable(cause: BaseException) -> AuditUnavailableError:
    refused = AuditUnavailableError(f"the audit trail cannot be written: {cause}")
    refused.__cause__ = cause
    return refused


def _complete(group: list[_Queued], problems: list[BaseException | None]) -> None:
    """Complete the group's futures (``problems``: each one's exception, None for done): a thread's at once, an
    event loop's in one callback on that loop for all of its calls (not one wake-up of the loop per call)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], BaseException | None]]] = {}
    for queued, problem in zip(group, problems, strict=True):
        if queued.loop is None:
            _settle(queued.committed, problem)
        else:
            assert isinstance(queued.committed, asyncio.Future)
            by_loop.setdefault(queued.loop, []).append((queued.committed, problem))
    for loop, calls in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a loop closed meanwhile: nobody awaits its calls any more
            loop.call_soon_threadsafe(_settle_all, calls)


def _settle_all(calls: list[tuple[asyncio.Future[None], BaseException | None]]) -> None:
    for future, problem in calls:
        _settle(future, problem)


def _settle(future: Commit, problem: BaseException | None) -> None:
    if future.done():  # cancelled: its caller is gone
        return
    if problem is None:
        future.set_result(None)
    else:
        future.set_exception(problem)
