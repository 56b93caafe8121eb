"""Findings into a care plan: problems, actions, conflicts and limitations, derived only from the findings.

Nothing clinical is decided here. A finding's priority says whether it is actionable; the guideline rows it
carries say whether the change is a dose or drug change (``dosing_information``, ``alternate_drug_available``) or
other prescribing advice such as monitoring (``other_prescribing_guidance``); its drugs, matched against the
medication list, say whether it concerns a drug the patient takes. Ids are stable across runs on the same inputs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from tailormed import __version__
from tailormed.model.careplan import Action, ActionKind, CarePlan, Conflict, Problem
from tailormed.model.finding import Domain, Finding, NotAssessed, Priority
from tailormed.model.patient import ConditionStatus, Patient

#: Id prefix of the PGx engine's phenoconversion findings (``pgx:phenoconversion:GENE``).
PHENOCONVERSION_PREFIX = "pgx:phenoconversion:"
#: Id prefix of the PGx engine's per-gene result findings (``pgx:gene:GENE``).
GENE_PREFIX = "pgx:gene:"
_ACTIONABLE = (Priority.ACTIONABLE, Priority.URGENT)


def assemble_plan(
    patient: Patient,
    findings: Sequence[Finding],
    *,
    inputs: Mapping[str, str],
    knowledge: Mapping[str, str],
    generated_at: datetime,
    limitations: Iterable[NotAssessed] = (),
) -> CarePlan:
    """The care plan for ``patient`` from the engines' findings.

    ``limitations`` adds what the run itself could not do (e.g. no genome given); the findings' own
    not-assessed items are added to it, each listed once.
    """
    on_list = {m.name.strip().casefold() for m in patient.current_medications()}
    return CarePlan(
        patient_id=patient.id,
        generated_at=generated_at,
        tailormed_version=__version__,
        knowledge=dict(knowledge),
        inputs=dict(inputs),
        findings=list(findings),
        problems=_problems(patient, findings),
        actions=_actions(findings, on_list),
        conflicts=_conflicts(findings, on_list),
        limitations=_limitations([*limitations, *(item for f in findings for item in f.not_assessed)]),
    )


def is_actionable(finding: Finding) -> bool:
    return finding.priority in _ACTIONABLE


def _problems(patient: Patient, findings: Sequence[Finding]) -> list[Problem]:
    problems: dict[str, Problem] = {}
    for condition in patient.conditions:
        if condition.status is not ConditionStatus.ACTIVE:
            continue
        key = condition.code.code if condition.code is not None else condition.name
        problem_id = f"condition:{_slug(key)}"
        problems.setdefault(problem_id, Problem(id=problem_id, title=condition.name, kind="condition"))
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        if not is_actionable(finding) or not finding.genes:
            continue
        if finding.id.startswith(PHENOCONVERSION_PREFIX):  # its drugs cause the change; they are not affected by it
            problem_id = f"finding:{_slug(finding.id)}"
            problems[problem_id] = Problem(id=problem_id, title=finding.title, kind="finding", finding_ids=[finding.id])
            continue
        groups.setdefault("+".join(sorted(finding.genes)), []).append(finding)
    gene_results = {f.genes[0]: f.title for f in findings if f.id.startswith(GENE_PREFIX) and f.genes}
    for genes, members in sorted(groups.items()):
        drugs = sorted({d for f in members for d in f.drugs})
        subject = "; ".join(gene_results.get(g, g) for g in genes.split("+"))
        problem_id = f"finding:{_slug(genes)}"
        problems[problem_id] = Problem(
            id=problem_id,
            title=f"{subject}: affects {', '.join(drugs)}" if drugs else subject,
            kind="finding",
            finding_ids=[f.id for f in members],
        )
    return list(problems.values())


def _actions(findings: Sequence[Finding], on_list: set[str]) -> list[Action]:
    actions: list[Action] = []
    for finding in findings:
        if not is_actionable(finding) or finding.id.startswith(PHENOCONVERSION_PREFIX):
            continue
        drugs = [d for d in finding.drugs if d.casefold() in on_list]
        if not drugs:
            continue
        kind = _action_kind(finding.data)
        if kind is None:
            continue
        actions.append(
            Action(
                id=f"action:{kind.value}:{finding.id}",
                kind=kind,
                title=finding.title,
                rationale=_rationale(finding),
                priority=finding.priority,
                finding_ids=[finding.id],
            )
        )
    return actions


def _action_kind(data: Mapping[str, Any]) -> ActionKind | None:
    """What kind of change a finding's payload asks for: a dose or drug change, or other advice (monitoring)."""
    rows = data.get("rows")
    if not isinstance(rows, list):
        # a dose the engine computed (its payload has a weekly dose) is a medication change
        return ActionKind.MEDICATION_CHANGE if data.get("weekly_mg") is not None else None
    applying = [r for r in rows if isinstance(r, dict) and r.get("actionable")]
    if any(r.get("dosing_information") or r.get("alternate_drug_available") for r in applying):
        return ActionKind.MEDICATION_CHANGE
    if any(r.get("other_prescribing_guidance") for r in applying):
        return ActionKind.MONITORING
    return None


