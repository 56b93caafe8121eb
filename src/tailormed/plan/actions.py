"""Actions: medication changes and monitoring from PGx guidance, screening and prevention from hereditary
management and raised risks, and referrals (genetic counselling, clinical genetics, molecular tumour board).

Nothing clinical is decided here. A finding's priority says whether it is actionable; PGx guideline rows say
whether the change is a dose or drug change (``dosing_information``, ``alternate_drug_available``) or other
advice such as monitoring (``other_prescribing_guidance``); hereditary findings carry their own management
text; oncology findings their AMP/ASCO/CAP tier. Ids are stable across runs on the same inputs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tailormed.model.careplan import Action, ActionKind, Decision
from tailormed.model.finding import Domain, Finding, Priority
from tailormed.model.payloads import (
    ClinicalRiskData,
    DiagnosisCandidateData,
    DiagnosisWorkupData,
    HereditaryVariantData,
    TherapyMatchData,
)
from tailormed.model.pgx import GuidelineResult, WarfarinDose
from tailormed.plan.facts import payload, with_payload
from tailormed.plan.problems import TOP_DIAGNOSES, clinical, is_actionable

_TIER_I_II = re.compile(r"^\s*(?:tier\s*)?(?:i{1,2}|[12])(?![i\d])", re.IGNORECASE)


def actions(findings: Sequence[Finding], on_list: set[str], decisions: Sequence[Decision] = ()) -> list[Action]:
    usable = [f for f in findings if clinical(f)]
    return [
        *_pgx(usable, on_list),
        *_hereditary(usable),
        *_risks(usable, decisions),
        *_diagnosis_referral(usable),
        *_tumour_board(usable),
    ]


def rationale(finding: Finding) -> str:
    facts = [fact for evidence in finding.evidence for fact in evidence.inputs_used]
    sources = ", ".join(
        sorted({f"{e.source} {e.version}" + (f" ({e.level})" if e.level else "") for e in finding.evidence})
    )
    because = f"Because of {'; '.join(facts)}. " if facts else ""
    return f"{because}{finding.summary} [{sources}]"


def _pgx(findings: Sequence[Finding], on_list: set[str]) -> list[Action]:
    """One action per drug on the list, whichever sources (CPIC, DPWG, an FDA label, the dosing formula) ask for a
    change.

    The action's id is built from its anchor finding (the computed dose when there is one, else the guideline
    finding whose id sorts first, e.g. CPIC before DPWG), so ids are stable; its finding ids and rationale cite
    every source.
    """
    groups: dict[str, list[tuple[Finding, ActionKind]]] = {}
    for finding in findings:
        if finding.domain is not Domain.PGX or not is_actionable(finding):
            continue
        drugs = [d for d in finding.drugs if d.casefold() in on_list]
        kind = _pgx_kind(finding)
        if not drugs or kind is None:
            continue
        groups.setdefault(drugs[0].casefold(), []).append((finding, kind))
    out: list[Action] = []
    for members in groups.values():
        members.sort(key=lambda pair: pair[0].id)  # the same action whatever order the findings came in
        anchor = next((f for f, _ in members if isinstance(f.data, WarfarinDose)), members[0][0])
        kind = min((k for _, k in members), key=_KIND_ORDER.index)
        out.append(
            Action(
                id=f"action:{kind.value}:{anchor.id}",
                kind=kind,
                title=_pgx_title(anchor, [f for f, _ in members]),
                rationale=" | ".join(rationale(f) for f, _ in members),
                priority=max((f.priority for f, _ in members), key=list(Priority).index),
                finding_ids=[f.id for f, _ in members],
            )
        )
    return out


#: The stronger kind of PGx action first.
_KIND_ORDER = [ActionKind.MEDICATION_CHANGE, ActionKind.MONITORING]


def _pgx_title(anchor: Finding, members: Sequence[Finding]) -> str:
    """The anchor's title; for several guidelines on one drug, the drug, every source, and the anchor's advice."""
    answers = [f.data for f in members if isinstance(f.data, GuidelineResult)]
    if len(members) == 1 or not isinstance(anchor.data, GuidelineResult):
        return anchor.title
    sources = ", ".join(dict.fromkeys(a.source for a in answers))
    first = anchor.data.rows[0] if anchor.data.rows else None
    advice = first.headline if first is not None else "see guideline"
    provisional = "provisional: " if any(a.provisional for a in answers) else ""
    return f"{anchor.data.drug} ({sources}): {provisional}{advice}"


def _pgx_kind(finding: Finding) -> ActionKind | None:
    """What kind of change a PGx result asks for: a dose or drug change, or other advice (monitoring).

    A computed warfarin dose is a medication change; a guideline answer is one when an applying row changes the dose
    or the drug, and monitoring when it gives other prescribing advice. Gene results and phenoconversions are not
    actions of their own.
    """
    data = finding.data
    if isinstance(data, WarfarinDose):
        return ActionKind.MEDICATION_CHANGE if data.weekly_mg is not None else None
    if not isinstance(data, GuidelineResult):
        return None
    applying = [r for r in data.rows if r.actionable]
    if any(r.dosing_information or r.alternate_drug_available for r in applying):
        return ActionKind.MEDICATION_CHANGE
    if any(r.other_prescribing_guidance for r in applying):
        return ActionKind.MONITORING
    return None


def _hereditary(findings: Sequence[Finding]) -> list[Action]:
    out: list[Action] = []
    for finding in findings:
        if finding.domain is not Domain.HEREDITARY:
            continue
        data = payload(finding, HereditaryVariantData)
        if data is None or not data.reportable:
            continue
        priority = finding.priority if is_actionable(finding) else Priority.ACTIONABLE
        out.append(
            Action(
                id=f"action:referral:genetic-counselling:{finding.id}",
                kind=ActionKind.REFERRAL,
                title=f"Genetic counselling for {data.gene} ({data.condition}); offer cascade testing of relatives",
                rationale=rationale(finding),
                priority=priority,
                finding_ids=[finding.id],
            )
        )
        if data.management:
            out.append(
                Action(
                    id=f"action:screening:{finding.id}",
                    kind=ActionKind.SCREENING,
                    title=f"{data.gene}: {data.management}",
                    rationale=rationale(finding),
                    priority=priority,
                    finding_ids=[finding.id],
                )
            )
    return out


def _risks(findings: Sequence[Finding], decisions: Sequence[Decision]) -> list[Action]:
    out: list[Action] = []
    for finding in findings:
        if finding.domain is not Domain.CLINICAL_RISK or not is_actionable(finding):
            continue
        data = payload(finding, ClinicalRiskData)
        if data is None:
            continue
        related = [d for d in decisions if finding.id in d.finding_ids]
        best = min(data.scenarios, key=lambda s: s.risk_after, default=None)
        what_if = f" With '{best.title}' it would be {best.risk_after * 100:.0f} in 100." if best is not None else ""
        see = f" Options compared in {', '.join(d.id for d in related)}." if related else ""
        out.append(
            Action(
                id=f"action:prevention:{finding.id}",
                kind=ActionKind.PREVENTION,
                title=f"Lower the {data.outcome} risk: agree a prevention plan with the patient",
                rationale=rationale(finding) + what_if + see,
                priority=finding.priority,
                finding_ids=[finding.id],
            )
        )
    return out


def _diagnosis_referral(findings: Sequence[Finding]) -> list[Action]:
    candidates = []
    for finding in findings:
        if finding.domain is not Domain.DIAGNOSIS:
            continue
        data = payload(finding, DiagnosisCandidateData)
        if data is not None and (data.rank <= TOP_DIAGNOSES or is_actionable(finding)):
            candidates.append((data, finding))
    if not candidates:
        return []
    candidates.sort(key=lambda pair: pair[0].rank)
    names = "; ".join(f"{d.disease_name} ({d.post_test_probability:.0%})" for d, _ in candidates)
    workups = list(with_payload(findings, DiagnosisWorkupData))
    next_steps = ""
    for _, workup in workups[:1]:
        checks = "; ".join(s.name.lower() for s in workup.suggestions)
        genes = ", ".join(f"{g.gene} {g.share:.0%}" for g in workup.test.genes[:10])
        test = f" Suggested test: {workup.test.test.value} ({genes})."
        next_steps = (f" Check for: {checks}." if checks else "") + test
    return [
        Action(
            id="action:referral:clinical-genetics",
            kind=ActionKind.REFERRAL,
            title="Clinical genetics review of the candidate diagnoses",
            rationale=f"Phenotype-driven ranking suggests: {names}.{next_steps} Confirm with a clinical geneticist "
            "before acting.",
            priority=Priority.ACTIONABLE,
            finding_ids=[f.id for _, f in candidates] + [f.id for f, _ in workups],
        )
    ]


def _tumour_board(findings: Sequence[Finding]) -> list[Action]:
    matches = []
    for finding in findings:
        if finding.domain is not Domain.ONCOLOGY:
            continue
        data = payload(finding, TherapyMatchData)
        if data is not None and _TIER_I_II.match(data.amp_tier):
            matches.append((data, finding))
    if not matches:
        return []
    therapies = "; ".join(
        f"{d.therapy} for {d.gene} {d.alteration} ({d.amp_tier}, {d.direction} {d.significance}, level "
        f"{d.evidence_level}, {d.source})"
        for d, _ in matches
    )
    return [
        Action(
            id="action:referral:molecular-tumour-board",
            kind=ActionKind.REFERRAL,
            title="Molecular tumour board review of tier I/II therapy matches",
            rationale=f"Tumour alterations with strong or potential clinical significance: {therapies}.",
            priority=Priority.ACTIONABLE,
            finding_ids=[f.id for _, f in matches],
        )
    ]
