"""Typed hereditary knowledge: a ClinVar classification per allele, an ACMG SF gene with its reporting rule,
and the curated management and rule definitions.

ClinVar positions are GRCh38 and VCF-style (left-aligned, one anchor base for indels), chromosomes UCSC-style.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field, PrivateAttr

from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract

Stars = Annotated[int, Field(ge=0, le=4)]


class Significance(StrEnum):
    """How the hereditary engine treats a ClinVar germline classification.

    ``plp`` is Pathogenic, Likely_pathogenic or Pathogenic/Likely_pathogenic (extra terms after ``|`` such as
    ``risk_factor`` do not change it); ``low_penetrance`` is a P/LP classification that includes a
    low-penetrance term; ``conflicting`` is a conflict in which at least one submitter said P or LP.
    """

    PLP = "plp"
    LOW_PENETRANCE = "low_penetrance"
    CONFLICTING = "conflicting"


class ClinvarVariant(Contract):
    """One ClinVar record (one allele) kept in the bundle."""

    chrom: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")
    pos: Annotated[int, Field(ge=1)]
    ref: str = Field(min_length=1)
    alt: str = Field(min_length=1)
    variation_id: str
    genes: tuple[str, ...] = ()
    clnsig: str = Field(description="CLNSIG as ClinVar wrote it, e.g. 'Pathogenic/Likely_pathogenic'")
    significance: Significance
    review_status: str = Field(description="CLNREVSTAT, e.g. 'reviewed_by_expert_panel'")
    stars: Stars
    conflicts: str | None = Field(
        default=None, description="CLNSIGCONF, e.g. 'Pathogenic(2)|Uncertain_significance(1)'"
    )
    conditions: tuple[str, ...] = Field(default=(), description="CLNDN names, underscores as spaces")
    hgvs: str | None = None
    rsid: str | None = None
    consequences: tuple[str, ...] = Field(default=(), description="MC terms, e.g. 'frameshift_variant'")

    @property
    def key(self) -> str:
        return f"{self.chrom}:{self.pos}"


class ClinvarRelease(Contract):
    """What the importer kept from one ClinVar VCF, for provenance and for telling apart 'not in ClinVar'."""

    file_date: str
    build: str = "GRCh38"
    records_read: int
    kept: int
    genes: tuple[str, ...] = Field(description="Every gene symbol with at least one record in the release read")


class RuleKind(StrEnum):
    """What an ACMG SF 'variants to report' rule asks for.

    ``any``: any P/LP allele (dominant genes; X-linked GLA/OTC in either sex). ``biallelic``: two P/LP alleles
    (homozygous, or two different ones). ``hemizygous_or_biallelic``: hemizygous, homozygous or two P/LP alleles
    (ABCD1 in v3.3). ``truncating``: P/LP alleles with a truncating consequence only (TTN). ``named_homozygous``:
    homozygosity for a named variant only (HFE p.C282Y).
    """

    ANY = "any"
    BIALLELIC = "biallelic"
    HEMIZYGOUS_OR_BIALLELIC = "hemizygous_or_biallelic"
    TRUNCATING = "truncating"
    NAMED_HOMOZYGOUS = "named_homozygous"


class NamedVariant(Sourced):
    """A variant a rule names, with its GRCh38 VCF-style position (quoted from a database record)."""

    claims: ClassVar[tuple[str, ...]] = ("pos",)

    name: str
    chrom: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")
    pos: Annotated[int, Field(ge=1)]
    ref: str = Field(min_length=1)
    alt: str = Field(min_length=1)
    rsid: str | None = None


class ReportRule(Contract):
    """How one 'variants to report' phrase of the ACMG SF table is applied."""

    phrase: str
    kind: RuleKind
    consequences: tuple[str, ...] = Field(default=(), description="truncating: ClinVar MC terms that qualify")
    variants: tuple[NamedVariant, ...] = Field(default=(), description="named_homozygous: the variants named")


class Management(Sourced):
    """Recommended management for a condition, in plain words, with the sources and quotes it rests on."""

    genes: tuple[str, ...] = Field(min_length=1)
    condition: str
    management: str
    citations: tuple[str, ...] = Field(min_length=1)


class AcmgSfLists(Sourced):
    """Which genes of the management entries entered the ACMG SF list only with v3.3 (the rest are in v3.2)."""

    v3_3_additions: tuple[str, ...]


class HereditaryCurated(Contract):
    """The curated ``hereditary-management`` source: rule definitions and management per condition."""

    version: str
    acmg_sf: AcmgSfLists
    rules: tuple[ReportRule, ...]
    not_visible: tuple[str, ...] = Field(
        default=(), description="Variant classes a small-variant VCF cannot show (CNVs, repeat expansions)"
    )
    management: tuple[Management, ...]

    def rule(self, phrase: str) -> ReportRule | None:
        wanted = " ".join(phrase.split()).casefold()
        return next((r for r in self.rules if " ".join(r.phrase.split()).casefold() == wanted), None)

    def for_gene(self, gene: str) -> list[Management]:
        return [entry for entry in self.management if gene in entry.genes]


class AcmgCondition(Contract):
    name: str
    mim: str | None = None
    category: str | None = None


class AcmgGene(Contract):
    """One gene of an ACMG SF list: its conditions, inheritance and the 'variants to report' phrase."""

    gene: str
    hgnc_id: str | None = None
    ncbi_gene_id: str | None = None
    conditions: tuple[AcmgCondition, ...] = Field(min_length=1)
    inheritance: str = Field(description="AD, AR or XL as the table gives it")
    variants_to_report: str
    since: str | None = Field(default=None, description="List version the gene entered the list")

    @property
    def condition(self) -> str:
        return "; ".join(c.name for c in self.conditions)


class AcmgList(Contract):
    """One version of the ACMG secondary-findings list."""

    version: str
    citation: str
    genes: tuple[AcmgGene, ...]
    _by_symbol: dict[str, AcmgGene] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._by_symbol = {}
        for gene in self.genes:
            self._by_symbol.setdefault(gene.gene, gene)  # the first entry wins, as a scan would find it

    def gene(self, symbol: str) -> AcmgGene | None:
        return self._by_symbol.get(symbol)

    def judged_gene(self, variant: ClinvarVariant) -> str:
        """The gene a variant is judged under: a gene of this list among its ClinVar genes, else its first gene."""
        return self.judged_genes([variant])[0]

    def judged_genes(self, variants: Iterable[ClinvarVariant]) -> list[str]:
        """:meth:`judged_gene` of each variant, in order (reads the private index once: each read of a private
        attribute goes through pydantic's ``__getattr__``, which cost more than the lookups over all of ClinVar)."""
        by_symbol = self._by_symbol
        judged = []
        for variant in variants:
            found = next((gene for gene in variant.genes if gene in by_symbol), None)
            judged.append(found if found is not None else (variant.genes[0] if variant.genes else "unknown gene"))
        return judged
