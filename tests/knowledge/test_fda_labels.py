"""FDA drug-label guidance (ClinPGx label annotations, as PharmCAT 3.1.1 carries them) as a source beside CPIC and
DPWG: real genotypes reach the label's own words, flagged as the annotation flags them, and only for the results the
annotation names."""

from __future__ import annotations

import re

import pytest

from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.engines.pgx.review import review_medications
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge
from tailormed.knowledge.pgx.interactions import read_phenoconversion
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.model.patient import Medication
from tailormed.model.pgx import GenePhenotype, GuidelineResult, MatchedRow

from .conftest import called, outside

LABEL = "FDA label"


def answers(guidelines: GuidelineKnowledge, drug: str, results: dict[str, GenePhenotype]) -> list[GuidelineResult]:
    return recommend_drug(guidelines, results, name=drug)


def label_rows(guidelines: GuidelineKnowledge, drug: str, results: dict[str, GenePhenotype]) -> list[MatchedRow]:
    return [row for a in answers(guidelines, drug, results) if a.source == LABEL for row in a.rows]


@pytest.mark.parametrize(
    ("drug", "gene", "diplotype", "annotation", "start"),
    [
        ("clozapine", "CYP2D6", "*4/*4", "PA166104815", '"Dose reduction may be necessary in patients who are CYP2D6'),
        ("clobazam", "CYP2C19", "*2/*2", "PA166104884", '"In CYP2C19 poor metabolizers ... the starting dose should'),
        ("dabrafenib", "G6PD", "A- 202A_376G/B (reference)", "PA166114913", "The TAFINLAR (dabrafenib) label states"),
        ("chlorpropamide", "G6PD", "A- 202A_376G/A- 202A_376G", "PA166114910", '"Because DIABINESE [chlorpropamide]'),
        ("amifampridine", "NAT2", "*5/*6", "PA166185151", '"The recommended starting dosage of RUZURGI in pediatric'),
        ("glipizide", "G6PD", "A- 202A_376G/B (reference)", "PA166105148", '"Because GLUCOTROL [glipizide] belongs'),
        ("iloperidone", "CYP2D6", "*4/*4", "PA166104887", '"Reduce the dose of FANAPT [iloperidone] by one-half'),
        ("gefitinib", "CYP2D6", "*4/*4", "PA166170929", '"No dose adjustment is recommended in patients with a known'),
        ("lofexidine", "CYP2D6", "*4/*4", "PA166179848", '"Monitor adverse events such as orthostatic hypotension'),
        ("meclizine", "CYP2D6", "*4/*4", "PA166180000", "The meclizine (ANTIVERT) label states"),
        ("metoclopramide", "CYP2D6", "*4/*4", "PA166178750", '"Reduce the Reglan [metoclopramide] dosage in patients'),
        ("nalidixic acid", "G6PD", "A- 202A_376G/A- 202A_376G", "PA166104891", '"Caution should be observed in'),
        ("pitolisant", "CYP2D6", "*4/*4", "PA166185168", '"Dosage Recommendations in Patients Who Are Known CYP2D6'),
        ("sodium nitrite", "G6PD", "A- 202A_376G/B (reference)", "PA166115362", '"Because patients with G6PD'),
        ("sulfasalazine", "G6PD", "A- 202A_376G/A- 202A_376G", "PA166104892", '"Patients with glucose-6 phosphate'),
        ("tamsulosin", "CYP2D6", "*4/*4", "PA166160672", '"FLOMAX [tamsulosin] capsules should be used with caution'),
        ("thioridazine", "CYP2D6", "*1/*4", "PA166104805", '"...thioridazine is contraindicated...in patients'),
        ("tolazamide", "G6PD", "A- 202A_376G/B (reference)", "PA166182786", '"Because tolazamide belongs to the class'),
        ("tolbutamide", "G6PD", "A- 202A_376G/A- 202A_376G", "PA166182787", '"Because tolbutamide belongs to the'),
        ("valbenazine", "CYP2D6", "*4/*4", "PA166170052", '"The recommended dosage for known CYP2D6 poor metabolizers'),
        ("deuruxolitinib", "CYP2C9", "*3/*3", "PA166400362", "The deuruxolitinib (LEQSELVI) label states"),
        ("mepivacaine", "G6PD", "A- 202A_376G/B (reference)", "PA166182751", '"Although all patients are at risk'),
        ("ropivacaine", "G6PD", "A- 202A_376G/A- 202A_376G", "PA166182728", "The NAROPIN (ropivacaine) label states"),
        ("seladelpar", "CYP2C9", "*2/*3", "PA166400441", '"Monitor CYP2C9 poor metabolizers who receive a concomitant'),
    ],
)
def test_a_drug_only_the_label_guides_gets_the_labels_words(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    drug: str,
    gene: str,
    diplotype: str,
    annotation: str,
    start: str,
) -> None:
    """Neither CPIC nor DPWG has a guideline for these drugs; the FDA table's row (if any) is shown but never acted
    on, so the label's words are the only advice that asks for a change."""
    results = {gene: called(gene, phenotypes, diplotype)}
    found = answers(guidelines, drug, results)
    assert {a.source for a in found} <= {LABEL, "FDA"}
    assert not any(row.actionable for a in found if a.source == "FDA" for row in a.rows)
    (row,) = label_rows(guidelines, drug, results)
    assert row.text.startswith(start)
    assert row.actionable and (row.dosing_information or row.alternate_drug_available or row.other_prescribing_guidance)
    (source,) = row.sources
    assert source.cite == f"https://www.clinpgx.org/labelAnnotation/{annotation}"
    assert f"ClinPGx label annotation {annotation} version " in source.at and "Drugs@FDA" in source.at
    (answer,) = [a for a in found if a.source == LABEL]
    assert answer.actionable and answer.version == "ClinPGx label annotations 2025-11-05 (PharmCAT 3.1.1)"


