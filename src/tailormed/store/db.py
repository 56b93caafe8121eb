"""Connecting to the database: engines, transactions and migration to the current schema.

Every write goes through :meth:`Database.transaction`: one transaction that commits when the block ends and rolls
back on any exception, so an interrupted upload or analysis leaves nothing half-stored. SQLite runs in WAL mode
with foreign keys on and a busy timeout, so the web server, the job worker and the CLI can share one file, and
with full synchronous commits: what was committed (the audit event of an answered read) survives an operating
system crash or a power loss, not only the process's death.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from tailormed.errors import InputError
from tailormed.store.config import StoreConfig

SQLITE_BUSY_MS = 30_000


def make_engine(url: str, *, immediate: bool = False) -> Engine:
    """An engine for ``url``. SQLite files get WAL, foreign keys and a busy timeout on every connection; with
    ``immediate`` every transaction takes the write lock at BEGIN, so writers queue instead of failing to
    upgrade a read lock."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            _create_private(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            connection.isolation_level = None  # pysqlite's own BEGIN handling steps aside for ours
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")  # a commit (an audit event, say) survives a power loss
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
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


def _create_private(path: Path) -> None:
    """Create a new SQLite file readable by its owner only (mode 0600; SQLite gives its WAL and shared-memory files
    the database file's mode): it holds accounts, password hashes, consents and the audit trail in clear, and the
    encrypted data beside them. An existing file keeps the mode it has."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class Database:
    """An engine plus a session factory for one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url, immediate=True)
        # SQLite: reads run in deferred transactions on their own engine, so they never wait for the write lock.
        self._read_engine = make_engine(url) if url.startswith("sqlite") else self.engine
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._readers = sessionmaker(self._read_engine, expire_on_commit=False)
        self._prepared: list[PreparedRead | DriverWriter] = []

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

    def prepare_read(self, statement: ClauseElement) -> PreparedRead:
        """``statement`` compiled once for this database, to be run as a single short read (see
        :class:`PreparedRead`)."""
        prepared = PreparedRead(self._read_engine, statement)
        self._prepared.append(prepared)
        return prepared

    def driver_writer(self) -> DriverWriter:
        """Write transactions on driver connections kept open for them (see :class:`DriverWriter`)."""
        writer = DriverWriter(self.engine)
        self._prepared.append(writer)
        return writer

    def is_empty(self) -> bool:
        """Whether the database has no tables at all (a fresh database, ready for migrations)."""
        return not inspect(self.engine).get_table_names()

    def dispose(self) -> None:
        for prepared in self._prepared:
            prepared.close()
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()


class DriverStatement:
    """A statement compiled once for one database: its SQL text and how to bind a dictionary of values to it (the
    column types' own conversions applied), for running on a driver connection without SQLAlchemy's per-statement
    work."""

    def __init__(self, engine: Engine, statement: ClauseElement, column_keys: list[str] | None = None) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        assert isinstance(compiled, SQLCompiler)
        self.sql = str(compiled)
        self._binds = [
            (name, bind.key, bind.required, bind.effective_value, bind.type.bind_processor(dialect))
            for name, bind in compiled.binds.items()
        ]
        self._positions = tuple(compiled.positiontup or ()) if compiled.positional else None

    def bind(self, values: dict[str, Any]) -> Any:
        """The driver's parameters for ``values`` (a tuple or a dictionary, as the driver's paramstyle wants)."""
        params: dict[str, Any] = {}
        for name, key, required, fixed, processor in self._binds:
            if key in values:
                value = values[key]
            elif required:
                raise KeyError(f"no value for the bound parameter '{key}'")
            else:
                value = fixed
            params[name] = processor(value) if processor is not None else value
        return tuple(params[name] for name in self._positions) if self._positions is not None else params


