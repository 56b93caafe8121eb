"""The store's command line as an operator runs it: `db backup` / `db restore` (checked and signed), `db rotate-key`,
`audit verify` / `audit export`, `export research` — on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from typer.testing import CliRunner

from tailormed.cli.app import app
from tailormed.errors import TailormedError
from tailormed.model.patient import Sex
from tailormed.service.core import Platform
from tailormed.store.config import DATABASE_URL_ENV, KEY_FILE_ENV, MASTER_KEY_ENV, StoreConfig, sqlite_url
from tailormed.store.crypto import MasterKey, write_key_file

from .conftest import config_for
from .test_research_export import _person, _store

runner = CliRunner()


@dataclass(frozen=True)
class Run:
    exit_code: int
    output: str
    """What the command printed, or the error line the entry point prints for a user error."""


def _run(monkeypatch: pytest.MonkeyPatch, config: StoreConfig, *args: str) -> Run:
    """One command with the store configured by the environment, as an operator runs it; a user error leaves with
    its exit code and message, as :func:`tailormed.cli.main` turns it into (tested in tests/cli)."""
    monkeypatch.setenv(DATABASE_URL_ENV, config.database_url)
    monkeypatch.setenv(KEY_FILE_ENV, str(config.key_file))
    monkeypatch.delenv(MASTER_KEY_ENV, raising=False)
    result = runner.invoke(app, list(args))
    if isinstance(result.exception, TailormedError):
        return Run(result.exception.exit_code, str(result.exception))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return Run(result.exit_code, result.output)


def _target(backend: str, tmp_path: Path, source: StoreConfig, name: str) -> StoreConfig:
    """An empty database for a restore, under the source's master key."""
    if backend == "sqlite":
        return replace(source, database_url=sqlite_url(tmp_path / f"{name}.db"))
    return replace(config_for("postgresql", tmp_path, database=f"tailormed_test_{name}"), key_file=source.key_file)


