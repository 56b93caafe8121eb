"""From a score's Z to a relative risk, with the published effect per standard deviation.

If the score is about normal in the reference population and a 1-SD increase multiplies the odds or hazard by
e^β, the risk of a person at Z relative to the population average is RR(z) = exp(βz − β²/2); the −β²/2 term makes
the population-average RR equal to 1 (E[e^{βZ}] = e^{β²/2} for a standard normal Z). The interval uses the
published confidence limits of the per-SD effect at the same Z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RelativeRisk:
    value: float
    low: float
    high: float


def relative_risk(z: float, per_sd: float) -> float:
    """RR(z) = exp(βz − β²/2) with β = ln(per-SD effect).

    >>> round(relative_risk(0.0, 1.61), 4), round(relative_risk(2.0, 1.61), 3)
    (0.8928, 2.314)
    """
    beta = math.log(per_sd)
    return math.exp(beta * z - beta * beta / 2.0)


def relative_risk_interval(z: float, per_sd: float, low: float, high: float) -> RelativeRisk:
    """RR at Z with the range it takes over the per-SD effect's confidence interval."""
    values = [relative_risk(z, effect) for effect in (low, per_sd, high)]
    return RelativeRisk(value=values[1], low=min(values), high=max(values))
