"""One partition of a cohort run: read its samples once at every analysis's positions, analyse, write Parquet.

The partition's samples are read in one pass (:func:`tailormed.evidence.read_genomes`) for all requested analyses:
the PGx and ClinVar loci the engines ask the knowledge for, the scoring files' positions and the build markers.
Each person then gets the rows of the same engines as a single-patient ``analyze``
(:func:`tailormed.pipeline.analyze.run_engines`) on their own evidence from that pass: PGx worked out once per
distinct result (:mod:`tailormed.cohort.pgx_block`), hereditary findings only for the people carrying a ClinVar allele
(:mod:`tailormed.cohort.hereditary_block`), the other engines person by person. Consecutive blocks share one such
pass (:func:`read_groups`, :func:`run_group`): every analysis's reads, whatever the input, are done once for the
group's samples, each block's evidence and scores then cut out, and each block written and resumed on its own.

A region partition reads only its range of the scores' sites (through the VCF index) for every sample and writes
their partial sums; :func:`merge_regions` adds them, region after region, into each block's ``prs_scores`` table and
checks each score's overlap on the whole.

Missing genotypes are never mean-imputed in a cohort run: a person's score then depends only on their own
genotypes, so it is the same whichever block (or cohort) they are in, and equals their single-patient score.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa

from tailormed.cohort.hereditary_block import hereditary_block
from tailormed.cohort.pgx_block import BlockPgx, pgx_block
from tailormed.cohort.plan import Analysis, CohortPlan, InputKind, Partition, default_patient, read_records
from tailormed.cohort.tables import (
    HEREDITARY_TABLE,
    PGX_CALLS_TABLE,
    PGX_RECOMMENDATIONS_TABLE,
    PRS_SCHEMA,
    PRS_TABLE,
    RISK_TABLE,
    Rows,
    arrow_without_pandas,
    hereditary_rows,
    pgx_call_rows,
    prs_table,
    read_parquet,
    recommendation_rows,
    risk_rows,
    rows_table,
    write_parquet_atomic,
)
from tailormed.collector import paused as collector_paused
from tailormed.engines.pgx.cohort_match import MatchMemo
from tailormed.engines.prs.matching import MatchOptions
from tailormed.engines.prs.scoring import Imputation, PrsRun
from tailormed.errors import InputError
from tailormed.evidence.bed import RegionSet, read_bed
from tailormed.evidence.bgen import BgenInput, indexed
from tailormed.evidence.pgen import PgenFileset, write_pgen_vcf
from tailormed.evidence.plan import query_regions
from tailormed.evidence.read import GenomeBatch, ScoreSink, SharedRead, Source, read_genomes, read_shared
from tailormed.evidence.reader import GenomeInput
from tailormed.evidence.written import WrittenVcf
from tailormed.knowledge import markers
from tailormed.knowledge.bundle import KnowledgeBundle, load_bundle
from tailormed.knowledge.pgs_scoring import ScoringFile
from tailormed.model.evidence import AbsentPolicy, GenomeRequest
from tailormed.model.genotype import BuildDetection, GenomeBuild
from tailormed.model.patient import Patient
from tailormed.pipeline import prs
from tailormed.pipeline.analyze import genome_request, run_engines
from tailormed.pipeline.engines import run_order
from tailormed.pipeline.plausible import plausibility

#: What a read gives: one partition's batch, or a pass shared by several blocks.
Read = TypeVar("Read", GenomeBatch, SharedRead)
MARKERS = "_partitions"
#: Where region partitions write their partial score tables (outside the tables a reader globs).
REGIONS = "_regions"
#: Where a run keeps the index it builds for a BGEN file that has none beside it.
BGEN_INDEX = "_bgen_index"
#: The tables each analysis writes.
TABLES: dict[Analysis, tuple[str, ...]] = {
    Analysis.PGX: (PGX_CALLS_TABLE, PGX_RECOMMENDATIONS_TABLE),
    Analysis.PRS: (PRS_TABLE,),
    Analysis.HEREDITARY: (HEREDITARY_TABLE,),
    Analysis.RISK: (RISK_TABLE,),
}
#: Samples one shared pass reads at most (:func:`read_groups`): its genotype arrays (about 6 bytes per sample and
#: record read) stay in memory while its blocks are computed, about 330 MB at the 11,000 ClinVar sites of a bundle.
SHARED_READ_SAMPLES = 5000
#: Why ``risk`` is left out of a run without per-sample records.
RISK_NEEDS_RECORDS = (
    "not run: the risk equations need each person's age, sex, blood pressure, cholesterol and history, "
    "which a genotype file does not hold; give them with --records"
)


def marker_path(out: Path, partition: Partition) -> Path:
    return out / MARKERS / f"{partition.name}.json"


def table_path(out: Path, table: str, partition: Partition) -> Path:
    base = out if partition.region is None else out / REGIONS
    return base / table / partition.name / "part-0.parquet"


def run_analyses(plan: CohortPlan) -> list[Analysis]:
    """The analyses that run: ``risk`` only with per-sample records (else :data:`RISK_NEEDS_RECORDS`)."""
    return [a for a in plan.analyses if a is not Analysis.RISK or plan.records is not None]


def unit_analyses(plan: CohortPlan, partition: Partition) -> list[Analysis]:
    """What one partition computes: a region partition its scores only, its block partition all but the scores."""
    analyses = run_analyses(plan)
    if partition.region is not None:
        return [Analysis.PRS]
    if plan.regions:
        return [a for a in analyses if a is not Analysis.PRS]
    return analyses


def tables_of(plan: CohortPlan) -> list[str]:
    return [table for analysis in run_analyses(plan) for table in TABLES[analysis]]


def finished(plan: CohortPlan, partition: Partition, out: Path) -> bool:
    """The partition's marker carries this plan's fingerprint and its tables are there."""
    marker = marker_path(out, partition)
    if not marker.is_file():
        return False
    try:
        saved = json.loads(marker.read_text())
    except json.JSONDecodeError:
        return False
    tables = saved.get("tables", [])
    return saved.get("fingerprint") == plan.fingerprint and all(
        table_path(out, table, partition).is_file() for table in tables
    )


@lru_cache(maxsize=1)
def _bundle(kb: str | None) -> KnowledgeBundle:
    """The run's knowledge bundle, loaded once per worker process (one run, one bundle)."""
    return load_bundle(Path(kb) if kb is not None else None)


