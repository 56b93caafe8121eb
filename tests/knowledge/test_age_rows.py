"""Rows a source writes for some ages only: the pantoprazole label's CYP2C19 sentences, one for adults (no dosage
adjustment) and one for children (consider a dose reduction), chosen by the patient's age; without an age the label's
advice cannot be assessed, and no age-bound row is given."""

from __future__ import annotations

from datetime import date

import pytest

from tailormed.engines.pgx.findings import PgxKnowledge, analyze_pgx
from tailormed.engines.pgx.recommend import actionable, recommend_drug
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgx.guidelines import AgeRange, GuidelineKnowledge
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.knowledge.sourcing import SourceQuote
from tailormed.model.patient import Demographics, Medication, MedicationStatus, Patient
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall, GuidelineResult, RecommendationStatus
from tailormed.pipeline.pgx import load_pgx

from .conftest import called

ADULT = "For adult patients who are CYP2C19 poor metabolizers, no dosage adjustment is needed."
CHILD = "For known pediatric poor metabolizers, a dose reduction should be considered."
ON = date(2026, 3, 10)


def label(answers: list[GuidelineResult]) -> GuidelineResult:
    (answer,) = [a for a in answers if a.source == "FDA label"]
    assert answer.guideline_id == "label-pantoprazole-cyp2c19"
    return answer


@pytest.mark.parametrize(("age", "text", "acts"), [(45.0, ADULT, False), (17.0, ADULT, False), (9.0, CHILD, True)])
def test_the_label_row_for_the_patients_age(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge, age: float, text: str, acts: bool
) -> None:
    results = {"CYP2C19": called("CYP2C19", phenotypes, "*2/*2")}
    answer = label(recommend_drug(guidelines, results, name="pantoprazole", age_years=age))
    assert answer.status == RecommendationStatus.MATCHED
    (row,) = answer.rows
    assert row.text == text
    assert row.actionable is acts and answer.actionable is acts
    assert any("younger than age 17" in s.quote for s in row.sources)  # the line between the two, quoted
    (guideline,) = [g for g in guidelines.guidelines if g.id == answer.guideline_id]
    assert actionable(guideline, "pantoprazole", results, age) is acts


def test_without_an_age_the_label_advice_cannot_be_assessed(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    results = {"CYP2C19": called("CYP2C19", phenotypes, "*2/*2")}
    answer = label(recommend_drug(guidelines, results, name="pantoprazole"))
    assert answer.status == RecommendationStatus.NOT_ASSESSED and not answer.rows and not answer.actionable
    (reason,) = [n.reason for n in answer.not_assessed if n.item == "age"]
    assert reason.startswith("cannot be assessed: the FDA label advice for this result depends on the patient's age")
    assert ADULT in reason and CHILD in reason and "17 years and older" in reason and "under 17 years" in reason
    # the other sources' advice does not read the age and is given as before
    others = {a.source: a.status for a in recommend_drug(guidelines, results, name="pantoprazole")}
    assert others["CPIC"] == RecommendationStatus.MATCHED


def test_a_normal_metabolizer_has_no_label_row_at_any_age(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    results = {"CYP2C19": called("CYP2C19", phenotypes, "*1/*1")}
    for age in (None, 9.0, 45.0):
        answer = label(recommend_drug(guidelines, results, name="pantoprazole", age_years=age))
        assert answer.status == RecommendationStatus.NO_MATCHING_ROW and not answer.rows


def test_answers_kept_for_one_age_are_not_given_for_another(
    guidelines: GuidelineKnowledge, phenotypes: PhenotypeKnowledge
) -> None:
    """The answer cache reads the age ranges: the same genotype asked for a child after an adult gets the child's."""
    results = {"CYP2C19": called("CYP2C19", phenotypes, "*2/*2")}
    texts = [
        label(recommend_drug(guidelines, results, name="pantoprazole", age_years=a)).rows[0].text
        for a in (45.0, 9.0, 45.0, 16.9)
    ]
    assert texts == [ADULT, CHILD, ADULT, CHILD]


def test_an_age_range_needs_a_bound_and_a_source() -> None:
    quote = SourceQuote(cite="https://example.org/x", at="section", quote="children younger than age 17")
    assert AgeRange(from_years=17, sources=(quote,)).holds(17) and not AgeRange(below_years=17, sources=(quote,)).holds(
        17
    )
    with pytest.raises(ValueError, match="needs from_years, below_years or both"):
        AgeRange(sources=(quote,))
    with pytest.raises(ValueError, match="is not below"):
        AgeRange(from_years=17, below_years=17, sources=(quote,))
    with pytest.raises(ValueError):
        AgeRange(from_years=17, sources=())


def _patient(birth: date | None) -> Patient:
    return Patient(
        id="p1",
        demographics=Demographics(birth_date=birth),
        medications=[Medication(name="pantoprazole", status=MedicationStatus.ACTIVE)],
    )


@pytest.fixture(scope="module")
def knowledge(core: KnowledgeBundle) -> PgxKnowledge:
    return load_pgx(core)[1]


@pytest.mark.parametrize(("birth", "text"), [(date(1980, 1, 1), ADULT), (date(2016, 6, 1), CHILD), (None, None)])
def test_the_medication_review_reads_the_patients_age(
    knowledge: PgxKnowledge, birth: date | None, text: str | None
) -> None:
    call = GeneCall(
        sample="p1",
        gene="CYP2C19",
        status=CallStatus.CALLED,
        diplotypes=[Diplotype(allele1="*2", allele2="*2")],
        origin=CallOrigin.OUTSIDE_CALL,
    )
    result = analyze_pgx(_patient(birth), [call], knowledge, on=ON)
    (reviewed,) = result.review.medications
    answer = label(reviewed.genotype_recommendations)
    if text is None:
        assert answer.status == RecommendationStatus.NOT_ASSESSED and not answer.rows
    else:
        assert [r.text for r in answer.rows] == [text]