@pytest.mark.parametrize(
    ("drug", "gene", "affected", "unaffected"),
    [
        ("clozapine", "CYP2D6", "*4/*4", "*1/*4"),  # poor, not intermediate
        ("citalopram", "CYP2C19", "*2/*3", "*1/*2"),
        ("clopidogrel", "CYP2C19", "*2/*2", "*1/*17"),
        ("dapsone", "G6PD", "A- 202A_376G/A- 202A_376G", "B (reference)/B (reference)"),
        ("allopurinol", "HLA-B", "*58:01/*07:02", "*07:02/*08:01"),
        ("hydralazine", "NAT2", "*5/*6", "*1/*5"),  # poor, not intermediate: the label's "slow acetylators"
        ("hydroxychloroquine", "G6PD", "A- 202A_376G/A- 202A_376G", "B (reference)/B (reference)"),
        ("oxcarbazepine", "HLA-B", "*15:02/*07:02", "*07:02/*08:01"),
        ("pegloticase", "G6PD", "A- 202A_376G/B (reference)", "B (reference)/B (reference)"),
        ("rasburicase", "G6PD", "A- 202A_376G/A- 202A_376G", "B (reference)/B (reference)"),
        ("primaquine", "G6PD", "A- 202A_376G/B (reference)", "B (reference)/B (reference)"),
        ("lesinurad", "CYP2C9", "*3/*3", "*1/*2"),  # activity score 0, not 1.5
        ("methylene blue", "G6PD", "A- 202A_376G/B (reference)", "B (reference)/B (reference)"),
        ("nitrofurantoin", "G6PD", "A- 202A_376G/A- 202A_376G", "B (reference)/B (reference)"),
        ("piroxicam", "CYP2C9", "*2/*3", "*1/*3"),  # activity score 0.5, not 1
        ("tafenoquine", "G6PD", "A- 202A_376G/B (reference)", "B (reference)/B (reference)"),
        ("thioridazine", "CYP2D6", "*1/*4", "*1/*1"),  # the label's "reduced levels of activity": scores 0 to 1
        ("tramadol", "CYP2D6", "*1/*1x2", "*1/*1"),  # ultrarapid only
        ("vortioxetine", "CYP2D6", "*4/*4", "*1/*4"),
        ("deuruxolitinib", "CYP2C9", "*2/*3", "*1/*3"),  # activity score 0.5, not 1
        ("erdafitinib", "CYP2C9", "*3/*3", "*2/*3"),  # the label's *3/*3 genotype, not any poor metabolizer
    ],
)
def test_label_rows_reach_only_the_results_they_name(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, gene: str, affected: str, unaffected: str
) -> None:
    assert len(label_rows(guidelines, drug, {gene: called(gene, phenotypes, affected)})) == 1
    assert label_rows(guidelines, drug, {gene: called(gene, phenotypes, unaffected)}) == []


