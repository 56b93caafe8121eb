"""BGZF text inflated block by block, in the reader's threads or ahead of it in a child process.

A cohort VCF is mostly genotype text, and inflating it is about a third of a scoring pass's CPU time. The reader's
threads share one interpreter lock with the parsing, so every inflated block has to wait for it; a child process
inflates on the other core without it. Started by a command before it has loaded its heavier modules
(:func:`inflating`), the child has the first part of the file ready by the time the reader asks for it, in a ring
of memory shared with the parent: fixed slots of text, each handed over with where its lines end, each reused only
once the reader has released it. The ring bounds memory whatever the file's length.

Only the standard library (and ISA-L's inflater when installed) is imported here, so starting the child costs the
command no import time.
"""

from __future__ import annotations

import mmap
import os
import struct
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import cast

from tailormed.errors import InputError

_decompress: Callable[[bytes, int], bytes] = zlib.decompress
_crc32: Callable[[bytes], int] = zlib.crc32
_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error,)
try:  # ISA-L's inflater (the ``cohort`` extra): the same inflated bytes as zlib, several times faster
    from isal import isal_zlib
except ImportError:  # pragma: no cover - depends on the installed extras
    pass
else:
    _decompress, _crc32 = isal_zlib.decompress, isal_zlib.crc32
    _INFLATE_ERRORS = (zlib.error, cast(type[Exception], isal_zlib.error))

#: Compressed bytes read at once (some tens of BGZF blocks).
JOB_BYTES = 1 << 20
#: Text per slot of the shared ring (a BGZF block inflates to at most 64 KiB, so a slot always holds one).
SLOT_BYTES = 8 << 20
#: Slots of the ring: the child runs ahead of the reader by up to this many less two.
SLOTS = 8
#: Compressed size from which :func:`inflating` starts a child (below it, the threads are as quick).
MIN_AHEAD_BYTES = 1 << 20
#: Selected samples from which a score-only pass reads a VCF's text itself (fewer: through htslib and an index).
COHORT_SAMPLES = 50
#: Header text searched for the ``#CHROM`` line before a child is started.
_HEADER_BYTES = 4 << 20

_HEADER = struct.Struct("<qqq")  # slot (or _END, _FAILED), bytes of text (or failure kind), line ends (or length)
_END, _FAILED = -2, -1
_INPUT, _OTHER = 1, 2


def jobs(path: Path) -> Iterator[bytes]:
    """Runs of whole BGZF blocks, about :data:`JOB_BYTES` each, in file order."""
    with path.open("rb") as handle:
        pending = b""
        while True:
            chunk = handle.read(JOB_BYTES)
            if not chunk:
                break
            pending += chunk
            end = 0
            while end + 18 <= len(pending):
                size = struct.unpack_from("<H", pending, end + 16)[0] + 1
                if end + size > len(pending):
                    break
                end += size
            if end:
                yield pending[:end]
                pending = pending[end:]
        if pending:
            raise InputError("truncated or corrupt BGZF data at the end of the file", source=path)


def inflate_block(job: bytes, offset: int, label: str) -> tuple[bytes, int]:
    """The text of the BGZF block at ``offset`` of ``job`` and where the next block starts, checking the block's
    header, CRC-32 and length."""
    if job[offset : offset + 4] != b"\x1f\x8b\x08\x04" or job[offset + 12 : offset + 14] != b"BC":
        raise InputError("corrupt BGZF block (bad header)", source=label)
    size = struct.unpack_from("<H", job, offset + 16)[0] + 1
    crc, length = struct.unpack_from("<II", job, offset + size - 8)
    try:
        text = _decompress(job[offset + 18 : offset + size - 8], -15)
    except _INFLATE_ERRORS as exc:
        raise InputError(f"corrupt BGZF block ({exc})", source=label) from exc
    if len(text) != length or _crc32(text) != crc:
        raise InputError("corrupt BGZF block (CRC-32 or length mismatch)", source=label)
    return text, offset + size


def line_ends(text: bytes, offset: int, into: list[int] | array[int]) -> None:
    """Append where ``text``'s line ends are, plus ``offset`` (a find per line: lines of a cohort are long, and a
    block just inflated is in the cache, so this is cheaper than comparing every byte with numpy)."""
    find = text.find
    end = find(b"\n")
    while end >= 0:
        into.append(end + offset)
        end = find(b"\n", end + 1)


