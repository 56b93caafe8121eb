"""A temporary index for an unindexed bgzipped VCF or BCF, built by htslib itself.

Reading a few thousand regions of a whole genome through an index costs a fraction of a second; streaming every
record through Python costs several times one ``bcftools view`` pass. Building a tabix (or, for BCF, CSI) index
touches only each record's chromosome, position and end, in C, and costs less than a fifth of such a pass — so
an unindexed whole genome is indexed into an anonymous in-memory file (or, where the system has none, a private
temporary folder), the index is loaded and the file dropped. The input file is never written to.

htslib is the one cyvcf2 is built with (its library exports ``tbx_index_build2``/``bcf_index_build2``); when the
functions cannot be found, or htslib refuses the file (unsorted records, a malformed line), no index is built and
the caller streams the file, where every record gets its checks and a refusal names the line.
"""

from __future__ import annotations

import ctypes
import os
import struct
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import BinaryIO

import cyvcf2

from tailormed import htslib

#: Smallest compressed file worth indexing: below this one stream costs well under a second and checks every record.
MIN_BYTES = 4 << 20
#: CSI bin size (2^14 bases), htslib's default for BCF.
_CSI_MIN_SHIFT = 14


class _Htslib:
    def __init__(self, library: ctypes.CDLL) -> None:
        self.tabix = library.tbx_index_build2
        self.tabix.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
        self.tabix.restype = ctypes.c_int
        self.csi = library.bcf_index_build2
        self.csi.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        self.csi.restype = ctypes.c_int
        self.vcf_conf = ctypes.addressof(ctypes.c_char.in_dll(library, "tbx_conf_vcf"))


@cache
def _htslib() -> _Htslib | None:
    """The index builders of cyvcf2's htslib, None if not reachable."""
    library = htslib.library()
    if library is None:
        return None
    try:
        return _Htslib(library)
    except (AttributeError, ValueError):
        return None


def load_temporary_index(reader: cyvcf2.VCF, path: Path, kind: str) -> list[str] | None:
    """Index ``path`` (``vcf.gz``: tabix, ``bcf``: CSI) in a private temporary folder and load it into ``reader``.

    Returns the sequence names the index holds (a tabix index lists the chromosomes the records use; a BCF's are its
    header's, so none are listed). None, with nothing loaded, when htslib is not reachable or refuses the file;
    htslib's own messages are silenced (the stream that follows reports the problem with the line it sits on).
    """
    builders = _htslib()
    if builders is None or kind not in ("vcf.gz", "bcf"):
        return None
    with _scratch() as folder:
        index = folder / ("index.tbi" if kind == "vcf.gz" else "index.csi")
        htslib.silence()
        if kind == "vcf.gz":
            built = builders.tabix(bytes(path), bytes(index), 0, builders.vcf_conf)
        else:
            built = builders.csi(bytes(path), bytes(index), _CSI_MIN_SHIFT)
        if built != 0 or not index.is_file():
            return None
        names = (tabix_names(index) or []) if kind == "vcf.gz" else []
        try:
            reader.set_index(str(index))
        except Exception:  # cyvcf2 raises a bare Exception when htslib cannot load the index
            return None
    return names


@contextmanager
def _scratch() -> Iterator[Path]:
    """Where the index is written: an anonymous in-memory file when the system has them (an index says where a
    patient's records are, so it should not reach a disk), else a private temporary folder removed afterwards."""
    if hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir():
        tbi, csi = os.memfd_create("tailormed-index"), os.memfd_create("tailormed-index")
        try:
            with tempfile.TemporaryDirectory(prefix="tailormed-index-") as folder:
                links = Path(folder)
                (links / "index.tbi").symlink_to(f"/proc/self/fd/{tbi}")
                (links / "index.csi").symlink_to(f"/proc/self/fd/{csi}")
                yield links
        finally:
            os.close(tbi)
            os.close(csi)
    else:
        with tempfile.TemporaryDirectory(prefix="tailormed-index-") as folder:
            yield Path(folder)


def tabix_names(path: Path) -> list[str] | None:
    """The sequence names a tabix index lists (tabix format: magic, eight int32 fields, then NUL-ended names), read
    from its first compressed blocks only; None when the file cannot be read or is not a tabix index."""
    raw = b""
    try:
        with path.open("rb") as handle:
            for part in _inflated(handle):
                raw += part
                if len(raw) < 36:
                    continue
                if raw[:4] != b"TBI\x01":
                    return None
                (length,) = struct.unpack_from("<i", raw, 32)
                if len(raw) >= 36 + length:
                    return [name.decode() for name in raw[36 : 36 + length].split(b"\0") if name]
    except (OSError, zlib.error, UnicodeDecodeError):
        return None
    return None


def _inflated(handle: BinaryIO) -> Iterator[bytes]:
    """The decompressed bytes of concatenated gzip members (a BGZF file), as they are read."""
    inflater = zlib.decompressobj(31)
    while chunk := handle.read(1 << 16):
        while chunk:
            yield inflater.decompress(chunk)
            chunk = inflater.unused_data
            if inflater.eof:
                inflater = zlib.decompressobj(31)
