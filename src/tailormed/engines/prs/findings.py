"""One person's polygenic score as a care-plan finding: where it places them and what that means for risk.

The placement uses, in order: an empirical reference distribution of the same score (percentile, with Z from the
normal quantile) when the person was scored on every variant of it; else the allele-frequency normalization
(:mod:`.frequency`) when the scoring file gives effect-allele frequencies. Z becomes a relative risk with the
panel's published per-SD effect (:mod:`.risk`). Everything the number does not account for is a NotAssessed item:
ancestry outside the score's development/evaluation groups, variants not scored, the normal approximation.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

from tailormed.engines.prs.frequency import Moments, normal_percentile, z_score
from tailormed.engines.prs.risk import relative_risk_interval
from tailormed.engines.prs.scoring import ScoreSums
from tailormed.knowledge.pgs_catalog import CatalogScore, PanelScore, ReferenceDistribution
from tailormed.model.finding import Domain, Evidence, Finding, NotAssessed, Priority
from tailormed.model.patient import AncestryComponent
from tailormed.model.payloads import PolygenicScoreData

#: 1000 Genomes superpopulation -> the PGS Catalog's ancestry category.
SUPERPOPULATION_CATEGORY = {
    "EUR": "European",
    "AFR": "African",
    "EAS": "East Asian",
    "SAS": "South Asian",
    "AMR": "Hispanic or Latin American",
}
#: A relative risk at least this far from 1 makes the finding actionable rather than routine.
ACTIONABLE_RR = 2.0


@dataclass(frozen=True)
class Placement:
    z: float
    percentile: float
    reference: str
    approximate: bool


def main_ancestry(components: Sequence[AncestryComponent]) -> str | None:
    """The PGS Catalog category of the largest genetic-ancestry component, if any (1000G codes or names)."""
    if not components:
        return None
    top = max(components, key=lambda c: c.proportion)
    return SUPERPOPULATION_CATEGORY.get(top.population.upper(), top.population)


def ancestry_validated(catalog: CatalogScore, ancestry: str | None) -> bool | None:
    """Whether the Catalog lists the ancestry among the score's development or evaluation samples (None: unknown)."""
    if ancestry is None:
        return None
    groups = {group.casefold() for group in (*catalog.ancestry_development, *catalog.ancestry_evaluation)}
    return ancestry.casefold() in groups


def empirical_placement(score_sum: float, distribution: ReferenceDistribution) -> Placement:
    """Percentile of a SUM among a cohort's quantiles (linear between them; clipped to the outer levels)."""
    values, levels = distribution.values, distribution.levels
    at = bisect.bisect_left(values, score_sum)
    if at == 0:
        percentile = levels[0]
    elif at >= len(values):
        percentile = levels[-1]
    else:
        span = values[at] - values[at - 1]
        fraction = (score_sum - values[at - 1]) / span if span > 0 else 0.0
        percentile = levels[at - 1] + fraction * (levels[at] - levels[at - 1])
    clipped = min(max(percentile, 0.5), 99.5)
    z = NormalDist().inv_cdf(clipped / 100.0)
    return Placement(z, percentile, f"{distribution.cohort} (n={distribution.samples}), empirical", False)


def frequency_placement(result: ScoreSums, sample: int) -> Placement | None:
    """Z and Φ(Z) against the expected SUM from the scoring file's effect-allele frequencies."""
    if result.without_frequency:
        return None
    moments = Moments(float(result.expected_mean[sample]), float(result.expected_variance[sample]))
    z = z_score(float(result.sums[sample]), moments)
    if z is None:
        return None
    reference = "expected from the scoring file's effect-allele frequencies (HWE, no LD)"
    return Placement(z, normal_percentile(z), reference, True)


def place(result: ScoreSums, sample: int, catalog: CatalogScore | None) -> Placement | None:
    complete = result.match.matched == result.match.total and int(result.missing[sample]) == 0
    if catalog is not None and complete:
        for distribution in catalog.reference_distributions:
            return empirical_placement(float(result.sums[sample]), distribution)
    return frequency_placement(result, sample)


