"""Chromosome names: one canonical UCSC-style spelling inside tailormed, whatever a VCF uses.

VCFs name the same chromosome ``1``, ``chr1`` or ``CHR1``, and the mitochondrion ``MT``, ``M`` or
``chrM``. Everything past intake speaks ``chr1`` .. ``chr22``, ``chrX``, ``chrY``, ``chrM``.

>>> canonical_chrom("1"), canonical_chrom("chrX"), canonical_chrom("MT"), canonical_chrom("GL000192.1")
('chr1', 'chrX', 'chrM', None)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from functools import lru_cache

CANONICAL: tuple[str, ...] = (*(f"chr{n}" for n in range(1, 23)), "chrX", "chrY", "chrM")


@lru_cache(maxsize=4096)
def canonical_chrom(name: str) -> str | None:
    """The canonical name of a primary-assembly chromosome, or ``None`` for anything else (alt, decoy, unplaced)."""
    bare = name[3:] if name[:3].lower() == "chr" else name
    bare = bare.upper()
    if bare in ("M", "MT"):
        return "chrM"
    if bare in ("X", "Y"):
        return f"chr{bare}"
    if bare.isdigit() and not bare.startswith("0") and 1 <= int(bare) <= 22:
        return f"chr{int(bare)}"
    return None


def file_names(names: Iterable[str]) -> dict[str, str]:
    """Map canonical names to the spelling a file uses, from the contig names it declares.

    >>> file_names(["1", "2", "MT", "GL000192.1"])
    {'chr1': '1', 'chr2': '2', 'chrM': 'MT'}
    """
    mapping: dict[str, str] = {}
    for name in names:
        canonical = canonical_chrom(name)
        if canonical is not None and canonical not in mapping:
            mapping[canonical] = name
    return mapping


def runs(chroms: Sequence[str]) -> list[tuple[str, int, int]]:
    """The runs of one chromosome in a block of records' chromosomes, as (chromosome, start, stop): blocks of a
    sorted file are mostly one run, which is found without walking the block.

    >>> runs(["chr1", "chr1", "chr2", "chr1"]), runs([])
    ([('chr1', 0, 2), ('chr2', 2, 3), ('chr1', 3, 4)], [])
    """
    if not chroms:
        return []
    if chroms.count(chroms[0]) == len(chroms):
        return [(chroms[0], 0, len(chroms))]
    found: list[tuple[str, int, int]] = []
    start = 0
    for chrom, run in itertools.groupby(chroms):
        stop = start + sum(1 for _ in run)
        found.append((chrom, start, stop))
        start = stop
    return found
