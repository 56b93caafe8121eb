"""A saved warfarin dose model: train it into a folder, load it back, predict doses with intervals and explanations.

The folder holds ``card.json`` (:class:`~tailormed.engines.response.card.ModelCard`), ``inputs.json`` (imputation
medians and feature settings), ``conformal.json`` (calibration scores per group) and, for a learned default, the
model file. When the published formula wins the comparison, no model file is written: the coefficients are read
from the knowledge bundle, whose version the card records.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from tailormed.engines.response.card import (
    ModelCard,
    SubgroupResult,
    TrainingData,
    library_versions,
    now,
    read_card,
    replace_folder,
    sha256_of,
    tailormed_version,
    write_card,
)
from tailormed.engines.response.conformal import MondrianConformal
from tailormed.engines.response.stats import Estimate, bootstrap_mean
from tailormed.engines.response.warfarin.evaluation import (
    ConformalGroup,
    TrainConfig,
    WarfarinEvaluation,
    check_config,
    conformal_groups,
    cross_validate,
    evaluate_cv,
)
from tailormed.engines.response.warfarin.features import Completion, WarfarinCase, prepare
from tailormed.engines.response.warfarin.formulas import Explained, Formula, formulas
from tailormed.engines.response.warfarin.iwpc import IwpcPatient, read_iwpc
from tailormed.engines.response.warfarin.metrics import within
from tailormed.engines.response.warfarin.models import LIGHTGBM, RIDGE, LearnedModel, fit, load
from tailormed.errors import InputError, KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.files import parse_model, read_json
from tailormed.knowledge.warfarin import WarfarinKnowledge
from tailormed.model.base import Contract

TASK = "warfarin-dose"
MODEL_VERSION = "1"
INPUTS_FILE = "inputs.json"
CONFORMAL_FILE = "conformal.json"
M = TypeVar("M", bound=Contract)
ESTIMAND = ("Stable therapeutic warfarin dose (mg/week) that reached the target INR, predicted on the sqrt scale "
            "and squared; intervals are split-conformal on the sqrt scale")


class SavedInputs(Contract):
    kind: str
    extra_flags: list[str]
    completion: Completion
    level: float
    conformal_group: ConformalGroup
    knowledge_version: str


@dataclass(frozen=True)
class DosePrediction:
    case: WarfarinCase
    dose: float
    low: float
    high: float
    level: float
    imputed: list[str]
    explained: Explained
    group: str


@dataclass(frozen=True)
class SavedDoseModel:
    card: ModelCard
    inputs: SavedInputs
    conformal: MondrianConformal
    model: Formula | LearnedModel
    knowledge: WarfarinKnowledge

    def predict(self, cases: Sequence[WarfarinCase], level: float | None = None, *, explain: bool = True
                ) -> list[DosePrediction]:
        """Dose, interval and (unless ``explain`` is False) the additive explanation of each case."""
        level = self.inputs.level if level is None else level
        if not 0 < level < 1:
            raise InputError(f"interval level must be between 0 and 1, got {level:g}")
        complete = [self.inputs.completion.complete(c) for c in cases]
        if not explain:
            explained = [Explained(baseline=float(r), contributions=[]) for r in self.model.predict_sqrt(complete)]
        elif isinstance(self.model, LearnedModel):
            explained = self.model.explain(complete)
        else:
            explained = [self.model.explain_one(c) for c in complete]
        roots = np.array([e.sqrt_dose for e in explained])
        groups = conformal_groups(complete, roots, self.inputs.conformal_group, self.knowledge.baselines.dose_bands)
        out = []
        for c, e, root, group in zip(complete, explained, roots, groups, strict=True):
            low, high = self.conformal.interval(float(root), group, level, back=_square)
            out.append(DosePrediction(case=c.case, dose=_square(float(root)), low=low, high=high, level=level,
                                      imputed=c.imputed, explained=e, group=self.conformal.group_used(group)))
        return out


def _square(value: float) -> float:
    return math.inf if math.isinf(value) else max(value, 0.0) ** 2


def cohort(patients: Sequence[IwpcPatient], config: TrainConfig) -> tuple[list[IwpcPatient], str]:
    used = [p for p in patients if p.dose_mg_week is not None
            and (config.max_dose is None or p.dose_mg_week <= config.max_dose)]
    rule = "rows with a recorded therapeutic dose"
    if config.max_dose is not None:
        rule += f" of at most {config.max_dose:g} mg/week"
    return used, rule + "; missing age, height or weight imputed (training-fold medians by sex and race)"


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
    model_file = learned.file_name() if learned is not None else ""
    card = card.model_copy(update={"model": {**card.model, "file": model_file}})

    def write(folder: Path) -> None:
        if learned is not None:
            learned.save(folder)
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
    inputs = _read(folder / INPUTS_FILE, SavedInputs)
    conformal = _read(folder / CONFORMAL_FILE, MondrianConformal)
    if inputs.knowledge_version != knowledge.version:
        raise InputError(f"model was trained with warfarin-dosing {inputs.knowledge_version}, the knowledge bundle "
                         f"has {knowledge.version}; retrain", source=folder)
    published = formulas(knowledge)
    model: Formula | LearnedModel
    if inputs.kind in published:
        model = published[inputs.kind]
    elif inputs.kind in ("ridge", "lightgbm"):
        model = load(RIDGE if inputs.kind == RIDGE else LIGHTGBM, folder, inputs.extra_flags)
    else:
        raise InputError(f"unknown model kind {inputs.kind!r}", source=folder / INPUTS_FILE)
    return SavedDoseModel(card=card, inputs=inputs, conformal=conformal, model=model, knowledge=knowledge)


def _read(path: Path, model: type[M]) -> M:
    try:
        return parse_model(read_json(path, path.name), model, path.name, path)
    except KnowledgeError as exc:
        raise InputError(exc.message, source=path, location=exc.location) from exc
