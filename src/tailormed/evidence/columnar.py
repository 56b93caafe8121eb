"""Multi-sample genotypes decoded straight from VCF text into allele matrices, for cohort-scale scoring.

A cohort VCF of thousands of samples is mostly genotype text. htslib parses every field of every record into its
binary form before anything can be asked of it, so a pass that wants a few thousand sites spends most of its time
on records and fields it never uses. This reader inflates the BGZF blocks itself (:mod:`tailormed.bgzf`: in a child
process started by the command, or in worker threads, the inflater releasing the interpreter lock; ISA-L's when the
``isal`` package is installed, about four times zlib's speed), scans the text where it was inflated, looks
at each line's CHROM and POS only, and decodes the GT column of a wanted line for all selected samples at once with
numpy. Lines whose sample columns all have one width and start with a one-character-allele diploid call (``0/1``,
``1|0``, ``./.``, or ``0|1:...`` with the other FORMAT fields of constant width) are read together as byte matrices
(:func:`decode_fixed`); any other line's columns are found with one vectorised scan for tabs, the common calls read
at fixed offsets, and calls with multi-digit allele indices or other unusual forms parsed one by one
(:func:`decode_calls`), so every valid GT is read and both ways give the same alleles.

The result follows the evidence stage's conventions (:mod:`tailormed.model.dosage`): allele indices per sample,
-1 for a missing allele, a half-call missing as a whole, haploid calls doubled. Records are checked as the cyvcf2
path checks them (sorted positions, POS >= 1, REF made of bases, a readable GT, the header's number of samples) and
a broken line is an :class:`~tailormed.errors.InputError` naming the line.
"""

from __future__ import annotations

import mmap
import os
import re
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tailormed import bgzf
from tailormed.errors import InputError
from tailormed.evidence.site_set import SiteSet
from tailormed.model.chrom import canonical_chrom
from tailormed.model.dosage import MISSING_COPIES, SiteBlock

#: Bytes of a plain (uncompressed) VCF read at once.
JOB_BYTES = 1 << 20
#: Inflating threads (two unless the machine has one core); the caller's thread parses meanwhile.
THREADS = min(2, os.cpu_count() or 1)
PROGRESS_EVERY = 10_000
#: Samples from which a score-only pass reads the text itself rather than through htslib (see ``_Pass``).
MIN_SAMPLES = bgzf.COHORT_SAMPLES
#: Fixed-width lines decoded together (bounds the index matrix to this many x samples).
BATCH_LINES = 256
#: Bytes of a wanted line split at once to find its fixed fields (longer ones are searched tab by tab).
FIXED_FIELDS_BYTES = 512
#: Digits of a POS read with the other lines of its piece (longer ones, up to int64's, are read line by line).
_POS_DIGITS = 18
#: Bytes from a line's start in which CHROM and POS are read together.
_HEAD_BYTES = 48
_HEAD_COLUMNS = np.arange(_HEAD_BYTES, dtype=np.intp)
_POWERS_OF_TEN = 10 ** np.arange(_POS_DIGITS, dtype=np.int64)

_TAB, _COLON, _SLASH, _PIPE, _DOT, _ZERO = 9, 58, 47, 124, 46, 48
_BAD = -100
_BASES = b"ACGTNacgtn"  # of a REF
_CALL = re.compile(rb"^(\.|[0-9]+)(?:([/|])(\.|[0-9]+))*$")


def supports(path: Path | None) -> bool:
    """Whether the text reader can stream ``path``: a plain or BGZF-compressed VCF on disk (not BCF, not a pipe)."""
    if path is None or not path.is_file():
        return False
    with path.open("rb") as handle:
        start = handle.read(18)
    if start[:2] == b"\x1f\x8b":
        return start[:4] == b"\x1f\x8b\x08\x04" and start[12:14] == b"BC"
    return start.startswith(b"##fileformat=VCF")


def _newlines(text: bytes) -> npt.NDArray[np.intp]:
    ends: list[int] = []
    bgzf.line_ends(text, 0, ends)
    return np.array(ends, dtype=np.intp)


def _inflate_job(job: bytes, label: str) -> tuple[bytes, npt.NDArray[np.intp]]:
    """Inflate a run of BGZF blocks, with where its line ends are (found block by block while the text is in the
    cache)."""
    out: list[bytes] = []
    lines: list[int] = []
    offset = 0
    inflated = 0
    while offset < len(job):
        text, offset = bgzf.inflate_block(job, offset, label)
        out.append(text)
        bgzf.line_ends(text, inflated, lines)
        inflated += len(text)
    return b"".join(out), np.array(lines, dtype=np.intp)


def _kept() -> None:
    """A piece's release when nothing is shared: its bytes are the caller's."""


def _undecoded() -> tuple[int, int, int] | None:
    """A piece's decoded lines when no inflating child decodes: none."""
    return None


