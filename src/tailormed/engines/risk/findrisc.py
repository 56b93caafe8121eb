"""FINDRISC (Lindström & Tuomilehto 2003): points per answer, summed, and the published 10-year risk band.

Numeric answers (age, BMI, waist) are placed in the form's bands; age counts in completed years. Waist bands are
sex-specific (``waist_cm_men`` / ``waist_cm_women``). The form asks whether the person usually has at least 30
minutes of physical activity daily; a record's weekly total does not answer that, so when the answer is unknown the
score is given only if both answers fall in the same band (and says the item was not assessed).
"""

from __future__ import annotations

import math

from pydantic import Field

from tailormed.engines.risk.inputs import EquationSex, FamilyHistoryDiabetes, FindriscInputs
from tailormed.engines.risk.validity import RiskInputError, check_range
from tailormed.errors import KnowledgeError
from tailormed.knowledge.risk import SOURCE
from tailormed.knowledge.risk.coefficients import FindriscAnswer, FindriscCategory, FindriscTables
from tailormed.knowledge.risk.load import RiskKnowledge
from tailormed.model.base import Contract

MODEL = "findrisc"
_NAME = "FINDRISC"


class FindriscResult(Contract):
    points: int
    category: str
    risk: float = Field(description="The band's published approximate 10-year risk")
    risk_text: str
    item_points: dict[str, int]
    points_if_active: int | None = Field(
        default=None, description="Set when the activity answer is unknown: the points with 'yes' (``points``: 'no')"
    )


#: The form's item whose answer a record may not give.
ACTIVITY = "physical_activity_at_least_30min_daily"


def findrisc_score(inputs: FindriscInputs, knowledge: RiskKnowledge) -> FindriscResult:
    """The score and band; with the activity answer unknown, the band both answers share (else a refusal)."""
    if inputs.physically_active_30min_daily is not None:
        return _score(inputs, inputs.physically_active_30min_daily, knowledge)
    active, inactive = (_score(inputs, answer, knowledge) for answer in (True, False))
    if active.category != inactive.category:
        raise RiskInputError(
            "the record does not say whether the person has at least 30 minutes of physical activity daily, and "
            f"the two answers give different bands ({active.points} points, {active.category.replace('_', ' ')}; "
            f"{inactive.points} points, {inactive.category.replace('_', ' ')})",
            field="physically_active_30min_daily",
        )
    points = dict(active.item_points)
    del points[ACTIVITY]
    return inactive.model_copy(update={"item_points": points, "points_if_active": active.points})


def _score(inputs: FindriscInputs, active: bool, knowledge: RiskKnowledge) -> FindriscResult:
    ranges = knowledge.facts.findrisc.ranges
    for field in ("age_years", "bmi", "waist_cm"):
        check_range(field, getattr(inputs, field), ranges, _NAME)
    tables = knowledge.coefficients.findrisc
    waist_item = "waist_cm_men" if inputs.sex is EquationSex.MALE else "waist_cm_women"
    points = {
        "age_years": _numeric(tables, "age_years", math.floor(inputs.age_years)),
        "bmi_kg_m2": _numeric(tables, "bmi_kg_m2", inputs.bmi),
        waist_item: _numeric(tables, waist_item, inputs.waist_cm),
        ACTIVITY: _answer(tables, ACTIVITY, _yes_no(active)),
        "vegetables_fruit_berries_every_day": _answer(
            tables, "vegetables_fruit_berries_every_day", _yes_no(inputs.vegetables_fruit_berries_daily)
        ),
        "ever_regular_antihypertensive_medication": _answer(
            tables, "ever_regular_antihypertensive_medication", _yes_no(inputs.ever_antihypertensive_medication)
        ),
        "ever_high_blood_glucose": _answer(tables, "ever_high_blood_glucose", _yes_no(inputs.ever_high_blood_glucose)),
        "family_history_diabetes": _family(tables, inputs.family_history_diabetes),
    }
    total = sum(points.values())
    category = category_of(total, tables.categories)
    return FindriscResult(
        points=total, category=category.category, risk=category.risk, risk_text=category.risk_text, item_points=points
    )


def category_of(points: int, categories: list[FindriscCategory]) -> FindriscCategory:
    for category in categories:
        if category.score_min <= points <= category.score_max:
            return category
    raise KnowledgeError(f"no FINDRISC category holds {points} points", source=SOURCE)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _options(tables: FindriscTables, item: str) -> list[FindriscAnswer]:
    options = tables.items.get(item)
    if not options:
        raise KnowledgeError(f"FINDRISC item {item!r} is missing", source=SOURCE)
    return options


def _numeric(tables: FindriscTables, item: str, value: float) -> int:
    for option in _options(tables, item):
        if option.band is not None and option.band.contains(value):
            return option.points
    raise KnowledgeError(f"no FINDRISC {item} band holds {value:g}", source=SOURCE)


def _answer(tables: FindriscTables, item: str, answer: str) -> int:
    for option in _options(tables, item):
        if option.answer == answer:
            return option.points
    raise KnowledgeError(f"FINDRISC item {item} has no answer {answer!r}", source=SOURCE)


def _family(tables: FindriscTables, answer: FamilyHistoryDiabetes) -> int:
    wanted = "no" if answer is FamilyHistoryDiabetes.NONE else answer.value
    for option in _options(tables, "family_history_diabetes"):
        if option.answer.split(" ", 1)[0] == wanted:
            return option.points
    raise KnowledgeError(f"FINDRISC family history has no answer {wanted!r}", source=SOURCE)
