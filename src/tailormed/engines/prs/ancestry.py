"""pgsc_calc's ancestry adjustment (``pgscatalog-ancestry-adjust``, ``--run_ancestry``) of scores with reference PCs.

Given principal components and score SUMs of a labelled reference panel (e.g. 1000 Genomes superpopulations, unrelated
samples for training) and of target samples projected into the same PC space:

1. **Most similar population**: a random forest (scikit-learn, ``random_state=32``, 100 trees) trained on the first
   5 PCs of the reference predicts each target's population; ``MostSimilarPop_LowConfidence`` when the predicted
   population's probability is below 0.5.
2. **Empirical** (``percentile_MostSimilarPop``, ``Z_MostSimilarPop``): the target's SUM against the reference SUMs of
   that population (scipy's ``percentileofscore``, kind 'rank'; Z with the population SD, ddof 0).
3. **Z_norm1** (mean adjusted; Khera 2019): PCs 1-4 standardised with the reference mean and SD, SUM centred on the
   reference mean; a linear regression of SUM on the PCs in the reference; Z_norm1 = residual / SD of the reference
   residuals.
4. **Z_norm2** (mean and variance; Khan 2022): a gamma regression (log link) of the squared reference residuals on the
   PCs gives starting values; mean and variance models are then refitted jointly by maximum likelihood (BFGS, as in
   pgscatalog-calc) and Z_norm2 = (SUM - μ(PCs)) / sqrt(σ²(PCs)).

Defaults are pgsc_calc's (5 PCs for similarity, 4 for normalization). scikit-learn and scipy are imported only here
(the ``[ml]`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]

RANDOM_FOREST_SEED = 32
LOW_CONFIDENCE_BELOW = 0.5
PCS_SIMILARITY = 5
PCS_NORMALIZATION = 4


@dataclass(frozen=True)
class Reference:
    """The labelled reference panel: PCs (samples × PCs), population labels, SUMs and who may train models."""

    ids: Sequence[str]
    pcs: Array
    populations: Sequence[str]
    sums: Array
    train: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Targets:
    ids: Sequence[str]
    pcs: Array
    sums: Array


@dataclass
class Adjusted:
    """Per target sample, pgsc_calc's ancestry-adjusted columns."""

    ids: list[str]
    most_similar: list[str]
    probabilities: dict[str, Array]
    low_confidence: npt.NDArray[np.bool_]
    percentile: Array
    z_most_similar: Array
    z_norm1: Array
    z_norm2: Array
    models: dict[str, Any] = field(default_factory=dict)


def most_similar_population(
    reference: Reference, targets: Targets, n_pcs: int = PCS_SIMILARITY
) -> tuple[list[str], dict[str, Array], npt.NDArray[np.bool_]]:
    """Random-forest population assignment as pgsc_calc does it; (labels, class probabilities, low confidence)."""
    from sklearn.ensemble import RandomForestClassifier

    train = reference.train
    forest = RandomForestClassifier(random_state=RANDOM_FOREST_SEED)
    labels = np.asarray(reference.populations, dtype=str)
    forest.fit(reference.pcs[train, :n_pcs], labels[train])
    probabilities = forest.predict_proba(targets.pcs[:, :n_pcs])
    predicted = [str(label) for label in forest.predict(targets.pcs[:, :n_pcs])]
    classes = [str(name) for name in forest.classes_]
    chosen = np.array([probabilities[i, classes.index(label)] for i, label in enumerate(predicted)])
    by_class = {name: probabilities[:, i].astype(np.float64) for i, name in enumerate(classes)}
    return predicted, by_class, chosen < LOW_CONFIDENCE_BELOW


def empirical(reference: Reference, targets: Targets, assigned: Sequence[str]) -> tuple[Array, Array]:
    """Percentile and Z of each target's SUM within its assigned population's reference SUMs."""
    from scipy.stats import percentileofscore

    percentile = np.full(len(targets.ids), np.nan)
    z = np.full(len(targets.ids), np.nan)
    populations = np.asarray(reference.populations, dtype=str)
    labels = np.asarray(assigned, dtype=str)
    for population in np.unique(labels):
        pool = reference.sums[reference.train & (populations == population)]
        if pool.size == 0:
            continue
        chosen = labels == population
        percentile[chosen] = percentileofscore(pool, targets.sums[chosen])
        z[chosen] = (targets.sums[chosen] - pool.mean()) / pool.std(ddof=0)
    return percentile, z


