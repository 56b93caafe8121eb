"""Named-allele definitions for one gene: the positions that define its alleles and each allele's bases there.

This is the normalized format every PGx definition source is written in, whether compiled from a PharmCAT
release (``pharmcat-definitions``) or written by hand for the curated core. One JSON file per gene holds one
:class:`GeneDefinition`::

    {
      "gene": "CYP2C9", "chromosome": "chr10", "build": "GRCh38", "version": "2025-11-05-00-25",
      "source": "pharmcat-definitions",
      "variants": [                                  # allele-defining positions, in definition order
        {"chrom": "chr10", "pos": 94942290, "rsid": "rs1799853", "ref": "C", "alts": ["T"],
         "hgvs": "g.94942290C>T", "cpic_position": 94942290, "cpic_alleles": ["C", "T"],
         "cpic_to_vcf": {"C": "C", "T": "T"}}, ...],
      "named_alleles": [                             # ``alleles`` is aligned with ``variants``
        {"name": "*1", "id": "PA...", "is_reference": true, "alleles": ["C", ...], "structural": false}, ...
        {"name": "*2", "is_reference": false, "alleles": [null, "T", ...]}],
      "exemptions": {"ignored_alleles": [], "ignored_positions": [], "extra_positions": [...],
                     "required_positions": [], "unphased_priorities": [{"candidates": ["*1/*6", "*4/*34"],
                     "pick": "*1/*6"}], "amp1_alleles": [], "amp1_positions": [], "all_hits": null},
      "undocumented_as_reference": false,            # novel bases at defining positions read as reference
      "lowest_function": false,                      # DPYD/RYR1: call the lowest-function variants
      "allele_activity": {}                          # allele -> activity value, used by lowest-function genes
    }

Allele cells are VCF-style sequences in the definition's own representation (``AT`` / ``A`` for a deletion);
``null`` means "same as the reference allele"; a one-letter IUPAC code (``R``, ``Y`` ...) means "any of these
bases". The reference allele is the row with ``is_reference`` (not always ``*1``: CYP2C19 ``*38``, DPYD
``Reference``). An allele's score is the number of positions it defines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Protocol

from pydantic import Field, model_validator

from tailormed.errors import KnowledgeError
from tailormed.knowledge.files import read_json, read_model
from tailormed.model.base import Contract
from tailormed.model.genotype import GenomeBuild, Locus

#: IUPAC nucleotide codes and the bases each stands for.
IUPAC: Mapping[str, frozenset[str]] = {
    "A": frozenset("A"),
    "C": frozenset("C"),
    "G": frozenset("G"),
    "T": frozenset("T"),
    "R": frozenset("AG"),
    "Y": frozenset("CT"),
    "S": frozenset("GC"),
    "W": frozenset("AT"),
    "K": frozenset("GT"),
    "M": frozenset("AC"),
    "B": frozenset("CGT"),
    "D": frozenset("AGT"),
    "H": frozenset("ACT"),
    "V": frozenset("ACG"),
    "N": frozenset("ACGT"),
}


WOBBLES = frozenset(code for code, bases in IUPAC.items() if len(bases) > 1)


def is_wobble(allele: str) -> bool:
    """A one-letter IUPAC code standing for more than one base.

    >>> is_wobble("R"), is_wobble("A"), is_wobble("AT")
    (True, False, False)
    """
    return allele in WOBBLES


def allele_matches(defined: str, observed: str) -> bool:
    """Whether an observed allele sequence satisfies a definition cell (IUPAC codes match any of their bases).

    >>> allele_matches("R", "G"), allele_matches("R", "C"), allele_matches("AT", "AT")
    (True, False, True)
    """
    if defined == observed:
        return True
    return len(defined) == 1 and len(observed) == 1 and observed in IUPAC.get(defined, ())


class DefinitionVariant(Contract):
    """One allele-defining position."""

    chrom: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")
    pos: Annotated[int, Field(ge=1)]
    rsid: str | None = None
    ref: str = Field(min_length=1)
    alts: tuple[str, ...] = ()
    hgvs: str | None = Field(default=None, description="Genomic HGVS, e.g. 'g.94942290C>T'")
    cpic_position: int | None = None
    cpic_alleles: tuple[str, ...] = ()
    cpic_to_vcf: dict[str, str] = Field(default_factory=dict, description="CPIC allele notation -> VCF sequence")

    @cached_property
    def key(self) -> str:
        return f"{self.chrom}:{self.pos}"

    @cached_property
    def documented(self) -> frozenset[str]:
        """REF and the ALT alleles the definition knows at this position."""
        return frozenset((self.ref, *self.alts))

    @property
    def label(self) -> str:
        """How reports name the position: its rsID, else ``chrom:pos``."""
        return self.rsid or self.key

    def locus(self) -> Locus:
        return Locus(chrom=self.chrom, pos=self.pos, ref=self.ref, alts=self.alts, id=self.rsid)


class NamedAlleleDefinition(Contract):
    name: str = Field(min_length=1)
    id: str | None = None
    is_reference: bool = False
    alleles: tuple[str | None, ...]
    structural: bool = False

    @property
    def score(self) -> int:
        """Number of positions this allele defines."""
        return len(self.defined)

    @cached_property
    def defined(self) -> tuple[tuple[int, str], ...]:
        """``(variant index, cell)`` of every defined cell; most alleles define a few of many positions."""
        return tuple((i, a) for i, a in enumerate(self.alleles) if a is not None)

    @cached_property
    def wobbles(self) -> frozenset[int]:
        """Variant indices whose cell is an IUPAC wobble (a few alleles have any)."""
        return frozenset(i for i, a in self.defined if is_wobble(a))


class UnphasedPriority(Contract):
    """When the diplotypes unphased data fit include all of ``candidates``, report ``pick`` (NAT2, by frequency)."""

    candidates: tuple[str, ...]
    pick: str


class GeneExemptions(Contract):
    ignored_alleles: tuple[str, ...] = ()
    ignored_positions: tuple[DefinitionVariant, ...] = ()
    extra_positions: tuple[DefinitionVariant, ...] = Field(
        default=(), description="Positions reported alongside the gene but not used to call it"
    )
    required_positions: tuple[int, ...] = ()
    unphased_priorities: tuple[UnphasedPriority, ...] = ()
    amp1_alleles: tuple[str, ...] = Field(default=(), description="AMP tier-1 alleles a test should detect")
    amp1_positions: tuple[int, ...] = ()
    all_hits: bool | None = Field(default=None, description="Override of top-candidate-only: true = all diplotypes")


class GeneDefinition(Contract):
    gene: str = Field(min_length=1)
    chromosome: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")
    build: GenomeBuild = GenomeBuild.GRCH38
    version: str
    source: str
    variants: tuple[DefinitionVariant, ...]
    named_alleles: tuple[NamedAlleleDefinition, ...]
    exemptions: GeneExemptions = GeneExemptions()
    undocumented_as_reference: bool = False
    lowest_function: bool = False
    allele_activity: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> GeneDefinition:
        width = len(self.variants)
        for allele in self.named_alleles:
            if len(allele.alleles) != width:
                raise ValueError(f"allele {allele.name!r} has {len(allele.alleles)} cells for {width} variants")
        references = [a.name for a in self.named_alleles if a.is_reference]
        if len(references) != 1:
            raise ValueError(f"expected exactly one reference allele, found {references}")
        reference = self.reference
        missing = [v.label for v, a in zip(self.variants, reference.alleles, strict=True) if a is None]
        if missing:
            raise ValueError(f"reference allele {reference.name!r} leaves positions undefined: {missing}")
        return self

    @cached_property
    def ignored_allele_positions(self) -> frozenset[str]:
        """Keys of positions that only ignored alleles define; they take no part in matching.

        The exemptions' ``ignored_positions`` are not among them: PharmCAT still reads and scores those (its
        example reports count them in the match score); they only flag positions with an unreliable representation.
        """
        dropped = set(self.exemptions.ignored_alleles)
        used_by_kept: set[int] = set()
        used_by_dropped: set[int] = set()
        for allele in self.named_alleles:
            if not allele.is_reference:
                target = used_by_dropped if allele.name in dropped else used_by_kept
                target.update(i for i, _ in allele.defined)
        return frozenset(self.variants[i].key for i in used_by_dropped - used_by_kept)

    @cached_property
    def reference(self) -> NamedAlleleDefinition:
        return next(a for a in self.named_alleles if a.is_reference)

    def loci(self) -> list[Locus]:
        """Every site intake must read for this gene (defining and extra positions)."""
        seen: dict[str, Locus] = {}
        for variant in (*self.variants, *self.exemptions.extra_positions):
            seen.setdefault(variant.key, variant.locus())
        return list(seen.values())


class _Bundle(Protocol):
    def has(self, source: str) -> bool: ...

    def path(self, source: str, file: str) -> Path: ...


INDEX_FILE = "genes.json"


def read_definition(path: Path) -> GeneDefinition:
    """One gene's definition file; a ``KnowledgeError`` naming the file when it is missing or malformed."""
    return read_model(path, GeneDefinition, "allele definition")


def read_definitions(directory: Path, genes: Iterable[str] | None = None) -> dict[str, GeneDefinition]:
    """All genes listed in ``directory/genes.json`` (or just ``genes``), keyed by gene symbol."""
    index = directory / INDEX_FILE
    listed = read_json(index, "definition index")
    if not isinstance(listed, dict) or not isinstance(listed.get("genes"), dict):
        raise KnowledgeError("expected an object with a 'genes' map of gene -> file", source=index)
    files: dict[str, str] = listed["genes"]
    wanted = list(files) if genes is None else list(genes)
    unknown = [g for g in wanted if g not in files]
    if unknown:
        raise KnowledgeError(f"no allele definitions for {', '.join(unknown)}", source=index)
    return {gene: read_definition(directory / files[gene]) for gene in wanted}


def load_definitions(bundle: _Bundle, source: str = "pharmcat-definitions") -> dict[str, GeneDefinition]:
    """Definitions of every gene of ``source`` in a knowledge bundle."""
    if not bundle.has(source):
        raise KnowledgeError(f"the knowledge bundle has no {source!r} source (run 'tailormed kb build')")
    return read_definitions(bundle.path(source, INDEX_FILE).parent)
