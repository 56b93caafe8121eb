"""CPIC and DPWG prescribing recommendations, each row keyed by the gene results it applies to.

A recommendation row applies to a patient when every one of its :class:`Criterion` holds for that gene's
result. Criteria are typed so that matching never compares strings of different kinds: an activity score
(``'1.0'``, ``'≥3.0'``, ``'n/a'``), a phenotype term, allele statuses (``*57:01 positive``), an exact diplotype
(DPWG's older allele-count keys, e.g. CYP2C9 ``*1/*3``), or ``no_result`` for rows written for a gene that was not
tested. A row may also be limited to some ages (:class:`AgeRange`), where a source advises adults and children
differently. The ``pharmcat-guidelines`` importer writes ``guidelines.json`` in this shape.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Protocol

from pydantic import Field, model_validator

from tailormed.knowledge.files import read_model
from tailormed.knowledge.sourcing import SourceQuote
from tailormed.model.base import Contract

SOURCE = "pharmcat-guidelines"
GUIDELINES_FILE = "guidelines.json"


class CriterionKind(StrEnum):
    ACTIVITY_SCORE = "activity_score"
    PHENOTYPE = "phenotype"
    ALLELE_STATUS = "allele_status"
    DIPLOTYPE = "diplotype"
    NO_RESULT = "no_result"


class Criterion(Contract):
    """What one gene's result must be for a row to apply.

    ``values`` holds the scores or phenotypes (any of them matches), the allele statuses that must all hold (``'*15:02
    positive'``), or for ``diplotype`` the alleles with repeats (``['*1', '*3']``). ``upstream`` keeps the key as
    the source wrote it when it was normalized (legacy DPWG keys).
    """

    gene: str
    kind: CriterionKind
    values: tuple[str, ...] = ()
    upstream: str | None = None


class ScoreOrigin(StrEnum):
    """How a lowest-function gene's activity score arose, where a guideline advises differently for each.

    DPWG's DPYD score 1.0 as the 2024-03-25 export gives it (two rows): certain for one no-function allele beside a
    normal one, for the same decreased-function variant on both copies, and for phased data (``known_alleles``);
    two different decreased-function variants of unknown phase give 1.0 only if they lie on different copies (1.5
    if on the same one), so DPWG asks for the DPD activity to be measured (``two_unphased_variants``).

    The newer annotation (one row whose two paragraphs say which applies) parts the cases by the alleles' function
    instead: a single no-function variant beside a normal allele (``one_no_function_allele``), or more than one
    reduced-function variant, phased or not, one per copy or the same one on both (``reduced_function_variants``).
    """

    TWO_UNPHASED_VARIANTS = "two_unphased_variants"
    KNOWN_ALLELES = "known_alleles"
    ONE_NO_FUNCTION_ALLELE = "one_no_function_allele"
    REDUCED_FUNCTION_VARIANTS = "reduced_function_variants"


class RowCondition(Contract):
    """A further condition one gene's result must meet for a row to apply, with the guideline text behind it."""

    gene: str
    score_from: ScoreOrigin
    sources: tuple[SourceQuote, ...] = Field(min_length=1)


class AgeRange(Contract):
    """The ages a row is for, where a source gives one result different advice by age (a label's adult and
    paediatric sentences), with the words that draw the line: ``from_years`` inclusive, ``below_years`` exclusive."""

    from_years: float | None = Field(default=None, ge=0)
    below_years: float | None = Field(default=None, gt=0)
    sources: tuple[SourceQuote, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _bounded(self) -> AgeRange:
        if self.from_years is None and self.below_years is None:
            raise ValueError("an age range needs from_years, below_years or both")
        if self.from_years is not None and self.below_years is not None and self.from_years >= self.below_years:
            raise ValueError(f"from_years {self.from_years} is not below below_years {self.below_years}")
        return self

    def holds(self, age_years: float) -> bool:
        """Whether a patient of ``age_years`` falls in the range."""
        return (self.from_years is None or age_years >= self.from_years) and (
            self.below_years is None or age_years < self.below_years
        )

    @property
    def described(self) -> str:
        """The range in words (``'17 years and older'``, ``'under 17 years'``)."""
        low = f"{self.from_years:g}" if self.from_years is not None else None
        high = f"{self.below_years:g}" if self.below_years is not None else None
        if low is not None and high is not None:
            return f"{low} to under {high} years"
        return f"{low} years and older" if low is not None else f"under {high} years"


class Citation(Contract):
    pmid: str | None = None
    title: str | None = None
    journal: str | None = None
    year: int | None = None


class DrugRef(Contract):
    """A drug a guideline covers, with the identifiers a medication list may carry."""

    name: str
    pharmgkb_id: str | None = None
    rxnorm: str | None = None
    atc: tuple[str, ...] = ()


class RecommendationRow(Contract):
    id: str
    drugs: tuple[str, ...] = Field(default=(), description="Drug names this row is for (a guideline may cover several)")
    population: str | None = None
    classification: str | None = Field(default=None, description="Strength as the source states it, e.g. 'Strong'")
    criteria: tuple[Criterion, ...]
    implications: tuple[str, ...] = ()
    text: str = Field(description="Recommendation as plain text (HTML removed)")
    dosing_information: bool = False
    alternate_drug_available: bool = False
    other_prescribing_guidance: bool = False
    sources: tuple[SourceQuote, ...] = Field(
        default=(), description="The guideline, where the row sits in it, and the recommendation in its own words"
    )
    condition: RowCondition | None = Field(
        default=None, description="How the gene's score must have arisen, when rows share a score (DPWG DPYD 1.0)"
    )
    age: AgeRange | None = Field(
        default=None, description="The patient ages the row is for, when the source advises by age (adult, child)"
    )

    @property
    def genes(self) -> tuple[str, ...]:
        return tuple(c.gene for c in self.criteria)

    def applies_to(self, drug: str) -> bool:
        return not self.drugs or drug.casefold() in (d.casefold() for d in self.drugs)

    @property
    def changes_therapy(self) -> bool:
        """The source flags this row as carrying a dose, an alternative drug or other prescribing advice."""
        return self.dosing_information or self.alternate_drug_available or self.other_prescribing_guidance


class Guideline(Contract):
    """One CPIC or DPWG guideline annotation: its drugs, genes, citations and rows."""

    id: str
    source: str = Field(description="'CPIC', 'DPWG', 'FDA label' (a label's own words) or 'FDA' (the FDA table)")
    name: str
    url: str | None = None
    version: str
    drugs: tuple[DrugRef, ...]
    genes: tuple[str, ...]
    citations: tuple[Citation, ...] = ()
    recommendations: tuple[RecommendationRow, ...] = ()

    @property
    def pmids(self) -> list[str]:
        return [f"PMID:{c.pmid}" for c in self.citations if c.pmid]

    def covers(self, name: str | None = None, rxnorm: str | None = None, atc: str | None = None) -> DrugRef | None:
        """The drug of this guideline matching a name (case-insensitive), an RxNorm code or an ATC code."""
        wanted = name.strip().casefold() if name else None
        for drug in self.drugs:
            if wanted and drug.name.casefold() == wanted:
                return drug
            if rxnorm and drug.rxnorm == rxnorm:
                return drug
            if atc and atc in drug.atc:
                return drug
        return None


class GuidelineKnowledge(Contract):
    source: str = SOURCE
    version: str
    guidelines: tuple[Guideline, ...] = ()
    legacy_key_map: dict[str, str] = Field(
        default_factory=dict, description="How legacy DPWG keys were normalized: upstream key -> criterion"
    )

    def for_drug(self, name: str | None = None, rxnorm: str | None = None, atc: str | None = None) -> list[Guideline]:
        return [g for g in self.guidelines if g.covers(name, rxnorm, atc) is not None]


class _Bundle(Protocol):
    def path(self, source: str, file: str) -> Path: ...


def read_guidelines(path: Path) -> GuidelineKnowledge:
    """Read the importer's ``guidelines.json``; a damaged file is a :class:`KnowledgeError` naming it."""
    return read_model(path, GuidelineKnowledge, "guideline data")


def load_guidelines(bundle: _Bundle, source: str = SOURCE) -> GuidelineKnowledge:
    """The CPIC/DPWG recommendations of a knowledge bundle."""
    return read_guidelines(bundle.path(source, GUIDELINES_FILE))
