"""One reading pass over a genome input, with a collector per consumer: the evidence stage's entry point.

:func:`read_genomes` opens the input once and reads it once — through the index when the file has one and the
requested regions are few compared with its records, else in one stream — handing each record that concerns a
requested position to the collectors that want it: knowledge loci per consumer (PGx, ClinVar), scoring-file
positions (dosages), diagnosis candidates (every record), and REF votes at knowledge positions of both builds. The
build is then settled once (:func:`tailormed.evidence.build.decide_build`), the collectors of the other build are
dropped, and each sample's :class:`GenomeEvidence` is assembled. :func:`read_genome` is the patient-level form with
the one multi-sample policy: the named sample, else the file's only one.

A whole-genome stream touches only a record's chromosome and position unless that position is wanted, so the pass
costs little more than htslib's own parsing.
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import cyvcf2
import numpy as np
import numpy.typing as npt

from tailormed import bgzf
from tailormed.collector import paused as collector_paused
from tailormed.errors import InputError
from tailormed.evidence import columnar
from tailormed.evidence.bed import RegionSet
from tailormed.evidence.build import BuildVotes, candidate_builds, decide_build
from tailormed.evidence.candidates import CandidateCollector
from tailormed.evidence.copy_number import CopyNumberCollector
from tailormed.evidence.genotypes import Decoder, LociCollector, RegionCounter, SampleCalls
from tailormed.evidence.plan import PlanCache, ReadPlan, Region, compile_plan, score_votes_needed
from tailormed.evidence.reader import GenomeInput, VcfFile, open_vcf
from tailormed.evidence.scores import ScoreCollector
from tailormed.evidence.site_columns import site_columns
from tailormed.evidence.site_set import SiteSet
from tailormed.model.call_columns import CallColumns
from tailormed.model.chrom import canonical_chrom
from tailormed.model.dosage import SiteGroup, SiteSink
from tailormed.model.evidence import (
    AbsentPolicy,
    AbsentSites,
    CandidateScan,
    GenomeEvidence,
    GenomeRequest,
    GenomeSource,
    ReadMode,
    RefMismatch,
    RegionCoverage,
    ScoreSite,
)
from tailormed.model.genotype import BuildDetection, GenomeBuild

#: Records whose positions are counted into the loci's regions at once (the rest of a region's are kept till then).
_COUNTED_AT_ONCE = 4096
#: Score positions from this share of an indexed cohort VCF's records on are read from its text, not its index.
TEXT_SHARE = 0.02
#: The loci of a pass whose scores are read from the text go through the index while their queries are at most this
#: share of the records (each query costs a seek and one BGZF block; the alternative parses every record's samples).
SPLIT_QUERY_RATIO = 0.25
#: More knowledge sites than this whose REF disagrees with the file's: the file is refused (wrong build or broken).
MAX_REF_MISMATCHES = 2

Source = GenomeInput | Path | str | int
Progress = Callable[[int], None]
#: Called once per build with the selected samples; returns where that build's score-position groups go as read.
ScoreSink = Callable[[GenomeBuild, Sequence[str]], SiteSink]


@dataclass
class GenomeBatch:
    """One pass's evidence for every selected sample; :meth:`evidence` gives one sample's :class:`GenomeEvidence`."""

    source: GenomeSource
    samples: list[str]
    build: BuildDetection
    absent: AbsentPolicy
    genotypes: dict[str, SampleCalls] = field(default_factory=dict)
    absent_sites: dict[str, list[list[AbsentSites]]] = field(default_factory=dict)
    score_groups: list[SiteGroup] | None = None
    candidates: CandidateScan | None = None
    coverage: list[RegionCoverage] = field(default_factory=list)
    ref_mismatches: list[RefMismatch] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    copy_number: CopyNumberCollector | None = None
    #: Consumer -> the pass's collector of its loci in the settled build, and the pass's decoder (for columns).
    collected: dict[str, LociCollector] = field(default_factory=dict)
    decoder: Decoder | None = None
    #: Sample -> its row in the per-sample arrays, so a block's people are looked up in constant time each.
    _rows: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rows = {}
        for row, name in enumerate(self.samples):
            self._rows.setdefault(name, row)

    def call_columns(self, consumer: str) -> CallColumns | None:
        """Every sample's calls at ``consumer``'s loci as columns (None when the pass has none for it): the calls
        :meth:`evidence` gives each sample, one object per distinct genotype row of a site (a cohort's matching)."""
        collector = self.collected.get(consumer)
        if collector is None or self.decoder is None:
            return None
        columns, _ = site_columns(collector, self.decoder, len(self.samples), self.absent.absent_is_reference)
        return CallColumns(
            samples=tuple(self.samples),
            source=self.source.label,
            build=self.build,
            absent_is_reference=self.absent.absent_is_reference,
            columns=columns,
        )

    def row(self, sample: str) -> int:
        """The sample's row in the per-sample arrays (its first, if named twice); ValueError naming an unknown one."""
        index = self._rows.get(sample)
        if index is None:
            raise ValueError(f"sample {sample!r} is not among this pass's {len(self.samples)} samples")
        return index

    def evidence(self, sample: str) -> GenomeEvidence:
        index = self.row(sample)
        sites = None
        if self.score_groups is not None:
            sites = [
                ScoreSite(
                    chrom=record.chrom,
                    pos=record.pos,
                    id=record.id,
                    ref=record.ref,
                    alts=record.alts,
                    alleles=(int(record.alleles[index, 0]), int(record.alleles[index, 1])),
                    location=record.location,
                )
                for group in self.score_groups
                for record in group.records
            ]
        return GenomeEvidence(
            source=self.source,
            sample=sample,
            build=self.build,
            absent=self.absent,
            genotypes={consumer: calls[index] for consumer, calls in self.genotypes.items()},
            absent_sites={consumer: groups[index] for consumer, groups in self.absent_sites.items()},
            score_sites=sites,
            candidates=self.candidates,
            coverage=self.coverage,
            ref_mismatches=self.ref_mismatches,
            warnings=self.warnings,
            copy_number=self.copy_number.records(index) if self.copy_number is not None else [],
        )


def read_genome(
    source: Source,
    request: GenomeRequest,
    *,
    sample: str | None = None,
    build: GenomeBuild | None = None,
    absent: AbsentPolicy | None = None,
    on_progress: Progress | None = None,
    plans: PlanCache | None = None,
) -> GenomeEvidence:
    """One patient's evidence: ``sample``, or the file's only sample (InputError naming them when there are several)."""
    batch = read_genomes(
        source,
        request,
        samples=[sample] if sample else None,
        build=build,
        absent=absent,
        on_progress=on_progress,
        single=True,
        plans=plans,
    )
    return batch.evidence(batch.samples[0])


def read_genomes(
    source: Source,
    request: GenomeRequest,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    absent: AbsentPolicy | None = None,
    on_progress: Progress | None = None,
    single: bool = False,
    plans: PlanCache | None = None,
    score_sink: ScoreSink | None = None,
    within: Region | None = None,
    restrict: RegionSet | None = None,
) -> GenomeBatch:
    """Every selected sample's evidence (all samples when ``samples`` is None) from one pass over ``source``.

    ``build`` settles a header that names no build; it never overrules the header or the file's REF bases.
    ``single`` applies the patient-level policy: exactly one sample must result. ``plans`` keeps the compiled
    request (:mod:`tailormed.evidence.plan`) for the next pass with the same request. With ``score_sink``, the
    score-position groups of each candidate build are handed over as they are read instead of kept (so a cohort's
    genotypes at a million scored sites are never all in memory); the batch's ``score_groups`` is then empty.
    ``within`` (canonical chrom, start, end) holding most of the requested positions is read as one index query
    when the file is indexed (a cohort's region partition), the positions outside it as usual. With ``restrict``,
    a record outside its regions is treated as absent (it still votes on the build).
    """
    policy = absent or AbsentPolicy()
    with open_vcf(GenomeInput.of(source)) as vcf:
        chosen = vcf.select_samples(samples)
        if single and len(chosen) != 1:
            shown = ", ".join(chosen[:10]) + (" ..." if len(chosen) > 10 else "")
            raise InputError(
                f"the VCF has {len(chosen)} samples ({shown or 'none'}); name the patient's sample "
                "(the record's genome.sample, or --sample)",
                source=vcf.label,
            )
        if request.candidates is not None and len(chosen) != 1:
            raise InputError(f"diagnosis candidates need one sample; the VCF has {len(chosen)}", source=vcf.label)
        header = vcf.header_build()
        builds = candidate_builds(header, build)
        with collector_paused():
            votes = score_votes_needed(header.build if header is not None else None, request)
            plan = plans.plan(request, builds, votes) if plans is not None else compile_plan(request, builds, votes)
            reading = _Pass(vcf, request, plan, within, restrict)
            if score_sink is not None:
                for b, collector in reading.scores.items():
                    collector.sink = score_sink(b, chosen)
            reading.run(on_progress)
            detection = decide_build(header, build, reading.votes, source=vcf.label)
            batch = reading.batch(chosen, detection, policy)
            reading.release(batch)
            return batch


class SharedRead:
    """One pass over several sample blocks' samples at once, each block's batch then cut out of it.

    A VCF line holds every sample, so a block read on its own costs the parse of every wanted line whatever its size:
    blocks that share one pass parse the file once. :meth:`batch` gives exactly what :func:`read_genomes` gives for a
    block (its samples in file order, its records' columns, its ploidy and copy numbers); the pass's arrays stay in
    memory until the last block is cut, so a pass is bounded by the caller to as many samples as memory allows.
    """

    def __init__(self, reading: _Pass, chosen: list[str], detection: BuildDetection, policy: AbsentPolicy) -> None:
        self._reading = reading
        self.samples = chosen
        self.detection = detection
        self._policy = policy

    @property
    def label(self) -> str:
        """The input's name, as its batches' ``source.label`` gives it."""
        return self._reading.vcf.label

    def batch(self, samples: Sequence[str]) -> GenomeBatch:
        """The batch of ``samples`` (a subset of the pass's) as their own pass would give it."""
        keep = set(samples)
        rows = [row for row, name in enumerate(self.samples) if name in keep]
        missing = keep - {self.samples[row] for row in rows}
        if missing:
            raise ValueError(f"sample(s) not in this pass: {', '.join(sorted(missing))}")
        return self._reading.subset(rows).batch([self.samples[row] for row in rows], self.detection, self._policy)


def read_shared(
    source: Source,
    request: GenomeRequest,
    samples: Sequence[str],
    *,
    build: GenomeBuild | None = None,
    absent: AbsentPolicy | None = None,
    restrict: RegionSet | None = None,
    score_sink: ScoreSink | None = None,
) -> SharedRead:
    """One pass over ``samples`` for ``request``, from which each block's :class:`GenomeBatch` is cut
    (:meth:`SharedRead.batch`). Score positions need ``score_sink`` (they are summed for every sample as read, each
    sample's sums its own); diagnosis candidates are scanned as read and cannot be shared. The knowledge sites' REF
    mismatches are refused here, as each block's own pass would refuse them (they depend on records, not samples)."""
    if request.candidates is not None or (request.scores and score_sink is None):
        raise ValueError("a shared pass serves knowledge loci, and score positions only through a score sink")
    policy = absent or AbsentPolicy()
    with open_vcf(GenomeInput.of(source)) as vcf:
        chosen = vcf.select_samples(samples)
        header = vcf.header_build()
        builds = candidate_builds(header, build)
        with collector_paused():
            votes = score_votes_needed(header.build if header is not None else None, request)
            reading = _Pass(vcf, request, compile_plan(request, builds, votes), restrict=restrict)
            if score_sink is not None:
                for b, collector in reading.scores.items():
                    collector.sink = score_sink(b, chosen)
            reading.run(None)
            detection = decide_build(header, build, reading.votes, source=vcf.label)
            reading.settle(detection)
    return SharedRead(reading, chosen, detection, policy)


class _Pass:
    """The collectors of one pass and the positions that route records to them."""

    def __init__(
        self,
        vcf: VcfFile,
        request: GenomeRequest,
        plan: ReadPlan,
        within: Region | None = None,
        restrict: RegionSet | None = None,
    ) -> None:
        self.vcf = vcf
        self.within = within
        self.restrict = restrict
        self.request = request
        self.decoder = Decoder(vcf)
        builds = plan.builds
        self.loci = {key: LociCollector(loci) for key, loci in plan.loci.items()}
        self.score_positions = plan.score_positions
        if restrict is not None:  # a score site outside the regions is absent: no collector takes it
            self.score_positions = {b: sites.where(restrict.contains) for b, sites in plan.score_positions.items()}
        self.scores = {b: ScoreCollector(positions) for b, positions in self.score_positions.items()}
        self.candidates = CandidateCollector(vcf, request.candidates.known) if request.candidates else None
        # Without a consequence annotation only the known alleles can be candidates: read their positions, not the
        # whole file.
        self._every_record = self.candidates is not None and self.candidates.whole_file
        self._candidate_sites: dict[str, set[int]] = {}
        if self.candidates is not None and not self._every_record:
            for chrom, pos, _, _ in self.candidates.known:
                self._candidate_sites.setdefault(chrom, set()).add(pos)
        self.votes = BuildVotes()
        self.vote_index = plan.votes
        self._plan = plan
        #: While the loci are read through the index and the scores from the text: the positions dispatched.
        self._dispatched: set[tuple[str, int]] | None = None
        self.records_read = 0
        self.mode = ReadMode.STREAM
        self._exact_chrom: str | None = None
        self._exact_here: set[int] | tuple[()] = ()
        if self._candidate_sites:
            self._exact, self._regions = plan.with_positions(_pairs(self._candidate_sites))
        else:
            self._exact, self._regions = plan.exact, plan.regions
        self._windows = plan.windows
        self._spans = "END" in vcf.header.info_types
        self.copy_numbers = {
            b: CopyNumberCollector(regions) for b, regions in request.copy_number.items() if b in builds and regions
        }
        self._cn_chroms = {chrom for c in self.copy_numbers.values() for chrom in c.by_chrom}

    def run(self, on_progress: Progress | None) -> None:
        regions = self._regions
        if self.copy_numbers:
            extra = {(r.chrom, r.start, r.end) for c in self.copy_numbers.values() for r in c.regions}
            regions = sorted({*regions, *extra})
        if self._every_record:
            self._read_stream(on_progress)
        elif self.within is not None and self.vcf.indexed:
            chrom, start, end = self.within
            outside = [r for r in regions if not (r[0] == chrom and start <= r[1] and r[2] <= end)]
            self.mode = ReadMode.INDEX
            self._read_index([self.within, *outside], on_progress)
        elif (split := self._split()) is not None:
            self._read_split(*split, on_progress)
        elif self._text_readable() and self._many_scores():
            self._read_text(on_progress)
        elif regions and self.vcf.prefers_index(len(regions)):
            self.mode = ReadMode.INDEX
            self._read_index(regions, on_progress)
        elif self._text_readable():
            self._read_text(on_progress)
        elif regions and self.vcf.index_temporarily(len(regions)):
            self.mode = ReadMode.INDEX
            self._read_index(regions, on_progress)
        elif regions:
            self._read_stream(on_progress)

    def _text_readable(self) -> bool:
        """Scores (and build markers) only, from a cohort's text VCF on disk: the columnar text reader's case."""
        return not self.loci and not self.copy_numbers and self._scores_by_text()

    def _many_scores(self) -> bool:
        """Whether the scores' positions are too many for index queries to beat the text reader: at least
        :data:`TEXT_SHARE` of the records the index counts (always, without an index). htslib parses every sample
        of each record it reads, about ten times the text reader's cost per line at 2,500 samples, so one region
        spanning the scores' sites of a chromosome is read faster as text."""
        total = self.vcf.indexed_record_count()
        wanted = len(SiteSet.union(self.score_positions.values()))
        return total is None or wanted >= TEXT_SHARE * total

    def _split(self) -> tuple[SiteSet, list[Region]] | None:
        """The loci's (and build markers') wanted positions and index queries when a cohort's pass reads them
        through the index and the scores' many sites from the text (:meth:`_read_split`): loci or copy numbers
        with scores the text reader serves, and an index (a temporary one for a large file without) for which the
        loci's queries are at most :data:`SPLIT_QUERY_RATIO` of its records. None otherwise."""
        if not (self.loci or self.copy_numbers) or not self._scores_by_text():
            return None
        exact, regions = self._plan.without_scores()
        if self.copy_numbers:
            extra = {(r.chrom, r.start, r.end) for c in self.copy_numbers.values() for r in c.regions}
            regions = sorted({*regions, *extra})
        if not (self.vcf.indexed or self.vcf.temporary_index):
            self.vcf.index_temporarily(len(regions))
        total = self.vcf.indexed_record_count()
        if total is None or len(regions) > SPLIT_QUERY_RATIO * total or not self._many_scores():
            return None
        return exact, regions

    def _read_split(self, exact: SiteSet, regions: Sequence[Region], on_progress: Progress | None) -> None:
        """The loci (and copy numbers, build markers) through the index, then the scores' sites from the text: the
        records the first part handed to the collectors vote on the build there, the text's other wanted lines in
        the text (so each record votes once, as in one pass), and only the text feeds the scores."""
        whole = self._exact
        self._want(exact)
        self._dispatched = set()
        try:
            self._read_index(regions, on_progress)
            self._want(SiteSet.union(self._plan.score_positions.values()))
            self._read_text(on_progress)
        finally:
            self._want(whole)
            self._dispatched = None
        self.mode = ReadMode.STREAM

    def _scores_by_text(self) -> bool:
        """Score positions from a cohort's text VCF on disk, which the columnar text reader serves.

        With many samples, genotype text is most of every line and htslib would parse all of it for each wanted
        record; a file of one or a few samples is better served by an index (a temporary one when it has none).
        """
        return (
            self.candidates is None
            and bool(self.score_positions)
            and len(self.vcf.samples) >= columnar.MIN_SAMPLES
            and self.vcf.header.kind in ("vcf", "vcf.gz")
            and columnar.supports(self.vcf.input.path)
        )

    def _read_text(self, on_progress: Progress | None) -> None:
        """The scores' (and markers') lines from the text, its BGZF blocks inflated by a child process into memory
        shared with this one (:func:`tailormed.bgzf.inflating`; the child a command started early, else one
        started here)."""
        path = self.vcf.input.path
        assert path is not None
        alt_counts = all(collector.sink is not None for collector in self.scores.values())
        decoder = columnar.ChildDecoder if alt_counts else None
        with bgzf.inflating(path, len(self.vcf.samples), decoder=decoder):
            self._scan_text(path, on_progress, alt_counts)

    def _scan_text(self, path: Path, on_progress: Progress | None, alt_counts: bool) -> None:
        scan = columnar.TextScan(
            path, self.vcf.label, self._exact, self.vcf.all_samples, self.vcf.samples, alt_counts=alt_counts
        )
        voted = self._dispatched
        for block in scan.blocks(on_progress):
            if voted:  # the records the index part handed on have voted there
                rows = [i for i, site in enumerate(zip(block.chrom, block.pos, strict=True)) if site not in voted]
                chroms, positions, refs = [block.chrom[i] for i in rows], [block.pos[i] for i in rows], rows
                self.vote_index.count_all(self.votes, chroms, positions, [block.refs[i] for i in refs])
            else:
                self.vote_index.count_all(self.votes, block.chrom, block.pos, block.refs)
            for collector in self.scores.values():
                collector.add_block(block)
        self.records_read = scan.records_read

    def _read_index(self, regions: Sequence[tuple[str, int, int]], on_progress: Progress | None) -> None:
        """The records of ``regions`` through the index, one at a time: what is kept of each record is what its
        collectors keep, so the pass's memory does not grow with the records of a region (a cohort's whole
        chromosome). A record (an identical line) is handled once: the records that could come back in a later
        region (sticking out of theirs, or in a region a later one overlaps) are remembered, and those at the
        position being read, not every record."""
        seen: set[tuple[str, int, str, tuple[str, ...]]] = set()
        counters = [collector.regions for collector in self.loci.values() if collector.regions.regions]
        revisited = _revisited(regions)
        for (chrom, start, end), records in self.vcf.query(regions, on_progress):
            exact = self._exact_on(chrom)
            windows = self._windows.get(chrom)
            candidates = self._candidate_sites.get(chrom, ())
            copy_number = chrom in self._cn_chroms
            again = (chrom, start, end) in revisited
            positions: list[int] = []
            last = 0
            here: set[tuple[str, int, str, tuple[str, ...]]] = set()  # the records at the last position
            for record in records:
                pos = record.POS
                if pos != last:
                    last, here = pos, set()
                identity = (chrom, pos, record.REF, tuple(record.ALT))
                if identity in here or identity in seen:
                    continue  # a record overlapping two query regions comes back twice, and a repeated line once
                here.add(identity)
                if again or pos < start or record.end > end:
                    seen.add(identity)
                positions.append(pos)
                if copy_number:
                    self._copy_number(record, chrom, f"record {record.CHROM}:{pos}")
                if pos in exact or self._wanted(record, chrom, pos, windows):
                    self._dispatch(record, chrom, f"record {record.CHROM}:{pos}")
                if pos in candidates:
                    self._candidate(record, chrom, f"record {record.CHROM}:{pos}")
                if len(positions) >= _COUNTED_AT_ONCE:
                    self._counted(counters, chrom, positions)
                    positions = []
            self._counted(counters, chrom, positions)

    def _counted(self, counters: Sequence[RegionCounter], chrom: str, positions: list[int]) -> None:
        self.records_read += len(positions)
        if self.restrict is not None:
            positions = [pos for pos in positions if self.restrict.contains(chrom, pos)]
        for counter in counters:
            counter.add_all(chrom, positions)

    def _read_stream(self, on_progress: Progress | None) -> None:
        vcf = self.vcf
        names: dict[str, str | None] = {}
        name: str | None = None
        chrom: str | None = None
        for record in vcf.records(on_progress):
            if name != record.CHROM:
                name = record.CHROM
                chrom = names[name] = names[name] if name in names else canonical_chrom(name)
            self.records_read += 1
            if chrom is None:
                if self._every_record:
                    self._candidate(record, record.CHROM, vcf.last_location)
                continue
            pos = record.POS
            self._count_regions(chrom, pos)
            if chrom in self._cn_chroms:
                self._copy_number(record, chrom, vcf.last_location)
            if pos in self._exact_on(chrom) or self._wanted(record, chrom, pos, self._windows.get(chrom)):
                self._dispatch(record, chrom, vcf.last_location)
            if self._every_record or pos in self._candidate_sites.get(chrom, ()):
                self._candidate(record, chrom, vcf.last_location)

    def _candidate(self, record: cyvcf2.Variant, chrom: str, where: str) -> None:
        assert self.candidates is not None
        if self.restrict is not None and not self.restrict.contains(chrom, record.POS):
            return
        self.candidates.add(record, chrom, where)

    def _copy_number(self, record: cyvcf2.Variant, chrom: str, where: str) -> None:
        if self.restrict is not None and not self.restrict.contains(chrom, record.POS):
            return
        for collector in self.copy_numbers.values():
            collector.add(record, chrom, where)

    def _want(self, exact: SiteSet) -> None:
        self._exact, self._exact_chrom, self._exact_here = exact, None, ()

    def _exact_on(self, chrom: str) -> set[int] | tuple[()]:
        """The wanted positions on ``chrom`` as a set, for records checked one at a time; only the last
        chromosome's set is kept (records come a chromosome at a time), not a set of every wanted position."""
        if chrom != self._exact_chrom:
            found = self._exact.on(chrom)
            self._exact_chrom, self._exact_here = chrom, set(found.tolist()) if len(found) else ()
        return self._exact_here

    def _wanted(
        self, record: cyvcf2.Variant, chrom: str, pos: int, windows: tuple[list[int], list[int]] | None
    ) -> bool:
        """Whether a record not at an exact position concerns a site: inside a window before a knowledge indel, or
        a span (``END``) covering a site."""
        if windows is not None:
            i = bisect_right(windows[0], pos) - 1
            if i >= 0 and pos <= windows[1][i]:
                return True
        return self._spans and int(record.end) > pos and self._covers_site(chrom, pos, int(record.end))

    def _covers_site(self, chrom: str, start: int, end: int) -> bool:
        return any(collector.sites.in_block(chrom, start, end) for collector in self.loci.values())

    def _count_regions(self, chrom: str, pos: int) -> None:
        if self.restrict is not None and not self.restrict.contains(chrom, pos):
            return
        for collector in self.loci.values():
            if collector.regions.regions:
                collector.regions.add(chrom, pos)

    def _dispatch(self, record: cyvcf2.Variant, chrom: str, where: str) -> None:
        self.vcf.check(record, where)
        pos = record.POS
        self.vote_index.count(self.votes, chrom, pos, record.REF)
        if self._dispatched is not None:
            self._dispatched.add((chrom, pos))
        if self.restrict is not None and not self.restrict.contains(chrom, pos):
            return
        alts = tuple(record.ALT)
        for collector in self.loci.values():
            collector.add(record, chrom, alts, self.decoder, where)
        if self._dispatched is not None:
            return  # the scores are read from the text
        for b, positions in self.score_positions.items():
            if (chrom, pos) in positions:
                self.scores[b].add(self.vcf, record, chrom, where)

    def settle(self, detection: BuildDetection) -> None:
        """After a shared pass: the last score positions handed to their sinks; the REF mismatches at the settled
        build's knowledge sites refused as :meth:`batch` refuses them; the other build's collectors dropped and the
        records' genotypes let go once each site's codes are worked out (memory then grows with sites x samples at
        one byte each, not with the records' genotype arrays)."""
        for scores in self.scores.values():
            scores.finish()
        self.loci = {key: collector for key, collector in self.loci.items() if key[1] is detection.build}
        for collector in self.loci.values():
            collector.code_table()  # each site's rows, its codes kept once in the table
        mismatches: list[RefMismatch] = []
        for consumer in self.request.loci:
            chosen = self.loci.get((consumer, detection.build))
            if chosen is not None:
                mismatches += [m for number in chosen.read_sites() for m in chosen.site_rows(number).mismatches]
        _refuse_mismatches(mismatches, self.votes, self.vcf.label, detection)
        for collector in self.loci.values():
            collector.release()
        self.decoder.release()

    def release(self, batch: GenomeBatch) -> None:
        """Once ``batch`` holds every sample's calls: the records' genotype arrays let go (the batch's sites keep
        their codes), so a block's pass holds its records' genotypes only while it reads."""
        for collector in batch.collected.values():
            collector.release()
        self.decoder.release()

    def subset(self, rows: Sequence[int]) -> _Pass:
        """This pass as if it had read only the samples at ``rows`` (file order): every per-sample array cut."""
        view = copy.copy(self)
        cut = _Rows(rows)
        view.decoder = self.decoder.subset(cut.take)
        view.loci = {key: collector.subset(cut.take) for key, collector in self.loci.items()}
        view.copy_numbers = {b: collector.subset(rows) for b, collector in self.copy_numbers.items()}
        return view

    def batch(self, samples: list[str], detection: BuildDetection, policy: AbsentPolicy) -> GenomeBatch:
        chosen = detection.build
        warnings: list[str] = []
        genotypes: dict[str, SampleCalls] = {}
        absent_sites: dict[str, list[list[AbsentSites]]] = {}
        mismatches: list[RefMismatch] = []
        coverage: list[RegionCoverage] = []
        for consumer, per_build in self.request.loci.items():
            collector = self.loci.get((consumer, chosen))
            if collector is None:
                known = ", ".join(sorted(b.value for b in per_build)) or "no build"
                warnings.append(f"{consumer}: the knowledge has {known} positions only; the VCF is {chosen}")
                continue
            calls, missing, found, notes = collector.calls(samples, self.decoder, policy.absent_is_reference)
            genotypes[consumer] = calls
            absent_sites[consumer] = missing
            mismatches += found
            warnings += notes
            for region, count in zip(collector.regions.regions, collector.regions.counts, strict=True):
                coverage.append(
                    RegionCoverage(
                        consumer=consumer,
                        name=region.name,
                        chrom=region.chrom,
                        start=region.start,
                        end=region.end,
                        records=count,
                    )
                )
        _refuse_mismatches(mismatches, self.votes, self.vcf.label, detection)
        if self.candidates is not None and not self._every_record:
            warnings.append(
                "diagnosis candidates: the VCF has no consequence annotation (VEP CSQ or snpEff ANN), so only the "
                f"{sum(map(len, self._candidate_sites.values()))} positions of known classified alleles were read "
                "for candidate variants, not every record"
            )
        scores = self.scores.get(chosen)
        return GenomeBatch(
            source=GenomeSource(
                label=self.vcf.label,
                format=self.vcf.header.kind,
                indexed=self.vcf.indexed,
                read=self.mode,
                records_read=self.records_read,
                samples_in_file=len(self.vcf.all_samples),
            ),
            samples=samples,
            build=detection,
            absent=policy,
            genotypes=genotypes,
            absent_sites=absent_sites,
            score_groups=scores.finish() if scores is not None else (None if not self.request.scores else []),
            candidates=self.candidates.result() if self.candidates is not None else None,
            coverage=coverage,
            ref_mismatches=mismatches,
            warnings=warnings,
            copy_number=self.copy_numbers.get(chosen),
            collected={consumer: self.loci[(consumer, chosen)] for consumer in genotypes},
            decoder=self.decoder,
        )


def _refuse_mismatches(
    mismatches: Sequence[RefMismatch], votes: BuildVotes, label: str, detection: BuildDetection
) -> None:
    sites = {(m.consumer, m.key) for m in mismatches}
    if len(sites) <= MAX_REF_MISMATCHES:
        return
    shown = "; ".join(f"{m.key} VCF {m.vcf_ref} vs {m.knowledge_ref} ({m.where})" for m in mismatches[:3])
    raise InputError(
        f"REF bases disagree with the knowledge at {len(sites)} sites ({shown}); a file in another build than "
        f"{detection.build} ({detection.source.value}: {detection.detail}) or a broken file cannot be read safely "
        f"(REF votes: {votes.summary()})",
        source=label,
    )


def _revisited(regions: Sequence[Region]) -> set[Region]:
    """The regions whose records a later region may return again: every region of a chromosome whose regions are
    not in order and apart (a pass's own regions are; a region partition's range with the markers around it may not
    be)."""
    by_chrom: dict[str, list[Region]] = {}
    for region in regions:
        by_chrom.setdefault(region[0], []).append(region)
    found: set[Region] = set()
    for listed in by_chrom.values():
        if any(later[1] <= earlier[2] for earlier, later in pairwise(listed)):
            found.update(listed)
    return found


def _pairs(positions: dict[str, set[int]]) -> set[tuple[str, int]]:
    return {(chrom, pos) for chrom, found in positions.items() for pos in found}


class _Rows:
    """Some samples' rows of a pass's per-sample arrays (a plain slice when they are consecutive)."""

    def __init__(self, rows: Sequence[int]) -> None:
        consecutive = bool(rows) and rows[-1] - rows[0] == len(rows) - 1
        self._index: slice | npt.NDArray[np.intp] = (
            slice(rows[0], rows[-1] + 1) if consecutive else np.asarray(rows, dtype=np.intp)
        )

    def take(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values[self._index]
