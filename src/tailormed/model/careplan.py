"""The care plan: findings joined into problems, actions, conflicts and decisions for one person."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from tailormed.model.base import Contract
from tailormed.model.finding import Finding, NotAssessed, Priority


class ActionKind(StrEnum):
    MEDICATION_CHANGE = "medication_change"
    SCREENING = "screening"
    PREVENTION = "prevention"
    LIFESTYLE = "lifestyle"
    REFERRAL = "referral"
    MONITORING = "monitoring"


class Problem(Contract):
    id: str
    title: str
    kind: str = Field(description="condition, risk or finding")
    finding_ids: list[str] = Field(default_factory=list)


class Action(Contract):
    id: str
    kind: ActionKind
    title: str
    rationale: str
    priority: Priority = Priority.ROUTINE
    finding_ids: list[str] = Field(default_factory=list)


class Conflict(Contract):
    """A clash between the medication list and the genotype (drug-gene), between drugs through a gene, or between
    an outside call and the VCF (call-source)."""

    id: str
    kind: str = Field(description="drug_gene, drug_drug_gene or call_source")
    description: str
    drugs: list[str] = Field(default_factory=list)
    genes: list[str] = Field(default_factory=list)
    finding_ids: list[str] = Field(default_factory=list)


class Outcome(Contract):
    """An event rate on a common denominator, e.g. 8 in 100 over 10 years, with its uncertainty."""

    name: str
    translations: dict[str, str] = Field(default_factory=dict, description="Language code -> the name in it")
    per_100: float
    low: float | None = None
    high: float | None = None
    horizon_years: float | None = None
    benefit: bool = Field(
        description="True: the event the options aim to prevent (efficacy); False: a harm of an option (side effects)"
    )
    citations: list[str] = Field(default_factory=list)


class Option(Contract):
    id: str
    title: str
    translations: dict[str, str] = Field(default_factory=dict, description="Language code -> the title in it")
    description: str
    outcomes: list[Outcome] = Field(default_factory=list)
    attributes: dict[str, float] = Field(
        default_factory=dict, description="Scores in [0, 1] per preference criterion (higher is better)"
    )
    contraindicated: bool = False
    contraindication_reason: str | None = None
    score: float | None = None
    drug: str | None = None
    citations: list[str] = Field(default_factory=list)
    unverified: list[str] = Field(
        default_factory=list,
        description="Why facts behind this option could not be tied to a quoted source; kept out of patient reports",
    )


class SureQuestion(Contract):
    """One item of the SURE decisional-conflict test, asked of the patient about this decision."""

    item: str
    text: str


class Decision(Contract):
    id: str
    question: str
    translations: dict[str, str] = Field(default_factory=dict, description="Language code -> the question in it")
    options: list[Option]
    weights: dict[str, float] = Field(default_factory=dict)
    ranking: list[str] = Field(default_factory=list, description="Option ids, best first")
    sensitivity_note: str | None = None
    safety_note: str | None = None
    horizon_years: float | None = None
    baseline: str | None = Field(default=None, description="Where the reference option's event rates come from")
    finding_ids: list[str] = Field(default_factory=list)
    sure_questions: list[SureQuestion] = Field(default_factory=list)
    sure_scoring: str | None = None
    citations: list[str] = Field(default_factory=list)


class CarePlan(Contract):
    patient_id: str
    generated_at: datetime
    tailormed_version: str
    knowledge: dict[str, str] = Field(default_factory=dict, description="Source name -> version used")
    inputs: dict[str, str] = Field(default_factory=dict, description="Files, build, absent-is-reference choice")
    findings: list[Finding] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    limitations: list[NotAssessed] = Field(default_factory=list, description="What this plan does not tell you")
