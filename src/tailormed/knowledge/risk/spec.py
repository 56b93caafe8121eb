"""Published model facts beside the coefficients (``risk-equations/equations.yaml``): ranges, races, classes."""

from __future__ import annotations

from pydantic import Field

from tailormed.knowledge.risk.coefficients import Band
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract

EQUATIONS_FILE = "equations.yaml"


class RiskClass(Contract):
    """Risks below ``below`` (and at or above the previous class's bound) are in ``category``."""

    below: float
    category: str


class Exclusion(Contract):
    """A condition the model is not for: matched on ICD-10 code prefixes, else on words of the condition's name."""

    reason: str
    icd10_prefixes: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)


class ModelFacts(Sourced):
    """A model's published facts with their sources; ``unsourced`` lists the parts no quote backs."""

    title: str
    outcome: str
    horizon_years: float | None = None
    citations: list[str]
    ranges: dict[str, Band] = Field(description="input name -> the values the model was developed for")
    categories: list[RiskClass] = Field(default_factory=list)
    exclusions: list[Exclusion] = Field(default_factory=list)
    version: str | None = None


class PceFacts(ModelFacts):
    races: list[str]
    fallback_race: str


class PreventFacts(ModelFacts):
    ranges_30_year: dict[str, Band]
    mmol_per_mgdl_cholesterol: float


class GailRace(Contract):
    label: str
    beta: str
    one_minus_ar: str
    rates: str
    average_rates: str | None = Field(default=None, description="Rates of the average woman; default ``rates``")


class GailFacts(ModelFacts):
    hyperplasia_factor: dict[str, float]
    races: dict[int, GailRace]
    categories_5_year: list[RiskClass]


class ConditionMatch(Contract):
    """Conditions (ICD-10 prefixes or words of the name) and lab thresholds that answer a yes/no question."""

    icd10_prefixes: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    hba1c_pct_at_least: float | None = None
    fasting_glucose_mgdl_at_least: float | None = None


class RecordMapping(Sourced):
    """How a patient record answers the equations' questions."""

    loinc: dict[str, list[str]]
    mgdl_per_mmol_cholesterol: float
    mgdl_per_mmol_glucose: float
    antihypertensive_atc: list[str]
    statin_atc: list[str]
    glucose_lowering_atc: list[str]
    diabetes: ConditionMatch
    high_glucose_ever: ConditionMatch
    family_diabetes_names: list[str]
    family_breast_cancer_names: list[str]
    pce_race_words: dict[str, list[str]]
    gail_race_words: dict[int, list[str]]
    hispanic_words: list[str]


class EquationFacts(Contract):
    pce: PceFacts
    prevent: PreventFacts
    findrisc: ModelFacts
    gail: GailFacts
    record: RecordMapping


def classify(risk: float, classes: list[RiskClass]) -> str | None:
    """The class of ``risk``; None when ``classes`` is empty."""
    return next((c.category for c in classes if risk < c.below), None)
