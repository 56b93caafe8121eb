"""``tailormed serve``, ``tailormed db``, ``tailormed audit`` and ``tailormed export``: the platform service."""

from __future__ import annotations

import getpass
import json
import os
import shutil
from pathlib import Path
from typing import Annotated

import typer

from tailormed.cli.console import err, out
from tailormed.errors import InputError

db_app = typer.Typer(
    name="db", help="The service's database: migrate, back up, restore, rotate the master key.", no_args_is_help=True
)
audit_app = typer.Typer(
    name="audit", help="The audit trail: verify its hash chain, export it as FHIR AuditEvent.", no_args_is_help=True
)
export_app = typer.Typer(name="export", help="De-identified exports of stored data.", no_args_is_help=True)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _platform(initialize: bool = True):  # type: ignore[no-untyped-def]
    from tailormed.service.core import Platform
    from tailormed.store.config import StoreConfig

    return Platform.open(StoreConfig.from_env(), initialize=initialize)


def _operator(role: str):  # type: ignore[no-untyped-def]
    from tailormed.security.policy import Role, Subject, default_scopes

    kind = Role(role)
    return Subject(name=f"cli:{getpass.getuser()}", role=kind, scopes=default_scopes(kind), source="command line")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the current schema (also done when the service starts)."""
    from tailormed.store import migrate

    platform = _platform()
    out.print(f"database at revision {migrate.current_revision(platform.db)}")
    platform.close()


@db_app.command("rotate-key")
def rotate_key(
    new_key_file: Annotated[
        Path | None,
        typer.Option(
            "--new-key-file", help="Write the new key here (required when the key comes from TAILORMED_MASTER_KEY)."
        ),
    ] = None,
) -> None:
    """Generate a new master key and re-wrap every data key under it, in one transaction."""
    from tailormed.security.audit import SYSTEM, AuditAction, Entry, Purpose
    from tailormed.service.core import MASTER_KEY_SETTING
    from tailormed.store.config import StoreConfig
    from tailormed.store.crypto import MasterKey, write_key_file

    config = StoreConfig.from_env()
    platform = _platform()
    target = new_key_file or (None if config.master_key is not None else config.key_file)
    if target is None:
        raise InputError(
            "the master key comes from TAILORMED_MASTER_KEY: give --new-key-file to write the new key",
            source="--new-key-file",
        )
    new = MasterKey.generate()
    staged = target.with_name(target.name + ".new")
    write_key_file(staged, new)  # the new key exists on disk before any data depends on it
    old_id = platform.keyring.master.key_id
    try:
        with platform.db.transaction() as session:
            count = platform.keyring.rotate(session, new)
            platform.repo.set_setting(session, MASTER_KEY_SETTING, new.key_id)
            platform.audit._key = None
            platform.audit.append(
                session,
                Entry(
                    actor=SYSTEM,
                    action=AuditAction.UPDATE,
                    resource="master_key",
                    purpose=Purpose.OPERATIONS,
                    detail=f"rotated from {old_id} to {new.key_id}; {count} keys re-wrapped",
                ),
            )
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    if target == config.key_file and config.master_key is None:
        backup = target.with_name(target.name + f".{old_id}.old")
        shutil.copy2(target, backup)
        backup.chmod(0o600)
        staged.replace(target)
        out.print(
            f"re-wrapped {count} data keys; new key in {target} (previous key kept in {backup}: delete it once "
            "backups made with it are no longer needed)"
        )
    else:
        staged.replace(target)
        out.print(f"re-wrapped {count} data keys; new key written to {target}: set TAILORMED_MASTER_KEY from it")
    platform.close()


@db_app.command("backup")
def db_backup(path: Annotated[Path, typer.Argument(help="Backup file to write (a zip).")]) -> None:
    """Write a checked backup of every table (stored data stays encrypted in it)."""
    from tailormed.store.backup import backup

    platform = _platform()
    summary = backup(platform.db, platform.keyring, path)
    out.print(f"backup written to {summary.path}: " + ", ".join(f"{n} {t}" for t, n in summary.tables.items() if n))
    platform.close()


@db_app.command("restore")
def db_restore(path: Annotated[Path, typer.Argument(help="Backup file written by 'tailormed db backup'.")]) -> None:
    """Restore a backup into an empty database; nothing is kept unless it is intact and its audit chain verifies."""
    from sqlalchemy.orm import Session

    from tailormed.security.audit import AuditLog
    from tailormed.store.backup import restore
    from tailormed.store.config import StoreConfig
    from tailormed.store.crypto import load_master_key
    from tailormed.store.db import Database
    from tailormed.store.keys import Keyring

    config = StoreConfig.from_env()
    if config.master_key is None and not config.key_file.exists():  # a new key could never open the backup
        raise InputError(
            "no master key: set TAILORMED_MASTER_KEY or TAILORMED_KEY_FILE to the key the backup was written under",
            source=str(config.key_file),
        )
    keyring = Keyring(load_master_key(config, create=False))
    verified: list[int] = []

    def audit_chain(session: Session) -> None:
        result = AuditLog(keyring).verify(session)
        if not result.ok:
            raise InputError(
                f"the backup's audit chain does not verify ({result.total_problems} problem(s) in {result.events} "
                "events), nothing was restored: " + "; ".join(result.problems),
                source=f"{path}:tables/audit_events.jsonl",
            )
        verified.append(result.events)

    created: list[Path] = []  # a SQLite file and folders that opening the target creates, removed if refused
    if config.is_sqlite:
        file = Path(config.database_url.split("///", 1)[-1])
        if file.name != ":memory:" and not file.exists():
            created = [file, *(folder for folder in file.parents if not folder.exists())]
    db = Database.open(config)
    try:
        summary = restore(db, keyring, path, check=audit_chain)
    except BaseException:
        db.dispose()
        _remove_created(created)
        raise
    db.dispose()
    out.print(f"restored {sum(summary.tables.values())} rows from {path}; audit chain verified ({verified[0]} events)")


def _remove_created(created: list[Path]) -> None:
    """Remove a new SQLite file (with its -wal, -shm or -journal) and then the folders made for it, innermost first; a
    folder something else has meanwhile put a file in stays."""
    if not created:
        return
    file, *folders = created
    for leftover in (file, *(file.with_name(file.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain; exit 2 (and list the breaks) if any event was edited or deleted."""
    platform = _platform()
    with platform.db.read() as session:
        result = platform.audit.verify(session)
    platform.close()
    if result.ok:
        out.print(f"audit chain intact: {result.events} events")
        return
    for problem in result.problems:
        err.print(f"broken: {problem}", highlight=False)
    raise InputError(
        f"the audit chain is broken: {result.total_problems} problem(s) in {result.events} events",
        source="audit_events",
    )


