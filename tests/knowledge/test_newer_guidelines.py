"""Guidelines ClinPGx annotated after the 2024-03-25 export, written by hand with each row quoting the annotation:
real genotypes reach the row the guideline gives them."""

from __future__ import annotations

import pytest

from tailormed.engines.pgx.phenotype import phenotype_gene
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall, RecommendationStatus

from .conftest import called, outside


@pytest.mark.parametrize(
    ("diplotype", "score", "classification", "text"),
    [
        ("*1/*1", "2.0", "Strong", "Initiate standard dosing"),
        ("*1/*4", "1.0", "Moderate", "Initiate standard dosing"),
        ("*4/*41", "0.25", "Moderate", "Initiate standard dosing"),
        (
            "*4/*4",
            "0.0",
            "Moderate",
            "Initiate therapy with lowest recommended starting dose. Carefully titrate dose upward to clinical effect "
            "or guideline-recommended dose; monitor more closely for bradycardia. Alternatively, consider selecting "
            "another beta-blocker.",
        ),
        (
            "*1/*1x2",
            "3.0",
            "No recommendation",
            "No recommendation for metoprolol therapy due to insufficient evidence regarding diminished metoprolol "
            "effectiveness clinically",
        ),
    ],
)
def test_cpic_2024_metoprolol_rows_by_cyp2d6_activity_score(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    diplotype: str,
    score: str,
    classification: str,
    text: str,
) -> None:
    result = called("CYP2D6", phenotypes, diplotype)
    assert result.activity_score == score
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": result}, name="metoprolol")}
    cpic = answers["CPIC"]
    assert cpic.status == RecommendationStatus.MATCHED and cpic.citations[0] == "PMID:38951961"
    (row,) = cpic.rows
    assert (row.classification, row.text) == (classification, text)
    assert row.sources[0].cite == "CPIC: CPIC Guideline for metoprolol and CYP2D6 (PMID:38951961)"
    assert row.actionable == (score == "0.0")
    # the DPWG metoprolol guideline of the 2024 export is still given beside it
    assert answers["DPWG"].status == RecommendationStatus.MATCHED


@pytest.mark.parametrize(
    ("diplotype", "phenotype", "text"),
    [
        ("*28/*28", "Poor Metabolizer", "- avoid atazanavir if there is a suitable alternative"),
        ("*80+*28/*80+*28", "Poor Metabolizer", "- avoid atazanavir if there is a suitable alternative"),
        ("*6/*6", "Poor Metabolizer", "NO action is needed for this gene-drug interaction."),
        ("*1/*28", "Intermediate Metabolizer", "NO action is needed for this gene-drug interaction."),
        ("*1/*1", "Normal Metabolizer", "The guideline does not provide a recommendation for atazanavir in normal"),
    ],
)
def test_dpwg_atazanavir_names_the_28_diplotypes_apart_from_other_poor_metabolizers(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, phenotype: str, text: str
) -> None:
    result = called("UGT1A1", phenotypes, diplotype)
    assert result.phenotype == phenotype
    answers = {a.source: a for a in recommend_drug(guidelines, {"UGT1A1": result}, name="atazanavir")}
    dpwg = answers["DPWG"]
    assert dpwg.status == RecommendationStatus.MATCHED
    (row,) = dpwg.rows
    assert row.text.startswith(text)
    assert row.sources[0].at.startswith("PA166411701 (annotation version 3)")
    assert row.actionable == text.startswith("- avoid")
    assert answers["CPIC"].status == RecommendationStatus.MATCHED  # the CPIC guideline stays beside it


