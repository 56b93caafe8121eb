"""Honest evaluation of dose models: site-grouped cross-validation, the paper's table, paired comparisons, coverage.

Every model (the three published baselines and each learned candidate) predicts each patient from a fit that never
saw that patient's clinic (GroupKFold by ``Project Site``). Missing age/height/weight are filled from medians of
the training folds only. The learned candidates are then compared with the published pharmacogenetic formula on
the same patients: the mean per-patient difference in absolute error with a bootstrap CI that resamples sites,
and McNemar's test on within-20% hits. A candidate becomes the default only if its CI lies wholly below zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from tailormed.engines.response.conformal import Coverage, cross_coverage
from tailormed.engines.response.stats import Estimate, McNemar, bootstrap_mean, mcnemar
from tailormed.engines.response.warfarin.features import CompleteCase, Completion, WarfarinCase
from tailormed.engines.response.warfarin.formulas import PHARMACOGENETIC, formulas
from tailormed.engines.response.warfarin.iwpc import FLAG_COLUMNS
from tailormed.engines.response.warfarin.metrics import DoseMetrics, dose_metrics, within
from tailormed.engines.response.warfarin.models import LIGHTGBM, RIDGE, LearnedKind, LightgbmParams, fit
from tailormed.errors import InputError
from tailormed.knowledge.warfarin import DoseBands, WarfarinKnowledge
from tailormed.model.base import Contract

ConformalGroup = Literal["race", "predicted_band"]


class TrainConfig(Contract):
    """``--config`` YAML of ``tailormed response train --task warfarin-dose``; every key is optional."""

    folds: int = Field(default=5, ge=2, le=22, description="Site-grouped cross-validation folds")
    seed: int = 0
    candidates: list[LearnedKind] = Field(default_factory=lambda: [RIDGE, LIGHTGBM])
    lightgbm: LightgbmParams = Field(default_factory=LightgbmParams)
    extra_flags: list[str] = Field(default_factory=list, description=f"Any of: {', '.join(FLAG_COLUMNS)}")
    conformal_group: ConformalGroup = "race"
    level: float = Field(default=0.8, gt=0, lt=1, description="Default interval level of predictions")
    levels: list[float] = Field(default_factory=lambda: [0.8, 0.9], description="Interval levels to measure")
    bootstrap: int = Field(default=2000, ge=100)
    model: Literal["auto", "ridge", "lightgbm"] = Field(
        default="auto", description="auto: the candidate that beats the published formula, else the formula"
    )
    max_dose: float | None = Field(default=None, gt=0, description="Leave out stable doses above this (mg/week)")


def check_config(config: TrainConfig, source: str) -> None:
    unknown = [f for f in config.extra_flags if f not in FLAG_COLUMNS]
    if unknown:
        raise InputError(f"unknown extra_flags {', '.join(unknown)}; known: {', '.join(FLAG_COLUMNS)}",
                         source=source)
    if config.model != "auto" and config.model not in config.candidates:
        raise InputError(f"model {config.model} is not among the candidates ({', '.join(config.candidates)})",
                         source=source)


@dataclass
class CrossValidated:
    """Out-of-fold predictions (sqrt of weekly dose) of every model for the same patients."""

    cases: list[CompleteCase]
    actual: np.ndarray
    sites: list[str]
    folds: np.ndarray
    sqrt: dict[str, np.ndarray]

    def doses(self, name: str) -> np.ndarray:
        return np.asarray(self.sqrt[name], dtype=float) ** 2


def cross_validate(cases: Sequence[WarfarinCase], knowledge: WarfarinKnowledge, config: TrainConfig
                   ) -> CrossValidated:
    from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped, unused-ignore]

    sites = [c.site or "unknown" for c in cases]
    n_sites = len(set(sites))
    if n_sites < config.folds:
        raise InputError(f"site-grouped cross-validation needs at least {config.folds} project sites, "
                         f"the data has {n_sites}")
    baselines = formulas(knowledge)
    names = [*baselines, *config.candidates]
    sqrt = {name: np.zeros(len(cases)) for name in names}
    completed: list[CompleteCase | None] = [None] * len(cases)
    folds = np.zeros(len(cases), dtype=int)
    splitter = GroupKFold(n_splits=config.folds)
    for fold, (train, test) in enumerate(splitter.split(np.zeros(len(cases)), groups=sites)):
        completion = Completion.fit([cases[i] for i in train])
        train_cases = [completion.complete(cases[i]) for i in train]
        test_cases = [completion.complete(cases[i]) for i in test]
        y = np.sqrt([c.case.dose_mg_week or 0.0 for c in train_cases])
        for name, formula in baselines.items():
            sqrt[name][test] = formula.predict_sqrt(test_cases)
        for kind in config.candidates:
            model = fit(kind, train_cases, y, extra_flags=config.extra_flags, params=config.lightgbm,
                        seed=config.seed)
            sqrt[kind][test] = model.predict_sqrt(test_cases)
        for i, c in zip(test, test_cases, strict=True):
            completed[i] = c
        folds[test] = fold
    done = [c for c in completed if c is not None]
    return CrossValidated(
        cases=done,
        actual=np.array([c.case.dose_mg_week or 0.0 for c in done]),
        sites=sites,
        folds=folds,
        sqrt=sqrt,
    )


class TableRow(Contract):
    model: str
    group_by: str
    group: str
    metrics: DoseMetrics


def paper_table(
    actual: np.ndarray,
    predicted: dict[str, np.ndarray],
    cases: Sequence[CompleteCase],
    bands: DoseBands,
    sites: Sequence[str] | None = None,
) -> list[TableRow]:
    """The IWPC paper's accuracy table for each model: overall, by dose band, by race, by sex (and site)."""
    groupings: dict[str, list[str]] = {
        "cohort": ["all"] * len(cases),
        "measurements": ["complete" if not c.imputed else "imputed" for c in cases],
        "dose band": [bands.band(float(d)) for d in actual],
        "race": [c.case.race for c in cases],
        "sex": [c.case.sex or "not known" for c in cases],
    }
    if sites is not None:
        groupings["site"] = list(sites)
    outlier = actual > 300
    rows = []
    for name, prediction in predicted.items():
        for group_by, labels in groupings.items():
            values = np.asarray(labels)
            for group in sorted(set(labels), key=_group_order):
                mask = values == group
                band = group if group_by == "dose band" and group != "intermediate" else None
                rows.append(TableRow(model=name, group_by=group_by, group=group,
                                     metrics=dose_metrics(actual[mask], prediction[mask], bands, band)))
        if outlier.any():
            rows.append(TableRow(model=name, group_by="cohort", group="without doses > 300 mg/week",
                                 metrics=dose_metrics(actual[~outlier], prediction[~outlier], bands)))
    return rows