def _tables(config: StoreConfig) -> list[str]:
    engine = create_engine(config.database_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _edit(backup: Path, edited: Path, table: str, old: bytes, new: bytes, *, fix_checksum: bool) -> None:
    """A copy of ``backup`` with ``old`` replaced in one table (and, if asked, the manifest's checksum redone)."""
    with zipfile.ZipFile(backup) as source, zipfile.ZipFile(edited, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        for name in source.namelist():
            data = source.read(name)
            if name == f"tables/{table}.jsonl":
                assert old in data
                data = data.replace(old, new)
                if fix_checksum:
                    manifest["tables"][table]["sha256"] = hashlib.sha256(data).hexdigest()
            if name != "manifest.json":
                target.writestr(name, data)
        target.writestr("manifest.json", json.dumps(manifest))


@pytest.fixture
def seeded(store_config: StoreConfig) -> StoreConfig:
    platform = Platform.open(store_config)  # creates the key file, as a first start does
    with platform.db.transaction() as session:
        platform.repo.add_user(session, username="nurse", password_hash="x", role="clinician")
    _store(platform, [(_person(i, sex=Sex.FEMALE, born=date(1980, 6, 1), country="GB"), True) for i in range(5)])
    platform.close()
    return store_config


def test_a_backup_restores_only_intact_signed_and_into_an_empty_database(
    seeded: StoreConfig, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "store.bak"
    done = _run(monkeypatch, seeded, "db", "backup", str(backup))
    assert done.exit_code == 0, done.output
    assert backup.stat().st_mode & 0o777 == 0o600

    restored = _target(backend, tmp_path, seeded, "restore")
    done = _run(monkeypatch, restored, "db", "restore", str(backup))
    assert done.exit_code == 0, done.output
    assert "audit chain verified" in done.output
    platform = Platform.open(restored)
    with platform.db.read() as session:
        assert sorted(platform.repo.patient_ids(session)) == [f"rx-{i:02d}" for i in range(5)]
        entry = platform.repo.load_patient(session, "rx-03")
        assert entry is not None and entry.patient.display_name == "Ada Okonkwo"  # decrypts under the same key
    platform.close()
    again = _run(monkeypatch, restored, "db", "restore", str(backup))
    assert again.exit_code != 0 and "restore needs an empty database" in again.output

    # Edited backups are refused before anything is written: a table that no longer matches its checksum, and one
    # whose checksum was redone (a clinician made administrator) but whose manifest signature then fails.
    refusals = {
        "damaged.bak": (False, "does not match its checksum"),
        "promoted.bak": (True, "not signed by this master key"),
    }
    for name, (fix_checksum, why) in refusals.items():
        edited = tmp_path / name
        _edit(backup, edited, "users", b'"role": "clinician"', b'"role": "admin"', fix_checksum=fix_checksum)
        target = _target(backend, tmp_path, seeded, name.split(".")[0])
        refused = _run(monkeypatch, target, "db", "restore", str(edited))
        assert refused.exit_code != 0 and why in refused.output, refused.output
        assert _tables(target) == []

    other_key = tmp_path / "other.key"
    write_key_file(other_key, MasterKey.generate())
    target = replace(_target(backend, tmp_path, seeded, "otherkey"), key_file=other_key)
    refused = _run(monkeypatch, target, "db", "restore", str(backup))
    assert refused.exit_code != 0 and "wrapped by master key" in refused.output
    assert _tables(target) == []


def _dump(config: StoreConfig) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    """Every table of a database with its columns and all its rows (sorted): what a refused restore must not
    change."""
    engine = create_engine(config.database_url)
    try:
        dump = {}
        with engine.connect() as connection:
            for name in inspect(connection).get_table_names():
                columns = [c["name"] for c in inspect(connection).get_columns(name)]
                rows = connection.execute(text(f'SELECT * FROM "{name}"')).all()
                dump[name] = (columns, sorted((tuple(r) for r in rows), key=repr))
        return dump
    finally:
        engine.dispose()


# Every way the chain of a store can be broken before it is backed up (the backup is then signed as it is, so only
# the restore's own check of the chain can refuse it), with what the refusal says.
BROKEN_CHAINS = {
    "edited": ("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2", "event 2: content does not match"),
    "deleted": ("DELETE FROM audit_events WHERE seq = 2", "event 2 missing (deleted)"),
    "truncated": (
        "DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)",
        "events at the end were deleted",
    ),
    "relinked": (
        "UPDATE audit_events SET prev_hash = (SELECT hash FROM audit_events WHERE seq = 1) WHERE seq = 3",
        "event 3: previous-hash link broken",
    ),
    "headless": ("DELETE FROM audit_head", "the chain head is missing"),
}


@pytest.mark.parametrize("breakage", sorted(BROKEN_CHAINS))
def test_a_backup_whose_audit_chain_is_broken_is_refused_and_the_target_left_as_it_was(
    seeded: StoreConfig, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, breakage: str
) -> None:
    from tailormed.store import migrate
    from tailormed.store.db import Database

    tampering, why = BROKEN_CHAINS[breakage]
    exported = _run(monkeypatch, seeded, "export", "research", "--duo", "DUO:0000042", "-o", str(tmp_path / "out"))
    assert exported.exit_code == 0, exported.output  # an audit event for each patient read
    engine = create_engine(seeded.database_url)
    with engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar_one() >= 3
        connection.execute(text(tampering))
    engine.dispose()
    backup = tmp_path / "broken.bak"
    done = _run(monkeypatch, seeded, "db", "backup", str(backup))
    assert done.exit_code == 0, done.output

    fresh = _target(backend, tmp_path, seeded, "fresh")  # no schema yet: the migrations are rolled back too
    migrated = _target(backend, tmp_path, seeded, "migrated")  # the current schema, no data
    db = Database.open(migrated)
    migrate.upgrade(db)
    db.dispose()
    for target in (fresh, migrated):
        before = _dump(target)
        refused = _run(monkeypatch, target, "db", "restore", str(backup))
        assert refused.exit_code == 2, refused.output
        assert _dump(target) == before
        assert "audit chain does not verify" in refused.output and why in refused.output, refused.output
        assert "nothing was restored" in refused.output and "audit_events" in refused.output
    assert _dump(fresh) == {}
    if backend == "sqlite":  # a database file that did not exist, nor the folders made for it, is left behind
        absent = tmp_path / "absent.db"
        refused = _run(monkeypatch, replace(seeded, database_url=sqlite_url(absent)), "db", "restore", str(backup))
        assert refused.exit_code == 2 and not list(tmp_path.glob("absent.db*"))
        (tmp_path / "kept").mkdir()
        nested = tmp_path / "kept" / "new" / "deeper" / "absent.db"
        refused = _run(monkeypatch, replace(seeded, database_url=sqlite_url(nested)), "db", "restore", str(backup))
        assert refused.exit_code == 2 and "audit chain does not verify" in refused.output, refused.output
        assert (tmp_path / "kept").is_dir() and not list((tmp_path / "kept").iterdir())


def _resigned(
    config: StoreConfig, backup: Path, edited: Path, table: str, old: bytes, new: bytes, **manifest: object
) -> None:
    """A copy of ``backup`` with ``old`` replaced in one table and ``manifest`` fields set, checksum and signature
    redone under the master key (as a release holding the key would write it)."""
    from tailormed.store import backup as backups
    from tailormed.store.crypto import load_master_key
    from tailormed.store.keys import Keyring

    keyring = Keyring(load_master_key(config))
    with zipfile.ZipFile(backup) as source, zipfile.ZipFile(edited, "w") as target:
        facts = json.loads(source.read("manifest.json")) | manifest
        for name in source.namelist():
            data = source.read(name)
            if name == f"tables/{table}.jsonl":
                assert old in data
                data = data.replace(old, new, 1)
                facts["tables"][table]["sha256"] = hashlib.sha256(data).hexdigest()
            if name != "manifest.json":
                target.writestr(name, data)
        facts["signature"] = backups._signature(keyring, facts)
        target.writestr("manifest.json", json.dumps(facts))


def test_a_signed_backup_that_cannot_be_restored_leaves_the_target_as_it_was(
    seeded: StoreConfig, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refusals found while reading the rows, while writing them and after migrating them roll everything back,
    the target's new schema included."""
    backup = tmp_path / "store.bak"
    assert _run(monkeypatch, seeded, "db", "backup", str(backup)).exit_code == 0
    stamp = json.loads(zipfile.ZipFile(backup).read("tables/users.jsonl").splitlines()[0])["created_at"].encode()
    master_id = json.loads(zipfile.ZipFile(backup).read("manifest.json"))["master_key_id"].encode()
    cases = {
        "revision": ("users", b"", b"", {"schema_revision": "9999"}, "schema revision '9999' is not one"),
        "timestamp": ("users", stamp, b"yesterday", {}, "bad value in column created_at"),
        "column": ("users", b'"role": ', b'"rank": ', {}, "table users has no column rank"),
        "datakey": ("data_keys", master_id, b"0" * len(master_id), {}, "is wrapped by master key 0000"),
    }
    for name, (table, old, new, manifest, why) in cases.items():
        edited = tmp_path / f"{name}.bak"
        _resigned(seeded, backup, edited, table, old, new, **manifest)
        target = _target(backend, tmp_path, seeded, name)
        before = _dump(target)
        refused = _run(monkeypatch, target, "db", "restore", str(edited))
        assert refused.exit_code == 2 and why in refused.output, refused.output
        assert _dump(target) == before == {}


def test_a_restore_without_the_master_key_is_refused_and_creates_no_key_file(
    seeded: StoreConfig, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key made up for the restore could never open the backup (its data keys and signature are under the
    source's key): the restore says the key is missing and writes neither a key file nor its folder."""
    backup = tmp_path / "store.bak"
    assert _run(monkeypatch, seeded, "db", "backup", str(backup)).exit_code == 0
    target = replace(_target(backend, tmp_path, seeded, "keyless"), key_file=tmp_path / "keys" / "master.key")
    refused = _run(monkeypatch, target, "db", "restore", str(backup))
    assert refused.exit_code == 2 and "no master key" in refused.output, refused.output
    assert "the key the backup was written under" in refused.output
    assert not (tmp_path / "keys").exists()
    assert _dump(target) == {}


def test_a_backup_of_an_older_schema_restores_and_is_migrated(
    seeded: StoreConfig, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup written before a migration added a table (here: revision 0001, before ``used_nonces``) restores
    at its own revision and is then migrated to the current one."""
    from tailormed.store import backup as backups
    from tailormed.store import migrate

    platform = Platform.open(seeded)
    current = tmp_path / "current.bak"
    backups.backup(platform.db, platform.keyring, current)
    older = tmp_path / "older.bak"
    with zipfile.ZipFile(current) as source, zipfile.ZipFile(older, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        del manifest["tables"]["used_nonces"]
        manifest["schema_revision"] = "0001"
        manifest["signature"] = backups._signature(platform.keyring, manifest)  # as that release wrote it
        for name in source.namelist():
            if name not in ("manifest.json", "tables/used_nonces.jsonl"):
                target.writestr(name, source.read(name))
        target.writestr("manifest.json", json.dumps(manifest))
    platform.close()

    restored = _target(backend, tmp_path, seeded, "older")
    done = _run(monkeypatch, restored, "db", "restore", str(older))
    assert done.exit_code == 0, done.output
    platform = Platform.open(restored)
    try:
        assert migrate.current_revision(platform.db) == migrate.head_revision()
        with platform.db.read() as session:
            assert len(platform.repo.patient_ids(session)) == 5
    finally:
        platform.close()


def test_rotation_audit_and_research_export_from_the_command_line(
    seeded: StoreConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_key = seeded.key_file.read_bytes()
    done = _run(monkeypatch, seeded, "db", "rotate-key")
    assert done.exit_code == 0, done.output
    assert seeded.key_file.read_bytes() != old_key
    kept = [p for p in seeded.key_file.parent.iterdir() if p.name.endswith(".old")]
    assert [p.read_bytes() for p in kept] == [old_key] and kept[0].stat().st_mode & 0o777 == 0o600

    exported = tmp_path / "export"
    done = _run(monkeypatch, seeded, "export", "research", "--duo", "DUO:0000042", "-o", str(exported))
    assert done.exit_code == 0, done.output
    assert "5 of 5 consented patients exported" in done.output
    assert len(list(exported.glob("*.phenopacket.json"))) == 5
    refused = _run(monkeypatch, seeded, "export", "research", "--duo", "GRU", "-o", str(tmp_path / "bad"))
    assert refused.exit_code != 0 and "not a DUO code" in refused.output
    assert not (tmp_path / "bad").exists()

    trail = tmp_path / "audit.json"
    done = _run(monkeypatch, seeded, "audit", "export", "-o", str(trail))
    assert done.exit_code == 0, done.output
    bundle = json.loads(trail.read_text())
    events = [e["resource"] for e in bundle["entry"]]
    assert events and {e["resourceType"] for e in events} == {"AuditEvent"}
    assert any("rotated from" in json.dumps(e) for e in events)  # the rotation itself is in the trail

    verified = _run(monkeypatch, seeded, "audit", "verify")
    assert verified.exit_code == 0 and "audit chain intact" in verified.output
    engine = create_engine(seeded.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2"))
    engine.dispose()
    broken = _run(monkeypatch, seeded, "audit", "verify")
    assert broken.exit_code == 2 and "the audit chain is broken: 1 problem" in broken.output
