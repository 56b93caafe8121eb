"""Integrated risk: the equation's absolute risk, adjusted by a polygenic relative risk, overridden by monogenic
findings where the equation no longer applies, with what-if scenarios on the same basis.

Method (rules and citations in ``integration.yaml``): a polygenic score whose trait maps to the equation gives
RR = exp(beta z - beta^2 / 2) relative to the population average (computed by the polygenic engine). It enters the
proportional-hazards PCE exactly as risk' = 1 - (1 - risk)^RR, the logistic PREVENT as + ln RR on the log-odds, the
Gail hazard as a multiplier of its relative risk, and FINDRISC's banded risk as risk x RR (capped; indicative).
The score's RR interval gives the integrated interval. The score is assumed independent of the equation's
inputs (approximately true; it is how integrated tools combine them). A score not validated in the patient's
ancestry is not used. A reportable monogenic variant listed for the equation either makes it not applicable or
turns its risk into a lower bound; no scenario is shown then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

from tailormed.engines.risk.results import EquationResult, evaluate
from tailormed.engines.risk.whatif import in_words, scenarios
from tailormed.knowledge.risk.integration import AdjustMethod, MonogenicOverride, OverrideEffect, PolygenicAdjustment
from tailormed.knowledge.risk.load import RiskKnowledge
from tailormed.model.finding import Domain, Evidence, Finding, NotAssessed, Priority
from tailormed.model.payloads import ClinicalRiskData, HereditaryVariantData, PolygenicScoreData

P = TypeVar("P", bound=BaseModel)
#: Parts of a model's curated facts that enter the result shown (the others only gate the computation).
_RESULT_PARTS = {"categories", "categories_5_year", "hyperplasia_factor", "fallback_race"}
_ACT_ON = {"intermediate", "high", "elevated", "moderate", "very_high"}


@dataclass(frozen=True)
class _Polygenic:
    score: PolygenicScoreData
    rule: PolygenicAdjustment
    method: AdjustMethod


def payloads(findings: Sequence[Finding], kind: type[P]) -> list[P]:
    """The findings' payloads that are of ``kind`` (others, e.g. summary findings, are skipped)."""
    return [finding.data for finding in findings if isinstance(finding.data, kind)]


def integrate(
    results: Sequence[EquationResult],
    polygenic_findings: Sequence[Finding],
    hereditary_findings: Sequence[Finding],
    knowledge: RiskKnowledge,
) -> list[Finding]:
    """One clinical-risk finding per equation result, with genetics and what-ifs applied."""
    scores = payloads(polygenic_findings, PolygenicScoreData)
    variants = [v for v in payloads(hereditary_findings, HereditaryVariantData) if v.reportable]
    unverified = {
        score.pgs_id: finding.unverified
        for finding in polygenic_findings
        for score in payloads([finding], PolygenicScoreData)
    }
    return [_finding(result, scores, variants, knowledge, unverified) for result in results]


def _override(
    result: EquationResult, variants: Sequence[HereditaryVariantData], knowledge: RiskKnowledge
) -> tuple[MonogenicOverride, list[HereditaryVariantData]] | None:
    for rule in knowledge.integration.monogenic_overrides:
        if result.key in rule.risks:
            hits = [v for v in variants if v.gene in rule.genes]
            if hits:
                return rule, hits
    return None


def _polygenic(
    result: EquationResult, scores: Sequence[PolygenicScoreData], knowledge: RiskKnowledge, notes: list[NotAssessed]
) -> _Polygenic | None:
    for rule in knowledge.integration.polygenic_adjustments:
        method = rule.risks.get(result.key)
        if method is None:
            continue
        for score in scores:
            if not rule.matches(score.trait, score.pgs_id):
                continue
            if score.relative_risk is None:
                notes.append(NotAssessed(item=f"polygenic score {score.pgs_id}", reason="no relative risk computed"))
            elif score.ancestry_validated is False:
                notes.append(
                    NotAssessed(
                        item=f"polygenic score {score.pgs_id}",
                        reason="not validated in the patient's ancestry; the equation's risk is not adjusted",
                    )
                )
            else:
                return _Polygenic(score=score, rule=rule, method=method)
    return None


