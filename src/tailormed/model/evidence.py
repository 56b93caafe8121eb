"""Genome evidence: what the pipeline asks a genome reader to collect, and what one reading pass found.

The request (:class:`GenomeRequest`) is built by the pipeline from the knowledge bundle — allele-definition loci,
ClinVar loci, scoring-file positions, build markers — in every build the knowledge has positions for; the reader
settles the file's build and keeps what concerns that build. The answer (:class:`GenomeEvidence`) is one sample's
facts, filed under the knowledge's own coordinates, with every choice that shaped them: the build and how it was
established, the sample, whether absent positions were declared reference and by whom, how many records each gene
region holds, and where the file's REF bases disagree with the knowledge. It serialises to JSON, so an analysis can
be re-run from it without the genome (``tailormed analyze --evidence evidence.json``).

A somatic VCF is a separate input with its own evidence (:class:`TumourEvidence`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Literal, cast

from pydantic import Field, model_validator

from tailormed.model.alteration import GenomicAllele, VariantOrigin
from tailormed.model.base import Contract
from tailormed.model.dosage import SiteGroup, SiteRecord
from tailormed.model.genotype import (
    BuildDetection,
    BuildMarker,
    CallSource,
    CallState,
    GenomeBuild,
    GenotypeCall,
    Locus,
    SampleGenotypes,
)

#: Version of the :class:`GenomeEvidence` JSON layout; a reader refuses layouts it does not know.
EVIDENCE_SCHEMA_VERSION: Literal[1] = 1
#: Bases added on each side of a gene's knowledge positions to make the region whose records show whether a VCF
#: covers the gene: wide enough that a whole-genome VCF listing only variant sites has records there (a few dozen
#: per 50 kb), narrow enough that a VCF of other sites (a score's, another gene panel's) has none.
GENE_REGION_PAD = 25_000

AlleleKey = tuple[str, int, str, str]


# -- the request ------------------------------------------------------------------------------------------------


class GeneRegion(Contract):
    """A region whose records show whether a declared-complete VCF covers a gene at all."""

    name: str = Field(description="The gene (or other unit) the region stands for")
    chrom: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")
    start: Annotated[int, Field(ge=1)]
    end: Annotated[int, Field(ge=1)]


def gene_regions(groups: Iterable[tuple[str, Sequence[Locus]]], pad: int = GENE_REGION_PAD) -> list[GeneRegion]:
    """One region per named group of loci: their span on the first locus's chromosome, widened by ``pad``.

    >>> gene_regions([("VKORC1", [Locus(chrom="chr16", pos=31096368, ref="C", alts=("T",))])])[0].start
    31071368
    """
    regions = []
    for name, loci in groups:
        if not loci:
            continue
        chrom = loci[0].chrom
        start = min(locus.pos for locus in loci if locus.chrom == chrom)
        end = max(locus.pos + len(locus.ref) - 1 for locus in loci if locus.chrom == chrom)
        regions.append(GeneRegion(name=name, chrom=chrom, start=max(1, start - pad), end=end + pad))
    return regions


class BuildLoci(Contract):
    """One consumer's sites in one build: read at ``loci``, filed under ``report_as`` (when lifted), per region."""

    loci: list[Locus]
    report_as: dict[str, Locus] = Field(
        default_factory=dict,
        description="Locus.key as read -> the knowledge locus the call is filed under (e.g. GRCh37 read, GRCh38 "
        "definition); loci not listed are filed as read",
    )
    regions: list[GeneRegion] = Field(default_factory=list)


