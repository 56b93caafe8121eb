"""From decoded VCF records to one :class:`GenotypeCall` per sample at one knowledge site.

Records split at one position (``bcftools norm -m-``) are merged per sample the way ``bcftools norm
-m+`` would: phased genotypes slot by slot, unphased ones by pooling the ALT alleles each record
calls and filling the rest with REF. Alleles are written in the site's own representation
(:func:`allele_at_locus`), so a call holds the actual sequences, never "some ALT". Identical
genotype rows share one frozen call object, which keeps biobank-sized extraction cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tailormed.evidence.sites import Site
from tailormed.model.alleles import allele_at_locus, is_sequence, refs_agree
from tailormed.model.genotype import CallSource, CallState, GenotypeCall

IntArray = npt.NDArray[np.int64]
MISSING = -1
END_OF_VECTOR = -2


@dataclass(eq=False)
class Record:
    """A record's fields for the selected samples; ``gt`` rows are allele indices then the phased flag."""

    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    end: int
    gt: npt.NDArray[np.integer[Any]]  # int8 when every allele index fits, else htslib's int16
    filter: str | None
    quality: float | None
    depth: IntArray | None
    phase_set: IntArray | None
    where: str

    @property
    def label(self) -> str:
        return f"{self.chrom}:{self.pos} {self.ref}>{','.join(self.alts) or '.'}"


def state_of(alleles: Sequence[str | None], ref: str) -> CallState:
    """REFERENCE/VARIANT when every allele is known, PARTIAL when some are, NO_CALL when none are."""
    known = [allele for allele in alleles if allele is not None]
    if not known:
        return CallState.NO_CALL
    if len(known) < len(alleles):
        return CallState.PARTIAL
    return CallState.REFERENCE if all(allele == ref for allele in known) else CallState.VARIANT


def _frame(record: Record, site: Site, mismatched: list[Record]) -> list[str | None] | None:
    """Each allele index of a record as a sequence at the site; None when the REFs disagree (never a match)."""
    locus = site.locus
    if not refs_agree(record.pos, record.ref, locus.pos, locus.ref):
        mismatched.append(record)
        return None
    alleles: list[str | None] = [allele_at_locus(record.pos, record.ref, record.ref, locus)]
    for alt in record.alts:
        if alt == "*":
            alleles.append("*")  # the site lies inside a deletion called by another record
        elif is_sequence(alt):
            alleles.append(allele_at_locus(record.pos, record.ref, alt, locus))
        else:
            alleles.append(None)  # symbolic (<NON_REF>, <DEL>) or breakend: no sequence to report
    return alleles


def _slots(row: Sequence[int], frame: Sequence[str | None]) -> tuple[list[str | None], bool]:
    indices = [int(i) for i in row[:-1] if i != END_OF_VECTOR]
    alleles = [frame[i] if i >= 0 else None for i in indices]
    return alleles, len(alleles) > 1 and row[-1] == 1


def _merge(ref: str, parts: list[tuple[list[str | None], bool]]) -> tuple[tuple[str | None, ...], bool, bool]:
    """Merge one sample's genotypes from several records at a site: (alleles, phased, conflicting)."""
    if len(parts) == 1:
        alleles, phased = parts[0]
        return tuple(alleles), phased, False
    ploidy = max(len(alleles) for alleles, _ in parts)
    if all(phased for _, phased in parts):
        merged: list[str | None] = []
        for slot in range(ploidy):
            values = [alleles[slot] if slot < len(alleles) else None for alleles, _ in parts]
            other = {value for value in values if value is not None and value != ref}
            if len(other) > 1:
                return (None,) * ploidy, False, True
            merged.append(other.pop() if other else (None if None in values else ref))
        return tuple(merged), True, False
    variants = [allele for alleles, _ in parts for allele in alleles if allele is not None and allele != ref]
    if len(variants) > ploidy:
        return (None,) * ploidy, False, True
    unknown = any(allele is None for alleles, _ in parts for allele in alleles)
    filler: str | None = None if unknown else ref
    return (*([filler] * (ploidy - len(variants))), *variants), False, False


def _optional(value: np.int64 | int) -> int | None:
    return int(value) if value >= 0 else None


#: Largest product of column value ranges packed into one int64 row key.
_PACKED = 1 << 62
#: Largest product of column value ranges whose row keys are counted (one slot each) rather than sorted.
_COUNTED = 1 << 16
#: Most distinct rows whose first rows are found one pass each rather than by a sort.
_FEW = 8


