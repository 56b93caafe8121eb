"""Gail model / NCI BCRAT: absolute risk of invasive breast cancer from age T1 to T2, with competing mortality.

Relative risk RR = exp(sum beta x recoded covariate) x atypical-hyperplasia factor, one value below age 50 and one
from 50 (the age x biopsies interaction). The projection integrates year by year over the 5-year-group rates:
hazard h1 = lambda1 x (1 - AR) x RR, competing mortality lambda2, and

    risk = sum_j h1_j / (h1_j + lambda2_j) x exp(-cumulative hazard before j) x (1 - exp(-(h1_j + lambda2_j) d_j))

with d_j the part of year j inside [T1, T2). Covariates follow the NCI BCRA coding and recoding (99 unknown,
Age1st 98 nulliparous; race-specific groupings for African-American, Hispanic and Asian-American women).
The average woman's risk uses RR = 1, no attributable-risk factor, and the average rates where BCRAT has them.
"""

from __future__ import annotations

import math
from typing import TypeVar

from tailormed.engines.risk.inputs import GailInputs
from tailormed.engines.risk.validity import RiskInputError, check_range
from tailormed.errors import KnowledgeError
from tailormed.knowledge.risk import SOURCE
from tailormed.knowledge.risk.load import RiskKnowledge
from tailormed.knowledge.risk.spec import GailRace
from tailormed.model.base import Contract

MODEL = "gail"
UNKNOWN = 99
NULLIPAROUS = 98
_AFRICAN_AMERICAN = 2
_HISPANIC = (3, 5)
_HISPANIC_US_BORN = 3
_ASIAN = range(6, 12)
_NAME = "the Gail model"

T = TypeVar("T")


class GailCovariates(Contract):
    """The recoded covariates of one woman (BCRA's NB_Cat, AM_Cat, AF_Cat, NR_Cat and R_Hyp)."""

    n_biop: int
    age_menarche: int
    age_first_birth: int
    n_rels: int
    hyperplasia_factor: float


class GailResult(Contract):
    absolute_risk: float
    average_risk: float
    relative_risk_below_50: float
    relative_risk_from_50: float
    race: str
    covariates: GailCovariates


def recode(inputs: GailInputs, knowledge: RiskKnowledge) -> GailCovariates:
    """BCRA's consistency checks and recoding; an inconsistent input raises :class:`RiskInputError` naming it."""
    t1 = inputs.T1
    race = inputs.Race
    if inputs.N_Biop < 0:
        raise RiskInputError(f"N_Biop = {inputs.N_Biop} is not a number of biopsies or 99", field="N_Biop")
    no_biopsy = inputs.N_Biop in (0, UNKNOWN)
    if no_biopsy and inputs.HypPlas != UNKNOWN:
        raise RiskInputError("HypPlas must be 99 when there was no biopsy (N_Biop 0 or 99)", field="HypPlas")
    if inputs.HypPlas not in (0, 1, UNKNOWN):
        raise RiskInputError(f"HypPlas = {inputs.HypPlas} is not 0, 1 or 99", field="HypPlas")
    n_biop = 0 if no_biopsy else min(inputs.N_Biop, 2)
    factors = knowledge.facts.gail.hyperplasia_factor
    hyperplasia = 1.0 if n_biop == 0 else factors[str(inputs.HypPlas)]

    if inputs.AgeMen == UNKNOWN:
        menarche = 0
    elif inputs.AgeMen <= 0 or inputs.AgeMen > t1:
        raise RiskInputError(
            f"AgeMen = {inputs.AgeMen:g} must be above 0 and at most T1 ({t1:g}), or 99", field="AgeMen"
        )
    else:
        menarche = 0 if inputs.AgeMen >= 14 else 1 if inputs.AgeMen >= 12 else 2

    first = inputs.Age1st
    if first == UNKNOWN:
        first_birth = 0
    elif first == NULLIPAROUS:
        first_birth = 2
    elif first <= 0 or first > t1:
        raise RiskInputError(f"Age1st = {first:g} must be at most T1 ({t1:g}), or 98/99", field="Age1st")
    elif inputs.AgeMen != UNKNOWN and first < inputs.AgeMen:
        raise RiskInputError(f"Age1st = {first:g} is before AgeMen ({inputs.AgeMen:g})", field="Age1st")
    else:
        first_birth = 0 if first < 20 else 1 if first < 25 else 2 if first < 30 else 3

    if inputs.N_Rels < 0:
        raise RiskInputError(f"N_Rels = {inputs.N_Rels} is not a number of relatives or 99", field="N_Rels")
    n_rels = 0 if inputs.N_Rels in (0, UNKNOWN) else min(inputs.N_Rels, 2)

    if race == _AFRICAN_AMERICAN:
        first_birth = 0
        menarche = min(menarche, 1)
    if race in _HISPANIC:
        n_biop = min(n_biop, 1)
        if race == _HISPANIC_US_BORN:
            menarche = 0
        if first != NULLIPAROUS and first_birth == 2:
            first_birth = 1
        elif first_birth == 3:
            first_birth = 2
        n_rels = min(n_rels, 1)
    if race in _ASIAN:
        n_rels = min(n_rels, 1)
    return GailCovariates(
        n_biop=n_biop,
        age_menarche=menarche,
        age_first_birth=first_birth,
        n_rels=n_rels,
        hyperplasia_factor=hyperplasia,
    )


