"""A variant that could explain a patient's phenotype: the hand-off from genome reading to diagnosis ranking."""

from __future__ import annotations

from pydantic import Field

from tailormed.model.base import Contract


class CandidateVariant(Contract):
    """A variant that could explain the phenotype, as the genotype layer weighs it."""

    gene: str
    label: str = Field(description="How outputs name it, e.g. 'SCN5A chr3:38550989:A:G (heterozygous)'")
    copies: int = Field(ge=1, le=2)
    pathogenic: bool = Field(description="Classified P/LP (ClinVar, or the case's own classification)")
    weight: float = Field(ge=0.0, le=1.0, description="Predicted pathogenicity when not classified P/LP")
    basis: str = Field(description="What the classification or weight rests on")
