"""Matches phrased as care-plan findings: one per alteration, therapy and claim, at its best tier.

Only Tier I and II claims become findings (Tier III evidence stays in the match table); resistance is a finding of
its own ("no benefit from cetuximab alone"), never folded into or dropped for a sensitivity claim.
"""

from __future__ import annotations

from collections import defaultdict

from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TherapyMatch, actions, other_settings
from tailormed.engines.onco.tiers import TIER_ORDER, Relation
from tailormed.knowledge.onco.evidence import Direction, EvidenceType, Significance
from tailormed.model.alteration import Alteration, AlterationKind
from tailormed.model.finding import Domain, Evidence, Finding, Priority
from tailormed.model.payloads import TherapyMatchData

_REPORTED_TIERS = ("I-A", "I-B", "II-C", "II-D")
_RESISTANT = (Significance.RESISTANCE, Significance.REDUCED_SENSITIVITY)


def findings_from_result(result: OncoResult, knowledge: OncoKnowledge) -> list[Finding]:
    """One finding per action (:func:`tailormed.engines.onco.run.actions`: the same therapy from several labels or
    sources is one finding citing each), its best match speaking for it."""
    reported = [
        match
        for match in result.matches
        if match.amp_tier in _REPORTED_TIERS
        and match.row.evidence_type is EvidenceType.PREDICTIVE
        and match.row.therapies
    ]
    ordered = [(TIER_ORDER[group[0].amp_tier], _finding(group, result, knowledge)) for group in actions(reported)]
    return [finding for _, finding in sorted(ordered, key=lambda pair: (pair[0], pair[1].id))]


def _finding(matches: list[TherapyMatch], result: OncoResult, knowledge: OncoKnowledge) -> Finding:
    best = matches[0]
    row, alteration = best.row, best.alteration
    resistant = row.significance in _RESISTANT
    negative = row.direction is Direction.DOES_NOT_SUPPORT
    codes = row.indication_codes
    disease = ", ".join(knowledge.tree.name(code) for code in codes) if codes else row.disease
    if row.setting:
        disease += f", {row.setting}"
    if resistant and not negative:
        title = f"{alteration.label}: no benefit expected from {row.therapy}"
    elif negative:
        title = f"{alteration.label}: evidence against {row.significance.value.replace('_', ' ')} to {row.therapy}"
    else:
        title = f"{alteration.label}: {row.therapy}"
    if alteration.kind is AlterationKind.WILD_TYPE:
        matched = f"{alteration.label} (no variant in {' or '.join(alteration.wild_type)}) is what the indication needs"
    elif alteration.kind is AlterationKind.TRIPLE_NEGATIVE:
        matched = f"{alteration.label} (ER, PR and HER2 negative) is what the indication needs"
    elif alteration.kind is AlterationKind.CTDNA_POSITIVE:
        matched = f"{alteration.label} (circulating tumour DNA found) is what the indication needs"
    else:
        matched = f"{alteration.label} matched at the {best.matched_level.value} level"
    summary = (
        f"{matched}; AMP/ASCO/CAP tier {best.amp_tier} for "
        f"{result.tumour_type} ({best.relation.value.replace('_', ' ')}; evidence in {disease}). "
        f"{len(matches)} supporting row(s) from {', '.join(sorted({m.source for m in matches}))}."
    )
    if best.relation_note:
        on_label = best.relation in (Relation.SAME, Relation.PAN_CANCER)
        summary += f" {'On-label' if on_label else 'Not on-label here'}: {best.relation_note}."
    if best.condition:
        summary += f" On-label {best.condition}."
    others = other_settings(matches)
    summary += "".join(f" {text}." for text in others)
    if not row.verified:
        summary += " The source of this evidence row could not be re-read; confirm before acting."
    if best.licence_note:
        summary += f" Licence: {best.licence_note}"
    payload = TherapyMatchData(
        gene=alteration.gene,
        alteration=alteration.label,
        matched_level=best.matched_level.value,
        tumor_type=result.tumour_type,
        therapy=row.therapy,
        direction=row.direction.value,
        significance=row.significance.value,
        evidence_level=row.native_level,
        amp_tier=best.amp_tier,
        source=row.id,
        condition=best.condition,
        relation_note=best.relation_note,
        off_extent=best.off_extent,
        other_type_extent=best.other_type_extent,
        regimens={t: knowledge.regimens[t.casefold()] for t in row.therapies if t.casefold() in knowledge.regimens},
        setting=row.setting,
        other_settings=others,
    )
    used = [alteration.label] + ([alteration.allele.text] if alteration.allele else [])
    gated = [n for n in result.not_assessed if n.item.startswith(alteration.label)]
    by_source: dict[str, list[TherapyMatch]] = defaultdict(list)
    for match in matches:
        by_source[match.source].append(match)
    evidence = [
        Evidence(
            source=source,
            version=group[0].release,
            level=f"{group[0].row.native_level} (AMP tier {group[0].amp_tier})",
            citations=list(dict.fromkeys(c for m in group for c in m.row.citations))[:12],
            inputs_used=[*used, f"tumour type {result.tumour_type}"],
            not_assessed=gated,
        )
        for source, group in by_source.items()
    ]
    tier_one = best.amp_tier.startswith("I-")
    return Finding(
        id=f"onco:{alteration.gene}:{alteration.label}:{row.therapy}:{row.significance.value}:{row.direction.value}",
        domain=Domain.ONCOLOGY,
        title=title,
        summary=summary,
        priority=Priority.ACTIONABLE if tier_one else Priority.ROUTINE,
        genes=sorted(_genes(alteration)),
        drugs=list(row.therapies),
        conditions=[result.tumour_type],
        data=payload,
        evidence=evidence,
    )


def _genes(alteration: Alteration) -> set[str]:
    """The genes a finding is about: a fusion's two partners, the genes a wild-type result names (RAS: KRAS, NRAS),
    the receptors' genes for triple-negative, none for circulating tumour DNA."""
    if alteration.kind is AlterationKind.WILD_TYPE:
        return set(alteration.wild_type)
    if alteration.kind is AlterationKind.TRIPLE_NEGATIVE:
        return {"ESR1", "PGR", "ERBB2"}
    if alteration.kind is AlterationKind.CTDNA_POSITIVE:
        return set()  # circulating tumour DNA is about no one gene
    return {alteration.gene} | ({alteration.partner} if alteration.partner else set())