@audit_app.command("export")
def audit_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="FHIR Bundle (JSON) to write.")],
    patient: Annotated[str | None, typer.Option("--patient", help="Only events about this patient.")] = None,
) -> None:
    """Write the audit trail as a FHIR R4 Bundle of AuditEvent resources."""
    from tailormed.fileio import write_text_atomic
    from tailormed.security.audit import fhir_bundle

    platform = _platform()
    with platform.db.read() as session:
        bundle = fhir_bundle(platform.audit.events(session, patient_id=patient, limit=10_000_000))
    platform.close()
    write_text_atomic(output, json.dumps(bundle, indent=2) + "\n")
    out.print(f"{len(bundle['entry'])} AuditEvent resources written to {output}")


@export_app.command("research")
def export_research(
    duo: Annotated[str, typer.Option("--duo", help="The data use the export is for, e.g. DUO:0000042.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write (replaced whole on success).")],
    k: Annotated[int, typer.Option("--k", help="Smallest group size on the quasi-identifiers.")] = 5,
) -> None:
    """De-identified Parquet tables and Phenopackets of the patients whose research consent covers DUO."""
    from tailormed.fileio import write_folder_atomic
    from tailormed.service.research import run_export

    platform = _platform()
    result = run_export(platform, _operator("researcher"), duo, k=k)
    platform.close()
    write_folder_atomic(output, result.files)
    anonymity = result.report["k_anonymity"]
    out.print(
        f"{result.report['exported']} of {result.report['consented_for_this_use']} consented patients exported "
        f"to {output} (k={anonymity['k']}, {anonymity['final_generalization']}, {anonymity['suppressed']} "
        "suppressed); see export_report.json"
    )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool | None,
        typer.Option("--demo/--no-demo", help="Demo mode (default when no database or master key is configured)."),
    ] = None,
    kb: Annotated[Path | None, typer.Option(help="Knowledge bundle folder (default: the installed one).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes, each accepting on a socket of its own (Linux); the analysis worker runs in one.",
        ),
    ] = 1,
    log_level: Annotated[
        str, typer.Option(help="uvicorn's log level (info logs every request; warning only problems).")
    ] = "info",
) -> None:
    """Serve the web app, REST API, CDS Hooks and FHIR Genomics operations (uvicorn); demo mode seeds demo data."""
    run_server(host=host, port=port, demo=demo, kb=kb, workers=workers, log_level=log_level)


