"""DPYD HapB3 follows the causal intronic c.1129-5923C>G; the exonic c.1236G>A names it only when the intronic
position is not in the data at all, and then the call says so (curated note and source on DPYD in
pgx-core-definitions: PMID 38129972)."""

from __future__ import annotations

import pytest

from tailormed.engines.pgx.matcher import match_gene
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.model.genotype import BuildDetection, BuildSource, CallState, GenomeBuild, GenotypeCall, SampleGenotypes
from tailormed.model.pgx import GeneCall

HAPB3 = "c.1129-5923C>G, c.1236G>A (HapB3)"
INTRONIC, EXONIC = "rs75017182", "rs56038477"


@pytest.fixture(scope="module")
def dpyd(core: KnowledgeBundle) -> GeneDefinition:
    return load_definitions(core, "pgx-core-definitions")["DPYD"]


def call(definition: GeneDefinition, variant: dict[str, tuple[str, str] | None]) -> GeneCall:
    """Reference at every DPYD position except those given (None: the position is not in the data)."""
    calls = {}
    for v in definition.variants:
        alleles = variant.get(v.rsid, (v.ref, v.ref))
        if alleles is None:
            continue
        state = CallState.REFERENCE if alleles == (v.ref, v.ref) else CallState.VARIANT
        calls[f"{v.chrom}:{v.pos}"] = GenotypeCall(chrom=v.chrom, pos=v.pos, ref=v.ref, alleles=alleles, state=state)
    build = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")
    return match_gene(definition, SampleGenotypes(sample="S", source="t.vcf", calls=calls, build=build))


def test_both_positions_name_hapb3(dpyd: GeneDefinition) -> None:
    assert [d.name for d in call(dpyd, {INTRONIC: ("G", "C"), EXONIC: ("C", "T")}).diplotypes] == [f"Reference/{HAPB3}"]


def test_the_intronic_variant_alone_is_the_decreased_function_allele(dpyd: GeneDefinition) -> None:
    assert [d.name for d in call(dpyd, {INTRONIC: ("G", "C")}).diplotypes] == ["Reference/c.1129-5923C>G"]


def test_the_exonic_proxy_without_the_intronic_variant_is_not_hapb3(dpyd: GeneDefinition) -> None:
    result = call(dpyd, {EXONIC: ("C", "T")})  # c.1129-5923C>G read as reference
    assert [d.name for d in result.diplotypes] == ["Reference/Reference"]


def test_the_exonic_proxy_names_hapb3_only_when_the_intronic_position_is_missing_and_says_so(
    dpyd: GeneDefinition,
) -> None:
    result = call(dpyd, {EXONIC: ("C", "T"), INTRONIC: None})
    assert [d.name for d in result.diplotypes] == [f"Reference/{HAPB3}"]
    assert any(w.startswith(f"{HAPB3} called without {INTRONIC}") for w in result.warnings), result.warnings
