"""Typed ``Finding.data`` payloads, one model per finding kind, so plan, reports and FHIR read engines' results safely.

``Finding.data`` is :data:`FindingData`: a union told apart by each payload's ``kind`` literal. An engine builds its
payload and puts the model itself in the finding; readers dispatch with ``isinstance`` (never on finding ids), and
a careplan.json reads back into the same models. Risks are fractions in [0, 1] over ``horizon_years``. The PGx
payloads live in :mod:`tailormed.model.pgx` with the other PGx contracts.

>>> from tailormed.model.pgx import GenePhenotype, PhenotypeStatus
>>> from pydantic import TypeAdapter
>>> data = TypeAdapter(FindingData).validate_json(
...     GenePhenotype(gene="CYP2C19", sample="S1", status=PhenotypeStatus.NOT_CALLED).model_dump_json())
>>> type(data).__name__, data.kind
('GenePhenotype', 'pgx_gene')
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from tailormed.model.base import Contract
from tailormed.model.diagnosis import GeneTestAdvice, Suggestion
from tailormed.model.enums import DiseaseExtent
from tailormed.model.pgx import GenePhenotype, GuidelineResult, Phenoconversion, WarfarinDose

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class RiskScenario(Contract):
    """A what-if: the same model recomputed after changing modifiable inputs."""

    id: str = Field(description="e.g. 'quit_smoking', 'sbp_minus_10'")
    title: str = Field(description="In words, e.g. 'Stop smoking'")
    changes: dict[str, str] = Field(description="Input name -> new value, as shown to the user")
    risk_before: Fraction
    risk_after: Fraction


class ClinicalRiskData(Contract):
    """An absolute risk from a clinical equation, adjusted by genetics where that is valid."""

    kind: Literal["clinical_risk"] = "clinical_risk"

    model: str = Field(description="pce, prevent, findrisc or gail")
    outcome: str = Field(description="What is predicted, e.g. '10-year ASCVD'")
    horizon_years: float
    equation_risk: Fraction | None = Field(description="The equation's risk; None when it does not apply")
    polygenic_relative_risk: float | None = None
    polygenic_score: str | None = Field(default=None, description="PGS id used for the adjustment")
    integrated_risk: Fraction | None = Field(description="Risk after genetic adjustment (equation risk if none)")
    integrated_low: Fraction | None = None
    integrated_high: Fraction | None = None
    applicable: bool = True
    override_reason: str | None = Field(default=None, description="Why a monogenic finding overrides the equation")
    category: str | None = Field(default=None, description="e.g. 'intermediate', FINDRISC band")
    inputs: dict[str, str] = Field(default_factory=dict, description="Equation inputs as used")
    scenarios: list[RiskScenario] = Field(default_factory=list)


class PolygenicScoreData(Contract):
    """One polygenic score for one person, placed in a reference distribution."""

    kind: Literal["polygenic_score"] = "polygenic_score"

    pgs_id: str
    trait: str
    score_sum: float
    variants_matched: int
    variants_total: int
    overlap: Fraction
    z: float | None = None
    percentile: Annotated[float, Field(ge=0.0, le=100.0)] | None = None
    reference: str | None = Field(default=None, description="Population / method the Z and percentile are against")
    per_sd_effect: float | None = Field(default=None, description="Published OR or HR per SD of the score")
    relative_risk: float | None = None
    relative_risk_low: float | None = None
    relative_risk_high: float | None = None
    ancestry_validated: bool | None = Field(default=None, description="False: not validated in this ancestry")


class HereditaryVariantData(Contract):
    """A ClinVar P/LP (or conflicting) variant in a gene with a hereditary-disease recommendation."""

    kind: Literal["hereditary_variant"] = "hereditary_variant"

    gene: str
    chrom: str
    pos: int
    ref: str
    alt: str
    genotype: str
    zygosity: str = Field(description="heterozygous, homozygous, hemizygous or compound_heterozygous")
    clinvar_id: str | None = None
    hgvs: str | None = None
    clinvar_significance: str
    review_stars: int
    reportable: bool
    reason: str
    condition: str
    inheritance: str
    management: str | None = None


_THERAPY_PARTS = re.compile(r"\s*(?:\+|;|,)\s*")


def therapy_key(*therapies: str) -> tuple[str, ...]:
    """The drugs of a therapy as one key, spelling and order aside: the core's ``dabrafenib + trametinib``, CIViC's
    ``Trametinib + Dabrafenib`` and CGI's ``Dabrafenib;Trametinib`` are one therapy.

    >>> therapy_key("Dabrafenib;Trametinib") == therapy_key("trametinib", "dabrafenib") == ("dabrafenib", "trametinib")
    True
    """
    parts = (part.strip().casefold() for therapy in therapies for part in _THERAPY_PARTS.split(therapy))
    return tuple(sorted({part for part in parts if part}))


class TherapyMatchData(Contract):
    """One tumour alteration matched to one therapy's evidence."""

    kind: Literal["therapy_match"] = "therapy_match"

    gene: str
    alteration: str
    matched_level: str = Field(
        description="genomic, protein, codon, exon, fusion, signature, hla, cytogenetic, expression, wild_type (a "
        "label that needs genes without variants: RAS wild-type), triple_negative (ER, PR and HER2 negative breast "
        "cancer), ctdna_positive (circulating tumour DNA found after surgery) or gene_class"
    )
    tumor_type: str
    therapy: str
    direction: str
    significance: str
    evidence_level: str
    amp_tier: str
    source: str
    condition: str | None = Field(
        default=None, description="What the label needs that the tumour data do not state (e.g. germline confirmation)"
    )
    relation_note: str | None = Field(
        default=None,
        description="Why the indication is or is not on-label for this tumour (approved for another extent of "
        "disease, a tumour type the label excludes, an alteration that defines the tumour's type)",
    )
    off_extent: list[DiseaseExtent] = Field(
        default_factory=list,
        description="The extents of disease the indication is for, when the tumour's stated extent alone takes it "
        "off-label; the summary lists such therapies apart ('for metastatic disease only'), never as a benefit now",
    )
    other_type_extent: list[DiseaseExtent] = Field(
        default_factory=list,
        description="The extents of disease an indication for another tumour type is for, when the tumour's stated "
        "extent is none of them; the summary lists such therapies apart ('other tumour types, for metastatic disease "
        "only'), never as a benefit now",
    )
    regimens: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Regimens the therapy names by acronym, with their medicines (mFOLFOX6: oxaliplatin, leucovorin, "
        "fluorouracil)",
    )
    setting: str | None = Field(
        default=None, description="The line or setting the label names (first-line maintenance after platinum)"
    )
    other_settings: list[str] = Field(
        default_factory=list,
        description="The therapy's other labels for this tumour type that name another setting, each with what it "
        "needs ('Also on-label for maintenance of recurrent cancer ...: requires germline confirmation ...'); the "
        "tumour's line of treatment is never stated, so they are named beside the label that speaks for the finding",
    )


