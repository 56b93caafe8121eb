"""Copy-number records over requested gene regions: a caller's ``<DEL>``/``<DUP>``/``<CNV>`` records, or any
record carrying a ``CN`` FORMAT field, that overlaps a gene's region.

A sample's copies come from its ``CN`` value when the record has one; otherwise a ``<DEL>`` removes one copy per
ALT allele in the genotype (``0/1`` -> 1 copy, ``1/1`` -> 0) and a ``<DUP>`` adds one per ALT allele (``0/1`` -> 3,
the least it can mean); a ``<CNV>`` without ``CN`` says nothing countable. SNV records without ``CN`` are not
copy-number records. The consumer (the PGx engine) decides what several records over one gene mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cyvcf2
import numpy as np

from tailormed.model.evidence import CopyNumberRecord, GeneRegion

#: Symbolic ALT alleles read as copy-number changes, and the change one ALT allele makes (None: not countable).
SYMBOLIC: dict[str, tuple[str, int | None]] = {
    "<DEL>": ("DEL", -1),
    "<DUP>": ("DUP", 1),
    "<DUP:TANDEM>": ("DUP", 1),
    "<CNV>": ("CNV", None),
}


@dataclass(frozen=True)
class _Seen:
    region: GeneRegion
    chrom: str
    start: int
    end: int
    kind: str
    copies: tuple[int | None, ...]
    where: str


class CopyNumberCollector:
    """Copy-number records overlapping the requested regions, with each selected sample's copies."""

    def __init__(self, regions: Sequence[GeneRegion]) -> None:
        self.regions = list(regions)
        self.by_chrom: dict[str, list[GeneRegion]] = {}
        for region in regions:
            self.by_chrom.setdefault(region.chrom, []).append(region)
        self.found: list[_Seen] = []

    def add(self, record: cyvcf2.Variant, chrom: str, where: str) -> None:
        regions = self.by_chrom.get(chrom)
        if not regions:
            return
        start, end = record.POS, max(int(record.end), record.POS)
        hits = [r for r in regions if start <= r.end and end >= r.start]
        if not hits:
            return
        alts = list(record.ALT)
        kinds = [SYMBOLIC[a] for a in alts if a in SYMBOLIC]
        has_cn = "CN" in (record.FORMAT or [])
        if not kinds and not has_cn:
            return
        kind = kinds[0][0] if kinds else "CN"
        copies = _copies(record, alts, has_cn)
        for region in hits:
            self.found.append(_Seen(region, chrom, start, end, kind, copies, where))

    def subset(self, rows: Sequence[int]) -> CopyNumberCollector:
        """The records as a pass over only the samples at ``rows`` found them."""
        view = CopyNumberCollector(self.regions)
        view.found = [replace(seen, copies=tuple(seen.copies[row] for row in rows)) for seen in self.found]
        return view

    def records(self, index: int) -> list[CopyNumberRecord]:
        """One sample's copy-number records (``index`` into the selected samples)."""
        return [
            CopyNumberRecord(
                gene=seen.region.name,
                chrom=seen.chrom,
                start=seen.start,
                end=seen.end,
                kind=seen.kind,
                copies=seen.copies[index],
                where=seen.where,
            )
            for seen in self.found
        ]


def _copies(record: cyvcf2.Variant, alts: list[str], has_cn: bool) -> tuple[int | None, ...]:
    if has_cn:
        values = record.format("CN")
        if values is not None:
            column = np.asarray(values)[:, 0]
            if np.issubdtype(column.dtype, np.floating):
                return tuple(None if not np.isfinite(v) or v < 0 else round(float(v)) for v in column)
            return tuple(None if v < 0 else int(v) for v in column)
    changes: list[int | None] = [SYMBOLIC.get(a, ("", None))[1] for a in alts]
    result: list[int | None] = []
    for genotype in record.genotypes:
        indexes = [i for i in genotype[:-1] if isinstance(i, int)]
        if not indexes or any(i < 0 for i in indexes):
            result.append(None)
            continue
        total = 2
        for i in indexes:
            if i == 0:
                continue
            change = changes[i - 1] if i - 1 < len(changes) else None
            if change is None:
                total = -1
                break
            total += change
        result.append(total if total >= 0 else None)
    return tuple(result)
