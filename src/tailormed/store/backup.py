"""Backups: every table in one zip file with a manifest of row counts and checksums, restored only when intact.

The backup holds the rows as they are stored, so genomes, records, plans and reports stay encrypted in it (a
backup is useless without the master key, and an erased patient's data cannot be read back from an old backup
once their data key is gone). The manifest carries an HMAC-SHA256 under a key derived from the master key, and
each table's checksum is in the manifest: a backup edited anywhere — an account's role, a care team's members,
a consent — is refused unless whoever edited it holds the master key. :func:`restore` checks the manifest and its
signature, each table's checksum and row count, the schema revision and the master key before touching the
target, which must be empty; then, in one transaction that is rolled back on any failure (schema included), it
migrates the target to the backup's revision, writes the rows, checks that every data key unwraps, migrates to the
current revision and runs the caller's check of the restored store (the audit chain): a refused restore leaves the
target exactly as it was.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import LargeBinary, delete, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from tailormed.errors import InputError
from tailormed.store import migrate
from tailormed.store.db import Database
from tailormed.store.keys import Keyring
from tailormed.store.models import Base, DataKey, UTCDateTime

FORMAT = "tailormed-backup"
VERSION = 2
"""2: the manifest is signed (version 1 manifests were not, so they are refused: a signature cannot be required of
some backups only)."""
MANIFEST = "manifest.json"
SIGNATURE_PURPOSE = "backup manifest"


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    tables: dict[str, int]
    revision: str


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def _decode(table: Table, column: str, value: Any, where: str) -> Any:
    if column not in table.c:
        raise InputError(f"table {table.name} has no column {column}", source=where)
    if value is None:
        return None
    kind = table.c[column].type
    try:
        if isinstance(kind, LargeBinary):
            return base64.b64decode(value["b64"])
        if isinstance(kind, UTCDateTime):
            return datetime.fromisoformat(value)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"bad value in column {column}: {exc}", source=where) from exc
    return value


def _signature(keyring: Keyring, manifest: dict[str, Any]) -> str:
    """The manifest's HMAC (over its canonical JSON without the signature itself)."""
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    canonical = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    return hmac.new(keyring.master.derive(SIGNATURE_PURPOSE), canonical, hashlib.sha256).hexdigest()


def backup(db: Database, keyring: Keyring, path: Path) -> BackupSummary:
    """Write every table to ``path`` (a zip), atomically, from one consistent read."""
    revision = migrate.current_revision(db)
    if revision is None:
        raise InputError("the database has no tailormed schema to back up", source=db.url.split("@")[-1])
    counts: dict[str, int] = {}
    checksums: dict[str, str] = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive, db.read() as session:
        for table in Base.metadata.sorted_tables:
            lines = []
            for row in session.execute(select(table)).mappings():
                lines.append(json.dumps({k: _encode(v) for k, v in row.items()}, sort_keys=True, ensure_ascii=False))
            data = ("\n".join(lines) + ("\n" if lines else "")).encode()
            archive.writestr(f"tables/{table.name}.jsonl", data)
            counts[table.name] = len(lines)
            checksums[table.name] = hashlib.sha256(data).hexdigest()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "schema_revision": revision,
            "master_key_id": keyring.master.key_id,
            "tables": {name: {"rows": counts[name], "sha256": checksums[name]} for name in counts},
        }
        manifest["signature"] = _signature(keyring, manifest)
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return BackupSummary(path=path, tables=counts, revision=revision)


def read_backup(path: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The manifest and rows of a backup, after checking its format, checksums and row counts."""
    source = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"not a readable backup: {exc}", source=source) from exc
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except (KeyError, ValueError) as exc:
            raise InputError(f"the backup has no valid {MANIFEST}", source=source) from exc
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise InputError("not a tailormed backup of a version this release reads", source=source)
        tables: dict[str, list[dict[str, Any]]] = {}
        known = {t.name for t in Base.metadata.sorted_tables}
        listed = manifest.get("tables", {})
        if not isinstance(listed, dict) or not set(listed) <= known or not listed:
            raise InputError(f"the backup's tables ({', '.join(sorted(listed))}) are not this schema's", source=source)
        for name, facts in listed.items():
            member = f"tables/{name}.jsonl"
            try:
                data = archive.read(member)
            except KeyError as exc:
                raise InputError(f"{member} is missing", source=source) from exc
            if hashlib.sha256(data).hexdigest() != facts.get("sha256"):
                raise InputError(f"{member} does not match its checksum (damaged or edited)", source=source)
            rows = []
            for number, line in enumerate(data.decode().splitlines(), start=1):
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise InputError(
                        f"bad JSON: {exc}", source=f"{source}:{member}", location=f"line {number}"
                    ) from exc
            if len(rows) != facts.get("rows"):
                raise InputError(f"{member} has {len(rows)} rows, the manifest says {facts.get('rows')}", source=source)
            tables[name] = rows
    return manifest, tables


def restore(
    db: Database, keyring: Keyring, path: Path, check: Callable[[Session], None] | None = None
) -> BackupSummary:
    """Restore a checked backup into an empty database, all or nothing.

    The schema migrations, the rows, the data-key check, the migration to the current revision and ``check`` (the
    caller's verification of the restored store, such as the audit chain) run in one transaction on one connection:
    if any of them raises, it is rolled back and the target is left exactly as it was (DDL included: PostgreSQL's
    is transactional, and SQLite's is under the explicit BEGIN every connection here issues)."""
    manifest, rows = read_backup(path)
    if manifest.get("master_key_id") != keyring.master.key_id:
        raise InputError(
            f"the backup's data is wrapped by master key {manifest.get('master_key_id')}, not the key in use "
            f"({keyring.master.key_id}); set TAILORMED_MASTER_KEY or TAILORMED_KEY_FILE to its key",
            source=str(path),
        )
    signature = manifest.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _signature(keyring, manifest)):
        raise InputError(
            "the backup's manifest is not signed by this master key: it was edited after it was written",
            source=str(path),
        )
    revision = str(manifest.get("schema_revision"))
    if not migrate.is_known(revision):
        raise InputError(f"the backup's schema revision {revision!r} is not one this release knows", source=str(path))
    batches = {
        table.name: [
            {k: _decode(table, k, v, f"{path}:tables/{table.name}.jsonl") for k, v in row.items()}
            for row in rows.get(table.name, [])
        ]
        for table in Base.metadata.sorted_tables  # a table the backup's older schema did not have stays empty
    }
    if not db.is_empty():
        current = migrate.current_revision(db)
        with db.read() as session:
            has_data = any(
                session.execute(select(t).limit(1)).first() is not None
                for t in Base.metadata.sorted_tables
                if t.name != "audit_head"
            )
        if has_data or current != revision:
            raise InputError(
                "restore needs an empty database (this one has tailormed data)", source=db.url.split("@")[-1]
            )
    with db.engine.begin() as connection:  # rolled back on any exception below
        migrate.upgrade_on(connection, revision)
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            session.execute(delete(Base.metadata.tables["audit_head"]))
            for table in Base.metadata.sorted_tables:
                if batches[table.name]:
                    session.execute(insert(table), batches[table.name])
            for key in session.scalars(select(DataKey)):
                keyring.data_key(session, key.id)  # every key must unwrap, or nothing is restored
            session.commit()  # releases the savepoint; the connection's transaction stays open
        migrate.upgrade_on(connection)
        if check is not None:
            with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
                check(session)
    return BackupSummary(path=path, tables={name: len(r) for name, r in rows.items()}, revision=revision)
