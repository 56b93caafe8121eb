"""Learned dose models on sqrt(weekly dose): ridge regression and LightGBM, each explainable per patient.

Both fit the same design matrix (:func:`~.features.design`: the IWPC inputs plus sex, rare CYP2C9 alleles,
imputation indicators and any configured flags). Ridge explains a prediction exactly as the published formula
does, intercept plus coefficient x value in original units. LightGBM explains it by TreeSHAP values (LightGBM's
``pred_contrib``, the algorithm of ``shap.TreeExplainer``), which also add up exactly to the prediction.

Saved forms: ridge as a skops file loaded with a fixed list of trusted sklearn types; LightGBM as its native
text model. Neither is a pickle, so a model folder from elsewhere cannot run code when loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from tailormed.engines.response.warfarin.features import CompleteCase, design, display_value, feature_names
from tailormed.engines.response.warfarin.formulas import Explained
from tailormed.errors import InputError
from tailormed.model.base import Contract
from tailormed.model.payloads import Contribution

LearnedKind = Literal["ridge", "lightgbm"]
RIDGE: LearnedKind = "ridge"
LIGHTGBM: LearnedKind = "lightgbm"
RIDGE_FILE = "ridge.skops"
LIGHTGBM_FILE = "lightgbm.txt"
_TRUSTED_SKLEARN = [
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.linear_model._ridge.RidgeCV",
    "sklearn.linear_model._ridge.Ridge",
]


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

    def file_name(self) -> str:
        return RIDGE_FILE if self.kind == RIDGE else LIGHTGBM_FILE

    def save(self, folder: Path) -> Path:
        """Write the model file into ``folder``."""
        path = folder / self.file_name()
        if self.kind == RIDGE:
            import skops.io as sio  # type: ignore[import-untyped, unused-ignore]

            sio.dump(self.estimator, path)
        else:
            self.estimator.booster_.save_model(str(path))
        return path


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


def load(kind: LearnedKind, folder: Path, extra_flags: Sequence[str]) -> LearnedModel:
    """Load a model written by :meth:`LearnedModel.save`; untrusted content is refused, never executed."""
    if kind == RIDGE:
        import skops.io as sio

        path = folder / RIDGE_FILE
        try:
            untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in _TRUSTED_SKLEARN]
            if untrusted:
                raise InputError(f"model file holds types tailormed does not trust: {', '.join(untrusted)}",
                                 source=path)
            estimator = sio.load(path, trusted=_TRUSTED_SKLEARN)
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"cannot load the ridge model ({exc})", source=path) from exc
        return LearnedModel(kind, estimator, extra_flags)
    import lightgbm as lgb

    path = folder / LIGHTGBM_FILE
    try:
        booster = lgb.Booster(model_file=str(path))
    except (OSError, lgb.basic.LightGBMError) as exc:
        raise InputError(f"cannot load the LightGBM model ({exc})", source=path) from exc
    return LearnedModel(kind, _BoosterRegressor(booster), extra_flags)


class _BoosterRegressor:
    """A loaded LightGBM booster behind the fitted regressor's ``predict`` and ``booster_``."""

    def __init__(self, booster: Any) -> None:
        self.booster_ = booster

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster_.predict(x), dtype=float)
