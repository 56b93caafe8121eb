"""Cross-fitted CATE learners for one treated arm against the control arm.

- T-learner: one LightGBM outcome model per arm; effect = μ1(x) - μ0(x).
- DR-learner (Kennedy 2020): AIPW pseudo-outcomes from outcome models fitted on other folds, regressed on x by
  LightGBM.
- Causal forest: econml ``CausalForestDML`` (generalized random forest on residualized outcome and treatment).

Propensity: in a randomized trial the allocation ratio is known and used as is; for observational data it is a
cross-fitted logistic regression, and patients outside [trim, 1 - trim] are dropped with a warning (overlap).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import Field

from tailormed.model.base import Contract

Learner = Literal["t-learner", "dr-learner", "causal-forest"]
T_LEARNER: Learner = "t-learner"
DR_LEARNER: Learner = "dr-learner"
CAUSAL_FOREST: Learner = "causal-forest"


class CateParams(Contract):
    n_estimators: int = Field(default=200, ge=1, le=5000)
    learning_rate: float = Field(default=0.05, gt=0, le=1)
    num_leaves: int = Field(default=8, ge=2, le=256)
    min_child_samples: int = Field(default=30, ge=1)
    forest_trees: int = Field(default=200, ge=4, le=5000, description="Trees of the causal forest (multiple of 4)")


def lightgbm(params: CateParams, seed: int) -> Any:
    import lightgbm as lgb

    return lgb.LGBMRegressor(n_estimators=params.n_estimators, learning_rate=params.learning_rate,
                             num_leaves=params.num_leaves, min_child_samples=params.min_child_samples,
                             subsample=0.8, subsample_freq=1, colsample_bytree=0.8, random_state=seed, n_jobs=2,
                             verbose=-1, deterministic=True)


class Overlap(Contract):
    """Propensity range and how many patients fell outside the trimming bounds."""

    randomized: bool
    min_propensity: float
    max_propensity: float
    trim: float
    trimmed: int
    warning: str | None = None


def propensity(x: np.ndarray, treated: np.ndarray, *, known: float | None, folds: np.ndarray, trim: float,
               seed: int) -> tuple[np.ndarray, Overlap]:
    """Known (randomized) or cross-fitted logistic propensity, with the overlap diagnostic."""
    if known is not None:
        e = np.full(len(treated), known)
        return e, Overlap(randomized=True, min_propensity=known, max_propensity=known, trim=trim, trimmed=0)
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped, unused-ignore]
    from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped, unused-ignore]
    from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped, unused-ignore]

    e = np.zeros(len(treated))
    for fold in np.unique(folds):
        test = folds == fold
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
        model.fit(x[~test], treated[~test])
        e[test] = model.predict_proba(x[test])[:, 1]
    outside = int(np.sum((e < trim) | (e > 1 - trim)))
    warning = None
    if outside:
        warning = (f"{outside} of {len(e)} patients have an estimated propensity outside [{trim:g}, {1 - trim:g}] "
                   "(poor overlap); they are left out of effect estimation")
    return e, Overlap(randomized=False, min_propensity=float(e.min()), max_propensity=float(e.max()), trim=trim,
                      trimmed=outside, warning=warning)


@dataclass
class CrossFit:
    """Held-out effect predictions per learner and the nuisances behind the DR scores."""

    tau: dict[str, np.ndarray]
    mu0: np.ndarray
    mu1: np.ndarray
    folds: np.ndarray
    models: dict[str, list[Any]] = field(default_factory=dict)


def _outcome_models(x: np.ndarray, y: np.ndarray, t: np.ndarray, params: CateParams, seed: int) -> tuple[Any, Any]:
    m0 = lightgbm(params, seed).fit(x[t == 0], y[t == 0])
    m1 = lightgbm(params, seed).fit(x[t == 1], y[t == 1])
    return m0, m1


def pseudo_outcomes(x: np.ndarray, y: np.ndarray, t: np.ndarray, e: np.ndarray, params: CateParams, seed: int,
                    folds: int = 2) -> np.ndarray:
    """AIPW pseudo-outcomes with outcome models cross-fitted over ``folds`` folds of these rows."""
    from tailormed.engines.response.cate.calibration import dr_scores

    rng = np.random.default_rng(seed)
    split = rng.permutation(len(y)) % folds
    mu0, mu1 = np.zeros(len(y)), np.zeros(len(y))
    for k in range(folds):
        test = split == k
        m0, m1 = _outcome_models(x[~test], y[~test], t[~test], params, seed)
        mu0[test], mu1[test] = m0.predict(x[test]), m1.predict(x[test])
    return dr_scores(y, t, mu0, mu1, e)


def causal_forest(x: np.ndarray, y: np.ndarray, t: np.ndarray, e: np.ndarray, randomized: bool, params: CateParams,
                  seed: int) -> Any:
    from econml.dml import CausalForestDML  # type: ignore[import-untyped, unused-ignore]
    from sklearn.dummy import DummyClassifier  # type: ignore[import-untyped, unused-ignore]
    from sklearn.linear_model import LogisticRegression

    model_t: Any = DummyClassifier(strategy="prior") if randomized else LogisticRegression(max_iter=1000)
    forest = CausalForestDML(model_y=lightgbm(params, seed), model_t=model_t, discrete_treatment=True, cv=2,
                             n_estimators=max(4, params.forest_trees - params.forest_trees % 4), min_samples_leaf=10,
                             random_state=seed, n_jobs=1)
    forest.fit(y, t, X=x)
    return forest


def cross_fit(x: np.ndarray, y: np.ndarray, t: np.ndarray, e: np.ndarray, folds: np.ndarray,
              learners: Sequence[Learner], randomized: bool, params: CateParams, seed: int) -> CrossFit:
    """Every learner's effect for each patient from models fitted on the other folds."""
    n = len(y)
    tau: dict[str, np.ndarray] = {name: np.zeros(n) for name in learners}
    mu0, mu1 = np.zeros(n), np.zeros(n)
    for fold in np.unique(folds):
        test, train = folds == fold, folds != fold
        m0, m1 = _outcome_models(x[train], y[train], t[train], params, seed)
        mu0[test], mu1[test] = m0.predict(x[test]), m1.predict(x[test])
        if T_LEARNER in learners:
            tau[T_LEARNER][test] = mu1[test] - mu0[test]
        if DR_LEARNER in learners:
            psi = pseudo_outcomes(x[train], y[train], t[train], e[train], params, seed)
            tau[DR_LEARNER][test] = lightgbm(params, seed).fit(x[train], psi).predict(x[test])
        if CAUSAL_FOREST in learners:
            forest = causal_forest(x[train], y[train], t[train], e[train], randomized, params, seed)
            tau[CAUSAL_FOREST][test] = np.ravel(forest.effect(x[test]))
    return CrossFit(tau=tau, mu0=mu0, mu1=mu1, folds=folds)
