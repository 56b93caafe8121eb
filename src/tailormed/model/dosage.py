"""Columnar genotypes for scoring: each VCF record at a scored position with every selected sample's allele indices.

Polygenic scores read thousands to millions of sites for thousands of samples, so the reader never builds an object
per call: each record becomes a :class:`SiteRecord` holding an ``int16`` array of allele indices (samples x 2).
Missing alleles are -1 and a half-call (``./1``) is missing as a whole, as in plink2. Haploid calls (chrX/Y of males)
carry the allele twice, plink2's convention for scoring (a hemizygous allele counts as dosage 2 and two alleles in
the denominator). Records at one position come together in a :class:`SiteGroup`, so the matcher sees multi-allelic
sites and split duplicates in one place.

A source that stores genotype probabilities (imputed BGEN) gives a record's expected allele copies instead
(``dosages``, samples x alleles, NaN where missing): scores then sum those dosages, as plink2 does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class SiteRecord:
    """One VCF record: alleles and each selected sample's two allele indices (-1 = missing); for a record read from
    genotype probabilities, each sample's expected copies of each allele (``dosages``), which scores use instead."""

    chrom: str
    pos: int
    id: str
    ref: str
    alts: tuple[str, ...]
    alleles: npt.NDArray[np.int16]  # shape (samples, 2)
    location: str
    dosages: npt.NDArray[np.float64] | None = None  # shape (samples, alleles); NaN = missing

    @property
    def target_id(self) -> str:
        """``chrom:pos:ref:alts`` without the ``chr`` prefix, like pgsc_calc's target variant IDs."""
        return f"{self.chrom.removeprefix('chr')}:{self.pos}:{self.ref}:{','.join(self.alts)}"

    def dosage(self, allele: int) -> npt.NDArray[np.float64]:
        """Copies of allele index ``allele`` per sample (expected copies for a record with dosages), NaN where the
        genotype is missing."""
        if self.dosages is not None:
            return self.dosages[:, allele].astype(np.float64)
        first, second = self.alleles[:, 0], self.alleles[:, 1]
        counts: npt.NDArray[np.float64] = (first == allele).astype(np.float64) + (second == allele)
        counts[first < 0] = np.nan  # a missing call is -1 in both columns
        return counts


@dataclass(frozen=True)
class SiteGroup:
    """All records of the VCF at one (canonical chromosome, position)."""

    chrom: str
    pos: int
    records: tuple[SiteRecord, ...]