def distinct_rows(table: npt.NDArray[np.integer[Any]]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The first row of each distinct row of ``table`` and each row's distinct-row number; rows are packed into one
    integer when their value ranges allow (a sort of integers, many times faster than ``np.unique(axis=0)``)."""
    if len(table) < 2:  # no sample or one: nothing to share
        return np.zeros(len(table), dtype=np.intp), np.zeros(len(table), dtype=np.intp)
    wide = table.astype(np.int64)
    columns = [wide[:, index] for index in range(wide.shape[1])]  # a column at a time: reducing axis 0 is slow
    lows = [int(column.min()) for column in columns]
    spans = [int(column.max()) - low + 1 for column, low in zip(columns, lows, strict=True)]
    size = 1
    for span in spans:
        size *= span
    if size >= _PACKED:
        _, first, inverse = np.unique(wide, axis=0, return_index=True, return_inverse=True)
        return first, inverse.reshape(-1)
    packed = np.zeros(len(wide), dtype=np.int64)
    for column, low, span in zip(columns, lows, spans, strict=True):
        packed = packed * span + (column - low)
    if size <= _COUNTED:
        values = np.flatnonzero(np.bincount(packed, minlength=size))
        if len(values) <= _FEW:  # a site's rows: a few genotypes, each found by a pass, no sort
            rank = np.zeros(size, dtype=np.intp)
            rank[values] = np.arange(len(values))
            inverse = rank[packed]
            first = np.array([int(np.argmax(inverse == number)) for number in range(len(values))], dtype=np.intp)
            return first, inverse
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def site_calls(
    site: Site, records: list[Record], source: CallSource, warnings: list[str], mismatched: list[Record]
) -> list[GenotypeCall]:
    """One call per selected sample, from the records (or gVCF blocks) found for the site.

    A record whose REF disagrees with the site's is added to ``mismatched`` and contributes no allele.
    """
    calls, codes = site_call_codes(site, records, source, warnings, mismatched)
    return [calls[i] for i in codes.tolist()]


def site_call_codes(
    site: Site,
    records: list[Record],
    source: CallSource,
    warnings: list[str],
    mismatched: list[Record],
    conflicts: list[int] | None = None,
) -> tuple[list[GenotypeCall], npt.NDArray[np.intp]]:
    """:func:`site_calls` as columns: one call per distinct genotype row, and each sample's row number.

    The distinct rows come in the order of their values, so any samples' rows are in the same order among
    themselves whichever others were read with them. ``conflicts`` gets the numbers of the calls whose records call
    more ALT alleles than the ploidy (the warning's cause)."""
    locus = site.locus
    frames = [_frame(record, site, mismatched) for record in records]
    filters = sorted({part for record in records if record.filter for part in record.filter.split(";")})
    qualities = [record.quality for record in records if record.quality is not None]
    columns: list[npt.NDArray[np.integer[Any]]] = [record.gt for record in records]
    columns += [record.depth.reshape(-1, 1) for record in records if record.depth is not None]
    columns += [record.phase_set.reshape(-1, 1) for record in records if record.phase_set is not None]
    table = np.hstack(columns) if len(columns) > 1 else columns[0]
    first, inverse = distinct_rows(table)
    unique = table[first]
    cache: list[GenotypeCall] = []
    conflicted = False
    for row in unique:
        offset = 0
        parts: list[tuple[list[str | None], bool]] = []
        for record, frame in zip(records, frames, strict=True):
            width = record.gt.shape[1]
            if frame is not None:
                parts.append(_slots(row[offset : offset + width], frame))
            else:
                parts.append(([None] * max(1, sum(1 for i in row[offset : offset + width - 1] if i != -2)), False))
            offset += width
        alleles, phased, conflict = _merge(locus.ref, parts)
        conflicted = conflicted or conflict
        if conflict and conflicts is not None:
            conflicts.append(len(cache))
        depths = [_optional(row[offset + i]) for i, r in enumerate(r for r in records if r.depth is not None)]
        offset += len(depths)
        phase_sets = [_optional(row[offset + i]) for i, r in enumerate(r for r in records if r.phase_set is not None)]
        known_depths = [depth for depth in depths if depth is not None]
        phase_set = next((ps for ps in phase_sets if ps is not None), None) if phased else None
        cache.append(
            GenotypeCall(
                chrom=locus.chrom,
                pos=locus.pos,
                ref=locus.ref,
                alleles=alleles,
                state=CallState.NO_CALL if conflict else state_of(alleles, locus.ref),
                phased=phased,
                phase_set=phase_set,
                source=source,
                filter=";".join(filters) or None,
                quality=min(qualities) if qualities else None,
                depth=min(known_depths) if known_depths else None,
            )
        )
    if conflicted:
        warnings.append(
            f"{locus.key}: records {'; '.join(record.label for record in records)} call more ALT alleles than "
            "the ploidy for some samples; those samples are not called here"
        )
    return cache, inverse.reshape(-1)