def relative_risks(covariates: GailCovariates, beta: dict[str, float]) -> tuple[float, float]:
    """RR below age 50 and from age 50."""
    c = covariates
    linear = (
        c.n_biop * beta["n_biop"]
        + c.age_menarche * beta["age_menarche"]
        + c.age_first_birth * beta["age_first_birth"]
        + c.n_rels * beta["n_rels"]
        + c.age_first_birth * c.n_rels * beta["age_first_birth_x_n_rels"]
        + math.log(c.hyperplasia_factor)
    )
    return math.exp(linear), math.exp(linear + c.n_biop * beta["age50_x_n_biop"])


def gail_risk(inputs: GailInputs, knowledge: RiskKnowledge, *, rr_multiplier: float = 1.0) -> GailResult:
    """Absolute risk from T1 to T2, the average woman's risk, and the relative risks.

    ``rr_multiplier`` multiplies the relative risk in the hazard (e.g. a polygenic RR); the average stays as is.
    """
    facts = knowledge.facts.gail
    check_range("T1", inputs.T1, facts.ranges, _NAME)
    check_range("T2", inputs.T2, facts.ranges, _NAME)
    if inputs.T2 <= inputs.T1:
        raise RiskInputError(f"T2 ({inputs.T2:g}) must be after T1 ({inputs.T1:g})", field="T2")
    race = facts.races.get(inputs.Race)
    if race is None:
        raise RiskInputError(f"Race = {inputs.Race} is not an NCI BCRA race code (1-11)", field="Race")
    tables = knowledge.coefficients.gail
    covariates = recode(inputs, knowledge)
    beta = _table(tables.beta, race.beta, "log relative risks")
    rr_young, rr_old = relative_risks(covariates, beta)
    one_minus_ar = _table(tables.one_minus_attributable_risk, race.one_minus_ar, "1 - attributable risk")
    incidence = _table(tables.incidence, race.rates, "incidence rates")
    mortality = _table(tables.competing_mortality, race.rates, "competing mortality")
    factor_young = one_minus_ar[0] * rr_young * rr_multiplier
    factor_old = one_minus_ar[1] * rr_old * rr_multiplier
    absolute = project(inputs.T1, inputs.T2, incidence, mortality, factor_young, factor_old, tables.age_groups)
    average = average_risk(inputs, race, knowledge)
    return GailResult(
        absolute_risk=absolute,
        average_risk=average,
        relative_risk_below_50=rr_young,
        relative_risk_from_50=rr_old,
        race=race.label,
        covariates=covariates,
    )


def average_risk(inputs: GailInputs, race: GailRace, knowledge: RiskKnowledge) -> float:
    """The risk of a woman of the same age and race group with average risk factors (BCRAT's comparison)."""
    tables = knowledge.coefficients.gail
    rates = race.average_rates or race.rates
    incidence = _table(tables.incidence, rates, "incidence rates")
    mortality = _table(tables.competing_mortality, rates, "competing mortality")
    return project(inputs.T1, inputs.T2, incidence, mortality, 1.0, 1.0, tables.age_groups)


def project(
    t1: float,
    t2: float,
    incidence: list[float],
    mortality: list[float],
    factor_young: float,
    factor_old: float,
    age_groups: list[tuple[int, int]],
) -> float:
    """Absolute risk over [t1, t2) in one-year steps; ``factor_*`` multiplies incidence below / from age 50."""
    start_age = age_groups[0][0]
    first, last = math.floor(t1), math.ceil(t2)
    risk = 0.0
    cumulative = 0.0
    for year in range(first, last):
        length = min(t2, year + 1) - max(t1, year)
        group = _group_of(year, age_groups, start_age)
        h1 = incidence[group] * (factor_young if year < 50 else factor_old)
        total = h1 + mortality[group]
        risk += h1 / total * math.exp(-cumulative) * (1.0 - math.exp(-total * length))
        cumulative += total * length
    return risk


def _group_of(age: int, groups: list[tuple[int, int]], start: int) -> int:
    index = (age - start) // 5
    if not 0 <= index < len(groups) or not groups[index][0] <= age < groups[index][1]:
        raise KnowledgeError(f"the Gail rate tables have no age group for age {age}", source=SOURCE)
    return index


def _table(tables: dict[str, T], name: str, what: str) -> T:
    if name not in tables:
        raise KnowledgeError(f"the Gail tables have no {what} set {name!r}", source=SOURCE)
    return tables[name]