def polygenic_finding(
    result: ScoreSums,
    sample: int,
    panel: PanelScore,
    catalog: CatalogScore | None,
    ancestry: str | None,
    versions: dict[str, str],
) -> Finding:
    """The finding for one panel score and one person."""
    match = result.match
    limits: list[NotAssessed] = []
    placement = place(result, sample, catalog)
    validated = ancestry_validated(catalog, ancestry) if catalog is not None else None
    if validated is False:
        limits.append(
            NotAssessed(
                item=f"{panel.pgs_id} in {ancestry} ancestry",
                reason=f"the score was developed/evaluated in {_groups(catalog)}, not in {ancestry} ancestry; "
                "its placement and relative risk may not transfer",
            )
        )
    elif validated is None:
        limits.append(NotAssessed(item="genetic ancestry", reason="not recorded; transferability of the score unknown"))
    unscored = match.total - match.matched + int(result.missing[sample])
    if unscored:
        limits.append(
            NotAssessed(
                item=f"{unscored} of {match.total} {panel.pgs_id} variants",
                reason="not in the VCF, excluded by matching rules, or without a genotype; the score omits them",
            )
        )
    rr = None
    if placement is None:
        limits.append(NotAssessed(item=f"{panel.pgs_id} percentile", reason="no reference distribution or frequencies"))
    else:
        rr = relative_risk_interval(placement.z, panel.per_sd, panel.per_sd_low, panel.per_sd_high)
        developed_in = sorted(catalog.ancestry_development) if catalog is not None else []
        if placement.approximate and ancestry is not None and developed_in and ancestry not in developed_in:
            limits.append(
                NotAssessed(
                    item=f"{panel.pgs_id} percentile for {ancestry} ancestry",
                    reason=f"placed with allele frequencies of the development population ({', '.join(developed_in)}), "
                    f"not of {ancestry} ancestry; the percentile and relative risk may be shifted",
                )
            )
        if placement.approximate:
            limits.append(
                NotAssessed(
                    item="score distribution",
                    reason="percentile from a normal approximation with allele frequencies of the development "
                    "population; linkage disequilibrium between variants is ignored",
                )
            )
    payload = PolygenicScoreData(
        pgs_id=panel.pgs_id,
        trait=panel.trait,
        score_sum=float(result.sums[sample]),
        variants_matched=match.matched,
        variants_total=match.total,
        overlap=match.match_rate,
        z=_round(placement.z) if placement else None,
        percentile=_round(min(max(placement.percentile, 0.0), 100.0)) if placement else None,
        reference=placement.reference if placement else None,
        per_sd_effect=panel.per_sd,
        relative_risk=_round(rr.value) if rr else None,
        relative_risk_low=_round(rr.low) if rr else None,
        relative_risk_high=_round(rr.high) if rr else None,
        ancestry_validated=validated,
    )
    if placement is not None and rr is not None:
        title = f"{panel.condition}: polygenic score at the {placement.percentile:.0f}th percentile"
        summary = (
            f"{panel.pgs_id} ({panel.trait}) places this person at about the {placement.percentile:.0f}th percentile "
            f"(Z {placement.z:+.2f}); with the published {panel.effect_measure} of {panel.per_sd} per SD that is "
            f"{rr.value:.2f} times the average risk (range {rr.low:.2f}-{rr.high:.2f}). A polygenic score is "
            "relative and probabilistic: it shifts risk, it does not diagnose."
        )
    else:
        title = f"{panel.condition}: polygenic score computed, not placed in a reference"
        summary = f"{panel.pgs_id} SUM {payload.score_sum:.4g} on {match.matched} of {match.total} variants."
    priority = Priority.ACTIONABLE if rr is not None and rr.value >= ACTIONABLE_RR else Priority.ROUTINE
    evidence = [
        Evidence(
            source="pgs-catalog",
            version=versions.get("pgs-catalog", "unknown"),
            citations=[c for c in (_pmid(catalog), _doi(catalog)) if c],
            inputs_used=[
                f"{match.matched} of {match.total} variants matched ({match.match_rate:.1%}), "
                f"{match.flipped} strand-flipped, {match.assumed_reference} assumed reference",
                f"SUM {payload.score_sum:.6g}",
            ],
            not_assessed=limits,
        ),
        Evidence(
            source="prs-panel",
            version=versions.get("prs-panel", "unknown"),
            level=f"{panel.effect_measure} per SD {panel.per_sd} ({panel.per_sd_low}-{panel.per_sd_high})",
            citations=[panel.citation, *panel.cites],
            inputs_used=[f"per-SD effect estimated in: {panel.effect_population}"],
            unverified=[f"{panel.pgs_id} per-SD effect: {panel.unverified.reason}"] if panel.unverified else [],
        ),
    ]
    return Finding(
        id=f"prs:{panel.pgs_id}",
        domain=Domain.POLYGENIC,
        title=title,
        summary=summary,
        priority=priority,
        conditions=[panel.condition],
        data=payload,
        evidence=evidence,
    )


def _groups(catalog: CatalogScore | None) -> str:
    if catalog is None:
        return "unknown groups"
    groups = {*catalog.ancestry_development, *catalog.ancestry_evaluation}
    return ", ".join(sorted(groups)) or "unreported groups"


def _pmid(catalog: CatalogScore | None) -> str | None:
    return f"PMID:{catalog.publication_pmid}" if catalog is not None and catalog.publication_pmid else None


def _doi(catalog: CatalogScore | None) -> str | None:
    return f"doi:{catalog.publication_doi}" if catalog is not None and catalog.publication_doi else None


def _round(value: float) -> float:
    return round(value, 4) if math.isfinite(value) else value