@pytest.mark.parametrize(
    ("call", "phenotype", "start", "actionable"),
    [
        ("*5/*5", "Poor Function", "Rosuvastatin and pravastatin are influenced to a similar extent", True),
        ("*1/*5", "Decreased Function", "Rosuvastatin and pravastatin are influenced to a lesser extent", True),
        ("Possible Decreased Function", "Possible Decreased Function", "influenced to a lesser extent", True),
        ("*1/*1", "Normal Function", "The guideline does not provide a recommendation for atorvastatin", False),
        ("Increased Function", "Increased Function", "does not provide a recommendation for atorvastatin", False),
    ],
)
def test_dpwg_2024_atorvastatin_replaces_the_2024_export_rows(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    call: str,
    phenotype: str,
    start: str,
    actionable: bool,
) -> None:
    """The 2024 DPWG statin guideline (PMID 39676086) added possible decreased and increased function; one DPWG
    atorvastatin guideline is left, the newer one."""
    (dpwg,) = [g for g in guidelines.for_drug("atorvastatin") if g.source == "DPWG"]
    assert dpwg.citations[0].pmid == "39676086"
    result = (
        called("SLCO1B1", phenotypes, call)
        if call.startswith("*")
        else phenotype_gene(
            GeneCall(
                sample="s1",
                gene="SLCO1B1",
                status=CallStatus.CALLED,
                origin=CallOrigin.OUTSIDE_CALL,
                outside_phenotype=call,
            ),
            phenotypes.gene("SLCO1B1"),
        )
    )
    assert result.phenotype == phenotype
    answers = {a.source: a for a in recommend_drug(guidelines, {"SLCO1B1": result}, name="atorvastatin")}
    (row,) = answers["DPWG"].rows
    assert start in row.text and row.actionable == actionable


@pytest.mark.parametrize(
    ("diplotype", "phenotype", "start"),
    [
        ("*2/*2", "Poor Metabolizer", "- NO CYP3A4 inhibitor as comedication:\n- start with 2.5 mg/day"),
        ("*1/*2", "Intermediate Metabolizer", "NO action is required for this gene-drug interaction."),
        ("*1/*1", "Normal Metabolizer", "The guideline does not provide a recommendation for mavacamten"),
        ("*17/*17", "Ultrarapid Metabolizer", "NO action is required for this gene-drug interaction."),
    ],
)
def test_dpwg_mavacamten_halves_the_start_for_cyp2c19_poor_metabolizers(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, phenotype: str, start: str
) -> None:
    result = called("CYP2C19", phenotypes, diplotype)
    assert result.phenotype == phenotype
    # the FDA table's mavacamten entry (added since 2021) answers beside it for intermediate and poor metabolizers
    answer = {a.source: a for a in recommend_drug(guidelines, {"CYP2C19": result}, name="mavacamten")}["DPWG"]
    assert answer.status == RecommendationStatus.MATCHED
    (row,) = answer.rows
    assert row.text.startswith(start)
    assert row.actionable == (phenotype == "Poor Metabolizer")


@pytest.mark.parametrize(("diplotype", "actionable"), [("*5/*5", True), ("*1/*5", True), ("*1/*1", False)])
def test_dpwg_rosuvastatin_sits_beside_cpic(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, actionable: bool
) -> None:
    slco1b1 = called("SLCO1B1", phenotypes, diplotype)
    abcg2 = called("ABCG2", phenotypes, "rs2231142 reference (G)/rs2231142 reference (G)")
    results = {"SLCO1B1": slco1b1, "ABCG2": abcg2}
    answers = {a.source: a for a in recommend_drug(guidelines, results, name="rosuvastatin")}
    (row,) = answers["DPWG"].rows
    assert row.sources[0].cite == "DPWG: DPWG Guideline for rosuvastatin and SLCO1B1 (PMID:39676086)"
    assert row.actionable == actionable
    assert ("keep the rosuvastatin dose as low as possible" in row.text) == actionable
    assert answers["CPIC"].status == RecommendationStatus.MATCHED


