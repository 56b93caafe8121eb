"""Fixtures for the curated knowledge core, as a fresh install without a built bundle sees it, and the calls the
guideline tests hand it."""

from __future__ import annotations

import pytest

from tailormed.engines.pgx.phenotype import phenotype_gene
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge, load_guidelines
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge, load_phenotypes
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall, GenePhenotype


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


def called(gene: str, phenotypes: PhenotypeKnowledge, diplotype: str) -> GenePhenotype:
    """``gene`` phenotyped from an outside diplotype such as ``*1/*4``."""
    first, _, second = diplotype.partition("/")
    call = GeneCall(
        sample="s1",
        gene=gene,
        status=CallStatus.CALLED,
        diplotypes=[Diplotype(allele1=first, allele2=second)],
        origin=CallOrigin.OUTSIDE_CALL,
    )
    return phenotype_gene(call, phenotypes.gene(gene))


def outside(gene: str, phenotypes: PhenotypeKnowledge, phenotype: str) -> GenePhenotype:
    """``gene`` given as an outside phenotype (for results no diplotype of the core's tables gives)."""
    call = GeneCall(
        sample="s1", gene=gene, status=CallStatus.CALLED, origin=CallOrigin.OUTSIDE_CALL, outside_phenotype=phenotype
    )
    return phenotype_gene(call, phenotypes.gene(gene))