#: A piece of text: the buffer, its first byte and end in it, the offsets (in the buffer) of its line ends, what to
#: call once nothing reads the buffer's bytes of the piece any more, and what gives the lines the inflating child
#: has decoded (:class:`ChildDecoder`'s region in the buffer, its size and lines; None: none).
Chunk = tuple[
    bytes | mmap.mmap, int, int, npt.NDArray[np.intp], Callable[[], None], Callable[[], tuple[int, int, int] | None]
]


def text_chunks(path: Path, label: str, threads: int = THREADS, focus: bytes | None = None) -> Iterator[Chunk]:
    """The file's text in order, in pieces of any length, each with the offsets of its line ends; BGZF inflated by
    the child process :func:`tailormed.bgzf.inflating` started for ``path`` (``focus`` told to its decoder), else by
    ``threads`` worker threads."""
    with path.open("rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    if not compressed:
        with path.open("rb") as handle:
            while chunk := handle.read(JOB_BYTES):
                yield chunk, 0, len(chunk), _newlines(chunk), _kept, _undecoded
        return
    ahead = bgzf.take(path)
    if ahead is not None:
        if focus is not None:
            ahead.focus(focus)
        for ring, begin, stop, ends, release, decoded in ahead.pieces(label):
            lines = np.frombuffer(ends, dtype=np.int64).astype(np.intp, copy=False)
            yield ring, begin, stop, lines, release, decoded
        return
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        queue: deque[Future[tuple[bytes, npt.NDArray[np.intp]]]] = deque()
        for job in bgzf.jobs(path):
            queue.append(pool.submit(_inflate_job, job, label))
            if len(queue) > 2 * threads:
                text, lines = queue.popleft().result()
                yield text, 0, len(text), lines, _kept, _undecoded
        while queue:
            text, lines = queue.popleft().result()
            yield text, 0, len(text), lines, _kept, _undecoded


def _pair_table(after: tuple[int, ...]) -> npt.NDArray[np.int8]:
    """Allele index of a two-byte little-endian word: an allele byte (digit, or '.' as -1) followed by one of
    ``after``; anything else _BAD."""
    table = np.full(1 << 16, _BAD, dtype=np.int8)
    for code, value in [(_ZERO + digit, digit) for digit in range(10)] + [(_DOT, -1)]:
        for byte in after:
            table[code | (byte << 8)] = value
    return table


#: ``a/`` or ``a|`` -> a; ``b<tab>`` -> b; ``b:`` -> b.
_OPENING = _pair_table((_SLASH, _PIPE))
_CLOSING_TAB = _pair_table((_TAB,))
_CLOSING_COLON = _pair_table((_COLON,))


def _count_table(after: tuple[int, ...]) -> npt.NDArray[np.int8]:
    """ALT copies of a biallelic call's allele byte followed by one of ``after``: 0, 1, 4 for '.' (missing), else a
    negative number (two of them still fit an int8)."""
    table = np.full(1 << 16, -50, dtype=np.int8)
    for code, value in ((_ZERO, 0), (_ZERO + 1, 1), (_DOT, 4)):
        for byte in after:
            table[code | (byte << 8)] = value
    return table


_OPENING_COUNT = _count_table((_SLASH, _PIPE))
_CLOSING_TAB_COUNT = _count_table((_TAB,))
_CLOSING_COLON_COUNT = _count_table((_COLON,))


def fixed_width(length: int, samples_in_file: int) -> int:
    """Bytes per sample column (with its tab) when ``length`` bytes of sample columns can be fixed-width diploid
    calls, else 0.

    >>> fixed_width(11, 3), fixed_width(17, 3), fixed_width(10, 3)
    (4, 6, 0)
    """
    width, rest = divmod(length + 1, samples_in_file)
    return width if rest == 0 and width >= 4 else 0


def _call_words(
    buffer: npt.NDArray[np.uint8], starts: npt.NDArray[np.intp], width: int, samples_in_file: int
) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.bool_]]:
    """Each column's first four bytes as two two-byte words (lines x samples x 2) of fixed-width lines, and whether
    a line's columns are where the width puts them (a wider column's line must have exactly one tab per column)."""
    lines, count = len(starts), samples_in_file
    size = width * count
    block = np.stack([buffer[start : start + size] for start in starts.tolist()]).reshape(lines, count, width)
    block[:, -1, -1] = _TAB  # the line end after the last column (a copy: the text is untouched)
    if width == 4:
        calls = block
        ok = np.ones(lines, dtype=np.bool_)
    else:
        calls = np.ascontiguousarray(block[:, :, :4])
        ok = (block[:, :, -1] == _TAB).all(axis=1) & (np.count_nonzero(block == _TAB, axis=(1, 2)) == count)
    words: npt.NDArray[np.uint16] = calls.reshape(lines, 4 * count).view("<u2").reshape(lines, count, 2)
    return words, ok


