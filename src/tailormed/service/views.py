"""What a reader is shown of a stored plan: hidden domains removed, decisions ranked by current preferences.

Re-ranking reads only the stored plan and the patient's preferences (:func:`tailormed.plan.ranking.rank`); the
engines do not run again.
"""

from __future__ import annotations

from collections.abc import Iterable

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient, Preferences
from tailormed.plan.ranking import rank


def redact(plan: CarePlan, hide_domains: Iterable[str]) -> CarePlan:
    """``plan`` without findings of the hidden domains, and without problems, actions, conflicts and decisions
    that rest only on them."""
    hidden = set(hide_domains)
    if not hidden:
        return plan
    gone = {f.id for f in plan.findings if f.domain.value in hidden}
    if not gone:
        return plan

    def keeps(ids: list[str]) -> bool:
        return not ids or any(i not in gone for i in ids)

    return plan.model_copy(
        update={
            "findings": [f for f in plan.findings if f.id not in gone],
            "problems": [
                p.model_copy(update={"finding_ids": [i for i in p.finding_ids if i not in gone]})
                for p in plan.problems
                if keeps(p.finding_ids)
            ],
            "actions": [
                a.model_copy(update={"finding_ids": [i for i in a.finding_ids if i not in gone]})
                for a in plan.actions
                if keeps(a.finding_ids)
            ],
            "conflicts": [c for c in plan.conflicts if keeps(c.finding_ids)],
            "decisions": [d for d in plan.decisions if keeps(d.finding_ids)],
        }
    )


def rerank(plan: CarePlan, preferences: Preferences) -> CarePlan:
    """Every decision ranked again by ``preferences`` (safety first), with nothing else recomputed."""
    weights = preferences.weights.model_dump()
    return plan.model_copy(update={"decisions": [rank(d, weights) for d in plan.decisions]})


def view(plan: CarePlan, patient: Patient, hide_domains: Iterable[str]) -> CarePlan:
    return rerank(redact(plan, hide_domains), patient.preferences)
