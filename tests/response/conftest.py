"""Fixtures for the treatment-response tests: the shared IWPC and ACTG 175 files, and dose models trained once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.knowledge.warfarin import WarfarinKnowledge, load_knowledge


@pytest.fixture(scope="session")
def iwpc_csv(shared_data: Path) -> Path:
    return shared_data / "ai" / "iwpc" / "iwpc_dev.csv"


@pytest.fixture(scope="session")
def actg_csv(shared_data: Path) -> Path:
    return shared_data / "ai" / "actg175" / "actg175_dev.csv"


@pytest.fixture(scope="session")
def knowledge() -> WarfarinKnowledge:
    return load_knowledge()