class _KeptConnections:
    """Driver connections of an engine, one per thread, kept open outside the pool until :meth:`close`, in
    autocommit mode (SQLite: the engine's connect hook leaves transactions to explicit ``BEGIN``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def get(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            pooled = self.engine.raw_connection()  # runs the engine's connect hooks (SQLite pragmas)
            connection = pooled.driver_connection
            assert connection is not None
            pooled.detach()  # ours from now on, never handed back to the pool
            if self.engine.dialect.name == "postgresql":
                connection.autocommit = True
            with self._lock:
                self._opened.append(connection)
            self._local.connection = connection
        return connection

    def drop(self, connection: Any) -> None:
        self._local.connection = None
        with self._lock:
            if connection in self._opened:
                self._opened.remove(connection)
        with suppress(Exception):
            connection.close()

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with suppress(Exception):
                connection.close()


class PreparedRead:
    """One short read-only statement, compiled once, run on a database connection of the calling thread that is
    kept open for it, outside any transaction (SQLite autocommit, PostgreSQL ``autocommit``): every run sees what is
    committed at that moment. No pool checkout, no ORM, no result processing — the values come back as the driver
    returns them (SQLite: timestamps as text), so compare them only with values read the same way.

    The CDS Hooks hot path reads a patient's version this way on every call."""

    def __init__(self, engine: Engine, statement: ClauseElement) -> None:
        self._engine = engine
        self._statement = DriverStatement(engine, statement)
        self._connections = _KeptConnections(engine)

    def first(self, parameters: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row for ``parameters`` (None: no row). A broken connection is replaced and the read retried
        once."""
        bound = self._statement.bind(parameters)
        for attempt in (1, 2):
            connection = self._connections.get()
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(self._statement.sql, bound)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                return tuple(row) if row is not None else None
            except self._engine.dialect.loaded_dbapi.Error:
                self._connections.drop(connection)
                if attempt == 2:
                    raise
        return None  # pragma: no cover (the loop returns or raises)

    def close(self) -> None:
        """Close every connection opened for this statement (the database is being disposed)."""
        self._connections.close()


class DriverWriter:
    """Write transactions on a driver connection the calling thread keeps for them, with statements compiled once
    (:class:`DriverStatement`): for a thread that writes the same few statements all the time (the audit group
    commit), where the pool checkout, the ORM session and SQLAlchemy's per-statement work cost more than the writes.
    Transactions are explicit (``BEGIN`` ... ``COMMIT``); SQLite's take the write lock at ``BEGIN IMMEDIATE``, as
    :meth:`Database.transaction` does."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connections = _KeptConnections(engine)
        self._sqlite = engine.dialect.name == "sqlite"
        database = engine.url.database if self._sqlite else None
        self._turns = WriterTurns(Path(database + WriterTurns.SUFFIX)) if database and database != ":memory:" else None

    def compile(self, statement: ClauseElement, column_keys: list[str] | None = None) -> DriverStatement:
        return DriverStatement(self._engine, statement, column_keys)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor in one transaction: committed when the block ends, rolled back (and re-raised) on any
        exception. A kept connection the server closed meanwhile (a restart, an idle timeout, a failover) is found
        at ``BEGIN``, before anything is written, and replaced; one that fails later is replaced on the next
        transaction."""
        with self._turns.turn() if self._turns is not None else nullcontext():
            connection, cursor = self._begin()
            try:
                try:
                    yield cursor
                finally:
                    cursor.close()
                connection.execute("COMMIT")
            except BaseException:
                try:
                    if not self._sqlite or connection.in_transaction:
                        connection.execute("ROLLBACK")
                except Exception:
                    self._connections.drop(connection)
                raise

    def _begin(self) -> tuple[Any, Any]:
        dialect = self._engine.dialect
        for attempt in (1, 2):
            connection = self._connections.get()
            cursor = connection.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE" if self._sqlite else "BEGIN")
                return connection, cursor
            except dialect.loaded_dbapi.Error as exc:
                with suppress(Exception):
                    cursor.close()
                if not dialect.is_disconnect(exc, connection, cursor):
                    raise
                self._connections.drop(connection)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover (the loop returns or raises)

    def close(self) -> None:
        self._connections.close()
        if self._turns is not None:
            self._turns.close()


class WriterTurns:
    """Turns at writing one SQLite file for the kept-connection writers of every process (the audit group commit
    of each server process): an exclusive ``flock`` on a lock file beside the database, taken before ``BEGIN
    IMMEDIATE`` and released after ``COMMIT``. A writer that finds SQLite's write lock taken waits in SQLite's busy
    handler, which sleeps 1, 2, 5, 10, 25, 50 and then 100 ms at a time before it looks again, so with several
    server processes each commit could wait tens of milliseconds longer than the other's write took (and every
    call of its group with it); a writer waiting for its turn here is woken by the kernel as soon as the other
    writer is done. Writers that do not take turns (ORM transactions: uploads, jobs) still meet SQLite's lock."""

    SUFFIX = "-writer.lock"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # the flock is per open file: threads of one process take turns here
        self._descriptor: int | None = None
        self._pid = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._lock:
            if self._descriptor is None or self._pid != os.getpid():  # a forked child opens its own
                self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                self._pid = os.getpid()
            fcntl.flock(self._descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._descriptor is not None and self._pid == os.getpid():
                os.close(self._descriptor)
            self._descriptor = None
