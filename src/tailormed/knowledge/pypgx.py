"""The PyPGx knowledge as the ``pypgx`` importer writes it: genes, star alleles, variants, phenotype rules.

PyPGx (sbslee/pypgx, MIT) keeps both GRCh37 and GRCh38 coordinates for every star-allele-defining
variant, which lets tailormed read GRCh37 VCFs for these genes without liftover. These models are the
normalized bundle form; the readers at the bottom give engines typed access through a bundle.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

from pydantic import ConfigDict, Field, TypeAdapter

from tailormed.knowledge.files import read_model
from tailormed.model.base import Contract

if TYPE_CHECKING:
    from tailormed.knowledge.bundle import KnowledgeBundle

SOURCE = "pypgx"
GENES_FILE = "genes.json"
VARIANTS_FILE = "variants.json"
DIPLOTYPES_FILE = "diplotypes.json"
EQUATIONS_FILE = "equations.json"
PHENOTYPES_FILE = "phenotypes.json"
CPIC_FILE = "cpic.json"
RECOMMENDATIONS_FILE = "recommendations.json"

CHROM_PATTERN = r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$"


class VariantAllele(Contract):
    """A variant in one build, VCF-style: ``chr22``, position, reference bases, alternate bases.

    >>> VariantAllele(chrom="chr10", pos=94981296, ref="A", alt="C").name
    'chr10-94981296-A-C'
    """

    chrom: str = Field(pattern=CHROM_PATTERN)
    pos: Annotated[int, Field(ge=1)]
    ref: str = Field(pattern=r"^[ACGTN]+$")
    alt: str = Field(pattern=r"^[ACGTN]+$")

    @property
    def name(self) -> str:
        return f"{self.chrom}-{self.pos}-{self.ref}-{self.alt}"

    @property
    def key(self) -> str:
        """``chrom:pos``, matching ``Locus.key`` and ``GenotypeCall.key``."""
        return f"{self.chrom}:{self.pos}"


class PypgxVariant(Contract):
    """One star-allele-defining variant with its form in both builds.

    ``variant_allele`` is the allele star alleles carry. Where the GRCh38 reference itself carries it
    (e.g. CYP2D6 rs16947), the GRCh38 form is written against that reference, so ``grch38.ref`` equals
    ``variant_allele`` and ``grch38.alt`` is the other allele.
    """

    gene: str
    rsid: str | None = None
    grch37: VariantAllele
    grch38: VariantAllele
    variant_allele: str = Field(pattern=r"^[ACGTN]+$")
    impact: str | None = None
    grch37_synonyms: list[VariantAllele] = Field(default_factory=list)
    grch38_synonyms: list[VariantAllele] = Field(default_factory=list)


class StarAllele(Contract):
    """A named allele of a gene with its function and the variants that define it in each build."""

    name: str
    function: str | None = None
    activity_score: float | None = None
    grch37_core: list[VariantAllele] = Field(default_factory=list)
    grch37_tag: list[VariantAllele] = Field(default_factory=list)
    grch38_core: list[VariantAllele] = Field(default_factory=list)
    grch38_tag: list[VariantAllele] = Field(default_factory=list)
    structural: bool = Field(description="Defined by a structural variant (deletion, duplication, hybrid)")


class GeneRegion(Contract):
    """A gene's span; GRCh38 places a few genes (GSTT1) only on an alternate contig such as ``chr22_KI270879v1_alt``."""

    chrom: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)(_[A-Za-z0-9]+_alt)?$")
    start: Annotated[int, Field(ge=1)]
    end: Annotated[int, Field(ge=1)]


class Exon(Contract):
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=1)]


class PypgxGene(Contract):
    """A gene PyPGx knows: how it is genotyped and phenotyped, its regions, star alleles and CNV call names."""

    gene: str
    target: bool = Field(description="Genotyped by PyPGx (False for paralogs and copy-number controls)")
    control: bool
    paralog: str | None = None
    has_variants: bool
    structural_variation: bool
    phenotype_method: Literal["Diplotype", "Score"] | None = None
    reference_allele: str | None = None
    grch37_default_allele: str | None = Field(default=None, description="Allele the GRCh37 reference carries")
    grch38_default_allele: str | None = Field(default=None, description="Allele the GRCh38 reference carries")
    strand: Literal["+", "-"]
    grch37_region: GeneRegion
    grch38_region: GeneRegion
    grch37_exons: list[Exon] = Field(default_factory=list)
    grch38_exons: list[Exon] = Field(default_factory=list)
    alleles: list[StarAllele] = Field(default_factory=list)
    cnv_calls: list[str] = Field(default_factory=list)

    def allele(self, name: str) -> StarAllele | None:
        return next((a for a in self.alleles if a.name == name), None)


class ScoreRange(Contract):
    """An activity-score interval that maps to a phenotype, e.g. CYP2C9 ``1 <= score < 2`` -> Intermediate.

    >>> ScoreRange(phenotype="IM", lower=1, upper=2).contains(1.5)
    True
    >>> ScoreRange(phenotype="NM", lower=2, upper=2, upper_inclusive=True).contains(2.0)
    True
    """

    phenotype: str
    lower: float | None = None
    lower_inclusive: bool = True
    upper: float | None = None
    upper_inclusive: bool = False

    def contains(self, score: float) -> bool:
        if self.lower is not None and (score < self.lower or (score == self.lower and not self.lower_inclusive)):
            return False
        return not (
            self.upper is not None and (score > self.upper or (score == self.upper and not self.upper_inclusive))
        )


