"""The ``sdm-options`` knowledge source: decisions, their options, outcome rates and effects, and the SURE test.

The numbers are clinical content and live in ``knowledge/curated/sdm-options/options.yaml`` with their
citations; this module only gives them a typed shape and checks that every decision can be computed
(one reference option, effects only on outcomes the decision declares, levels on the declared scales).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, model_validator

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.files import parse_model
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract

SOURCE = "sdm-options"
OPTIONS_FILE = "options.yaml"
Positive = Annotated[float, Field(gt=0.0)]
Per100 = Annotated[float, Field(ge=0.0, le=100.0)]


class Scales(Contract):
    """Ordinal levels of the cost and convenience criteria, each mapped to a score in [0, 1]."""

    cost: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]]
    convenience: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]]


class SureQuestion(Contract):
    item: str
    text: str


class SureTest(Sourced):
    citation: str
    questions: list[SureQuestion] = Field(min_length=4, max_length=4)
    scoring: str


class GeneCondition(Contract):
    """Matches when the patient's result for every listed gene is one of its phenotypes (empty: any result)."""

    genes: dict[str, list[str]] = Field(default_factory=dict)


class Contraindication(GeneCondition, Sourced):
    """A safety reason an option must not be ranked first: a genotype, a condition code or condition words."""

    condition_codes_any: list[str] = Field(default_factory=list, description="ICD-10 codes or their prefixes")
    condition_words_any: list[str] = Field(default_factory=list)
    reason: str

    @model_validator(mode="after")
    def _has_a_rule(self) -> Contraindication:
        if not (self.genes or self.condition_codes_any or self.condition_words_any):
            raise ValueError("a contraindication needs genes, condition codes or condition words")
        return self


class Trigger(GeneCondition):
    """When a decision applies: all given parts must hold (genes, a drug, a condition, a risk above a level)."""

    drugs_any: list[str] = Field(default_factory=list)
    condition_codes_any: list[str] = Field(default_factory=list)
    condition_words_any: list[str] = Field(default_factory=list)
    risk_models: list[str] = Field(default_factory=list)
    min_risk: Annotated[float, Field(ge=0.0, le=1.0)] | None = None


class Baseline(Sourced):
    """Where the reference option's event rate comes from: the curated rate, or the patient's own risk."""

    source: str = Field(pattern=r"^(curated|risk)$")
    risk_models: list[str] = Field(default_factory=list)
    title: str

    def states_a_fact(self) -> bool:
        return self.source == "curated"


class OutcomeSpec(Sourced):
    claims = ("reference_per_100", "years")

    id: str
    name: str
    translations: dict[str, str] = Field(
        default_factory=dict, description="Language code -> the name in that language, for patient reports"
    )
    benefit: bool = Field(description="True: the event the options aim to prevent; False: a harm of an option")
    reference_per_100: Per100 | None = Field(description="Rate on the reference option; None: the patient's risk")
    years: Positive
    fixed: bool = Field(default=False, description="Happens once (early), so it is not rescaled to the horizon")

    def states_a_fact(self) -> bool:
        return self.reference_per_100 is not None


class Effect(Sourced):
    """How an option changes one outcome against the reference: a relative risk, an added rate, or rates by gene."""

    claims = ("rr", "rr_low", "rr_high", "add_per_100")

    rr: Positive | None = None
    rr_low: Positive | None = None
    rr_high: Positive | None = None
    add_per_100: Per100 | None = None
    by_gene: dict[str, dict[str, Per100]] = Field(
        default_factory=dict, description="Gene -> phenotype -> rate per 100 over the outcome's years"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Effect:
        kinds = [self.rr is not None, self.add_per_100 is not None, bool(self.by_gene)]
        if sum(kinds) != 1:
            raise ValueError("an effect has exactly one of rr, add_per_100 or by_gene")
        if self.rr is not None and (self.rr_low is None) != (self.rr_high is None):
            raise ValueError("give both rr_low and rr_high, or neither")
        return self


class OptionSpec(Sourced):
    """An option: its dose in the title is a fact and carries sources; a 'no change' option states none."""

    id: str
    title: str
    translations: dict[str, str] = Field(
        default_factory=dict, description="Language code -> the title in that language, for patient reports"
    )
    description: str
    drug: str | None = None
    reference: bool = False
    cost: str
    convenience: str
    guideline_population: str | None = Field(
        default=None, description="Guideline population whose rows apply (e.g. 'CVI ACS PCI')"
    )
    effects: dict[str, Effect] = Field(default_factory=dict)
    contraindications: list[Contraindication] = Field(default_factory=list)
    not_when_taking_atc: list[str] = Field(
        default_factory=list,
        description="ATC class prefixes: an option that starts a drug of this class is not offered to a patient who "
        "already takes one (no 'start a statin' for someone on a statin)",
    )

    def states_a_fact(self) -> bool:
        return bool(self.drug or self.effects or self.contraindications)

    def unverified_facts(self) -> list[str]:
        """Why facts behind this option (its own, its effects, its contraindications) could not be sourced."""
        parts: list[Sourced] = [self, *self.effects.values(), *self.contraindications]
        return [part.unverified.reason for part in parts if part.unverified is not None]


class LevelPair(Contract):
    cost: str
    convenience: str


class DecisionSpec(Contract):
    id: str
    question: str
    translations: dict[str, str] = Field(
        default_factory=dict, description="Language code -> the question in that language, for patient reports"
    )
    horizon_years: Positive
    trigger: Trigger
    baseline: Baseline
    outcomes: list[OutcomeSpec] = Field(min_length=1)
    options: list[OptionSpec] = Field(min_length=1)
    scenarios: LevelPair | None = Field(
        default=None, description="Levels of the risk engine's what-if scenarios, which become options"
    )

    @model_validator(mode="after")
    def _consistent(self) -> DecisionSpec:
        references = [o.id for o in self.options if o.reference]
        if len(references) != 1:
            raise ValueError(f"decision {self.id}: exactly one option must be the reference (found {references})")
        outcomes = {o.id for o in self.outcomes}
        if not any(o.benefit for o in self.outcomes):
            raise ValueError(f"decision {self.id}: at least one outcome must be a benefit outcome")
        for option in self.options:
            unknown = sorted(set(option.effects) - outcomes)
            if unknown:
                raise ValueError(f"decision {self.id}, option {option.id}: effects on unknown outcomes {unknown}")
        return self


class SdmOptions(Contract):
    scales: Scales
    sure: SureTest
    decisions: list[DecisionSpec]

    @model_validator(mode="after")
    def _levels_known(self) -> SdmOptions:
        for decision in self.decisions:
            pairs = [(o.id, o.cost, o.convenience) for o in decision.options]
            if decision.scenarios is not None:
                pairs.append(("scenarios", decision.scenarios.cost, decision.scenarios.convenience))
            for name, cost, convenience in pairs:
                if cost not in self.scales.cost or convenience not in self.scales.convenience:
                    raise ValueError(f"decision {decision.id}, {name}: cost/convenience level not on the scales")
        return self


def parse_sdm_options(data: object, source: str | Path) -> SdmOptions:
    """Parsed ``options.yaml`` content; anything that does not fit is a KnowledgeError naming ``source``."""
    return parse_model(data, SdmOptions, "option grids", source)


def load_sdm_options(bundle: KnowledgeBundle) -> SdmOptions:
    """The decisions of the bundle's ``sdm-options`` source, validated."""
    return parse_sdm_options(bundle.read_yaml(SOURCE, OPTIONS_FILE), bundle.path(SOURCE, OPTIONS_FILE))
