"""What a cohort run is made of: its inputs with checksums, its options, and its partitions.

Partitions are sample blocks. With region partitions (``--region-size``, an indexed VCF and a known build) the
polygenic scores are computed instead in genomic ranges of the scores' sites, each read once through the index for
every sample of the run, so the scored records are parsed once in all (sample blocks would each parse all of them:
work growing with the square of the cohort). The engines (PGx genes whole, ClinVar sites) read their loci per block,
or once for a group of consecutive blocks cut out of one pass (:func:`tailormed.cohort.tasks.read_groups`), which
sums the scores of a sample-block run once for the whole group too.

The run's fingerprint (input checksums, scoring-file checksums, options, tailormed version) is written into the
manifest and into every partition's marker: a rerun skips a partition only when its marker carries the same
fingerprint, so changed inputs are never mixed with old results.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import Field, ValidationError

from tailormed.errors import InputError
from tailormed.intake.plausible import Plausibility
from tailormed.intake.record import patient_from_mapping
from tailormed.model.base import Contract
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Patient
from tailormed.version import __version__

#: Samples per partition unless the user says otherwise: bounds each worker's memory (sites x samples x 2 int16).
DEFAULT_BLOCK_SIZE = 500


class Analysis(StrEnum):
    """What a cohort run computes; all but ``prs`` (the given scoring files) are the single-patient engines."""

    PGX = "pgx"
    PRS = "prs"
    HEREDITARY = "hereditary"
    RISK = "risk"

    @property
    def engine(self) -> str | None:
        """The single-patient engine this analysis runs per person (None: ``prs`` scores the given files)."""
        return None if self is Analysis.PRS else self.value


class Engine(StrEnum):
    LOCAL = "local"
    SPARK = "spark"


class InputKind(StrEnum):
    VCF = "vcf"
    PGEN = "pgen"
    BGEN = "bgen"


class InputFile(Contract):
    path: str
    bytes: int
    sha256: str


class Region(Contract):
    """A genomic range of score sites (1-based, inclusive) that one region partition reads through the index."""

    index: int
    chrom: str
    start: int
    end: int

    @property
    def name(self) -> str:
        return f"region={self.index:05d}"

    def contains(self, chrom: str, pos: int) -> bool:
        return chrom == self.chrom and self.start <= pos <= self.end


class Partition(Contract):
    """One sample block, or one region of the scores over every sample; its name is its folder under each output."""

    index: int
    samples: list[str]
    region: Region | None = None

    @property
    def name(self) -> str:
        return f"block={self.index:05d}" if self.region is None else self.region.name


class CohortPlan(Contract):
    """Everything a partition needs to run, and the fingerprint that says whether earlier results still hold."""

    input_kind: InputKind
    input: str  # VCF path, PLINK 2 prefix or BGEN path
    sample_file: str | None = Field(default=None, description="The .sample file of a BGEN input (None: its own IDs)")
    scores_pgen: str | None = Field(
        default=None, description="PLINK 2 prefix prs reads when the engines read the VCF (--vcf with --pgen)"
    )
    build: GenomeBuild | None
    analyses: list[Analysis]
    scoring: list[str] = Field(default_factory=list)
    min_overlap: float
    block_size: int
    partitions: list[Partition]
    region_size: int | None = Field(default=None, description="Base pairs per region partition of the score sites")
    regions: list[Region] = Field(default_factory=list)
    files: list[InputFile]
    kb: str | None = Field(default=None, description="Knowledge bundle folder (None: the installed one)")
    knowledge: dict[str, str] = Field(default_factory=dict, description="Bundle source name -> version")
    records: str | None = Field(default=None, description="JSON Lines file of per-sample patient records")
    restrict_to: str | None = Field(
        default=None, description="BED file of the regions every analysis is restricted to (--regions)"
    )
    absent_is_reference: bool = False
    on: date | None = Field(default=None, description="The date the engines assess (ages, intervals)")
    version: str = __version__

    @property
    def engines(self) -> list[str]:
        """The single-patient engines the run calls per person (their needs are added when they run)."""
        return [name for name in (a.engine for a in self.analyses) if name is not None]

    @property
    def units(self) -> list[Partition]:
        """The partitions that run as tasks: the sample blocks, or with regions the blocks for the engines (when
        any runs), then one partition per score region over every sample."""
        if not self.regions:
            return self.partitions
        everyone = [sample for block in self.partitions for sample in block.samples]
        regions = [Partition(index=region.index, samples=everyone, region=region) for region in self.regions]
        return [*(self.partitions if self.engines else []), *regions]

    @property
    def fingerprint(self) -> str:
        settings = self.model_dump(mode="json", exclude={"partitions"})
        settings["samples"] = [p.samples for p in self.partitions]
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def checksum(path: Path) -> InputFile:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return InputFile(path=str(path), bytes=path.stat().st_size, sha256=digest.hexdigest())


def read_sample_list(path: Path) -> list[str]:
    """One sample ID per line (blank lines and ``#`` comments ignored); duplicates are an error."""
    if not path.is_file():
        raise InputError("sample list not found", source=path)
    found: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        sample = line.split("#", 1)[0].strip()
        if not sample:
            continue
        if sample in seen:
            raise InputError(f"sample {sample} is listed twice", source=path, location=f"line {number}")
        seen.add(sample)
        found.append(sample)
    if not found:
        raise InputError("the sample list names no sample", source=path)
    return found


def blocks(samples: Sequence[str], size: int) -> list[Partition]:
    """Consecutive sample blocks of ``size`` (the last one shorter).

    >>> [p.name for p in blocks(["a", "b", "c"], 2)], blocks(["a", "b", "c"], 2)[1].samples
    (['block=00000', 'block=00001'], ['c'])
    """
    if size < 1:
        raise InputError(f"block size must be at least 1, not {size}")
    starts = range(0, len(samples), size)
    return [Partition(index=i, samples=list(samples[start : start + size])) for i, start in enumerate(starts)]


def score_regions(sites: Iterable[tuple[str, int]], size: int) -> list[Region]:
    """Consecutive ranges of the sites, each spanning less than ``size`` base pairs, per chromosome in sorted order.

    >>> [(r.chrom, r.start, r.end) for r in score_regions([("1", 5), ("1", 30), ("2", 7), ("1", 12)], 10)]
    [('1', 5, 12), ('1', 30, 30), ('2', 7, 7)]
    """
    if size < 1:
        raise InputError(f"region size must be at least 1 base pair, not {size}")
    found: list[Region] = []
    for chrom, pos in sorted(set(sites), key=lambda site: (_chrom_key(site[0]), site[1])):
        last = found[-1] if found else None
        if last is not None and last.chrom == chrom and pos - last.start < size:
            found[-1] = last.model_copy(update={"end": pos})
        else:
            found.append(Region(index=len(found), chrom=chrom, start=pos, end=pos))
    return found


def _chrom_key(chrom: str) -> tuple[int, str]:
    name = chrom.removeprefix("chr")
    return (int(name), "") if name.isdigit() else (1000, name)


def read_records(path: Path, plausible: Plausibility) -> dict[str, Patient]:
    """Per-sample patient records, one JSON record per line (as ``analyze --record`` reads them), by sample, their
    measurements held to ``plausible`` (the run's bundle's ranges).

    A record names its sample in ``genome.sample``, else its ``id`` is the sample; a sample named twice is an error.
    """
    if not path.is_file():
        raise InputError("records file not found", source=path)
    found: dict[str, Patient] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not a JSON record: {exc.msg}", source=path, location=where) from None
        try:
            patient = patient_from_mapping(data, str(path), plausible)
        except InputError as exc:
            raise InputError(exc.message, source=path, location=where) from None
        sample = patient.genome.sample if patient.genome is not None and patient.genome.sample else patient.id
        if sample in found:
            raise InputError(f"sample {sample} has two records", source=path, location=where)
        found[sample] = patient
    if not found:
        raise InputError("the records file holds no record", source=path)
    return found


def default_patient(sample: str) -> Patient:
    """The person behind a sample without a record: only the sample ID is known (no medications, sex unknown)."""
    try:
        return Patient(id=sample)
    except ValidationError:
        raise InputError(
            f"sample ID {sample!r} cannot name a patient (letters, digits, '.', '_' and '-' only); "
            "give a record for it with --records"
        ) from None
