"""The knowledge sites a scan looks for, indexed so each VCF record is tested in constant time.

A record concerns a site when it starts at the site's position, when one of its ALTs is (after
normalization) one of the site's ALTs wherever the record starts, or when it is a gVCF reference
block that covers the whole site.

The index is kept as columns (positions in numpy arrays, REFs, ALTs and keys as lists of strings, lookups as
dictionaries of integers and strings) rather than one object per site: a compiled read plan holds about 12,000
sites, and loading columns from the plan cache costs a small fraction of rebuilding that many objects (and leaves
nothing for the cycle collector to walk). A :class:`Site` is made only for a site a record speaks about.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tailormed.model.alleles import is_sequence, merge_loci, normalize_variant
from tailormed.model.genotype import Locus

_BASES = frozenset("ACGTN")


@dataclass(eq=False, slots=True)
class Site:
    """One knowledge locus as plain fields and the last base its REF covers."""

    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    end: int

    @property
    def key(self) -> str:
        """``chrom:pos``, as :attr:`Locus.key`."""
        return f"{self.chrom}:{self.pos}"

    @property
    def locus(self) -> Locus:
        return Locus(chrom=self.chrom, pos=self.pos, ref=self.ref, alts=self.alts)


def _variant_key(pos: int, ref: str, alt: str) -> str:
    return f"{pos}\t{ref}\t{alt}"


class SiteIndex:
    """Knowledge loci (one per ``chrom:pos``, merged as ``bcftools norm -m+`` would) by number, in knowledge order,
    looked up by start position, by normalized ALT, and by span for reference blocks."""

    def __init__(self, loci: Sequence[Locus]) -> None:
        merged = merge_loci(loci)
        self.chroms: list[str] = [sys.intern(locus.chrom) for locus in merged]  # stored once per name
        self.positions: npt.NDArray[np.int64] = np.array([locus.pos for locus in merged], dtype=np.int64)
        self.ends: npt.NDArray[np.int64] = np.array([locus.pos + len(locus.ref) - 1 for locus in merged], np.int64)
        self.refs: list[str] = [locus.ref for locus in merged]
        self._alts: list[str] = [",".join(locus.alts) for locus in merged]
        self.keys: list[str] = [locus.key for locus in merged]
        self._by_pos: dict[str, dict[int, int]] = {}
        # chrom -> normalized variant -> the site it belongs to; the rare variant two sites share, in _shared
        self._by_variant: dict[str, dict[str, int]] = {}
        self._shared: dict[tuple[str, str], list[int]] = {}
        self._sorted: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] | None = None
        for number in sorted(range(len(merged)), key=lambda i: (merged[i].chrom, merged[i].pos)):
            locus = merged[number]
            chrom, pos, ref = locus.chrom, locus.pos, locus.ref
            self._by_pos.setdefault(chrom, {})[pos] = number
            variants = self._by_variant.setdefault(chrom, {})
            for alt in locus.alts:
                if len(ref) == 1 and len(alt) == 1 and alt.upper() in _BASES:
                    key = _variant_key(pos, ref.upper(), alt.upper())  # already minimal
                elif is_sequence(alt):
                    key = _variant_key(*normalize_variant(pos, ref, alt))
                else:
                    continue
                first = variants.setdefault(key, number)
                if first != number:
                    shared = self._shared.setdefault((chrom, key), [first])
                    if number not in shared:
                        shared.append(number)

    def __getstate__(self) -> dict[str, object]:
        """What a compiled plan keeps: the per-chromosome arrays for blocks are rebuilt when a block is first seen."""
        return {**self.__dict__, "_sorted": None}

    def __len__(self) -> int:
        return len(self.chroms)

    def site(self, number: int) -> Site:
        alts = self._alts[number]
        return Site(
            self.chroms[number],
            int(self.positions[number]),
            self.refs[number],
            tuple(alts.split(",")) if alts else (),
            int(self.ends[number]),
        )

    def __iter__(self) -> Iterator[Site]:
        return (self.site(number) for number in range(len(self)))

    def normalized_positions(self) -> list[tuple[str, int]]:
        """Where each site's ALTs start once normalized (an indel's minimal form may start after the site)."""
        return [(chrom, int(key.split("\t", 1)[0])) for chrom, variants in self._by_variant.items() for key in variants]

    def for_record(self, chrom: str, pos: int, ref: str, alts: Sequence[str]) -> list[int]:
        """Numbers of the sites a variant record speaks about."""
        at = self._by_pos.get(chrom)
        number = at.get(pos) if at is not None else None
        found = [number] if number is not None else []
        variants = self._by_variant.get(chrom)
        if variants and (len(ref) > 1 or any(len(alt) != 1 for alt in alts)):
            for alt in alts:
                if is_sequence(alt):
                    key = _variant_key(*normalize_variant(pos, ref, alt))
                    other = variants.get(key)
                    if other is None:
                        continue
                    for site in self._shared.get((chrom, key), (other,)) if self._shared else (other,):
                        if site not in found:
                            found.append(site)
        return found

    def in_block(self, chrom: str, start: int, end: int) -> list[int]:
        """Numbers of the sites lying wholly inside a reference block from ``start`` to ``end``."""
        if self._sorted is None:
            by_chrom = {}
            chroms = np.array(self.chroms)
            for name in set(self.chroms):
                numbers = np.flatnonzero(chroms == name)
                numbers = numbers[np.argsort(self.positions[numbers], kind="stable")]
                by_chrom[name] = (self.positions[numbers], numbers)
            self._sorted = by_chrom  # assigned whole: a plan may serve passes in several threads
        found = self._sorted.get(chrom)
        if found is None:
            return []
        starts, numbers = found
        low, high = int(np.searchsorted(starts, start, "left")), int(np.searchsorted(starts, end, "right"))
        return [int(n) for n in numbers[low:high] if self.ends[n] <= end]