def cohort_samples(path: Path) -> int:
    """How many samples the ``#CHROM`` line of a BGZF-compressed text VCF names; 0 for anything else (plain text,
    BCF, plain gzip, a header longer than :data:`_HEADER_BYTES` or one that does not end)."""
    text = b""
    for job in jobs(path):
        offset = 0
        while offset < len(job):
            block, offset = inflate_block(job, offset, str(path))
            text += block
            if not text.startswith(b"##fileformat=VCF"[: len(text)]):
                return 0
            start = text.find(b"\n#CHROM\t")
            end = text.find(b"\n", start + 1) if start >= 0 else -1
            if end >= 0:
                return max(0, text.count(b"\t", start, end) - 8)
            if len(text) > _HEADER_BYTES:
                return 0
    return 0


class _ClosedError(Exception):
    """The parent closed its end: the child stops."""


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read(fd: int, size: int) -> bytes:
    parts: list[bytes] = []
    while size:
        part = os.read(fd, size)
        if not part:
            raise _ClosedError
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _fill(path: Path, ring: mmap.mmap, slot_bytes: int, slots: int, out: int, freed: int) -> None:
    """The child's work: every block inflated into the ring, a message per filled slot, then the end."""
    free: deque[int] = deque(range(slots))
    slot, fill, ends = free.popleft(), 0, array("q")
    pending = b""
    for job in jobs(path):
        offset = 0
        while offset < len(job):
            text, offset = inflate_block(job, offset, str(path))
            if len(text) > slot_bytes:
                raise ValueError(f"a BGZF block of {len(text)} bytes does not fit a slot of {slot_bytes}")
            if fill + len(text) > slot_bytes:
                _write(out, _HEADER.pack(slot, fill, len(ends)) + ends.tobytes())
                while not free:
                    data = os.read(freed, 8 * slots)
                    if not data:
                        raise _ClosedError
                    pending += data
                    whole = len(pending) - len(pending) % 8
                    free.extend(struct.unpack(f"<{whole // 8}q", pending[:whole]))
                    pending = pending[whole:]
                slot, fill, ends = free.popleft(), 0, array("q")
            start = slot * slot_bytes + fill
            ring[start : start + len(text)] = text
            line_ends(text, start, ends)
            fill += len(text)
    if fill:
        _write(out, _HEADER.pack(slot, fill, len(ends)) + ends.tobytes())
    _write(out, _HEADER.pack(_END, 0, 0))


