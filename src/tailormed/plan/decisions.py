"""Option grids for the decisions a patient faces, computed from their own findings and ranked by their weights.

A decision of the ``sdm-options`` source applies when its trigger holds (genotype results, a drug on the list,
a condition, a risk above a level). Each option's outcomes are event rates per 100 people over the decision's
horizon: the reference option's rate (the patient's own risk from a risk finding when the decision says so,
else the cited trial rate) times the option's relative effect, or the rate for the patient's genotype. The
engine's what-if scenarios become options of their own. Attribute scores (higher is better):

- efficacy: ``1 - (E - E_min) / S`` where E is the option's total rate (per 100) of the events the options aim
  to prevent, and S the larger of the spreads (max - min over the options) of that total and of the harm total;
- side_effects: ``1 - (H - H_min) / S`` with H the option's total rate of harms. Sharing S keeps both on one
  event scale: one event in 100 prevented or caused moves the score equally, and the criterion that differs most
  between the options spans 0 to 1 (all 1 when no rate differs);
- cost, convenience: the curated ordinal level's score.

A contraindication comes from the curated option (genotype, condition) or from a PGx guideline finding for the
option's drug whose applying rows all advise another drug without a dose option ("avoid").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tailormed.knowledge.sdm import DecisionSpec, Effect, OptionSpec, OutcomeSpec, SdmOptions
from tailormed.model.careplan import Decision, Option, Outcome, SureQuestion
from tailormed.model.finding import Domain, Finding
from tailormed.model.patient import Patient
from tailormed.model.payloads import ClinicalRiskData, RiskScenario
from tailormed.model.pgx import GuidelineResult
from tailormed.plan.facts import (
    gene_finding_ids,
    gene_phenotypes,
    genes_match,
    has_condition,
    payload,
    takes_any,
    taking_class,
    with_payload,
)
from tailormed.plan.ranking import rank


@dataclass(frozen=True)
class Rate:
    """An event rate per 100 over the decision's horizon, with its range."""

    per_100: float
    low: float | None = None
    high: float | None = None

    def times(self, factor: float, low: float | None = None, high: float | None = None) -> Rate:
        return Rate(
            _cap(self.per_100 * factor),
            _cap((self.low if self.low is not None else self.per_100) * (low if low is not None else factor)),
            _cap((self.high if self.high is not None else self.per_100) * (high if high is not None else factor)),
        )


@dataclass(frozen=True)
class RiskFinding:
    finding: Finding
    data: ClinicalRiskData
    risk: float


def rescale(per_100: float, from_years: float, to_years: float) -> float:
    """A cumulative rate over ``from_years`` as the rate over ``to_years``, assuming a constant hazard."""
    p = min(max(per_100 / 100.0, 0.0), 1.0)
    if p >= 1.0 or from_years == to_years:
        return per_100
    return 100.0 * (1.0 - float((1.0 - p) ** (to_years / from_years)))


def build_decisions(patient: Patient, findings: Sequence[Finding], knowledge: SdmOptions) -> list[Decision]:
    """Every decision of ``knowledge`` that applies to the patient, with options ranked by their weights."""
    phenotypes = gene_phenotypes(findings)
    risks = _risk_findings(findings)
    weights = patient.preferences.weights.normalized()
    sure = [SureQuestion(item=q.item, text=q.text) for q in knowledge.sure.questions]
    decisions = []
    for spec in knowledge.decisions:
        risk = _risk_for(spec.trigger.risk_models or spec.baseline.risk_models, risks)
        if not _applies(spec, patient, phenotypes, risk):
            continue
        decision = _decision(spec, patient, findings, phenotypes, risk, knowledge)
        if decision is None:
            continue
        decisions.append(
            rank(decision, weights).model_copy(update={"sure_questions": sure, "sure_scoring": knowledge.sure.scoring})
        )
    return decisions


