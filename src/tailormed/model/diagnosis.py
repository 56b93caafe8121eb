"""What the diagnosis engine advises beyond the ranking: features to examine next and the genetic test to order.

Shared by the engine (which fills them), finding payloads, the care plan and the reports."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from tailormed.model.base import Contract


class GeneTestKind(StrEnum):
    SINGLE_GENE = "single-gene test"
    PANEL = "multi-gene panel"
    EXOME = "exome or genome sequencing"


class GeneShare(Contract):
    gene: str
    share: float = Field(ge=0.0, le=1.0, description="Share of the diagnostic probability carried by the gene")
    diseases: list[str] = Field(description="Its diseases among the top candidates, most probable first")


class GeneTestAdvice(Contract):
    """The genes to test and the kind of test, with the reasoning."""

    test: GeneTestKind
    genes: list[GeneShare] = Field(description="Genes in the suggested test (all listed genes for exome)")
    covered: float = Field(
        ge=0.0, le=1.0, description="Share of the probability of diseases with a known gene that these genes carry"
    )
    no_known_gene: float = Field(ge=0.0, le=1.0, description="Share carried by diseases with no known gene")
    reasoning: str


class Suggestion(Contract):
    """One feature to examine and what finding it (or not) would do."""

    term: str
    name: str
    information_gain: float = Field(description="Expected information gain in bits")
    probability_present: float = Field(ge=0.0, le=1.0, description="Chance the feature is present, now")
    supports: str = Field(description="The candidate disease it would raise most if present")
    supports_id: str
    frequency_in_supported: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Its annotated frequency in that disease (None: not stated)"
    )
    if_present: float = Field(ge=0.0, le=1.0, description="That disease's probability if the feature is present")
    if_absent: float = Field(ge=0.0, le=1.0, description="That disease's probability if it is absent")
    now: float = Field(ge=0.0, le=1.0, description="That disease's probability now")

    @property
    def phrase(self) -> str:
        """The clinician-facing sentence."""
        seen = (
            f"seen in {self.frequency_in_supported:.0%} of {self.supports}"
            if self.frequency_in_supported is not None
            else f"a feature of {self.supports} (frequency not stated)"
        )
        return (
            f"check for {self.name.lower()}: {seen} "
            f"(probability {self.now:.0%} now, {self.if_present:.0%} if present, {self.if_absent:.0%} if absent)"
        )
