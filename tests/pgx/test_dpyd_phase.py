"""DPYD *2A (c.1905+1G>A) and c.2846A>T at DPYD's real positions, called and phenotyped by phase.

On one copy (phased in cis) both stay in the call, ``Reference/[c.1905+1G>A (*2A) + c.2846A>T]``, and the copy counts
as its lowest-function allele: activity score 1.0, as DPWG's genotype table gives ``*1/*2A+c.2846A>T`` ("When two
variants are located on the same allele, the gene activity score is 1") and PharmCAT scores phased DPYD ("the lowest
function variants on each strand"). On different copies (phased in trans) the score is 0.5 (Poor); unphased, CPIC
presumes them on different copies, so 0.5 as well.
"""

from __future__ import annotations

import pytest

from tailormed.engines.pgx.matcher import match_gene
from tailormed.engines.pgx.phenotype import phenotype_gene
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge, load_guidelines
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge, load_phenotypes
from tailormed.model.genotype import BuildDetection, BuildSource, CallState, GenomeBuild, GenotypeCall, SampleGenotypes
from tailormed.model.pgx import GeneCall, GenePhenotype

STAR_2A, C2846 = "rs3918290", "rs67376798"
TOGETHER = "[c.1905+1G>A (*2A) + c.2846A>T]"


@pytest.fixture(scope="module")
def dpyd(core: KnowledgeBundle) -> GeneDefinition:
    return load_definitions(core, "pgx-core-definitions")["DPYD"]


@pytest.fixture(scope="module")
def phenotypes(core: KnowledgeBundle) -> PhenotypeKnowledge:
    return load_phenotypes(core, "pgx-core-phenotypes")


@pytest.fixture(scope="module")
def guidelines(core: KnowledgeBundle) -> GuidelineKnowledge:
    return load_guidelines(core, "pgx-core-guidelines")


def call_dpyd(definition: GeneDefinition, genotypes: dict[str, tuple[str, str]], phased: bool) -> GeneCall:
    """Reference everywhere except the given rsids, whose genotype is written ``("ref", "alt")`` per copy."""
    calls = {}
    for v in definition.variants:
        copies = genotypes.get(v.rsid or "", ("ref", "ref"))
        alleles = tuple(v.ref if c == "ref" else v.alts[0] for c in copies)
        state = CallState.REFERENCE if alleles == (v.ref, v.ref) else CallState.VARIANT
        calls[f"{v.chrom}:{v.pos}"] = GenotypeCall(
            chrom=v.chrom, pos=v.pos, ref=v.ref, alleles=alleles, state=state, phased=phased, phase_set=1
        )
    build = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")
    return match_gene(definition, SampleGenotypes(sample="S", source="t.vcf", calls=calls, build=build))


def rows(guidelines: GuidelineKnowledge, result: GenePhenotype, source: str) -> list[str]:
    (answer,) = [r for r in recommend_drug(guidelines, {"DPYD": result}, "capecitabine") if r.source == source]
    return [row.text or "" for row in answer.rows]


@pytest.mark.parametrize("copy", [0, 1])
def test_both_on_one_copy_stay_in_the_call_and_score_as_one_no_function_copy(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge, copy: int
) -> None:
    variant = ("alt", "ref") if copy == 0 else ("ref", "alt")
    call = call_dpyd(dpyd, {STAR_2A: variant, C2846: variant}, phased=True)
    assert [d.name for d in call.diplotypes] == [f"Reference/{TOGETHER}"]
    result = phenotype_gene(call, phenotypes.gene("DPYD"))
    assert (result.phenotype, result.activity_score) == ("Intermediate Metabolizer", "1.0")
    assert sorted(a.name for a in result.alleles) == ["Reference", "c.1905+1G>A (*2A)"]
    assert any("c.1905+1G>A (*2A) and c.2846A>T are on one copy" in note for note in result.notes)
    assert result.diplotypes == [f"Reference/{TOGETHER}"]
    (cpic,) = rows(guidelines, result, "CPIC")
    assert cpic.startswith("Reduce starting dose by 50%")
    (dpwg,) = rows(guidelines, result, "DPWG")
    assert dpwg.startswith("If the patient has a single variant associated with no DPD activity, start with 50%")


def test_on_different_copies_they_are_poor(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    call = call_dpyd(dpyd, {STAR_2A: ("alt", "ref"), C2846: ("ref", "alt")}, phased=True)
    assert [d.name for d in call.diplotypes] == ["c.1905+1G>A (*2A)/c.2846A>T"]
    result = phenotype_gene(call, phenotypes.gene("DPYD"))
    assert (result.phenotype, result.activity_score) == ("Poor Metabolizer", "0.5")
    assert not any(row.startswith("Reduce starting dose by 50%") for row in rows(guidelines, result, "CPIC"))


def test_unphased_they_are_presumed_on_different_copies(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge
) -> None:
    call = call_dpyd(dpyd, {STAR_2A: ("ref", "alt"), C2846: ("ref", "alt")}, phased=False)
    assert [d.name for d in call.diplotypes] == ["c.1905+1G>A (*2A)/c.2846A>T"]
    result = phenotype_gene(call, phenotypes.gene("DPYD"))
    assert (result.phenotype, result.activity_score) == ("Poor Metabolizer", "0.5")
    assert not result.phased and any(note.startswith("unphased data: variants found") for note in result.notes)


def test_a_copy_with_c2846_and_the_other_with_star_2a_and_c2846_counts_each_copy_lowest(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge
) -> None:
    """DPWG's "c.2846A>T/*2A+c.2846A>T": one copy 0.5, the other 0 -> 0.5."""
    call = call_dpyd(dpyd, {STAR_2A: ("ref", "alt"), C2846: ("alt", "alt")}, phased=True)
    assert [d.name for d in call.diplotypes] == [f"{TOGETHER}/c.2846A>T"]
    result = phenotype_gene(call, phenotypes.gene("DPYD"))
    assert (result.phenotype, result.activity_score) == ("Poor Metabolizer", "0.5")