@lru_cache(maxsize=1)
def _memo(kb: object) -> MatchMemo:
    """The PGx calls of genotype patterns already matched by this worker process (bounded), for the run's bundle."""
    return MatchMemo()


@lru_cache(maxsize=1)
def _scores(paths: tuple[str, ...]) -> list[ScoringFile]:
    """The run's scoring files, read once per worker process (a region partition would otherwise reread them)."""
    return prs.read_scores([Path(path) for path in paths])


@lru_cache(maxsize=1)
def _score_request(paths: tuple[str, ...]) -> GenomeRequest:
    """The scoring files' positions, listed once per worker process (a region partition keeps its range of them)."""
    return prs.score_request(_scores(paths))


@lru_cache(maxsize=1)
def restriction(path: str | None) -> RegionSet | None:
    """The regions of ``--regions`` every analysis is restricted to, read once per worker process."""
    return read_bed(Path(path)) if path is not None else None


@lru_cache(maxsize=1)
def _records(path: str | None, kb: str | None) -> dict[str, Patient]:
    return read_records(Path(path), plausibility(_bundle(kb))) if path is not None else {}


def patients_of(plan: CohortPlan, partition: Partition) -> list[Patient]:
    """Each sample's record, else a record that knows only the sample ID."""
    records = _records(plan.records, plan.kb)
    return [records.get(sample) or default_patient(sample) for sample in partition.samples]


