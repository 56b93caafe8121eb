"""Dose accuracy as the IWPC paper reports it: MAE, share within 20% of the stable dose, R², dose bands.

R² is the squared correlation of predicted and actual dose (the paper's definition). "Within 20%" (PW20) counts a
prediction whose distance from the actual dose is at most 20% of the actual dose. For the extreme bands the
paper's Table 4 asks whether a patient who needs a low (or high) dose is also predicted to need one.
"""

from __future__ import annotations

import numpy as np

from tailormed.knowledge.warfarin import DoseBands
from tailormed.model.base import Contract


class DoseMetrics(Contract):
    n: int
    mae: float
    pw20: float
    r2: float | None
    band_correct: float | None = None


def within(actual: np.ndarray, predicted: np.ndarray, fraction: float) -> np.ndarray:
    hits: np.ndarray = np.abs(predicted - actual) <= fraction * actual + 1e-9
    return hits


def dose_metrics(actual: np.ndarray, predicted: np.ndarray, bands: DoseBands, band: str | None = None) -> DoseMetrics:
    """Metrics over all patients given; ``band`` also reports how many were predicted in that same band."""
    n = len(actual)
    if n == 0:
        return DoseMetrics(n=0, mae=float("nan"), pw20=float("nan"), r2=None)
    r2 = None
    if n > 2 and np.std(actual) > 0 and np.std(predicted) > 0:
        r2 = float(np.corrcoef(actual, predicted)[0, 1] ** 2)
    correct = None
    if band is not None:
        correct = float(np.mean([bands.band(float(p)) == band for p in predicted]))
    return DoseMetrics(
        n=n,
        mae=float(np.mean(np.abs(predicted - actual))),
        pw20=float(np.mean(within(actual, predicted, bands.within_fraction))),
        r2=r2,
        band_correct=correct,
    )