def decode_fixed_alt_counts(
    buffer: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.intp],
    width: int,
    columns: npt.NDArray[np.intp],
    samples_in_file: int,
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    """ALT copies (lines x selected samples: 0, 1, 2, or 3 when missing) of biallelic lines whose sample columns
    all have ``width`` bytes, read as :func:`decode_fixed` reads them but straight to what a sum needs: each allele
    byte is 0, 1 or '.' (4, so that any missing allele, a half-call too, makes the sum 4 or more), anything else
    fails the line (``ok`` False) and leaves it to :func:`decode_calls`.

    >>> text = np.frombuffer(b"0/1\\t.|1\\t1/1\\t./.\\t0/0\\n", dtype=np.uint8)
    >>> counts, ok = decode_fixed_alt_counts(text, np.array([0]), 4, np.arange(5), 5)
    >>> counts.tolist(), ok.tolist()
    ([[1, 3, 2, 3, 0]], [True])
    >>> decode_fixed_alt_counts(np.frombuffer(b"0/2\\t0/0\\n", dtype=np.uint8), np.array([0]), 4, np.arange(2), 2)[1]
    array([False])
    """
    words, ok = _call_words(buffer, starts, width, samples_in_file)
    # every two-byte word is an index of the 65,536-entry tables: "wrap" skips the bounds check ("raise" makes)
    first = np.take(_OPENING_COUNT, words[:, :, 0], mode="wrap")
    first += np.take(_CLOSING_TAB_COUNT if width == 4 else _CLOSING_COLON_COUNT, words[:, :, 1], mode="wrap")
    ok &= (first >= 0).all(axis=1)
    if len(columns) != samples_in_file or (columns != np.arange(samples_in_file)).any():
        first = first[:, columns]
    # against a row of the cap: numpy's int8 minimum with a scalar is several times slower than with an array
    np.minimum(first, np.full(first.shape[1], MISSING_COPIES, dtype=np.int8), out=first)
    return first, ok


def decode_fixed(
    buffer: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.intp],
    width: int,
    columns: npt.NDArray[np.intp],
    samples_in_file: int,
) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.bool_]]:
    """Allele indices (lines x selected samples x 2) of lines whose sample columns all have ``width`` bytes.

    ``starts`` are where each line's sample columns begin; the caller has checked that they span exactly
    width x samples - 1 bytes, followed by the line end. A line passes when every column is a one-character
    allele, ``/`` or ``|``, a one-character allele (digits or '.'), then the tab (width 4) or ``:`` and other
    FORMAT fields up to the tab (a wider column, whose line must have exactly one tab per column): then each line
    is a samples x width byte matrix read without searching, its first four bytes of a column as two two-byte words
    looked up in tables. Lines that do not pass (``ok`` False) are decoded by :func:`decode_calls`, which gives the
    same result for any line that passes.

    >>> text = np.frombuffer(b"0/1\\t.|1\\t1/1\\n", dtype=np.uint8)
    >>> alleles, ok = decode_fixed(text, np.array([0]), 4, np.array([2, 0]), 3)
    >>> alleles.tolist(), ok.tolist()
    ([[[1, 1], [0, 1]]], [True])
    >>> text = np.frombuffer(b"1|0:7\\t0/0:9\\n", dtype=np.uint8)
    >>> alleles, ok = decode_fixed(text, np.array([0]), 6, np.arange(2), 2)
    >>> alleles.tolist(), ok.tolist()
    ([[[1, 0], [0, 0]]], [True])
    """
    words, ok = _call_words(buffer, starts, width, samples_in_file)
    count = words.shape[1]
    first = np.take(_OPENING, words[:, :, 0], mode="wrap")  # in range: see decode_fixed_alt_counts
    second = np.take(_CLOSING_TAB if width == 4 else _CLOSING_COLON, words[:, :, 1], mode="wrap")
    ok &= (first > _BAD).all(axis=1) & (second > _BAD).all(axis=1)  # every column: then no column is out of place
    if len(columns) != count or (columns != np.arange(count)).any():  # a subset, or the samples in another order
        first, second = first[:, columns], second[:, columns]
    alleles = np.empty((*first.shape, 2), dtype=np.int16)
    alleles[:, :, 0] = first  # '.' is already -1 in both tables
    alleles[:, :, 1] = second
    half = (first < 0) != (second < 0)
    if half.any():  # a half-call ('./1') is missing as a whole
        alleles[half] = -1
    return alleles, ok