def run_server(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    demo: bool | None = None,
    kb: Path | None = None,
    notes: list[str] | None = None,
    workers: int = 1,
    log_level: str = "info",
) -> None:
    """Serve until Ctrl-C; ``notes`` are printed after the URL and logins (``tailormed demo --serve``: the reports).
    With ``workers`` > 1 the store is prepared here and each forked process opens its own (see
    :mod:`tailormed.service.workers`); the analysis jobs are run by the first process only."""
    import uvicorn

    from tailormed.knowledge.bundle import load_bundle
    from tailormed.service.analysis import Analyzer
    from tailormed.service.core import Platform
    from tailormed.service.demo import seed
    from tailormed.service.settings import BASE_URL_ENV, ServiceSettings
    from tailormed.store.config import StoreConfig, home, production_configured
    from tailormed.web.app import create_app

    production = production_configured()
    use_demo = (not production) if demo is None else demo
    if use_demo and production:
        raise InputError(
            "demo mode never runs with a configured database or master key: unset "
            "TAILORMED_DATABASE_URL and TAILORMED_MASTER_KEY, or serve with --no-demo",
            source="--demo",
        )
    if use_demo and host not in LOOPBACK:
        raise InputError("demo mode has public passwords, so it listens on loopback only", source="--host")
    base_url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    if use_demo:
        folder = home() / "demo"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        store = StoreConfig.in_folder(folder)
        platform = Platform.open(store)
        analyzer = Analyzer(load_bundle(kb))
        err.print("seeding the demo: accounts, care team, patients and their analyses ...")
        logins = seed(platform, analyzer, on_patient=lambda pid: err.print(f"  analysed {pid}"))
        settings = ServiceSettings.from_env(store=store, demo=True)
    else:
        store = StoreConfig.from_env()
        platform = Platform.open(store)
        settings = ServiceSettings.from_env(store=store)
        logins = []
    from dataclasses import replace

    if os.environ.get(BASE_URL_ENV):  # the public URL, when a proxy stands in front
        base_url = settings.base_url
    settings = replace(settings, base_url=base_url, kb=kb)
    if workers > 1:
        from tailormed.service.workers import listening_socket

        listening_socket(host, port).close()  # a port in use or a system without SO_REUSEPORT: say so before printing
        platform.close()
    else:
        app = create_app(settings, platform)
    out.print(
        f"tailormed on {base_url}  (web app {base_url}/app, API docs {base_url}/docs, "
        f"CDS Hooks {base_url}/cds-services)"
    )
    if logins:
        out.print("demo logins (user name / password):")
        for login in logins:
            out.print(f"  {login.role:<19} {login.username} / {login.password}")
        out.print("demo mode: unsigned CDS Hooks calls from this machine are accepted as the demo client")
    for note in notes or []:
        out.print(note, highlight=False, soft_wrap=True)
    if workers > 1:
        from tailormed.service.workers import serve_processes

        out.print(f"{workers} server processes; press Ctrl-C to stop")
        serve_processes(
            lambda index: create_app(replace(settings, run_worker=settings.run_worker and index == 0)),
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
        )
        return
    out.print("press Ctrl-C to stop")
    uvicorn.run(app, host=host, port=port, log_level=log_level)
    platform.close()