def test_dpwg_2024_simvastatin_covers_possible_decreased_function(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    """The export had no row for SLCO1B1 possible decreased function; the 2024 annotation gives it the
    decreased-function advice."""
    call = GeneCall(
        sample="s1",
        gene="SLCO1B1",
        status=CallStatus.CALLED,
        origin=CallOrigin.OUTSIDE_CALL,
        outside_phenotype="Possible Decreased Function",
    )
    result = phenotype_gene(call, phenotypes.gene("SLCO1B1"))
    answers = {a.source: a for a in recommend_drug(guidelines, {"SLCO1B1": result}, name="simvastatin")}
    (row,) = answers["DPWG"].rows
    assert "- Avoid simvastatin doses exceeding 40 mg/day (e.g. by adding ezetimibe)." in row.text
    assert row.actionable and row.sources[0].cite.endswith("(PMID:39676086)")
    poor = {
        a.source: a
        for a in recommend_drug(guidelines, {"SLCO1B1": called("SLCO1B1", phenotypes, "*5/*5")}, name="simvastatin")
    }
    (row,) = poor["DPWG"].rows
    assert "exceeding 40 mg/day" not in row.text and row.alternate_drug_available


@pytest.mark.parametrize("drug", ["dibekacin", "neomycin", "netilmicin", "ribostamycin"])
def test_aminoglycosides_added_to_the_mt_rnr1_guideline(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str
) -> None:
    carrier = phenotype_gene(
        GeneCall(
            sample="s1",
            gene="MT-RNR1",
            status=CallStatus.CALLED,
            diplotypes=[Diplotype(allele1="1555A>G", allele2="")],
            origin=CallOrigin.OUTSIDE_CALL,
        ),
        phenotypes.gene("MT-RNR1"),
    )
    assert carrier.phenotype == "increased risk of aminoglycoside-induced hearing loss"
    (answer,) = recommend_drug(guidelines, {"MT-RNR1": carrier}, name=drug)
    (row,) = answer.rows
    assert row.classification == "Strong" and row.text.startswith("Avoid aminoglycoside anitbiotics unless")
    assert row.actionable and answer.citations[0] == "PMID:34032273"
    uncertain = carrier.model_copy(update={"phenotype": "uncertain risk of aminoglycoside-induced hearing loss"})
    (answer,) = recommend_drug(guidelines, {"MT-RNR1": uncertain}, name=drug)
    (row,) = answer.rows
    assert row.classification == "Optional" and not row.text.startswith("Learn more")


@pytest.mark.parametrize(
    ("diplotype", "score", "start", "actionable"),
    [
        ("*1x2/*17", "2.5", "Eliglustat is contraindicated. Avoid eliglustat", True),
        ("*1/*1x2", "3.0", "Eliglustat is contraindicated. Avoid eliglustat", True),
        ("*1/*1", "2.0", "The guideline does not provide a recommendation for eliglustat", False),
        ("*1/*4", "1.0", "- MILD, MODERATE OR SEVERE RENAL IMPAIRMENT and/or MILD HEPATIC IMPAIRMENT:", True),
        ("*4/*4", "0.0", "- Co-medication with a STRONG CYP3A INHIBITOR", True),
    ],
)
def test_dpwg_eliglustat_follows_the_newer_annotation(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    diplotype: str,
    score: str,
    start: str,
    actionable: bool,
) -> None:
    """Annotation version 16 counts activity score 2.5 as ultrarapid (contraindicated; the export gave no
    recommendation), ties the intermediate advice to renal and hepatic impairment instead of CYP2D6 and CYP3A
    inhibitors, and gives poor metabolizers 84 mg once daily."""
    result = called("CYP2D6", phenotypes, diplotype)
    assert result.activity_score == score
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": result}, name="eliglustat")}
    answer = answers["DPWG"]
    assert answer.status == RecommendationStatus.MATCHED
    (row,) = answer.rows
    assert row.text.startswith(start) and row.actionable == actionable
    assert row.sources[0].at.startswith("PA166182823 (annotation version 16)")
    assert "CYP2D6 INHIBITOR" not in row.text
    if score == "0.0":
        assert "- use a dose of 84 mg once daily." in row.text


def test_dpwg_2024_anti_epileptic_guideline_says_avoid_carbamazepine_for_hla_b_15_02(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    """The export said "Choose an alternative if possible" with a 1.8-3.4% SJS/TEN risk; the 2024 DPWG guideline
    (PMID 38570725) says "Avoid carbamazepine" with 1.8-7.7%."""
    results = {
        "HLA-B": called("HLA-B", phenotypes, "*15:02/*07:02"),
        "HLA-A": called("HLA-A", phenotypes, "*02:01/*03:01"),
    }
    answers = [a for a in recommend_drug(guidelines, results, name="carbamazepine") if a.source == "DPWG"]
    rows = {row.sources[0].at.split(" ")[0]: row for answer in answers for row in answer.rows}
    hla_b = rows["PA166265162"]
    assert hla_b.text.startswith("- Avoid carbamazepine.") and hla_b.actionable
    assert "5-10-fold lower" in hla_b.text and "1.8-7.7%" in " ".join(hla_b.implications)
    assert hla_b.sources[0].cite == "DPWG: DPWG Guideline for carbamazepine and HLA-B (PMID:38570725)"
    assert "PA166265161" not in rows  # HLA-A*31:01 negative: the DPWG HLA-A guideline has no row for it


def test_dpwg_2024_hla_a_31_01_and_lamotrigine_rows(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    carrier = {"HLA-A": called("HLA-A", phenotypes, "*31:01/*02:01")}
    answers = [a for a in recommend_drug(guidelines, carrier, name="carbamazepine") if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows if row.sources[0].at.startswith("PA166265161")]
    assert row.text.endswith(
        "If it is not possible to avoid carbamazepine, advise the patient to report any skin rash immediately."
    )
    assert "within the first three months" in " ".join(row.implications)
    positive = {"HLA-B": called("HLA-B", phenotypes, "*15:02/*07:02")}
    (answer,) = [a for a in recommend_drug(guidelines, positive, name="lamotrigine") if a.source == "DPWG"]
    (row,) = answer.rows
    assert "0.24-0.79%" in " ".join(row.implications) and row.actionable
    assert row.sources[0].at.startswith("PA166265341 (annotation version 13)")


@pytest.mark.parametrize(
    ("drug", "annotation", "ending"),
    [
        ("oxcarbazepine", "PA166265201 (annotation version 12)", "advise the patient to report any rash immediately"),
        (
            "phenytoin",
            "PA166264881 (annotation version 13)",
            "advise the patient to report any skin rash\nimmediately.",
        ),
    ],
)
def test_dpwg_2024_hla_b_15_02_rows_of_oxcarbazepine_and_phenytoin(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, annotation: str, ending: str
) -> None:
    """The newer annotation sets the risk within the first three months and ends with what to do when the drug
    cannot be avoided."""
    results = {"HLA-B": called("HLA-B", phenotypes, "*15:02/*07:02")}
    answers = [a for a in recommend_drug(guidelines, results, name=drug) if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows if row.sources[0].at.startswith(annotation)]
    assert row.text.endswith(ending) and row.actionable
    assert "in the first three months" in " ".join(row.implications)
    assert row.sources[0].cite.endswith("(PMID:38570725)")


@pytest.mark.parametrize(
    ("drug", "annotation", "start"),
    [
        ("codeine", "PA166104970 (annotation version 39)", "DOSES HIGHER THAN 20 mg every 6 hours for adults"),
        ("doxepin", "PA166104994 (annotation version 34)", "- double the standard dose and monitor the effect"),
        ("flecainide", "PA166104969 (annotation version 35)", "There are no data about the pharmacokinetics"),
        ("nortriptyline", "PA166104961 (annotation version 38)", "Use 1.7 times the standard dose"),
        ("metoprolol", "PA166104995 (annotation version 37)", "Use the maximum dose for the relevant indication"),
        ("tramadol", "PA166104959 (annotation version 38)", "As the total analgesic effect changes"),
        ("paroxetine", "PA166104976 (annotation version 37)", "It is not possible to offer substantiated advice"),
        ("risperidone", "PA166104943 (annotation version 41)", "Choose an alternative or titrate the dose"),
        ("haloperidol", "PA166104988 (annotation version 36)", "Use 1.5 times the normal dose or choose"),
        (
            "atomoxetine",
            "PA166104989 (annotation version 36)",
            "- Be extra alert to reduced efficacy of the treatment.",
        ),
        ("propafenone", "PA166104962 (annotation version 36)", "It is not possible to offer adequately substantiated"),
        (
            "zuclopenthixol",
            "PA166104992 (annotation version 38)",
            "There is insufficient information available to make",
        ),
    ],
)
def test_dpwg_counts_cyp2d6_activity_score_2_5_as_ultrarapid(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, annotation: str, start: str
) -> None:
    """The newer DPWG annotations give activity score 2.5 the ultrarapid row; the export gave it none."""
    result = called("CYP2D6", phenotypes, "*1x2/*17")
    assert result.activity_score == "2.5"
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": result}, name=drug)}
    (row,) = answers["DPWG"].rows
    assert row.text.startswith(start) and row.actionable
    assert row.sources[0].at.startswith(annotation)
    normal = called("CYP2D6", phenotypes, "*1/*1")
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": normal}, name=drug)}
    (row,) = answers["DPWG"].rows
    assert row.classification == "No recommendation" and not row.actionable


def test_dpwg_doxepin_drops_the_therapeutic_range_from_its_dose_rows(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    for diplotype, start in (("*1/*4", "Use 80% of the standard dose"), ("*4/*4", "Use 40% of the standard dose")):
        result = called("CYP2D6", phenotypes, diplotype)
        answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": result}, name="doxepin")}
        (row,) = answers["DPWG"].rows
        assert row.text.startswith(start) and "therapeutic range" not in row.text
        assert row.text.endswith("in order to set the maintenance dose.")


def test_dpwg_2024_venlafaxine_needs_no_action_for_ultrarapid_metabolizers(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    """The export advised up to 150% of the dose for CYP2D6 ultrarapid metabolizers; the 2024 DPWG guideline
    (PMID 38956296) needs no action."""
    for diplotype in ("*1/*1x2", "*1x2/*17"):
        result = called("CYP2D6", phenotypes, diplotype)
        answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": result}, name="venlafaxine")}
        (row,) = answers["DPWG"].rows
        assert row.text.startswith("NO action is required for this gene-drug interaction") and not row.actionable
        assert "150%" not in row.text and row.sources[0].cite.endswith("(PMID:38956296)")
    poor = called("CYP2D6", phenotypes, "*4/*4")
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": poor}, name="venlafaxine")}
    (row,) = answers["DPWG"].rows
    assert row.text.startswith("It is not possible to offer adequately substantiated advice") and row.actionable


def test_dpwg_tamoxifen_gives_activity_score_2_5_the_ultrarapid_row(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    result = called("CYP2D6", phenotypes, "*1x2/*17")
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": result}, name="tamoxifen")}
    (row,) = answers["DPWG"].rows
    assert row.text == "NO action is needed for this gene-drug interaction." and not row.actionable
    assert "endoxifen can increase" in " ".join(row.implications)


@pytest.mark.parametrize(
    ("drug", "phenotype", "start", "actionable"),
    [
        ("escitalopram", "Likely Poor Metabolizer", "Do not exceed the following doses (50% of the standard", True),
        (
            "escitalopram",
            "Rapid Metabolizer",
            "The guideline does not provide a recommendation for escitalopram",
            False,
        ),
        ("citalopram", "Likely Poor Metabolizer", "Do not exceed the following daily doses (50% of the standard", True),
        ("citalopram", "Likely Intermediate Metabolizer", "Do not exceed the following daily doses:", True),
        ("omeprazole", "Likely Poor Metabolizer", "NO action is required for this gene-drug interaction.", False),
        (
            "pantoprazole",
            "Rapid Metabolizer",
            "The guideline does not provide a recommendation for pantoprazole",
            False,
        ),
    ],
)
def test_dpwg_cyp2c19_rows_for_likely_and_rapid_metabolizers(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    drug: str,
    phenotype: str,
    start: str,
    actionable: bool,
) -> None:
    """The export had no DPWG row for these CYP2C19 results; the newer annotations give them one."""
    result = outside("CYP2C19", phenotypes, phenotype)
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2C19": result}, name=drug)}
    assert answers["DPWG"].status == RecommendationStatus.MATCHED
    (row,) = answers["DPWG"].rows
    assert row.text.startswith(start) and row.actionable == actionable


def test_dpwg_thioguanine_covers_tpmt_possible_intermediate_metabolizers(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    result = outside("TPMT", phenotypes, "Possible Intermediate Metabolizer")
    answers = [a for a in recommend_drug(guidelines, {"TPMT": result}, name="thioguanine") if a.source == "DPWG"]
    (row,) = [
        row
        for answer in answers
        for row in answer.rows
        if row.sources[0].at.startswith("PA166104960 (annotation version 35)")
    ]
    assert row.text.startswith("IMMUNOSUPPRESSION: Start with 75% of the standard dose.") and row.actionable


@pytest.mark.parametrize(
    ("drug", "diplotype", "start"),
    [
        ("amitriptyline", "*4/*4", "Use 60% of the standard dose"),
        ("amitriptyline", "*1/*1x2", "- increase the dose to 1.6 times the normal dose"),
        ("amitriptyline", "*1x2/*17", "- increase the dose to 1.6 times the normal dose"),
        ("clomipramine", "*1/*1x2", "- use 1.5 times the normal dose"),
        ("clomipramine", "*1/*4", "Use 70% of the standard dose"),
        ("imipramine", "*4/*4", "Use 30% of the standard dose"),
        ("imipramine", "*1x2/*17", "Use 1.7 times the standard dose"),
    ],
)
def test_dpwg_tricyclic_doses_follow_the_newer_annotations(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, diplotype: str, start: str
) -> None:
    """Amitriptyline: 60% for poor metabolizers (the export: 70%) and 1.6 times for ultrarapid metabolizers (the
    export: 1.4 times); clomipramine 1.5 times for ultrarapid; the therapeutic ranges left the dose rows."""
    result = called("CYP2D6", phenotypes, diplotype)
    answers = [a for a in recommend_drug(guidelines, {"CYP2D6": result}, name=drug) if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows if "and CYP2D6" in row.sources[0].cite]
    assert row.text.startswith(start) and row.actionable
    assert "therapeutic range" not in row.text and "1.4 times" not in row.text


@pytest.mark.parametrize(
    ("phenotype", "start", "actionable"),
    [
        ("Likely Poor Metabolizer", "PERCUTANEOUS CORONARY INTERVENTION, STROKE or TIA: avoid clopidogrel.", True),
        (
            "Likely Intermediate Metabolizer",
            "PERCUTANEOUS CORONARY INTERVENTION, STROKE or TIA: choose an alternative",
            True,
        ),
        ("Rapid Metabolizer", "The guideline does not provide a recommendation for clopidogrel in rapid", False),
    ],
)
def test_dpwg_clopidogrel_rows_for_likely_and_rapid_metabolizers(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, phenotype: str, start: str, actionable: bool
) -> None:
    result = outside("CYP2C19", phenotypes, phenotype)
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2C19": result}, name="clopidogrel")}
    (row,) = answers["DPWG"].rows
    assert row.text.startswith(start) and row.actionable == actionable
    assert row.sources[0].at.startswith("PA166104956 (annotation version 36)")


@pytest.mark.parametrize(
    ("diplotype", "text"),
    [
        ("*1/*4", "The guideline does not provide a recommendation for efavirenz in rapid metabolizers."),
        ("*4/*4", "The guideline does not provide a recommendation for efavirenz in ultrarapid metabolizers."),
        ("*6/*6", "Efavirenz in MONOpreparation, adults and children FROM 40 KG:"),
    ],
)
def test_dpwg_efavirenz_answers_cyp2b6_rapid_and_ultrarapid_metabolizers(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, text: str
) -> None:
    """The export had DPWG efavirenz rows for poor, intermediate and normal metabolizers only."""
    result = called("CYP2B6", phenotypes, diplotype)
    answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2B6": result}, name="efavirenz")}
    (row,) = answers["DPWG"].rows
    assert row.text.startswith(text) and row.actionable == (diplotype == "*6/*6")
    assert row.sources[0].at.startswith("PA166182846 (annotation version 19)")


@pytest.mark.parametrize("drug", ["clomipramine", "imipramine", "lansoprazole", "voriconazole"])
def test_dpwg_cyp2c19_rapid_metabolizers_get_the_newer_no_recommendation_row(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str
) -> None:
    result = called("CYP2C19", phenotypes, "*1/*17")
    assert result.phenotype == "Rapid Metabolizer"
    answers = [a for a in recommend_drug(guidelines, {"CYP2C19": result}, name=drug) if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows if "CYP2C19" in row.sources[0].cite]
    assert row.text == f"The guideline does not provide a recommendation for {drug} in rapid metabolizers."
    assert row.classification == "No recommendation" and not row.actionable


@pytest.mark.parametrize(
    ("drug", "phenotype", "text", "actionable"),
    [
        (
            "clomipramine",
            "Likely Intermediate Metabolizer",
            "NO action is required for this gene-drug interaction.",
            False,
        ),
        ("clomipramine", "Likely Poor Metabolizer", "NO action is required for this gene-drug interaction.", False),
        (
            "imipramine",
            "Likely Intermediate Metabolizer",
            "NO action is required for this gene-drug interaction.",
            False,
        ),
        ("imipramine", "Likely Poor Metabolizer", "Use 70% of the standard dose and monitor the effect", True),
        ("lansoprazole", "Likely Poor Metabolizer", "NO action is needed for this gene-drug interaction.", False),
        ("voriconazole", "Likely Intermediate Metabolizer", "Monitor the plasma concentration.", True),
        ("voriconazole", "Likely Poor Metabolizer", "Use 50% of the standard dose and monitor the plasma", True),
        ("voriconazole", "Indeterminate", "No recommendation", False),
    ],
)
def test_dpwg_cyp2c19_likely_results_of_tricyclics_lansoprazole_and_voriconazole(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    drug: str,
    phenotype: str,
    text: str,
    actionable: bool,
) -> None:
    result = outside("CYP2C19", phenotypes, phenotype)
    answers = [a for a in recommend_drug(guidelines, {"CYP2C19": result}, name=drug) if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows if "CYP2C19" in row.sources[0].cite]
    assert row.text.startswith(text) and row.actionable == actionable
    # the file's implication for two of these rows ends with web-page footer links, which no row carries
    assert not any("About ClinPGx" in line for line in row.implications)


def test_dpwg_clomipramine_cyp2c19_ultrarapid_row_drops_the_therapeutic_ranges(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    result = called("CYP2C19", phenotypes, "*17/*17")
    answers = [a for a in recommend_drug(guidelines, {"CYP2C19": result}, name="clomipramine") if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows if "CYP2C19" in row.sources[0].cite]
    assert row.text.startswith("- Indication OBSESSIVE COMPULSIVE DISORDER or ANXIETY DISORDERS:\n- avoid clomipramine")
    assert "ng/mL" not in row.text and row.alternate_drug_available and row.actionable


def test_dpwg_imipramine_cyp2c19_poor_metabolizer_row_flags_the_alternative(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    """The export flagged this row as a dose change only; the newer annotation also flags the alternative drug and
    the monitoring it names."""
    result = called("CYP2C19", phenotypes, "*2/*2")
    answers = [a for a in recommend_drug(guidelines, {"CYP2C19": result}, name="imipramine") if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows if "CYP2C19" in row.sources[0].cite]
    assert row.dosing_information and row.alternate_drug_available and row.other_prescribing_guidance


@pytest.mark.parametrize(
    ("drug", "annotation", "implication"),
    [
        (
            "aripiprazole",
            "PA166104937 (annotation version 45)",
            "The genetic variation decreases the plasma concentration",
        ),
        (
            "brexpiprazole",
            "PA166184527 (annotation version 15)",
            "The gene variation results in a reduction of the exposure",
        ),
        ("pimozide", "PA166182819 (annotation version 21)", "This gene variation can result in lower pimozide"),
    ],
)
def test_dpwg_antipsychotics_give_activity_score_2_5_the_ultrarapid_no_action_row(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, annotation: str, implication: str
) -> None:
    """The export answered activity score 2.5 with the normal-metabolizer "no recommendation" row; the newer
    annotations give it the ultrarapid row, which needs no action."""
    for diplotype in ("*1x2/*17", "*1/*1x2"):
        result = called("CYP2D6", phenotypes, diplotype)
        answers = {a.source: a for a in recommend_drug(guidelines, {"CYP2D6": result}, name=drug)}
        (row,) = answers["DPWG"].rows
        assert row.text.startswith("NO action is") and row.classification == "N/A" and not row.actionable
        assert row.implications[0].startswith(implication)
        assert row.sources[0].at.startswith(annotation)


@pytest.mark.parametrize(
    ("drug", "version", "start"),
    [
        ("azathioprine", 55, "Start with reduced starting doses (20%-50% of normal dose) if normal starting dose is 2"),
        ("mercaptopurine", 49, "Start with reduced starting doses (20%-50% of normal dose) if normal starting dose"),
        ("thioguanine", 48, "Start with reduced doses (20% to 50% of normal dose) if normal starting dose is ≥ 40"),
    ],
)
@pytest.mark.parametrize(("tpmt", "nudt15"), [("*1/*3A", "*1/*3"), ("*1/*3C", "*1/*2")])
def test_cpic_thiopurines_start_lower_for_intermediate_metabolizers_of_both_genes(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    drug: str,
    version: int,
    start: str,
    tpmt: str,
    nudt15: str,
) -> None:
    """CPIC's March 2024 update (PMID 38230823): TPMT and NUDT15 intermediate metabolizers start at 20-50% of the
    normal dose; the 2024-03-25 export still gave them the one-gene 30-80% (thioguanine 50-80%) row."""
    results = {"TPMT": called("TPMT", phenotypes, tpmt), "NUDT15": called("NUDT15", phenotypes, nudt15)}
    assert {gene: r.phenotype for gene, r in results.items()} == {
        "TPMT": "Intermediate Metabolizer",
        "NUDT15": "Intermediate Metabolizer",
    }
    answers = {a.source: a for a in recommend_drug(guidelines, results, name=drug)}
    (row,) = answers["CPIC"].rows
    assert row.text.startswith(start) and row.actionable
    assert row.sources[0].at.startswith("PA1661049")
    assert f"(annotation version {version})" in row.sources[0].at
    assert "30%-80%" not in row.text and "50% to 80%" not in row.text


def test_cpic_thiopurines_keep_the_one_gene_rows(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    """Only the rows for intermediate metabolizers of both genes changed: TPMT intermediate with NUDT15 normal
    still starts at 30-80% of the azathioprine dose."""
    results = {"TPMT": called("TPMT", phenotypes, "*1/*3A"), "NUDT15": called("NUDT15", phenotypes, "*1/*1")}
    (row,) = {a.source: a for a in recommend_drug(guidelines, results, name="azathioprine")}["CPIC"].rows
    assert row.text.startswith("Start with reduced starting doses (30%-80% of normal dose)")
    assert "(annotation version 55) recommendation PA166297271" in row.sources[0].at