def _applies(spec: DecisionSpec, patient: Patient, phenotypes: dict[str, set[str]], risk: RiskFinding | None) -> bool:
    trigger = spec.trigger
    if trigger.genes and not genes_match(trigger.genes, phenotypes):
        return False
    if trigger.drugs_any and not takes_any(patient, trigger.drugs_any):
        return False
    conditions = trigger.condition_codes_any or trigger.condition_words_any
    if conditions and not has_condition(patient, trigger.condition_codes_any, trigger.condition_words_any):
        return False
    if trigger.risk_models:
        if risk is None:
            return False
        if trigger.min_risk is not None and risk.risk < trigger.min_risk:
            return False
    return True


def _risk_findings(findings: Sequence[Finding]) -> list[RiskFinding]:
    found = []
    for finding in findings:
        if finding.domain is not Domain.CLINICAL_RISK:
            continue
        data = payload(finding, ClinicalRiskData)
        if data is None or not data.applicable:
            continue
        risk = data.integrated_risk if data.integrated_risk is not None else data.equation_risk
        if risk is not None:
            found.append(RiskFinding(finding, data, risk))
    return found


def _risk_for(models: Sequence[str], risks: Sequence[RiskFinding]) -> RiskFinding | None:
    """The highest risk among the named models or risk keys (``prevent_ascvd`` names one PREVENT outcome, so a
    heart-attack-or-stroke decision never takes PREVENT's total-CVD or heart-failure risk as its baseline)."""
    wanted = {m.casefold() for m in models}
    matching = [
        r for r in risks if r.data.model.casefold() in wanted or r.finding.id.removeprefix("risk:").casefold() in wanted
    ]
    return max(matching, key=lambda r: r.risk) if matching else None


def _decision(
    spec: DecisionSpec,
    patient: Patient,
    findings: Sequence[Finding],
    phenotypes: dict[str, set[str]],
    risk: RiskFinding | None,
    knowledge: SdmOptions,
) -> Decision | None:
    horizon = spec.horizon_years
    use_risk = spec.baseline.source == "risk" and risk is not None
    references: dict[str, Rate] = {}
    for outcome in spec.outcomes:
        if outcome.benefit and use_risk and risk is not None:
            references[outcome.id] = _risk_rate(risk, horizon)
        elif outcome.reference_per_100 is None:
            return None  # the decision needs the patient's own risk, and there is none
        else:
            references[outcome.id] = Rate(_to_horizon(outcome.reference_per_100, outcome, horizon))
    offered = [o for o in spec.options if not taking_class(patient, o.not_when_taking_atc)]
    options = [_option(o, spec, references, patient, findings, phenotypes, knowledge) for o in offered]
    if spec.scenarios is not None and risk is not None:
        base = references[next(o.id for o in spec.outcomes if o.benefit)]
        options += [
            _scenario_option(s, spec, references, base, risk, knowledge)
            for s in risk.data.scenarios
            if s.risk_after < s.risk_before
        ]
    options = _with_outcome_scores(options)
    baseline = (
        f"{risk.finding.title} ({risk.data.model}, {risk.risk * 100:.1f} in 100 over {risk.data.horizon_years:g} years)"
        if use_risk and risk is not None
        else spec.baseline.title
    )
    used = {
        *gene_finding_ids(findings, spec.trigger.genes),
        *(f.id for f, _ in _drug_findings(findings, [o.drug for o in offered if o.drug])),
        *([risk.finding.id] if risk is not None and (use_risk or spec.trigger.risk_models) else []),
    }
    citations = [*spec.baseline.cites, *(c for o in spec.outcomes for c in o.cites)]
    citations += [c for o in options for c in o.citations]
    return Decision(
        id=f"decision:{spec.id}",
        question=spec.question,
        translations=spec.translations,
        options=options,
        horizon_years=horizon,
        baseline=baseline,
        finding_ids=sorted(used),
        citations=list(dict.fromkeys(citations)),
    )