def decode_calls(
    segment: npt.NDArray[np.uint8], columns: npt.NDArray[np.intp], samples_in_file: int
) -> npt.NDArray[np.int16] | str:
    """Allele indices (selected samples x 2) from a line's sample columns, or a message saying what is wrong.

    ``segment`` is the text after the FORMAT column (GT first, as VCF requires), ``columns`` the selected samples'
    positions among the file's.

    >>> text = np.frombuffer(b"0/1\\t1|1:9\\t./.\\t1\\t12/0\\t./1", dtype=np.uint8)
    >>> decode_calls(text, np.arange(6), 6).tolist()
    [[0, 1], [1, 1], [-1, -1], [1, 1], [12, 0], [-1, -1]]
    """
    tabs = np.flatnonzero(segment == _TAB)
    if len(tabs) != samples_in_file - 1:
        return f"{len(tabs) + 1} sample columns, the header names {samples_in_file}"
    starts = np.empty(samples_in_file, dtype=np.intp)
    starts[0] = 0
    starts[1:] = tabs + 1
    padded = np.concatenate([segment, np.full(4, _TAB, dtype=np.uint8)])
    at = starts[columns]
    first, mark, second, after = padded[at], padded[at + 1], padded[at + 2], padded[at + 3]
    ended = (after == _TAB) | (after == _COLON)
    diploid = ((mark == _SLASH) | (mark == _PIPE)) & ended
    haploid = (mark == _TAB) | (mark == _COLON)
    one = _digit_or_missing(first)
    two = _digit_or_missing(second)
    simple = (diploid & (one != -2) & (two != -2)) | (haploid & (one != -2))
    alleles = np.empty((len(columns), 2), dtype=np.int16)
    alleles[:, 0] = one
    alleles[:, 1] = np.where(haploid, one, two)
    for row in np.flatnonzero(~simple).tolist():
        start = int(at[row])
        stop = start
        while stop < len(segment) and segment[stop] not in (_TAB, _COLON):
            stop += 1
        parsed = _call(segment[start:stop].tobytes())
        if parsed is None:
            return f"GT '{segment[start:stop].tobytes().decode(errors='replace')[:20]}' is not a genotype"
        alleles[row] = parsed
    alleles[(alleles[:, 0] < 0) | (alleles[:, 1] < 0)] = -1
    return alleles


def _digit_or_missing(codes: npt.NDArray[np.uint8]) -> npt.NDArray[np.int16]:
    """0-9 for a digit, -1 for '.', -2 for anything else (parsed one by one)."""
    values = codes.astype(np.int16) - _ZERO
    return np.where((values >= 0) & (values <= 9), values, np.where(codes == _DOT, -1, -2)).astype(np.int16)


def _call(text: bytes) -> tuple[int, int] | None:
    """One GT of any form as two allele indices; the first two alleles of a polyploid call; None if malformed."""
    if not _CALL.match(text):
        return None
    parts = re.split(rb"[/|]", text)
    values = [-1 if part == b"." else int(part) for part in parts]
    return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])


_NO_POSITIONS: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)


def _holds(positions: memoryview, pos: int) -> bool:
    """Whether the sorted ``positions`` hold ``pos`` (a line read on its own: bisecting a view of the array costs a
    fifth of a numpy search for one value)."""
    at = bisect_left(positions, pos)
    return at < len(positions) and positions[at] == pos


