"""A warfarin dose model in memory: its saved settings, conformal calibration and the formula or learned model,
predicting doses with intervals and explanations. :mod:`tailormed.training.warfarin` trains, saves and loads it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tailormed.engines.response.card import ModelCard
from tailormed.engines.response.conformal import MondrianConformal
from tailormed.engines.response.warfarin.evaluation import ConformalGroup, TrainConfig, conformal_groups
from tailormed.engines.response.warfarin.features import Completion, WarfarinCase
from tailormed.engines.response.warfarin.formulas import Explained, Formula
from tailormed.engines.response.warfarin.iwpc import IwpcPatient
from tailormed.engines.response.warfarin.models import LearnedModel
from tailormed.errors import InputError
from tailormed.knowledge.warfarin import WarfarinKnowledge
from tailormed.model.base import Contract

TASK = "warfarin-dose"
MODEL_VERSION = "1"
ESTIMAND = ("Stable therapeutic warfarin dose (mg/week) that reached the target INR, predicted on the sqrt scale "
            "and squared; intervals are split-conformal on the sqrt scale")


class SavedInputs(Contract):
    kind: str
    extra_flags: list[str]
    completion: Completion
    level: float
    conformal_group: ConformalGroup
    knowledge_version: str


@dataclass(frozen=True)
class DosePrediction:
    case: WarfarinCase
    dose: float
    low: float
    high: float
    level: float
    imputed: list[str]
    explained: Explained
    group: str


@dataclass(frozen=True)
class SavedDoseModel:
    card: ModelCard
    inputs: SavedInputs
    conformal: MondrianConformal
    model: Formula | LearnedModel
    knowledge: WarfarinKnowledge

    def predict(self, cases: Sequence[WarfarinCase], level: float | None = None, *, explain: bool = True
                ) -> list[DosePrediction]:
        """Dose, interval and (unless ``explain`` is False) the additive explanation of each case."""
        level = self.inputs.level if level is None else level
        if not 0 < level < 1:
            raise InputError(f"interval level must be between 0 and 1, got {level:g}")
        complete = [self.inputs.completion.complete(c) for c in cases]
        if not explain:
            explained = [Explained(baseline=float(r), contributions=[]) for r in self.model.predict_sqrt(complete)]
        elif isinstance(self.model, LearnedModel):
            explained = self.model.explain(complete)
        else:
            explained = [self.model.explain_one(c) for c in complete]
        roots = np.array([e.sqrt_dose for e in explained])
        groups = conformal_groups(complete, roots, self.inputs.conformal_group, self.knowledge.baselines.dose_bands)
        out = []
        for c, e, root, group in zip(complete, explained, roots, groups, strict=True):
            low, high = self.conformal.interval(float(root), group, level, back=_square)
            out.append(DosePrediction(case=c.case, dose=_square(float(root)), low=low, high=high, level=level,
                                      imputed=c.imputed, explained=e, group=self.conformal.group_used(group)))
        return out


def _square(value: float) -> float:
    return math.inf if math.isinf(value) else max(value, 0.0) ** 2


def cohort(patients: Sequence[IwpcPatient], config: TrainConfig) -> tuple[list[IwpcPatient], str]:
    used = [p for p in patients if p.dose_mg_week is not None
            and (config.max_dose is None or p.dose_mg_week <= config.max_dose)]
    rule = "rows with a recorded therapeutic dose"
    if config.max_dose is not None:
        rule += f" of at most {config.max_dose:g} mg/week"
    return used, rule + "; missing age, height or weight imputed (training-fold medians by sex and race)"


