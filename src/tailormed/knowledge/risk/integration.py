"""How genetics modifies the equations and which what-ifs apply (``risk-equations/integration.yaml``)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import Field, model_validator

from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract

INTEGRATION_FILE = "integration.yaml"


class OverrideEffect(StrEnum):
    """What a monogenic finding does to an equation's risk."""

    NOT_APPLICABLE = "not_applicable"
    UNDERESTIMATES = "underestimates"


class AdjustMethod(StrEnum):
    """How a polygenic relative risk enters an equation (see ``integration.yaml`` for the formulas)."""

    SURVIVAL = "survival"
    LOG_ODDS = "log_odds"
    HAZARD = "hazard"
    RISK_RATIO = "risk_ratio"


class MonogenicOverride(Sourced):
    genes: list[str]
    risks: list[str]
    effect: OverrideEffect
    reason: str
    citations: list[str]


class PolygenicAdjustment(Sourced):
    traits: list[str] = Field(default_factory=list)
    pgs_ids: list[str] = Field(default_factory=list)
    risks: dict[str, AdjustMethod]
    citations: list[str]

    def matches(self, trait: str, pgs_id: str) -> bool:
        return trait.strip().lower() in {t.lower() for t in self.traits} or pgs_id in self.pgs_ids


class Condition(Contract):
    """When a scenario is meaningful: the input equals a value, or is above a threshold."""

    equals: bool | None = None
    above: float | None = None

    @model_validator(mode="after")
    def _one(self) -> Condition:
        if (self.equals is None) == (self.above is None):
            raise ValueError("give exactly one of equals, above")
        return self


class Change(Contract):
    """The new value: ``set`` to a value, ``minus`` an amount, ``times`` a factor, or ``to`` a target."""

    set: bool | None = None
    minus: float | None = None
    times: float | None = None
    to: float | None = None

    @model_validator(mode="after")
    def _one(self) -> Change:
        if sum(v is not None for v in (self.set, self.minus, self.times, self.to)) != 1:
            raise ValueError("give exactly one of set, minus, times, to")
        return self


class TitleWhenTaking(Contract):
    """Another title for a patient already taking a drug of an ATC class (no "start a statin" for a statin taker)."""

    atc: list[str] = Field(min_length=1, description="ATC code prefixes of the class")
    title: str


class ScenarioRule(Contract):
    id: str
    title: str
    input: str
    when: Condition
    change: Change
    risks: list[str]
    when_taking: TitleWhenTaking | None = None

    def title_for(self, current_atc: Sequence[str]) -> str:
        """The title for a patient taking medications with these ATC codes."""
        taking = self.when_taking
        if taking is not None and any(code.upper().startswith(p.upper()) for code in current_atc for p in taking.atc):
            return taking.title
        return self.title


class IntegrationRules(Contract):
    monogenic_overrides: list[MonogenicOverride]
    polygenic_adjustments: list[PolygenicAdjustment]
    risk_ratio_cap: float = Field(gt=0, le=1)
    scenarios: list[ScenarioRule]