def _risk_rate(risk: RiskFinding, horizon: float) -> Rate:
    years = risk.data.horizon_years
    low, high = risk.data.integrated_low, risk.data.integrated_high
    return Rate(
        rescale(risk.risk * 100, years, horizon),
        rescale(low * 100, years, horizon) if low is not None else None,
        rescale(high * 100, years, horizon) if high is not None else None,
    )


def _to_horizon(per_100: float, outcome: OutcomeSpec, horizon: float) -> float:
    return per_100 if outcome.fixed else rescale(per_100, outcome.years, horizon)


def _option(
    spec: OptionSpec,
    decision: DecisionSpec,
    references: Mapping[str, Rate],
    patient: Patient,
    findings: Sequence[Finding],
    phenotypes: dict[str, set[str]],
    knowledge: SdmOptions,
) -> Option:
    outcomes = []
    for outcome in decision.outcomes:
        effect = spec.effects.get(outcome.id)
        rate = _apply(effect, references[outcome.id], outcome, decision.horizon_years, phenotypes)
        citations = [*outcome.cites, *(effect.cites if effect is not None else [])]
        outcomes.append(_outcome(outcome, rate, decision.horizon_years, citations))
    reasons = _contraindications(spec, patient, findings, phenotypes)
    return Option(
        id=spec.id,
        title=spec.title,
        translations=spec.translations,
        description=spec.description,
        outcomes=outcomes,
        attributes={
            "cost": knowledge.scales.cost[spec.cost],
            "convenience": knowledge.scales.convenience[spec.convenience],
        },
        contraindicated=bool(reasons),
        contraindication_reason=" ".join(reasons) or None,
        drug=spec.drug,
        citations=list(dict.fromkeys(spec.cites)),
        unverified=spec.unverified_facts(),
    )


def _apply(
    effect: Effect | None, reference: Rate, outcome: OutcomeSpec, horizon: float, phenotypes: dict[str, set[str]]
) -> Rate:
    if effect is None:
        return reference
    if effect.rr is not None:
        return reference.times(effect.rr, effect.rr_low, effect.rr_high)
    if effect.add_per_100 is not None:
        added = _to_horizon(effect.add_per_100, outcome, horizon)
        return Rate(
            _cap(reference.per_100 + added),
            _cap((reference.low if reference.low is not None else reference.per_100) + added),
            _cap((reference.high if reference.high is not None else reference.per_100) + added),
        )
    rates = [
        table[p] for gene, table in effect.by_gene.items() for p in sorted(phenotypes.get(gene, set())) if p in table
    ]
    if not rates:  # genotype not in the table: show the worst listed rate rather than the best
        rates = [max(v for table in effect.by_gene.values() for v in table.values())]
    return Rate(_to_horizon(max(rates), outcome, horizon))


def _outcome(spec: OutcomeSpec, rate: Rate, horizon: float, citations: list[str]) -> Outcome:
    low = rate.low if rate.low is not None and rate.low != rate.per_100 else None
    high = rate.high if rate.high is not None and rate.high != rate.per_100 else None
    if low is not None and high is not None and low > high:
        low, high = high, low
    return Outcome(
        name=spec.name,
        translations=spec.translations,
        per_100=round(rate.per_100, 1),
        low=round(low, 1) if low is not None else None,
        high=round(high, 1) if high is not None else None,
        horizon_years=horizon,
        benefit=spec.benefit,
        citations=list(dict.fromkeys(citations)),
    )


