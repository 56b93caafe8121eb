"""Checks that predicted treatment effects mean something, on data the learner did not see.

Doubly-robust (AIPW) scores ψ have expectation equal to the patient's treatment effect. From held-out predictions
τ̂ and ψ:

- **ATE**: mean ψ with its standard error.
- **BLP** (Chernozhukov, Demirer, Duflo, Fernández-Val, *Generic machine learning inference on heterogeneous
  treatment effects*, 2018): regress ψ on 1 and τ̂ - mean(τ̂) with heteroskedasticity-robust (HC1) standard errors.
  A slope near 1 means the predicted differences are real; a slope whose CI includes 0 means no detectable
  heterogeneity.
- **TOC / AUTOC / QINI** (Yadlowsky et al., *Evaluating treatment prioritization rules via rank-weighted average
  treatment effects*, 2021): treating the top q share by τ̂, the mean ψ among them minus the overall mean; AUTOC
  averages that over q, QINI weights it by q. Their standard errors come from a bootstrap of patients.
- **Baselines**: the mean squared error of τ̂ against ψ beside that of the zero-effect and constant-(ATE) predictors.
"""

from __future__ import annotations

import math

import numpy as np

from tailormed.model.base import Contract


class Scores(Contract):
    """A linear-model or rank statistic with its standard error and two-sided normal p-value."""

    estimate: float
    se: float
    p_value: float

    def ci(self, z: float = 1.959964) -> tuple[float, float]:
        return self.estimate - z * self.se, self.estimate + z * self.se


class Calibration(Contract):
    n: int
    ate: Scores
    blp_intercept: Scores
    blp_slope: Scores
    autoc: Scores
    qini: Scores
    mse_model: float
    mse_zero: float
    mse_constant: float
    validated: bool


def dr_scores(y: np.ndarray, treated: np.ndarray, mu0: np.ndarray, mu1: np.ndarray, e: np.ndarray) -> np.ndarray:
    """AIPW pseudo-outcomes: μ1 - μ0 + T (y - μ1)/e - (1 - T)(y - μ0)/(1 - e)."""
    t = treated.astype(float)
    scores: np.ndarray = mu1 - mu0 + t * (y - mu1) / e - (1 - t) * (y - mu0) / (1 - e)
    return scores


def _p(estimate: float, se: float) -> float:
    if se <= 0:
        return 0.0 if estimate != 0 else 1.0
    return math.erfc(abs(estimate / se) / math.sqrt(2))


def blp(psi: np.ndarray, tau: np.ndarray) -> tuple[Scores, Scores]:
    """OLS of ψ on [1, τ̂ - mean τ̂] with HC1 standard errors: (intercept, slope)."""
    n = len(psi)
    x = np.column_stack([np.ones(n), tau - tau.mean()])
    xtx_inv = np.linalg.pinv(x.T @ x)
    beta = xtx_inv @ x.T @ psi
    residual = psi - x @ beta
    meat = (x * residual[:, None] ** 2).T @ x
    cov = xtx_inv @ meat @ xtx_inv * n / max(n - 2, 1)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    return (Scores(estimate=float(beta[0]), se=float(se[0]), p_value=_p(float(beta[0]), float(se[0]))),
            Scores(estimate=float(beta[1]), se=float(se[1]), p_value=_p(float(beta[1]), float(se[1]))))


def _rank_statistics(psi: np.ndarray, tau: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    order = np.argsort(-tau, kind="stable")
    ranked = psi[order]
    cumulative = np.cumsum(ranked) / np.arange(1, len(ranked) + 1)
    overall = ranked.mean()
    counts = np.maximum(1, np.ceil(grid * len(ranked)).astype(int))
    toc = cumulative[counts - 1] - overall
    return float(np.mean(toc)), float(np.mean(toc * grid))


def calibrate(psi: np.ndarray, tau: np.ndarray, *, resamples: int = 300, seed: int = 0) -> Calibration:
    """All checks for held-out effect predictions ``tau`` against DR scores ``psi``."""
    n = len(psi)
    intercept, slope = blp(psi, tau)
    grid = np.linspace(0.05, 1.0, 20)
    autoc, qini = _rank_statistics(psi, tau, grid)
    rng = np.random.default_rng(seed)
    boot = np.array([_rank_statistics(psi[i], tau[i], grid) for i in rng.integers(0, n, size=(resamples, n))])
    autoc_se, qini_se = (float(v) for v in boot.std(axis=0, ddof=1))
    ate = float(psi.mean())
    ate_se = float(psi.std(ddof=1) / math.sqrt(n))
    low, _ = slope.ci()
    qini_scores = Scores(estimate=qini, se=qini_se, p_value=_p(qini, qini_se))
    return Calibration(
        n=n,
        ate=Scores(estimate=ate, se=ate_se, p_value=_p(ate, ate_se)),
        blp_intercept=intercept,
        blp_slope=slope,
        autoc=Scores(estimate=autoc, se=autoc_se, p_value=_p(autoc, autoc_se)),
        qini=qini_scores,
        mse_model=float(np.mean((psi - tau) ** 2)),
        mse_zero=float(np.mean(psi**2)),
        mse_constant=float(np.mean((psi - ate) ** 2)),
        validated=low > 0 and qini > 0 and qini_scores.p_value < 0.05,
    )
