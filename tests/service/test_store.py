"""The store: migrations from an empty database, encryption at rest, key rotation, erasure, transactions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tailormed.demo import demo_record
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.careplan import CarePlan
from tailormed.pipeline.plausible import plausibility
from tailormed.service.core import Platform
from tailormed.store import migrate
from tailormed.store.config import StoreConfig
from tailormed.store.crypto import DecryptionError, MasterKey
from tailormed.store.models import Base

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))


def test_migrations_build_the_models_schema_from_an_empty_database(platform: Platform) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert migrate.current_revision(platform.db) == migrate.head_revision()
    with platform.db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diffs == []
    tables = set(inspect(platform.db.engine).get_table_names())
    assert {"patients", "genome_uploads", "analyses", "care_plans", "reports", "consents", "audit_events"} <= tables


def test_migrations_go_down_to_empty_and_up_again(platform: Platform) -> None:
    migrate.downgrade(platform.db, "base")
    assert set(inspect(platform.db.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(platform.db)
    assert migrate.current_revision(platform.db) == migrate.head_revision()


def _patient():  # type: ignore[no-untyped-def]
    return load_record(demo_record("demo-01-hale"), RANGES)


def test_raw_tables_hold_no_clear_text_record_genome_or_plan(platform: Platform) -> None:
    patient = _patient()
    vcf = demo_record("demo-01-hale").with_name("demo-01-hale.vcf").read_bytes()
    plan = CarePlan(
        patient_id=patient.id,
        generated_at="2026-01-01T00:00:00Z",
        tailormed_version="test",
        inputs={"note": "CYP2C19 *2/*2 Poor Metabolizer clopidogrel"},
    )
    with platform.db.transaction() as session:
        platform.repo.create_patient(session, patient, kind="record", created_by=None)
        platform.repo.add_genome(
            session,
            patient.id,
            kind="vcf",
            filename="hale.vcf",
            content=vcf,
            evidence=b'{"genotype": "rs4244285 A/A"}',
            summary={},
            created_by=None,
        )
        platform.repo.save_plan(
            session, patient.id, plan, {"report.html": ("text/html", b"<p>Poor Metabolizer</p>")}, analysis_id=None
        )
    dump = _raw_dump(platform)
    for needle in (
        b"##fileformat=VCF",
        b"94781859",
        b"Robert Hale",
        b"1968-03-14",
        b"Poor Metabolizer",
        b"clopidogrel",
        b"rs4244285",
        b"A/A",
    ):
        assert needle not in dump, needle
    with platform.db.read() as session:
        entry = platform.repo.load_patient(session, patient.id)
        assert entry is not None and entry.patient == patient
        stored = platform.repo.latest_plan(session, patient.id)
        assert stored is not None and stored.plan == plan
        genome = platform.repo.genomes(session, patient.id)[0]
        assert platform.repo.genome_content(session, genome) == vcf


def _raw_dump(platform: Platform) -> bytes:
    """Every value of every row of every table, as bytes, read with plain SQL."""
    chunks: list[bytes] = []
    with platform.db.engine.connect() as connection:
        for table in inspect(platform.db.engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode())
    return b"\n".join(chunks)


def test_key_rotation_keeps_every_record_readable_and_the_old_key_useless(
    platform: Platform, store_config: StoreConfig
) -> None:
    patient = _patient()
    with platform.db.transaction() as session:
        platform.repo.create_patient(session, patient, kind="record", created_by=None)
    old = platform.keyring.master
    new = MasterKey.generate()
    with platform.db.transaction() as session:
        assert platform.keyring.rotate(session, new) >= 2  # the patient's key and the audit key
        platform.repo.set_setting(session, "master_key_id", new.key_id)
    reopened = Platform.open(store_config, master=new)
    with reopened.db.read() as session:
        entry = reopened.repo.load_patient(session, patient.id)
        assert entry is not None and entry.patient.id == patient.id
    with pytest.raises(Exception, match="master key"):
        Platform.open(store_config, master=old)
    reopened.close()


def test_erasure_deletes_the_data_and_its_key(platform: Platform) -> None:
    patient = _patient()
    with platform.db.transaction() as session:
        platform.repo.create_patient(session, patient, kind="record", created_by=None)
        platform.repo.add_consent(session, patient.id, "clinical", "permit", [], None)
    with platform.db.transaction() as session:
        counts = platform.repo.erase_patient(session, patient.id)
    assert counts["patients"] == 1 and counts["consents"] == 1
    with platform.db.read() as session:
        assert not platform.repo.patient_exists(session, patient.id)
        keys = session.execute(text("SELECT id FROM data_keys")).scalars().all()
    assert keys == ["audit-chain"]


def test_a_failed_write_leaves_nothing_behind(platform: Platform) -> None:
    patient = _patient()
    with pytest.raises(RuntimeError), platform.db.transaction() as session:
        platform.repo.create_patient(session, patient, kind="record", created_by=None)
        platform.repo.add_genome(
            session, patient.id, kind="vcf", filename="x.vcf", content=b"x", evidence=None, summary={}, created_by=None
        )
        raise RuntimeError("interrupted upload")
    with platform.db.read() as session:
        assert not platform.repo.patient_exists(session, patient.id)
        assert session.execute(text("SELECT count(*) FROM genome_uploads")).scalar() == 0


def test_a_ciphertext_moved_to_another_row_does_not_decrypt(platform: Platform) -> None:
    first = _patient()
    second = first.model_copy(update={"id": "other-patient"})
    with platform.db.transaction() as session:
        platform.repo.create_patient(session, first, kind="record", created_by=None)
        platform.repo.create_patient(session, second, kind="record", created_by=None)
    with platform.db.transaction() as session:
        blob = session.execute(text("SELECT record_enc FROM patients WHERE id = :i"), {"i": first.id}).scalar()
        session.execute(text("UPDATE patients SET record_enc = :b WHERE id = :i"), {"b": blob, "i": second.id})
    with platform.db.read() as session, pytest.raises(DecryptionError):
        platform.repo.load_patient(session, second.id)


def test_record_round_trips_dates(platform: Platform) -> None:
    patient = _patient()
    with platform.db.transaction() as session:
        platform.repo.create_patient(session, patient, kind="record", created_by=None)
    with platform.db.read() as session:
        entry = platform.repo.load_patient(session, patient.id)
    assert entry is not None
    assert entry.patient.demographics.birth_date == date(1968, 3, 14)
    assert json.loads(entry.patient.model_dump_json())["id"] == "demo-01-hale"


def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    config = StoreConfig.in_folder(tmp_path / "store")
    platform = Platform.open(config, master=MasterKey.generate())
    with platform.db.transaction() as session:
        hale = load_record(demo_record("demo-01-hale"), RANGES)
        platform.repo.create_patient(session, hale, kind="record", created_by=None)
    try:
        modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "store").iterdir()}
        assert "tailormed.db-wal" in modes
        assert modes == dict.fromkeys(modes, 0o600)
    finally:
        platform.close()


def test_sqlite_commits_are_durable_across_a_power_loss(tmp_path: Path) -> None:
    """WAL mode rolls back the last commits after a power loss unless the WAL is synced at every commit (FULL);
    every connection of the store, the kept driver connections included, gets it."""
    platform = Platform.open(StoreConfig.in_folder(tmp_path), master=MasterKey.generate())
    try:
        with platform.db.read() as session:
            assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        with platform.db.transaction() as session:
            assert session.execute(text("PRAGMA synchronous")).scalar() == 2
        writer = platform.db.driver_writer()
        with writer.transaction() as cursor:
            cursor.execute("PRAGMA synchronous")
            assert cursor.fetchone() == (2,)
    finally:
        platform.close()


def test_sqlite_audit_writers_of_several_processes_take_turns_without_polling(tmp_path: Path) -> None:
    """A kept-connection writer waits for its turn on the lock file beside the database (held here as another
    server process's writer would hold it) before it takes SQLite's write lock, and goes ahead as soon as the turn
    is free, instead of sleeping in SQLite's busy handler."""
    import fcntl
    import os
    import sqlite3
    import threading
    import time

    from tailormed.store.db import WriterTurns

    platform = Platform.open(StoreConfig.in_folder(tmp_path), master=MasterKey.generate())
    lock = os.open(tmp_path / f"tailormed.db{WriterTurns.SUFFIX}", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # the other process's writer has its turn
    writer = platform.db.driver_writer()
    done = threading.Event()

    def write() -> None:
        with writer.transaction() as cursor:
            cursor.execute("UPDATE audit_head SET seq = seq")
        done.set()

    thread = threading.Thread(target=write)
    try:
        thread.start()
        assert not done.wait(0.5)  # waiting for its turn ...
        probe = sqlite3.connect(tmp_path / "tailormed.db", timeout=0)
        probe.isolation_level = None
        probe.execute("BEGIN IMMEDIATE")  # ... without holding SQLite's write lock meanwhile
        probe.execute("ROLLBACK")
        probe.close()
        released = time.monotonic()
        fcntl.flock(lock, fcntl.LOCK_UN)
        assert done.wait(5)
        assert time.monotonic() - released < 0.5
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
        thread.join(5)
        platform.close()
    assert (tmp_path / f"tailormed.db{WriterTurns.SUFFIX}").stat().st_mode & 0o777 == 0o600
