"""Genomes read from open descriptors (the service's memory files and pipes): nothing kept after each read."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from tailormed.evidence import open_vcf
from tailormed.evidence.reader import GenomeInput

BGZF_VCF = "onco/pcgr_examples/T001-COAD.grch38.vcf.gz"
SMALL_BGZF_VCF = "onco/pcgr_examples/T001-BRCA.grch38.vcf.gz"


def _resident_kb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _records(fd: int) -> int:
    with open_vcf(GenomeInput.from_fd(fd, "upload 7")) as vcf:
        return sum(1 for _ in vcf.records())


def _reread(fd: int) -> int:
    """A caller reading the same memory file again: from its start."""
    os.lseek(fd, 0, os.SEEK_SET)
    return _records(fd)


def test_reads_from_a_descriptor_keep_no_memory_and_leave_it_open(shared_data: Path) -> None:
    """htslib's buffers of a bgzipped VCF read through a descriptor are freed when the read ends (they were kept,
    about 100 KB a read, for the life of the process), and the caller's descriptor stays open and usable."""
    data = (shared_data / BGZF_VCF).read_bytes()
    fd = os.memfd_create("tailormed-test-genome", os.MFD_CLOEXEC)
    try:
        os.write(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
        expected = _reread(fd)
        assert expected > 3000
        for _ in range(20):  # allocator and caches settle first
            _reread(fd)
        descriptors = sum(1 for _ in Path("/proc/self/fd").iterdir())
        before = _resident_kb()
        reads = 150
        for _ in range(reads):
            assert _reread(fd) == expected
        grown = _resident_kb() - before
        assert grown < 6 * 1024, f"{grown} KB more resident memory after {reads} reads ({grown / reads:.0f} KB a read)"
        assert sum(1 for _ in Path("/proc/self/fd").iterdir()) == descriptors
        assert os.pread(fd, 2, 0) == b"\x1f\x8b"  # still open: the caller closes it
    finally:
        os.close(fd)


def test_a_pipe_is_read_after_its_writer_is_done(shared_data: Path) -> None:
    """A stream whose feeder already wrote everything and closed its end is read whole (not waited on)."""
    data = (shared_data / SMALL_BGZF_VCF).read_bytes()
    assert len(data) < 65536  # fits in the pipe's buffer, so the writer can finish first
    with (shared_data / SMALL_BGZF_VCF).open("rb") as handle:
        expected = _records(handle.fileno())
    read_end, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    counted: list[int] = []
    reader = threading.Thread(target=lambda: counted.append(_records(read_end)), daemon=True)
    reader.start()
    reader.join(30)
    try:
        assert not reader.is_alive(), "the read of a finished pipe did not return"
        assert counted == [expected]
    finally:
        if not reader.is_alive():
            os.close(read_end)
