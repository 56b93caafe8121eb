"""A block of samples' calls at one consumer's loci as columns: each site's distinct genotype rows, one call per
row, and each sample's row number (:class:`~tailormed.model.call_columns.CallColumns`).

Built from a pass's :class:`~tailormed.evidence.genotypes.LociCollector`: a read site's columns are the very calls
and row numbers its per-sample evidence is made from (:meth:`LociCollector.site_rows`, worked out once per pass), so
every sample's call equals the one :meth:`GenomeEvidence.calls` gives it.
"""

from __future__ import annotations

import numpy as np

from tailormed.evidence.genotypes import Decoder, LociCollector
from tailormed.model.call_columns import CallColumn
from tailormed.model.evidence import RefMismatch
from tailormed.model.genotype import CallSource, CallState, GenotypeCall


def site_columns(
    collector: LociCollector, decoder: Decoder, samples: int, absent_is_reference: bool
) -> tuple[dict[str, CallColumn], list[RefMismatch]]:
    """The columns of every site, filed under the knowledge locus; what ``LociCollector.calls`` and
    ``GenomeEvidence.calls`` give per sample, site by site: read sites, then assumed-reference, then absent ones."""
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
        rows = collector.site_rows(number)
        mismatches += rows.mismatches
        read[locus.key] = CallColumn(codes=rows.codes, calls=tuple(rows.calls))
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
