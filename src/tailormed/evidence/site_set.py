"""A set of (chromosome, position) sites kept as one sorted array of positions per chromosome.

A pass looks up the scores' sites for every record it reads; a cohort's scores may list millions of them, which a
Python set of tuples holds in about 100 bytes each and these arrays in 8.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from tailormed.model.chrom import runs


class SiteSet:
    """(chromosome, position) sites: membership one at a time or a block of records at once."""

    def __init__(self, by_chrom: dict[str, npt.NDArray[np.int64]]) -> None:
        self._by_chrom = {chrom: found for chrom, found in by_chrom.items() if len(found)}

    @classmethod
    def of(cls, chroms: Iterable[str], positions: Iterable[int]) -> SiteSet:
        """The distinct sites of paired chromosomes and positions (in any order).

        >>> sites = SiteSet.of(["chr1", "chr2", "chr1"], [200, 5, 100])
        >>> sorted(sites), ("chr1", 100) in sites, ("chr2", 100) in sites, len(sites)
        ([('chr1', 100), ('chr1', 200), ('chr2', 5)], True, False, 3)
        """
        by_chrom: dict[str, list[int]] = {}
        for chrom, pos in zip(chroms, positions, strict=True):
            by_chrom.setdefault(chrom, []).append(pos)
        return cls({chrom: _distinct(np.asarray(found, dtype=np.int64)) for chrom, found in by_chrom.items()})

    @classmethod
    def of_pairs(cls, sites: Iterable[tuple[str, int]]) -> SiteSet:
        pairs = list(sites)
        return cls.of([chrom for chrom, _ in pairs], [pos for _, pos in pairs])

    def __len__(self) -> int:
        return sum(len(found) for found in self._by_chrom.values())

    def __bool__(self) -> bool:
        return bool(self._by_chrom)

    def __contains__(self, site: object) -> bool:
        if not isinstance(site, tuple) or len(site) != 2:
            return False
        found = self._by_chrom.get(site[0])
        if found is None:
            return False
        at = int(np.searchsorted(found, site[1]))
        return at < len(found) and int(found[at]) == site[1]

    def __iter__(self) -> Iterator[tuple[str, int]]:
        for chrom, found in self._by_chrom.items():
            for pos in found.tolist():
                yield chrom, pos

    def on(self, chrom: str) -> npt.NDArray[np.int64]:
        """One chromosome's sorted positions (none for a chromosome without sites)."""
        return self._by_chrom.get(chrom, _NONE)

    def chroms(self) -> dict[str, npt.NDArray[np.int64]]:
        """Each chromosome's sorted positions."""
        return dict(self._by_chrom)

    def positions(self) -> npt.NDArray[np.int64]:
        """Every site's position once, whichever its chromosome, sorted.

        >>> SiteSet.of(["chr2", "chr1", "chr1"], [5, 200, 5]).positions().tolist()
        [5, 200]
        """
        return _distinct(np.concatenate(list(self._by_chrom.values()))) if self._by_chrom else _NONE

    def contains(self, chroms: Sequence[str], positions: Sequence[int]) -> npt.NDArray[np.bool_]:
        """Whether each (``chroms[i]``, ``positions[i]``) is a site, for a block of records at once."""
        count = len(positions)
        inside = np.zeros(count, dtype=np.bool_)
        if not count:
            return inside
        wanted = np.asarray(positions, dtype=np.int64)
        for chrom, start, stop in runs(chroms):
            found = self._by_chrom.get(chrom)
            if found is not None:
                here = wanted[start:stop]
                at = np.minimum(np.searchsorted(found, here), len(found) - 1)
                inside[start:stop] = found[at] == here
        return inside

    def where(self, keep: Callable[[str, int], bool]) -> SiteSet:
        """The sites ``keep`` accepts."""
        return SiteSet(
            {
                chrom: found[
                    np.fromiter((keep(chrom, pos) for pos in found.tolist()), dtype=np.bool_, count=len(found))
                ]
                for chrom, found in self._by_chrom.items()
            }
        )

    @staticmethod
    def union(sets: Iterable[SiteSet]) -> SiteSet:
        by_chrom: dict[str, list[npt.NDArray[np.int64]]] = {}
        for sites in sets:
            for chrom, found in sites._by_chrom.items():
                by_chrom.setdefault(chrom, []).append(found)
        return SiteSet({chrom: _distinct(np.concatenate(parts)) for chrom, parts in by_chrom.items()})


_NONE: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)


def _distinct(positions: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The positions sorted, each once (``np.unique`` would load numpy's masked arrays on a fileset's path)."""
    ordered = np.sort(positions)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if len(ordered) else ordered
