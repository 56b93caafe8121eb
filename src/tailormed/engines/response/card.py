"""Model cards: what a saved model was trained on, what it estimates, how well it did, and where not to use it.

A card is written as ``card.json`` beside the model files and read back before any prediction, so a model is
never used without its provenance (training file and checksum), its validated performance and its limits.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from tailormed.engines.response.stats import Estimate
from tailormed.errors import InputError, KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.files import parse_model, read_json
from tailormed.model.base import Contract
from tailormed.version import __version__

CARD_FILE = "card.json"
CARD_FORMAT = 1
Task = Literal["warfarin-dose", "cate"]
_LIBRARIES = ("numpy", "scikit-learn", "lightgbm", "econml", "skops", "shap", "scipy")


class TrainingData(Contract):
    file: str
    sha256: str
    rows: int = Field(description="Rows in the file")
    rows_used: int = Field(description="Rows in the training cohort")
    cohort: str = Field(description="Which rows were used and why")


class SubgroupResult(Contract):
    """A model's performance in one subgroup (race, sex, site, dose band ...)."""

    group_by: str
    group: str
    n: int
    metrics: dict[str, float | None]


class ModelCard(Contract):
    card_format: int = CARD_FORMAT
    name: str
    task: Task
    version: str
    created: datetime
    tailormed_version: str
    libraries: dict[str, str]
    model: dict[str, str] = Field(description="kind, files and settings of the saved model")
    training_data: TrainingData
    estimand: str
    assumptions: list[str]
    intended_use: str
    limitations: list[str]
    choice: str = Field(description="Why this model is the default among the candidates evaluated")
    metrics: dict[str, Estimate] = Field(description="Headline metrics on data not used for fitting, with CIs")
    subgroups: list[SubgroupResult] = Field(default_factory=list)
    knowledge: dict[str, str] = Field(default_factory=dict, description="Knowledge sources used and versions")
    evaluation: dict[str, Any] = Field(default_factory=dict, description="The full evaluation report")

    def summary(self) -> dict[str, str]:
        """A few lines for a finding: estimand, data and headline metrics."""
        lines = {
            "name": f"{self.name} {self.version}",
            "estimand": self.estimand,
            "training_data": f"{Path(self.training_data.file).name} ({self.training_data.rows_used} rows, "
                             f"sha256 {self.training_data.sha256[:12]})",
            "choice": self.choice,
        }
        lines.update({key: value.text() for key, value in self.metrics.items()})
        return lines


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
    try:
        return parse_model(read_json(path, "model card"), ModelCard, "model card", path)
    except KnowledgeError as exc:
        raise InputError(exc.message, source=path, location=exc.location) from exc