def partition_request(
    plan: CohortPlan, bundle: KnowledgeBundle, patients: Sequence[Patient], partition: Partition | None = None
) -> GenomeRequest:
    """What one pass over the partition must collect: every person's engine needs, the scores, the build markers.

    The engines' genome needs depend on a person only through sex (sex-specific panel scores) and consent
    (secondary findings), so they are asked once per such group, not once per person.
    """
    analyses = unit_analyses(plan, partition) if partition is not None else run_analyses(plan)
    region = partition.region if partition is not None else None
    found = markers.build_markers(bundle)
    if region is not None:  # a region's pass votes on the build with the markers in its range, in one query
        grch38 = plan.build is GenomeBuild.GRCH38
        found = [m for m in found if region.contains(m.chrom, m.grch38_pos if grch38 else m.grch37_pos)]
    request = GenomeRequest(markers=found)
    engines = [a.engine for a in analyses if a.engine is not None]
    if engines:
        seen: set[str] = set()
        for patient in patients:
            key = _request_key(patient)
            if key not in seen:
                seen.add(key)
                request = request.merged(genome_request(patient, bundle, engines))
    if Analysis.PRS in analyses and plan.input_kind is not InputKind.PGEN and plan.scores_pgen is None:
        scores = _score_request(tuple(plan.scoring))
        if region is not None:
            assert plan.build is not None  # the plan refuses regions without a build
            every = scores.scores.get(plan.build)
            sites = every.sites() if every is not None else []
            rows = [row for row, (chrom, pos) in enumerate(sites) if region.contains(chrom, pos)]
            scores = GenomeRequest(scores={plan.build: every.take(rows)} if every is not None and rows else {})
        request = request.merged(scores)
    return request


def prepare_run(plan: CohortPlan, out: Path) -> None:
    """What the run reads once before its partitions: a BGEN file's index (its own ``.bgi``, else one built here
    from a single walk over its variant headers), so no block walks every header again."""
    if plan.input_kind is InputKind.BGEN:
        bgen_source(plan, out)


def bgen_source(plan: CohortPlan, out: Path) -> BgenInput:
    """The run's BGEN file (checked whole when the run was planned) read through its index, once per process."""
    return _bgen_source(plan.input, plan.sample_file, out / BGEN_INDEX)


@lru_cache(maxsize=1)
def _bgen_source(path: str, sample_file: str | None, folder: Path) -> BgenInput:
    return indexed(BgenInput.open(Path(path), Path(sample_file) if sample_file else None, check=False), folder)


def read_partition(
    plan: CohortPlan,
    partition: Partition,
    request: GenomeRequest,
    scoring: PartitionScoring | None = None,
    out: Path | None = None,
) -> GenomeBatch:
    """The partition's own pass over the run's input (a region partition's through the VCF index)."""
    absent = AbsentPolicy.resolve(True if plan.absent_is_reference else None, None)
    region = partition.region

    def read(source: Source, asked: GenomeRequest, sink: ScoreSink | None) -> GenomeBatch:
        return read_genomes(source, asked, samples=partition.samples, build=plan.build, absent=absent,
                            score_sink=sink, within=(region.chrom, region.start, region.end) if region else None,
                            restrict=restriction(plan.restrict_to))  # fmt: skip

    return read_input(plan, partition.samples, request, scoring, out, read)


def read_group_pass(
    plan: CohortPlan,
    samples: Sequence[str],
    request: GenomeRequest,
    scoring: PartitionScoring | None = None,
    out: Path | None = None,
) -> SharedRead:
    """One pass over the run's input for the samples of several blocks, each block's batch then cut out of it."""
    absent = AbsentPolicy.resolve(True if plan.absent_is_reference else None, None)

    def read(source: Source, asked: GenomeRequest, sink: ScoreSink | None) -> SharedRead:
        return read_shared(source, asked, samples, build=plan.build, absent=absent,
                           restrict=restriction(plan.restrict_to), score_sink=sink)  # fmt: skip

    return read_input(plan, samples, request, scoring, out, read)


