"""Connecting to the database: engines, transactions and migration to the current schema.

Every write goes through :meth:`Database.transaction`: one transaction that commits when the block ends and rolls
back on any exception, so an interrupted upload or analysis leaves nothing half-stored. SQLite runs in WAL mode
with foreign keys on and a busy timeout, so the web server, the job worker and the CLI can share one file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tailormed.errors import InputError
from tailormed.store.config import StoreConfig

SQLITE_BUSY_MS = 30_000
SINGLE_STATEMENT = "tailormed_single_statement"
"""Execution option of a connection that runs one read-only statement (SQLite: no explicit transaction)."""


def make_engine(url: str, *, immediate: bool = False) -> Engine:
    """An engine for ``url``. SQLite files get WAL, foreign keys and a busy timeout on every connection; with
    ``immediate`` every transaction takes the write lock at BEGIN, so writers queue instead of failing to
    upgrade a read lock."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            connection.isolation_level = None  # pysqlite's own BEGIN handling steps aside for ours
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            if connection.get_execution_options().get(SINGLE_STATEMENT):
                return  # one SELECT in SQLite's autocommit mode is already one consistent snapshot
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if url.startswith(("postgresql", "postgres")):
        try:
            return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        except ModuleNotFoundError as exc:
            raise InputError(
                f"PostgreSQL needs the driver: install tailormed[postgres] ({exc})", source="TAILORMED_DATABASE_URL"
            ) from exc
    raise InputError(
        "unsupported database URL: use sqlite:///path or postgresql+psycopg://user@host/db",
        source="TAILORMED_DATABASE_URL",
    )


class Database:
    """An engine plus a session factory for one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url, immediate=True)
        # SQLite: reads run in deferred transactions on their own engine, so they never wait for the write lock.
        self._read_engine = make_engine(url) if url.startswith("sqlite") else self.engine
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self._read_engine, expire_on_commit=False)

    @classmethod
    def open(cls, config: StoreConfig) -> Database:
        return cls(config.database_url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back (and re-raised) on any exception."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (rolled back at the end; writes belong in :meth:`transaction`)."""
        session = self._readers()
        try:
            yield session
        finally:
            session.close()  # ends the transaction (rolled back) and detaches what was loaded, still readable

    def read_row(self, statement: Executable, parameters: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row of one short read-only statement, on a plain connection without an ORM session (the
        CDS Hooks hot path)."""
        with self._read_engine.connect().execution_options(**{SINGLE_STATEMENT: True}) as connection:
            row = connection.execute(statement, parameters).first()
        return tuple(row) if row is not None else None

    def is_empty(self) -> bool:
        """Whether the database has no tables at all (a fresh database, ready for migrations)."""
        return not inspect(self.engine).get_table_names()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()
