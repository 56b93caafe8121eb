"""The audit chain: appends, verification, and detection of every kind of tampering with the raw rows."""

from __future__ import annotations

import asyncio
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from tailormed.security.audit import Actor, AuditAction, Entry, Nonce, Purpose, fhir_bundle
from tailormed.security.policy import Operation, Resource, Role, Subject
from tailormed.service.core import AuditUnavailableError, Platform, ReplayedCredentialError
from tailormed.store.config import StoreConfig
from tailormed.store.crypto import MasterKey
from tailormed.store.models import AuditEvent, UsedNonce

from .conftest import config_for

ALICE = Actor(name="alice", role="clinician", user_id="u-1", source="127.0.0.1")


def _append(platform: Platform, count: int) -> None:
    for i in range(count):
        with platform.db.transaction() as session:
            platform.audit.append(
                session,
                Entry(
                    actor=ALICE,
                    action=AuditAction.READ,
                    resource="care_plan",
                    purpose=Purpose.TREATMENT,
                    patient_id=f"p-{i % 3}",
                ),
            )


def _verify(platform: Platform) -> list[str]:
    with platform.db.read() as session:
        return platform.audit.verify(session).problems


def test_an_untouched_chain_verifies(platform: Platform) -> None:
    _append(platform, 6)
    with platform.db.read() as session:
        result = platform.audit.verify(session)
    assert result.ok and result.events == 6


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3",
        "UPDATE audit_events SET outcome = 'denied' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 3",
        "DELETE FROM audit_events WHERE seq = 6",
        "DELETE FROM audit_events WHERE seq = 1",
        "UPDATE audit_events SET patient_id = NULL WHERE seq = 5",
    ],
)
def test_editing_or_deleting_any_row_is_detected(platform: Platform, tamper: str) -> None:
    _append(platform, 6)
    with platform.db.transaction() as session:
        session.execute(text(tamper))
    assert _verify(platform)


def test_recomputing_a_plain_hash_does_not_hide_an_edit(platform: Platform) -> None:
    """The chain is keyed: someone with database access but no master key cannot re-forge the hashes."""
    import hashlib

    _append(platform, 3)
    with platform.db.transaction() as session:
        session.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
        forged = hashlib.sha256(b"mallory").hexdigest()
        session.execute(text("UPDATE audit_events SET hash = :h WHERE seq = 2"), {"h": forged})
        session.execute(text("UPDATE audit_events SET prev_hash = :h WHERE seq = 3"), {"h": forged})
    assert _verify(platform)


def test_events_export_as_fhir_audit_events(platform: Platform) -> None:
    _append(platform, 2)
    with platform.db.read() as session:
        bundle = fhir_bundle(platform.audit.events(session))
    resources = [e["resource"] for e in bundle["entry"]]
    assert {r["resourceType"] for r in resources} == {"AuditEvent"}
    first = resources[-1]
    assert first["action"] == "R" and first["outcome"] == "0"
    assert first["agent"][0]["who"]["display"] == "alice"
    assert first["agent"][0]["network"]["address"] == "127.0.0.1"
    assert first["purposeOfEvent"][0]["coding"][0]["code"] == "TREAT"
    assert any(e["what"].get("identifier", {}).get("value") == "p-0" for e in first["entity"])


def _count(platform: Platform) -> int:
    with platform.db.read() as session:
        return int(session.scalar(text("SELECT count(*) FROM audit_events")) or 0)


def _rename(platform: Platform, table: str, to: str) -> None:
    with platform.db.transaction() as session:
        session.execute(text(f"ALTER TABLE {table} RENAME TO {to}"))


def test_a_read_returns_only_once_its_event_is_committed_and_is_refused_when_it_cannot_be(
    platform: Platform,
) -> None:
    """Reads go through the group-commit writer and wait for their event's commit: when a read returns, its event
    is in the trail (no process death can lose it afterwards); when the trail cannot be written (here: its table
    is gone), the read is refused, and once it can, reads are answered again."""
    ehr = Subject(name="ehr", role=Role.CDS_CLIENT, scopes=("system/*.read",), source="127.0.0.1")
    platform.start_audit_writer()
    try:
        for count in range(1, 4):
            platform.record(ehr, Operation.READ, Resource.CARE_PLAN, "p-1")
            assert _count(platform) == count
        _rename(platform, "audit_events", "audit_events_away")
        try:
            with pytest.raises(AuditUnavailableError, match="the audit trail cannot be written"):
                platform.record(ehr, Operation.READ, Resource.CARE_PLAN, "p-1")
        finally:
            _rename(platform, "audit_events_away", "audit_events")
        platform.record(ehr, Operation.READ, Resource.CARE_PLAN, "p-1")
        assert _count(platform) == 4
        assert _verify(platform) == []
    finally:
        platform.stop_audit_writer()