def read_input(
    plan: CohortPlan,
    samples: Sequence[str],
    request: GenomeRequest,
    scoring: PartitionScoring | None,
    out: Path | None,
    read: Callable[[Source, GenomeRequest, ScoreSink | None], Read],
) -> Read:
    """``read`` over the run's input: a VCF itself; a PLINK 2 fileset's or a BGEN's variants at the request's sites
    for ``samples``, written as a VCF; the scores (``scoring``) summed as their sites are read."""
    sink = scoring.stream if scoring is not None else None
    if plan.input_kind is InputKind.PGEN:
        return read_pgen_samples(plan, samples, request, read)
    if plan.input_kind is InputKind.BGEN:
        assert out is not None  # a BGEN run keeps its index in the output folder
        return read_bgen_samples(plan, samples, request, sink, bgen_source(plan, out), read)
    return read(Path(plan.input), request, sink)


def read_pgen_samples(
    plan: CohortPlan,
    samples: Sequence[str],
    request: GenomeRequest,
    read: Callable[[Source, GenomeRequest, ScoreSink | None], Read],
) -> Read:
    """The engines' evidence from a PLINK 2 fileset: its variants in the request's regions, for ``samples``, written
    as a VCF (:func:`tailormed.evidence.pgen.write_pgen_vcf`) and read as any VCF is read; an error in what was
    written names the fileset and the ``.pvar`` line of the variant, not the temporary VCF."""
    assert plan.build is not None  # the plan refuses a fileset without a build
    fileset = PgenFileset.open(Path(plan.input))
    regions = query_regions(request, [plan.build])
    return _read_written(
        lambda vcf: write_pgen_vcf(fileset, regions, samples, vcf),
        f"{fileset.label} (its variants at the requested sites)",
        fileset.label,
        request,
        read,
    )


def read_bgen_samples(
    plan: CohortPlan,
    samples: Sequence[str],
    request: GenomeRequest,
    sink: ScoreSink | None,
    source: BgenInput,
    read: Callable[[Source, GenomeRequest, ScoreSink | None], Read],
) -> Read:
    """Every analysis's evidence from a BGEN file: the engines' calls in the request's regions, for ``samples``,
    written as a VCF (:func:`tailormed.evidence.bgen.write_bgen_vcf`) and read as any VCF is read; the scores'
    sites (``sink``) read straight from the probabilities, calls or dosages
    (:func:`tailormed.evidence.bgen.read_bgen_sites`)."""
    from tailormed.evidence.bgen import read_bgen_sites, write_bgen_vcf

    assert plan.build is not None  # the plan refuses a BGEN without a build
    if sink is not None:
        stream = sink(plan.build, samples)
        inside = restriction(plan.restrict_to)
        wanted = request.scores.get(plan.build)
        positions = {
            (chrom, pos)
            for chrom, pos in (wanted.sites() if wanted is not None else [])
            if inside is None or inside.contains(chrom, pos)
        }
        for group in read_bgen_sites(source, positions, samples):
            stream.add(group)
    engines = request.model_copy(update={"scores": {}})
    regions = query_regions(engines, [plan.build])
    return _read_written(
        lambda vcf: write_bgen_vcf(source, regions, samples, vcf),
        f"{source.label} (its calls at the requested sites)",
        source.label,
        engines,
        read,
    )