class CpicGeneDrug(Contract):
    """One gene–drug pair of the CPIC catalogue, with drug codes and evidence levels."""

    gene: str
    drug: str
    rxnorm: str | None = None
    atc: list[str] = Field(default_factory=list)
    guideline_url: str | None = None
    cpic_level: str
    cpic_level_status: str | None = None
    pharmgkb_level: str | None = None
    fda_label: str | None = None
    pmids: list[str] = Field(default_factory=list)


class DrugRecommendation(Contract):
    """A CPIC-derived recommendation for a drug given one or two genes' phenotypes (None: no recommendation)."""

    drug: str
    phenotypes: dict[str, str | None] = Field(
        description="Gene -> phenotype the row applies to; None where the row applies when that gene has no result"
    )
    recommendation: str | None = None


_EQUATION = re.compile(
    r"^\s*(?:(?P<lo>\d+(?:\.\d+)?)\s*(?P<lo_op><=|<)\s*)?score\s*(?:(?P<hi_op><=|<)\s*(?P<hi>\d+(?:\.\d+)?))?\s*$"
)
_EQUALS = re.compile(r"^\s*(?:(?P<a>\d+(?:\.\d+)?)\s*==\s*score|score\s*==\s*(?P<b>\d+(?:\.\d+)?))\s*$")


def parse_score_range(phenotype: str, equation: str) -> ScoreRange:
    """Read PyPGx's equation text (``0 <= score < 1``, ``2 == score``, ``2.5 <= score``) without evaluating it.

    >>> parse_score_range("UM", "2.5 <= score").lower
    2.5
    >>> parse_score_range("NM", "2 == score").upper_inclusive
    True
    """
    equals = _EQUALS.match(equation)
    if equals:
        value = float(equals.group("a") or equals.group("b"))
        return ScoreRange(phenotype=phenotype, lower=value, upper=value, upper_inclusive=True)
    bounds = _EQUATION.match(equation)
    if bounds is None or not (bounds.group("lo") or bounds.group("hi")):
        raise ValueError(f"unrecognized score equation {equation!r}")
    return ScoreRange(
        phenotype=phenotype,
        lower=float(bounds.group("lo")) if bounds.group("lo") else None,
        lower_inclusive=bounds.group("lo_op") != "<",
        upper=float(bounds.group("hi")) if bounds.group("hi") else None,
        upper_inclusive=bounds.group("hi_op") == "<=",
    )


T = TypeVar("T")

#: Validators are built on first use, so importing this module stays cheap.
_DEFERRED = ConfigDict(defer_build=True)
GENES = TypeAdapter(dict[str, PypgxGene], config=_DEFERRED)
VARIANTS = TypeAdapter(list[PypgxVariant], config=_DEFERRED)
DIPLOTYPES = TypeAdapter(dict[str, dict[str, str]], config=_DEFERRED)
EQUATIONS = TypeAdapter(dict[str, list[ScoreRange]], config=_DEFERRED)
PHENOTYPE_PRIORITIES = TypeAdapter(dict[str, dict[str, str | None]], config=_DEFERRED)
CPIC_PAIRS = TypeAdapter(list[CpicGeneDrug], config=_DEFERRED)
RECOMMENDATIONS = TypeAdapter(list[DrugRecommendation], config=_DEFERRED)


def _read(bundle: KnowledgeBundle, file: str, model_type: type[T]) -> T:
    """A PyPGx table of the bundle, read once per bundle (never mutate it)."""
    return bundle.loaded((SOURCE, file), lambda: read_model(bundle.path(SOURCE, file), model_type, "PyPGx table"))


def pypgx_genes(bundle: KnowledgeBundle) -> dict[str, PypgxGene]:
    """Gene symbol -> gene with its star alleles (function, activity, core variants per build)."""
    return _read(bundle, GENES_FILE, dict[str, PypgxGene])


def pypgx_variants(bundle: KnowledgeBundle) -> list[PypgxVariant]:
    """Every star-allele-defining variant with its GRCh37 and GRCh38 form."""
    return _read(bundle, VARIANTS_FILE, list[PypgxVariant])


def pypgx_diplotypes(bundle: KnowledgeBundle) -> dict[str, dict[str, str]]:
    """Gene -> diplotype (``*1/*3``) -> phenotype, for genes phenotyped by diplotype lookup."""
    return _read(bundle, DIPLOTYPES_FILE, dict[str, dict[str, str]])


def pypgx_equations(bundle: KnowledgeBundle) -> dict[str, list[ScoreRange]]:
    """Gene -> activity-score ranges and their phenotypes, for genes phenotyped by score."""
    return _read(bundle, EQUATIONS_FILE, dict[str, list[ScoreRange]])


def pypgx_phenotype_priorities(bundle: KnowledgeBundle) -> dict[str, dict[str, str | None]]:
    """Gene -> phenotype -> result priority (``Abnormal/Priority/High Risk`` ...), None where PyPGx has none."""
    return _read(bundle, PHENOTYPES_FILE, dict[str, dict[str, str | None]])


def pypgx_cpic_pairs(bundle: KnowledgeBundle) -> list[CpicGeneDrug]:
    """The CPIC gene–drug catalogue (RxNorm, ATC, CPIC and PharmGKB levels, FDA label status)."""
    return _read(bundle, CPIC_FILE, list[CpicGeneDrug])


def pypgx_recommendations(bundle: KnowledgeBundle) -> list[DrugRecommendation]:
    """Drug recommendations by gene phenotype(s), as PyPGx tabulates them from CPIC."""
    return _read(bundle, RECOMMENDATIONS_FILE, list[DrugRecommendation])
