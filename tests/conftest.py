"""Test fixtures: where the shared development data is, and how tests skip (or fail in CI) without it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tailormed.knowledge.bundle import KnowledgeBundle

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    return Path(os.environ.get("TAILORMED_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; skipped with a reason when absent, a failure when absent under CI=true."""
    path = shared_data_dir()
    if not path.is_dir():
        message = f"shared development data not found at {path} (set TAILORMED_SHARED_DATA)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def built_bundle(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBundle:
    """A knowledge bundle built once per session from the shared data with every importer that finds its files."""
    from tailormed.knowledge.bundle import build_bundle, load_bundle

    out = tmp_path_factory.mktemp("built-bundle") / "kb"
    build_bundle(shared_data, out)
    return load_bundle(out)


@pytest.fixture(scope="session")
def core() -> KnowledgeBundle:
    """The curated knowledge core alone, as a fresh install has it (never the user's installed bundle)."""
    from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources

    return KnowledgeBundle(None, None, curated_sources())