def _scenario_option(
    scenario: RiskScenario,
    decision: DecisionSpec,
    references: Mapping[str, Rate],
    base: Rate,
    risk: RiskFinding,
    knowledge: SdmOptions,
) -> Option:
    assert decision.scenarios is not None
    factor = scenario.risk_after / scenario.risk_before if scenario.risk_before > 0 else 1.0
    outcomes = []
    for outcome in decision.outcomes:
        if outcome.benefit:
            after = rescale(scenario.risk_after * 100, risk.data.horizon_years, decision.horizon_years)
            rate = Rate(
                after,
                base.low * factor if base.low is not None else None,
                base.high * factor if base.high is not None else None,
            )
        else:
            rate = references[outcome.id]
        outcomes.append(_outcome(outcome, rate, decision.horizon_years, list(outcome.cites)))
    changes = ", ".join(f"{k}: {v}" for k, v in scenario.changes.items())
    return Option(
        id=f"scenario:{scenario.id}",
        title=scenario.title,
        description=f"Your risk recalculated by {risk.data.model} with {changes}." if changes else scenario.title,
        outcomes=outcomes,
        attributes={
            "cost": knowledge.scales.cost[decision.scenarios.cost],
            "convenience": knowledge.scales.convenience[decision.scenarios.convenience],
        },
        citations=[c for e in risk.finding.evidence for c in e.citations],
    )


def _with_outcome_scores(options: list[Option]) -> list[Option]:
    """Efficacy and side-effect scores from the options' event totals, on one shared scale (see module doc)."""
    benefits = [sum(o.per_100 for o in opt.outcomes if o.benefit) for opt in options]
    harms = [sum(o.per_100 for o in opt.outcomes if not o.benefit) for opt in options]
    spread = max(_spread(benefits), _spread(harms))
    efficacy, side_effects = _event_scores(benefits, spread), _event_scores(harms, spread)
    return [
        opt.model_copy(update={"attributes": {"efficacy": e, "side_effects": h, **opt.attributes}})
        for opt, e, h in zip(options, efficacy, side_effects, strict=True)
    ]


def _spread(totals: Sequence[float]) -> float:
    return max(totals) - min(totals) if totals else 0.0


def _event_scores(totals: Sequence[float], spread: float) -> list[float]:
    """``1 - (x - best) / spread``: the best option scores 1; each extra event in 100 costs the same on both scales."""
    if not totals:
        return []
    best = min(totals)
    if spread < 1e-9:
        return [1.0 for _ in totals]
    return [round(1.0 - (x - best) / spread, 4) for x in totals]


def _contraindications(
    spec: OptionSpec, patient: Patient, findings: Sequence[Finding], phenotypes: dict[str, set[str]]
) -> list[str]:
    reasons = []
    for rule in spec.contraindications:
        by_gene = bool(rule.genes) and genes_match(rule.genes, phenotypes)
        conditions = rule.condition_codes_any or rule.condition_words_any
        if by_gene or (conditions and has_condition(patient, rule.condition_codes_any, rule.condition_words_any)):
            reasons.append(rule.reason.strip())
    if spec.drug is not None:
        for finding, answer in _drug_findings(findings, [spec.drug]):
            avoid = _guideline_avoid(finding, answer, spec.guideline_population)
            if avoid is not None and not reasons:
                reasons.append(avoid)
    return list(dict.fromkeys(reasons))


def _drug_findings(findings: Sequence[Finding], drugs: Sequence[str | None]) -> list[tuple[Finding, GuidelineResult]]:
    wanted = {d.casefold() for d in drugs if d}
    return [
        (f, answer) for f, answer in with_payload(findings, GuidelineResult) if wanted & {d.casefold() for d in f.drugs}
    ]


def _guideline_avoid(finding: Finding, answer: GuidelineResult, population: str | None) -> str | None:
    """The guideline's advice when every applying row says to use another drug and gives no dose to use instead."""
    rows = [r for r in answer.rows if r.actionable]
    if population is not None:
        rows = [r for r in rows if r.population in (population, None, "general")]
    if not rows or not all(r.alternate_drug_available and not r.dosing_information for r in rows):
        return None
    level = finding.evidence[0].level
    source = finding.evidence[0].source
    return f"{source}{f' ({level})' if level else ''}: {rows[0].text}"


def _cap(value: float) -> float:
    return min(max(value, 0.0), 100.0)