def _group_order(group: str) -> tuple[int, str]:
    order = {"all": 0, "complete": 1, "imputed": 2, "low": 3, "intermediate": 4, "high": 5}
    return (order.get(group, 9), group.zfill(4) if group.isdigit() else group)


class PairedComparison(Contract):
    """``model`` minus ``reference`` on the same patients: negative absolute-error differences favour ``model``."""

    model: str
    reference: str
    n: int
    abs_error_difference: Estimate = Field(description="Mean |error| difference, mg/week, site-bootstrap CI")
    pw20_difference: Estimate = Field(description="Difference in share within 20%, site-bootstrap CI")
    mcnemar: McNemar = Field(description="On within-20% hits: only_first = only the model hit")
    better: bool = Field(description="The whole absolute-error CI lies below zero")


def paired(cv: CrossValidated, model: str, reference: str, bands: DoseBands, resamples: int, seed: int
           ) -> PairedComparison:
    a, b = cv.doses(model), cv.doses(reference)
    difference = np.abs(a - cv.actual) - np.abs(b - cv.actual)
    hits_a = within(cv.actual, a, bands.within_fraction)
    hits_b = within(cv.actual, b, bands.within_fraction)
    estimate = bootstrap_mean(difference, clusters=cv.sites, resamples=resamples, seed=seed)
    return PairedComparison(
        model=model,
        reference=reference,
        n=len(difference),
        abs_error_difference=estimate,
        pw20_difference=bootstrap_mean(hits_a.astype(float) - hits_b.astype(float), clusters=cv.sites,
                                       resamples=resamples, seed=seed),
        mcnemar=mcnemar(hits_a, hits_b),
        better=estimate.high < 0,
    )


