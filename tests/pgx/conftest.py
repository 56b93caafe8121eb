"""PharmCAT's allele definitions and named-allele matcher cases, built and read once for the PGx tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tailormed.knowledge.importers import pharmcat_definitions
from tailormed.knowledge.pgx.definitions import GeneDefinition, read_definitions


@pytest.fixture(scope="session")
def definitions(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, GeneDefinition]:
    root = pharmcat_definitions.detect(shared_data)
    assert root is not None
    out = tmp_path_factory.mktemp("kb") / "pharmcat-definitions"
    pharmcat_definitions.build(root, out)
    return read_definitions(out)


@pytest.fixture(scope="session")
def cases(shared_data: Path) -> list[dict[str, Any]]:
    return list(json.loads((shared_data / "pgx/pharmcat/tests/named_allele_matcher_cases.json").read_text()))
