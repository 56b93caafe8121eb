"""Fixtures for the store, security and service tests: a fresh database per test on SQLite and on PostgreSQL.

PostgreSQL is reached through ``TAILORMED_TEST_POSTGRES_URL`` (``eval "$(bash scripts/postgres.sh)"`` starts a
throwaway server on loopback and sets it; ``.ci/run`` does so in CI). Without it the PostgreSQL variants skip
with the reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tailormed.service.core import Platform
from tailormed.store.config import StoreConfig
from tailormed.store.crypto import MasterKey

POSTGRES_ENV = "TAILORMED_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_url(database: str | None = None) -> str:
    """The test server's URL (skip without one; fail under CI); ``database`` names another database on it,
    created when missing."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = f"PostgreSQL not configured: run 'eval \"$(bash scripts/postgres.sh)\"' to set {POSTGRES_ENV}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    if database is None:
        return url
    from sqlalchemy import create_engine, text

    base = url.rsplit("/", 1)[0]
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}).first():
            connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return f"{base}/{database}"


def reset_postgres(url: str) -> None:
    """Drop everything in the test database's public schema, so each test starts from an empty database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def config_for(backend: str, folder: Path, database: str | None = None) -> StoreConfig:
    if backend == "sqlite":
        return StoreConfig.in_folder(folder)
    url = postgres_url(database)
    reset_postgres(url)
    return StoreConfig(database_url=url, key_file=folder / "master.key")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_config(backend: str, tmp_path: Path) -> StoreConfig:
    return config_for(backend, tmp_path)


@pytest.fixture
def master() -> MasterKey:
    return MasterKey.generate()


@pytest.fixture
def platform(store_config: StoreConfig, master: MasterKey) -> Iterator[Platform]:
    opened = Platform.open(store_config, master=master)
    yield opened
    opened.close()


# -- a seeded service, once per test module and backend ------------------------------------------------------


class Service:
    """A running app (in-process) on a seeded store, with helpers to sign in and call it."""

    def __init__(self, platform: Platform, client: object, folder: Path) -> None:
        from fastapi.testclient import TestClient

        assert isinstance(client, TestClient)
        self.platform = platform
        self.client = client
        self.folder = folder
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            password = f"{username}-demo"
            response = self.client.post(
                "/api/auth/token", data={"grant_type": "password", "username": username, "password": password}
            )
            assert response.status_code == 200, response.text
            self._tokens[username] = response.json()["access_token"]
        return self._tokens[username]

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}

    def audit_count(self) -> int:
        from sqlalchemy import func, select

        from tailormed.store.models import AuditEvent

        with self.platform.db.read() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)

    def run_jobs(self) -> None:
        from tailormed.service.state import ServiceState

        state = self.client.app.state.tailormed  # type: ignore[attr-defined]
        assert isinstance(state, ServiceState)
        state.worker.run_pending()


OUTSIDER = "outside-05-lee"
OTHER_CLINICIAN = "clinician-b"


def seed_service(
    backend: str, folder: Path, *, demo: bool = True, database: str | None = None, **settings: object
) -> Service:
    """The demo seed plus one patient in another care team (with another clinician), all analysed."""
    from fastapi.testclient import TestClient

    from tailormed.demo import demo_record
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.security.consent import from_record
    from tailormed.security.passwords import hash_password
    from tailormed.service import jobs
    from tailormed.service.analysis import Analyzer, Upload
    from tailormed.service.app import create_app
    from tailormed.service.demo import seed
    from tailormed.service.settings import ServiceSettings

    config = config_for(backend, folder, database)
    platform = Platform.open(config, master=MasterKey.generate())
    analyzer = Analyzer(load_bundle())
    seed(platform, analyzer)
    record = demo_record("demo-04-park")
    parsed = analyzer.read_record(Upload(record.name, record.read_bytes()))
    patient = parsed.patient.model_copy(update={"id": OUTSIDER, "display_name": "Jordan Lee"})
    vcf = record.with_name("demo-04-park.vcf").read_bytes()
    with platform.db.transaction() as session:
        team = platform.repo.add_team(session, "Other care team")
        other = platform.repo.add_user(
            session, username=OTHER_CLINICIAN, password_hash=hash_password(f"{OTHER_CLINICIAN}-demo"), role="clinician"
        )
        platform.repo.add_member(session, team.id, other.id)
        platform.repo.create_patient(session, patient, kind="record", created_by=None)
        platform.repo.add_team_patient(session, team.id, OUTSIDER)
        for category, decision, codes in from_record(patient.consent):
            platform.repo.add_consent(session, OUTSIDER, category.value, decision.value, list(codes), None)
        upload = platform.repo.add_genome(
            session, OUTSIDER, kind="vcf", filename="lee.vcf", content=vcf, evidence=None, summary={}, created_by=None
        )
        platform.repo.add_user(
            session,
            username=OUTSIDER,
            password_hash=hash_password(f"{OUTSIDER}-demo"),
            role="patient",
            patient_id=OUTSIDER,
        )
        jobs.enqueue(session, OUTSIDER, genome_id=upload.id, outside_calls_id=None, requested_by=None)
    jobs.Worker(platform, lambda: analyzer).run_pending()
    app = create_app(ServiceSettings(store=config, demo=demo, run_worker=False, **settings), platform)  # type: ignore[arg-type]
    app.state.tailormed._analyzer = analyzer
    return Service(platform, TestClient(app, client=("127.0.0.1", 50000)), folder)


@pytest.fixture(scope="session", params=BACKENDS)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One seeded service per backend for the whole session (PostgreSQL: a database of its own). Tests that
    change shared state put it back or work on patients of their own."""
    seeded = seed_service(str(request.param), tmp_path_factory.mktemp("service"), database="tailormed_test_service")
    yield seeded
    seeded.client.close()
    seeded.platform.close()