def conformal_groups(cv_or_cases: Sequence[CompleteCase], sqrt_pred: np.ndarray, group: ConformalGroup,
                     bands: DoseBands) -> list[str]:
    """The Mondrian group of each patient: race, or the dose band of the model's own prediction."""
    if group == "race":
        return [c.case.race for c in cv_or_cases]
    return [bands.band(float(p) ** 2) for p in sqrt_pred]


class WarfarinEvaluation(Contract):
    """The full cross-validated report saved in the model card (and rendered by ``response evaluate``)."""

    protocol: str
    cohort: str
    n: int
    table: list[TableRow]
    paired: list[PairedComparison]
    coverage: list[Coverage]
    conformal_group: str
    default_model: str
    choice: str


def evaluate_cv(cv: CrossValidated, knowledge: WarfarinKnowledge, config: TrainConfig, cohort: str
                ) -> WarfarinEvaluation:
    bands = knowledge.baselines.dose_bands
    predicted = {name: cv.doses(name) for name in cv.sqrt}
    table = paper_table(cv.actual, predicted, cv.cases, bands, cv.sites)
    comparisons = [paired(cv, kind, PHARMACOGENETIC, bands, config.bootstrap, config.seed)
                   for kind in config.candidates]
    winners = sorted((c for c in comparisons if c.better), key=lambda c: c.abs_error_difference.value)
    default: str
    if config.model != "auto":
        default = config.model
        shown = "; ".join(f"{c.model} {c.abs_error_difference.text()}" for c in comparisons)
        choice = (f"{config.model} chosen by the training configuration, not by the comparison (mean absolute error "
                  f"difference against the published IWPC pharmacogenetic formula, mg/week: {shown})")
    elif winners:
        best = winners[0]
        default = best.model
        choice = (f"{best.model} beat the published IWPC pharmacogenetic formula on site-grouped cross-validation: "
                  f"mean absolute error difference {best.abs_error_difference.text()} mg/week")
    else:
        default = PHARMACOGENETIC
        shown = "; ".join(f"{c.model} {c.abs_error_difference.text()}" for c in comparisons)
        choice = ("no learned candidate beat the published IWPC pharmacogenetic formula with a CI wholly below zero "
                  f"on site-grouped cross-validation (mean absolute error difference, mg/week: {shown}), so the "
                  "published formula is the default")
    residual = np.sqrt(cv.actual) - cv.sqrt[default]
    groups = conformal_groups(cv.cases, cv.sqrt[default], config.conformal_group, bands)
    coverage = [
        row
        for level in config.levels
        for row in cross_coverage(residual, cv.sqrt[default], cv.actual, groups, cv.folds.tolist(), level,
                                  back=lambda v: np.maximum(v, 0.0) ** 2)
    ]
    return WarfarinEvaluation(
        protocol=f"GroupKFold by project site, {config.folds} folds; imputation medians from training folds; "
                 f"paired site-bootstrap ({config.bootstrap} resamples); cross-conformal coverage per "
                 f"{config.conformal_group}",
        cohort=cohort,
        n=len(cv.actual),
        table=table,
        paired=comparisons,
        coverage=coverage,
        conformal_group=config.conformal_group,
        default_model=default,
        choice=choice,
    )
