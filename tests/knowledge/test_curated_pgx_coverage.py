"""The curated core gives guidance, with the guideline's own words, for the CPIC level-A drugs a fresh install meets
(tamoxifen, PPIs, tricyclics, NSAIDs, atomoxetine, ondansetron, anaesthetics, aminoglycosides), and refuses outside
calls naming alleles that do not exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.engines.pgx.phenotype import phenotype_gene
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.errors import InputError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.definitions import GeneDefinition
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.model.pgx import (
    CallOrigin,
    CallStatus,
    Diplotype,
    GeneCall,
    GenePhenotype,
    RecommendationStatus,
)
from tailormed.pipeline.pgx import read_outside


def outside(
    gene: str,
    phenotypes: PhenotypeKnowledge,
    diplotype: str = "",
    phenotype: str | None = None,
    score: str | None = None,
) -> GenePhenotype:
    first, _, second = diplotype.partition("/")
    call = GeneCall(
        sample="s1",
        gene=gene,
        status=CallStatus.CALLED,
        diplotypes=[Diplotype(allele1=first, allele2=second)] if diplotype else [],
        origin=CallOrigin.OUTSIDE_CALL,
        outside_phenotype=phenotype,
        outside_activity_score=score,
    )
    return phenotype_gene(call, phenotypes.gene(gene))


@pytest.mark.parametrize(
    "drug",
    [
        "tamoxifen",
        "omeprazole",
        "pantoprazole",
        "lansoprazole",
        "amitriptyline",
        "nortriptyline",
        "imipramine",
        "clomipramine",
        "doxepin",
        "desipramine",
        "trimipramine",
        "celecoxib",
        "ibuprofen",
        "flurbiprofen",
        "meloxicam",
        "piroxicam",
        "lornoxicam",
        "tenoxicam",
        "atomoxetine",
        "ondansetron",
        "tropisetron",
        "succinylcholine",
        "sevoflurane",
        "desflurane",
        "isoflurane",
        "halothane",
        "gentamicin",
        "amikacin",
        "tobramycin",
        "streptomycin",
        "paroxetine",
        "fluvoxamine",
        "venlafaxine",
        "vortioxetine",
        "hydrocodone",
        "dexlansoprazole",
        "oxcarbazepine",
        "primaquine",
        "nitrofurantoin",
        "dapsone",
    ],
)
def test_cpic_level_a_and_b_drugs_have_core_guidance(guidelines: GuidelineKnowledge, drug: str) -> None:
    found = guidelines.for_drug(drug)
    assert any(g.source == "CPIC" and g.recommendations for g in found), drug
    for guideline in found:
        for row in guideline.recommendations:
            assert row.sources and row.sources[0].quote.split()[0].strip('"') in row.text, row.id


def test_tamoxifen_poor_metabolizer_gets_the_cpic_recommendation(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    cyp2d6 = outside("CYP2D6", phenotypes, "*4/*4")
    assert (cyp2d6.phenotype, cyp2d6.activity_score) == ("Poor Metabolizer", "0.0")
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": cyp2d6}, name="tamoxifen")}
    cpic = answers["CPIC"]
    assert cpic.status == RecommendationStatus.MATCHED
    (row,) = cpic.rows
    assert row.classification == "Strong"
    assert row.alternate_drug_available and row.actionable
    assert "aromatase inhibitor" in row.text
    assert cpic.citations[0] == "PMID:29385237"
    assert answers["DPWG"].status == RecommendationStatus.MATCHED


def test_tamoxifen_without_cyp2d6_says_it_cannot_be_assessed(guidelines: GuidelineKnowledge) -> None:
    answers = recommend_drug(guidelines, {}, name="tamoxifen")
    assert answers and all(a.status == RecommendationStatus.NOT_ASSESSED for a in answers)
    assert all("CYP2D6 not called" in a.not_assessed[0].reason for a in answers)


def test_mt_rnr1_carrier_is_told_to_avoid_gentamicin(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    mt = outside("MT-RNR1", phenotypes, "1555A>G")
    assert mt.phenotype == "increased risk of aminoglycoside-induced hearing loss"
    answers = recommend_drug(guidelines, {"MT-RNR1": mt}, name="gentamicin")
    (answer,) = [a for a in answers if a.source == "CPIC"]  # the gentamicin label answers too
    (row,) = answer.rows
    assert row.classification == "Strong"
    assert row.text.startswith("Avoid aminoglycoside")
    assert row.actionable
    assert row.sources[0].cite.startswith("CPIC: ")


@pytest.mark.parametrize(
    ("gene", "diplotype", "phenotype", "drug", "strength", "words"),
    [
        ("CYP2C19", "*2/*2", None, "omeprazole", "Moderate", "consider 50% reduction in daily dose"),
        ("CYP2C9", "*3/*3", None, "celecoxib", "Moderate", "Initiate therapy with 25-50% of the lowest"),
        ("CYP2D6", "*4/*4", None, "atomoxetine", "Moderate", "Initiate with a dose of 40 mg/day"),
        ("CYP2D6", "*1x2/*1", None, "ondansetron", "Moderate", "Select alternative drug"),
        (
            "RYR1",
            "",
            "Malignant Hyperthermia Susceptibility",
            "succinylcholine",
            "Strong",
            "relatively contraindicated",
        ),
    ],
)
def test_level_a_pairs_give_the_guideline_advice(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    gene: str,
    diplotype: str,
    phenotype: str | None,
    drug: str,
    strength: str,
    words: str,
) -> None:
    results = {gene: outside(gene, phenotypes, diplotype, phenotype)}
    answers = [a for a in recommend_drug(guidelines, results, name=drug) if a.source == "CPIC"]
    rows = [row for answer in answers for row in answer.rows]
    assert rows, f"{drug}: {[a.not_assessed for a in answers]}"
    assert any(row.classification == strength and words in row.text for row in rows), [r.text[:80] for r in rows]


def test_cacnai_s_is_called_from_its_two_positions(definitions: dict[str, GeneDefinition]) -> None:
    cacna1s = definitions["CACNA1S"]
    assert [v.rsid for v in cacna1s.variants] == ["rs1800559", "rs772226819"]
    assert {a.name for a in cacna1s.named_alleles} == {"Reference", "c.520C>T", "c.3257G>A"}


def test_unknown_star_allele_in_an_outside_call_is_refused(
    core: KnowledgeBundle, definitions: dict[str, GeneDefinition], phenotypes: PhenotypeKnowledge, tmp_path: Path
) -> None:
    calls = tmp_path / "calls.tsv"
    calls.write_text("CYP2C19\t*1/*2\nCYP2D6\t*1/*999\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_outside(calls, definitions, tables=phenotypes)
    message = str(caught.value)
    assert "calls.tsv" in message and "line 2" in message and "'*999'" in message
    calls.write_text(
        "CYP2D6\t*1/*4x2\nCYP2C9\t*1/*3\nMT-RNR1\t1555A>G\nRYR1\t\tMalignant Hyperthermia Susceptibility\n",
        encoding="utf-8",
    )
    read = read_outside(calls, definitions, tables=phenotypes)
    assert read is not None and [c.gene for c in read.calls] == ["CYP2D6", "CYP2C9", "MT-RNR1", "RYR1"]
    calls.write_text("CYP2C9\t*1/*77\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        read_outside(calls, definitions, tables=phenotypes)


def test_fda_table_of_pharmacogenetic_associations_sits_beside_cpic_and_dpwg(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    hla = outside("HLA-B", phenotypes, "*57:01/*07:02")
    answers = {a.source: a for a in recommend_drug(guidelines, {"HLA-B": hla}, name="abacavir")}
    assert set(answers) == {"CPIC", "DPWG", "FDA"}
    (row,) = answers["FDA"].rows
    assert row.text.startswith("Results in higher adverse reaction risk (hypersensitivity reactions).")
    assert row.classification == "FDA section 1: data support therapeutic management recommendations"
    assert row.sources[0].cite.endswith("/table-pharmacogenetic-associations")
    assert not row.actionable  # the table's words are shown; CPIC, DPWG and the label carry the action
    cyp2c19 = outside("CYP2C19", phenotypes, "*2/*2")
    (fda,) = [a for a in recommend_drug(guidelines, {"CYP2C19": cyp2c19}, name="clopidogrel") if a.source == "FDA"]
    assert "Consider use of another platelet P2Y12 inhibitor" in fda.rows[0].text
    sources = {g.source for g in guidelines.guidelines}
    assert sources == {"CPIC", "DPWG", "FDA", "FDA label"}
    assert sum(g.source == "FDA" for g in guidelines.guidelines) > 80
