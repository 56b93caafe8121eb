"""Genotypes as intake hands them to engines: one call per sample per site the knowledge asks about.

The states are kept apart on purpose. A site can be *called* (reference or not), present but *no-call*
(``./.``), or *absent* from the file. Absent becomes reference only when the user declared the VCF
complete, and then it is marked ``assumed_reference`` so every finding can say so.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from tailormed.model.base import Contract
from tailormed.model.enums import GenomeBuild as GenomeBuild


class BuildSource(StrEnum):
    """How the build of a VCF was established: the header first; the caller only where the header is silent."""

    USER = "user"
    HEADER_REFERENCE = "header_reference"
    CONTIG_LENGTHS = "contig_lengths"
    CONTIG_ASSEMBLY = "contig_assembly"
    REF_ALLELES = "ref_alleles"
    SCORE_POSITIONS = "score_positions"


class BuildDetection(Contract):
    build: GenomeBuild
    source: BuildSource
    detail: str = Field(description="What the decision rests on, e.g. 'chr1 length 248956422'")

    @property
    def described(self) -> str:
        """The build and how it was found, in words: ``GRCh38 (REF alleles: ...)``."""
        return f"{self.build.value} ({_BUILD_SOURCE_WORDS[self.source]}: {self.detail})"


_BUILD_SOURCE_WORDS = {
    BuildSource.USER: "given by the user",
    BuildSource.HEADER_REFERENCE: "header reference line",
    BuildSource.CONTIG_LENGTHS: "contig lengths",
    BuildSource.CONTIG_ASSEMBLY: "contig assembly",
    BuildSource.REF_ALLELES: "REF alleles",
    BuildSource.SCORE_POSITIONS: "scoring-file positions",
}


class Locus(Contract):
    """A site the knowledge asks about, in its own normalized representation (VCF-style, left-aligned).

    ``chrom`` is UCSC-style (``chr1`` ... ``chrX``, ``chrM``) whatever the VCF uses.
    """

    chrom: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")
    pos: Annotated[int, Field(ge=1)]
    ref: str = Field(min_length=1)
    alts: tuple[str, ...] = ()
    id: str | None = None

    @property
    def key(self) -> str:
        """``chrom:pos``, the identity of a site within one build."""
        return f"{self.chrom}:{self.pos}"


class CallState(StrEnum):
    """What the VCF says at a site for one sample."""

    REFERENCE = "reference"
    VARIANT = "variant"
    PARTIAL = "partial"
    NO_CALL = "no_call"
    ABSENT = "absent"
    ASSUMED_REFERENCE = "assumed_reference"


class CallSource(StrEnum):
    RECORD = "record"
    GVCF_BLOCK = "gvcf_block"
    ASSUMED = "assumed"
    OUTSIDE_CALL = "outside_call"


class GenotypeCall(Contract):
    """One sample's genotype at one knowledge site.

    ``alleles`` holds allele sequences in the knowledge's representation (so ``('AT', 'A')`` for a
    heterozygous deletion), ``None`` for an allele the caller did not call; it is empty when absent.
    """

    chrom: str
    pos: int
    ref: str
    alleles: tuple[str | None, ...] = ()
    state: CallState
    phased: bool = False
    phase_set: int | None = None
    source: CallSource = CallSource.RECORD
    filter: str | None = Field(default=None, description="FILTER when not PASS/'.'")
    quality: float | None = None
    depth: int | None = None

    @property
    def key(self) -> str:
        return f"{self.chrom}:{self.pos}"

    @property
    def is_called(self) -> bool:
        """Every allele is known (from the file, or assumed reference by the user's choice)."""
        return self.state in (CallState.REFERENCE, CallState.VARIANT, CallState.ASSUMED_REFERENCE)


class SampleGenotypes(Contract):
    """A sample's calls at the requested sites, with the choices that shaped them."""

    sample: str
    source: str = Field(description="The VCF path the calls came from")
    build: BuildDetection
    absent_is_reference: bool = False
    calls: dict[str, GenotypeCall] = Field(default_factory=dict, description="Keyed by Locus.key")
    warnings: list[str] = Field(default_factory=list)

    def at(self, locus: Locus) -> GenotypeCall | None:
        return self.calls.get(locus.key)


class BuildMarker(Contract):
    """A site whose reference base is known in both builds; REF alleles at these sites reveal a VCF's build."""

    chrom: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")
    grch37_pos: Annotated[int, Field(ge=1)]
    grch37_ref: str = Field(min_length=1)
    grch38_pos: Annotated[int, Field(ge=1)]
    grch38_ref: str = Field(min_length=1)
    id: str | None = None