def test_concurrent_reads_share_group_commits_and_keep_the_chain(platform: Platform) -> None:
    ehr = Subject(name="ehr", role=Role.CDS_CLIENT, scopes=("system/*.read",), source="127.0.0.1")
    platform.start_audit_writer()

    def reads(patient: int) -> None:
        for _ in range(25):
            platform.record(ehr, Operation.READ, Resource.CARE_PLAN, f"p-{patient}")

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(reads, range(8)))
    finally:
        platform.stop_audit_writer()
    assert _count(platform) == 200
    assert _verify(platform) == []


def test_calls_of_one_event_loop_round_share_the_first_commit(platform: Platform) -> None:
    """The first event of a burst does not go alone: calls that an event loop runs in one round (each reading the
    store before it hands in its event, as a CDS call does) all join the first group, committed once, in order."""
    ehr = Subject(name="ehr", role=Role.CDS_CLIENT, scopes=("system/*.read",), source="127.0.0.1")
    platform.start_audit_writer()
    writer = platform._writer
    assert writer is not None
    writer.ROUND_WAIT = 10.0  # the round's end, not the bound for a held-up loop, ends the wait (a loaded machine)

    async def burst(size: int) -> int:
        loop = asyncio.get_running_loop()
        wakes = 0
        threadsafe = loop.call_soon_threadsafe

        def counted(*args: Any, **kwargs: Any) -> Any:  # the writer's hand-overs to this loop
            nonlocal wakes
            wakes += 1
            return threadsafe(*args, **kwargs)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
        commits = [
            platform.read_access_deferred(ehr, Operation.READ, Resource.CARE_PLAN, f"p-{i}")[1] for i in range(size)
        ]
        await asyncio.gather(*(asyncio.wrap_future(commit) for commit in commits))
        return wakes

    try:
        for size in (1, 20, 60):
            time.sleep(0.2)  # the writer idle, waiting for events
            before = writer.commits
            assert asyncio.run(burst(size)) == 1, size  # the whole group completed in one callback on the loop
            assert writer.commits - before == 1, size
    finally:
        platform.stop_audit_writer()
    with platform.db.read() as session:
        patients = list(session.scalars(select(AuditEvent.patient_id).order_by(AuditEvent.seq)))
    assert patients == [f"p-{i}" for size in (1, 20, 60) for i in range(size)]
    assert _verify(platform) == []


def test_a_record_that_blocks_its_event_loop_still_gets_its_commit(platform: Platform) -> None:
    """A synchronous record made on an event loop (an async route's denial) blocks the loop until its commit: the
    writer must not wait for that loop's round to end, and the record returns."""
    ehr = Subject(name="ehr", role=Role.CDS_CLIENT, scopes=("system/*.read",), source="127.0.0.1")
    platform.start_audit_writer()

    async def blocking() -> None:
        platform.record(ehr, Operation.READ, Resource.CARE_PLAN, "p-1")
        commit = platform.read_access_deferred(ehr, Operation.READ, Resource.CARE_PLAN, "p-2")[1]
        platform.record(ehr, Operation.READ, Resource.CARE_PLAN, "p-3")  # the loop held up by a round still open
        await asyncio.wrap_future(commit)

    try:
        started = time.monotonic()
        asyncio.run(blocking())
        assert time.monotonic() - started < 5
    finally:
        platform.stop_audit_writer()
    assert _count(platform) == 3 and _verify(platform) == []


def _hold_chain_head(connection: Any, backend: str) -> None:
    """Take the write lock the audit writer needs (SQLite's database lock, PostgreSQL's chain-head row) in
    ``connection``'s open transaction, so that the writer's next group waits until it is rolled back."""
    if backend == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.execute(text("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE"))


