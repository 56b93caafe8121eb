"""Opening a VCF/BCF and reading its records, with every failure turned into an :class:`InputError`.

htslib (through cyvcf2) is fast and forgiving: it reports a broken record as a bare exception, and
lets through positions below 1, REF strings with non-bases, out-of-range genotype indices and
unsorted records. This module is the edge where those become one clear error naming the file and
the line (text VCF) or record (BCF, index queries).
"""

from __future__ import annotations

import gzip
import re
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import cyvcf2
import numpy as np
import numpy.typing as npt

from tailormed.errors import InputError
from tailormed.intake.build import (
    Contig,
    MarkerIndex,
    MarkerTally,
    build_from_header,
    build_from_markers,
)
from tailormed.model.chrom import canonical_chrom, file_names
from tailormed.model.genotype import BuildDetection, BuildMarker, BuildSource, GenomeBuild

Kind = Literal["vcf", "vcf.gz", "bcf"]

_FIXED_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
_REF = re.compile(r"^[ACGTNacgtn]+$")
_FIELD = re.compile(r'([A-Za-z_][A-Za-z0-9_.]*)=("[^"]*"|[^,>]*)')
_DEFINITION = re.compile(r"^##(FORMAT|INFO)=<(.*)>$")
# Index queries beat one streaming pass while the regions asked for are fewer than this share of the records.
INDEX_QUERY_RATIO = 0.01
PROGRESS_EVERY = 10_000
_PRIMARY_SPELLINGS = tuple(
    f"{prefix}{name}" for prefix in ("chr", "") for name in (*map(str, range(1, 23)), "X", "Y", "M", "MT")
)


@dataclass(frozen=True)
class Header:
    """What tailormed needs from a VCF header."""

    kind: Kind
    lines: int  # header lines before the first record (text VCF only; 0 for BCF)
    references: tuple[str, ...]
    contigs: tuple[Contig, ...]
    format_types: dict[str, str]
    info_types: dict[str, str]


def _open_text(path: Path, compressed: bool) -> Any:
    return gzip.open(path, "rt", encoding="utf-8") if compressed else path.open(encoding="utf-8")


def _text_header(path: Path, compressed: bool) -> int:
    """Check the text header ourselves (htslib's messages are vague) and count its lines."""
    count = 0
    first: str | None = None
    with _open_text(path, compressed) as handle:
        for raw in handle:
            line = raw.rstrip("\r\n")
            if first is None:
                first = line
                if not line.startswith("##fileformat=VCF"):
                    raise InputError(
                        "not a VCF: the first line is not '##fileformat=VCF...'", source=path, location="line 1"
                    )
            if not line.startswith("#"):
                raise InputError(
                    "no '#CHROM' header line before the first record", source=path, location=f"line {count + 1}"
                )
            count += 1
            if line.startswith("#CHROM"):
                columns = line.split("\t")
                if tuple(columns[:8]) != _FIXED_COLUMNS or (len(columns) > 8 and columns[8] != "FORMAT"):
                    raise InputError(
                        "malformed '#CHROM' line: expected tab-separated "
                        + ", ".join(_FIXED_COLUMNS)
                        + "[, FORMAT, samples]",
                        source=path,
                        location=f"line {count}",
                    )
                return count
    if first is None:
        raise InputError("file is empty", source=path)
    raise InputError("header ends without a '#CHROM' line", source=path, location=f"line {count}")


