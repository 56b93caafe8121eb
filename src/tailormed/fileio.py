"""Writing outputs safely: a reader sees the old file or the complete new one, and nothing tailormed did not write is
ever removed.

Regular files are first written beside their destination (same file system, so the final rename is atomic) and
moved into place only when complete; on any failure the temporary copy is removed and the destination is untouched.
Outputs the user names (``-o FILE``) may also be ``-`` (standard output) or an existing device or named pipe, which
is written to directly and never replaced. A folder of results (one patient's) is updated file by file: the files of
this run replace those of the previous run, files of an earlier run that this run no longer writes are removed (they
are listed in :data:`OUTPUTS_LIST`), and every other file in the folder is left alone.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from tailormed.errors import InputError

_FILE_MODE = 0o644
STDOUT = "-"
#: The list of files the last run wrote into a results folder, one name per line.
OUTPUTS_LIST = ".tailormed-outputs"
_MAX_NAME = 128


def safe_folder_name(name: str, *, what: str = "patient id") -> str:
    """``name`` when it can be used as one folder name inside an output folder, else an :class:`InputError`.

    A safe name is a plain name of letters, digits, ``.``, ``_`` and ``-`` that starts with a letter or digit, so it
    can neither climb out of the output folder (``..``), stand for the output folder itself (``.``), hide (``.x``) nor
    name a path (``a/b``).

    >>> safe_folder_name("demo-01-hale")
    'demo-01-hale'
    >>> safe_folder_name("..")
    Traceback (most recent call last):
    ...
    tailormed.errors.InputError: patient id '..' cannot name an output folder: it must start with a letter or digit \
and hold only letters, digits, '.', '_' and '-' (at most 128)
    """
    if not (
        0 < len(name) <= _MAX_NAME
        and name.isascii()
        and name[0].isalnum()
        and all(char.isalnum() or char in "._-" for char in name)
    ):
        raise InputError(
            f"{what} {name!r} cannot name an output folder: it must start with a letter or digit and hold only "
            f"letters, digits, '.', '_' and '-' (at most {_MAX_NAME})"
        )
    return name


def write_text_atomic(path: Path, text: str | Iterable[str]) -> Path:
    """Write ``text`` (UTF-8; or its pieces in turn, so a long table is never one string) to ``path``: through a
    temporary file and a rename for a regular file (new or existing), directly for standard output (``-``) and for an
    existing device or named pipe (which stay what they are).

    A folder, or a place that cannot be written, is an :class:`InputError` naming the path.
    """
    parts: Iterable[str] = (text,) if isinstance(text, str) else text
    if str(path) == STDOUT:
        sys.stdout.writelines(parts)
        sys.stdout.flush()
        return path
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(f"cannot write output ({exc.strerror or exc})", source=path) from exc
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError("output is a folder; give a file name (or '-' for standard output)", source=path)
    if mode is not None and not stat.S_ISREG(mode):
        return _write_in_place(path, parts)
    folder = path.parent
    if not folder.is_dir():
        raise InputError("output folder does not exist", source=folder)
    try:
        handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write output ({exc.strerror or exc})", source=path) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.writelines(parts)
        Path(tmp).chmod(_FILE_MODE)
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write output ({exc.strerror or exc})", source=path) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_in_place(path: Path, parts: Iterable[str]) -> Path:
    """A device, named pipe or socket: written as it is, never replaced by a regular file."""
    try:
        with path.open("w", encoding="utf-8") as stream:
            stream.writelines(parts)
    except OSError as exc:
        raise InputError(f"cannot write output ({exc.strerror or exc})", source=path) from exc
    return path


def write_folder_atomic(folder: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``files`` (name -> text, or bytes for PDF/PNG) into ``folder``, replacing this tool's earlier outputs.

    Everything is written into a temporary folder inside ``folder`` first. Then each file is renamed into place (the
    version it replaces is kept aside until the end), the files that the previous run wrote and this one does not
    are taken away, and the list of written files (:data:`OUTPUTS_LIST`) is updated. If any step fails, the previous
    files are put back, so a failure leaves the previous results, never a mix. Files tailormed did not write are
    never touched. The folder (and its parents) are created if needed.
    """
    for name in files:
        if not name or Path(name).name != name or name.startswith(".") or name in (".", ".."):
            raise InputError(f"not a plain file name: {name!r}", source=folder)
    if folder.exists() and not folder.is_dir():
        raise InputError("output path exists and is not a folder", source=folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".tailormed-", suffix=".tmp"))
    except OSError as exc:
        raise InputError(f"cannot create output folder ({exc.strerror or exc})", source=folder) from exc
    aside = staging / "previous"
    placed: list[Path] = []  # destinations that now hold this run's file
    kept: list[tuple[Path, Path]] = []  # (destination, its previous version kept aside)
    try:
        for name, content in files.items():
            target = staging / name
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
            target.chmod(_FILE_MODE)
        (staging / OUTPUTS_LIST).write_text("".join(f"{name}\n" for name in files), encoding="utf-8")
        aside.mkdir()
        stale = [name for name in _previous_outputs(folder) if name not in files]
        for name in [*files, *stale, OUTPUTS_LIST]:
            destination = folder / name
            if destination.is_file() or destination.is_symlink():
                destination.replace(aside / name)
                kept.append((destination, aside / name))
            if name not in stale:
                (staging / name).replace(destination)
                placed.append(destination)
    except BaseException as exc:
        for destination in placed:
            destination.unlink(missing_ok=True)
        for destination, previous in kept:
            previous.replace(destination)
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write results ({exc.strerror or exc})", source=folder) from exc
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in files]


def _previous_outputs(folder: Path) -> list[str]:
    """The plain file names the previous run listed as its outputs (anything else in the list is ignored)."""
    try:
        text = (folder / OUTPUTS_LIST).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return []
    names = [line.strip() for line in text.splitlines()]
    return [name for name in names if name and Path(name).name == name and not name.startswith(".")]
