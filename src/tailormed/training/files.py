"""The files of response models: training tables read in, model folders (card and model files) written and read back.

Everything here touches the file system or the process environment (library versions, the clock); the fitting,
prediction and evaluation it calls are the pure functions of :mod:`tailormed.engines.response`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from tailormed.engines.response.card import ModelCard
from tailormed.errors import InputError, KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.files import parse_model, read_json
from tailormed.model.base import Contract
from tailormed.tables import read_table
from tailormed.version import __version__

CARD_FILE = "card.json"
_LIBRARIES = ("numpy", "scikit-learn", "lightgbm", "econml", "skops", "shap", "scipy")
M = TypeVar("M", bound=Contract)


def records(path: Path) -> list[tuple[int, dict[str, str]]]:
    """A CSV/TSV table as (line, column -> cell) records for the engine's row readers."""
    return list(read_table(path, (), error=InputError))


def read_contract(path: Path, model: type[M]) -> M:
    """A JSON file of a model folder as ``model``; a bad file is the user's input error."""
    try:
        return parse_model(read_json(path, path.name), model, path.name, path)
    except KnowledgeError as exc:
        raise InputError(exc.message, source=path, location=exc.location) from exc


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def tailormed_version() -> str:
    return __version__


def replace_folder(folder: Path, write: Callable[[Path], None]) -> Path:
    """Fill a fresh sibling folder with ``write`` and swap it in for ``folder``: all new files or none."""
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder ({exc.strerror or exc})", source=parent) from exc
    if folder.exists() and not (folder / CARD_FILE).is_file() and any(folder.iterdir()):
        raise InputError("output folder exists and is not a model folder; not replacing it", source=folder)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.", suffix=".tmp"))
    old = parent / f".{folder.name}.old"
    try:
        write(staging)
        staging.chmod(0o755)
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            folder.replace(old)
        staging.replace(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old.exists() and not folder.exists():
            old.replace(folder)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return folder


def write_card(folder: Path, card: ModelCard) -> Path:
    return write_text_atomic(folder / CARD_FILE, card.model_dump_json(indent=1) + "\n")


def read_card(folder: Path) -> ModelCard:
    """The card of a model folder; a folder without a valid card is not a model."""
    path = folder / CARD_FILE
    if not path.is_file():
        raise InputError(f"not a model folder: no {CARD_FILE}", source=folder)
    return read_contract(path, ModelCard)
