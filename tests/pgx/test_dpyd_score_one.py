"""DPWG's two DPYD rows at activity score 1.0: the 50 % dose row, or "measure DPD activity" when the score comes
from two different decreased-function variants whose phase is unknown (DPWG Supplementary Table 3; the condition
and its quotes are in pgx-core-guidelines/row-conditions.yaml). Genotypes are called at DPYD's real positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.engines.pgx.matcher import match_gene
from tailormed.engines.pgx.phenotype import phenotype_gene
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.importers import pharmcat_guidelines
from tailormed.knowledge.pgx.definitions import GeneDefinition, load_definitions
from tailormed.knowledge.pgx.guidelines import (
    GUIDELINES_FILE,
    GuidelineKnowledge,
    ScoreOrigin,
    load_guidelines,
    read_guidelines,
)
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge, load_phenotypes
from tailormed.model.genotype import BuildDetection, BuildSource, CallState, GenomeBuild, GenotypeCall, SampleGenotypes
from tailormed.model.pgx import GenePhenotype, GuidelineResult

STAR_2A, C2846, C1236, INTRONIC = "rs3918290", "rs67376798", "rs56038477", "rs75017182"
FIFTY = "Start with 50% of the standard dose"
MEASURE = "It is not possible to recommend a dose adjustment for this patient based on the genotype only."
DPWG_DRUGS = ("capecitabine", "fluorouracil", "tegafur", "flucytosine")


@pytest.fixture(scope="module")
def dpyd(core: KnowledgeBundle) -> GeneDefinition:
    return load_definitions(core, "pgx-core-definitions")["DPYD"]


@pytest.fixture(scope="module")
def phenotypes(core: KnowledgeBundle) -> PhenotypeKnowledge:
    return load_phenotypes(core, "pgx-core-phenotypes")


@pytest.fixture(scope="module", params=["curated core", "bundle built from PharmCAT's export"])
def guidelines(
    request: pytest.FixtureRequest, core: KnowledgeBundle, tmp_path_factory: pytest.TempPathFactory
) -> GuidelineKnowledge:
    """The curated core's rows, and the rows the pharmcat-guidelines importer writes from PharmCAT's 2024-03 export:
    both must pick one DPWG DPYD row at activity score 1.0 the same way."""
    if request.param == "curated core":
        return load_guidelines(core, "pgx-core-guidelines")
    shared_data: Path = request.getfixturevalue("shared_data")
    folder = pharmcat_guidelines.detect(shared_data / "pgx" / "pharmcat")
    assert folder is not None
    out = tmp_path_factory.mktemp("pharmcat-guidelines")
    pharmcat_guidelines.build(folder, out)
    return read_guidelines(out / GUIDELINES_FILE)


def dpyd_result(
    definition: GeneDefinition,
    phenotypes: PhenotypeKnowledge,
    variant: dict[str, str],
    phased: bool = False,
    missing: tuple[str, ...] = (),
) -> GenePhenotype:
    """Reference at every DPYD position except the heterozygous or homozygous ones given (``het``, ``hom``; phased
    ``ref|alt`` as ``first``, ``alt|ref`` as ``second``); ``missing`` positions are absent from the data."""
    calls = {}
    for v in definition.variants:
        if v.rsid in missing:
            continue
        alt = v.alts[0]
        alleles = {
            "het": (v.ref, alt), "hom": (alt, alt), "first": (alt, v.ref), "second": (v.ref, alt)
        }.get(variant.get(v.rsid or "", ""), (v.ref, v.ref))
        state = CallState.REFERENCE if alleles == (v.ref, v.ref) else CallState.VARIANT
        calls[f"{v.chrom}:{v.pos}"] = GenotypeCall(
            chrom=v.chrom, pos=v.pos, ref=v.ref, alleles=alleles, state=state, phased=phased, phase_set=1
        )
    build = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")
    call = match_gene(definition, SampleGenotypes(sample="S", source="t.vcf", calls=calls, build=build))
    return phenotype_gene(call, phenotypes.gene("DPYD"))


def dpwg(guidelines: GuidelineKnowledge, result: GenePhenotype, drug: str = "capecitabine") -> GuidelineResult:
    (answer,) = [r for r in recommend_drug(guidelines, {"DPYD": result}, drug) if r.source == "DPWG"]
    return answer


def test_one_no_function_allele_gets_only_the_half_dose_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {STAR_2A: "het"})
    assert result.diplotypes == ["Reference/c.1905+1G>A (*2A)"] and result.activity_score == "1.0"
    one_inactive = "Heterozygous for variant with inactive functionality (*1/*2A or *1/*13)"
    for drug in DPWG_DRUGS:
        (row,) = dpwg(guidelines, result, drug).rows
        assert any(one_inactive in s.quote for s in row.sources), drug
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(FIFTY)


def test_two_different_unphased_decreased_function_variants_get_only_the_measure_dpd_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {C2846: "het", C1236: "het", INTRONIC: "het"})
    assert result.activity_score == "1.0" and not result.phased
    assert {a.name for a in result.alleles} == {"c.2846A>T", "c.1129-5923C>G, c.1236G>A (HapB3)"}
    for drug in DPWG_DRUGS:
        (row,) = dpwg(guidelines, result, drug).rows
        assert any("Heterozygous for two different variants with reduced functionality" in s.quote for s in row.sources)
    assert dpwg(guidelines, result).rows[0].text.startswith(MEASURE)


def test_the_exonic_hapb3_proxy_with_c2846_unphased_gets_the_measure_dpd_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    """A panel that reads c.1236G>A but not the intronic c.1129-5923C>G (as the DPWG table's genotypes are)."""
    result = dpyd_result(dpyd, phenotypes, {C2846: "het", C1236: "het"}, missing=(INTRONIC,))
    assert result.activity_score == "1.0"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(MEASURE)


def test_the_same_two_variants_phased_on_different_copies_get_the_half_dose_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {C2846: "first", C1236: "second", INTRONIC: "second"}, phased=True)
    assert result.phased and result.activity_score == "1.0"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(FIFTY)


def test_the_same_two_variants_phased_on_one_copy_score_one_and_a_half(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {C2846: "first", C1236: "first", INTRONIC: "first"}, phased=True)
    assert result.activity_score == "1.5"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(FIFTY)


def test_one_decreased_function_variant_on_both_copies_gets_the_half_dose_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {C2846: "hom"})
    assert result.activity_score == "1.0"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(FIFTY)


def test_score_half_keeps_the_measure_dpd_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {STAR_2A: "het", C2846: "het"})
    assert result.activity_score == "0.5"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(MEASURE)


def test_every_dpwg_dpyd_guideline_has_both_conditions_at_one(guidelines: GuidelineKnowledge) -> None:
    for drug in DPWG_DRUGS:
        (guideline,) = [g for g in guidelines.for_drug(drug) if g.source == "DPWG" and "DPYD" in g.genes]
        at_one = [
            r for r in guideline.recommendations if any("1.0" in c.values for c in r.criteria if c.gene == "DPYD")
        ]
        assert sorted(r.condition.score_from for r in at_one if r.condition) == sorted(ScoreOrigin), drug
