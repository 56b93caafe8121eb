"""The normalized biomarker -> evidence table every oncology source is compiled into (CIViC, CGI, curated core).

One row is one biomarker, one indication (disease), one therapy (combinations kept together as one therapy) and one
clinical claim. The native level is kept next to the AMP/ASCO/CAP level it maps to *in its own indication*; the
engine turns that into the patient's tier from how the patient's tumour relates to the indication.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from pydantic import Field

from tailormed.model.alteration import Alteration, AlterationKind, GenomicAllele
from tailormed.model.base import Contract
from tailormed.model.enums import DiseaseExtent

EVIDENCE_FILE = "evidence.json"
#: OncoTree-style code the tables use for pan-cancer (tumour-agnostic) indications.
PAN_CANCER = "PANCANCER"


class EvidenceType(StrEnum):
    PREDICTIVE = "predictive"
    PROGNOSTIC = "prognostic"
    DIAGNOSTIC = "diagnostic"


class Direction(StrEnum):
    SUPPORTS = "supports"
    DOES_NOT_SUPPORT = "does_not_support"


class Significance(StrEnum):
    """What the biomarker says about the therapy (predictive) or the disease (prognostic/diagnostic)."""

    SENSITIVITY = "sensitivity"
    RESISTANCE = "resistance"
    REDUCED_SENSITIVITY = "reduced_sensitivity"
    ADVERSE_RESPONSE = "adverse_response"
    POOR_OUTCOME = "poor_outcome"
    BETTER_OUTCOME = "better_outcome"
    DIAGNOSTIC = "diagnostic"


class AmpLevel(StrEnum):
    """AMP/ASCO/CAP evidence level (Li et al., J Mol Diagn 2017) in the evidence's own indication.

    A: FDA-approved therapy or professional guideline; B: well-powered studies with expert consensus;
    C: multiple small studies, or approval in another tumour type; D: preclinical data or case reports.
    """

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class Origin(StrEnum):
    SOMATIC = "somatic"
    GERMLINE = "germline"
    ANY = "any"


class BiomarkerEvidence(Contract):
    """One biomarker -> clinical claim, with provenance."""

    id: str = Field(description="Source-qualified id, e.g. 'civic:EID2994'")
    biomarker: Alteration = Field(description="What the evidence is about: allele, protein change, codon, exon, class")
    entrez_id: str | None = None
    alleles: list[GenomicAllele] = Field(default_factory=list, description="Genomic alleles of the biomarker")
    disease: str
    oncotree: str | None = Field(description=f"OncoTree code of the indication, {PAN_CANCER!r}, or None if unmapped")
    also_oncotree: list[str] = Field(
        default_factory=list,
        description="Further tumour types the same indication names (fallopian tube and primary peritoneal cancer "
        "beside epithelial ovarian cancer)",
    )
    excluded_oncotree: list[str] = Field(
        default_factory=list, description="Tumour types a pan-cancer label leaves out (and their descendants)"
    )
    solid_tumours_only: bool = Field(
        default=False, description="A tumour-agnostic label for solid tumours: myeloid and lymphoid neoplasms are out"
    )
    unless: list[Alteration] = Field(
        default_factory=list,
        description="Biomarkers the label requires absent (no EGFR, ALK or ROS1 aberration; HER2-negative)",
    )
    requires: list[Alteration] = Field(
        default_factory=list,
        description="Biomarkers of which the label needs at least one as well (hormone-receptor-positive: ER or PR)",
    )
    year: int | None = Field(default=None, description="Year of the approval or guideline the row rests on")
    setting: str | None = Field(
        default=None, description="The line or setting the indication names (maintenance after response to platinum)"
    )
    extents: list[DiseaseExtent] = Field(
        default_factory=list,
        description="The extents of disease the indication names (metastatic; locally advanced or metastatic; early "
        "for adjuvant use); none when the source does not say",
    )
    verified: bool = Field(default=True, description="False when the source could not be re-read to the sentence")
    doid: str | None = None
    therapies: list[str] = Field(default_factory=list, description="Drugs given together (one therapy)")
    evidence_type: EvidenceType
    direction: Direction
    significance: Significance
    native_level: str = Field(description="The source's own level, e.g. CIViC 'B', CGI 'Late trials', 'FDA'")
    amp_level: AmpLevel
    origin: Origin = Origin.SOMATIC
    citations: list[str] = Field(default_factory=list, description="PMID:…, NCT…, FDA label URLs")
    url: str | None = None

    @property
    def gene(self) -> str:
        return self.biomarker.gene

    @property
    def indication_codes(self) -> list[str]:
        """Every OncoTree code the indication names (none when unmapped)."""
        return [self.oncotree, *self.also_oncotree] if self.oncotree is not None else []

    @property
    def therapy(self) -> str:
        return " + ".join(self.therapies)

    @property
    def alteration_class(self) -> str:
        """The issue's alteration classes: snv_indel, exon, amplification, deletion, fusion, signature, germline."""
        if self.origin is Origin.GERMLINE:
            return "germline"
        if self.biomarker.exon is not None:
            return "exon"
        if self.biomarker.kind is AlterationKind.MUTATION:
            return "snv_indel"
        return self.biomarker.kind.value