@pytest.mark.parametrize("diplotype", ["*1/*1x2", "*1/*2x2"])
def test_codeine_ultrarapid_metabolizer_gets_every_source(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str
) -> None:
    """CPIC, DPWG and the codeine label all advise on an ultrarapid metabolizer; each answer keeps its own words."""
    results = {"CYP2D6": called("CYP2D6", phenotypes, diplotype)}
    found = {a.source: a for a in answers(guidelines, "codeine", results)}
    assert set(found) == {"CPIC", "DPWG", LABEL, "FDA"}
    assert all(found[source].actionable for source in ("CPIC", "DPWG", LABEL))
    (row,) = found[LABEL].rows
    assert row.text == (
        '"... individuals who are ultra-rapid metabolizers should not use Codeine Sulfate Tablets." '
        "See label for more information."
    )
    assert row.alternate_drug_available and not row.dosing_information
    assert label_rows(guidelines, "codeine", {"CYP2D6": called("CYP2D6", phenotypes, "*1/*1")}) == []


@pytest.mark.parametrize("drug", ["amikacin", "gentamicin", "plazomicin", "streptomycin", "tobramycin"])
def test_aminoglycoside_labels_reach_an_mt_rnr1_risk_variant(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str
) -> None:
    risk = outside("MT-RNR1", phenotypes, "increased risk of aminoglycoside-induced hearing loss")
    (row,) = label_rows(guidelines, drug, {"MT-RNR1": risk})
    assert row.text.startswith(f'The {drug} label states: "Cases of ototoxicity with aminoglycosides')
    assert "particularly the m.1555A>G variant" in row.text and row.alternate_drug_available
    normal = outside("MT-RNR1", phenotypes, "normal risk of aminoglycoside-induced hearing loss")
    assert label_rows(guidelines, drug, {"MT-RNR1": normal}) == []


