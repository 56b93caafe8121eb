"""The treatment-response engine in ``analyze``: a trained dose model's prediction, interval and model card.

It applies when the PGx engine found warfarin on the medication list (its warfarin-dose finding carries the
formula's inputs from the record and genotypes) and a trained ``warfarin-dose`` model folder is available: the
``--models`` folder or ``$TAILORMED_MODELS``, searched for a sub-folder whose model card has that task, and loaded
before the analysis (:func:`load_response_models`): the engine itself reads no file.
The record's facts are written in the IWPC column layout the model was trained on, so the same code path serves
``tailormed response predict`` and the care plan.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tailormed.knowledge.medicines import medication_names
from tailormed.model.engine import EngineRun
from tailormed.model.finding import Domain, Evidence, Finding, NotAssessed, Priority
from tailormed.model.patient import Patient, Sex
from tailormed.model.payloads import DosePredictionData
from tailormed.model.pgx import WarfarinDose, WarfarinInputs
from tailormed.pipeline.engine_api import EngineSpec, PatientContext
from tailormed.plan.facts import takes_any

if TYPE_CHECKING:
    from tailormed.engines.response.warfarin.dose_model import SavedDoseModel

MODELS_ENV = "TAILORMED_MODELS"
WARFARIN_TASK = "warfarin-dose"
ITEM = "treatment-response prediction (warfarin dose model)"
_OMB_RACE = {"white": "White", "asian": "Asian", "black": "Black or African American"}
_VKORC1 = {"GG": "G/G", "AG": "A/G", "GA": "A/G", "AA": "A/A"}
_INDUCERS = {
    "Carbamazepine (Tegretol)": ("carbamazepine",),
    "Phenytoin (Dilantin)": ("phenytoin",),
    "Rifampin or Rifampicin": ("rifampin", "rifampicin"),
}


@dataclass(frozen=True)
class ResponseModels:
    """Trained response models, loaded before the analysis so that the engine reads no file."""

    warfarin: SavedDoseModel | None = None
    warfarin_folder: Path | None = None


def load_response_models(root: Path | None, patient: Patient) -> ResponseModels:
    """The models this patient's analysis can use, from ``root`` or ``$TAILORMED_MODELS``: the warfarin-dose model
    only for a patient who takes or will take warfarin (loading a learned model is not free)."""
    if not takes_any(patient, ["warfarin"]):
        return ResponseModels()
    folder = find_model(root or _env_models(), WARFARIN_TASK)
    if folder is None:
        return ResponseModels()
    from tailormed.knowledge.warfarin import load_knowledge
    from tailormed.training.warfarin import load_model

    return ResponseModels(warfarin=load_model(folder, load_knowledge()), warfarin_folder=folder)


def response_engine(ctx: PatientContext) -> EngineRun:
    """The warfarin dose model's prediction for a patient who takes or will take warfarin."""
    doses = [f.data for f in ctx.earlier["pgx"].findings if isinstance(f.data, WarfarinDose)]
    dose = doses[0] if doses else None
    if dose is None:
        return EngineRun.skip(ITEM, "warfarin is not on the medication list, or no genome was analysed")
    models = ctx.models or ResponseModels()
    if models.warfarin is None or models.warfarin_folder is None:
        return EngineRun.skip(
            ITEM,
            f"no trained {WARFARIN_TASK} model: train one with `tailormed response train --task {WARFARIN_TASK}` "
            f"and pass its parent folder with --models or ${MODELS_ENV}",
        )
    from tailormed.training.warfarin import predict_loaded

    features = iwpc_features(ctx.patient, dose.inputs)
    prediction = predict_loaded(models.warfarin, features)
    return EngineRun(
        findings=[_finding(prediction, features, models.warfarin_folder)],
        limitations=_missing(features),
        versions={f"model:{prediction.model_name}": prediction.model_version},
        inputs={"warfarin_model": str(models.warfarin_folder)},
    )


