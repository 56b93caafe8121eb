"""The matcher's output: a sample's diplotype call for one gene, the hand-off to the phenotyper."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from tailormed.model.base import Contract


class CallStatus(StrEnum):
    CALLED = "called"
    AMBIGUOUS = "ambiguous"
    NO_CALL = "no_call"


class CallOrigin(StrEnum):
    MATCHER = "matcher"
    OUTSIDE_CALL = "outside_call"


class Diplotype(Contract):
    """Two haplotype names, sorted the way PharmCAT prints them (``*1/*2``), and the match score."""

    allele1: str
    allele2: str
    score: int = 0

    @property
    def name(self) -> str:
        return f"{self.allele1}/{self.allele2}"


class GeneCall(Contract):
    """All equally good diplotypes for one gene in one sample, and what limited the call."""

    sample: str
    gene: str
    status: CallStatus
    diplotypes: list[Diplotype] = Field(default_factory=list, description="Best first")
    phased: bool = False
    origin: CallOrigin = CallOrigin.MATCHER
    outside_phenotype: str | None = Field(default=None, description="Phenotype given by an outside call")
    outside_activity_score: str | None = None
    missing_positions: list[str] = Field(default_factory=list, description="rsIDs (or chrom:pos) not callable")
    warnings: list[str] = Field(default_factory=list)
    definition_version: str | None = None
