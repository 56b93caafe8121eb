"""A block of samples' calls at one consumer's knowledge loci, read once and kept as columns (cohort PGx).

The pass is the evidence stage's own (:func:`tailormed.evidence.read.read_genomes`: same records, same build
decision, same REF checks); only the last step differs. Instead of one call object per sample and site, each site's
genotype rows (allele indices, phase, depth, phase set) are reduced to their distinct rows with one integer key per
row, the evidence stage's :func:`~tailormed.evidence.calls.site_calls` turns each distinct row into its call, and the
samples keep the row's index. So every sample's call equals the one :meth:`GenomeEvidence.calls` gives it, at the
cost of a few numpy operations per site whatever the number of samples.
"""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.collector import paused as collector_paused
from tailormed.errors import InputError
from tailormed.evidence.build import candidate_builds, decide_build
from tailormed.evidence.plan import compile_plan
from tailormed.evidence.read import Progress, Source, _Pass, _refuse_mismatches
from tailormed.evidence.reader import GenomeInput, open_vcf
from tailormed.evidence.site_columns import site_columns
from tailormed.model.call_columns import CallColumns
from tailormed.model.evidence import AbsentPolicy, GenomeRequest
from tailormed.model.genotype import GenomeBuild


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
        builds = candidate_builds(header, build)
        with collector_paused():
            reading = _Pass(vcf, request, compile_plan(request, builds))
            reading.run(on_progress)
            detection = decide_build(header, build, reading.votes, source=vcf.label)
            collector = reading.loci.get((consumer, detection.build))
            if collector is None:
                raise InputError(f"{consumer}: the knowledge has no {detection.build} positions", source=vcf.label)
            columns, mismatches = site_columns(collector, reading.decoder, len(chosen), policy.absent_is_reference)
            _refuse_mismatches(mismatches, reading.votes, vcf.label, detection)
        return CallColumns(
            samples=tuple(chosen),
            source=vcf.label,
            build=detection,
            absent_is_reference=policy.absent_is_reference,
            columns=columns,
        )


