"""Split-conformal prediction intervals, calibrated per group (Mondrian), and their measured coverage.

Scores are absolute residuals on the model's fitting scale (sqrt of the weekly dose for dosing). For a new
patient in group g the interval is prediction +/- the ceil((n+1) x level)-th smallest score of group g, so it
covers the truth with probability >= level when the patient is exchangeable with group g's calibration patients.
Groups smaller than ``min_group`` fall back to all scores. The calibration residuals are out-of-fold residuals
from site-grouped cross-validation, so each comes from a model that never saw that patient's clinic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import Field

from tailormed.model.base import Contract

ALL = "*"


class MondrianConformal(Contract):
    group_by: str
    scores: dict[str, list[float]] = Field(description="Sorted calibration scores per group; '*' holds all")
    min_group: int = 50

    @classmethod
    def calibrate(cls, residuals: np.ndarray, groups: Sequence[str], group_by: str, min_group: int = 50
                  ) -> MondrianConformal:
        scores = np.abs(np.asarray(residuals, dtype=float))
        labels = np.asarray(groups)
        per_group = {g: sorted(round(float(s), 6) for s in scores[labels == g]) for g in sorted(set(labels.tolist()))}
        per_group[ALL] = sorted(round(float(s), 6) for s in scores)
        return cls(group_by=group_by, scores=per_group, min_group=min_group)

    def group_used(self, group: str) -> str:
        return group if len(self.scores.get(group, [])) >= self.min_group else ALL

    def quantile(self, group: str, level: float) -> float:
        """The score quantile that gives ``level`` coverage (infinite when there are too few scores)."""
        scores = self.scores[self.group_used(group)]
        rank = math.ceil((len(scores) + 1) * level)
        return math.inf if rank > len(scores) else scores[rank - 1]

    def interval(self, prediction: float, group: str, level: float,
                 back: Callable[[float], float] = lambda v: v) -> tuple[float, float]:
        """``(low, high)`` around ``prediction``, mapped back to the outcome scale by the monotone ``back``."""
        q = self.quantile(group, level)
        return back(prediction - q), back(prediction + q)


class Coverage(Contract):
    group: str
    n: int
    level: float
    coverage: float
    median_width: float


def cross_coverage(
    residuals: np.ndarray,
    predictions: np.ndarray,
    actual: np.ndarray,
    groups: Sequence[str],
    folds: Sequence[int],
    level: float,
    back: Callable[[np.ndarray], np.ndarray],
    min_group: int = 50,
) -> list[Coverage]:
    """Coverage measured honestly: each fold's intervals are calibrated on the other folds' residuals only.

    ``back`` maps the fitting scale to the outcome scale (e.g. squaring), so widths are in the outcome's unit.
    Returns one row per group and one for everyone (``*``).
    """
    labels, fold_ids = np.asarray(groups), np.asarray(folds)
    covered = np.zeros(len(actual), dtype=bool)
    widths = np.zeros(len(actual))
    for fold in sorted(set(fold_ids.tolist())):
        test = fold_ids == fold
        calibration = MondrianConformal.calibrate(residuals[~test], labels[~test].tolist(), "", min_group)
        q = np.array([calibration.quantile(str(g), level) for g in labels[test]])
        low, high = back(predictions[test] - q), back(predictions[test] + q)
        covered[test] = (actual[test] >= low) & (actual[test] <= high)
        widths[test] = high - low
    rows = []
    for group in [*sorted(set(labels.tolist())), ALL]:
        mask = np.ones(len(actual), dtype=bool) if group == ALL else labels == group
        rows.append(Coverage(group=group, n=int(mask.sum()), level=level, coverage=float(covered[mask].mean()),
                             median_width=float(np.median(widths[mask]))))
    return rows
