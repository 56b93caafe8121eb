"""DPWG rows the newer annotations add for thiopurines (TPMT, NUDT15), irinotecan (UGT1A1) and tacrolimus (CYP3A5):
real genotypes (and outside phenotypes the core's genotype tables cannot give) reach the quoted row of the newer
annotation, which the 2024-03-25 export does not have."""

from __future__ import annotations

import pytest

from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.model.pgx import GenePhenotype, MatchedRow

from .conftest import called, outside


def dpwg_row(
    guidelines: GuidelineKnowledge, gene: str, result: GenePhenotype, drug: str, annotation: str
) -> MatchedRow:
    """The one DPWG row of the named annotation (id and version) that applies to the result."""
    answers = [a for a in recommend_drug(guidelines, {gene: result}, name=drug) if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows if row.sources[0].at.startswith(annotation)]
    return row


NUDT15 = {
    "azathioprine": ("PA166184614 (annotation version 13)", "IMMUNOSUPPRESSION: Start with 50% of the standard dose."),
    "mercaptopurine": (
        "PA166184613 (annotation version 14)",
        "- IMMUNOSUPPRESSION:start with 50% of the standard dose.",
    ),
    "thioguanine": ("PA166184612 (annotation version 12)", "- IMMUNOSUPPRESSION:"),
}


@pytest.mark.parametrize("drug", sorted(NUDT15))
def test_nudt15_no_function_with_uncertain_function_gets_the_possible_intermediate_row(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str
) -> None:
    result = called("NUDT15", phenotypes, "*2/*6")
    assert result.phenotype == "Possible Intermediate Metabolizer"
    annotation, start = NUDT15[drug]
    row = dpwg_row(guidelines, "NUDT15", result, drug, annotation)
    assert row.text.startswith(start) and "50%" in row.text and row.actionable


@pytest.mark.parametrize("drug", sorted(NUDT15))
def test_nudt15_normal_with_uncertain_function_gets_the_indeterminate_row(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str
) -> None:
    result = called("NUDT15", phenotypes, "*1/*6")
    assert result.phenotype == "Indeterminate"
    row = dpwg_row(guidelines, "NUDT15", result, drug, NUDT15[drug][0])
    assert (row.classification, row.text, row.actionable) == ("No recommendation", "No recommendation", False)


@pytest.mark.parametrize(
    ("drug", "annotation"),
    [
        ("azathioprine", "PA166104934 (annotation version 37)"),
        ("mercaptopurine", "PA166104952 (annotation version 36)"),
    ],
)
def test_tpmt_possible_intermediate_metabolizers_start_at_half_the_dose(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, drug: str, annotation: str
) -> None:
    result = outside("TPMT", phenotypes, "Possible Intermediate Metabolizer")
    row = dpwg_row(guidelines, "TPMT", result, drug, annotation)
    assert "Start with 50% of the normal dose" in row.text and row.actionable
    assert row.text.endswith(
        "more stringent dose reductions are necessary if the patient is also NUDT15 IM or NUDT15 PM."
    )


