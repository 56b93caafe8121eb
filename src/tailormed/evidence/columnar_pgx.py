"""A block of samples' calls at one consumer's knowledge loci, read once and kept as columns (cohort PGx).

The pass is the evidence stage's own (:func:`tailormed.evidence.read.read_genomes`: same records, same build
decision, same REF checks); only the last step differs. Instead of one call object per sample and site, each site's
genotype rows (allele indices, phase, depth, phase set) are reduced to their distinct rows with one integer key per
row, the evidence stage's :func:`~tailormed.evidence.calls.site_calls` turns each distinct row into its call, and the
samples keep the row's index. So every sample's call equals the one :meth:`GenomeEvidence.calls` gives it, at the
cost of a few numpy operations per site whatever the number of samples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tailormed.collector import paused as collector_paused
from tailormed.errors import InputError
from tailormed.evidence.build import decide_build
from tailormed.evidence.calls import Record, site_calls
from tailormed.evidence.genotypes import Decoder, LociCollector, _refiled
from tailormed.evidence.plan import compile_plan
from tailormed.evidence.read import Progress, Source, _Pass, _refuse_mismatches
from tailormed.evidence.reader import GenomeInput, open_vcf
from tailormed.model.call_columns import CallColumn, CallColumns
from tailormed.model.evidence import AbsentPolicy, GenomeRequest, RefMismatch
from tailormed.model.genotype import CallSource, CallState, GenomeBuild, GenotypeCall

#: Largest product of column value ranges packed into one int64 row key.
_PACKED = 1 << 62


def read_call_columns(
    source: Source,
    request: GenomeRequest,
    consumer: str,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    absent: AbsentPolicy | None = None,
    on_progress: Progress | None = None,
) -> CallColumns:
    """``consumer``'s calls for the selected samples (all when ``samples`` is None) from one pass over ``source``."""
    policy = absent or AbsentPolicy()
    with open_vcf(GenomeInput.of(source)) as vcf:
        chosen = vcf.select_samples(samples)
        header = vcf.header_build()
        builds = [header.build] if header is not None else ([build] if build is not None else list(GenomeBuild))
        with collector_paused():
            reading = _Pass(vcf, request, compile_plan(request, builds))
            reading.run(on_progress)
            detection = decide_build(header, build, reading.votes, source=vcf.label)
            collector = reading.loci.get((consumer, detection.build))
            if collector is None:
                raise InputError(f"{consumer}: the knowledge has no {detection.build} positions", source=vcf.label)
            columns, mismatches = _columns(collector, reading.decoder, len(chosen), policy.absent_is_reference)
            _refuse_mismatches(mismatches, reading.votes, vcf.label, detection)
        return CallColumns(
            samples=tuple(chosen),
            source=vcf.label,
            build=detection,
            absent_is_reference=policy.absent_is_reference,
            columns=columns,
        )


def _columns(
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
    for site in collector.sites.sites:
        records, blocks = collector.records.get(site), collector.blocks.get(site)
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
    sample's row number; rows are packed into one integer when their value ranges allow, which sorts fast."""
    columns = [record.gt for record in records]
    columns += [record.depth.reshape(-1, 1) for record in records if record.depth is not None]
    columns += [record.phase_set.reshape(-1, 1) for record in records if record.phase_set is not None]
    table = np.hstack(columns).astype(np.int64) if len(columns) > 1 else columns[0].astype(np.int64)
    if not len(table):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int32)
    low = table.min(axis=0)
    spans = [int(span) for span in table.max(axis=0) - low + 1]
    if int(np.prod(np.array(spans, dtype=object))) < _PACKED:
        packed = np.zeros(len(table), dtype=np.int64)
        for index, span in enumerate(spans):
            packed = packed * span + (table[:, index] - low[index])
        _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1).astype(np.int32)


def _rows(record: Record, rows: npt.NDArray[np.intp]) -> Record:
    return dataclasses.replace(
        record,
        gt=record.gt[rows],
        depth=record.depth[rows] if record.depth is not None else None,
        phase_set=record.phase_set[rows] if record.phase_set is not None else None,
    )
