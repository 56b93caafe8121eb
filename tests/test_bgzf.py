"""BGZF text inflated ahead in a child process: the file's text and line ends in order, slots reused only once
released, the child's errors raised in their place, and the child gone once closed."""

from __future__ import annotations

import mmap
import os
import struct
import threading
import time
import zlib
from array import array
from pathlib import Path

import pytest

from tailormed import bgzf
from tailormed.errors import InputError

from .conftest import bgzf_blocks

TEXT = b"".join(b"chr1\t%d\t" % i + b"0/1\t" * (i % 7) + b"\n" for i in range(200))


def test_slots_hold_the_text_in_order_with_its_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf.gz"
    path.write_bytes(bgzf_blocks(TEXT, 100))
    ahead = bgzf.Ahead(path, slot_bytes=250, slots=2)  # two blocks a slot, two slots for the whole file
    text = b""
    try:
        for ring, begin, stop, ends, release, _ in ahead.pieces("a"):
            piece = ring[begin:stop]
            found = [int(end) for end in memoryview(ends).cast("q")]
            assert found == [begin + i for i, byte in enumerate(piece) if byte == 10]
            text += piece
            release()
    finally:
        ahead.close()
    assert text == TEXT


def test_a_slot_is_not_written_again_before_it_is_released(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf.gz"
    path.write_bytes(bgzf_blocks(TEXT, 100))
    ahead = bgzf.Ahead(path, slot_bytes=100, slots=2)
    try:
        pieces = ahead.pieces("a")
        ring, begin, stop, _, release_first, _ = next(pieces)
        first = ring[begin:stop]
        _, begin_2, stop_2, _, release_second, _ = next(pieces)
        second = ring[begin_2:stop_2]
        os.sched_yield()
        assert (ring[begin:stop], ring[begin_2:stop_2]) == (first, second)  # the child waits for a free slot
        release_first()
        ring, begin_3, stop_3, _, _, _ = next(pieces)
        assert begin_3 == begin  # the released slot, refilled with the next block
        assert first + second + ring[begin_3:stop_3] == TEXT[:300]
        assert ring[begin_2:stop_2] == second
        release_second()
    finally:
        ahead.close()


@pytest.mark.parametrize(
    ("damage", "message"),
    [("crc", "CRC-32 or length mismatch"), ("header", "bad header"), ("truncated", "truncated or corrupt BGZF")],
)
def test_the_childs_error_comes_after_the_good_text(tmp_path: Path, damage: str, message: str) -> None:
    data = bytearray(bgzf_blocks(TEXT, 100))
    block_size = struct.unpack_from("<H", data, 16)[0] + 1
    later = 10 * block_size  # about the eleventh block (blocks differ slightly in size)
    while data[later : later + 4] != b"\x1f\x8b\x08\x04":
        later += 1
    if damage == "crc":
        size = struct.unpack_from("<H", data, later + 16)[0] + 1
        data[later + size - 8] ^= 0xFF
    elif damage == "header":
        data[later + 12] = ord("X")
    else:
        data = data[: later + 30]
    path = tmp_path / "broken.vcf.gz"
    path.write_bytes(bytes(data))
    ahead = bgzf.Ahead(path, slot_bytes=100, slots=3)
    text = b""
    try:
        with pytest.raises(InputError, match=message) as raised:
            for ring, begin, stop, _, release, _ in ahead.pieces("broken.vcf.gz"):
                text += ring[begin:stop]
                release()
    finally:
        ahead.close()
    assert raised.value.source == "broken.vcf.gz"
    assert TEXT.startswith(text)
    assert len(text) >= 900  # every block before the damaged one


def test_a_block_larger_than_a_slot_is_an_error_not_an_overflow(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf.gz"
    path.write_bytes(bgzf_blocks(TEXT, 100))
    ahead = bgzf.Ahead(path, slot_bytes=99, slots=2)
    try:
        with pytest.raises(OSError, match="does not fit a slot of 99"):
            next(ahead.pieces("a"))
    finally:
        ahead.close()


def test_closing_early_ends_the_child(tmp_path: Path) -> None:
    path = tmp_path / "a.vcf.gz"
    path.write_bytes(bgzf_blocks(TEXT, 100))
    ahead = bgzf.Ahead(path, slot_bytes=100, slots=2)
    pid = ahead.pid
    assert pid is not None
    next(ahead.pieces("a"))  # the child now waits for a slot
    ahead.close()
    assert ahead.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped
    ahead.close()  # twice is fine


def _exited(pid: int) -> bool:
    """Whether the process has ended (a zombie waiting to be reaped); Linux's /proc."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].startswith("Z")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from Linux's /proc")
def test_the_ring_is_let_go_once_the_whole_text_is_read_and_released(tmp_path: Path) -> None:
    """The command unmaps the ring and lets the child end as soon as it has released the last slot, so the child,
    the ring's last holder, frees the shared pages while the command finishes; until then the child waits."""
    path = tmp_path / "a.vcf.gz"
    path.write_bytes(bgzf_blocks(TEXT, 100))
    ahead = bgzf.Ahead(path, slot_bytes=250, slots=2)
    pid = ahead.pid
    assert pid is not None
    try:
        last = None
        for _, _, _, _, release, _ in ahead.pieces("a"):
            if last is not None:
                last()
            last = release
        assert last is not None
        assert not ahead.ring.closed  # the end is read, but the reader still holds the last slot
        assert not _exited(pid)
        last()
        assert ahead.ring.closed
        for _ in range(500):
            if _exited(pid):
                break
            time.sleep(0.01)
        assert _exited(pid)  # ended by itself, before close() reaps it
    finally:
        ahead.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


COHORT = (
    b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t"
    + b"\t".join(b"S%d" % i for i in range(60))
    + b"\n"
    + b"".join(b"chr1\t%d\t.\tA\tG\t.\t.\t.\tGT" % i + b"\t0/1" * 60 + b"\n" for i in range(1, 40))
)


def test_the_header_says_how_many_samples_a_bgzf_vcf_has(tmp_path: Path) -> None:
    path = tmp_path / "c.vcf.gz"
    path.write_bytes(bgzf_blocks(COHORT, 30))  # the #CHROM line spread over many blocks
    assert bgzf.cohort_samples(path) == 60
    path.write_bytes(bgzf_blocks(COHORT.replace(b"##fileformat=VCF", b"##fileformat=XXX"), 30))
    assert bgzf.cohort_samples(path) == 0  # not a VCF's text (a BCF, say)
    path.write_bytes(bgzf_blocks(COHORT[:200], 30))
    assert bgzf.cohort_samples(path) == 0  # no #CHROM line


def test_inflating_starts_a_child_only_for_a_cohort_vcf_and_take_hands_it_over_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.vcf.gz"
    path.write_bytes(bgzf_blocks(COHORT, 100))
    plain = tmp_path / "a.vcf"
    plain.write_bytes(COHORT)
    few = tmp_path / "few.vcf.gz"
    few.write_bytes(bgzf_blocks(COHORT.replace(b"\tS5\t", b"\t"), 100))
    gzipped = tmp_path / "g.vcf.gz"
    gzipped.write_bytes(zlib.compress(COHORT, wbits=31))
    monkeypatch.setattr(bgzf, "COHORT_SAMPLES", 60)
    monkeypatch.setattr(bgzf, "MIN_AHEAD_BYTES", 0)
    for other in (plain, few, gzipped, None):
        with bgzf.inflating(other):
            assert not bgzf._started
    with bgzf.inflating(path, selected=59):  # --sample: too few for the text reader
        assert not bgzf._started
    with bgzf.inflating(path, selected=60):
        ahead = bgzf.take(tmp_path / "." / "a.vcf.gz")  # the same file, however named
        assert ahead is not None
        assert bgzf.take(path) is None
        text = b""
        for ring, begin, stop, _, release, _ in ahead.pieces("a"):
            text += ring[begin:stop]
            release()
        assert text == COHORT
    assert ahead.pid is None  # reaped when the block ends
    monkeypatch.setattr(bgzf, "MIN_AHEAD_BYTES", len(path.read_bytes()) + 1)
    with bgzf.inflating(path):
        assert bgzf.take(path) is None  # small files are inflated by the reader's threads
    with bgzf.inflating(path):
        pass
    assert not bgzf._started


def test_a_file_already_inflating_ahead_gets_no_second_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``prs score`` starts the child before it loads anything; the command's own ``inflating`` then starts none."""
    path = tmp_path / "a.vcf.gz"
    path.write_bytes(bgzf_blocks(COHORT, 100))
    monkeypatch.setattr(bgzf, "COHORT_SAMPLES", 60)
    monkeypatch.setattr(bgzf, "MIN_AHEAD_BYTES", 0)
    started: list[Path] = []
    start = bgzf.Ahead.__init__

    def counted(self: bgzf.Ahead, path: Path, *args: int) -> None:
        started.append(path)
        start(self, path, *args)

    monkeypatch.setattr(bgzf.Ahead, "__init__", counted)
    with bgzf.inflating(path):
        first = bgzf._started[bgzf._identity(path)]
        with bgzf.inflating(tmp_path / "." / "a.vcf.gz"):
            assert bgzf._started == {bgzf._identity(path): first}
        assert first.pid is not None  # the inner block leaves the outer one's child running
        ahead = bgzf.take(path)
        assert ahead is first
        text = b""
        for ring, begin, stop, _, release, _ in ahead.pieces("a"):
            text += ring[begin:stop]
            release()
        assert text == COHORT
    assert started == [path] and first.pid is None


class _Spans:
    """A decoder writing each line's first byte and end into its region: what the reader then finds there."""

    def __init__(self, samples: int) -> None:
        assert samples == 60

    def lines(self, region_bytes: int) -> int:
        return region_bytes // 16

    def focus(self, data: bytes) -> None:
        raise AssertionError("nobody told this decoder what to look for")

    def decode(self, ring: mmap.mmap, ends: array[int], first: int, stop: int, region: int, region_bytes: int) -> None:
        for i in range(first, stop):
            struct.pack_into("<qq", ring, region + 16 * i, ends[i - 1] + 1, ends[i])


def _stuck(samples: int) -> _Spans:
    threading.Event().wait()  # a decoder that never loads
    raise AssertionError


def test_the_child_decodes_the_slots_the_reader_holds_and_says_so(tmp_path: Path) -> None:
    """While it waits for a slot, the child decodes every line of the slots the reader holds (not a slot's first,
    which may have begun in the slot before) into the slot's region, and the reader learns how many from the pipe:
    each piece's own lines, also in a slot used again."""
    path = tmp_path / "c.vcf.gz"
    path.write_bytes(bgzf_blocks(COHORT, 200))
    ahead = bgzf.Ahead(path, slot_bytes=800, slots=2, decoder=_Spans)
    assert len(ahead.ring) == 2 * (800 + 200) + bgzf.FOCUS_BYTES
    pieces = 0
    try:
        for ring, begin, _, data, release, decoded in ahead.pieces("c"):
            ends = memoryview(data).cast("q").tolist()
            whole = min(len(ends), 200 // 16)
            found = decoded()
            for _ in range(3000):  # the child decodes the held slots as soon as it waits: within seconds
                if whole <= 1 or (found is not None and found[2] == whole):
                    break
                time.sleep(0.01)
                found = decoded()
            if whole > 1:
                assert found is not None
                region, size, lines = found
                assert (region, size, lines) == (2 * 800 + (begin // 800) * 200, 200, whole)
                spans = [struct.unpack_from("<qq", ring, region + 16 * i) for i in range(1, lines)]
                assert spans == [(ends[i - 1] + 1, ends[i]) for i in range(1, lines)]
                pieces += 1
            release()
    finally:
        ahead.close()
    assert pieces > 2  # slots used again


def test_a_decoder_loading_never_holds_up_inflating(tmp_path: Path) -> None:
    """The decoder loads in a thread of the child: one that never loads leaves the text to come as without one."""
    path = tmp_path / "c.vcf.gz"
    path.write_bytes(bgzf_blocks(COHORT, 200))
    ahead = bgzf.Ahead(path, slot_bytes=400, slots=2, decoder=_stuck)
    text: list[bytes] = []

    def read() -> None:
        for ring, begin, stop, _, release, decoded in ahead.pieces("c"):
            assert decoded() is None
            text.append(ring[begin:stop])
            release()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(60)
    ahead.close()
    assert b"".join(text) == COHORT


def test_without_a_decoder_the_ring_holds_text_only(tmp_path: Path) -> None:
    path = tmp_path / "c.vcf.gz"
    path.write_bytes(bgzf_blocks(COHORT, 200))
    ahead = bgzf.Ahead(path, slot_bytes=400, slots=2)
    assert len(ahead.ring) == 800
    try:
        for *_, release, decoded in ahead.pieces("c"):
            assert decoded() is None
            release()
    finally:
        ahead.close()
