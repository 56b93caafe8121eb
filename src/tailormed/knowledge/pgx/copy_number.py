"""Copy-number knowledge: genes whose star alleles include whole-gene deletions and duplications.

A VCF of SNVs and small indels cannot show how many copies of such a gene a person carries: a deleted copy makes
the remaining one look homozygous, an extra copy changes nothing in the genotypes. The curated source
``pgx-copy-number`` (``copy-number.yaml``) says, per gene, which allele names a deleted copy (CYP2D6 ``*5``), how
extra copies are written (``*1x2``), where the gene lies in each build (so a caller's copy-number records can be
read there), and which test settles the copy number.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import Field

from tailormed.knowledge.files import parse_model
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract
from tailormed.model.genotype import GenomeBuild

SOURCE = "pgx-copy-number"
COPY_NUMBER_FILE = "copy-number.yaml"


class Region(Contract):
    chrom: str
    start: int = Field(ge=1)
    end: int = Field(ge=1)


class GeneCopyNumber(Sourced):
    """How one gene's copy number is named and where it is read."""

    deletion_allele: str = Field(description="The allele that stands for a deleted copy (CYP2D6 *5)")
    copies_mark: str = Field(default="x", description="Extra copies are written <allele><mark><n>: *1x2")
    resolving_test: str = Field(description="The test that settles the copy number")
    regions: dict[GenomeBuild, Region] = Field(default_factory=dict, description="The gene's region per build")

    def copies(self, allele: str, n: int) -> str:
        """The name of ``n`` copies of ``allele`` on one chromosome; three or more as ``≥3`` (the tables' form).

        >>> rules = GeneCopyNumber(sources=(), unverified={"reason": "an example"}, deletion_allele="*5",
        ...                        resolving_test="t")
        >>> rules.copies("*1", 2), rules.copies("*1", 3)
        ('*1x2', '*1x≥3')
        """
        if n == 1:
            return allele
        return f"{allele}{self.copies_mark}{n}" if n == 2 else f"{allele}{self.copies_mark}≥3"


class CopyNumberKnowledge(Contract):
    genes: dict[str, GeneCopyNumber] = Field(default_factory=dict)

    def gene(self, name: str) -> GeneCopyNumber | None:
        return self.genes.get(name)


class _Bundle(Protocol):
    def has(self, source: str) -> bool: ...

    def read_yaml(self, source: str, file: str) -> Any: ...


def parse_copy_number(data: object, source: str) -> CopyNumberKnowledge:
    return parse_model(data, CopyNumberKnowledge, "copy-number knowledge", source)


def load_copy_number(bundle: _Bundle, source: str = SOURCE) -> CopyNumberKnowledge:
    """The copy-number knowledge of a bundle; empty when the bundle has none (an older bundle)."""
    if not bundle.has(source):
        return CopyNumberKnowledge()
    return parse_copy_number(bundle.read_yaml(source, COPY_NUMBER_FILE), f"{source}/{COPY_NUMBER_FILE}")
