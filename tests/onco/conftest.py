"""Shared fixtures for the oncology tests: the curated-core knowledge (no built bundle needed)."""

from __future__ import annotations

import pytest

from tailormed.engines.onco.run import OncoKnowledge
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.pipeline.onco import load_knowledge


@pytest.fixture(scope="session")
def core_bundle() -> KnowledgeBundle:
    return KnowledgeBundle(None, None, curated_sources())


@pytest.fixture(scope="session")
def core_knowledge(core_bundle: KnowledgeBundle) -> OncoKnowledge:
    return load_knowledge(core_bundle)