class TextScan:
    """One streaming pass over a text VCF that hands back only the records at wanted positions, decoded.

    ``wanted`` holds the positions by canonical chromosome name, sorted; ``samples`` are the selected samples, whose
    allele rows come in that order. With ``alt_counts`` a piece of biallelic lines comes as ALT copies (all a sum
    needs) rather than allele pairs.
    """

    def __init__(
        self,
        path: Path,
        label: str,
        wanted: SiteSet,
        all_samples: Sequence[str],
        samples: Sequence[str],
        threads: int = THREADS,
        alt_counts: bool = False,
    ) -> None:
        self.path = path
        self.label = label
        self.wanted = wanted
        self.samples_in_file = len(all_samples)
        where = {name: i for i, name in enumerate(all_samples)}
        self.columns = np.asarray([where[name] for name in samples], dtype=np.intp)
        self.threads = threads
        self.alt_counts = alt_counts
        self.records_read = 0

    def blocks(self, on_progress: Callable[[int], None] | None = None) -> Iterator[SiteBlock]:
        """Wanted records in file order, a piece of text's at a time; InputError on the first broken or unsorted
        line.

        A piece of text's wanted lines are decoded in a worker thread while the next piece is scanned (numpy's
        array work runs outside the interpreter lock), so decoding and the per-line scan share the cores.
        """
        with ThreadPoolExecutor(max_workers=1) as pool:
            ahead: tuple[Future[SiteBlock], Callable[[], None]] | None = None
            try:
                for data, last, found, release, decoded in self._scan(on_progress):
                    if not found:
                        release()
                        continue
                    decoding = pool.submit(self._decoded, data, last, found, decoded())
                    if ahead is not None:
                        yield _released(*ahead)
                    ahead = decoding, release
            except InputError:
                if ahead is not None:
                    _released(*ahead)  # a broken line in the earlier piece is the first error
                raise
            if ahead is not None:
                yield _released(*ahead)

    def _scan(
        self, on_progress: Callable[[int], None] | None
    ) -> Iterator[
        tuple[bytes | mmap.mmap, int, list[_Wanted], Callable[[], None], Callable[[], tuple[int, int, int] | None]]
    ]:
        """Each piece of whole lines (its buffer and last line end), with its wanted lines' fixed fields, its
        release and its lines the inflating child decoded, checking every line's position. No view of a buffer
        outlives its piece's scan and decoding: the shared ring of :mod:`tailormed.bgzf` is unmapped as soon as the
        last piece is released."""
        line_number = 0
        pending = 0
        names: dict[bytes, str | None] = {}
        previous_name = b""
        previous_pos = 0
        finished: set[bytes] = set()
        wanted_here = _NO_POSITIONS  # the wanted positions on the current chromosome, sorted
        wanted_view = wanted_here.data
        chrom: str | None = None
        for data, start, last, ends, release, decoded in self._pieces():
            buffer = np.frombuffer(data, dtype=np.uint8, count=last + 1)
            found: list[_Wanted] = []
            records = 0
            find = data.find
            regular = self._same_chromosome(buffer, start, ends, previous_name, previous_pos)
            if regular is not None:
                pos_ends, positions = regular
                here = wanted_here
                if len(here):
                    at = np.minimum(np.searchsorted(here, positions), len(here) - 1)
                    assert chrom is not None
                    hits = np.flatnonzero(here[at] == positions)
                    fields = self._fields
                    columns = (pos_ends[hits].tolist(), ends[hits].tolist(), positions[hits].tolist())
                    for i, pos_end, end, pos in zip(hits.tolist(), *columns, strict=True):
                        found.append(fields(data, pos_end + 1, end, chrom, pos, f"line {line_number + i + 1}"))
                records = len(ends)
                line_number += records
                previous_pos = int(positions[-1])
                start = last + 1  # every line read
            while start <= last:
                end = find(b"\n", start, last + 1)
                line_number += 1
                line_start, start = start, end + 1
                if data[line_start] == 35 or end == line_start:  # '#': header line; blank line
                    continue
                records += 1
                tab1 = find(b"\t", line_start, end)
                tab2 = find(b"\t", tab1 + 1, end) if tab1 >= 0 else -1
                if tab2 < 0:
                    raise InputError("too few columns", source=self.label, location=f"line {line_number}")
                try:
                    pos = int(data[tab1 + 1 : tab2])
                except ValueError:
                    raise InputError(
                        f"POS '{data[tab1 + 1 : tab2].decode(errors='replace')[:20]}' is not a number",
                        source=self.label,
                        location=f"line {line_number}",
                    ) from None
                if pos < 1:
                    raise InputError(
                        f"position {pos} is less than 1", source=self.label, location=f"line {line_number}"
                    )
                if tab1 == line_start + len(previous_name) and data[line_start:tab1] == previous_name:
                    if pos < previous_pos:
                        shown = previous_name.decode()
                        raise InputError(
                            f"records are not sorted: {shown}:{pos} comes after {shown}:{previous_pos}",
                            source=self.label,
                            location=f"line {line_number}",
                        )
                else:
                    name = data[line_start:tab1]
                    if previous_name:
                        finished.add(previous_name)
                    if name in finished:
                        raise InputError(
                            f"records are not sorted: {name.decode()} appears again after {previous_name.decode()}",
                            source=self.label,
                            location=f"line {line_number}",
                        )
                    previous_name = name
                    chrom = names[name] if name in names else names.setdefault(name, canonical_chrom(name.decode()))
                    wanted_here = self.wanted.on(chrom) if chrom is not None else _NO_POSITIONS
                    wanted_view = wanted_here.data
                previous_pos = pos
                if _holds(wanted_view, pos):
                    assert chrom is not None
                    found.append(self._fields(data, tab2 + 1, end, chrom, pos, f"line {line_number}"))
            self.records_read += records
            pending += records
            if pending >= PROGRESS_EVERY and on_progress is not None:
                on_progress(pending)
                pending = 0
            del buffer
            yield data, last, found, release, decoded
        if on_progress is not None and pending:
            on_progress(pending)

    def _pieces(self) -> Iterator[Chunk]:
        """The text as (buffer, first byte, last line end, line ends, release) pieces of whole lines. A line split
        between two inflated pieces is joined on its own, so the large pieces are scanned where they were inflated,
        never copied; a piece's ``release`` is called once nothing reads its bytes any more."""
        carry = b""
        focus = None
        if self.alt_counts:  # the child's rows are ALT copies: the positions whose lines this pass takes
            focus = self.wanted.positions().astype("<i8").tobytes()
        for data, begin, stop, lines, release, decoded in text_chunks(self.path, self.label, self.threads, focus):
            start = begin
            if carry:
                if not len(lines):
                    carry += data[begin:stop]
                    release()
                    continue
                first = int(lines[0])
                head = carry + data[begin : first + 1]
                line_end = np.array([len(head) - 1], dtype=np.intp)  # its only line end
                yield head, 0, len(head) - 1, line_end, _kept, _undecoded
                start = first + 1
                lines = lines[1:]
            if not len(lines):
                carry = data[start:stop]
                release()
                continue
            last = int(lines[-1])
            carry = data[last + 1 : stop]  # before the piece is handed on: its release may come before the next
            yield data, start, last, lines, release, decoded
        if carry.strip():
            raise InputError("the last line has no line end (truncated file?)", source=self.label)

    @staticmethod
    def _same_chromosome(
        buffer: npt.NDArray[np.uint8], start: int, ends: npt.NDArray[np.intp], name: bytes, after: int
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]] | None:
        """Where POS ends and what it is on every line of a piece, read together, when all of them are records of
        chromosome ``name`` at plain sorted positions from ``after`` on; None otherwise (a header or blank line, a
        new chromosome, an unusual or unsorted POS), for the line-by-line scan, which names any error."""
        width = len(name) + 1 + _POS_DIGITS + 1
        if not name or width > _HEAD_BYTES:
            return None
        starts = np.empty_like(ends)
        starts[0] = start
        starts[1:] = ends[:-1] + 1
        head = buffer[np.minimum(starts[:, None] + _HEAD_COLUMNS[:width], ends[:, None])]  # a short line reads '\n'
        if (
            not (head[:, : len(name)] == np.frombuffer(name, dtype=np.uint8)).all()
            or (head[:, len(name)] != _TAB).any()
        ):
            return None
        digits = head[:, len(name) + 1 :].astype(np.int64) - _ZERO
        is_digit = (digits >= 0) & (digits <= 9)
        length = np.argmin(is_digit, axis=1)  # the first byte that is not a digit
        rows = np.arange(len(ends))
        if (length == 0).any() or (head[rows, len(name) + 1 + length] != _TAB).any():
            return None
        power = length[:, None] - 1 - _HEAD_COLUMNS[: _POS_DIGITS + 1]
        pos = np.where(power >= 0, digits * _POWERS_OF_TEN[np.maximum(power, 0)], 0).sum(axis=1)
        if pos[0] < max(after, 1) or (len(pos) > 1 and (np.diff(pos) < 0).any()):
            return None
        return starts + len(name) + 1 + length, pos

    def _fields(self, data: bytes | mmap.mmap, begin: int, end: int, chrom: str, pos: int, where: str) -> _Wanted:
        """The fixed fields of a wanted line (from ID on) and where its sample columns lie."""
        stop = end - 1 if data[end - 1] == 13 else end  # CRLF line ends
        head = data[begin : min(stop, begin + FIXED_FIELDS_BYTES)]
        parts = head.split(b"\t", 7)  # ID, REF, ALT, QUAL, FILTER, INFO, FORMAT, then the sample columns
        if len(parts) == 8:
            start = begin + len(head) - len(parts[7])
        else:  # the fixed fields are longer (a long INFO), or missing
            tabs = [begin - 1]
            for _ in range(7):
                found = data.find(b"\t", tabs[-1] + 1, stop)
                if found < 0:
                    raise InputError("too few columns (no FORMAT and samples)", source=self.label, location=where)
                tabs.append(found)
            parts = [data[tabs[i] + 1 : tabs[i + 1]] for i in range(7)]
            start = tabs[7] + 1
        record_id, ref, alt, format_keys = parts[0], parts[1], parts[2], parts[6]
        if not ref or ref.translate(None, _BASES):  # empty, or a character that is not a base
            shown = ref.decode(errors="replace")[:40]
            raise InputError(
                f"REF '{shown}' has characters other than A, C, G, T, N", source=self.label, location=where
            )
        if format_keys != b"GT" and not format_keys.startswith(b"GT:"):
            raise InputError("record has no readable GT for its samples", source=self.label, location=where)
        return _Wanted(
            chrom=chrom,
            pos=pos,
            id=record_id.decode() or ".",
            ref=ref.decode().upper(),
            alts=() if alt == b"." else tuple(alt.decode().upper().split(",")),
            start=start,
            stop=stop,
            where=where,
        )

    def _decoded(
        self, data: bytes | mmap.mmap, last: int, found: list[_Wanted], child: tuple[int, int, int] | None
    ) -> SiteBlock:
        """The wanted lines of one piece decoded: fixed-width lines in batches, the others one by one; as ALT copies
        when asked for, every line is biallelic and every call's alleles are 0, 1 or missing, else as allele pairs.
        ALT copies the inflating child decoded (``child``, see :class:`ChildDecoder`) are taken as they are."""
        buffer = np.frombuffer(data, dtype=np.uint8, count=last + 1)
        biallelic = self.alt_counts and all(len(line.alts) == 1 for line in found)
        counts = self._alt_counts(buffer, found, self._from_child(data, child, found)) if biallelic else None
        return SiteBlock(
            chrom=[line.chrom for line in found],
            pos=[line.pos for line in found],
            ids=[line.id for line in found],
            refs=[line.ref for line in found],
            alts=[line.alts for line in found],
            locations=[line.where for line in found],
            alleles=self._alleles(buffer, found) if counts is None else None,
            alt_counts=counts,
        )

    def _by_width(
        self, found: list[_Wanted], among: Iterable[int]
    ) -> Iterator[tuple[int, npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
        """Batches of fixed-width lines (of rows ``among``): width, their rows among ``found`` and where their sample
        columns start."""
        by_width: dict[int, list[int]] = {}
        for i in among:
            line = found[i]
            width = fixed_width(line.stop - line.start, self.samples_in_file)
            if width:
                by_width.setdefault(width, []).append(i)
        for width, fixed in by_width.items():
            for first in range(0, len(fixed), BATCH_LINES):
                rows = fixed[first : first + BATCH_LINES]
                starts = np.asarray([found[i].start for i in rows], dtype=np.intp)
                yield width, np.asarray(rows, dtype=np.intp), starts

    def _general(self, buffer: npt.NDArray[np.uint8], line: _Wanted) -> npt.NDArray[np.int16]:
        general = decode_calls(buffer[line.start : line.stop], self.columns, self.samples_in_file)
        if isinstance(general, str):
            raise InputError(general, source=self.label, location=line.where)
        return general

    def _from_child(
        self, data: bytes | mmap.mmap, child: tuple[int, int, int] | None, found: list[_Wanted]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int8]] | None:
        """The rows of ``found`` the inflating child decoded (where its decoded line's sample columns start where
        this reader's do, in a file of as many samples) and their ALT copies for the selected samples."""
        if child is None:
            return None
        region, size, lines = child
        samples = int(np.frombuffer(data, dtype=np.int64, count=1, offset=region)[0])
        if samples != self.samples_in_file:
            return None
        keys = np.frombuffer(data, dtype=np.int64, count=lines, offset=region + 8)
        starts = np.fromiter((line.start for line in found), dtype=np.int64, count=len(found))
        at = np.minimum(np.searchsorted(keys, starts), lines - 1)
        hits = np.flatnonzero(keys[at] == starts)
        rows = ChildDecoder.rows(data, region, size, samples, lines)
        taken = rows[at[hits]]
        del rows, keys
        if len(self.columns) != samples or (self.columns != np.arange(samples)).any():
            taken = taken[:, self.columns]
        return hits, taken

    def _alt_counts(
        self,
        buffer: npt.NDArray[np.uint8],
        found: list[_Wanted],
        child: tuple[npt.NDArray[np.intp], npt.NDArray[np.int8]] | None,
    ) -> npt.NDArray[np.int8] | None:
        """ALT copies of biallelic lines (the child's rows, else :func:`decode_fixed_alt_counts`); None when a call
        has another allele."""
        counts = np.empty((len(found), len(self.columns)), dtype=np.int8)
        done = np.zeros(len(found), dtype=np.bool_)
        if child is not None:
            hits, taken = child
            counts[hits] = taken
            done[hits] = True
        for width, rows, starts in self._by_width(found, np.flatnonzero(~done).tolist()):
            decoded, ok = decode_fixed_alt_counts(buffer, starts, width, self.columns, self.samples_in_file)
            if ok.all():
                counts[rows] = decoded
            else:
                counts[rows[ok]] = decoded[ok]
            done[rows[ok]] = True
        for i in np.flatnonzero(~done).tolist():
            alleles = self._general(buffer, found[i])
            if (alleles > 1).any():
                return None
            counts[i] = np.count_nonzero(alleles == 1, axis=1)
            counts[i, alleles[:, 0] < 0] = MISSING_COPIES
        return counts

    def _alleles(self, buffer: npt.NDArray[np.uint8], found: list[_Wanted]) -> npt.NDArray[np.int16]:
        """Allele pairs of the lines (:func:`decode_fixed`, else :func:`decode_calls`)."""
        alleles = np.empty((len(found), len(self.columns), 2), dtype=np.int16)
        done = np.zeros(len(found), dtype=np.bool_)
        for width, rows, starts in self._by_width(found, range(len(found))):
            decoded, ok = decode_fixed(buffer, starts, width, self.columns, self.samples_in_file)
            if ok.all():
                alleles[rows] = decoded
            else:
                alleles[rows[ok]] = decoded[ok]
            done[rows[ok]] = True
        for i in np.flatnonzero(~done).tolist():
            alleles[i] = self._general(buffer, found[i])
        return alleles


def _released(decoding: Future[SiteBlock], release: Callable[[], None]) -> SiteBlock:
    """A piece's decoded block, its text released (the block holds copies)."""
    block = decoding.result()
    release()
    return block


class ChildDecoder:
    """ALT copies of every sample decoded in the inflating child while it waits (:class:`tailormed.bgzf.SlotDecoder`),
    for :meth:`TextScan.blocks` to take instead of decoding the lines again.

    A line is decoded as :func:`decode_fixed_alt_counts` decodes a biallelic fixed-width line with a GT first, for
    every sample of the file, once the reader has said which positions it wants (:meth:`focus`) only at one of them
    (on any chromosome: a few lines too many cost less than reading the chromosome's name); any other line is left
    to the reader. A slot's region holds the file's number of
    samples, a key per line (where its sample columns start when decoded, else where it ends: the keys increase),
    then a row per line. The reader takes a row only for a line whose sample columns start where the key says, in a
    file of as many samples, so both read the same bytes the same way.
    """

    def __init__(self, samples_in_file: int) -> None:
        self.samples = samples_in_file
        self.columns = np.arange(samples_in_file, dtype=np.intp)
        self.positions: npt.NDArray[np.int64] | None = None  # the reader's wanted positions, sorted, once it says

    def focus(self, data: bytes) -> None:
        self.positions = np.frombuffer(data, dtype="<i8")

    def lines(self, region_bytes: int) -> int:
        return (region_bytes - 8) // (8 + self.samples)

    @staticmethod
    def rows(data: bytes | mmap.mmap, region: int, size: int, samples: int, lines: int) -> npt.NDArray[np.int8]:
        """The first ``lines`` rows of a region of ``size`` bytes."""
        capacity = (size - 8) // (8 + samples)
        offset = region + 8 * (1 + capacity)
        return np.frombuffer(data, dtype=np.int8, count=lines * samples, offset=offset).reshape(lines, samples)

    def decode(self, ring: mmap.mmap, ends: array[int], first: int, stop: int, region: int, region_bytes: int) -> None:
        samples = self.samples
        keys = np.frombuffer(ring, dtype=np.int64, count=1 + stop, offset=region)
        keys[0] = samples
        if first == 1:
            keys[1] = ends[0]  # the slot's first line may have begun in another slot: never decoded here
        found: list[tuple[int, int, int, bytes]] = []  # line, width, sample columns' start, POS
        find = ring.find
        for i in range(first, stop):
            begin, end = ends[i - 1] + 1, ends[i]
            keys[1 + i] = end
            tabs = [begin - 1]
            while len(tabs) < 10 and tabs[-1] >= 0:
                tabs.append(find(b"\t", tabs[-1] + 1, end))
            if ring[begin] == 35 or tabs[-1] < 0:  # a header line, or too few columns
                continue
            format_keys = ring[tabs[8] + 1 : tabs[9]]
            if format_keys != b"GT" and not format_keys.startswith(b"GT:"):
                continue
            start = tabs[9] + 1
            width = fixed_width((end - 1 if ring[end - 1] == 13 else end) - start, samples)
            if width:
                found.append((i, width, start, ring[tabs[1] + 1 : tabs[2]]))
        if self.positions is not None and found:
            try:
                positions = np.array([int(pos) for *_, pos in found], dtype=np.int64)
            except ValueError:  # a POS the reader reports
                return
            at = np.minimum(np.searchsorted(self.positions, positions), max(len(self.positions) - 1, 0))
            wanted = self.positions[at] == positions if len(self.positions) else np.zeros(len(found), np.bool_)
            found = [line for line, keep in zip(found, wanted.tolist(), strict=True) if keep]
        by_width: dict[int, tuple[list[int], list[int]]] = {}
        for i, width, start, _ in found:
            rows, starts = by_width.setdefault(width, ([], []))
            rows.append(i)
            starts.append(start)
        if not by_width:
            return
        buffer = np.frombuffer(ring, dtype=np.uint8)
        decoded_rows = self.rows(ring, region, region_bytes, samples, stop)
        for width, (rows, starts) in by_width.items():
            at = np.asarray(starts, dtype=np.intp)
            counts, ok = decode_fixed_alt_counts(buffer, at, width, self.columns, samples)
            good = np.asarray(rows, dtype=np.intp)[ok]
            decoded_rows[good] = counts[ok]
            keys[1 + good] = at[ok]


@dataclass(slots=True)
class _Wanted:
    chrom: str
    pos: int
    id: str
    ref: str
    alts: tuple[str, ...]
    start: int  # first byte of the sample columns
    stop: int  # end of the line (without CR/LF)
    where: str
