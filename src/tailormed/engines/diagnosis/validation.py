"""Cross-validation of the combined ranker and calibration of probabilities, on cases with known diagnoses.

Cases are split into ``k`` folds by a seeded permutation of their order (``fold = permutation % k``); for each fold
the weights are fitted on the other folds and the fold's cases are ranked with them, so every reported rank and
probability is out of fold. Calibration is checked on the out-of-fold probabilities of each case's ten most
probable diseases: a reliability table (predicted vs observed share of correct diagnoses per probability bin) and
the Brier score, over those predictions and over all diseases (the multi-class Brier score, 0 is perfect).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pydantic import Field

from tailormed.engines.diagnosis.combined import L2, fit
from tailormed.knowledge.hpo.index import FloatArray
from tailormed.model.base import Contract

#: Probability bins of the reliability table (upper edges; the first bin starts at 0).
BINS = (0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0)
CALIBRATION_TOP = 10


class FoldResult(Contract):
    fold: int
    cases: int
    top: dict[int, float]
    mrr: float
    weights: list[float]


class ReliabilityBin(Contract):
    low: float
    high: float
    predictions: int
    mean_predicted: float
    observed: float = Field(description="Share of these predictions that were the right diagnosis")


class Calibration(Contract):
    predictions: int = Field(description="Predictions in the table: the top candidates of every case")
    bins: list[ReliabilityBin]
    brier_top: float = Field(description="Brier score over the predictions in the table")
    brier_all: float = Field(description="Multi-class Brier score over all ranked diseases, mean per case")


@dataclass(frozen=True)
class CrossValidation:
    folds: list[FoldResult]
    ranks: npt.NDArray[np.int64]
    probabilities: FloatArray
    fold_of: npt.NDArray[np.int64]
    weights: list[tuple[float, ...]]


def assign_folds(n: int, k: int = 5, seed: int = 0) -> npt.NDArray[np.int64]:
    """Fold number of each of ``n`` cases.

    >>> assign_folds(7, 3, seed=0).tolist()
    [2, 1, 0, 0, 2, 0, 1]
    """
    return np.asarray(np.random.default_rng(seed).permutation(n) % k, dtype=np.int64)


def ranks_of(scores: FloatArray, targets: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """1-based rank of each case's target (ties count against it: rank = 1 + number of strictly better)."""
    chosen = scores[np.arange(len(targets)), targets]
    return np.asarray((scores > chosen[:, None]).sum(axis=1) + 1, dtype=np.int64)


def top_shares(ranks: npt.NDArray[np.int64], top_k: Sequence[int] = (1, 3, 10)) -> dict[int, float]:
    return {k: float(np.mean(ranks <= k)) for k in top_k}


def softmax_rows(scores: FloatArray) -> FloatArray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True), dtype=np.float64)


def cross_validate(
    cases: FloatArray, targets: Sequence[int], *, k: int = 5, seed: int = 0, l2: float = L2
) -> CrossValidation:
    """``cases`` is (case x disease x feature); each fold is ranked by weights fitted on the others."""
    target = np.asarray(targets, dtype=np.int64)
    fold_of = assign_folds(len(target), k, seed)
    ranks = np.zeros(len(target), dtype=np.int64)
    probabilities = np.zeros(cases.shape[:2])
    folds = []
    all_weights = []
    for fold in range(k):
        test = fold_of == fold
        weights = fit(cases[~test], target[~test], l2=l2)
        scores = cases[test] @ np.asarray(weights)
        ranks[test] = ranks_of(scores, target[test])
        probabilities[test] = softmax_rows(scores)
        all_weights.append(weights)
        folds.append(
            FoldResult(
                fold=fold + 1,
                cases=int(test.sum()),
                top=top_shares(ranks[test]),
                mrr=float(np.mean(1.0 / ranks[test])),
                weights=[round(w, 4) for w in weights],
            )
        )
    return CrossValidation(folds, ranks, probabilities, fold_of, all_weights)


def calibration(probabilities: FloatArray, targets: Sequence[int], *, top: int = CALIBRATION_TOP) -> Calibration:
    """Reliability table and Brier scores of (case x disease) probabilities against the true diagnoses.

    >>> p = np.array([[0.9, 0.1], [0.6, 0.4]])
    >>> c = calibration(p, [0, 1], top=2)
    >>> round(c.brier_all, 3), c.predictions
    (0.37, 4)
    """
    target = np.asarray(targets, dtype=np.int64)
    truth = np.zeros_like(probabilities)
    truth[np.arange(len(target)), target] = 1.0
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top]
    predicted = np.take_along_axis(probabilities, order, axis=1).ravel()
    observed = np.take_along_axis(truth, order, axis=1).ravel()
    bins = []
    low = 0.0
    for high in BINS:
        inside = (predicted >= low) & ((predicted < high) if high < 1.0 else (predicted <= high))
        if inside.any():
            bins.append(
                ReliabilityBin(
                    low=low,
                    high=high,
                    predictions=int(inside.sum()),
                    mean_predicted=float(predicted[inside].mean()),
                    observed=float(observed[inside].mean()),
                )
            )
        low = high
    return Calibration(
        predictions=len(predicted),
        bins=bins,
        brier_top=float(np.mean((predicted - observed) ** 2)),
        brier_all=float(np.mean(((probabilities - truth) ** 2).sum(axis=1))),
    )
