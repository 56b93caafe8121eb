"""Model cards: what a saved model was trained on, what it estimates, how well it did, and where not to use it.

A card is written as ``card.json`` beside the model files and read back before any prediction
(:mod:`tailormed.training.files`), so a model is never used without its provenance (training file and checksum), its
validated performance and its limits.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from tailormed.engines.response.stats import Estimate
from tailormed.model.base import Contract

CARD_FORMAT = 1
Task = Literal["warfarin-dose", "cate"]


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
