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
from typing import Protocol

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


#: Copies of an allele in a missing genotype, among 0, 1 and 2 (:meth:`SiteBlock.copies`).
MISSING_COPIES = 3
#: ALT copies (0, 1, 2, :data:`MISSING_COPIES`) as allele-index pairs.
_PAIRS = np.array([[0, 0], [0, 1], [1, 1], [-1, -1]], dtype=np.int16)


@dataclass(frozen=True)
class SiteBlock:
    """Consecutive records of a reader in file order, kept as columns (one matrix of calls for them all), so a block
    of thousands of records is matched and scored without an object per record.

    The calls are ``alleles`` (records x samples x 2 allele indices), or for a block of biallelic records read as
    ALT copies, ``alt_counts`` (records x samples: 0, 1, 2, :data:`MISSING_COPIES`), which is all a sum needs.
    """

    chrom: list[str]
    pos: list[int]
    ids: list[str]
    refs: list[str]
    alts: list[tuple[str, ...]]
    locations: list[str]
    alleles: npt.NDArray[np.int16] | None = None
    alt_counts: npt.NDArray[np.int8] | None = None

    def __len__(self) -> int:
        return len(self.pos)

    def target_id(self, index: int) -> str:
        """The record's ``chrom:pos:ref:alts`` (:attr:`SiteRecord.target_id`)."""
        alts = self.alts[index]
        alt = alts[0] if len(alts) == 1 else ",".join(alts)
        return f"{self.chrom[index].removeprefix('chr')}:{self.pos[index]}:{self.refs[index]}:{alt}"

    def record(self, index: int) -> SiteRecord:
        if self.alleles is not None:
            alleles = self.alleles[index]
        else:
            assert self.alt_counts is not None
            alleles = _PAIRS[self.alt_counts[index]]
        return SiteRecord(
            chrom=self.chrom[index],
            pos=self.pos[index],
            id=self.ids[index],
            ref=self.refs[index],
            alts=self.alts[index],
            alleles=alleles,
            location=self.locations[index],
        )

    def copies(self, records: list[int], alleles: list[int]) -> npt.NDArray[np.int8]:
        """Copies of allele index ``alleles[k]`` in each sample's call of record ``records[k]`` (records x samples),
        :data:`MISSING_COPIES` where the call is missing."""
        whole = len(records) == len(self) and records[-1] == len(records) - 1
        if self.alt_counts is not None:  # biallelic: ALT copies as they are, REF copies 2 - ALT copies
            copies = self.alt_counts.copy() if whole else self.alt_counts[records]  # the caller's to change
            ref = np.flatnonzero(np.asarray(alleles) == 0)
            if len(ref):
                flipped = copies[ref]
                np.subtract(2, flipped, out=flipped)
                flipped &= 3  # 2, 1, 0 stay; a missing call's 2 - 3 = -1 is MISSING_COPIES (3) again
                copies[ref] = flipped
            return copies
        assert self.alleles is not None
        chosen = self.alleles if whole else self.alleles[records]
        same = (chosen == np.asarray(alleles, dtype=np.int16)[:, None, None]).view(np.int8)
        counts: npt.NDArray[np.int8] = np.add(same[:, :, 0], same[:, :, 1])
        counts[chosen[:, :, 0] < 0] = MISSING_COPIES  # a missing call is -1 in both columns
        return counts

    def take(self, rows: list[int]) -> SiteBlock:
        """The block of the records at ``rows`` (in that order)."""
        return SiteBlock(
            chrom=[self.chrom[i] for i in rows],
            pos=[self.pos[i] for i in rows],
            ids=[self.ids[i] for i in rows],
            refs=[self.refs[i] for i in rows],
            alts=[self.alts[i] for i in rows],
            locations=[self.locations[i] for i in rows],
            alleles=self.alleles[rows] if self.alleles is not None else None,
            alt_counts=self.alt_counts[rows] if self.alt_counts is not None else None,
        )

    def part(self, start: int, stop: int) -> SiteBlock:
        """The records from ``start`` to ``stop`` (their calls a view, not a copy)."""
        return SiteBlock(
            chrom=self.chrom[start:stop],
            pos=self.pos[start:stop],
            ids=self.ids[start:stop],
            refs=self.refs[start:stop],
            alts=self.alts[start:stop],
            locations=self.locations[start:stop],
            alleles=self.alleles[start:stop] if self.alleles is not None else None,
            alt_counts=self.alt_counts[start:stop] if self.alt_counts is not None else None,
        )


@dataclass(frozen=True)
class SiteGroup:
    """All records of the VCF at one (canonical chromosome, position)."""

    chrom: str
    pos: int
    records: tuple[SiteRecord, ...]


class SiteSink(Protocol):
    """Where a pass hands the records at scored positions as it reads them: whole positions, in file order."""

    def add(self, group: SiteGroup) -> None:
        """One position's records."""

    def add_block(self, block: SiteBlock) -> None:
        """Consecutive records, each position's records together and in no other block."""
