"""A care plan read back from its JSON is the same plan: every finding's payload comes back as its typed model."""

from __future__ import annotations

import typing

import pytest

from tailormed.model.careplan import CarePlan
from tailormed.model.finding import PAYLOAD_DOMAINS, FindingData
from tailormed.model.patient import Patient

from .conftest import PATIENTS

Plans = dict[str, tuple[Patient, CarePlan]]


def test_every_payload_kind_has_a_domain() -> None:
    union = typing.get_args(FindingData)[0]
    kinds = {typing.get_args(model.model_fields["kind"].annotation)[0] for model in typing.get_args(union)}
    assert kinds == set(PAYLOAD_DOMAINS)


@pytest.mark.parametrize("patient_id", PATIENTS)
def test_plan_with_every_domain_round_trips(full_plans: Plans, patient_id: str) -> None:
    _, plan = full_plans[patient_id]
    again = CarePlan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert [type(f.data) for f in again.findings] == [type(f.data) for f in plan.findings]
    assert {f.data.kind for f in plan.findings if f.data is not None} >= {
        "pgx_gene", "pgx_guideline", "clinical_risk", "polygenic_score", "hereditary_variant", "therapy_match",
        "diagnosis_candidate", "dose_prediction",
    }  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("patient_id", PATIENTS)
def test_demo_plan_from_every_engine_round_trips(demo_plans: Plans, patient_id: str) -> None:
    _, plan = demo_plans[patient_id]
    assert CarePlan.model_validate_json(plan.model_dump_json()) == plan