def _rationale(finding: Finding) -> str:
    facts = [fact for evidence in finding.evidence for fact in evidence.inputs_used]
    sources = ", ".join(
        sorted({f"{e.source} {e.version}" + (f" ({e.level})" if e.level else "") for e in finding.evidence})
    )
    because = f"Because of {'; '.join(facts)}. " if facts else ""
    return f"{because}{finding.summary} [{sources}]"


def _conflicts(findings: Sequence[Finding], on_list: set[str]) -> list[Conflict]:
    conflicts: list[Conflict] = []
    for finding in findings:
        if not is_actionable(finding) or finding.domain is not Domain.PGX:
            continue
        if finding.id.startswith(PHENOCONVERSION_PREFIX):
            conflicts.append(_drug_drug_gene(finding, findings, on_list))
            continue
        drugs = [d for d in finding.drugs if d.casefold() in on_list]
        if drugs and isinstance(finding.data.get("rows"), list):
            results = "; ".join(v for _, v in sorted(finding.data.get("gene_results", {}).items()))
            source = finding.evidence[0].source
            conflicts.append(
                Conflict(
                    id=f"conflict:drug_gene:{finding.id}",
                    kind="drug_gene",
                    description=f"{', '.join(drugs)} is on the medication list; with "
                    f"{results or ', '.join(finding.genes)} the {source} guidance changes therapy",
                    drugs=drugs,
                    genes=list(finding.genes),
                    finding_ids=[finding.id],
                )
            )
    return conflicts


def _drug_drug_gene(change: Finding, findings: Sequence[Finding], on_list: set[str]) -> Conflict:
    """A perpetrator drug changing a gene's result, with the listed drugs whose guidance rests on that gene."""
    genes = set(change.genes)
    affected = [
        f
        for f in findings
        if f is not change
        and not f.id.startswith(PHENOCONVERSION_PREFIX)
        and genes & set(f.genes)
        and any(d.casefold() in on_list for d in f.drugs)
    ]
    victims = sorted({d for f in affected for d in f.drugs if d.casefold() in on_list} - set(change.drugs))
    uses = f"; guidance for {', '.join(victims)} uses the changed result" if victims else ""
    return Conflict(
        id=f"conflict:drug_drug_gene:{change.id}",
        kind="drug_drug_gene",
        description=change.summary + uses,
        drugs=[*change.drugs, *victims],
        genes=list(change.genes),
        finding_ids=[change.id, *(f.id for f in affected)],
    )


def _limitations(items: Iterable[NotAssessed]) -> list[NotAssessed]:
    seen: dict[tuple[str, str], NotAssessed] = {}
    for item in items:
        seen.setdefault((item.item, item.reason), item)
    return list(seen.values())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.+*-]+", "-", text.casefold()).strip("-") or "unnamed"