def test_a_call_given_up_before_its_commit_does_not_stop_the_writer(platform: Platform, backend: str) -> None:
    """A call whose awaiting task is cancelled (its client gone) while its group waits for the write lock: the event
    is still committed, and the writer goes on committing the events that come after."""
    ehr = Subject(name="ehr", role=Role.CDS_CLIENT, scopes=("system/*.read",), source="127.0.0.1")
    platform.start_audit_writer()
    blocker = create_engine(platform.db.url, poolclass=NullPool)

    async def given_up(connection: Any) -> None:
        commit = platform.read_access_deferred(ehr, Operation.READ, Resource.CARE_PLAN, "p-1")[1]
        waiting = asyncio.ensure_future(asyncio.wrap_future(commit))
        await asyncio.sleep(0.3)
        waiting.cancel()
        await asyncio.sleep(0)
        connection.rollback()

    try:
        with blocker.connect() as connection:
            _hold_chain_head(connection, backend)
            asyncio.run(given_up(connection))
        platform.submit(ehr, Operation.READ, Resource.CARE_PLAN, "p-2").result(timeout=30)
    finally:
        blocker.dispose()
        platform.stop_audit_writer()
    assert _count(platform) == 2 and _verify(platform) == []


def test_a_burst_of_concurrent_audited_requests_takes_fewer_commits_than_calls(
    platform: Platform, store_config: StoreConfig
) -> None:
    """N CDS Hooks calls sent at once over N connections to a real server: every one answered and audited (N new
    events, numbered without a gap), in fewer than N commits, and the chain verifies."""
    import threading
    import uuid

    import httpx
    import uvicorn

    from tailormed.service.app import create_app
    from tailormed.service.settings import ServiceSettings

    calls = 40
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    settings = ServiceSettings(store=store_config, demo=True, run_worker=False, base_url=base)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, platform), host="127.0.0.1", port=port))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)

    def body() -> dict[str, object]:
        context = {"userId": "Practitioner/p-1", "patientId": "not-a-patient-here"}
        return {"hook": "patient-view", "hookInstance": str(uuid.uuid4()), "context": context}

    async def burst() -> tuple[list[int], int]:
        url = f"{base}/cds-services/tailormed-patient-summary"
        clients = [httpx.AsyncClient(timeout=60) for _ in range(calls)]
        try:
            for client in clients:  # connections opened (and the server warm) before the burst
                assert (await client.post(url, json=body())).status_code == 200
            writer = platform._writer
            assert writer is not None
            before = writer.commits
            answers = await asyncio.gather(*(client.post(url, json=body()) for client in clients))
            return [answer.status_code for answer in answers], writer.commits - before
        finally:
            for client in clients:
                await client.aclose()

    try:
        answered, commits = asyncio.run(burst())
    finally:
        server.should_exit = True
        thread.join(30)
    assert answered == [200] * calls
    with platform.db.read() as session:
        sequence = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
    assert sequence == list(range(1, 2 * calls + 1))
    assert commits < calls, commits
    assert _verify(platform) == []


def test_a_deferred_read_does_not_wait_for_the_commit_but_hands_it_back(platform: Platform, backend: str) -> None:
    """An event loop must not block on a commit: the deferred read returns at once with the commit still pending
    (here the chain head is locked by another transaction), and the commit completes once the lock is gone."""
    ehr = Subject(name="ehr", role=Role.CDS_CLIENT, scopes=("system/*.read",), source="127.0.0.1")
    platform.start_audit_writer()
    blocker = create_engine(platform.db.url, poolclass=NullPool)
    try:
        with blocker.connect() as connection:
            _hold_chain_head(connection, backend)
            started = time.monotonic()
            grant, committed = platform.read_access_deferred(ehr, Operation.READ, Resource.CARE_PLAN, "no-such-one")
            assert time.monotonic() - started < 1
            assert grant is None  # no such patient: denied, and the denial is what is committed
            time.sleep(0.3)
            assert not committed.done()
            connection.rollback()
        committed.result(timeout=30)
        assert _count(platform) == 1
    finally:
        blocker.dispose()
        platform.stop_audit_writer()


def test_a_nonce_is_accepted_once_whichever_way_its_event_is_written(platform: Platform) -> None:
    """A single-use credential is claimed in the transaction of its audit event, directly or through the
    group-commit writer; a second use is refused and audited as a denial; expired ones are cleared."""
    ehr = Subject(name="ehr", role=Role.CDS_CLIENT, scopes=("system/*.read",), source="127.0.0.1")
    soon = datetime.now(UTC) + timedelta(minutes=5)

    def use(value: str, expires: datetime = soon) -> None:
        nonce = Nonce(scope="https://ehr.example/", value=value, expires=expires)
        platform.submit(ehr, Operation.READ, Resource.CARE_PLAN, "p-1", nonce=nonce).result(timeout=30)

    use("jti a")
    with pytest.raises(ReplayedCredentialError, match="already used"):
        use("jti a")
    platform.start_audit_writer()
    try:
        use("jti b")
        for value in ("jti a", "jti b"):
            with pytest.raises(ReplayedCredentialError):
                use(value)
        past = datetime.now(UTC) - timedelta(minutes=1)
        use("jti c", past)
        use("jti c", past)  # expired: cleared before the next claim (an expired JWT is refused before this)
    finally:
        platform.stop_audit_writer()
    with pytest.raises(ReplayedCredentialError):
        use("jti b")
    with platform.db.read() as session:
        outcomes = [e.outcome for e in reversed(platform.audit.events(session))]
        assert outcomes == ["success", "denied", "success", "denied", "denied", "success", "success", "denied"]
        remaining = session.scalars(select(UsedNonce.value)).all()
    assert sorted(remaining) == ["jti a", "jti b"]
    assert _verify(platform) == []


