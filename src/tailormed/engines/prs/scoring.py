"""Dosage sums per sample, computed like ``plink2 --score ... cols=+scoresums,+denom`` as pgsc_calc runs it.

For each kept match the effect-allele dosage d (0, 1, 2; a haploid call counts double, as in plink2) is transformed
by the effect type (dominant: min(d, 1); recessive: 1 if d = 2 else 0) and multiplied by the weight.

Missing genotypes follow pgsc_calc: with 50 or more samples, plink2's default **mean imputation** (a missing
genotype contributes the mean transformed dosage of the samples that have one, i.e. 2 × effect-allele frequency for
additive weights, and DENOM counts all alleles); with fewer samples (one patient), ``no-mean-imputation`` (a missing
genotype contributes nothing and DENOM counts only the alleles called). AVG = SUM / DENOM.

When the scoring file gives effect-allele frequencies, the expected mean and variance of each sample's SUM over the
same variants are accumulated alongside (:mod:`tailormed.engines.prs.frequency`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from tailormed.engines.prs.frequency import variant_moments
from tailormed.engines.prs.matching import Hit, MatchOptions, ScoreMatch
from tailormed.knowledge.pgs_scoring import EffectType
from tailormed.model.genotype import BuildDetection

#: pgsc_calc switches plink2 to ``no-mean-imputation`` below this many samples.
MEAN_IMPUTATION_MIN_SAMPLES = 50


class Imputation(StrEnum):
    MEAN = "mean"
    NONE = "none"


def default_imputation(samples: int) -> Imputation:
    """pgsc_calc's choice: mean imputation from the target's own frequencies when it has at least 50 samples.

    >>> default_imputation(2504), default_imputation(1)
    (<Imputation.MEAN: 'mean'>, <Imputation.NONE: 'none'>)
    """
    return Imputation.MEAN if samples >= MEAN_IMPUTATION_MIN_SAMPLES else Imputation.NONE


@dataclass
class ScoreSums:
    """One score's SUM, DENOM and missing-genotype count per sample."""

    match: ScoreMatch
    samples: list[str]
    sums: npt.NDArray[np.float64]
    denom: npt.NDArray[np.float64]
    missing: npt.NDArray[np.int64]
    imputation: Imputation
    expected_mean: npt.NDArray[np.float64]
    expected_variance: npt.NDArray[np.float64]
    without_frequency: int  # kept variants the scoring file gives no effect-allele frequency for

    @property
    def avg(self) -> npt.NDArray[np.float64]:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.denom > 0, self.sums / np.where(self.denom > 0, self.denom, 1.0), np.nan)


def transform(dosage: npt.NDArray[np.float64], effect_type: EffectType) -> npt.NDArray[np.float64]:
    """Dosage as the effect type counts it (NaN stays NaN).

    >>> transform(np.array([0.0, 1.0, 2.0, np.nan]), EffectType.DOMINANT).tolist()[:3]
    [0.0, 1.0, 1.0]
    >>> transform(np.array([0.0, 1.0, 2.0]), EffectType.RECESSIVE).tolist()
    [0.0, 0.0, 1.0]
    """
    if effect_type is EffectType.DOMINANT:
        return np.minimum(dosage, 1.0)
    if effect_type is EffectType.RECESSIVE:
        return np.where(np.isnan(dosage), np.nan, np.maximum(dosage - 1.0, 0.0))
    return dosage


class Scorer:
    """Accumulates every score's sums as matches arrive, so no genotype matrix is ever held in memory."""

    def __init__(self, matches: list[ScoreMatch], samples: list[str], imputation: Imputation | None = None) -> None:
        self.matches = matches
        self.samples = samples
        self.imputation = imputation or default_imputation(len(samples))
        count = len(samples)
        self._sums = [np.zeros(count, dtype=np.float64) for _ in matches]
        self._denom = [np.zeros(count, dtype=np.float64) for _ in matches]
        self._missing = [np.zeros(count, dtype=np.int64) for _ in matches]
        self._mean = [np.zeros(count, dtype=np.float64) for _ in matches]
        self._variance = [np.zeros(count, dtype=np.float64) for _ in matches]
        self._without_frequency = [0 for _ in matches]

    def add(self, hits: list[Hit]) -> None:
        for score_index, chosen, record in hits:
            if record is None:  # assumed reference: the same known dosage for everyone
                dosage = np.full(len(self.samples), float(chosen.allele))
            else:
                dosage = record.dosage(chosen.allele)
            value = transform(dosage, chosen.effect_type)
            missing = np.isnan(value)
            self._expect(score_index, chosen.row, chosen.weight, chosen.effect_type, missing)
            if missing.any():
                self._missing[score_index] += missing
                if self.imputation is Imputation.MEAN:
                    fill = float(np.nanmean(value)) if not missing.all() else 0.0
                    value = np.where(missing, fill, value)
                    self._denom[score_index] += 2.0
                else:
                    value = np.where(missing, 0.0, value)
                    self._denom[score_index] += np.where(missing, 0.0, 2.0)
            else:
                self._denom[score_index] += 2.0
            self._sums[score_index] += chosen.weight * value

    def _expect(
        self, score_index: int, row: int, weight: float, effect_type: EffectType, missing: npt.NDArray[np.bool_]
    ) -> None:
        frequency = float(self.matches[score_index].score.effect_allele_frequency[row])
        if np.isnan(frequency):
            self._without_frequency[score_index] += 1
            return
        moments = variant_moments(frequency, weight, effect_type)
        if self.imputation is Imputation.NONE and missing.any():
            self._mean[score_index] += np.where(missing, 0.0, moments.mean)
            self._variance[score_index] += np.where(missing, 0.0, moments.variance)
        else:
            self._mean[score_index] += moments.mean
            self._variance[score_index] += moments.variance

    def results(self) -> list[ScoreSums]:
        return [
            ScoreSums(
                match=match,
                samples=self.samples,
                sums=self._sums[i],
                denom=self._denom[i],
                missing=self._missing[i],
                imputation=self.imputation,
                expected_mean=self._mean[i],
                expected_variance=self._variance[i],
                without_frequency=self._without_frequency[i],
            )
            for i, match in enumerate(self.matches)
        ]


@dataclass
class PrsRun:
    """Scores of every sample in a VCF, with what they rest on."""

    vcf: str  # the genome input the scores were read from
    build: BuildDetection
    options: MatchOptions
    scores: list[ScoreSums]

    @property
    def imputation(self) -> Imputation:
        return self.scores[0].imputation if self.scores else Imputation.NONE

    def failing(self) -> list[ScoreMatch]:
        """Scores whose matched share is below the minimum overlap."""
        return [s.match for s in self.scores if s.match.match_rate < self.options.min_overlap]
