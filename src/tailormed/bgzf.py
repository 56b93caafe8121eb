"""BGZF text inflated block by block, in the reader's threads or ahead of it in a child process.

A cohort VCF is mostly genotype text, and inflating it is about a third of a scoring pass's CPU time. The reader's
threads share one interpreter lock with the parsing, so every inflated block has to wait for it; a child process
inflates on the other core without it. Started by a command before it has loaded its heavier modules
(:func:`inflating`), the child has the first part of the file ready by the time the reader asks for it, in a ring
of memory shared with the parent: fixed slots of text, each handed over with where its lines end, each reused only
once the reader has released it. The ring bounds memory whatever the file's length.

While it waits for the reader to release a slot (during the command's start-up, and whenever inflating runs ahead
of the reading), the child can decode lines of the slots it has filled, newest first, into a region of the ring
beside each slot (a :class:`SlotDecoder` the command gives, loaded in the child only once it first waits). Each run
of decoded lines is announced on the pipe the slots are: the reader uses a slot's decoded lines only once it has
read that message, so the pipe orders the child's writes before the reader's reads on any processor. Decoding never
delays inflating: the child looks for a released slot between runs of :data:`DECODE_LINES` lines.

Only the standard library (and ISA-L's inflater when installed) is imported here, so starting the child costs the
command no import time.
"""

from __future__ import annotations

import mmap
import os
import select
import struct
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from tailormed.errors import InputError

if TYPE_CHECKING:
    from threading import Thread

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
#: Lines the child decodes between two looks for a released slot.
DECODE_LINES = 256
#: Bytes of the ring for what the reader tells the child's decoder to look for (see :meth:`Ahead.focus`).
FOCUS_BYTES = 8 << 20
#: Compressed size from which :func:`inflating` starts a child (below it, the threads are as quick).
MIN_AHEAD_BYTES = 1 << 20
#: Selected samples from which a score-only pass reads a VCF's text itself (fewer: through htslib and an index).
COHORT_SAMPLES = 50
#: Header text searched for the ``#CHROM`` line before a child is started.
_HEADER_BYTES = 4 << 20

# slot (or _END, _FAILED, _DECODED), bytes of text (or failure kind, or piece), line ends (or length, or lines)
_HEADER = struct.Struct("<qqq")
_END, _FAILED, _DECODED = -2, -1, -3
_FOCUS = -1  # on the pipe of released slots: the focus is in the ring, this many bytes
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


class SlotDecoder(Protocol):
    """Decodes lines of a filled slot in the child, into a region of the ring the reader knows how to read."""

    def lines(self, region_bytes: int) -> int:
        """How many lines of a slot a region of ``region_bytes`` holds."""
        ...

    def focus(self, data: bytes) -> None:
        """What the reader said it looks for (:meth:`Ahead.focus`): lines it does not want need no decoding."""
        ...

    def decode(self, ring: mmap.mmap, ends: array[int], first: int, stop: int, region: int, region_bytes: int) -> None:
        """Lines ``first`` to ``stop`` of a slot decoded into the region at ``region``: line i runs from
        ``ends[i - 1] + 1`` to ``ends[i]`` (``first`` is 1 or more: the slot's first bytes may end a line that began
        in another slot)."""
        ...


#: Makes the child's decoder for a file naming so many samples; called in the child, which loads its modules then.
DecoderFactory = Callable[[int], SlotDecoder]


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _readable(fd: int, wait_ms: int = 0) -> bool:
    """Whether ``fd`` has something to read (or its writer has gone), waiting up to ``wait_ms``; ``poll`` takes
    descriptors of any number, which ``select`` does not."""
    ready = select.poll()
    ready.register(fd, select.POLLIN)
    return bool(ready.poll(wait_ms))


class _Held:
    """A slot the child has handed to the reader: its piece's number, line ends and next line to decode."""

    __slots__ = ("ends", "next", "piece")

    def __init__(self, piece: int, ends: array[int]) -> None:
        self.piece = piece
        self.ends = ends
        self.next = 1


