"""Pharmacogenomic contracts: the matcher's gene calls, the phenotyper's gene results, guideline answers,
phenoconversions and the warfarin dose.

The matcher, the phenotyper, the guideline lookup, outside-call readers, the plan and the reports all hand these
to one another, so they live here rather than in any one stage. The four results that become ``Finding.data``
carry a ``kind`` literal (``pgx_gene``, ``pgx_guideline``, ``pgx_phenoconversion``, ``pgx_warfarin_dose``) that
tells them apart in :data:`tailormed.model.payloads.FindingData`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from tailormed.model.base import Contract, NotAssessed


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
        """``*1/*2``; a hemizygous call (one X, no second allele) is its one haplotype, never ``B (reference)/``."""
        return f"{self.allele1}/{self.allele2}" if self.allele2 else self.allele1


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
    copy_number: int | None = Field(default=None, description="Measured gene copies folded into the diplotypes")
    conflict: str | None = Field(default=None, description="Why an outside call does not fit the VCF's genotypes")
    untested: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Named alleles the call could not test, every position defining them not called -> positions",
    )
    replaceable: list[str] = Field(
        default_factory=list,
        description="Called alleles an untested one could stand in for: every called position they define reads REF",
    )


class PhenotypeMethod(StrEnum):
    """How a gene's result is expressed and looked up in guidelines.

    >>> PhenotypeMethod("activity_score").value
    'activity_score'
    """

    ACTIVITY_SCORE = "activity_score"
    PHENOTYPE = "phenotype"
    ALLELE_STATUS = "allele_status"


class AlleleFunction(Contract):
    """One named allele's function (``Decreased function``) and, for activity-score genes, its value."""

    name: str
    function: str | None = None
    activity_value: str | None = None


class PhenotypeStatus(StrEnum):
    ASSIGNED = "assigned"
    AMBIGUOUS = "ambiguous"
    UNRESOLVED = "unresolved"
    NO_TABLE = "no_table"
    NOT_CALLED = "not_called"


class PossibleResult(Contract):
    """A result a gene could still have because its copy number was not measured (``*4/*5`` behind a ``*4/*4``)."""

    diplotype: str
    phenotype: str | None = Field(default=None, description="None when the table has no value for it")
    activity_score: str | None = None
    because: str = Field(description="e.g. 'one copy deleted (*5)', 'a second *1 copy (*1x2)'")

    @property
    def described(self) -> str:
        """``*4/*5: Poor Metabolizer (activity score 0.0)``."""
        score = f" (activity score {self.activity_score})" if self.activity_score else ""
        return f"{self.diplotype}: {self.phenotype or 'phenotype unknown'}{score}"


class GenePhenotype(Contract):
    """One gene's result for one sample, as guideline lookup and reports use it."""

    kind: Literal["pgx_gene"] = "pgx_gene"

    gene: str
    sample: str
    status: PhenotypeStatus
    method: PhenotypeMethod | None = None
    origin: CallOrigin = CallOrigin.MATCHER
    diplotypes: list[str] = Field(default_factory=list, description="Candidate diplotypes, best first")
    alleles: list[AlleleFunction] = Field(default_factory=list, description="Functions of the resolved diplotype")
    diplotype_alleles: tuple[str, ...] | None = Field(
        default=None, description="The single resolved diplotype, sorted; None when ambiguous or phenoconverted"
    )
    phased: bool = Field(default=False, description="The call rests on phased genotypes (which copy is known)")
    phenotype: str | None = None
    activity_score: str | None = None
    allele_statuses: dict[str, bool] = Field(default_factory=dict, description="HLA allele -> carried")
    table_version: str | None = None
    missing_positions: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    phenoconversion: str | None = Field(default=None, description="Why this is not the genotype's own result")
    structural: str | None = Field(
        default=None, description="What the call could not see, e.g. 'structural variants not assessed'"
    )
    possible: list[PossibleResult] = Field(
        default_factory=list, description="Other results the gene could have given its unmeasured copy number"
    )
    resolving_test: str | None = Field(default=None, description="The test that settles ``possible``")
    untested: list[PossibleResult] = Field(
        default_factory=list,
        description="Other results the gene would have with an allele its VCF could not test (positions not called)",
    )
    untested_positions: list[str] = Field(
        default_factory=list, description="The positions whose genotyping settles ``untested``"
    )
    copy_number: int | None = Field(default=None, description="Gene copies measured (copy-number evidence)")
    conflict: str | None = Field(default=None, description="An outside call the VCF's genotypes contradict")

    @property
    def called(self) -> bool:
        return self.status != PhenotypeStatus.NOT_CALLED

    @property
    def lookup_value(self) -> str | None:
        """The value guidelines are looked up by: the activity score for score genes, else the phenotype."""
        if self.method == PhenotypeMethod.ACTIVITY_SCORE:
            return self.activity_score
        return self.phenotype

    @property
    def summary(self) -> str:
        """One line, e.g. ``CYP2C9 *1/*3: Intermediate Metabolizer (activity score 1.0)``."""
        call = " or ".join(self.diplotypes) if self.diplotypes else self.origin.value.replace("_", " ")
        if not self.called:
            return f"{self.gene}: not called"
        result = self.phenotype or {
            PhenotypeStatus.AMBIGUOUS: "phenotype ambiguous",
            PhenotypeStatus.NO_TABLE: "no phenotype table",
            PhenotypeStatus.UNRESOLVED: "phenotype not assigned",
        }.get(self.status, "no phenotype")
        score = f" (activity score {self.activity_score})" if self.activity_score else ""
        return f"{self.gene} {call}: {result}{score}"


class RecommendationStatus(StrEnum):
    MATCHED = "matched"
    NO_MATCHING_ROW = "no_matching_row"
    NOT_ASSESSED = "not_assessed"


class QuotedSource(Contract):
    """Where a recommendation comes from: the guideline, the place in it, and its own words."""

    cite: str
    at: str
    quote: str


class MatchedRow(Contract):
    """One recommendation row that applies, and the gene results it was matched on."""

    row_id: str
    population: str | None = None
    classification: str | None = None
    implications: list[str] = Field(default_factory=list)
    text: str
    dosing_information: bool = False
    alternate_drug_available: bool = False
    other_prescribing_guidance: bool = False
    matched_on: dict[str, str] = Field(default_factory=dict, description="Gene -> the result value that matched")
    actionable: bool = Field(description="The row changes therapy for a non-normal result")
    sources: list[QuotedSource] = Field(
        default_factory=list, description="The guideline and its own words for this recommendation"
    )

    @property
    def headline(self) -> str:
        r"""The recommendation's first line, with the lines it leads into when it ends in a colon (a condition whose
        advice follows), so a title never stops before the advice.

        >>> text = "If bradycardia:\n- Use smaller steps.\nOTHER CASES:\n- No action."
        >>> MatchedRow(row_id="r", actionable=True, text=text).headline
        'If bradycardia: Use smaller steps.'
        """
        lines = [line.strip().removeprefix("- ").strip() for line in self.text.splitlines() if line.strip()]
        if not lines:
            return "see guideline"
        taken = [lines[0]]
        for line in lines[1:]:
            if not taken[-1].endswith(":"):
                break
            taken.append(line)
        return " ".join(taken)


class GuidelineResult(Contract):
    """What one guideline says for one drug and this patient's gene results."""

    kind: Literal["pgx_guideline"] = "pgx_guideline"

    drug: str
    guideline_id: str
    guideline_name: str
    source: str
    version: str
    url: str | None = None
    genes: list[str]
    citations: list[str] = Field(default_factory=list)
    status: RecommendationStatus
    rows: list[MatchedRow] = Field(default_factory=list)
    gene_results: dict[str, str] = Field(default_factory=dict, description="Gene -> result summary used")
    not_assessed: list[NotAssessed] = Field(default_factory=list)
    provisional: bool = Field(
        default=False, description="Rests on a call whose possible results (unmeasured copy number) get other advice"
    )
    range_note: str | None = Field(
        default=None, description="Whether the advice holds for every possible result of the genes it rests on"
    )
    resolving_test: str | None = Field(default=None, description="The test that would make a provisional answer firm")

    @property
    def actionable(self) -> bool:
        return any(row.actionable for row in self.rows)


class Phenoconversion(Contract):
    """How co-medication changes one gene's result, and why."""

    kind: Literal["pgx_phenoconversion"] = "pgx_phenoconversion"

    gene: str
    genotype_phenotype: str | None
    genotype_activity_score: str | None = None
    effective_phenotype: str | None
    effective_activity_score: str | None = Field(default=None, description="Genotype score x factor, unrounded")
    lookup_activity_score: str | None = Field(default=None, description="Table score used to find guidance")
    perpetrators: list[str] = Field(description="Drugs on the list that act on the enzyme")
    effect: str = Field(description="e.g. 'strong inhibitor'")
    applied: bool = Field(
        description="False when opposing inhibitors and inducers cancel out, or every perpetrator is used locally "
        "(skin, eye, ear, nose) and so does not carry its systemic effect"
    )
    explanation: str
    citations: list[str] = Field(default_factory=list)
    unverified: list[str] = Field(
        default_factory=list, description="Why a strength or rule this change rests on is not source-backed"
    )


class WarfarinInputs(Contract):
    """What the formula uses; ``None`` means the input is unknown."""

    age_years: float | None = None
    height_cm: float | None = None
    weight_kg: float | None = None
    vkorc1: str | None = Field(default=None, description="rs9923231 (-1639 G>A) genotype: GG, AG or AA")
    cyp2c9: str | None = Field(default=None, description="Diplotype in *1/*2/*3 terms, e.g. '*1/*3'")
    race: str = Field(default="missing_or_mixed", description="white, asian, black or missing_or_mixed")
    enzyme_inducer: bool = False
    amiodarone: bool = False
    african_ancestry: bool = False
    cyp2c9_alleles: list[str] | None = Field(default=None, description="The CYP2C9 alleles as called")
    rs12777823_a_carrier: bool | None = None
    notes: list[str] = Field(default_factory=list)


class DoseTerm(Contract):
    name: str
    value: str
    coefficient: float
    contribution: float


class DoseAdjustment(Contract):
    id: str
    text: str
    percent_low: float
    percent_high: float
    applies: bool | None = Field(description="None when the inputs to decide were not available")


class WarfarinDose(Contract):
    """The IWPC pharmacogenetic dose as a worked sum, and the CPIC 2017 range around it."""

    kind: Literal["pgx_warfarin_dose"] = "pgx_warfarin_dose"
    inputs: WarfarinInputs
    terms: list[DoseTerm] = Field(default_factory=list)
    sqrt_weekly_dose: float | None = None
    weekly_mg: float | None = None
    daily_mg: float | None = None
    adjusted_weekly_mg: tuple[float, float] | None = Field(default=None, description="Range after CPIC adjustments")
    adjustments: list[DoseAdjustment] = Field(default_factory=list)
    not_assessed: list[NotAssessed] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)

    @property
    def headline_weekly_mg(self) -> tuple[float, float] | None:
        """The starting dose to act on, as a range: the CPIC-adjusted range when an adjustment applies, else the
        IWPC dose itself; None when no pharmacogenetic dose was calculated."""
        if self.weekly_mg is None:
            return None
        return self.adjusted_weekly_mg or (self.weekly_mg, self.weekly_mg)

    @property
    def worked(self) -> str:
        """The sum as text: ``5.6044 - 0.2614 x 6 + ... = 2.47; 2.47^2 = 6.10 mg/week``."""
        if self.sqrt_weekly_dose is None or self.weekly_mg is None:
            return "not calculated"
        parts = " ".join(f"{'+' if t.contribution >= 0 else '-'} {abs(t.contribution):.4f} ({t.name} {t.value})"
                         for t in self.terms[1:])
        return (
            f"{self.terms[0].contribution:.4f} {parts} = {self.sqrt_weekly_dose:.4f}; squared = "
            f"{self.weekly_mg:.1f} mg/week ({self.daily_mg:.2f} mg/day)"
        )
