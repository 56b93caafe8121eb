"""SHA-256 checksums of knowledge files, so a bundle can prove its files are the ones its manifest names."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks so large upstream files need little memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def folder_checksums(folder: Path) -> dict[str, str]:
    """Every regular file under ``folder`` (recursively), keyed by its POSIX path relative to ``folder``."""
    return {
        path.relative_to(folder).as_posix(): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def files_checksums(root: Path, files: Iterable[Path]) -> dict[str, str]:
    """Checksums of the given files, keyed by their POSIX path relative to ``root`` (for ``upstream_files``)."""
    return {path.relative_to(root).as_posix(): sha256_file(path) for path in sorted(files)}


def combined_checksum(checksums: dict[str, str]) -> str:
    """One digest over a set of file checksums (name and content), to identify a release by its content."""
    digest = hashlib.sha256()
    for name in sorted(checksums):
        digest.update(f"{name}\0{checksums[name]}\n".encode())
    return digest.hexdigest()