class _Child:
    """The child's side: inflating into free slots, and decoding lines of the held ones while none is free."""

    def __init__(
        self,
        path: Path,
        ring: mmap.mmap,
        sizes: tuple[int, int, int],
        pipes: tuple[int, int],
        decoder: DecoderFactory | None,
    ) -> None:
        self.path = path
        self.ring = ring
        self.slot_bytes, self.slots, self.decoded_bytes = sizes
        self.out, self.freed = pipes
        self.free: deque[int] = deque(range(self.slots))
        self.held: dict[int, _Held] = {}
        self.pending = b""
        self.pieces = 0
        self.factory = decoder
        self.loader: Thread | None = None
        self.decoder: SlotDecoder | None = None
        self.failure: BaseException | None = None
        self.capacity = 0  # lines a slot's region holds
        self.focus: bytes | None = None  # what the reader looks for, until the decoder has it

    def fill(self) -> None:
        """Every block inflated into the ring, a message per filled slot, then the end; then, until the reader lets
        the ring go, the held slots' lines decoded."""
        slot, fill, ends = self.free.popleft(), 0, array("q")
        for job in jobs(self.path):
            offset = 0
            while offset < len(job):
                text, offset = inflate_block(job, offset, str(self.path))
                if len(text) > self.slot_bytes:
                    raise ValueError(f"a BGZF block of {len(text)} bytes does not fit a slot of {self.slot_bytes}")
                if fill + len(text) > self.slot_bytes:
                    self._send(slot, fill, ends)
                    while not self.free:
                        self._wait()
                    slot, fill, ends = self.free.popleft(), 0, array("q")
                start = slot * self.slot_bytes + fill
                self.ring[start : start + len(text)] = text
                line_ends(text, start, ends)
                fill += len(text)
        if fill:
            self._send(slot, fill, ends)
        _write(self.out, _HEADER.pack(_END, 0, 0))
        while True:  # until the parent has let the ring go: the last to unmap it frees its pages
            self._wait()

    def _send(self, slot: int, fill: int, ends: array[int]) -> None:
        _write(self.out, _HEADER.pack(slot, fill, len(ends)) + ends.tobytes())
        self.held[slot] = _Held(self.pieces, ends)
        self.pieces += 1

    def _wait(self) -> None:
        """Until the reader releases a slot: decode lines of held slots, newest first (the reader comes to them
        last), looking for a release between runs."""
        while True:
            slot = self._undecoded()
            loading = slot is None and self.loader is not None and self.loader.is_alive()
            if loading and not _readable(self.freed, 5):  # a release, or the decoder loaded, ends the wait
                continue
            if slot is None or _readable(self.freed):
                data = os.read(self.freed, 8 * self.slots)
                if not data:
                    raise _ClosedError
                self.pending += data
                words = struct.unpack(f"<{len(self.pending) // 8}q", self.pending[: len(self.pending) // 8 * 8])
                used = 0
                while used < len(words):
                    if words[used] == _FOCUS:
                        if used + 1 == len(words):
                            break  # its length comes with the next read
                        start = self.slots * (self.slot_bytes + self.decoded_bytes)
                        self.focus = self.ring[start : start + words[used + 1]]
                        used += 2
                    else:
                        self.free.append(words[used])
                        self.held.pop(words[used], None)
                        used += 1
                self.pending = self.pending[8 * used :]
                if self.free:
                    return
                continue
            held = self.held[slot]
            stop = min(held.next + DECODE_LINES, len(held.ends), self.capacity)
            region = self.slots * self.slot_bytes + slot * self.decoded_bytes
            assert self.decoder is not None
            self.decoder.decode(self.ring, held.ends, held.next, stop, region, self.decoded_bytes)
            held.next = stop
            _write(self.out, _HEADER.pack(_DECODED, held.piece, stop))

    def _undecoded(self) -> int | None:
        """The newest held slot with lines left to decode, if any, once the decoder is loaded: in a thread started
        the first time the child waits, so a slot released meanwhile is inflated into at once (loading numpy takes
        about a tenth of a second)."""
        if self.factory is None:
            return None
        if self.loader is None:
            from threading import Thread

            self.loader = Thread(target=self._load, args=(self.factory,), daemon=True)
            self.loader.start()
        if self.loader.is_alive():
            return None
        if self.failure is not None:
            raise self.failure
        if self.decoder is None:
            return None
        if self.focus is not None:
            self.decoder.focus(self.focus)
            self.focus = None
        limit = self.capacity
        left = [(held.piece, slot) for slot, held in self.held.items() if held.next < min(len(held.ends), limit)]
        return max(left)[1] if left else None

    def _load(self, factory: DecoderFactory) -> None:
        try:
            samples = cohort_samples(self.path)
        except (InputError, OSError):  # a header the reader reports in its place: nothing decoded here
            return
        try:
            if samples > 0:
                self.decoder = factory(samples)
                self.capacity = self.decoder.lines(self.decoded_bytes)
        except BaseException as exc:  # raised in the child's main thread, which reports it
            self.failure = exc


class Ahead:
    """A child process inflating a BGZF file into a ring shared with this process (see the module's notes)."""

    def __init__(
        self,
        path: Path,
        slot_bytes: int = SLOT_BYTES,
        slots: int = SLOTS,
        decoder: DecoderFactory | None = None,
    ) -> None:
        self.path = path
        self.identity = _identity(path)
        self.slot_bytes = slot_bytes
        self.slots = slots
        # beside each slot, for its decoded lines: a sample's call takes at least four bytes of text, one decoded
        self.decoded_bytes = slot_bytes // 4 if decoder is not None else 0
        focus = FOCUS_BYTES if decoder is not None else 0  # untouched pages of an anonymous map cost nothing
        self.ring = mmap.mmap(-1, (slot_bytes + self.decoded_bytes) * slots + focus)  # shared with the child
        out_read, out_write = os.pipe()
        freed_read, freed_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, whose coverage is not collected
            try:
                os.close(out_read)
                os.close(freed_write)
                sizes = (slot_bytes, slots, self.decoded_bytes)
                _Child(path, self.ring, sizes, (out_write, freed_read), decoder).fill()
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
        self._inbox = bytearray()  # bytes from the child not yet read as messages
        self._messages: deque[tuple[int, int, int, bytes]] = deque()  # slots, the end or a failure, in order
        self._decoded: dict[int, int] = {}  # lines the child has decoded, by piece not yet released
        self._given = 0  # pieces handed to the reader
        self._held: set[int] = set()  # pieces handed to the reader and not released yet
        self._ended = False  # the child has sent the end of the text
        self._pipes_open = True
        self._focused = False  # the child has been told what the reader looks for

    def pieces(
        self, label: str
    ) -> Iterator[tuple[mmap.mmap, int, int, bytes, Callable[[], None], Callable[[], tuple[int, int, int] | None]]]:
        """The text in order as (ring, first byte, end, line ends, release, decoded) slots: the line ends are the
        ring offsets of the slot's newlines as native int64, and the slot's bytes stay as they are until ``release``
        is called; ``decoded`` gives where the slot's decoded region is, its size and how many of its lines the
        child has decoded so far (None: none). An error the child met is raised here, in its place in the file."""
        while True:
            while not self._messages:
                if not self._receive():
                    raise OSError(f"{self.path}: the inflating process stopped")
            slot, size, _, body = self._messages.popleft()
            if slot == _END:
                self._ended = True
                if not self._held:
                    self._let_go()
                return
            if slot == _FAILED:
                if size == _INPUT:
                    raise InputError(body.decode(), source=label)
                raise OSError(f"{label}: {body.decode()}")
            start = slot * self.slot_bytes
            piece = self._given
            self._given += 1
            self._held.add(piece)
            yield (
                self.ring,
                start,
                start + size,
                body,
                partial(self._release, slot, piece),
                partial(self._lines_decoded, slot, piece),
            )

    def focus(self, data: bytes) -> None:
        """Tell the child's decoder what this reader looks for (for a VCF, the wanted positions), once and if it
        fits the ring's :data:`FOCUS_BYTES`, so the child decodes no line the reader will not take. The bytes are
        written into the ring before the pipe says so."""
        if not self.decoded_bytes or self._focused or not self._pipes_open or len(data) > FOCUS_BYTES:
            return
        self._focused = True
        start = self.slots * (self.slot_bytes + self.decoded_bytes)
        self.ring[start : start + len(data)] = data
        with suppress(BrokenPipeError):
            _write(self._freed, struct.pack("<qq", _FOCUS, len(data)))

    def _release(self, slot: int, piece: int) -> None:
        self._held.discard(piece)
        self._decoded.pop(piece, None)
        if self._ended:
            if not self._held:
                self._let_go()
        elif self._pipes_open:
            with suppress(BrokenPipeError):  # the child has stopped: it needs no slot any more
                _write(self._freed, struct.pack("<q", slot))

    def _lines_decoded(self, slot: int, piece: int) -> tuple[int, int, int] | None:
        """The slot's decoded region (offset in the ring, bytes) and the lines the child has decoded in it, after
        reading every message the child has sent so far (the pipe orders its writes before this process's reads)."""
        if not self.decoded_bytes or not self._pipes_open:
            return None
        while _readable(self._out) and self._receive():
            pass
        lines = self._decoded.get(piece, 0)
        if not lines:
            return None
        return self.slots * self.slot_bytes + slot * self.decoded_bytes, self.decoded_bytes, lines

    def _receive(self) -> bool:
        """Read what the child has sent (waiting for it), queueing slots and noting decoded lines; False at the
        pipe's end."""
        data = os.read(self._out, 1 << 16)
        if not data:
            return False
        inbox = self._inbox
        inbox += data
        at = 0
        while len(inbox) - at >= _HEADER.size:
            slot, size, count = _HEADER.unpack_from(inbox, at)
            body = 8 * count if slot >= 0 else count if slot == _FAILED else 0
            if len(inbox) - at - _HEADER.size < body:
                break
            if slot == _DECODED:
                if size in self._held or size >= self._given:
                    self._decoded[size] = count
            else:
                self._messages.append((slot, size, count, bytes(inbox[at + _HEADER.size : at + _HEADER.size + body])))
            at += _HEADER.size + body
        del inbox[:at]
        return True

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

    def close(self) -> None:
        """Stop the child (closing its pipes ends it at its next slot) and reap it."""
        if self.pid is None:
            return
        self._close_pipes()
        os.waitpid(self.pid, 0)
        self.pid = None


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
    path: Path | None,
    selected: int | None = None,
    slot_bytes: int = SLOT_BYTES,
    slots: int = SLOTS,
    decoder: DecoderFactory | None = None,
) -> Iterator[None]:
    """``path`` inflated ahead in a child process while the block runs, for the first text pass over it
    (:func:`take`), when that pass will read its text: a BGZF-compressed VCF of at least :data:`MIN_AHEAD_BYTES`
    whose header names :data:`COHORT_SAMPLES` or more samples, of which the command selects as many (``selected``;
    None: all). Nothing otherwise, nor on a machine of one core or without ``fork``. A damaged header is left to
    the reader to report. A file already inflating ahead (a command that started it before loading anything else)
    is left to the block that started it. With a ``decoder`` the child decodes lines while it waits (see the
    module's notes)."""
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
        ahead = Ahead(path, slot_bytes, slots, decoder)
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
