"""Atomic writes: a reader sees the old file (or folder) or the complete new one, never half of either.

Everything is first written beside its destination (same file system, so the final rename is atomic) and moved
into place only when complete; on any failure the temporary copy is removed and the destination is untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tailormed.errors import InputError

_FILE_MODE = 0o644
_DIR_MODE = 0o755


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder, then rename it."""
    folder = path.parent
    if not folder.is_dir():
        raise InputError("output folder does not exist", source=folder)
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(tmp).chmod(_FILE_MODE)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_folder_atomic(folder: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``files`` (name -> text, or bytes for PDF/PNG) as the whole content of ``folder``, replacing it.

    The files go into a temporary sibling folder that is renamed to ``folder`` once all are written. An existing
    ``folder`` is first renamed aside and deleted only after the new one is in place, so a failure leaves either
    the previous results or nothing, never a mix. The parent folder is created if needed.
    """
    for name in files:
        if not name or Path(name).name != name or name.startswith("."):
            raise InputError(f"not a plain file name: {name!r}", source=folder)
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder ({exc.strerror or exc})", source=parent) from exc
    if folder.exists() and not folder.is_dir():
        raise InputError("output path exists and is not a folder", source=folder)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.", suffix=".tmp"))
    old: Path | None = None
    try:
        for name, content in files.items():
            target = staging / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
            target.chmod(_FILE_MODE)
        staging.chmod(_DIR_MODE)
        if folder.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.", suffix=".old"))
            folder.replace(old / folder.name)
        staging.replace(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and not folder.exists():
            (old / folder.name).replace(folder)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return [folder / name for name in files]