class DefinedType(Contract):
    """An OncoTree type that one alteration defines within a broader type: an AML with PML::RARA is APL.

    A tumour coded ``within`` (or a type between it and ``oncotree``) that carries ``biomarker`` is of type
    ``oncotree``, so the evidence for that type is on-label for it.
    """

    oncotree: str
    within: str
    biomarker: Alteration


class Withdrawal(Contract):
    """An indication the FDA approval no longer covers: other sources' approval-level claims for it are not offered."""

    id: str
    genes: list[str] = Field(min_length=1, description="Genes of the biomarkers the withdrawn indication named")
    oncotree: str = Field(description="OncoTree code of the withdrawn indication (its descendants included)")
    also_oncotree: list[str] = Field(
        default_factory=list,
        description="Further tumour types the withdrawn indication named (primary peritoneal cancer beside ovarian)",
    )
    therapies: list[str] = Field(min_length=1, description="Drugs given together, as in the withdrawn indication")
    setting: str = Field(description="The line or setting the withdrawn indication named")
    year: int = Field(description="Year the indication was withdrawn")
    citations: list[str] = Field(default_factory=list)

    def covers(self, row: BiomarkerEvidence, within: Callable[[str, str], bool]) -> bool:
        """Whether ``row`` claims approval-level evidence for this withdrawn indication.

        ``within(code, ancestor)`` says whether an OncoTree code lies in one of the indication's tumour types. A
        row that names no setting (CIViC, CGI) may rest on the withdrawn one and is covered; a row naming another
        setting of the same drug in the same tumour type (a maintenance indication still on the label) is not.
        """
        return (
            row.amp_level is AmpLevel.A
            and row.setting in (None, self.setting)
            and row.significance is Significance.SENSITIVITY
            and row.gene in self.genes
            and {t.lower() for t in row.therapies} == {t.lower() for t in self.therapies}
            and any(within(code, named) for code in row.indication_codes for named in self.indication_codes)
        )

    @property
    def indication_codes(self) -> list[str]:
        """Every OncoTree code the withdrawn indication named."""
        return [self.oncotree, *self.also_oncotree]


class EvidenceTable(Contract):
    """One source's evidence rows with the release they came from and the licence terms that travel with them."""

    source: str
    release: str
    licence: str
    redistributable: bool = Field(description="False when the licence is unverified or restricts redistribution")
    licence_note: str | None = None
    rows: list[BiomarkerEvidence]
    withdrawn: list[Withdrawal] = Field(
        default_factory=list, description="Indications withdrawn since approval (curated core): never offered"
    )