def _sniff(path: Path) -> tuple[Kind, int]:
    """The file's kind and its number of header lines, or an InputError saying what is wrong."""
    if not path.exists():
        raise InputError("file not found", source=path)
    if not path.is_file():
        raise InputError("not a regular file", source=path)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if not magic:
        raise InputError("file is empty", source=path)
    compressed = magic[:2] == b"\x1f\x8b"
    try:
        if compressed:
            with gzip.open(path, "rb") as handle:
                start = handle.read(5)
        else:
            start = magic
        if start[:3] == b"BCF":
            return "bcf", 0
        return ("vcf.gz" if compressed else "vcf"), _text_header(path, compressed)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputError(f"truncated or corrupt gzip data in the header ({exc})", source=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not a VCF: the header is not text (binary data)", source=path) from exc


def _definitions(raw_header: str) -> tuple[tuple[str, ...], tuple[Contig, ...], dict[str, str], dict[str, str]]:
    references: list[str] = []
    contigs: list[Contig] = []
    types: dict[str, dict[str, str]] = {"FORMAT": {}, "INFO": {}}
    for line in raw_header.splitlines():
        if line.startswith("##reference="):
            references.append(line[len("##reference=") :])
        elif line.startswith("##contig=<"):
            fields = {key: value.strip('"') for key, value in _FIELD.findall(line[len("##contig=<") :])}
            length = fields.get("length", "")
            contigs.append(
                Contig(
                    name=fields.get("ID", ""),
                    length=int(length) if length.isdigit() else None,
                    assembly=fields.get("assembly") or None,
                )
            )
        elif match := _DEFINITION.match(line):
            fields = {key: value.strip('"') for key, value in _FIELD.findall(match.group(2))}
            types[match.group(1)][fields.get("ID", "")] = fields.get("Type", "String")
    return tuple(references), tuple(contigs), types["FORMAT"], types["INFO"]


def open_vcf(path: Path) -> VcfFile:
    """Open a VCF (plain or bgzipped) or BCF; InputError for a missing file, non-VCF, bad header or truncated gzip."""
    path = Path(path)
    kind, lines = _sniff(path)
    try:
        reader = cyvcf2.VCF(str(path), gts012=False, strict_gt=False)
    except Exception as exc:  # cyvcf2 raises bare Exception/OSError for anything htslib rejects
        raise InputError(f"htslib cannot read this file as VCF/BCF ({exc})", source=path) from exc
    references, contigs, format_types, info_types = _definitions(reader.raw_header)
    header = Header(kind, lines, references, contigs, format_types, info_types)
    opened = VcfFile(path, reader, header)
    if kind != "bcf":
        # htslib crashes when a malformed record sits on a contig the header does not declare (it adds the
        # contig on the fly, then fails inside the error path); declaring the primary chromosomes in both
        # spellings up front keeps that path away from real chromosomes. The file itself is not touched.
        declared = {contig.name for contig in contigs}
        for name in dict.fromkeys([*_PRIMARY_SPELLINGS, *reader.seqnames]):
            if name not in declared:
                reader.add_to_header(f"##contig=<ID={name}>")
    return opened


class VcfFile:
    """An open VCF/BCF: samples, header facts, build detection and validated record iteration."""

    def __init__(self, path: Path, reader: cyvcf2.VCF, header: Header) -> None:
        self.path = path
        self.header = header
        self._reader = reader
        self.samples: list[str] = list(reader.samples)
        self._file_contigs = [*reader.seqnames, *(contig.name for contig in header.contigs)]
        self._all_samples = list(self.samples)
        index = [path.with_name(path.name + suffix) for suffix in (".tbi", ".csi")]
        self.indexed = header.kind != "vcf" and any(candidate.is_file() for candidate in index)
        self._read = 0

    def __enter__(self) -> VcfFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._reader.close()

    # -- samples ---------------------------------------------------------------------------------------------

    def select_samples(self, wanted: Sequence[str] | None) -> list[str]:
        """Restrict decoding to these samples (file order); InputError naming any the file lacks."""
        if wanted is None:
            return self.samples
        missing = [name for name in wanted if name not in set(self._all_samples)]
        if missing:
            shown = ", ".join(self._all_samples[:10]) + (" ..." if len(self._all_samples) > 10 else "")
            raise InputError(
                f"sample(s) not in the file: {', '.join(missing)}; "
                f"the file has {len(self._all_samples)}: {shown or 'none'}",
                source=self.path,
            )
        keep = set(wanted)
        self.samples = [name for name in self._all_samples if name in keep]
        self._reader.set_samples(self.samples)
        return self.samples

    # -- build -----------------------------------------------------------------------------------------------

    def header_build(self) -> BuildDetection | None:
        """The build the header states (None when silent); InputError when its lines contradict each other."""
        try:
            return build_from_header(self.header.references, self.header.contigs)
        except InputError as exc:
            raise InputError(exc.message, source=self.path, location="header") from exc

    def detect_build(self, markers: Sequence[BuildMarker] = (), override: GenomeBuild | None = None) -> BuildDetection:
        """Decide the build: the caller's override, else the header, else REF bases at marker sites."""
        if override is not None:
            return BuildDetection(build=override, source=BuildSource.USER, detail="given by the caller")
        stated = self.header_build()
        if stated is not None:
            return stated
        index = MarkerIndex(markers)
        if not index:
            raise self.undetermined_build("no build-marker sites were supplied")
        tally = MarkerTally.empty()
        positions = [(chrom, pos, pos) for chrom, pos in index.positions()]
        source = self.query(positions) if self.prefers_index(len(positions)) else self.records()
        for record in source:
            chrom = canonical_chrom(record.CHROM)
            if chrom is not None:
                index.count(tally, chrom, record.POS, record.REF)
        detected = build_from_markers(tally)
        if detected is None:
            raise self.undetermined_build(f"REF bases at marker sites are not conclusive ({tally.summary()})")
        return detected

    def undetermined_build(self, why: str) -> InputError:
        return InputError(
            "cannot tell the genome build: the header has no ##reference, known contig lengths or assembly, "
            f"and {why}; pass --build GRCh37|GRCh38",
            source=self.path,
        )

    # -- records ---------------------------------------------------------------------------------------------

    def location(self, ordinal: int) -> str:
        """Where the ordinal-th record (1-based) of a streaming pass is: a line for text VCF, a record for BCF."""
        return f"line {self.header.lines + ordinal}" if self.header.kind != "bcf" else f"record {ordinal}"

    @property
    def last_location(self) -> str:
        return self.location(self._read)

    def _check(self, record: cyvcf2.Variant, where: str) -> None:
        if record.POS < 1:
            raise InputError(f"position {record.POS} is less than 1", source=self.path, location=where)
        if int(record.end) < record.POS:  # htslib leaves REF unset (and cyvcf2 would crash reading it)
            raise InputError(
                "record has no REF allele (too few columns) or an END before its position",
                source=self.path,
                location=where,
            )
        if not _REF.match(record.REF):
            raise InputError(
                f"REF '{record.REF[:40]}' has characters other than A, C, G, T, N", source=self.path, location=where
            )

    def records(self, on_progress: Callable[[int], None] | None = None) -> Iterator[cyvcf2.Variant]:
        """Every record once, in file order, checked as it is read (positions, REF bases, sort order)."""
        iterator = iter(self._reader)
        self._read = 0
        previous: tuple[str, int] | None = None
        finished: set[str] = set()
        pending = 0
        while True:
            try:
                record = next(iterator)
            except StopIteration:
                break
            except Exception as exc:  # htslib's parse/decompression failure surfaces as a bare Exception
                raise InputError(
                    "cannot parse this record (malformed field, wrong number of columns, or truncated file); "
                    f"htslib: {exc}",
                    source=self.path,
                    location=self.location(self._read + 1),
                ) from exc
            self._read += 1
            where = self.location(self._read)
            self._check(record, where)
            chrom, pos = record.CHROM, record.POS
            if previous is not None:
                if chrom == previous[0] and pos < previous[1]:
                    raise InputError(
                        f"records are not sorted: {chrom}:{pos} comes after {previous[0]}:{previous[1]}",
                        source=self.path,
                        location=where,
                    )
                if chrom != previous[0]:
                    finished.add(previous[0])
                    if chrom in finished:
                        raise InputError(
                            f"records are not sorted: {chrom} appears again after {previous[0]}",
                            source=self.path,
                            location=where,
                        )
            previous = (chrom, pos)
            pending += 1
            if on_progress is not None and pending >= PROGRESS_EVERY:
                on_progress(pending)
                pending = 0
            yield record
        if on_progress is not None and pending:
            on_progress(pending)

    def indexed_record_count(self) -> int | None:
        """The record count the index states (no pass needed); None without a usable index."""
        if not self.indexed:
            return None
        try:
            return int(self._reader.num_records)
        except (ValueError, OSError):
            return None

    def genotypes(self, record: cyvcf2.Variant, where: str) -> npt.NDArray[np.int64]:
        """Allele indices per selected sample, then the phased flag; InputError when the record has no GT."""
        if not self.samples:
            return np.zeros((0, 2), dtype=np.int64)
        try:
            return np.asarray(record.genotype.array(), dtype=np.int64)
        except Exception as exc:  # cyvcf2 raises a bare Exception when GT is absent or unreadable
            raise InputError("record has no readable GT for its samples", source=self.path, location=where) from exc

    def prefers_index(self, regions: int) -> bool:
        """Whether index queries for this many regions should beat one streaming pass."""
        total = self.indexed_record_count()
        return total is not None and regions <= total * INDEX_QUERY_RATIO

    def query(
        self, regions: Sequence[tuple[str, int, int]], on_progress: Callable[[int], None] | None = None
    ) -> Iterator[cyvcf2.Variant]:
        """Records overlapping each (canonical chrom, start, end) region, through the index; checked like records()."""
        names = file_names(self._file_contigs)
        for chrom, start, end in regions:
            name = names.get(chrom)
            if name is None:
                continue
            region = f"{name}:{start}-{end}"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # cyvcf2 warns when a region holds no records
                    found = list(self._reader(region))
            except Exception as exc:  # index or block decompression failure
                raise InputError(
                    f"cannot read region {region} through the index (stale index or corrupt file); htslib: {exc}",
                    source=self.path,
                ) from exc
            for record in found:
                self._check(record, f"record {record.CHROM}:{record.POS}")
            if on_progress is not None and found:
                on_progress(len(found))
            yield from found
