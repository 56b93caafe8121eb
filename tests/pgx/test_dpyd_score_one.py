"""DPWG's DPYD advice at activity score 1.0, chosen by how the score arose. The 2024-03-25 export gives two rows:
the 50 % dose row, or "measure DPD activity" when the score comes from two different decreased-function variants
whose phase is unknown (DPWG Supplementary Table 3; the conditions and their quotes are in
pgx-core-guidelines/row-conditions.yaml). The curated core follows the newer annotation (guidelines.yaml): one
recommendation whose first paragraph (50 %) is for a single no-function variant and whose second (measure DPD
activity) is for more than one reduced-function variant. Genotypes are called at DPYD's real positions."""

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
from tailormed.model.pgx import CallOrigin, GenePhenotype, GuidelineResult, PhenotypeStatus

STAR_2A, C2846, C1236, INTRONIC = "rs3918290", "rs67376798", "rs56038477", "rs75017182"
FIFTY = "Start with 50% of the standard dose"
MEASURE = "It is not possible to recommend a dose adjustment for this patient based on the genotype only."
DPWG_DRUGS = ("capecitabine", "fluorouracil", "tegafur", "flucytosine")
#: The newer annotation's two paragraphs at 1.0 (capecitabine and fluorouracil; tegafur and flucytosine give one text).
SINGLE = "If the patient has a single variant associated with no DPD activity, start with 50% of the standard dose"
SEVERAL = (
    "If the patient has more than one variant associated with reduced DPD activity, it is not possible to recommend "
    "a dose adjustment based on the genotype only."
)
SPLIT_DRUGS = ("capecitabine", "fluorouracil")
CORE = "curated core"


@pytest.fixture(scope="module")
def dpyd(core: KnowledgeBundle) -> GeneDefinition:
    return load_definitions(core, "pgx-core-definitions")["DPYD"]


@pytest.fixture(scope="module")
def phenotypes(core: KnowledgeBundle) -> PhenotypeKnowledge:
    return load_phenotypes(core, "pgx-core-phenotypes")


@pytest.fixture(scope="module", params=[CORE, "bundle built from PharmCAT's export"])
def guidelines(
    request: pytest.FixtureRequest, core: KnowledgeBundle, tmp_path_factory: pytest.TempPathFactory
) -> GuidelineKnowledge:
    """The curated core's rows, and the rows the pharmcat-guidelines importer writes from PharmCAT's 2024-03 export:
    both must pick one DPWG DPYD row at activity score 1.0 the same way."""
    if request.param == CORE:
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
        alleles = {"het": (v.ref, alt), "hom": (alt, alt), "first": (alt, v.ref), "second": (v.ref, alt)}.get(
            variant.get(v.rsid or "", ""), (v.ref, v.ref)
        )
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


def is_core(guidelines: GuidelineKnowledge) -> bool:
    return guidelines.source == "pgx-core-guidelines"


def test_one_no_function_allele_gets_only_the_half_dose_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {STAR_2A: "het"})
    assert result.diplotypes == ["Reference/c.1905+1G>A (*2A)"] and result.activity_score == "1.0"
    one_inactive = "Heterozygous for variant with inactive functionality (*1/*2A or *1/*13)"
    for drug in DPWG_DRUGS:
        (row,) = dpwg(guidelines, result, drug).rows
        if not is_core(guidelines):
            assert any(one_inactive in s.quote for s in row.sources), drug
        elif drug in SPLIT_DRUGS:
            assert row.text.startswith(SINGLE), drug
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(SINGLE if is_core(guidelines) else FIFTY)
    assert row.dosing_information and not row.other_prescribing_guidance


def test_two_different_unphased_decreased_function_variants_get_only_the_measure_dpd_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {C2846: "het", C1236: "het", INTRONIC: "het"})
    assert result.activity_score == "1.0" and not result.phased
    assert {a.name for a in result.alleles} == {"c.2846A>T", "c.1129-5923C>G, c.1236G>A (HapB3)"}
    for drug in DPWG_DRUGS:
        (row,) = dpwg(guidelines, result, drug).rows
        if not is_core(guidelines):
            two = "Heterozygous for two different variants with reduced functionality"
            assert any(two in s.quote for s in row.sources)
        elif drug in SPLIT_DRUGS:
            assert row.text.startswith(SEVERAL), drug
    assert dpwg(guidelines, result).rows[0].text.startswith(SEVERAL if is_core(guidelines) else MEASURE)


