"""Opening a VCF/BCF once and reading its records, with every failure turned into an :class:`InputError`.

A genome input is a path or an open file descriptor (:class:`GenomeInput`). A path is opened exactly once, by htslib
(through cyvcf2); the integrity checks read through that same descriptor with ``pread``, which leaves htslib's
position alone: the file's kind, its header (checked here, since htslib's messages are vague) and, for BGZF files,
the 28-byte end-of-file block whose absence means the file was cut short. A descriptor (e.g. the read end of a pipe
carrying a decrypted upload) is streamed once; when it cannot seek, the end-of-file check is the feeder's
(:func:`bgzf_complete`).

htslib is fast and forgiving: it reports a broken record as a bare exception, and lets through positions below 1,
REF strings with non-bases, out-of-range genotype indices and unsorted records. This module is the edge where those
become one clear error naming the input and the line (text VCF) or record (BCF, streams, index queries).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from types import TracebackType
from typing import Literal

import cyvcf2
import numpy as np
import numpy.typing as npt

from tailormed import htslib
from tailormed.errors import InputError
from tailormed.evidence import index
from tailormed.evidence.build import Contig, build_from_header
from tailormed.model.chrom import file_names
from tailormed.model.genotype import BuildDetection

Kind = Literal["vcf", "vcf.gz", "bcf", "stream"]

#: The empty BGZF block every complete BGZF file (bgzipped VCF, BCF) ends with (SAM/BAM specification, 4.1.2).
BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_FIXED_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")
_REF = re.compile(r"^[ACGTNacgtn]+$")
_FIELD = re.compile(r'([A-Za-z_][A-Za-z0-9_.]*)=("[^"]*"|[^,>]*)')
_DEFINITION = re.compile(r"^##(FORMAT|INFO)=<(.*)>$")
_CHUNK = 1 << 16
# Index queries beat one streaming pass while the regions asked for are fewer than this share of the records.
INDEX_QUERY_RATIO = 0.01
PROGRESS_EVERY = 10_000
_PRIMARY_SPELLINGS = tuple(
    f"{prefix}{name}" for prefix in ("chr", "") for name in (*map(str, range(1, 23)), "X", "Y", "M", "MT")
)


def bgzf_complete(tail: bytes) -> bool:
    """Whether the last bytes of a BGZF file are its end-of-file block (a feeder of a pipe checks this).

    >>> bgzf_complete(b"data" + BGZF_EOF), bgzf_complete(b"data")
    (True, False)
    """
    return tail.endswith(BGZF_EOF)


@dataclass(frozen=True)
class GenomeInput:
    """A genome to read: a path (index queries possible) or an open file descriptor (read in one stream).

    ``label`` names the input in messages and in the evidence (the path, or e.g. ``upload 42`` for a stream).
    """

    label: str
    path: Path | None = None
    fd: int | None = None

    @classmethod
    def from_path(cls, path: Path | str) -> GenomeInput:
        return cls(label=str(path), path=Path(path))

    @classmethod
    def from_fd(cls, fd: int, label: str) -> GenomeInput:
        """An open descriptor: a file or memory file is read from its start, a pipe from where it stands; the caller
        keeps ownership and closes it."""
        return cls(label=label, fd=fd)

    @classmethod
    def of(cls, source: GenomeInput | Path | str | int) -> GenomeInput:
        if isinstance(source, GenomeInput):
            return source
        if isinstance(source, int):
            return cls.from_fd(source, f"file descriptor {source}")
        return cls.from_path(source)


@dataclass(frozen=True)
class Header:
    """What tailormed needs from a VCF header."""

    kind: Kind
    lines: int | None  # header lines before the first record (text VCF read from a seekable input)
    references: tuple[str, ...]
    contigs: tuple[Contig, ...]
    format_types: dict[str, str]
    info_types: dict[str, str]


def _check_header_lines(lines: Iterable[str], label: str) -> int:
    """Check a text header line by line (htslib's messages are vague) and count its lines."""
    count = 0
    for raw in lines:
        line = raw.rstrip("\r\n")
        if count == 0 and not line.startswith("##fileformat=VCF"):
            raise InputError("not a VCF: the first line is not '##fileformat=VCF...'", source=label, location="line 1")
        if not line.startswith("#"):
            raise InputError(
                "no '#CHROM' header line before the first record", source=label, location=f"line {count + 1}"
            )
        count += 1
        if line.startswith("#CHROM"):
            columns = line.split("\t")
            if tuple(columns[:8]) != _FIXED_COLUMNS or (len(columns) > 8 and columns[8] != "FORMAT"):
                raise InputError(
                    "malformed '#CHROM' line: expected tab-separated "
                    + ", ".join(_FIXED_COLUMNS)
                    + "[, FORMAT, samples]",
                    source=label,
                    location=f"line {count}",
                )
            return count
    if count == 0:
        raise InputError("file is empty", source=label)
    raise InputError("header ends without a '#CHROM' line", source=label, location=f"line {count}")


def _pread_bytes(fd: int) -> Iterator[bytes]:
    """The input's bytes from offset 0, read with pread (the descriptor's position is not moved)."""
    offset = 0
    while True:
        chunk = os.pread(fd, _CHUNK, offset)
        if not chunk:
            return
        offset += len(chunk)
        yield chunk


def _inflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Decompress concatenated gzip members (BGZF is a series of them); EOFError when the last one is cut short."""
    inflater = zlib.decompressobj(31)
    inside = False
    for chunk in chunks:
        data = chunk
        while data:
            inside = True
            yield inflater.decompress(data)
            data = inflater.unused_data
            if inflater.eof:
                inflater = zlib.decompressobj(31)
                inside = False
    if inside:
        raise EOFError("the compressed data ends inside a gzip member")


def _text_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line.decode("utf-8")
    if pending:
        yield pending.decode("utf-8")


def _is_bgzf(start: bytes) -> bool:
    """A gzip member whose extra field holds the ``BC`` subfield (SAM/BAM specification, 4.1)."""
    return len(start) >= 16 and start[:4] == b"\x1f\x8b\x08\x04" and start[12:14] == b"BC"


def _layout(fd: int, label: str) -> tuple[Kind, int | None]:
    """Kind and header line count of a seekable input, read through ``fd``; InputError when cut short or not a VCF.

    A pipe cannot be read twice: it is ``("stream", None)`` and the feeder checks completeness.
    """
    try:
        start = os.pread(fd, 18, 0)
    except OSError as exc:
        if exc.errno in (errno.ESPIPE, errno.EINVAL):
            return "stream", None
        raise InputError(f"cannot read the file ({exc.strerror})", source=label) from exc
    compressed = start[:2] == b"\x1f\x8b"
    if _is_bgzf(start):
        size = os.fstat(fd).st_size
        if not bgzf_complete(os.pread(fd, len(BGZF_EOF), max(0, size - len(BGZF_EOF)))):
            raise InputError(
                "the file ends without the BGZF end-of-file block: it is truncated (an interrupted copy or "
                "download?); get a complete copy",
                source=label,
            )
    try:
        chunks = iter(_inflate(_pread_bytes(fd)) if compressed else _pread_bytes(fd))
        first = b""
        for chunk in chunks:
            first += chunk
            if len(first) >= 3:
                break
        if first[:3] == b"BCF":
            return "bcf", None
        return ("vcf.gz" if compressed else "vcf"), _check_header_lines(_text_lines(chain([first], chunks)), label)
    except (EOFError, zlib.error) as exc:
        raise InputError(f"truncated or corrupt gzip data in the header ({exc})", source=label) from exc
    except UnicodeDecodeError as exc:
        raise InputError("not a VCF: the header is not text (binary data)", source=label) from exc


def _line_problem(line: str, samples: int) -> str | None:
    """What is wrong with a record line that htslib refused, when its columns or position say it."""
    columns = line.split("\t")
    if len(columns) < 8:
        return f"{len(columns)} tab-separated column(s); a record has at least 8 (CHROM to INFO)"
    if not columns[1].isdigit():
        return f"POS {columns[1][:40]!r} is not a whole number"
    if samples and len(columns) != 9 + samples:
        return f"{len(columns)} columns; the #CHROM line names {9 + samples} (FORMAT and {samples} sample(s))"
    return None


def _diagnose(path: Path, exc: Exception) -> InputError:
    """Why htslib refused a file, as precisely as a second look can say (only on this error path)."""
    try:
        with path.open("rb") as handle:
            fd = handle.fileno()
            _layout(fd, str(path))
    except InputError as found:
        return found
    except OSError:
        pass
    return InputError(f"htslib cannot read this file as VCF/BCF ({exc})", source=path)


_DESCRIPTORS = Path("/proc/self/fd")


def _descriptor_of(path: Path) -> int | None:
    """A descriptor this process holds on ``path`` (Linux ``/proc``): htslib's, so the checks need no second open.

    Any descriptor of the same file would do (reads go through ``pread``); the newest is htslib's.
    """
    try:
        target = path.stat()
        held = sorted((int(entry.name) for entry in _DESCRIPTORS.iterdir()), reverse=True)
    except OSError:
        return None
    for fd in held:
        try:
            found = os.fstat(fd)
        except OSError:
            continue
        if (found.st_dev, found.st_ino) == (target.st_dev, target.st_ino):
            return fd
    return None


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


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", source=path)
    if not path.is_file():
        raise InputError("not a regular file", source=path)
    if path.stat().st_size == 0:
        raise InputError("file is empty", source=path)


def open_vcf(source: GenomeInput | Path | str | int) -> VcfFile:
    """Open a VCF (plain or bgzipped) or BCF once; InputError for a missing, truncated, non-VCF or bad-header input."""
    htslib.silence()  # every problem htslib would print is reported below, naming the file and line
    given = GenomeInput.of(source)
    tabix: Path | None = None
    listed: list[str] | None = None
    if given.path is not None:
        _check_path(given.path)
        tabix = given.path.with_name(given.path.name + ".tbi")
        listed = index.tabix_names(tabix) if tabix.is_file() else None
        try:
            reader = _open_path(given.path, without_index=listed is not None)
        except Exception as exc:  # cyvcf2 raises bare Exception/OSError for anything htslib rejects
            raise _diagnose(given.path, exc) from exc
        fd = _descriptor_of(given.path)
    else:
        assert given.fd is not None
        try:
            reader = _open_descriptor(given.fd)
        except Exception as exc:
            raise InputError(f"htslib cannot read this input as VCF/BCF ({exc})", source=given.label) from exc
        fd = given.fd
    try:
        if fd is None:  # no /proc to find htslib's descriptor: look through a descriptor of our own
            with given.path.open("rb") as handle:  # type: ignore[union-attr]
                kind, lines = _layout(handle.fileno(), given.label)
        else:
            kind, lines = _layout(fd, given.label)
    except BaseException:
        reader.close()
        raise
    references, contigs, format_types, info_types = _definitions(reader.raw_header)
    header = Header(kind, lines, references, contigs, format_types, info_types)
    found = _index_of(given.path, kind)
    declared = {contig.name for contig in contigs}
    if found is not None and found == tabix and listed is not None:
        # The header's contigs, then those only the index lists (as htslib's header reader adds them).
        names = [*(contig.name for contig in contigs), *(name for name in listed if name not in declared)]
    elif found is not None:
        names = list(reader.seqnames)
    else:
        # cyvcf2 looks names up in the index when the header declares no contig (htslib then prints an error for
        # every unindexed file): ask it only when there is an index.
        names = [contig.name for contig in contigs]
    if kind != "bcf":
        # htslib crashes when a malformed record sits on a contig the header does not declare (it adds the
        # contig on the fly, then fails inside the error path); declaring the primary chromosomes in both
        # spellings up front keeps that path away from real chromosomes. The file itself is not touched.
        for name in dict.fromkeys([*names, *_PRIMARY_SPELLINGS]):
            if name not in declared:
                reader.add_to_header(f"##contig=<ID={name}>")
    return VcfFile(
        given,
        reader,
        header,
        names=names,
        indexed=found is not None,
        descriptor=fd,
        index=found if found is not None and found == tabix and listed is not None else None,
    )


def _open_path(path: Path, *, without_index: bool) -> cyvcf2.VCF:
    """htslib's reader of ``path``, which opens the file once.

    ``without_index``: through a link in a private folder with no index beside it. htslib's VCF header reader loads
    the whole tabix index beside a file only to add the contigs the header lacks, then drops it, and the first index
    query loads it again; the caller reads those contig names from the index's first block
    (:func:`tabix_names`) and loads the index once when it is first needed (:meth:`VcfFile.indexed_record_count`,
    :meth:`VcfFile.query`). Where no link can be made the file is opened by its name.
    """
    scratch = None
    if without_index:
        with contextlib.suppress(OSError):
            scratch = tempfile.TemporaryDirectory(prefix="tailormed-vcf-", ignore_cleanup_errors=True)
    if scratch is None:
        return cyvcf2.VCF(str(path), gts012=False, strict_gt=False)
    with scratch as folder:
        link = Path(folder) / path.name
        try:
            link.symlink_to(path.resolve())
        except OSError:
            link = path
        return cyvcf2.VCF(str(link), gts012=False, strict_gt=False)


def _open_descriptor(fd: int) -> cyvcf2.VCF:
    """htslib's reader of the file or pipe behind ``fd``, opened by its ``/proc/self/fd`` name.

    cyvcf2 never closes a reader it opened from a bare descriptor (so as to leave the caller's descriptor open), and
    so never frees htslib's file and BGZF buffers either: about 100-150 KB lost per read in a long-running process.
    Opened by name, htslib reads through a descriptor of its own on the same file or pipe (an anonymous pipe opens
    without waiting for a writer), closes it and frees its buffers; the caller's descriptor stays open. Without
    ``/proc`` the bare descriptor is the only way.
    """
    name = _DESCRIPTORS / str(fd)
    if not _DESCRIPTORS.is_dir():
        return cyvcf2.VCF(fd, gts012=False, strict_gt=False)
    return cyvcf2.VCF(str(name), gts012=False, strict_gt=False)


def _index_of(path: Path | None, kind: Kind) -> Path | None:
    """The tabix or CSI index beside a bgzipped VCF or BCF, if there is one."""
    if path is None or kind not in ("vcf.gz", "bcf"):
        return None
    return next((c for c in (path.with_name(path.name + s) for s in (".tbi", ".csi")) if c.is_file()), None)


class VcfFile:
    """An open VCF/BCF: samples, header facts, build detection and validated record iteration."""

    def __init__(
        self,
        given: GenomeInput,
        reader: cyvcf2.VCF,
        header: Header,
        *,
        names: Sequence[str],
        indexed: bool,
        descriptor: int | None = None,
        index: Path | None = None,
    ) -> None:
        self.input = given
        self._descriptor = descriptor  # htslib's own descriptor of a path input, when found
        self.label = given.label
        self.header = header
        self._reader = reader
        self.samples: list[str] = list(reader.samples)
        self._file_contigs = [*names, *(contig.name for contig in header.contigs)]
        self._all_samples = list(self.samples)
        self.indexed = indexed
        self.temporary_index = False
        self._index = index  # loaded when first needed (see _open_path)
        self._index_failed = False
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
        everyone = set(self._all_samples)
        missing = [name for name in wanted if name not in everyone]
        if missing:
            shown = ", ".join(self._all_samples[:10]) + (" ..." if len(self._all_samples) > 10 else "")
            raise InputError(
                f"sample(s) not in the file: {', '.join(missing)}; "
                f"the file has {len(self._all_samples)}: {shown or 'none'}",
                source=self.label,
            )
        keep = set(wanted)
        self.samples = [name for name in self._all_samples if name in keep]
        self._reader.set_samples(self.samples)
        return self.samples

    # -- build -----------------------------------------------------------------------------------------------

    @property
    def all_samples(self) -> list[str]:
        """Every sample of the file, whichever are selected."""
        return list(self._all_samples)

    def header_build(self) -> BuildDetection | None:
        """The build the header states (None when silent); InputError when its lines contradict each other."""
        try:
            return build_from_header(self.header.references, self.header.contigs)
        except InputError as exc:
            raise InputError(exc.message, source=self.label, location="header") from exc

    def header_description(self, key: str) -> str | None:
        """The Description of an INFO/FORMAT header line, or None when the header does not define ``key``."""
        try:
            found = self._reader.get_header_type(key)
        except KeyError:
            return None
        return str(found.get("Description", ""))

    # -- records ---------------------------------------------------------------------------------------------

    def location(self, ordinal: int) -> str:
        """Where the ordinal-th record (1-based) of a streaming pass is: a line for text VCF, a record for BCF."""
        return f"line {self.header.lines + ordinal}" if self.header.lines is not None else f"record {ordinal}"

    @property
    def last_location(self) -> str:
        return self.location(self._read)

    @property
    def raw_header(self) -> str:
        return str(self._reader.raw_header)

    def check(self, record: cyvcf2.Variant, where: str) -> None:
        """The checks a record gets before its alleles are used: an END not before POS, REF made of bases.

        Kept apart from :meth:`records` because reading REF costs more than parsing the record: a pass over a whole
        genome checks only the records it uses.
        """
        if int(record.end) < record.POS:  # htslib leaves REF unset (and cyvcf2 would crash reading it)
            raise InputError(
                "record has no REF allele (too few columns) or an END before its position",
                source=self.label,
                location=where,
            )
        if not _REF.match(record.REF):
            raise InputError(
                f"REF '{record.REF[:40]}' has characters other than A, C, G, T, N", source=self.label, location=where
            )

    def records(self, on_progress: Callable[[int], None] | None = None) -> Iterator[cyvcf2.Variant]:
        """Every record once, in file order, with its position and the sort order checked as it is read."""
        iterator = iter(self._reader)
        self._read = 0
        previous_chrom: str | None = None
        previous_pos = 0
        finished: set[str] = set()
        pending = 0
        while True:
            try:
                record = next(iterator)
            except StopIteration:
                break
            except Exception as exc:  # htslib's parse/decompression failure surfaces as a bare Exception
                raise self._unparsable(self._read + 1, exc) from exc
            self._read += 1
            chrom, pos = record.CHROM, record.POS
            if chrom == previous_chrom:
                if pos < previous_pos:
                    raise InputError(
                        f"records are not sorted: {chrom}:{pos} comes after {chrom}:{previous_pos}",
                        source=self.label,
                        location=self.last_location,
                    )
            elif previous_chrom is not None:
                finished.add(previous_chrom)
                if chrom in finished:
                    raise InputError(
                        f"records are not sorted: {chrom} appears again after {previous_chrom}",
                        source=self.label,
                        location=self.last_location,
                    )
            if pos < 1:
                raise InputError(f"position {pos} is less than 1", source=self.label, location=self.last_location)
            previous_chrom, previous_pos = chrom, pos
            pending += 1
            if pending >= PROGRESS_EVERY and on_progress is not None:
                on_progress(pending)
                pending = 0
            yield record
        if on_progress is not None and pending:
            on_progress(pending)

    def _unparsable(self, ordinal: int, exc: Exception) -> InputError:
        """Why htslib could not parse the ordinal-th record: the line's own problem where its text can be read again
        (only on this error path; htslib's log, which names it, is silenced), else the possible reasons."""
        problem = None
        if self.header.kind in ("vcf", "vcf.gz") and self.header.lines is not None and self._descriptor is not None:
            with contextlib.suppress(OSError, EOFError, zlib.error, UnicodeDecodeError):
                raw = _pread_bytes(self._descriptor)
                lines = _text_lines(_inflate(raw) if self.header.kind == "vcf.gz" else raw)
                line = next(islice(lines, self.header.lines + ordinal - 1, None), None)
                problem = _line_problem(line.rstrip("\r"), len(self._all_samples)) if line is not None else None
        where = self.location(ordinal)
        if problem is not None:
            return InputError(f"cannot parse this record: {problem}", source=self.label, location=where)
        return InputError(
            f"cannot parse this record (malformed field, wrong number of columns, or truncated file); htslib: {exc}",
            source=self.label,
            location=where,
        )

    def indexed_record_count(self) -> int | None:
        """The record count the index states (no pass needed); None without a usable index."""
        if not (self.indexed or self.temporary_index) or not self._load_index():
            return None
        try:
            return int(self._reader.num_records)
        except (ValueError, OSError):
            return None

    def _load_index(self) -> bool:
        """Load the index beside the file (once); False when htslib cannot."""
        if self._index is not None:
            path, self._index = self._index, None
            try:
                self._reader.set_index(str(path))
            except Exception:  # cyvcf2 raises a bare Exception/OSError when htslib cannot load it
                self._index_failed = True
        return not self._index_failed

    def genotypes(self, record: cyvcf2.Variant, where: str) -> npt.NDArray[np.int16]:
        """Allele indices per selected sample, then the phased flag (htslib's 16-bit integers, as a block keeps
        every record its consumers want until the pass ends); InputError when the record has no GT.

        A call of one allele is never phased: cyvcf2 gives its flag from memory past the call when every selected
        sample's call has one allele (it varies from read to read), and from the padding otherwise."""
        if not self.samples:
            return np.zeros((0, 2), dtype=np.int16)
        try:
            gt = np.asarray(record.genotype.array(), dtype=np.int16)
        except Exception as exc:  # cyvcf2 raises a bare Exception when GT is absent or unreadable
            raise InputError("record has no readable GT for its samples", source=self.label, location=where) from exc
        if gt.shape[1] == 2:
            gt[:, 1] = 0
        elif gt.shape[1] > 2 and (single := gt[:, 1] == -2).any():
            gt[single, -1] = 0
        return gt

    def prefers_index(self, regions: int) -> bool:
        """Whether index queries for this many regions should beat one streaming pass."""
        total = self.indexed_record_count()
        return total is not None and regions <= total * INDEX_QUERY_RATIO

    def index_temporarily(self, regions: int) -> bool:
        """Build and load a temporary index when this unindexed file is large enough for index queries to pay off.

        Only a bgzipped VCF or BCF given by path can be indexed (never a stream); a small file is streamed, which checks
        every record. True when index queries for ``regions`` regions should now be used.
        """
        path = self.input.path
        if self.indexed or path is None or self.header.kind not in ("vcf.gz", "bcf"):
            return False
        if path.stat().st_size < index.MIN_BYTES:
            return False
        # Through the descriptor already open (the file is opened by name once); htslib reads it from the start.
        source = _DESCRIPTORS / str(self._descriptor) if self._descriptor is not None else path
        names = index.load_temporary_index(self._reader, source, self.header.kind)
        if names is None:
            return False
        self.temporary_index = True
        self._file_contigs = [*names, *self._file_contigs]
        return self.prefers_index(regions)

    def query(
        self, regions: Sequence[tuple[str, int, int]], on_progress: Callable[[int], None] | None = None
    ) -> Iterator[tuple[tuple[str, int, int], Iterator[cyvcf2.Variant]]]:
        """Each (canonical chrom, start, end) region with the records overlapping it, through the index; positions
        checked like records(). Regions on a chromosome the file does not have are left out.

        A region's records come one at a time, as htslib reads them (read them before asking for the next region):
        a region spanning a whole chromosome of a cohort never holds its records' genotypes at once."""
        names = file_names(self._file_contigs)
        self._load_index()  # when it cannot be loaded, the first query says so
        for region in regions:
            name = names.get(region[0])
            if name is None:
                continue
            yield region, self._region_records(f"{name}:{region[1]}-{region[2]}", on_progress)

    def _region_records(self, query: str, on_progress: Callable[[int], None] | None) -> Iterator[cyvcf2.Variant]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # cyvcf2 warns when a region holds no records
                found = iter(self._reader(query))
        except Exception as exc:  # index failure
            raise _query_error(query, exc, self.label) from exc
        read = 0
        while True:
            try:
                record = next(found)
            except StopIteration:
                break
            except Exception as exc:  # block decompression or parse failure
                raise _query_error(query, exc, self.label) from exc
            if record.POS < 1:
                raise InputError(f"position {record.POS} is less than 1", source=self.label, location=f"record {query}")
            read += 1
            if on_progress is not None and read % PROGRESS_EVERY == 0:
                on_progress(PROGRESS_EVERY)
            yield record
        if on_progress is not None and read % PROGRESS_EVERY:
            on_progress(read % PROGRESS_EVERY)


def _query_error(query: str, exc: Exception, label: str) -> InputError:
    return InputError(
        f"cannot read region {query} through the index (stale index or corrupt file); htslib: {exc}", source=label
    )
