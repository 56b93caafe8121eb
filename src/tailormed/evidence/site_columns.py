"""A block of samples' calls at one consumer's loci as columns: each site's distinct genotype rows, one call per
row, and each sample's row number (:class:`~tailormed.model.call_columns.CallColumns`).

Built from a pass's :class:`~tailormed.evidence.genotypes.LociCollector` with the evidence stage's own
:func:`~tailormed.evidence.calls.site_calls`, so every sample's call equals the one :meth:`GenomeEvidence.calls`
gives it, at the cost of a few numpy operations per site whatever the number of samples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tailormed.evidence.calls import Record, distinct_rows, site_calls
from tailormed.evidence.genotypes import Decoder, LociCollector, _refiled
from tailormed.model.call_columns import CallColumn
from tailormed.model.evidence import RefMismatch
from tailormed.model.genotype import CallSource, CallState, GenotypeCall


def site_columns(
    collector: LociCollector, decoder: Decoder, samples: int, absent_is_reference: bool
) -> tuple[dict[str, CallColumn], list[RefMismatch]]:
    """The columns of every site, filed under the knowledge locus; what ``LociCollector.calls`` and
    ``GenomeEvidence.calls`` give per sample, site by site: read sites, then assumed-reference, then absent ones."""
    warnings: list[str] = []
    mismatches: list[RefMismatch] = []
    read: dict[str, CallColumn] = {}
    assumed: dict[str, CallColumn] = {}
    missing: dict[str, CallColumn] = {}
    report_as = collector.report_as
    regions = collector.regions
    empty = {region.chrom for region, n in zip(regions.regions, regions.counts, strict=True) if not n}
    zeros = np.zeros(samples, dtype=np.int32)
    for number, site in enumerate(collector.sites):
        records, blocks = collector.records.get(number), collector.blocks.get(number)
        target = report_as.get(site.key) if report_as else None
        locus = target or site.locus
        if not records and not blocks:
            assume = absent_is_reference and (
                site.chrom not in empty or regions.covered(site.chrom, site.pos) is not False
            )
            if assume:
                assumed[locus.key] = _assumed(locus.chrom, locus.pos, locus.ref, site.ref, decoder, site.chrom, samples)
            else:
                absent = GenotypeCall(chrom=locus.chrom, pos=locus.pos, ref=locus.ref, state=CallState.ABSENT)
                missing[locus.key] = CallColumn(codes=zeros, calls=(absent,))
            continue
        mismatched: list[Record] = []
        kind = CallSource.RECORD if records else CallSource.GVCF_BLOCK
        used = records if records else (blocks or [])[:1]
        first, codes = _distinct_rows(used)
        reduced = [_rows(record, first) for record in used]
        calls = site_calls(site, reduced, kind, warnings, mismatched)
        if target is not None:
            calls = [_refiled(call, target) for call in calls]
        mismatches += [
            RefMismatch(
                consumer=collector.consumer, key=locus.key, vcf_ref=r.ref, knowledge_ref=site.ref, where=r.where
            )
            for r in mismatched
        ]
        read[locus.key] = CallColumn(codes=codes, calls=tuple(calls))
    return {**read, **assumed, **missing}, mismatches


def _assumed(chrom: str, pos: int, ref: str, read: str, decoder: Decoder, read_chrom: str, samples: int) -> CallColumn:
    """Assumed-reference calls: the REF of the build read on every allele, one allele where the sample is haploid
    (as ``Decoder.ploidy`` says: chrM always, chrX/chrY where the file shows it, chrY when it does not)."""
    diploid = GenotypeCall(
        chrom=chrom,
        pos=pos,
        ref=ref,
        alleles=(read, read),
        state=CallState.ASSUMED_REFERENCE,
        source=CallSource.ASSUMED,
    )
    haploid = diploid.model_copy(update={"alleles": (read,)})
    seen = decoder.haploid.get(read_chrom)
    if read_chrom == "chrM" or (seen is None and read_chrom == "chrY"):
        codes = np.ones(samples, dtype=np.int32)
    elif seen is None:
        codes = np.zeros(samples, dtype=np.int32)
    else:
        codes = seen.astype(np.int32)
    return CallColumn(codes=codes, calls=(diploid, haploid))


def _distinct_rows(records: Sequence[Record]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int32]]:
    """The first sample of each distinct row of the records' fields (as ``site_calls`` tables them), and each
    sample's row number."""
    table = _table(records)
    if not len(table):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int32)
    first, inverse = distinct_rows(table)
    return first, inverse.astype(np.int32)


def _table(records: Sequence[Record]) -> npt.NDArray[np.int64]:
    columns = [record.gt for record in records]
    columns += [record.depth.reshape(-1, 1) for record in records if record.depth is not None]
    columns += [record.phase_set.reshape(-1, 1) for record in records if record.phase_set is not None]
    return np.hstack(columns).astype(np.int64) if len(columns) > 1 else columns[0].astype(np.int64)


def _rows(record: Record, rows: npt.NDArray[np.intp]) -> Record:
    return dataclasses.replace(
        record,
        gt=record.gt[rows],
        depth=record.depth[rows] if record.depth is not None else None,
        phase_set=record.phase_set[rows] if record.phase_set is not None else None,
    )