def find_model(root: Path | None, task: str) -> Path | None:
    """``root`` itself or its first sub-folder (by name) whose model card is for ``task``."""
    if root is None or not root.is_dir():
        return None
    from tailormed.training.files import CARD_FILE, read_card

    for folder in [root, *sorted(p for p in root.iterdir() if p.is_dir())]:
        if (folder / CARD_FILE).is_file() and read_card(folder).task == task:
            return folder
    return None


def iwpc_features(patient: Patient, inputs: WarfarinInputs) -> dict[str, str]:
    """The record's facts in IWPC columns; unknown values are left out so the model's missing-data rules apply."""
    features: dict[str, str] = {}
    sex = patient.demographics.sex
    if sex in (Sex.FEMALE, Sex.MALE):
        features["Gender"] = sex.value
    race = _OMB_RACE.get(inputs.race)
    if race is not None:
        features["Race (OMB)"] = race
    if inputs.age_years is not None:
        decade = min(int(inputs.age_years) // 10, 9)
        features["Age"] = "90+" if decade == 9 else f"{decade * 10} - {decade * 10 + 9}"
    for column, value in (("Height (cm)", inputs.height_cm), ("Weight (kg)", inputs.weight_kg)):
        if value is not None:
            features[column] = f"{value:g}"
    if inputs.cyp2c9 is not None:
        features["CYP2C9 consensus"] = inputs.cyp2c9
    vkorc1 = _VKORC1.get(inputs.vkorc1 or "")
    if vkorc1 is not None:
        features["VKORC1 -1639 consensus"] = vkorc1
    features["Amiodarone (Cordarone)"] = "1" if inputs.amiodarone else "0"
    # By ingredient, as the IWPC formula reads them: a brand (Tegretol), a product string or an RxNorm code counts.
    taking = {name for m in patient.current_medications() for name in medication_names(m)}
    for column, names in _INDUCERS.items():
        features[column] = "1" if taking & set(names) else "0"
    return features


def _finding(prediction: DosePredictionData, features: Mapping[str, str], model_dir: Path) -> Finding:
    level = f"{prediction.level:.0%}"
    title = (
        f"warfarin: model-predicted stable dose {prediction.predicted:.1f} mg/week "
        f"({level} interval {prediction.interval_low:.1f}-{prediction.interval_high:.1f})"
    )
    drivers = ", ".join(f"{c.feature} {c.value}" for c in prediction.contributions[:3])
    return Finding(
        id="response:warfarin-dose",
        domain=Domain.RESPONSE,
        title=title,
        summary=(
            f"{prediction.model_name} {prediction.model_version} predicts {prediction.predicted:.1f} mg/week; "
            f"{level} of similar patients' stable doses fell in {prediction.interval_low:.1f}-"
            f"{prediction.interval_high:.1f} mg/week. Largest contributions: {drivers}. Titrate by INR."
        ),
        priority=Priority.ROUTINE,
        genes=["CYP2C9", "VKORC1"],
        drugs=["warfarin"],
        data=prediction,
        evidence=[
            Evidence(
                source=f"model:{prediction.model_name}",
                version=prediction.model_version,
                level=prediction.model_card.get("choice"),
                citations=[str(model_dir)],
                inputs_used=[f"{column}: {value}" for column, value in features.items()],
                not_assessed=_missing(features),
            )
        ],
    )


def _missing(features: Mapping[str, str]) -> list[NotAssessed]:
    wanted = ("Age", "Height (cm)", "Weight (kg)", "Race (OMB)", "CYP2C9 consensus", "VKORC1 -1639 consensus")
    return [
        NotAssessed(item=f"warfarin model input {column}", reason="not in the record or genotypes; model imputes it")
        for column in wanted
        if column not in features
    ]


def _env_models() -> Path | None:
    value = os.environ.get(MODELS_ENV)
    return Path(value).expanduser() if value else None


ENGINE = EngineSpec(name="response", run=response_engine, needs=("pgx",))