Chromosome = Annotated[str, Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")]


class ScoreSites(Contract):
    """Scoring-file positions in one build, as columns (row ``i`` of each is one variant): every record at a position
    is kept with the samples' allele indices. Columns, not an object per variant, since a cohort's scores may list
    millions of variants; ``effect`` and ``other`` (empty, or one per row) are the alleles that vote on the build."""

    chrom: tuple[Chromosome, ...] = ()
    pos: tuple[Annotated[int, Field(ge=1)], ...] = ()
    effect: tuple[str | None, ...] = Field(
        default=(), description="Effect allele per row, to vote on the build (none, or None: the row does not vote)"
    )
    other: tuple[str | None, ...] = Field(default=(), description="Other allele per row (None: not given)")

    @model_validator(mode="after")
    def _rows(self) -> ScoreSites:
        rows = len(self.chrom)
        if len(self.pos) != rows or len(self.effect) not in (0, rows) or len(self.other) != len(self.effect):
            raise ValueError("chrom and pos need one value per row, effect and other none or one per row")
        return self

    @classmethod
    def at(cls, sites: Iterable[tuple[str, int]]) -> ScoreSites:
        """Sites without alleles (no build votes).

        >>> ScoreSites.at([("chr1", 100), ("chr2", 5)]).sites()
        [('chr1', 100), ('chr2', 5)]
        """
        pairs = list(sites)
        return cls(chrom=tuple(chrom for chrom, _ in pairs), pos=tuple(pos for _, pos in pairs))

    def __len__(self) -> int:
        return len(self.chrom)

    def sites(self) -> list[tuple[str, int]]:
        """The (chromosome, position) of each row."""
        return list(zip(self.chrom, self.pos, strict=True))

    def take(self, rows: Sequence[int]) -> ScoreSites:
        """The rows ``rows`` (in that order)."""
        voting = bool(self.effect)
        return ScoreSites.model_construct(  # rows of validated columns
            chrom=tuple(self.chrom[row] for row in rows),
            pos=tuple(self.pos[row] for row in rows),
            effect=tuple(self.effect[row] for row in rows) if voting else (),
            other=tuple(self.other[row] for row in rows) if voting else (),
        )

    def joined(self, other: ScoreSites) -> ScoreSites:
        """These rows, then ``other``'s."""
        voting = bool(self.effect or other.effect)
        return ScoreSites.model_construct(  # validated columns
            chrom=self.chrom + other.chrom,
            pos=self.pos + other.pos,
            effect=self._effect(voting) + other._effect(voting),
            other=self._other(voting) + other._other(voting),
        )

    def _effect(self, voting: bool) -> tuple[str | None, ...]:
        return (self.effect or (None,) * len(self)) if voting else ()

    def _other(self, voting: bool) -> tuple[str | None, ...]:
        return (self.other or (None,) * len(self)) if voting else ()


class CandidateRequest(Contract):
    """Collect every non-reference PASS allele (one stream over the whole file), for phenotype-driven diagnosis."""

    known: frozenset[AlleleKey] = Field(
        default_factory=frozenset, description="(chrom, pos, ref, alt) kept even without a CSQ/ANN annotation"
    )


class GenomeRequest(Contract):
    """Everything the engines of one analysis want from a genome, so the file is read once for all of them."""

    loci: dict[str, dict[GenomeBuild, BuildLoci]] = Field(
        default_factory=dict, description="Consumer name ('pgx', 'hereditary') -> build -> sites"
    )
    scores: dict[GenomeBuild, ScoreSites] = Field(default_factory=dict)
    candidates: CandidateRequest | None = None
    markers: list[BuildMarker] = Field(default_factory=list)
    copy_number: dict[GenomeBuild, list[GeneRegion]] = Field(
        default_factory=dict, description="Gene regions whose copy-number records (<DEL>/<DUP>/<CNV>, CN) are read"
    )

    def merged(self, other: GenomeRequest) -> GenomeRequest:
        """Both requests in one (a consumer named in both keeps ``other``'s loci)."""
        scores: dict[GenomeBuild, ScoreSites] = {}
        for build in GenomeBuild:
            mine, theirs = self.scores.get(build), other.scores.get(build)
            if mine is not None and theirs is not None:
                scores[build] = mine.joined(theirs)
            elif mine is not None or theirs is not None:
                scores[build] = mine if mine is not None else cast(ScoreSites, theirs)
        markers = {(m.chrom, m.grch38_pos): m for m in [*self.markers, *other.markers]}
        known = (self.candidates.known if self.candidates else frozenset()) | (
            other.candidates.known if other.candidates else frozenset()
        )
        wants_candidates = self.candidates is not None or other.candidates is not None
        return GenomeRequest(
            loci={**self.loci, **other.loci},
            scores={build: sites for build, sites in scores.items() if len(sites)},
            candidates=CandidateRequest(known=known) if wants_candidates else None,
            markers=list(markers.values()),
            copy_number={
                build: regions
                for build in GenomeBuild
                if (regions := [*self.copy_number.get(build, []), *other.copy_number.get(build, [])])
            },
        )

    @property
    def empty(self) -> bool:
        return not (self.loci or self.scores or self.candidates)


# -- the answer -------------------------------------------------------------------------------------------------


class DeclaredBy(StrEnum):
    """Who decided whether positions absent from the VCF are reference."""

    RECORD = "record"
    COMMAND_LINE = "command_line"
    NOT_DECLARED = "not_declared"


class AbsentPolicy(Contract):
    """Whether absent positions are read as reference (the VCF declared complete), and who said so."""

    absent_is_reference: bool = False
    declared_by: DeclaredBy = DeclaredBy.NOT_DECLARED

    @classmethod
    def resolve(cls, command_line: bool | None, record: bool | None) -> AbsentPolicy:
        """The command line first, then the record; neither means not declared (absent is not reference).

        >>> AbsentPolicy.resolve(None, True).declared_by.value, AbsentPolicy.resolve(False, True).absent_is_reference
        ('record', False)
        """
        if command_line is not None:
            return cls(absent_is_reference=command_line, declared_by=DeclaredBy.COMMAND_LINE)
        if record is not None:
            return cls(absent_is_reference=record, declared_by=DeclaredBy.RECORD)
        return cls()

    @property
    def text(self) -> str:
        if self.declared_by is DeclaredBy.NOT_DECLARED:
            return "absent positions not called (completeness not declared)"
        who = "the record" if self.declared_by is DeclaredBy.RECORD else "the command line"
        choice = "assumed reference" if self.absent_is_reference else "not called"
        return f"absent positions {choice} (declared by {who})"


class ReadMode(StrEnum):
    INDEX = "index"
    STREAM = "stream"


class GenomeSource(Contract):
    """Facts about the genome input (never its bytes)."""

    label: str = Field(description="The file path, or the name the caller gave a stream")
    format: str = Field(description="vcf, vcf.gz or bcf")
    indexed: bool
    read: ReadMode
    records_read: int
    samples_in_file: int


class RegionCoverage(Contract):
    """How many records of the file fall in a requested region."""

    consumer: str
    name: str
    chrom: str
    start: int
    end: int
    records: int


class RefMismatch(Contract):
    """A record whose REF bases disagree with the knowledge's REF at a requested site (never used as a match)."""

    consumer: str
    key: str = Field(description="Locus.key of the knowledge site")
    vcf_ref: str
    knowledge_ref: str
    where: str


class ScoreSite(Contract):
    """One VCF record at a requested score position, with this sample's two allele indices (-1: missing)."""

    chrom: str
    pos: int
    id: str
    ref: str
    alts: tuple[str, ...]
    alleles: tuple[int, int]
    location: str


class CandidateAllele(Contract):
    """A non-reference allele of a PASS record, with the gene and consequence its CSQ/ANN annotation gives."""

    chrom: str
    pos: int
    ref: str
    alt: str
    copies: Annotated[int, Field(ge=1, le=2)]
    gene: str | None = None
    consequence: str | None = None
    weight: float | None = Field(default=None, description="Impact weight of the most severe annotation")


class CandidateScan(Contract):
    """What a pass for diagnosis candidates found, and what it left out."""

    whole_file: bool = Field(
        default=True,
        description="Every record was read; False: only the known alleles' positions (no CSQ/ANN annotation)",
    )
    records: int = 0
    not_pass: int = 0
    unannotated: int = Field(default=0, description="Non-reference alleles with no annotation and not known")
    annotation: str | None = Field(default=None, description="CSQ or ANN when the VCF carries one")
    alleles: list[CandidateAllele] = Field(default_factory=list)


class CopyNumberRecord(Contract):
    """A record of the VCF that states the copy number of a requested gene region (a caller's CNV output)."""

    gene: str
    chrom: str
    start: int
    end: int
    kind: str = Field(description="DEL, DUP or CNV (symbolic ALT), or CN (a CN FORMAT field on another record)")
    copies: int | None = Field(description="The sample's copies: its CN value, or 2 -/+ the ALT alleles it carries")
    where: str = Field(description="The record's place in the file")


class AbsentSites(Contract):
    """Requested sites no record of the file speaks about, kept as one entry instead of one call per site.

    :meth:`GenomeEvidence.calls` expands them: ``assumed_reference`` calls (the REF on every allele, one allele on a
    ``haploid`` chromosome) where the VCF was declared complete and the site's region holds a record, else
    ``absent`` calls.
    """

    assumed_reference: bool = False
    sites: dict[str, str] = Field(default_factory=dict, description="Knowledge Locus.key -> the knowledge REF")
    read_as: dict[str, str] = Field(
        default_factory=dict, description="Locus.key -> the REF of the build read, where it differs (lifted sites)"
    )
    haploid: list[str] = Field(default_factory=list, description="Chromosomes where this sample has one allele")

    def expand(self) -> dict[str, GenotypeCall]:
        """One call per site, as a reader that kept a call per site would have written it."""
        calls: dict[str, GenotypeCall] = {}
        haploid = set(self.haploid)
        for key, ref in self.sites.items():
            chrom, _, pos = key.rpartition(":")
            if self.assumed_reference:
                read = self.read_as.get(key, ref)
                calls[key] = GenotypeCall(
                    chrom=chrom,
                    pos=int(pos),
                    ref=ref,
                    alleles=(read,) if chrom in haploid else (read, read),
                    state=CallState.ASSUMED_REFERENCE,
                    source=CallSource.ASSUMED,
                )
            else:
                calls[key] = GenotypeCall(chrom=chrom, pos=int(pos), ref=ref, state=CallState.ABSENT)
        return calls


class GenomeEvidence(Contract):
    """One sample's genome facts from one reading pass, in the knowledge's coordinates."""

    schema_version: Literal[1] = EVIDENCE_SCHEMA_VERSION
    source: GenomeSource
    sample: str
    build: BuildDetection
    absent: AbsentPolicy
    genotypes: dict[str, dict[str, GenotypeCall]] = Field(
        default_factory=dict,
        description="Consumer -> knowledge Locus.key -> call, for the sites a record speaks about (evidence files "
        "written before absent_sites existed hold every call here)",
    )
    absent_sites: dict[str, list[AbsentSites]] = Field(
        default_factory=dict, description="Consumer -> its requested sites no record speaks about"
    )
    score_sites: list[ScoreSite] | None = Field(default=None, description="None: no score positions were requested")
    candidates: CandidateScan | None = Field(default=None, description="None: candidates were not requested")
    coverage: list[RegionCoverage] = Field(default_factory=list)
    ref_mismatches: list[RefMismatch] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    copy_number: list[CopyNumberRecord] = Field(
        default_factory=list, description="Copy-number records over the requested gene regions"
    )

    def has(self, consumer: str) -> bool:
        return consumer in self.genotypes

    def sample_genotypes(self, consumer: str) -> SampleGenotypes:
        """The calls one consumer asked for, as the PGx matcher and the hereditary engine read them."""
        return SampleGenotypes(
            sample=self.sample,
            source=self.source.label,
            build=self.build,
            absent_is_reference=self.absent.absent_is_reference,
            calls=self.calls(consumer),
            warnings=[*self.warnings, *(w for w in self._consumer_warnings(consumer))],
        )

    def calls(self, consumer: str) -> dict[str, GenotypeCall]:
        """Every call of one consumer, knowledge Locus.key -> call: those read, then its absent sites expanded."""
        found = self.genotypes.get(consumer, {})
        groups = self.absent_sites.get(consumer)
        if not groups:
            return found
        calls = dict(found)
        for group in groups:
            calls.update(group.expand())
        return calls

    def _consumer_warnings(self, consumer: str) -> list[str]:
        return [
            f"{m.key}: VCF REF {m.vcf_ref} differs from the knowledge REF {m.knowledge_ref} ({m.where}); not used"
            for m in self.ref_mismatches
            if m.consumer == consumer
        ]

    def uncovered(self, consumer: str) -> list[RegionCoverage]:
        """Regions of a consumer without a single record in the file."""
        return [c for c in self.coverage if c.consumer == consumer and c.records == 0]

    def score_groups(self) -> list[SiteGroup]:
        """The score-position records as the PRS matcher reads them (one sample, grouped by position)."""
        import numpy as np

        groups: list[SiteGroup] = []
        current: list[SiteRecord] = []
        for site in self.score_sites or []:
            record = SiteRecord(
                chrom=site.chrom,
                pos=site.pos,
                id=site.id,
                ref=site.ref,
                alts=site.alts,
                alleles=np.array([site.alleles], dtype=np.int16),
                location=site.location,
            )
            if current and (current[0].chrom, current[0].pos) != (site.chrom, site.pos):
                groups.append(SiteGroup(chrom=current[0].chrom, pos=current[0].pos, records=tuple(current)))
                current = []
            current.append(record)
        if current:
            groups.append(SiteGroup(chrom=current[0].chrom, pos=current[0].pos, records=tuple(current)))
        return groups


# -- the tumour input -------------------------------------------------------------------------------------------


class VariantAnnotation(Contract):
    """The protein-level facts a VEP/SnpEff annotation gives for one ALT allele."""

    gene: str
    hgvsp: str | None = None
    consequence: str | None = None
    exon: int | None = None


class SomaticRecord(Contract):
    allele: GenomicAllele
    vaf: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    annotation: VariantAnnotation | None = None
    origin: VariantOrigin = Field(default=VariantOrigin.UNKNOWN, description="somatic when the record has INFO/SOMATIC")
    where: str


class TumourEvidence(Contract):
    """The PASS alleles of a somatic VCF, with their annotations and allele fractions."""

    schema_version: Literal[1] = EVIDENCE_SCHEMA_VERSION
    source: GenomeSource
    build: BuildDetection
    records: list[SomaticRecord]
    filtered: int = Field(description="Records skipped because FILTER is not PASS")
    annotation_field: str | None = Field(description="CSQ or ANN when the VCF carries one")
