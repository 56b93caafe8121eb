"""Fixtures for the curated knowledge core, as a fresh install without a built bundle sees it."""

from __future__ import annotations

import pytest

from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge, load_guidelines
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge, load_phenotypes


@pytest.fixture(scope="module")
def core() -> KnowledgeBundle:
    """The curated core alone."""
    return KnowledgeBundle(None, None, curated_sources())


@pytest.fixture(scope="module")
def definitions(core: KnowledgeBundle) -> dict[str, GeneDefinition]:
    return load_definitions(core, "pgx-core-definitions")


@pytest.fixture(scope="module")
def phenotypes(core: KnowledgeBundle) -> PhenotypeKnowledge:
    return load_phenotypes(core, "pgx-core-phenotypes")


@pytest.fixture(scope="module")
def guidelines(core: KnowledgeBundle) -> GuidelineKnowledge:
    return load_guidelines(core, "pgx-core-guidelines")
