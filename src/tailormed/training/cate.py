"""Training, saving and loading treatment-effect models, and predicting or evaluating on trial-layout files.

A model folder holds ``card.json``, ``cate.json`` (the decisions per arm) and the LightGBM text models of the arms
whose personal effects validated; a causal forest can only be pickled, so it is evaluated and reported but never
saved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tailormed.engines.response.card import ModelCard, SubgroupResult, TrainingData
from tailormed.engines.response.cate.data import Trial, TrialSpec, trial_from_rows
from tailormed.engines.response.cate.model import (
    MODEL_VERSION,
    TASK,
    Z95,
    CateConfig,
    CateModel,
    ate_by_group,
    evaluate,
    evaluation_text,
    fit_arm,
    folds_of,
    predictions_csv,
)
from tailormed.engines.response.stats import Estimate
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic
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

DECISIONS_FILE = "cate.json"


def read_trial(path: Path, spec: TrialSpec, *, with_outcome: bool) -> Trial:
    """Covariates (and treatment and outcome when ``with_outcome``) of every row of a trial-layout table."""
    return trial_from_rows(records(path), spec, path, with_outcome=with_outcome)


def train(data: Path, out: Path, config: CateConfig) -> ModelCard:
    spec = config.trial
    trial = read_trial(data, spec, with_outcome=True)
    assert trial.y is not None
    present = sorted(set(trial.arm.tolist()))
    if spec.control not in present:
        raise InputError(f"no row is in the control arm {spec.control!r}", source=data)
    arms = config.arms or [a for a in present if a != spec.control]
    missing = [a for a in arms if a not in present or a == spec.control]
    if missing:
        raise InputError(f"arm(s) {', '.join(missing)} have no rows or are the control arm", source=data)
    folds = folds_of(trial.arm, config.folds, config.seed)
    decisions, boosters = [], {}
    for arm in arms:
        decision, models = fit_arm(trial, arm, folds, config)
        decisions.append(decision)
        boosters.update(models)
    model = CateModel(spec=spec, control=spec.control, decisions=decisions)
    card = _card(data, trial, model, config)

    def write(folder: Path) -> None:
        for name, booster in boosters.items():
            booster.booster_.save_model(str(folder / name))
        write_text_atomic(folder / DECISIONS_FILE, model.model_dump_json(indent=1) + "\n")
        write_card(folder, card)

    replace_folder(out, write)
    return card


def _card(data: Path, trial: Trial, model: CateModel, config: CateConfig) -> ModelCard:
    spec = model.spec
    control = spec.arm_names.get(spec.control, spec.control)
    metrics: dict[str, Estimate] = {}
    for d in model.decisions:
        metrics[f"ATE {d.name} vs {control}"] = Estimate(value=d.ate, low=d.ate - Z95 * d.ate_se,
                                                        high=d.ate + Z95 * d.ate_se)
        for learner, c in d.calibration.items():
            low, high = c.blp_slope.ci()
            metrics[f"BLP slope {learner}, {d.name}"] = Estimate(value=c.blp_slope.estimate, low=low, high=high)
    subgroups = [
        SubgroupResult(group_by=f"{d.name}: {learner}", group="held-out calibration", n=c.n,
                       metrics={"blp_slope": c.blp_slope.estimate, "blp_slope_se": c.blp_slope.se,
                                "autoc": c.autoc.estimate, "autoc_p": c.autoc.p_value, "qini": c.qini.estimate,
                                "qini_p": c.qini.p_value, "mse_model": c.mse_model, "mse_zero": c.mse_zero,
                                "mse_constant": c.mse_constant})
        for d in model.decisions for learner, c in d.calibration.items()
    ]
    subgroups += ate_by_group(trial, model, config)
    used = sum(1 for a in trial.arm if a == spec.control or a in {d.arm for d in model.decisions})
    return ModelCard(
        name="treatment-effect",
        task=TASK,
        version=MODEL_VERSION,
        created=now(),
        tailormed_version=tailormed_version(),
        libraries=library_versions(),
        model={"kind": ", ".join(f"{d.name}: {d.basis}" for d in model.decisions), "file": DECISIONS_FILE,
               "learners": ", ".join(config.learners), "randomized": str(config.randomized),
               "config": config.model_dump_json()},
        training_data=TrainingData(file=str(data), sha256=sha256_of(data), rows=len(trial.lines), rows_used=used,
                                   cohort=f"all rows in arm {spec.control} or a compared arm; covariates "
                                          f"{', '.join(spec.covariates)}"),
        estimand=(f"Conditional average treatment effect on {spec.outcome_name} ({spec.outcome}) of each arm versus "
                  f"{control}, given baseline covariates"),
        assumptions=[
            "Randomized assignment with the stated allocation (or, for observational data, no unmeasured "
            "confounding and overlap, checked by the propensity diagnostic)." if config.randomized else
            "No unmeasured confounding given the covariates; overlap checked and poor-overlap patients trimmed.",
            "Covariates are measured before treatment; post-randomization variables are never used.",
            "Patients resemble the trial population (eligibility criteria of the source trial).",
        ],
        intended_use=("Research and decision support: which arm has the best expected outcome on average, and "
                      "for whom, only where heterogeneity validated on held-out data."),
        limitations=[
            "Personal effects are shown only for arms whose heterogeneity validated; otherwise the average effect.",
            "CATE intervals from forests were badly miscalibrated on benchmarks; per-patient intervals are not given.",
            "The causal forest is evaluated but not saved (it can only be pickled).",
            "One outcome only; adverse events and long-term outcomes are not modelled.",
        ],
        choice="; ".join(f"{d.name}: {d.reason}" for d in model.decisions),
        metrics=metrics,
        subgroups=subgroups,
        evaluation={"decisions": [d.model_dump(mode="json") for d in model.decisions]},
    )


def load_model(folder: Path) -> tuple[ModelCard, CateModel, dict[str, Any]]:
    import lightgbm as lgb

    card = read_card(folder)
    if card.task != TASK:
        raise InputError(f"model task is {card.task}, not {TASK}", source=folder)
    path = folder / DECISIONS_FILE
    model = read_contract(path, CateModel)
    boosters = {}
    for d in model.decisions:
        for name in d.files:
            try:
                boosters[name] = lgb.Booster(model_file=str(folder / name))
            except (OSError, lgb.basic.LightGBMError) as exc:
                raise InputError(f"cannot load model file ({exc})", source=folder / name) from exc
    return card, model, boosters




def predict_csv(loaded: tuple[ModelCard, CateModel, dict[str, Any]], path: Path, level: float | None) -> str:
    """Effects and recommended arm for every row of a trial-layout file (outcome and arm not needed)."""
    _, model, boosters = loaded
    return predictions_csv(model, boosters, read_trial(path, model.spec, with_outcome=False), level)


def evaluate_text(folder: Path, data: Path, *, json_format: bool) -> str:
    """The saved model's effects checked on ``data`` (DR scores from nuisances cross-fitted on that file)."""
    card, model, boosters = load_model(folder)
    results = evaluate(card, model, boosters, read_trial(data, model.spec, with_outcome=True))
    in_sample = sha256_of(data) == card.training_data.sha256
    return evaluation_text(card, model, results, data=str(data), in_sample=in_sample, json_format=json_format)
