"""A co-medication's effect on a gene is something to act on now only when a drug on the list has guidance resting
on that gene: demo patient 2's fluoxetine leaves CYP2C19 unassessed, but none of her medicines uses CYP2C19, so the
clinician summary does not list it under "act on now" nor as a conflict (it stays in the PGx section), while its
CYP2D6 poor-metabolizer conversion, which changes her metoprolol advice, stays actionable."""

from __future__ import annotations

from tailormed.model.careplan import CarePlan
from tailormed.model.finding import Priority
from tailormed.model.patient import Patient


def test_only_conversions_a_listed_drug_depends_on_are_actionable(
    demo_plans: dict[str, tuple[Patient, CarePlan]],
) -> None:
    _, plan = demo_plans["demo-02-mensah"]
    found = {f.id: f for f in plan.findings}
    assert found["pgx:phenoconversion:CYP2D6"].priority is Priority.ACTIONABLE
    assert found["pgx:phenoconversion:CYP2C19"].priority is Priority.ROUTINE
    assert not any("CYP2C19" in c.description for c in plan.conflicts)  # no medicine on the list is caught in it
    assert any("guidance for metoprolol uses the changed result" in c.description for c in plan.conflicts)
    assert "pgx:phenoconversion:CYP2C19" in {f.id for f in plan.findings}  # still shown, for later prescriptions
