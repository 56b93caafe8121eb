"""Allele-frequency normalization of one person's score, for when no reference genotypes or PCs are at hand.

Under Hardy-Weinberg equilibrium and no linkage disequilibrium between scored variants, with effect-allele
frequency p_i and weight w_i, the transformed dosage t_i of a random person from that population has

* additive: E[t] = 2p, Var[t] = 2p(1-p);
* dominant (t = 1 if any copy): q = 1-(1-p)^2, E[t] = q, Var[t] = q(1-q);
* recessive (t = 1 if two copies): q = p^2, E[t] = q, Var[t] = q(1-q);

and E[SUM] = Σ w_i E[t_i], Var[SUM] = Σ w_i^2 Var[t_i]. Z = (SUM - E[SUM]) / sqrt(Var[SUM]) and the percentile is
Φ(Z), which assumes the score is close to normal. The sums run over the variants the person was scored on (those
with a genotype), so missing variants do not bias Z. LD between scored variants inflates the true variance, so for
dense genome-wide scores this Z is too large in magnitude; an empirical reference distribution is better when one
exists. The frequencies are those the scoring file gives (``allelefrequency_effect``), i.e. of the population the
score was developed in, so Z says where the person sits in *that* population.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tailormed.knowledge.pgs_scoring import EffectType


@dataclass(frozen=True)
class Moments:
    mean: float
    variance: float


def variant_moments(p: float, weight: float, effect_type: EffectType) -> Moments:
    """Mean and variance of one variant's contribution w·t under HWE.

    >>> variant_moments(0.5, 2.0, EffectType.ADDITIVE)
    Moments(mean=2.0, variance=2.0)
    """
    if effect_type is EffectType.DOMINANT:
        q = 1.0 - (1.0 - p) ** 2
        return Moments(weight * q, weight**2 * q * (1.0 - q))
    if effect_type is EffectType.RECESSIVE:
        q = p * p
        return Moments(weight * q, weight**2 * q * (1.0 - q))
    return Moments(weight * 2.0 * p, weight**2 * 2.0 * p * (1.0 - p))


def normal_percentile(z: float) -> float:
    """Φ(z) in percent.

    >>> round(normal_percentile(0.0), 1), round(normal_percentile(1.0), 2)
    (50.0, 84.13)
    """
    return 50.0 * (1.0 + math.erf(z / math.sqrt(2.0)))


def z_score(score_sum: float, moments: Moments) -> float | None:
    """Z of a SUM against expected moments; None when the expected variance is zero."""
    if moments.variance <= 0.0:
        return None
    return (score_sum - moments.mean) / math.sqrt(moments.variance)