def _read_written(
    write: Callable[[Path], WrittenVcf],
    label: str,
    original: str,
    request: GenomeRequest,
    read: Callable[[Source, GenomeRequest, ScoreSink | None], Read],
) -> Read:
    """``read`` what ``write`` puts in a temporary VCF as any VCF is read (named ``label``); an error in it is told
    as the same error about ``original``, naming the variant instead of the temporary file's line."""
    with tempfile.TemporaryDirectory(prefix="tailormed-sites-") as folder:
        vcf = Path(folder) / "sites.vcf"
        written = write(vcf)
        source = GenomeInput(label=label, path=vcf)
        try:
            return read(source, request, None)
        except InputError as error:
            if error.source != source.label:
                raise
            raise written.renamed(error, original) from None


class PartitionScoring:
    """The scoring files summed as the pass reads their sites (as ``prs score`` sums them), one stream per candidate
    build: a partition holds the scores' match logs and sums, never the genotypes of every scored variant."""

    def __init__(self, plan: CohortPlan, bundle: KnowledgeBundle) -> None:
        self.plan = plan
        self.bundle = bundle
        self.scores = _scores(tuple(plan.scoring))
        self.options = MatchOptions(min_overlap=plan.min_overlap, absent_is_reference=plan.absent_is_reference)
        self.streams: dict[GenomeBuild, prs.ScoreStream] = {}

    def stream(self, build: GenomeBuild, samples: Sequence[str]) -> prs.ScoreStream:
        self.streams[build] = prs.ScoreStream(
            self.scores, build, samples, self.options, Imputation.NONE, self._references(build)
        )
        return self.streams[build]

    def _references(self, build: GenomeBuild) -> dict[tuple[str, int], str] | None:
        return prs.bundle_reference_alleles(self.bundle, build) if self.plan.absent_is_reference else None

    def finish(self, source: str, detection: BuildDetection, samples: Sequence[str], *, whole: bool = True) -> PrsRun:
        """The scores of the pass over ``samples`` in the build it settled; overlap below the minimum or an unknown
        reference fails (a region's part of the scores, ``whole=False``, is checked once the regions are added)."""
        build = detection.build
        chosen = self.streams.get(build) or prs.ScoreStream(
            self.scores, build, samples, self.options, Imputation.NONE, self._references(build)
        )
        run = chosen.finish(source=source, build=detection)
        if not whole:
            return run
        for failure in (prs.overlap_error(run), prs.unknown_reference_error(run, fasta=False)):
            if failure is not None:
                raise failure
        return run


def score_pgen_samples(plan: CohortPlan, samples: Sequence[str]) -> PrsRun:
    """The scores of ``samples`` from the run's PLINK 2 fileset; overlap below the minimum fails."""
    assert plan.build is not None  # the plan refuses a fileset without a build
    scores = _scores(tuple(plan.scoring))
    run = prs.score_pgen(
        Path(plan.scores_pgen or plan.input),
        scores,
        plan.build,
        samples=samples,
        options=MatchOptions(min_overlap=plan.min_overlap),
        imputation=Imputation.NONE,
        restrict=restriction(plan.restrict_to),
    )
    failure = prs.overlap_error(run)
    if failure is not None:
        raise failure
    return run


def shareable(plan: CohortPlan, partition: Partition) -> bool:
    """Whether the block can be cut out of a pass shared with other blocks (:func:`run_group`): a sample block of
    several samples (a one-sample pass reads a file's INFO depth as the sample's; a region partition reads every
    sample already), whatever the input and analyses."""
    return partition.region is None and len(partition.samples) > 1


def request_key(plan: CohortPlan, partition: Partition) -> frozenset[str]:
    """What a block's pass is asked for depends on its people only through this (see :func:`partition_request`):
    nothing when it runs no engine."""
    if not any(analysis.engine is not None for analysis in unit_analyses(plan, partition)):
        return frozenset()
    return frozenset(_request_key(patient) for patient in patients_of(plan, partition))


def _request_key(patient: Patient) -> str:
    return patient.model_dump_json(include={"demographics": {"sex"}, "consent": True})