def _mu(x: Array, beta: Array) -> Array:
    result: Array = beta[0] + x @ beta[1:]
    return result


def _variance(x: Array, beta: Array) -> Array:
    result: Array = np.exp(beta[0] + x @ beta[1:])
    return result


def _negative_log_likelihood(theta: Array, x: Array, y: Array) -> float:
    split = x.shape[1] + 1
    variance = _variance(x, theta[split:])
    return float(np.sum(0.5 * np.log(variance) + 0.5 * (y - _mu(x, theta[:split])) ** 2 / variance))


def _gradient(theta: Array, x: Array, y: Array) -> Array:
    split = x.shape[1] + 1
    variance = _variance(x, theta[split:])
    residual = y - _mu(x, theta[:split])
    mu_coefficient = -residual / variance
    sigma_coefficient = (1.0 / (2.0 * variance) - 0.5 * residual**2 / variance**2) * variance
    design = np.column_stack([np.ones(len(y)), x])
    gradient: Array = np.concatenate([design.T @ mu_coefficient, design.T @ sigma_coefficient])
    return gradient


def pc_normalization(
    reference: Reference, targets: Targets, n_pcs: int = PCS_NORMALIZATION
) -> tuple[Array, Array, dict[str, Any]]:
    """Z_norm1 and Z_norm2 of the targets, with the fitted models."""
    from scipy import optimize
    from sklearn.linear_model import GammaRegressor, LinearRegression

    train = reference.train
    pc_mean = reference.pcs[train, :n_pcs].mean(axis=0)
    pc_sd = reference.pcs[train, :n_pcs].std(axis=0, ddof=0)
    x_train = (reference.pcs[train, :n_pcs] - pc_mean) / pc_sd
    x_target = (targets.pcs[:, :n_pcs] - pc_mean) / pc_sd
    offset = float(reference.sums[train].mean())
    y_train = reference.sums[train] - offset
    y_target = targets.sums - offset

    linear = LinearRegression().fit(x_train, y_train)
    residual = y_train - linear.predict(x_train)
    residual_sd = float(residual.std(ddof=0))
    z_norm1: Array = (y_target - linear.predict(x_target)) / residual_sd

    gamma = GammaRegressor(max_iter=1000).fit(x_train, (residual - residual.mean()) ** 2)
    start = np.concatenate([[linear.intercept_], linear.coef_, [gamma.intercept_], gamma.coef_])
    fit = optimize.minimize(
        _negative_log_likelihood,
        start,
        args=(x_train, y_train),
        jac=_gradient,
        method="BFGS",
        options={"maxiter": 1000},
    )
    split = n_pcs + 1
    z_norm2: Array = (y_target - _mu(x_target, fit.x[:split])) / np.sqrt(_variance(x_target, fit.x[split:]))
    models = {
        "pc_mean": pc_mean.tolist(),
        "pc_sd": pc_sd.tolist(),
        "pgs_offset": offset,
        "z_norm1": {"intercept": float(linear.intercept_), "coef": linear.coef_.tolist(), "residual_sd": residual_sd},
        "z_norm2": {
            "mu": fit.x[:split].tolist(),
            "log_variance": fit.x[split:].tolist(),
            "converged": bool(fit.success),
        },
    }
    return z_norm1, z_norm2, models


def adjust(reference: Reference, targets: Targets) -> Adjusted:
    """All of pgsc_calc's ancestry-adjusted columns for the targets."""
    if float(np.var(reference.sums)) == 0.0:
        raise ValueError("the reference SUMs have no variance; the score cannot be adjusted")
    assigned, probabilities, low = most_similar_population(reference, targets)
    percentile, z_pop = empirical(reference, targets, assigned)
    z_norm1, z_norm2, models = pc_normalization(reference, targets)
    return Adjusted(
        ids=list(targets.ids),
        most_similar=assigned,
        probabilities=probabilities,
        low_confidence=low,
        percentile=percentile,
        z_most_similar=z_pop,
        z_norm1=z_norm1,
        z_norm2=z_norm2,
        models=models,
    )
