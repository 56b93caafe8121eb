"""Records at scoring-file positions, kept columnar (every selected sample's allele indices) for the PRS matcher.

Every record starting at a requested position is kept whatever its alleles: matching a score's effect and other
allele to REF/ALT (flips, multi-allelic sites, duplicates) is the PRS engine's work, not the reader's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tailormed.evidence.site_set import SiteSet
from tailormed.model.dosage import SiteBlock, SiteGroup, SiteRecord, SiteSink

if TYPE_CHECKING:  # a PLINK 2 fileset's or BGEN's records come without htslib's VCF reader
    import cyvcf2

    from tailormed.evidence.reader import VcfFile

HAPLOID_PAD = -2  # cyvcf2's marker for "no second allele" in a haploid call


def allele_indices(raw: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """cyvcf2's ``genotype.array()`` (allele, allele, phased) to two allele columns with haploid calls doubled.

    >>> allele_indices(np.array([[0, -2, 1], [1, 0, 1], [-1, 1, 0]], dtype=np.int16)).tolist()
    [[0, 0], [1, 0], [-1, -1]]
    """
    if raw.shape[1] < 3:  # every call haploid: (allele, phased)
        first = raw[:, 0].astype(np.int16)
        alleles = np.stack([first, first], axis=1)
    else:
        alleles = raw[:, :2].astype(np.int16, copy=True)
        haploid = alleles[:, 1] == HAPLOID_PAD
        alleles[haploid, 1] = alleles[haploid, 0]
    alleles[(alleles < 0).any(axis=1)] = -1
    return alleles


class ScoreCollector:
    """Score-position records of one pass, grouped by position in file order; kept, or handed to ``sink`` as each
    group is complete."""

    def __init__(self, positions: SiteSet, sink: SiteSink | None = None) -> None:
        self.positions = positions
        self.sink = sink
        self.groups: list[SiteGroup] = []
        self._current: list[SiteRecord] = []

    def add(self, vcf: VcfFile, record: cyvcf2.Variant, chrom: str, where: str) -> None:
        site = SiteRecord(
            chrom=chrom,
            pos=int(record.POS),
            id=record.ID or ".",
            ref=record.REF.upper(),
            alts=tuple(alt.upper() for alt in record.ALT),
            alleles=allele_indices(vcf.genotypes(record, where).astype(np.int16)),
            location=where,
        )
        self.add_site(site)

    def add_site(self, site: SiteRecord) -> None:
        """A record already decoded (the columnar text reader's)."""
        if self._current and (self._current[0].chrom, self._current[0].pos) != (site.chrom, site.pos):
            self._close()
        self._current.append(site)

    def add_block(self, block: SiteBlock) -> None:
        """Records already decoded as a block (the columnar readers'), those at this collector's positions kept.

        With a sink, the block goes on whole but for its last position, held back (as :meth:`add_site` holds a
        position) in case the next block starts with more of its records.
        """
        keep = np.flatnonzero(self.positions.contains(block.chrom, block.pos)).tolist()
        if not keep:
            return
        if len(keep) < len(block):
            block = block.take(keep)
        if self.sink is None:
            for i in range(len(block)):
                self.add_site(block.record(i))
            return
        chrom, pos = block.chrom, block.pos
        count = len(block)
        first = 0
        if self._current:
            held = self._current[0]
            while first < count and pos[first] == held.pos and chrom[first] == held.chrom:
                self._current.append(block.record(first))
                first += 1
            if first == count:
                return
            self._close()
        last = count - 1
        while last > first and pos[last - 1] == pos[count - 1] and chrom[last - 1] == chrom[count - 1]:
            last -= 1
        if last > first:
            self.sink.add_block(block.part(first, last))
        self._current = [block.record(i) for i in range(last, count)]

    def _close(self) -> None:
        first = self._current[0]
        group = SiteGroup(chrom=first.chrom, pos=first.pos, records=tuple(self._current))
        self._current = []
        if self.sink is not None:
            self.sink.add(group)
        else:
            self.groups.append(group)

    def finish(self) -> list[SiteGroup]:
        if self._current:
            self._close()
        return self.groups