def test_pimozide_label_limits_the_dose_of_adult_and_paediatric_poor_metabolizers(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    rows = label_rows(guidelines, "pimozide", {"CYP2D6": called("CYP2D6", phenotypes, "*4/*4")})
    by_population = {row.population: row for row in rows}
    assert set(by_population) == {"adults", "pediatrics"} and all(row.actionable for row in rows)
    assert "should not exceed 4 mg/day" in by_population["adults"].text
    assert "should not exceed 0.05 mg/kg/day" in by_population["pediatrics"].text
    assert label_rows(guidelines, "pimozide", {"CYP2D6": called("CYP2D6", phenotypes, "*1/*4")}) == []


@pytest.mark.parametrize(
    ("diplotype", "acts"),
    [("*4/*4", True), ("*1/*4", True), ("*1/*1", False), ("*1/*1x2", True)],
)
def test_meclizine_label_asks_for_monitoring_of_every_result_but_normal(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, acts: bool
) -> None:
    """The annotation gives the label's words for every CYP2D6 score; a normal metabolizer sees them without being
    asked to act, a poor, intermediate or ultrarapid one is asked to monitor."""
    (row,) = label_rows(guidelines, "meclizine", {"CYP2D6": called("CYP2D6", phenotypes, diplotype)})
    assert "monitor for adverse reactions and clinical effect accordingly" in row.text
    assert row.other_prescribing_guidance and row.actionable is acts


def test_tetrabenazine_label_caps_poor_metabolizers_and_titrates_the_others(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    (poor,) = label_rows(guidelines, "tetrabenazine", {"CYP2D6": called("CYP2D6", phenotypes, "*4/*4")})
    assert "the recommended daily dose should not exceed a maximum of 50 mg" in poor.text and poor.actionable
    (intermediate,) = label_rows(guidelines, "tetrabenazine", {"CYP2D6": called("CYP2D6", phenotypes, "*1/*4")})
    assert "should be titrated up slowly at weekly intervals by 12.5 mg daily" in intermediate.text
    assert intermediate.actionable
    (normal,) = label_rows(guidelines, "tetrabenazine", {"CYP2D6": called("CYP2D6", phenotypes, "*1/*1")})
    assert normal.text == intermediate.text and not normal.actionable
    assert label_rows(guidelines, "tetrabenazine", {"CYP2D6": called("CYP2D6", phenotypes, "*1/*1x2")}) == []


HOMOZYGOUS = {
    "azathioprine": "Consider alternative therapy in patients with homozygous TPMT or NUDT15 deficiency",
    "mercaptopurine": "typically require 10% or less of the recommended dosage",
    "thioguanine": "typically require 10% or less of the standard thioguanine dosage",
}
HETEROZYGOUS = {
    "azathioprine": "dosage reduction is recommended in patients known to have heterozygous deficiency",
    "mercaptopurine": "Reduce the PURIXAN dosage based on tolerability",
    "thioguanine": "tolerate recommended thioguanine doses, but some require dose reduction based on toxicities",
}


@pytest.mark.parametrize("drug", ["azathioprine", "mercaptopurine", "thioguanine"])
@pytest.mark.parametrize(
    ("tpmt", "nudt15", "words"),
    [
        ("*3A/*3A", "*1/*1", HOMOZYGOUS),
        ("*1/*1", "*3/*3", HOMOZYGOUS),
        ("*3A/*3A", None, HOMOZYGOUS),  # NUDT15 not tested
        ("*1/*3A", "*1/*1", HETEROZYGOUS),
        ("*1/*1", "*1/*3", HETEROZYGOUS),
        ("*1/*3A", None, HETEROZYGOUS),
        ("*1/*1", "*1/*1", None),
    ],
)
def test_thiopurine_labels_read_tpmt_and_nudt15_together(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    drug: str,
    tpmt: str,
    nudt15: str | None,
    words: dict[str, str] | None,
) -> None:
    results = {"TPMT": called("TPMT", phenotypes, tpmt)}
    if nudt15 is not None:
        results["NUDT15"] = called("NUDT15", phenotypes, nudt15)
    rows = label_rows(guidelines, drug, results)
    if words is None:
        assert rows == []
        return
    (row,) = rows
    assert words[drug] in row.text and row.actionable
    # azathioprine's label asks for another drug where mercaptopurine's and thioguanine's cut the dose
    assert row.alternate_drug_available is (drug == "azathioprine" and words is HOMOZYGOUS)
    assert row.dosing_information is not row.alternate_drug_available


@pytest.mark.parametrize("drug", ["azathioprine", "thioguanine"])
def test_thiopurine_labels_warn_of_deeper_cuts_when_both_genes_are_heterozygous(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str
) -> None:
    both = {"TPMT": called("TPMT", phenotypes, "*1/*3A"), "NUDT15": called("NUDT15", phenotypes, "*1/*3")}
    (row,) = label_rows(guidelines, drug, both)
    assert "heterozygous for both TPMT and NUDT15" in row.text and "may require more substantial dosage" in row.text
    one = {"TPMT": called("TPMT", phenotypes, "*1/*3A"), "NUDT15": called("NUDT15", phenotypes, "*1/*1")}
    (row,) = label_rows(guidelines, drug, one)
    assert "heterozygous for both" not in row.text


@pytest.mark.parametrize(
    ("cyp2c9", "hla_b", "dose", "avoid"),
    [
        ("*1/*3", "*07:02/*08:01", True, True),  # intermediate (activity score 1), *15:02 negative
        ("*1/*3", None, True, True),  # HLA-B not typed
        ("*1/*2", "*07:02/*08:01", True, False),  # activity score 1.5: lower doses only
        ("*1/*1", "*15:02/*07:02", False, True),  # *15:02 positive: avoid, whatever CYP2C9 gives
        ("*1/*1", "*07:02/*08:01", False, False),
    ],
)
@pytest.mark.parametrize(
    ("drug", "lower", "avoiding"),
    [
        ("phenytoin", "may ultimately require lower doses of phenytoin", "Consider avoiding DILANTIN [phenytoin]"),
        ("fosphenytoin", "may ultimately require lower doses to maintain", "Consider avoiding CEREBYX [fosphenytoin]"),
    ],
)
def test_phenytoin_labels_read_cyp2c9_and_hla_b_together(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    drug: str,
    lower: str,
    avoiding: str,
    cyp2c9: str,
    hla_b: str | None,
    dose: bool,
    avoid: bool,
) -> None:
    results = {"CYP2C9": called("CYP2C9", phenotypes, cyp2c9)}
    if hla_b is not None:
        results["HLA-B"] = called("HLA-B", phenotypes, hla_b)
    rows = label_rows(guidelines, drug, results)
    if not (dose or avoid):
        assert rows == []
        return
    (row,) = rows
    assert (lower in row.text) is dose
    assert (f"{avoiding} as an alternative to carbamazepine" in row.text) is avoid
    assert row.dosing_information is dose and row.alternate_drug_available is avoid and row.actionable


@pytest.mark.parametrize("drug", ["desflurane", "isoflurane", "sevoflurane", "succinylcholine"])
def test_anaesthetic_labels_reach_malignant_hyperthermia_susceptibility_only(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str
) -> None:
    """A CACNA1S or RYR1 variant associated with malignant hyperthermia meets the label's contraindication; a result
    of uncertain susceptibility (no such variant found) does not."""
    susceptible = outside("RYR1", phenotypes, "Malignant Hyperthermia Susceptibility")
    uncertain = called("CACNA1S", phenotypes, "Reference/Reference")
    (row,) = label_rows(guidelines, drug, {"RYR1": susceptible, "CACNA1S": uncertain})
    assert "can induce malignant hyperthermia in patients with known or suspected susceptibility" in row.text
    assert row.alternate_drug_available and row.actionable
    (row,) = label_rows(guidelines, drug, {"CACNA1S": called("CACNA1S", phenotypes, "Reference/c.520C>T")})
    assert row.actionable
    assert label_rows(guidelines, drug, {"CACNA1S": uncertain}) == []
    assert (
        label_rows(
            guidelines, drug, {"CACNA1S": uncertain, "RYR1": outside("RYR1", phenotypes, "Uncertain Susceptibility")}
        )
        == []
    )


def _label_now(answers: list[GuidelineResult]) -> list[MatchedRow]:
    return [row for a in answers if a.source == LABEL for row in a.rows if row.actionable]


def test_fluoxetine_label_reads_the_genotype_not_fluoxetines_own_cyp2d6_inhibition(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    """Fluoxetine is a strong CYP2D6 inhibitor: its label's caution for CYP2D6 poor metabolizers rests on the genotype
    (as demo patient 2's fluoxetine is reviewed), not on the poor metabolism fluoxetine itself brings about; another
    inhibitor on the list (paroxetine) is a condition that raises fluoxetine exposure and does bring the caution."""
    rules = read_phenoconversion()
    normal = {"CYP2D6": called("CYP2D6", phenotypes, "*1/*1")}
    review = review_medications([Medication(name="fluoxetine")], normal, guidelines, rules, phenotypes)
    (fluoxetine,) = review.medications
    assert fluoxetine.phenoconversions == [] and _label_now(fluoxetine.recommendations) == []
    poor = {"CYP2D6": called("CYP2D6", phenotypes, "*4/*4")}
    review = review_medications([Medication(name="fluoxetine")], poor, guidelines, rules, phenotypes)
    (row,) = _label_now(review.medications[0].recommendations)
    assert "(... CYP2D6 poor metabolizer status...)" in row.text and row.other_prescribing_guidance
    meds = [Medication(name="fluoxetine"), Medication(name="paroxetine")]
    fluoxetine = review_medications(meds, normal, guidelines, rules, phenotypes).medications[0]
    assert [c.perpetrators for c in fluoxetine.phenoconversions if c.gene == "CYP2D6"] == [["paroxetine"]]
    assert _label_now(fluoxetine.genotype_recommendations) == []
    (row,) = _label_now(fluoxetine.recommendations)
    assert "CYP2D6 poor metabolizer status" in row.text


@pytest.mark.parametrize(
    ("written", "gene", "diplotype"),
    [("Leqselvi 8 mg", "CYP2C9", "*3/*3"), ("Naropin", "G6PD", "A- 202A_376G/B (reference)")],
)
def test_a_label_drug_without_an_rxnorm_code_is_found_by_its_brand(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, written: str, gene: str, diplotype: str
) -> None:
    """Deuruxolitinib and ropivacaine have no RxNorm code in the sources read; the medicine list's brand still
    reaches the label's words."""
    results = {gene: called(gene, phenotypes, diplotype)}
    review = review_medications([Medication(name=written)], results, guidelines, read_phenoconversion(), phenotypes)
    (medication,) = review.medications
    (row,) = _label_now(medication.recommendations)
    assert "label states" in row.text


@pytest.mark.parametrize(
    ("diplotype", "words"),
    [
        ("*1/*3", "the recommended maintenance dosage of MAYZENT is 1 mg"),
        ("*2/*3", "the recommended maintenance dosage of MAYZENT is 1 mg"),
        ("*3/*3", "MAYZENT is contraindicated in patients who have [a] CYP2C9*3/*3 genotype"),
        ("*1/*1", None),
        ("*2/*2", None),  # activity score 1, but the label names the genotypes, and this one keeps the usual dose
        ("*3/*9", None),  # a genotype the label does not name
    ],
)
def test_siponimod_label_reads_the_named_cyp2c9_genotypes(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, words: str | None
) -> None:
    rows = label_rows(guidelines, "siponimod", {"CYP2C9": called("CYP2C9", phenotypes, diplotype)})
    if words is None:
        assert rows == []
        return
    (row,) = rows
    assert words in row.text and row.actionable
    assert row.alternate_drug_available is (diplotype == "*3/*3") and row.dosing_information is (diplotype != "*3/*3")


@pytest.mark.parametrize(("diplotype", "reduced"), [("*28/*28", True), ("*80+*28/*80+*28", True), ("*1/*28", False)])
def test_belinostat_label_reduces_the_starting_dose_of_two_ugt1a1_28_copies(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, reduced: bool
) -> None:
    rows = label_rows(guidelines, "belinostat", {"UGT1A1": called("UGT1A1", phenotypes, diplotype)})
    assert [("750 mg/m2" in row.text, row.actionable) for row in rows] == ([(True, True)] if reduced else [])


@pytest.mark.parametrize(
    ("diplotype", "words", "dose"),
    [
        ("*28/*28", "The recommended starting dose of ONIVYDE in patients known to be homozygous", True),
        ("*80+*28/*80+*28", "The recommended starting dose of ONIVYDE in patients known to be homozygous", True),
        ("*6/*6", "or compound heterozygous for the UGT1A1*28 and *6 alleles (*6/*28)", True),
        ("*28/*6", "or compound heterozygous for the UGT1A1*28 and *6 alleles (*6/*28)", True),
        ("*1/*28", "Closely monitor patients with UGT1A1*28 or *6 alleles for neutropenia", False),
        ("*1/*6", "Closely monitor patients with UGT1A1*28 or *6 alleles for neutropenia", False),
        ("*1/*1", None, False),
    ],
)
def test_irinotecan_label_reads_the_ugt1a1_genotypes_it_names(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, words: str | None, dose: bool
) -> None:
    rows = label_rows(guidelines, "irinotecan", {"UGT1A1": called("UGT1A1", phenotypes, diplotype)})
    if words is None:
        assert rows == []
        return
    (row,) = rows
    assert words in row.text and row.actionable
    assert row.dosing_information is dose and row.other_prescribing_guidance is not dose


def test_every_label_row_quotes_its_annotation(guidelines: GuidelineKnowledge) -> None:
    """Each label guideline names its ClinPGx annotation page; each row shows the words it quotes, citing that page,
    the annotation's id and version, and the label (Drugs@FDA) the annotation reads."""
    labels = [g for g in guidelines.guidelines if g.source == LABEL]
    assert len(labels) >= 85
    for guideline in labels:
        match = re.fullmatch(r"https://www\.clinpgx\.org/labelAnnotation/(PA\d+)", guideline.url or "")
        assert match is not None, guideline.id
        assert guideline.recommendations
        for row in guideline.recommendations:
            (source,) = row.sources
            assert source.cite == guideline.url
            assert re.search(rf"ClinPGx label annotation {match.group(1)} version \d+ ", source.at)
            assert "Drugs@FDA: Drug Product" in source.at
            if row.age is None:
                assert source.quote.split() == row.text.split()
                assert row.changes_therapy
            else:  # one sentence of the words, for the ages it speaks of (pantoprazole: adults, children)
                words = " ".join(source.quote.replace('"', "").replace("...", ". ").split())
                assert " ".join(row.text.split()) in words, row.id
                assert row.age.sources
