"""The compiled coefficient tables of the four clinical equations (``risk-equations/coefficients.json``).

Values are the published numbers unchanged; only the layout is ours: one object per model, keyed so that the
engine looks a coefficient up by name rather than by column position.
"""

from __future__ import annotations

from pydantic import Field

from tailormed.model.base import Contract

COEFFICIENTS_FILE = "coefficients.json"


class PceGroup(Contract):
    """One sex x race equation of the Pooled Cohort Equations (Goff 2013, Table A)."""

    coefficients: dict[str, float] = Field(description="term -> beta, e.g. 'ln_age', 'ln_age_x_ln_total_chol'")
    mean_individual_sum: float
    baseline_survival_10yr: float


class PreventModel(Contract):
    """One PREVENT model (e.g. ``base_10``): sex -> outcome -> term -> coefficient, ``const`` included."""

    coefficients: dict[str, dict[str, dict[str, float]]]


class GailTables(Contract):
    """NCI BCRAT parameter tables: log relative risks, 1 - attributable risk, and 5-year-group hazard rates."""

    age_groups: list[tuple[int, int]] = Field(description="[start, end) of each 5-year age group, 20 to 90")
    beta: dict[str, dict[str, float]] = Field(description="beta set -> term -> log relative risk")
    one_minus_attributable_risk: dict[str, tuple[float, float]] = Field(description="set -> (age < 50, age >= 50)")
    incidence: dict[str, list[float]] = Field(description="rate set -> breast-cancer incidence per age group")
    competing_mortality: dict[str, list[float]] = Field(description="rate set -> other-cause mortality per group")


class Band(Contract):
    """A range of an input: ``low`` and ``high`` are inclusive unless the matching ``*_open`` flag says otherwise."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return not (self.high is not None and (value > self.high or (self.high_open and value == self.high)))


class FindriscAnswer(Contract):
    answer: str = Field(description="The answer as the published form words it")
    points: int
    band: Band | None = Field(default=None, description="For numeric items: the values this answer covers")


class FindriscCategory(Contract):
    score_min: int
    score_max: int
    category: str
    risk_text: str = Field(description="The published 10-year risk in words, e.g. '1 in 25'")
    risk: float


class FindriscTables(Contract):
    items: dict[str, list[FindriscAnswer]]
    categories: list[FindriscCategory]


class Coefficients(Contract):
    """Everything ``coefficients.json`` holds."""

    pce: dict[str, PceGroup] = Field(description="'white_female', 'black_female', 'white_male', 'black_male'")
    prevent: dict[str, PreventModel] = Field(description="'base_10', 'acr_30', ...")
    gail: GailTables
    findrisc: FindriscTables