def _finding(
    result: EquationResult,
    scores: Sequence[PolygenicScoreData],
    variants: Sequence[HereditaryVariantData],
    knowledge: RiskKnowledge,
    score_unverified: dict[str, list[str]],
) -> Finding:
    notes = [NotAssessed(item=result.title, reason=note) for note in result.notes]
    unverified = _unsourced_parts(result, knowledge)
    used = list(result.used)
    citations = list(result.citations)
    genes: list[str] = []
    override = _override(result, variants, knowledge)
    data: ClinicalRiskData
    if override is not None:
        rule, hits = override
        genes = sorted({v.gene for v in hits})
        citations += [*rule.citations, *rule.cites]
        if rule.unverified is not None:
            unverified.append(f"{', '.join(rule.genes)} override of {result.model}: {rule.unverified.reason}")
        used += [
            f"{v.gene} {v.hgvs or f'{v.chrom}:{v.pos} {v.ref}>{v.alt}'} {v.genotype} ({v.clinvar_significance})"
            for v in hits
        ]
        lower_bound = rule.effect is OverrideEffect.UNDERESTIMATES
        data = ClinicalRiskData(
            model=result.model,
            outcome=result.outcome,
            horizon_years=result.horizon_years,
            equation_risk=result.risk if lower_bound else None,
            integrated_risk=None,
            applicable=False,
            override_reason=rule.reason,
            category=result.category if lower_bound else None,
            inputs=_shown(result),
        )
        summary = _override_summary(result, rule, genes)
        priority = Priority.ACTIONABLE
    else:
        chosen = _polygenic(result, scores, knowledge, notes)
        if chosen is not None:
            unverified += score_unverified.get(chosen.score.pgs_id, [])
        data, summary = _adjusted(result, chosen, knowledge, used, citations)
        priority = Priority.ACTIONABLE if (data.category or "") in _ACT_ON else Priority.ROUTINE
    return Finding(
        id=f"risk:{result.key}",
        domain=Domain.CLINICAL_RISK,
        title=f"{result.outcome.split(' (')[0]} risk ({result.title.split(' (')[0]})",
        summary=summary,
        priority=priority,
        genes=genes,
        conditions=[result.outcome],
        data=data,
        evidence=[
            Evidence(
                source=knowledge.source,
                version=knowledge.version,
                citations=citations,
                inputs_used=used,
                not_assessed=notes,
                unverified=unverified,
            )
        ],
    )


def _unsourced_parts(result: EquationResult, knowledge: RiskKnowledge) -> list[str]:
    """Why parts of the model's facts that this result shows (its risk class, a factor) have no quoted source."""
    facts = getattr(knowledge.facts, result.key.split("_")[0])
    fallback = any("has no equation of its own" in note for note in result.notes)
    return [
        f"{result.model} {part}: {reason}"
        for part, reason in facts.unsourced.items()
        if part in _RESULT_PARTS and (part != "fallback_race" or fallback)
    ]


def _adjusted(
    result: EquationResult,
    chosen: _Polygenic | None,
    knowledge: RiskKnowledge,
    used: list[str],
    citations: list[str],
) -> tuple[ClinicalRiskData, str]:
    integrated = result.risk
    low = high = None
    rr = 1.0
    method = None
    text = f"Estimated {result.outcome} risk: {in_words(result.risk)} ({result.risk:.1%}"
    text += f", {result.category.replace('_', ' ')})" if result.category else ")"
    if result.detail:
        text += f"; {result.detail}"
    if chosen is not None:
        score = chosen.score
        rr, method = score.relative_risk or 1.0, chosen.method
        integrated = evaluate(result.key, result.inputs, knowledge, rr=rr, method=method)
        if score.relative_risk_low is not None and score.relative_risk_high is not None:
            low = evaluate(result.key, result.inputs, knowledge, rr=score.relative_risk_low, method=method)
            high = evaluate(result.key, result.inputs, knowledge, rr=score.relative_risk_high, method=method)
        citations += [*chosen.rule.citations, *chosen.rule.cites]
        where = f" (percentile {score.percentile:.0f})" if score.percentile is not None else ""
        used.append(f"polygenic score {score.pgs_id} ({score.trait}){where}: relative risk {rr:.2f}")
        interval = f", interval {low:.1%}-{high:.1%}" if low is not None and high is not None else ""
        text += (
            f". With the polygenic score {score.pgs_id} (relative risk {rr:.2f}, {method.value} method): "
            f"{in_words(integrated)} ({integrated:.1%}{interval})"
        )
    what_ifs = scenarios(result, knowledge, before=integrated, rr=rr, method=method)
    if what_ifs:
        text += ". What if: " + "; ".join(f"{s.title}: {in_words(s.risk_before, s.risk_after)}" for s in what_ifs)
        text += " (estimated risk with these values, not a proven treatment effect)"
    data = ClinicalRiskData(
        model=result.model,
        outcome=result.outcome,
        horizon_years=result.horizon_years,
        equation_risk=result.risk,
        polygenic_relative_risk=rr if chosen is not None else None,
        polygenic_score=chosen.score.pgs_id if chosen is not None else None,
        integrated_risk=integrated,
        integrated_low=low,
        integrated_high=high,
        category=result.category,
        inputs=_shown(result),
        scenarios=what_ifs,
    )
    return data, text + "."


def _override_summary(result: EquationResult, rule: MonogenicOverride, genes: list[str]) -> str:
    carried = "/".join(genes)
    if rule.effect is OverrideEffect.UNDERESTIMATES:
        return (
            f"The {result.title.split(' (')[0]} estimate ({in_words(result.risk)}) is a lower bound: a pathogenic "
            f"{carried} variant. {rule.reason}"
        )
    return f"Not applicable: a pathogenic {carried} variant. {rule.reason}"


def _shown(result: EquationResult) -> dict[str, str]:
    shown = {}
    for name, value in result.inputs.model_dump(mode="json").items():
        if value is None:
            continue
        shown[name] = (
            ("yes" if value else "no")
            if isinstance(value, bool)
            else f"{value:g}"
            if isinstance(value, float)
            else str(value)
        )
    return shown
