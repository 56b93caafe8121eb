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


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = f"PostgreSQL not configured: run 'eval \"$(bash scripts/postgres.sh)\"' to set {POSTGRES_ENV}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


def reset_postgres(url: str) -> None:
    """Drop everything in the test database's public schema, so each test starts from an empty database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def config_for(backend: str, folder: Path) -> StoreConfig:
    if backend == "sqlite":
        return StoreConfig.in_folder(folder)
    url = postgres_url()
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