class Ahead:
    """A child process inflating a BGZF file into a ring shared with this process (see the module's notes)."""

    def __init__(self, path: Path, slot_bytes: int = SLOT_BYTES, slots: int = SLOTS) -> None:
        self.path = path
        self.identity = _identity(path)
        self.slot_bytes = slot_bytes
        self.ring = mmap.mmap(-1, slot_bytes * slots)  # shared with the child, anonymous
        out_read, out_write = os.pipe()
        freed_read, freed_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, whose coverage is not collected
            try:
                os.close(out_read)
                os.close(freed_write)
                _fill(path, self.ring, slot_bytes, slots, out_write, freed_read)
                _drain(freed_read)  # until the parent has let the ring go: the last to unmap it frees its pages
            except (_ClosedError, BrokenPipeError):
                pass
            except InputError as exc:
                _fail(out_write, _INPUT, exc.message)
            except BaseException as exc:  # reported to the parent, which raises it
                _fail(out_write, _OTHER, f"{type(exc).__name__}: {exc}")
            finally:
                os._exit(0)
        os.close(out_write)
        os.close(freed_read)
        self.pid: int | None = pid
        self._out = out_read
        self._freed = freed_write
        self._held = 0  # slots handed to the reader and not released yet
        self._ended = False  # the child has sent the end of the text
        self._pipes_open = True

    def pieces(self, label: str) -> Iterator[tuple[mmap.mmap, int, int, bytes, Callable[[], None]]]:
        """The text in order as (ring, first byte, end, line ends, release) slots: the line ends are the ring offsets
        of the slot's newlines as native int64, and the slot's bytes stay as they are until ``release`` is called.
        An error the child met is raised here, in its place in the file."""
        while True:
            slot, size, count = _HEADER.unpack(self._receive(_HEADER.size))
            if slot == _END:
                self._ended = True
                if not self._held:
                    self._let_go()
                return
            if slot == _FAILED:
                message = self._receive(count).decode()
                if size == _INPUT:
                    raise InputError(message, source=label)
                raise OSError(f"{label}: {message}")
            start = slot * self.slot_bytes
            ends = self._receive(8 * count)
            self._held += 1
            yield self.ring, start, start + size, ends, partial(self._release, slot)

    def _release(self, slot: int) -> None:
        self._held -= 1
        if self._ended:
            if not self._held:
                self._let_go()
        elif self._pipes_open:
            with suppress(BrokenPipeError):  # the child has stopped: it needs no slot any more
                _write(self._freed, struct.pack("<q", slot))

    def _let_go(self) -> None:
        """Once the whole text is read and released: unmap the ring, then close the pipes, so the child, the ring's
        last holder, frees its shared pages on its own core (tens of milliseconds for a ring of 64 MB) while this
        process finishes its work. A view still exporting the ring leaves it to be unmapped when collected."""
        with suppress(BufferError):
            self.ring.close()
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self._pipes_open:
            self._pipes_open = False
            os.close(self._out)
            os.close(self._freed)

    def _receive(self, size: int) -> bytes:
        try:
            return _read(self._out, size)
        except _ClosedError:
            raise OSError(f"{self.path}: the inflating process stopped") from None

    def close(self) -> None:
        """Stop the child (closing its pipes ends it at its next slot) and reap it."""
        if self.pid is None:
            return
        self._close_pipes()
        os.waitpid(self.pid, 0)
        self.pid = None


def _drain(freed: int) -> None:  # pragma: no cover - runs in the child
    """Read released slots, now unneeded, until the parent closes its end."""
    while os.read(freed, 1 << 16):
        pass


def _fail(out: int, kind: int, message: str) -> None:  # pragma: no cover - runs in the child
    data = message.encode()
    with suppress(OSError):
        _write(out, _HEADER.pack(_FAILED, kind, len(data)) + data)


def _identity(path: Path) -> tuple[int, int, int, int]:
    found = path.stat()
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


_started: dict[tuple[int, int, int, int], Ahead] = {}


@contextmanager
def inflating(
    path: Path | None, selected: int | None = None, slot_bytes: int = SLOT_BYTES, slots: int = SLOTS
) -> Iterator[None]:
    """``path`` inflated ahead in a child process while the block runs, for the first text pass over it
    (:func:`take`), when that pass will read its text: a BGZF-compressed VCF of at least :data:`MIN_AHEAD_BYTES`
    whose header names :data:`COHORT_SAMPLES` or more samples, of which the command selects as many (``selected``;
    None: all). Nothing otherwise, nor on a machine of one core or without ``fork``. A damaged header is left to
    the reader to report. A file already inflating ahead (a command that started it before loading anything else)
    is left to the block that started it."""
    ahead = None
    if (
        path is not None
        and not _inflating(path)
        and hasattr(os, "fork")
        and (os.cpu_count() or 1) >= 2
        and (selected is None or selected >= COHORT_SAMPLES)
        and path.is_file()
        and path.stat().st_size >= MIN_AHEAD_BYTES
        and _readable_cohort(path)
    ):
        ahead = Ahead(path, slot_bytes, slots)
        _started[ahead.identity] = ahead
    try:
        yield
    finally:
        if ahead is not None:
            _started.pop(ahead.identity, None)
            ahead.close()


def _inflating(path: Path) -> bool:
    try:
        return _identity(path) in _started
    except OSError:
        return False


def _readable_cohort(path: Path) -> bool:
    try:
        return cohort_samples(path) >= COHORT_SAMPLES
    except (InputError, OSError):
        return False


def take(path: Path) -> Ahead | None:
    """The child inflating ``path`` ahead, if one was started and nobody has taken it yet."""
    if not _started:
        return None
    return _started.pop(_identity(path), None)
