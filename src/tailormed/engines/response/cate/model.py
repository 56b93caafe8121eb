"""Fit, apply and evaluate a treatment-effect model, one decision per treated arm against control
(:mod:`tailormed.training.cate` reads the data and saves and loads the model).

For each arm every learner is cross-fitted and calibrated on held-out folds (:mod:`.calibration`). An arm gets
personal effects only if a learner's heterogeneity validates (BLP slope CI above 0 and a significant positive QINI);
otherwise every patient gets the average effect (AIPW ATE with its CI) and the card says so. Learners are saved as
LightGBM text models; a causal forest can only be pickled, so it is evaluated and reported but never saved.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import numpy as np
from pydantic import Field

from tailormed.engines.response.card import (
    ModelCard,
    SubgroupResult,
)
from tailormed.engines.response.cate.calibration import Calibration, calibrate, dr_scores
from tailormed.engines.response.cate.data import Trial, TrialSpec
from tailormed.engines.response.cate.learners import (
    CAUSAL_FOREST,
    DR_LEARNER,
    T_LEARNER,
    CateParams,
    Learner,
    Overlap,
    cross_fit,
    lightgbm,
    propensity,
    pseudo_outcomes,
)
from tailormed.errors import InputError
from tailormed.model.base import Contract

TASK = "cate"
MODEL_VERSION = "1"
Z95 = 1.959964


class CateConfig(Contract):
    """``--config`` YAML of ``tailormed response train --task cate``; every key is optional."""

    trial: TrialSpec = Field(default_factory=TrialSpec)
    arms: list[str] | None = Field(default=None, description="Treated arms to compare with control (default: all)")
    learners: list[Learner] = Field(default_factory=lambda: [T_LEARNER, DR_LEARNER, CAUSAL_FOREST])
    folds: int = Field(default=5, ge=2, le=20)
    seed: int = 0
    randomized: bool = True
    allocation: dict[str, float] | None = Field(default=None, description="Randomization ratio per arm")
    trim: float = Field(default=0.05, ge=0, lt=0.5)
    params: CateParams = Field(default_factory=CateParams)
    bootstrap: int = Field(default=300, ge=50)


class ArmDecision(Contract):
    arm: str
    name: str
    basis: str = Field(description="The learner whose personal effects are used, or 'average effect'")
    ate: float
    ate_se: float
    files: list[str] = Field(default_factory=list)
    overlap: Overlap
    calibration: dict[str, Calibration]
    reason: str


class CateModel(Contract):
    spec: TrialSpec
    control: str
    decisions: list[ArmDecision]


def folds_of(arms: np.ndarray, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    folds = np.zeros(len(arms), dtype=int)
    for arm in np.unique(arms):
        index = np.flatnonzero(arms == arm)
        folds[rng.permutation(index)] = np.arange(len(index)) % k
    return folds


def fit_arm(trial: Trial, arm: str, folds: np.ndarray, config: CateConfig) -> tuple[ArmDecision, dict[str, Any]]:
    spec, params, seed = config.trial, config.params, config.seed
    assert trial.y is not None
    pair = (trial.arm == arm) | (trial.arm == spec.control)
    x, y, t, f = trial.x[pair], trial.y[pair], (trial.arm[pair] == arm).astype(int), folds[pair]
    known = None
    if config.randomized:
        share = config.allocation or {}
        p_arm, p_control = share.get(arm, 1.0), share.get(spec.control, 1.0)
        known = p_arm / (p_arm + p_control)
    e, overlap = propensity(x, t, known=known, folds=f, trim=config.trim, seed=seed)
    keep = (e >= config.trim) & (e <= 1 - config.trim)
    x, y, t, f, e = x[keep], y[keep], t[keep], f[keep], e[keep]
    fitted = cross_fit(x, y, t, e, f, config.learners, config.randomized, params, seed)
    psi = dr_scores(y, t, fitted.mu0, fitted.mu1, e)
    checks = {name: calibrate(psi, tau, resamples=config.bootstrap, seed=seed) for name, tau in fitted.tau.items()}
    first = next(iter(checks.values()))
    savable = [n for n in (T_LEARNER, DR_LEARNER) if n in checks and checks[n].validated]
    name = spec.arm_names.get(arm, arm)
    models: dict[str, Any] = {}
    basis: str
    if savable:
        basis = max(savable, key=lambda n: checks[n].autoc.estimate)
        c = checks[basis]
        reason = (f"{basis} heterogeneity validated on held-out folds: BLP slope {c.blp_slope.estimate:.2f} "
                  f"(SE {c.blp_slope.se:.2f}), QINI {c.qini.estimate:.2f} (p = {c.qini.p_value:.3g})")
        if basis == T_LEARNER:
            models[f"arm{arm}_mu0.txt"] = lightgbm(params, seed).fit(x[t == 0], y[t == 0])
            models[f"arm{arm}_mu1.txt"] = lightgbm(params, seed).fit(x[t == 1], y[t == 1])
        else:
            models[f"arm{arm}_dr.txt"] = lightgbm(params, seed).fit(x, pseudo_outcomes(x, y, t, e, params, seed))
    else:
        basis = "average effect"
        shown = "; ".join(f"{n}: BLP slope {c.blp_slope.estimate:.2f} (SE {c.blp_slope.se:.2f}), QINI p = "
                          f"{c.qini.p_value:.2f}" for n, c in checks.items())
        forest = " (the causal forest validated but cannot be saved without pickle)" if (
            CAUSAL_FOREST in checks and checks[CAUSAL_FOREST].validated) else ""
        reason = (f"heterogeneity did not validate for {name} vs {spec.arm_names.get(spec.control, spec.control)}"
                  f"{forest} ({shown}); every patient gets the average effect")
    decision = ArmDecision(arm=arm, name=name, basis=basis, ate=first.ate.estimate, ate_se=first.ate.se,
                           files=sorted(models), overlap=overlap, calibration=checks, reason=reason)
    return decision, models


def ate_by_group(trial: Trial, model: CateModel, config: CateConfig) -> list[SubgroupResult]:
    """Unadjusted difference in mean outcome by race and sex (randomized data: an unbiased subgroup ATE)."""
    spec = model.spec
    assert trial.y is not None
    rows = []
    for column in ("race", "gender"):
        if column not in spec.covariates:
            continue
        values = trial.x[:, spec.covariates.index(column)]
        for level in np.unique(values):
            for d in model.decisions:
                mask = values == level
                a, c = trial.y[mask & (trial.arm == d.arm)], trial.y[mask & (trial.arm == spec.control)]
                if len(a) < 5 or len(c) < 5:
                    continue
                se = math.sqrt(a.var(ddof=1) / len(a) + c.var(ddof=1) / len(c))
                rows.append(SubgroupResult(group_by=f"{column} (difference in means, {d.name})", group=f"{level:g}",
                                           n=len(a) + len(c), metrics={"ate": float(a.mean() - c.mean()), "se": se}))
    return rows


def effects(model: CateModel, boosters: dict[str, Any], x: np.ndarray) -> dict[str, np.ndarray]:
    """Each compared arm's effect per patient: personal where validated, else the average effect."""
    out = {}
    for d in model.decisions:
        if d.basis == T_LEARNER:
            out[d.arm] = boosters[f"arm{d.arm}_mu1.txt"].predict(x) - boosters[f"arm{d.arm}_mu0.txt"].predict(x)
        elif d.basis == DR_LEARNER:
            out[d.arm] = np.asarray(boosters[f"arm{d.arm}_dr.txt"].predict(x), dtype=float)
        else:
            out[d.arm] = np.full(len(x), d.ate)
    return out