def test_tegafur_and_flucytosine_give_one_text_at_one_in_the_newer_annotation(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, core: KnowledgeBundle
) -> None:
    guidelines = load_guidelines(core, "pgx-core-guidelines")
    texts = {
        drug: {
            dpwg(guidelines, dpyd_result(dpyd, phenotypes, variant), drug).rows[0].text
            for variant in ({STAR_2A: "het"}, {C2846: "het", C1236: "het", INTRONIC: "het"}, {C2846: "hom"})
        }
        for drug in ("tegafur", "flucytosine")
    }
    (tegafur,) = texts["tegafur"]
    assert tegafur.endswith("starting with 50 % of the standard dose is recommended.")
    (flucytosine,) = texts["flucytosine"]
    assert flucytosine.startswith("Be alert to the occurrence of severe side effects")


def test_the_exonic_hapb3_proxy_with_c2846_unphased_gets_the_measure_dpd_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    """A panel that reads c.1236G>A but not the intronic c.1129-5923C>G (as the DPWG table's genotypes are)."""
    result = dpyd_result(dpyd, phenotypes, {C2846: "het", C1236: "het"}, missing=(INTRONIC,))
    assert result.activity_score == "1.0"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(SEVERAL if is_core(guidelines) else MEASURE)


def test_the_same_two_variants_phased_on_different_copies(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    """The export's table gives the half dose once the phase is known; the newer annotation asks for DPD activity
    to be measured whenever more than one reduced-function variant is present."""
    result = dpyd_result(dpyd, phenotypes, {C2846: "first", C1236: "second", INTRONIC: "second"}, phased=True)
    assert result.phased and result.activity_score == "1.0"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(SEVERAL if is_core(guidelines) else FIFTY)


def test_the_same_two_variants_phased_on_one_copy_score_one_and_a_half(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {C2846: "first", C1236: "first", INTRONIC: "first"}, phased=True)
    assert result.activity_score == "1.5"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(FIFTY)


def test_one_decreased_function_variant_on_both_copies(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    """Two copies of one reduced-function variant: the export's table gives the half dose; the newer annotation's
    first paragraph is only for a no-function variant, so its second (more than one reduced-function variant)
    applies."""
    result = dpyd_result(dpyd, phenotypes, {C2846: "hom"})
    assert result.activity_score == "1.0"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(SEVERAL if is_core(guidelines) else FIFTY)


def test_score_half_keeps_the_measure_dpd_row(
    dpyd: GeneDefinition, phenotypes: PhenotypeKnowledge, guidelines: GuidelineKnowledge
) -> None:
    result = dpyd_result(dpyd, phenotypes, {STAR_2A: "het", C2846: "het"})
    assert result.activity_score == "0.5"
    (row,) = dpwg(guidelines, result).rows
    assert row.text.startswith(MEASURE)


def test_a_score_stated_without_its_alleles_gets_both_paragraphs_of_the_newer_annotation(core: KnowledgeBundle) -> None:
    """An outside call giving only the activity score: which paragraph applies cannot be told, so both are shown."""
    guidelines = load_guidelines(core, "pgx-core-guidelines")
    result = GenePhenotype(
        sample="S",
        gene="DPYD",
        status=PhenotypeStatus.ASSIGNED,
        origin=CallOrigin.OUTSIDE_CALL,
        activity_score="1.0",
        phenotype="Intermediate Metabolizer",
    )
    texts = sorted(row.text[:40] for row in dpwg(guidelines, result).rows)
    assert texts == sorted([SINGLE[:40], SEVERAL[:40]])


def test_every_dpwg_dpyd_guideline_conditions_its_rows_at_one(guidelines: GuidelineKnowledge) -> None:
    for drug in DPWG_DRUGS:
        (guideline,) = [g for g in guidelines.for_drug(drug) if g.source == "DPWG" and "DPYD" in g.genes]
        at_one = [
            r for r in guideline.recommendations if any("1.0" in c.values for c in r.criteria if c.gene == "DPYD")
        ]
        origins = sorted(r.condition.score_from for r in at_one if r.condition)
        if not is_core(guidelines):
            assert origins == sorted([ScoreOrigin.TWO_UNPHASED_VARIANTS, ScoreOrigin.KNOWN_ALLELES]), drug
        elif drug in SPLIT_DRUGS:
            assert origins == sorted([ScoreOrigin.ONE_NO_FUNCTION_ALLELE, ScoreOrigin.REDUCED_FUNCTION_VARIANTS]), drug
        else:
            assert len(at_one) == 1 and not origins, drug