def read_groups(plan: CohortPlan, todo: Sequence[Partition], parallel: int = 1) -> list[list[Partition]]:
    """The partitions in groups that share one pass: consecutive shareable blocks whose passes would be asked the
    same, up to :data:`SHARED_READ_SAMPLES` samples a group, and split further while fewer groups than ``parallel``
    (the workers) would leave some idle; every other partition alone."""
    groups: list[list[Partition]] = []
    keys: list[frozenset[str] | None] = []
    for partition in todo:
        key = request_key(plan, partition) if shareable(plan, partition) else None
        if (
            groups
            and key is not None
            and keys[-1] == key
            and sum(len(p.samples) for p in groups[-1]) + len(partition.samples) <= SHARED_READ_SAMPLES
        ):
            groups[-1].append(partition)
        else:
            groups.append([partition])
            keys.append(key)
    while len(groups) < parallel:
        largest = max(range(len(groups)), key=lambda i: len(groups[i]), default=None)
        if largest is None or len(groups[largest]) < 2:
            break
        group = groups[largest]
        groups[largest : largest + 1] = [group[: len(group) // 2], group[len(group) // 2 :]]
    return groups


@collector_paused()
def run_group(plan: CohortPlan, group: Sequence[Partition], out: Path) -> list[dict[str, object]]:
    """Compute a group of partitions from :func:`read_groups`: several blocks from one pass over all their samples
    (each block then as :func:`run_partition` computes it alone, writing its own tables and marker), any other
    partition alone."""
    if len(group) < 2:
        return [run_partition(plan, partition, out) for partition in group]
    arrow_without_pandas()
    shared, scores = read_group(plan, group, out)
    names = [partition.name for partition in group]
    pgx_tables = _group_pgx(plan, group, shared) if shared is not None else None
    done: list[dict[str, object]] = []
    first = 0
    for partition in group:
        stop = first + len(partition.samples)
        done.append(
            run_partition(
                plan,
                partition,
                out,
                batch=shared.batch(partition.samples) if shared is not None else None,
                scored=scores.part(partition.samples) if scores is not None else None,
                read_with=names,
                pgx=pgx_tables.part(first, stop) if pgx_tables is not None else None,
            )
        )
        first = stop
    return done


def read_group(plan: CohortPlan, group: Sequence[Partition], out: Path) -> tuple[SharedRead | None, PrsRun | None]:
    """The one pass of a group's blocks (None when only scores are read from a PLINK 2 fileset) and the scores of all
    their samples (None without ``prs``), summed as the pass reads their sites or from the fileset."""
    samples = [sample for partition in group for sample in partition.samples]
    if plan.input_kind is InputKind.PGEN and not plan.engines:
        return None, score_pgen_samples(plan, samples)
    bundle = _bundle(plan.kb)
    analyses = unit_analyses(plan, group[0])
    by_vcf = plan.input_kind is not InputKind.PGEN and not plan.scores_pgen
    scoring = PartitionScoring(plan, bundle) if Analysis.PRS in analyses and by_vcf else None
    request = partition_request(plan, bundle, patients_of(plan, group[0]), group[0])
    shared = read_group_pass(plan, samples, request, scoring, out)
    if Analysis.PRS not in analyses:
        return shared, None
    if scoring is None:
        return shared, score_pgen_samples(plan, samples)
    return shared, scoring.finish(shared.label, shared.detection, shared.samples)


def _group_pgx(plan: CohortPlan, group: Sequence[Partition], shared: SharedRead) -> BlockPgx | None:
    """The PGx tables of the whole group at once (each block then takes its people's rows, :meth:`BlockPgx.part`):
    the distinct results of a smaller block are mostly those of the group again, worked out once here."""
    if Analysis.PGX not in unit_analyses(plan, group[0]):
        return None
    samples = [sample for partition in group for sample in partition.samples]
    patients = [patient for partition in group for patient in patients_of(plan, partition)]
    bundle = _bundle(plan.kb)
    return pgx_block(shared.batch(samples), samples, patients, bundle, on=plan.on or date.today(),
                     memo=_memo(bundle.location))  # fmt: skip


@collector_paused()
def run_partition(
    plan: CohortPlan,
    partition: Partition,
    out: Path,
    *,
    batch: GenomeBatch | None = None,
    scored: PrsRun | None = None,
    read_with: Sequence[str] = (),
    pgx: BlockPgx | None = None,
) -> dict[str, object]:
    """Compute one partition and write its tables, then its marker (the marker last: it means "finished").

    ``batch``: the block's evidence cut out of a pass shared with the blocks ``read_with`` (:func:`run_group`),
    instead of a pass of its own; ``scored``, ``pgx``: its scores and PGx tables cut out of those of the blocks
    sharing the pass. With the
    cycle collector paused: a block's calls, results and rows hold no reference cycles, and collections walking them
    cost more than making them (1-2 CPU-s of a 10,000-person PGx block)."""
    started = time.perf_counter()
    arrow_without_pandas()
    analyses = unit_analyses(plan, partition)
    tables: dict[str, pa.Table] = {}
    skipped: dict[str, Counter[str]] = {}
    reading: dict[str, object] = {}
    versions: dict[str, dict[str, str]] = {}
    bundle = _bundle(plan.kb)
    if plan.input_kind is InputKind.PGEN and not plan.engines:
        run = scored or score_pgen_samples(plan, partition.samples)
        build = run.build
        tables[PRS_TABLE] = prs_table(run)
    else:
        patients = patients_of(plan, partition)
        by_vcf = plan.input_kind is not InputKind.PGEN and not plan.scores_pgen
        scoring = PartitionScoring(plan, bundle) if Analysis.PRS in analyses and by_vcf and scored is None else None
        if batch is None:
            request = partition_request(plan, bundle, patients, partition)
            batch = read_partition(plan, partition, request, scoring, out)
        build = batch.build
        reading = {"read": batch.source.read.value, "records_read": batch.source.records_read}
        if Analysis.PRS in analyses:
            if scored is None:
                scored = (
                    scoring.finish(batch.source.label, batch.build, batch.samples, whole=partition.region is None)
                    if scoring is not None
                    else score_pgen_samples(plan, partition.samples)
                )
            tables[PRS_TABLE] = prs_table(scored)
        rows: dict[str, Rows] = {table: [] for analysis in analyses if analysis is not Analysis.PRS
                                 for table in TABLES[analysis]}
        engines = [a.engine for a in analyses if a.engine is not None]
        on = plan.on or date.today()
        block = None
        if Analysis.PGX in analyses:
            block = pgx or pgx_block(batch, partition.samples, patients, bundle, on=on, memo=_memo(bundle.location))
        if block is not None:
            engines.remove("pgx")
            del rows[PGX_CALLS_TABLE], rows[PGX_RECOMMENDATIONS_TABLE]
            tables[PGX_CALLS_TABLE], tables[PGX_RECOMMENDATIONS_TABLE] = block.calls, block.recommendations
            versions["pgx"] = dict(block.versions)
        others = [name for name in engines if name != "hereditary"]
        if Analysis.HEREDITARY in analyses and "hereditary" not in {spec.name for spec in run_order(others)}:
            carriers = hereditary_block(batch, partition.samples, patients, bundle)
            engines = others
            del rows[HEREDITARY_TABLE]
            tables[HEREDITARY_TABLE] = carriers.table
            if partition.samples:
                versions.setdefault("hereditary", {}).update(carriers.versions)
            if carriers.skipped:
                skipped["hereditary"] = carriers.skipped
        if engines:
            for sample, patient in zip(partition.samples, patients, strict=True):
                runs = run_engines(patient, batch.evidence(sample), bundle, on=on, engines=engines)
                for name, engine_run in runs.items():
                    versions.setdefault(name, {}).update(engine_run.versions)
                    if engine_run.skipped is not None and name in engines:
                        skipped.setdefault(name, Counter())[engine_run.skipped] += 1
                if "pgx" in engines:
                    rows[PGX_CALLS_TABLE] += pgx_call_rows(runs["pgx"])
                    rows[PGX_RECOMMENDATIONS_TABLE] += recommendation_rows(sample, runs["pgx"])
                if Analysis.HEREDITARY in analyses:
                    rows[HEREDITARY_TABLE] += hereditary_rows(runs["hereditary"])
                if Analysis.RISK in analyses:
                    rows[RISK_TABLE] += risk_rows(sample, runs["risk"])
        for table, found in rows.items():
            tables[table] = rows_table(table, found)
    if read_with:
        reading["read_with"] = list(read_with)
    for table, content in tables.items():
        write_parquet_atomic(content, table_path(out, table, partition))
    summary: dict[str, object] = {
        "partition": partition.name,
        "fingerprint": plan.fingerprint,
        "samples": len(partition.samples),
        "tables": list(tables),
        "build": build.model_dump(mode="json"),
        "knowledge": {name: dict(sorted(used.items())) for name, used in sorted(versions.items())},
        "skipped": {name: dict(sorted(reasons.items())) for name, reasons in sorted(skipped.items())},
        "seconds": round(time.perf_counter() - started, 3),
        **reading,
        "pid": os.getpid(),
    }
    marker = marker_path(out, partition)
    marker.parent.mkdir(parents=True, exist_ok=True)
    temporary = marker.with_suffix(".tmp")
    temporary.write_text(json.dumps(summary, indent=1) + "\n")
    temporary.replace(marker)
    return summary


def merge_regions(plan: CohortPlan, out: Path) -> None:
    """Each block's ``prs_scores`` table from the region partitions' partial tables: sums, denominators, missing
    genotypes and matched variants added region after region; each score's overlap is checked on the whole."""
    parts = [read_parquet(table_path(out, PRS_TABLE, unit)) for unit in plan.units if unit.region is not None]
    first = parts[0]
    sums = np.zeros(first.num_rows)
    denom = np.zeros(first.num_rows)
    missing = np.zeros(first.num_rows, dtype=np.int64)
    matched = np.zeros(first.num_rows, dtype=np.int64)
    for part in parts:
        sums = sums + part.column("sum").to_numpy()
        denom = denom + part.column("denom").to_numpy()
        missing = missing + part.column("missing_genotypes").to_numpy()
        matched = matched + part.column("variants_matched").to_numpy()
    total = first.column("variants_total").to_numpy()
    rate = np.divide(matched, total, out=np.zeros(len(total)), where=total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        avg = np.where(denom > 0, sums / np.where(denom > 0, denom, 1.0), np.nan)
    scores = first.column("pgs_id").to_pylist()
    failing = sorted({(name, int(m), int(t), float(r)) for name, m, t, r in zip(scores, matched, total, rate,
                                                                               strict=True) if r < plan.min_overlap})
    if failing:
        raise InputError(
            "; ".join(f"{name}: {m} of {t} variants matched ({prs.share_below(r, plan.min_overlap)} < "
                      f"{plan.min_overlap * 100:g}%)" for name, m, t, r in failing),
            source=plan.input,
        )
    whole = pa.table(
        {
            "sample": first.column("sample"),
            "pgs_id": first.column("pgs_id"),
            "sum": sums,
            "denom": denom,
            "avg": avg,
            "missing_genotypes": missing,
            "variants_matched": matched,
            "variants_total": total,
            "match_rate": rate,
        },
        schema=PRS_SCHEMA,
    )
    samples = first.column("sample").to_pylist()
    for block in plan.partitions:
        members = set(block.samples)
        rows = [row for row, sample in enumerate(samples) if sample in members]
        write_parquet_atomic(whole.take(rows), table_path(out, PRS_TABLE, block))