def recommend(model: CateModel, effect: dict[str, np.ndarray], level: float) -> list[str]:
    """Best expected outcome per patient; an average-effect arm must also have its ATE CI clear of zero."""
    z = _z(level)
    sign = 1.0 if model.spec.higher_is_better else -1.0
    n = len(next(iter(effect.values()))) if effect else 0
    best = [model.control] * n
    best_gain = np.zeros(n)
    for d in model.decisions:
        gain = sign * effect[d.arm]
        if d.basis == "average effect":
            clear = sign * d.ate - z * d.ate_se > 0
            gain = np.where(clear, gain, -np.inf)
        better = gain > best_gain
        best_gain = np.where(better, gain, best_gain)
        best = [d.arm if b else cur for b, cur in zip(better, best, strict=True)]
    return best


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise InputError(f"level must be between 0 and 1, got {level:g}")
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def calibration_table(card: ModelCard) -> str:
    """Markdown of the held-out calibration of every learner for every arm, from a card."""
    rows = ["| arm | learner | BLP slope (SE) | AUTOC (p) | QINI (p) | MSE model / zero / constant | validated |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for d in card.evaluation.get("decisions", []):
        decision = ArmDecision.model_validate(d)
        for learner, c in decision.calibration.items():
            rows.append(
                f"| {decision.name} | {learner} | {c.blp_slope.estimate:.2f} ({c.blp_slope.se:.2f}) | "
                f"{c.autoc.estimate:.1f} ({c.autoc.p_value:.2g}) | {c.qini.estimate:.1f} ({c.qini.p_value:.2g}) | "
                f"{c.mse_model:.0f} / {c.mse_zero:.0f} / {c.mse_constant:.0f} | {'yes' if c.validated else 'no'} |")
    return "\n".join(rows)


def predictions_csv(model: CateModel, boosters: dict[str, Any], trial: Trial, level: float | None) -> str:
    """Each patient's effects and recommended arm, as CSV rows in input order."""
    level = 0.95 if level is None else level
    z = _z(level)
    effect = effects(model, boosters, trial.x)
    chosen = recommend(model, effect, level)
    names = model.spec.arm_names
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["id", "line", "recommended_arm"]
    for d in model.decisions:
        header += [f"effect_{d.arm}", f"ate_low_{d.arm}", f"ate_high_{d.arm}", f"basis_{d.arm}"]
    writer.writerow(header)
    for i, line in enumerate(trial.lines):
        row: list[Any] = [trial.ids[i], line, f"{chosen[i]} ({names.get(chosen[i], chosen[i])})"]
        for d in model.decisions:
            row += [f"{effect[d.arm][i]:.1f}", f"{d.ate - z * d.ate_se:.1f}", f"{d.ate + z * d.ate_se:.1f}", d.basis]
        writer.writerow(row)
    return buffer.getvalue()


def evaluate(card: ModelCard, model: CateModel, boosters: dict[str, Any], trial: Trial) -> dict[str, Calibration]:
    """The model's effects on a trial with outcomes, checked against DR scores from nuisances cross-fitted on it."""
    config = CateConfig.model_validate_json(card.model["config"])
    assert trial.y is not None
    effect = effects(model, boosters, trial.x)
    folds = folds_of(trial.arm, config.folds, config.seed)
    results: dict[str, Calibration] = {}
    for d in model.decisions:
        pair = (trial.arm == d.arm) | (trial.arm == model.control)
        x, y, t, f = trial.x[pair], trial.y[pair], (trial.arm[pair] == d.arm).astype(int), folds[pair]
        e = np.full(len(y), d.overlap.min_propensity) if d.overlap.randomized else None
        if e is None:
            e, _ = propensity(x, t, known=None, folds=f, trim=config.trim, seed=config.seed)
        fitted = cross_fit(x, y, t, e, f, [], config.randomized, config.params, config.seed)
        psi = dr_scores(y, t, fitted.mu0, fitted.mu1, e)
        results[d.arm] = calibrate(psi, effect[d.arm][pair], resamples=config.bootstrap, seed=config.seed)
    return results


def evaluation_text(card: ModelCard, model: CateModel, results: dict[str, Calibration], *, data: str, in_sample: bool,
                    json_format: bool) -> str:
    """The evaluation as JSON or a Markdown table."""
    import json

    if json_format:
        return json.dumps({"in_sample": in_sample, "arms": {a: c.model_dump() for a, c in results.items()}},
                          indent=1) + "\n"
    control = model.spec.arm_names.get(model.control, model.control)
    lines = [f"# {card.name} on {data}" + (" (in-sample: this is the training file)" if in_sample else ""), "",
             "| arm vs control | basis | n | ATE (95% CI) | BLP slope (SE) | QINI (p) | MSE model / zero / constant |",
             "| --- | --- | ---: | --- | --- | --- | --- |"]
    for d in model.decisions:
        c = results[d.arm]
        low, high = c.ate.ci()
        personal = d.basis != "average effect"
        slope = f"{c.blp_slope.estimate:.2f} ({c.blp_slope.se:.2f})" if personal else "–"
        qini = f"{c.qini.estimate:.2f} ({c.qini.p_value:.2g})" if personal else "–"
        lines.append(f"| {d.name} vs {control} | {d.basis} | {c.n} | {c.ate.estimate:.1f} ({low:.1f} to {high:.1f}) "
                     f"| {slope} | {qini} | {c.mse_model:.0f} / "
                     f"{c.mse_zero:.0f} / {c.mse_constant:.0f} |")
    return "\n".join(lines) + "\n"