def test_the_writer_replaces_a_connection_the_server_closed(tmp_path: Path) -> None:
    """PostgreSQL closes connections (restarts, idle timeouts, failovers): the writer finds its kept connection
    closed when the next group begins, before anything is written, and writes the group on a new one; no call is
    refused for it."""
    platform = Platform.open(config_for("postgresql", tmp_path), master=MasterKey.generate())
    ehr = Subject(name="ehr", role=Role.CDS_CLIENT, scopes=("system/*.read",), source="127.0.0.1")
    platform.start_audit_writer()
    try:
        platform.record(ehr, Operation.READ, Resource.CARE_PLAN, "p-1")
        admin = create_engine(platform.db.url, poolclass=NullPool)
        with admin.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
        admin.dispose()
        assert ended
        platform.record(ehr, Operation.READ, Resource.CARE_PLAN, "p-1")
        assert _count(platform) == 2
        assert _verify(platform) == []
    finally:
        platform.stop_audit_writer()
        platform.close()


def test_a_group_of_events_extends_the_chain_in_order(platform: Platform) -> None:
    entries = [
        Entry(actor=ALICE, action=AuditAction.READ, resource="care_plan", purpose=Purpose.TREATMENT, patient_id=p)
        for p in ("p-1", "p-2", "p-3", "p-4")
    ]
    _append(platform, 2)
    with platform.db.transaction() as session:
        assert platform.audit.append_many(session, entries) == [3, 4, 5, 6]
    with platform.db.read() as session:
        written = list(session.scalars(select(AuditEvent).where(AuditEvent.seq >= 3).order_by(AuditEvent.seq)))
    assert [e.patient_id for e in written] == ["p-1", "p-2", "p-3", "p-4"]
    assert [e.seq for e in written] == [3, 4, 5, 6]
    _append(platform, 1)
    assert _verify(platform) == []
    assert _count(platform) == 7


def test_a_group_claims_its_nonces_in_order_and_refuses_the_used_ones(platform: Platform) -> None:
    """One group (the writer's transaction: on PostgreSQL its claims go as one pipeline) with a nonce used before
    and one presented twice: the first presentation of each new nonce is claimed, every other one is a replay,
    and every entry is in the chain at its place."""
    soon = datetime.now(UTC) + timedelta(minutes=5)

    def entry(patient: str, value: str | None) -> Entry:
        nonce = Nonce(scope="https://ehr.example/", value=value, expires=soon) if value is not None else None
        return Entry(
            actor=ALICE,
            action=AuditAction.READ,
            resource="care_plan",
            purpose=Purpose.TREATMENT,
            patient_id=patient,
            nonce=nonce,
        )

    first = platform.audit.append_group(platform.db, [entry("p-0", "jti old")])
    assert first.replayed == frozenset()
    group = [
        entry("p-1", "jti x"),
        entry("p-2", "jti old"),
        entry("p-3", None),
        entry("p-4", "jti x"),
        entry("p-5", "jti y"),
    ]
    appended = platform.audit.append_group(platform.db, group)
    assert appended.replayed == {1, 3}
    assert appended.seqs == [2, 3, 4, 5, 6]
    with platform.db.read() as session:
        written = list(reversed(platform.audit.events(session)))
        claimed = sorted(session.scalars(select(UsedNonce.value)).all())
    assert [(e.patient_id, e.outcome) for e in written] == [
        ("p-0", "success"),
        ("p-1", "success"),
        ("p-2", "denied"),
        ("p-3", "success"),
        ("p-4", "denied"),
        ("p-5", "success"),
    ]
    assert claimed == ["jti old", "jti x", "jti y"]
    assert _verify(platform) == []
