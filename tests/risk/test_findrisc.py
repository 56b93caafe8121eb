"""FINDRISC: each answer of the published form scores its points, bands meet without gaps, totals map to bands."""

from __future__ import annotations

from typing import Any

import pytest

from tailormed.engines.risk.findrisc import findrisc_score
from tailormed.engines.risk.inputs import FindriscInputs
from tailormed.engines.risk.validity import RiskInputError
from tailormed.knowledge.risk.load import RiskKnowledge

LOWEST: dict[str, Any] = {
    "sex": "male",
    "age_years": 40,
    "bmi": 22,
    "waist_cm": 85,
    "physically_active_30min_daily": True,
    "vegetables_fruit_berries_daily": True,
    "ever_antihypertensive_medication": False,
    "ever_high_blood_glucose": False,
    "family_history_diabetes": "none",
}


def _points(knowledge: RiskKnowledge, **change: Any) -> int:
    return findrisc_score(FindriscInputs.model_validate({**LOWEST, **change}), knowledge).points


def test_lowest_answers_score_zero(knowledge: RiskKnowledge) -> None:
    result = findrisc_score(FindriscInputs.model_validate(LOWEST), knowledge)
    assert (result.points, result.category, result.risk_text) == (0, "low", "1 in 100")


# Lindström & Tuomilehto 2003, Figure 1 (the FINDRISC form), one answer at a time.
@pytest.mark.parametrize(
    ("change", "points"),
    [({"age_years": 44.9}, 0), ({"age_years": 45}, 2), ({"age_years": 54.99}, 2), ({"age_years": 55}, 3),
     ({"age_years": 64}, 3), ({"age_years": 65}, 4),
     ({"bmi": 24.9}, 0), ({"bmi": 25}, 1), ({"bmi": 30}, 1), ({"bmi": 30.1}, 3),
     ({"waist_cm": 93.9}, 0), ({"waist_cm": 94}, 3), ({"waist_cm": 102}, 3), ({"waist_cm": 102.5}, 4),
     ({"sex": "female", "waist_cm": 79.9}, 0), ({"sex": "female", "waist_cm": 80}, 3),
     ({"sex": "female", "waist_cm": 88}, 3), ({"sex": "female", "waist_cm": 88.1}, 4),
     ({"physically_active_30min_daily": False}, 2), ({"vegetables_fruit_berries_daily": False}, 1),
     ({"ever_antihypertensive_medication": True}, 2), ({"ever_high_blood_glucose": True}, 5),
     ({"family_history_diabetes": "second_degree"}, 3), ({"family_history_diabetes": "first_degree"}, 5)],
)  # fmt: skip
def test_each_answer_scores_the_published_points(knowledge: RiskKnowledge, change: dict[str, Any], points: int) -> None:
    assert _points(knowledge, **change) == points


def test_highest_answers_score_26_and_very_high(knowledge: RiskKnowledge) -> None:
    worst = {
        "age_years": 70,
        "bmi": 35,
        "waist_cm": 110,
        "physically_active_30min_daily": False,
        "vegetables_fruit_berries_daily": False,
        "ever_antihypertensive_medication": True,
        "ever_high_blood_glucose": True,
        "family_history_diabetes": "first_degree",
    }
    result = findrisc_score(FindriscInputs.model_validate({**LOWEST, **worst}), knowledge)
    assert (result.points, result.category, result.risk) == (26, "very_high", 0.5)


@pytest.mark.parametrize(
    ("change", "points", "category"),
    [({"age_years": 45, "vegetables_fruit_berries_daily": False, "ever_antihypertensive_medication": True,
       "bmi": 25}, 6, "low"),
     ({"age_years": 45, "ever_high_blood_glucose": True}, 7, "slightly_elevated"),
     ({"age_years": 55, "ever_high_blood_glucose": True, "family_history_diabetes": "second_degree"}, 11,
      "slightly_elevated"),
     ({"age_years": 55, "ever_high_blood_glucose": True, "bmi": 31}, 11, "slightly_elevated"),
     ({"age_years": 55, "ever_high_blood_glucose": True, "bmi": 31, "vegetables_fruit_berries_daily": False}, 12,
      "moderate"),
     ({"age_years": 65, "ever_high_blood_glucose": True, "family_history_diabetes": "first_degree"}, 14, "moderate"),
     ({"age_years": 65, "ever_high_blood_glucose": True, "family_history_diabetes": "first_degree",
       "bmi": 26}, 15, "high"),
     ({"age_years": 65, "ever_high_blood_glucose": True, "family_history_diabetes": "first_degree", "bmi": 31,
       "waist_cm": 103}, 21, "very_high")],
)  # fmt: skip
def test_totals_fall_in_the_published_bands(
    knowledge: RiskKnowledge, change: dict[str, Any], points: int, category: str
) -> None:
    result = findrisc_score(FindriscInputs.model_validate({**LOWEST, **change}), knowledge)
    assert (result.points, result.category) == (points, category)


def test_unknown_activity_gives_the_band_both_answers_share(knowledge: RiskKnowledge) -> None:
    """A record cannot say whether someone is active 30 minutes daily: with both answers in one band the band is
    given (points as a range), the activity item is not scored, and no minutes-a-week conversion is assumed."""
    result = findrisc_score(FindriscInputs.model_validate({**LOWEST, "physically_active_30min_daily": None}), knowledge)
    assert (result.points_if_active, result.points, result.category) == (0, 2, "low")
    assert "physical_activity_at_least_30min_daily" not in result.item_points


def test_unknown_activity_that_decides_the_band_is_not_assessed(knowledge: RiskKnowledge) -> None:
    unknown = {**LOWEST, "physically_active_30min_daily": None, "family_history_diabetes": "first_degree"}
    with pytest.raises(RiskInputError) as caught:
        findrisc_score(FindriscInputs.model_validate(unknown), knowledge)
    assert caught.value.field == "physically_active_30min_daily"
    assert "(5 points, low; 7 points, slightly elevated)" in caught.value.message


def test_findrisc_has_no_unquoted_limits_or_conversions(knowledge: RiskKnowledge) -> None:
    """The form's bands are open-ended; tailormed adds no plausibility limits or activity conversion of its own."""
    assert knowledge.facts.findrisc.ranges == {} and knowledge.facts.findrisc.unsourced == {}
    assert knowledge.facts.record.unsourced == {}
    assert _points(knowledge, bmi=45, waist_cm=130, age_years=90) == 3 + 4 + 4
