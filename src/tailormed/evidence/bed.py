"""A BED file of genomic regions (0-based, half-open, as ``bcftools view -R`` and ``tabix -R`` read it) that a read
is restricted to: records outside every region are treated as absent from the genome file.

A BED line ``chr22 99 200`` covers positions 100 to 200 (1-based, as VCF positions are):

>>> regions = RegionSet.of([("chr22", 100, 200)])
>>> [regions.contains("chr22", pos) for pos in (99, 100, 200, 201)]
[False, True, True, False]
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tailormed.errors import InputError
from tailormed.model.chrom import canonical_chrom


@dataclass(frozen=True)
class RegionSet:
    """Regions as 1-based inclusive (canonical chromosome, start, end) ranges, for membership tests."""

    spans: tuple[tuple[str, int, int], ...]
    _starts: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)
    _reach: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, spans: Iterable[tuple[str, int, int]]) -> RegionSet:
        ordered = tuple(sorted(spans))
        found = cls(spans=ordered)
        for chrom, start, end in ordered:
            found._starts.setdefault(chrom, []).append(start)
            found._reach.setdefault(chrom, []).append(end)
        for chrom, ends in found._reach.items():
            found._reach[chrom] = list(accumulate(ends, max))
        return found

    def contains(self, chrom: str, pos: int) -> bool:
        starts = self._starts.get(chrom)
        if not starts:
            return False
        at = bisect_right(starts, pos) - 1
        return at >= 0 and pos <= self._reach[chrom][at]


def read_bed(path: Path) -> RegionSet:
    """The regions of a BED file (CHROM, START, END, any further columns ignored; ``#``, ``track`` and ``browser``
    lines skipped); a line that is not a region is an error naming it."""
    if not path.is_file():
        raise InputError("regions file not found", source=path)
    spans: list[tuple[str, int, int]] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.rstrip("\r\n")
            if not text.strip() or text.startswith(("#", "track", "browser")):
                continue
            fields = text.split("\t") if "\t" in text else text.split()
            where = f"line {number}"
            if len(fields) < 3:
                raise InputError(f"{len(fields)} column(s); a BED line needs CHROM, START, END", source=path,
                                 location=where)  # fmt: skip
            chrom = canonical_chrom(fields[0])
            if chrom is None:
                raise InputError(f"'{fields[0][:40]}' is not a chromosome of the primary assembly", source=path,
                                 location=where)  # fmt: skip
            try:
                start, end = int(fields[1]), int(fields[2])
            except ValueError:
                raise InputError(f"START '{fields[1][:20]}' and END '{fields[2][:20]}' must be whole numbers",
                                 source=path, location=where) from None  # fmt: skip
            if start < 0 or end <= start:
                raise InputError(f"START {start} and END {end}: BED wants 0 <= START < END (0-based, half-open)",
                                 source=path, location=where)  # fmt: skip
            spans.append((chrom, start + 1, end))
    if not spans:
        raise InputError("no region in the regions file", source=path)
    return RegionSet.of(spans)


def inside_regions(
    codes: npt.NDArray[np.intp],
    names: Sequence[str | None],
    positions: npt.NDArray[np.int64],
    regions: Sequence[tuple[str, int, int]],
) -> npt.NDArray[np.bool_]:
    """Which variants lie in any of ``regions`` (canonical chromosome, start, end; both ends included); variant ``i``
    is on ``names[codes[i]]``, a canonical chromosome or None. Per chromosome, each position is tested against the
    regions starting at or before it (one binary search), so the cost grows with variants plus regions, not their
    product."""
    keep = np.zeros(len(positions), dtype=np.bool_)
    by_chrom: dict[str, list[tuple[int, int]]] = {}
    for chrom, start, end in regions:
        by_chrom.setdefault(chrom, []).append((start, end))
    for code, name in enumerate(names):
        spans = by_chrom.get(name or "")
        if not spans:
            continue
        spans.sort()
        starts = np.asarray([start for start, _ in spans], dtype=np.int64)
        reach = np.maximum.accumulate(np.asarray([end for _, end in spans], dtype=np.int64))
        rows = np.flatnonzero(codes == code)
        at = np.searchsorted(starts, positions[rows], side="right") - 1
        keep[rows] = (at >= 0) & (positions[rows] <= reach[np.maximum(at, 0)])
    return keep
