"""Gene phenotype tables: what each allele does and which phenotype a diplotype gives.

One :class:`GenePhenotypes` per gene, written by the ``pharmcat-phenotypes`` importer from PharmCAT's
phenotype files (CPIC/ClinPGx data). Genes are phenotyped one of three ways, recorded as ``method``:
an **activity score** (the sum of the two alleles' activity values, e.g. CYP2C9, CYP2D6, DPYD), a **phenotype
term** looked up from the diplotype (e.g. CYP2C19 ``Poor Metabolizer``), or an **allele status** for genes whose
guidance depends on carrying one allele (HLA-A/HLA-B ``*57:01 positive``), which have no table at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from pydantic import Field, PrivateAttr

from tailormed.knowledge.files import read_model
from tailormed.model.base import Contract
from tailormed.model.pgx import AlleleFunction, PhenotypeMethod

SOURCE = "pharmcat-phenotypes"
PHENOTYPES_FILE = "phenotypes.json"


class DiplotypePhenotype(Contract):
    """One row of a gene's diplotype table; ``alleles`` is sorted so a diplotype has one spelling."""

    alleles: tuple[str, ...]
    phenotype: str | None = None
    activity_score: str | None = None
    lookup_key: str | None = None


def diplotype_key(alleles: Iterable[str]) -> tuple[str, ...]:
    """The order-free key of a diplotype (or a haploid call).

    >>> diplotype_key(["*2", "*1"])
    ('*1', '*2')
    """
    return tuple(sorted(alleles))


class GenePhenotypes(Contract):
    """Everything needed to turn one gene's diplotype into a phenotype, as one source states it."""

    gene: str
    version: str
    method: PhenotypeMethod
    alleles: dict[str, AlleleFunction] = Field(default_factory=dict)
    diplotypes: list[DiplotypePhenotype] = Field(default_factory=list)
    haploid: bool = Field(default=False, description="One allele per call (MT-RNR1)")
    lowest_function: bool = Field(
        default=False,
        description="Unphased calls are phenotyped from the two lowest-function alleles found (DPYD)",
    )
    alleles_of_interest: list[str] = Field(
        default_factory=list, description="Allele-status genes: the alleles guidelines ask about (HLA-B *57:01)"
    )
    score_phenotypes: dict[str, str] = Field(
        default_factory=dict,
        description="Activity score -> phenotype, for genes whose table lists allele values but not every diplotype",
    )
    phenotype_terms: list[str] = Field(
        default_factory=list, description="Every phenotype term CPIC uses for the gene (what an outside call may state)"
    )
    unverified: str | None = Field(
        default=None, description="Why the gene's allele functions and phenotypes have no quoted source"
    )
    _index: dict[tuple[str, ...], DiplotypePhenotype] = PrivateAttr(default_factory=dict)
    _scores: dict[str, str] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        self._index = {row.alleles: row for row in self.diplotypes}
        self._scores = dict(self.score_phenotypes) | {
            row.activity_score: row.phenotype
            for row in self.diplotypes
            if row.activity_score is not None and row.phenotype is not None
        }

    def lookup(self, alleles: Iterable[str]) -> DiplotypePhenotype | None:
        """The table row for these alleles in any order, or None if the table does not list it."""
        return self._index.get(diplotype_key(alleles))

    def allele(self, name: str) -> AlleleFunction | None:
        return self.alleles.get(name)

    def phenotype_for_score(self, score: str) -> str | None:
        """The phenotype the table gives every diplotype with this activity score (``'1.0'``)."""
        return self._scores.get(score)

    @property
    def activity_scores(self) -> dict[str, str]:
        """Every activity score in the table and the phenotype it means."""
        return dict(self._scores)


class PhenotypeKnowledge(Contract):
    """All genes' phenotype tables from one source, with the per-gene data versions."""

    source: str = SOURCE
    genes: dict[str, GenePhenotypes] = Field(default_factory=dict)

    def gene(self, name: str) -> GenePhenotypes | None:
        return self.genes.get(name)

    def versions(self) -> dict[str, str]:
        return {name: table.version for name, table in sorted(self.genes.items())}


class _Bundle(Protocol):
    def path(self, source: str, file: str) -> Path: ...


def read_phenotypes(path: Path) -> PhenotypeKnowledge:
    """Read the importer's ``phenotypes.json``; a damaged file is a :class:`KnowledgeError` naming it."""
    return read_model(path, PhenotypeKnowledge, "phenotype table")


def load_phenotypes(bundle: _Bundle, source: str = SOURCE) -> PhenotypeKnowledge:
    """The phenotype tables of a knowledge bundle."""
    return read_phenotypes(bundle.path(source, PHENOTYPES_FILE))


def allele_counts(alleles: Iterable[str]) -> dict[str, int]:
    """Allele name -> copies, the shape DPWG uses for diplotype-specific lookup keys.

    >>> allele_counts(["*1", "*3"])
    {'*1': 1, '*3': 1}
    """
    return dict(sorted(Counter(alleles).items()))