def test_irinotecan_indeterminate_ugt1a1_and_the_80_28_diplotype(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    annotation = "PA166104951 (annotation version 40)"
    unknown = called("UGT1A1", phenotypes, "*1/*80")
    assert unknown.phenotype == "Indeterminate"
    row = dpwg_row(guidelines, "UGT1A1", unknown, "irinotecan", annotation)
    assert (row.classification, row.text) == ("No recommendation", "No recommendation")
    poor = called("UGT1A1", phenotypes, "*80+*28/*80+*28")
    row = dpwg_row(guidelines, "UGT1A1", poor, "irinotecan", annotation)
    assert row.text.startswith("Start with 70% of the normal dose") and "PA166313041" in row.sources[0].at
    one = called("UGT1A1", phenotypes, "*1/*80+*28")
    row = dpwg_row(guidelines, "UGT1A1", one, "irinotecan", annotation)
    assert row.text == "NO action is needed for this gene-drug interaction." and "PA166313042" in row.sources[0].at


def test_tacrolimus_possible_intermediate_cyp3a5_gets_the_heterozygous_expresser_dose(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    result = outside("CYP3A5", phenotypes, "Possible Intermediate Metabolizer")
    row = dpwg_row(
        guidelines, "CYP3A5", result, "tacrolimus", "PA166104983 (annotation version 36) recommendation PA166423801"
    )
    assert "Use 1.5 times the initial dose that would yield the desired result in non-expressers." in row.text
    indeterminate = outside("CYP3A5", phenotypes, "Indeterminate")
    row = dpwg_row(guidelines, "CYP3A5", indeterminate, "tacrolimus", "PA166104983 (annotation version 36)")
    assert row.classification == "No recommendation"


@pytest.mark.parametrize(
    ("diplotype", "score", "dose", "recommendation"),
    [
        ("*1/*11", "1.5", "use 70-75% of the standard dose", "PA166423883"),
        ("*11/*11", "1.0", "use 70-75% of the standard dose", "PA166423882"),
        ("*3/*11", "0.5", "use 40-50% of the standard dose", "PA166423901"),
        ("*1/*3", "1.0", "use 70% of the standard dose", "PA166299252"),
        ("*3/*3", "0.0", "use 40% of the standard dose", "PA166299256"),
    ],
)
def test_dpwg_2024_phenytoin_rows_by_cyp2c9_activity_score_and_diplotype(
    guidelines: GuidelineKnowledge,
    phenotypes: PhenotypeKnowledge,
    diplotype: str,
    score: str,
    dose: str,
    recommendation: str,
) -> None:
    """Diplotypes the guideline names get their own row; the others the row of their activity score, given once
    although the annotation also keys the same words by phenotype."""
    result = called("CYP2C9", phenotypes, diplotype)
    assert result.activity_score == score
    answers = [a for a in recommend_drug(guidelines, {"CYP2C9": result}, name="phenytoin") if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows]
    assert (
        row.sources[0].at.startswith("PA166104984 (annotation version 38)")
        or "(annotation version 38)" in row.sources[0].at
    )
    assert recommendation in row.sources[0].at and f"For the other doses, {dose}" in row.text


def test_dpwg_phenytoin_answers_a_cyp2c9_normal_metabolizer_once(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    result = called("CYP2C9", phenotypes, "*1/*1")
    answers = [a for a in recommend_drug(guidelines, {"CYP2C9": result}, name="phenytoin") if a.source == "DPWG"]
    (row,) = [row for answer in answers for row in answer.rows]
    assert row.classification == "No recommendation" and "PA166423884" in row.sources[0].at


@pytest.mark.parametrize(
    ("diplotype", "start", "recommendation"),
    [
        ("*1/*11", "Use 50% of the normal maintenance dose.", "PA166424024"),
        ("*3/*11", "Avoid siponimod.", "PA166424022"),
        ("*1/*2", "NO action is required for this gene-drug interaction.", "PA166299154"),
        (
            "*1/*1",
            "The guideline does not provide a recommendation for siponimod in normal metabolizers.",
            "PA166424025",
        ),
    ],
)
def test_dpwg_siponimod_rows_by_cyp2c9_activity_score_and_diplotype(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, start: str, recommendation: str
) -> None:
    result = called("CYP2C9", phenotypes, diplotype)
    (answer,) = [a for a in recommend_drug(guidelines, {"CYP2C9": result}, name="siponimod") if a.source == "DPWG"]
    (row,) = answer.rows
    assert row.text.startswith(start) and "PA166211021 (annotation version 16)" in row.sources[0].at
    assert recommendation in row.sources[0].at


@pytest.mark.parametrize(
    ("diplotype", "start", "recommendation"),
    [
        ("*1/*11", "- use 65% of the standard initial dose.", "PA166423981"),
        ("*3/*11", "- use 20% of the standard initial dose.", "PA166423941"),
        ("*2/*3", "- use 45% of the standard initial dose.", "PA166299072"),
        ("*1/*2", "NO action is required for this gene-drug interaction.", "PA166299068"),
    ],
)
def test_dpwg_warfarin_rows_by_cyp2c9_activity_score_and_diplotype(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, diplotype: str, start: str, recommendation: str
) -> None:
    result = called("CYP2C9", phenotypes, diplotype)
    row = dpwg_row(guidelines, "CYP2C9", result, "warfarin", "PA166182842 (annotation version 15)")
    assert row.text.startswith(start) and recommendation in row.sources[0].at
    assert "knmp.nl" not in row.text


def test_dpwg_warfarin_vkorc1_aa_starts_at_60_percent(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    result = outside("VKORC1", phenotypes, "-1639 AA")
    row = dpwg_row(guidelines, "VKORC1", result, "warfarin", "PA166182841 (annotation version 14)")
    assert row.text.startswith("Use 60% of the standard initial dose.") and "knmp.nl" not in row.text
