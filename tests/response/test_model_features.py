"""The warfarin dose model reads the record's drugs by ingredient, as the IWPC formula does: a brand, a product string
or an RxNorm code alone counts (issue: "Tegretol 200 mg" was not seen as the enzyme inducer carbamazepine)."""

from __future__ import annotations

import pytest

from tailormed.model.patient import Demographics, Medication, Patient, Sex
from tailormed.model.pgx import WarfarinInputs
from tailormed.pipeline.response import iwpc_features

INPUTS = WarfarinInputs(age_years=64, height_cm=170, weight_kg=80, race="white", vkorc1="AG", cyp2c9="*1/*1")


def _features(*medications: Medication) -> dict[str, str]:
    patient = Patient(
        id="p", demographics=Demographics(sex=Sex.MALE), medications=[Medication(name="warfarin"), *medications]
    )
    return iwpc_features(patient, INPUTS)


@pytest.mark.parametrize(
    ("medication", "column"),
    [
        (Medication(name="carbamazepine"), "Carbamazepine (Tegretol)"),
        (Medication(name="Tegretol 200 mg"), "Carbamazepine (Tegretol)"),
        (Medication(name="seizure tablet", rxnorm="2002"), "Carbamazepine (Tegretol)"),
        (Medication(name="Dilantin"), "Phenytoin (Dilantin)"),
        (Medication(name="phenytoin sodium 100 MG Oral Capsule"), "Phenytoin (Dilantin)"),
        (Medication(name="rifampicin"), "Rifampin or Rifampicin"),
    ],
)
def test_an_inducer_is_seen_however_the_record_names_it(medication: Medication, column: str) -> None:
    assert _features(medication)[column] == "1"
    assert _features()[column] == "0"
    stopped = medication.model_copy(update={"status": "stopped"})
    assert _features(stopped)[column] == "0"
