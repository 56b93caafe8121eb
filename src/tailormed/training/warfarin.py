"""Training, saving and loading warfarin dose models, and predicting or evaluating on IWPC-layout files.

A model folder holds ``card.json`` (:class:`~tailormed.engines.response.card.ModelCard`), ``inputs.json``
(imputation medians and feature settings), ``conformal.json`` (calibration scores per group) and, for a learned
default, the model file. When the published formula wins the comparison, no model file is written: the coefficients
are read from the knowledge bundle, whose version the card records. Ridge models are saved with skops and loaded with
a fixed list of trusted sklearn types; LightGBM as its native text model. Neither is a pickle, so a model folder from
elsewhere cannot run code when loaded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tailormed.engines.response.card import ModelCard, SubgroupResult, TrainingData
from tailormed.engines.response.conformal import MondrianConformal
from tailormed.engines.response.stats import Estimate, bootstrap_mean
from tailormed.engines.response.warfarin.dose_model import (
    ESTIMAND,
    MODEL_VERSION,
    TASK,
    DosePrediction,
    SavedDoseModel,
    SavedInputs,
    cohort,
)
from tailormed.engines.response.warfarin.evaluation import (
    TrainConfig,
    WarfarinEvaluation,
    check_config,
    conformal_groups,
    cross_validate,
    evaluate_cv,
)
from tailormed.engines.response.warfarin.features import Completion, prepare
from tailormed.engines.response.warfarin.formulas import Formula, formulas
from tailormed.engines.response.warfarin.iwpc import IwpcPatient, iwpc_patients, patient_from_values
from tailormed.engines.response.warfarin.metrics import within
from tailormed.engines.response.warfarin.models import LIGHTGBM, RIDGE, LearnedKind, LearnedModel, fit
from tailormed.engines.response.warfarin.predict import ExternalEvaluation, evaluate_cases, payload
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.warfarin import WarfarinKnowledge
from tailormed.model.payloads import DosePredictionData
from tailormed.training.files import (
    library_versions,
    now,
    read_card,
    read_contract,
    records,
    replace_folder,
    sha256_of,
    tailormed_version,
    write_card,
)

INPUTS_FILE = "inputs.json"
CONFORMAL_FILE = "conformal.json"
RIDGE_FILE = "ridge.skops"
LIGHTGBM_FILE = "lightgbm.txt"
_TRUSTED_SKLEARN = [
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.linear_model._ridge.RidgeCV",
    "sklearn.linear_model._ridge.Ridge",
]


def read_iwpc(path: Path, *, training: bool = False) -> list[IwpcPatient]:
    """Every row of an IWPC-layout CSV; ``training`` also requires the dose and project site columns."""
    return iwpc_patients(records(path), path, training=training)


def train(data: Path, out: Path, knowledge: WarfarinKnowledge, config: TrainConfig) -> ModelCard:
    """Cross-validate every candidate against the published baselines, then fit the winner on all rows and save."""
    check_config(config, "training config")
    patients = read_iwpc(data, training=True)
    used, rule = cohort(patients, config)
    cases = [prepare(p, knowledge.baselines.vkorc1_imputation) for p in used]
    cv = cross_validate(cases, knowledge, config)
    evaluation = evaluate_cv(cv, knowledge, config, rule)
    default = evaluation.default_model
    completion = Completion.fit(cases)
    complete = [completion.complete(c) for c in cases]
    learned: LearnedModel | None = None
    if default in (RIDGE, LIGHTGBM):
        y = np.sqrt([c.dose_mg_week or 0.0 for c in cases])
        learned = fit(RIDGE if default == RIDGE else LIGHTGBM, complete, y, extra_flags=config.extra_flags,
                      params=config.lightgbm, seed=config.seed)
    residual = np.sqrt(cv.actual) - cv.sqrt[default]
    groups = conformal_groups(cv.cases, cv.sqrt[default], config.conformal_group, knowledge.baselines.dose_bands)
    conformal = MondrianConformal.calibrate(residual, groups, config.conformal_group)
    inputs = SavedInputs(kind=default, extra_flags=config.extra_flags, completion=completion, level=config.level,
                         conformal_group=config.conformal_group, knowledge_version=knowledge.version)
    card = _card(data, len(patients), len(used), rule, default, evaluation, cv.actual, cv.doses(default), cv.sites,
                 knowledge, config)
    file_name = model_file(learned) if learned is not None else ""
    card = card.model_copy(update={"model": {**card.model, "file": file_name}})

    def write(folder: Path) -> None:
        if learned is not None:
            save_learned(learned, folder)
        write_text_atomic(folder / INPUTS_FILE, inputs.model_dump_json(indent=1) + "\n")
        write_text_atomic(folder / CONFORMAL_FILE, conformal.model_dump_json() + "\n")
        write_card(folder, card)

    replace_folder(out, write)
    return card


def _card(data: Path, rows: int, used: int, rule: str, default: str, evaluation: WarfarinEvaluation,
          actual: np.ndarray, predicted: np.ndarray, sites: Sequence[str], knowledge: WarfarinKnowledge,
          config: TrainConfig) -> ModelCard:
    errors = np.abs(predicted - actual)
    hits = within(actual, predicted, knowledge.baselines.dose_bands.within_fraction).astype(float)
    metrics: dict[str, Estimate] = {
        "MAE mg/week (site-grouped CV)": bootstrap_mean(errors, clusters=sites, resamples=config.bootstrap),
        "within 20% (site-grouped CV)": bootstrap_mean(hits, clusters=sites, resamples=config.bootstrap),
    }
    for c in evaluation.coverage:
        if c.group == "*":
            margin = 1.96 * math.sqrt(c.coverage * (1 - c.coverage) / c.n)
            metrics[f"interval coverage at {c.level:.0%} (cross-conformal)"] = Estimate(
                value=c.coverage, low=max(0.0, c.coverage - margin), high=min(1.0, c.coverage + margin))
    subgroups = [
        SubgroupResult(group_by=row.group_by, group=row.group, n=row.metrics.n,
                       metrics={"mae": row.metrics.mae, "pw20": row.metrics.pw20, "r2": row.metrics.r2})
        for row in evaluation.table
        if row.model == default and row.group_by in ("race", "sex", "site", "dose band", "measurements")
    ]
    subgroups += [
        SubgroupResult(group_by=f"interval coverage {c.level:.0%} by {evaluation.conformal_group}", group=c.group,
                       n=c.n, metrics={"coverage": c.coverage, "median_width_mg_week": c.median_width})
        for c in evaluation.coverage
    ]
    return ModelCard(
        name="warfarin-dose",
        task=TASK,
        version=MODEL_VERSION,
        created=now(),
        tailormed_version=tailormed_version(),
        libraries=library_versions(),
        model={"kind": default, "scale": "sqrt(mg/week)", "level": f"{config.level:g}",
               "conformal_group": config.conformal_group, "candidates": ", ".join(config.candidates),
               "config": json.dumps(config.model_dump(mode="json"), sort_keys=True)},
        training_data=TrainingData(file=str(data), sha256=sha256_of(data), rows=rows, rows_used=used, cohort=rule),
        estimand=ESTIMAND,
        assumptions=[
            "Patients are like the IWPC cohort: adults starting warfarin, dose titrated to a target INR (mostly 2-3).",
            "A new clinic resembles the training clinics (validated by leaving whole sites out).",
            "Medications not recorded as taken are counted as not taken, as in the IWPC algorithms.",
            "Interval validity needs the patient to be exchangeable with the calibration patients of their group.",
        ],
        intended_use=("Decision support for the initial warfarin maintenance dose of an adult, next to INR-guided "
                      "titration; not a replacement for INR monitoring."),
        limitations=[
            "The published IWPC coefficients were fitted on a cohort that includes most of these patients, so the "
            "formula's cross-validated numbers are partly in-sample and the comparison favours it.",
            "Rare CYP2C9 alleles (*5, *6, *8, *11, ...) and CYP4F2/rs12777823 are not modelled; they matter most "
            "in African ancestry (see CPIC 2017).",
            "VKORC1 -1639 imputation from linked SNPs is not used for Black or mixed/unknown race except from "
            "rs9934438, following the IWPC rules.",
            "Doses at the extremes (<= 21 or >= 49 mg/week) are predicted less accurately than intermediate doses.",
            "Race is the OMB category reported by each site, a coarse proxy for ancestry.",
        ],
        choice=evaluation.choice,
        metrics=metrics,
        subgroups=subgroups,
        knowledge={"warfarin-dosing": knowledge.version},
        evaluation=evaluation.model_dump(mode="json"),
    )


def load_model(folder: Path, knowledge: WarfarinKnowledge) -> SavedDoseModel:
    card = read_card(folder)
    if card.task != TASK:
        raise InputError(f"model task is {card.task}, not {TASK}", source=folder)
    inputs = read_contract(folder / INPUTS_FILE, SavedInputs)
    conformal = read_contract(folder / CONFORMAL_FILE, MondrianConformal)
    if inputs.knowledge_version != knowledge.version:
        raise InputError(f"model was trained with warfarin-dosing {inputs.knowledge_version}, the knowledge bundle "
                         f"has {knowledge.version}; retrain", source=folder)
    published = formulas(knowledge)
    model: Formula | LearnedModel
    if inputs.kind in published:
        model = published[inputs.kind]
    elif inputs.kind in ("ridge", "lightgbm"):
        model = load_learned(RIDGE if inputs.kind == RIDGE else LIGHTGBM, folder, inputs.extra_flags)
    else:
        raise InputError(f"unknown model kind {inputs.kind!r}", source=folder / INPUTS_FILE)
    return SavedDoseModel(card=card, inputs=inputs, conformal=conformal, model=model, knowledge=knowledge)


def model_file(model: LearnedModel) -> str:
    """The file name a learned model is saved under."""
    return RIDGE_FILE if model.kind == RIDGE else LIGHTGBM_FILE


def save_learned(model: LearnedModel, folder: Path) -> Path:
    """Write the model file into ``folder``."""
    path = folder / model_file(model)
    if model.kind == RIDGE:
        import skops.io as sio  # type: ignore[import-untyped, unused-ignore]

        sio.dump(model.estimator, path)
    else:
        model.estimator.booster_.save_model(str(path))
    return path


def load_learned(kind: LearnedKind, folder: Path, extra_flags: Sequence[str]) -> LearnedModel:
    """Load a model written by :func:`save_learned`; untrusted content is refused, never executed."""
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


def predict_cases(model: SavedDoseModel, path: Path, level: float | None) -> list[DosePrediction]:
    patients = read_iwpc(path)
    cases = [prepare(p, model.knowledge.baselines.vkorc1_imputation) for p in patients]
    return model.predict(cases, level)


def predict_one(model_dir: Path, features: Mapping[str, str], *, knowledge: WarfarinKnowledge | None = None,
                level: float | None = None) -> DosePredictionData:
    """One patient's dose from IWPC-layout values (column name -> cell text), as a care-plan payload."""
    from tailormed.knowledge.warfarin import load_knowledge

    return predict_loaded(load_model(model_dir, knowledge or load_knowledge()), features, level=level)


def predict_loaded(
    model: SavedDoseModel, features: Mapping[str, str], *, level: float | None = None
) -> DosePredictionData:
    """One patient's dose from a model already loaded (no file is read)."""
    case = prepare(patient_from_values(features), model.knowledge.baselines.vkorc1_imputation)
    return payload(model, model.predict([case], level)[0])


def evaluate_file(model: SavedDoseModel, path: Path, levels: Sequence[float] = (0.8, 0.9)) -> ExternalEvaluation:
    """The saved model scored on an IWPC-layout file with doses, next to the published baselines."""
    in_sample = sha256_of(path) == model.card.training_data.sha256
    return evaluate_cases(model, read_iwpc(path, training=True), data=str(path), in_sample=in_sample, levels=levels)
