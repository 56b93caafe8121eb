"""Fixtures for the risk tests: the risk knowledge of the curated core, as a fresh install has it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.risk.load import RiskKnowledge, load_risk_knowledge


@pytest.fixture(scope="session")
def knowledge(core: KnowledgeBundle) -> RiskKnowledge:
    return load_risk_knowledge(core)


@pytest.fixture(scope="session")
def equations_dir(shared_data: Path) -> Path:
    return shared_data / "risk" / "clinical_equations"


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="session")
def pce_examples(equations_dir: Path) -> list[dict[str, str]]:
    return _read_tsv(equations_dir / "pce_published_examples_goff2013.tsv")


@pytest.fixture(scope="session")
def prevent_examples(equations_dir: Path) -> list[dict[str, str]]:
    return _read_tsv(equations_dir / "prevent_published_examples_khan2024.tsv")


@pytest.fixture(scope="session")
def gail_examples(equations_dir: Path) -> list[dict[str, str]]:
    return _read_tsv(equations_dir / "gail_bcrat_reference_examples.tsv")
