"""Learned dose models on sqrt(weekly dose): ridge regression and LightGBM, each explainable per patient.

Both fit the same design matrix (:func:`~.features.design`: the IWPC inputs plus sex, rare CYP2C9 alleles,
imputation indicators and any configured flags). Ridge explains a prediction exactly as the published formula
does, intercept plus coefficient x value in original units. LightGBM explains it by TreeSHAP values (LightGBM's
``pred_contrib``, the algorithm of ``shap.TreeExplainer``), which also add up exactly to the prediction.

:mod:`tailormed.training.warfarin` saves and loads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import Field

from tailormed.engines.response.warfarin.features import CompleteCase, design, display_value, feature_names
from tailormed.engines.response.warfarin.formulas import Explained
from tailormed.model.base import Contract
from tailormed.model.payloads import Contribution

LearnedKind = Literal["ridge", "lightgbm"]
RIDGE: LearnedKind = "ridge"
LIGHTGBM: LearnedKind = "lightgbm"


class LightgbmParams(Contract):
    """Deliberately small and regularized: the data has a few thousand patients and a strong linear signal."""

    n_estimators: int = Field(default=400, ge=1, le=5000)
    learning_rate: float = Field(default=0.03, gt=0, le=1)
    num_leaves: int = Field(default=8, ge=2, le=256)
    min_child_samples: int = Field(default=40, ge=1)
    subsample: float = Field(default=0.8, gt=0, le=1)
    colsample_bytree: float = Field(default=0.8, gt=0, le=1)
    reg_lambda: float = Field(default=1.0, ge=0)


class LearnedModel:
    """A fitted ridge or LightGBM model over the design matrix of ``extra_flags``."""

    def __init__(self, kind: LearnedKind, estimator: Any, extra_flags: Sequence[str]) -> None:
        self.kind = kind
        self.name = kind
        self.estimator = estimator
        self.extra_flags = list(extra_flags)
        self.features = feature_names(extra_flags)

    def predict_sqrt(self, cases: Sequence[CompleteCase]) -> np.ndarray:
        if not cases:
            return np.zeros(0)
        return np.asarray(self.estimator.predict(design(cases, self.extra_flags)), dtype=float)

    def explain(self, cases: Sequence[CompleteCase]) -> list[Explained]:
        x = design(cases, self.extra_flags)
        if self.kind == RIDGE:
            intercept, coefficients = self.linear_terms()
            parts = x * coefficients
            baselines = np.full(len(cases), intercept)
        else:
            contrib = np.asarray(self.estimator.booster_.predict(x, pred_contrib=True), dtype=float)
            parts, baselines = contrib[:, :-1], contrib[:, -1]
        return [
            Explained(
                baseline=float(baselines[i]),
                contributions=[
                    Contribution(feature=name, value=display_value(c, name), effect=float(parts[i, j]))
                    for j, name in enumerate(self.features)
                ],
            )
            for i, c in enumerate(cases)
        ]

    def explain_one(self, c: CompleteCase) -> Explained:
        return self.explain([c])[0]

    def linear_terms(self) -> tuple[float, np.ndarray]:
        """Ridge's intercept and coefficients in the features' own units (the scaler folded in)."""
        scaler, ridge = self.estimator.named_steps["scale"], self.estimator.named_steps["ridge"]
        coefficients = np.asarray(ridge.coef_, dtype=float) / scaler.scale_
        intercept = float(ridge.intercept_ - np.sum(coefficients * scaler.mean_))
        return intercept, coefficients



def fit(kind: LearnedKind, cases: Sequence[CompleteCase], sqrt_dose: np.ndarray, *, extra_flags: Sequence[str] = (),
        params: LightgbmParams | None = None, seed: int = 0) -> LearnedModel:
    x = design(cases, extra_flags)
    if kind == RIDGE:
        from sklearn.linear_model import RidgeCV  # type: ignore[import-untyped, unused-ignore]
        from sklearn.pipeline import Pipeline  # type: ignore[import-untyped, unused-ignore]
        from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped, unused-ignore]

        estimator: Any = Pipeline([("scale", StandardScaler()), ("ridge", RidgeCV(alphas=np.logspace(-3, 3, 25)))])
    else:
        import lightgbm as lgb

        p = params or LightgbmParams()
        estimator = lgb.LGBMRegressor(
            **p.model_dump(), subsample_freq=1, random_state=seed, n_jobs=2, verbose=-1, deterministic=True
        )
    estimator.fit(x, sqrt_dose)
    return LearnedModel(kind, estimator, extra_flags)