class DiagnosisCandidateData(Contract):
    """One ranked differential diagnosis."""

    kind: Literal["diagnosis_candidate"] = "diagnosis_candidate"

    rank: int
    disease_id: str
    disease_name: str
    genes: list[str] = Field(default_factory=list)
    post_test_probability: Fraction
    explanation: str


class DiagnosisWorkupData(Contract):
    """What to examine next and which genetic test fits the differential diagnosis."""

    kind: Literal["diagnosis_workup"] = "diagnosis_workup"

    suggestions: list[Suggestion] = Field(default_factory=list)
    test: GeneTestAdvice


class Contribution(Contract):
    feature: str
    value: str
    effect: float = Field(description="Contribution to the prediction, in the prediction's unit")


class DosePredictionData(Contract):
    """A learned model's individual prediction with its interval and explanation."""

    kind: Literal["dose_prediction"] = "dose_prediction"

    task: str
    drug: str
    predicted: float
    unit: str
    interval_low: float
    interval_high: float
    level: Fraction = Field(description="Nominal interval coverage, e.g. 0.8")
    model_name: str
    model_version: str
    contributions: list[Contribution] = Field(default_factory=list)
    model_card: dict[str, str] = Field(default_factory=dict, description="Card summary: estimand, data, metrics")
    contribution_unit: str | None = Field(
        default=None, description="Scale of the contributions when it is not the prediction's (e.g. sqrt(mg/week))"
    )
    contribution_baseline: float | None = Field(
        default=None, description="Value the contributions are added to, on the contribution scale"
    )


FindingData = Annotated[
    GenePhenotype
    | GuidelineResult
    | Phenoconversion
    | WarfarinDose
    | ClinicalRiskData
    | PolygenicScoreData
    | HereditaryVariantData
    | TherapyMatchData
    | DiagnosisCandidateData
    | DiagnosisWorkupData
    | DosePredictionData,
    Field(discriminator="kind"),
]
"""Every payload a finding can carry; ``kind`` says which."""
