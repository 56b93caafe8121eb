"""Small statistics the evaluations share: paired bootstrap intervals (patient- or cluster-level) and McNemar."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tailormed.model.base import Contract


class Estimate(Contract):
    """A point estimate with a confidence interval."""

    value: float
    low: float
    high: float
    level: float = 0.95

    def text(self, digits: int = 2) -> str:
        return f"{self.value:.{digits}f} ({self.level:.0%} CI {self.low:.{digits}f} to {self.high:.{digits}f})"


def bootstrap_mean(
    values: np.ndarray,
    *,
    clusters: Sequence[str] | None = None,
    resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """Mean of ``values`` with a percentile bootstrap interval; resampling whole ``clusters`` when given.

    Patients of one clinic are not independent, so comparisons made across sites resample sites, not patients.
    """
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    if clusters is None:
        index = rng.integers(0, len(values), size=(resamples, len(values)))
        means = values[index].mean(axis=1)
    else:
        labels = np.asarray(clusters)
        groups = sorted(set(labels.tolist()))
        sums = np.array([values[labels == g].sum() for g in groups])
        counts = np.array([(labels == g).sum() for g in groups])
        picks = rng.integers(0, len(groups), size=(resamples, len(groups)))
        means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return Estimate(value=float(values.mean()), low=float(low), high=float(high), level=level)


class McNemar(Contract):
    """Exact McNemar test on paired hits: ``only_first`` and ``only_second`` are the discordant pairs."""

    only_first: int
    only_second: int
    p_value: float


def mcnemar(first: np.ndarray, second: np.ndarray) -> McNemar:
    """Two-sided exact (binomial) McNemar test of two paired boolean outcomes."""
    a = int(np.sum(first & ~second))
    b = int(np.sum(~first & second))
    n, k = a + b, min(a, b)
    if n == 0:
        return McNemar(only_first=a, only_second=b, p_value=1.0)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return McNemar(only_first=a, only_second=b, p_value=min(1.0, 2 * tail))
