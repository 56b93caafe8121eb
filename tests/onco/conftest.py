"""Shared fixtures for the oncology tests: the curated-core knowledge (no built bundle needed)."""

from __future__ import annotations

import pytest

from tailormed.engines.onco.run import OncoKnowledge
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.pipeline.onco import load_knowledge


@pytest.fixture(scope="session")
def core_bundle(core: KnowledgeBundle) -> KnowledgeBundle:
    return core


@pytest.fixture(scope="session")
def core_knowledge(core_bundle: KnowledgeBundle) -> OncoKnowledge:
    return load_knowledge(core_bundle)
