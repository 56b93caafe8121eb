"""Dosage sums per sample, computed like ``plink2 --score ... cols=+scoresums,+denom`` as pgsc_calc runs it.

For each kept match the effect-allele dosage d (0, 1, 2; a haploid call counts double, as in plink2) is transformed
by the effect type (dominant: min(d, 1); recessive: 1 if d = 2 else 0) and multiplied by the weight.

Missing genotypes follow pgsc_calc: with 50 or more samples, plink2's default **mean imputation** (a missing
genotype contributes the mean dosage of the samples that have one, i.e. 2 × effect-allele frequency, for additive
weights and the frequency itself for dominant and recessive ones, as plink2 fills them; DENOM counts all alleles);
with fewer samples (one patient), ``no-mean-imputation`` (a missing genotype contributes nothing and DENOM counts
only the alleles called). AVG = SUM / DENOM.

When the scoring file gives effect-allele frequencies, the expected mean and variance of each sample's SUM over the
same variants are accumulated alongside (:mod:`tailormed.engines.prs.frequency`).

Records read from genotype probabilities (imputed BGEN) carry expected allele copies instead of calls; a block
holding one is summed as float dosages (the calls in it as the same whole numbers), as plink2 sums dosages: a dosage
d is transformed by min(d, 1) (dominant) or max(d - 1, 0) (recessive), and with mean imputation a missing dosage
counts the effect allele's frequency among the samples that have one, times two for additive weights (plink2's
``--score``; its 'dominant' and 'recessive' fill is the frequency itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import cast

import numpy as np
import numpy.typing as npt

from tailormed.engines.prs.frequency import variant_moments
from tailormed.engines.prs.matching import BlockHits, Hit, MatchOptions, ScoreMatch, Selected
from tailormed.knowledge.pgs_scoring import EffectType
from tailormed.model.dosage import MISSING_COPIES, SiteRecord
from tailormed.model.genotype import BuildDetection

#: pgsc_calc switches plink2 to ``no-mean-imputation`` below this many samples.
MEAN_IMPUTATION_MIN_SAMPLES = 50
#: Matched variants summed together (a block is variants x samples float64).
BLOCK = 512
#: Up to this many samples a variant's code sum (at most 3 a sample) fits 16-bit integers, whose sums numpy makes
#: about twice as fast as 32-bit ones; a block's missing calls per sample (at most :data:`BLOCK`) always fit.
SHORT_SUMS_SAMPLES = np.iinfo(np.int16).max // MISSING_COPIES


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


#: The code of a missing genotype among effect-allele copies (0, 1, 2) in :func:`_codes`.
MISSING = MISSING_COPIES


def _codes(parts: list[BlockHits | Hit], samples: int) -> tuple[npt.NDArray[np.int8], list[Selected]]:
    """Effect-allele copies (variants x samples, 0-2) of one score's matches as small integers, :data:`MISSING` where
    a genotype is missing; an assumed-reference site's known dosage for everyone. Returns the matches in the same
    order."""
    pieces: list[npt.NDArray[np.int8]] = []
    chosen: list[Selected] = []
    singles: list[tuple[Selected, SiteRecord | None]] = []
    for part in parts:
        if isinstance(part, BlockHits):
            if singles:
                pieces.append(_single_codes(singles, samples))
                chosen += [selected for selected, _ in singles]
                singles = []
            pieces.append(part.block.copies(part.records, [chosen.allele for chosen in part.selected]))
            chosen += part.selected
        else:
            singles.append((part[1], part[2]))
    if singles:
        pieces.append(_single_codes(singles, samples))
        chosen += [selected for selected, _ in singles]
    return (pieces[0] if len(pieces) == 1 else np.concatenate(pieces)), chosen


def _one_by_one(parts: list[BlockHits | Hit]) -> list[tuple[Selected, SiteRecord | None]]:
    """Each match with its record (a block's records taken out one by one)."""
    found: list[tuple[Selected, SiteRecord | None]] = []
    for part in parts:
        if isinstance(part, BlockHits):
            found += [(chosen, part.block.record(i)) for i, chosen in zip(part.records, part.selected, strict=True)]
        else:
            found.append((part[1], part[2]))
    return found


def _single_codes(block: list[tuple[Selected, SiteRecord | None]], samples: int) -> npt.NDArray[np.int8]:
    """The codes of matches one record at a time; an assumed-reference site's dosage for everyone."""
    read = [i for i, (_, record) in enumerate(block) if record is not None]
    counts: npt.NDArray[np.int8] | None = None
    if read:
        alleles = np.stack([cast(SiteRecord, block[i][1]).alleles for i in read])
        same = (alleles == np.asarray([block[i][0].allele for i in read], dtype=np.int16)[:, None, None]).view(np.int8)
        counts = np.add(same[:, :, 0], same[:, :, 1])
        counts[alleles[:, :, 0] < 0] = MISSING  # a missing call is -1 in both columns
        if len(read) == len(block):
            return counts
    codes = np.empty((len(block), samples), dtype=np.int8)
    if counts is not None:
        codes[read] = counts
    for i, (chosen, record) in enumerate(block):
        if record is None:
            codes[i] = chosen.allele
    return codes


def transform(codes: npt.NDArray[np.int8], effect_type: EffectType) -> npt.NDArray[np.int8]:
    """Effect-allele copies as the effect type counts them (dominant: min(d, 1); recessive: 1 if d = 2 else 0);
    :data:`MISSING` stays missing.

    >>> codes = np.array([0, 1, 2, MISSING], dtype=np.int8)
    >>> transform(codes, EffectType.DOMINANT).tolist(), transform(codes, EffectType.RECESSIVE).tolist()
    ([0, 1, 1, 3], [0, 0, 1, 3])
    """
    if effect_type is EffectType.DOMINANT:
        return np.where(codes == 2, np.int8(1), codes)
    if effect_type is EffectType.RECESSIVE:
        return np.where(codes == MISSING, codes, (codes == 2).view(np.int8))
    return codes


def _dosages(block: list[tuple[Selected, SiteRecord | None]], samples: int) -> npt.NDArray[np.float64]:
    """Effect-allele dosages (variants x samples), NaN where a genotype is missing: a record's expected copies when
    it carries dosages, else its whole allele copies; an assumed-reference site's known dosage for everyone."""
    values = np.empty((len(block), samples), dtype=np.float64)
    for i, (chosen, record) in enumerate(block):
        values[i] = chosen.allele if record is None else record.dosage(chosen.allele)
    return values


def transform_dosages(values: npt.NDArray[np.float64], effect_type: EffectType) -> npt.NDArray[np.float64]:
    """Dosages as plink2's ``--score`` modifiers count them (dominant: min(d, 1); recessive: max(d - 1, 0)); NaN
    (missing) stays NaN. On whole copies these are :func:`transform`'s values.

    >>> values = np.array([0.0, 0.5, 1.0, 1.5, 2.0, np.nan])
    >>> transform_dosages(values, EffectType.DOMINANT).tolist()[:5]
    [0.0, 0.5, 1.0, 1.0, 1.0]
    >>> transform_dosages(values, EffectType.RECESSIVE).tolist()[:5]
    [0.0, 0.0, 0.0, 0.5, 1.0]
    """
    if effect_type is EffectType.DOMINANT:
        return np.minimum(values, 1.0)
    if effect_type is EffectType.RECESSIVE:
        return np.maximum(values - 1.0, 0.0)
    return values


def _running(total: npt.NDArray[np.float64], rows: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``total`` plus each row in turn (the order of a loop of ``+=``, in one reduction); ``rows`` is overwritten."""
    rows[0] += total  # total + first row, then the others in turn
    result: npt.NDArray[np.float64] = np.add.reduce(rows, axis=0)
    return result


class Scorer:
    """Accumulates every score's sums as matches arrive, a block of variants at a time (variants x samples matrices
    of at most :data:`BLOCK` rows), so no whole genotype matrix is ever held in memory.

    Each block adds its rows after the running sums in variant order (one reduction over the stacked rows), so the
    sums are the same, to the last bit, whatever the block size or the number of samples. Blocks are summed in one
    worker thread, in order, while the caller reads and matches the next ones (numpy's array work runs outside the
    interpreter lock); at most one block waits for it.
    """

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
        self._pending: list[BlockHits | Hit] = []
        self._pending_count = 0
        self._worker: ThreadPoolExecutor | None = None
        self._job: Future[None] | None = None
        self._values: npt.NDArray[np.float64] | None = None
        self._missing_buffer: npt.NDArray[np.bool_] | None = None

    def add(self, hits: list[Hit]) -> None:
        self._pending.extend(hits)
        self._pending_count += len(hits)
        if self._pending_count >= BLOCK:
            self._flush()

    def add_block(self, hits: list[BlockHits]) -> None:
        """The kept matches of a block of records (:meth:`Matcher.add_block`)."""
        self._pending.extend(hits)
        self._pending_count += sum(len(part.records) for part in hits)
        if self._pending_count >= BLOCK:
            self._flush()

    def _flush(self) -> None:
        by_score: dict[int, list[BlockHits | Hit]] = {}
        for part in self._pending:
            by_score.setdefault(part.score if isinstance(part, BlockHits) else part[0], []).append(part)
        self._pending = []
        self._pending_count = 0
        self._wait()
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prs-scorer")
        self._job = self._worker.submit(self._add_blocks, by_score)

    def _wait(self) -> None:
        if self._job is not None:
            job, self._job = self._job, None
            job.result()

    def _add_blocks(self, by_score: dict[int, list[BlockHits | Hit]]) -> None:
        for score_index, parts in by_score.items():
            if any(
                not isinstance(part, BlockHits) and part[2] is not None and part[2].dosages is not None
                for part in parts
            ):
                self._add_dosage_block(score_index, _one_by_one(parts))
                continue
            codes, block = _codes(parts, len(self.samples))
            for start in range(0, len(block), BLOCK):  # a reader's block may be thousands of variants
                self._add_block(score_index, codes[start : start + BLOCK], block[start : start + BLOCK])

    def _add_block(self, score_index: int, codes: npt.NDArray[np.int8], block: list[Selected]) -> None:
        """Add a block's weighted dosages after the running sums, the values a per-variant loop would add.

        Dosages stay small integer codes until the last step: each weighted value is ``float(code) * weight`` (or
        the row's fill times the weight for a missing genotype), the very products of the float computation, so
        the sums are unchanged to the last bit while the block is read once per step instead of as NaN-marked floats.
        A block with a record of dosages is summed as floats (:meth:`_add_dosage_block`).
        """
        count = len(block)
        if self._values is None or self._missing_buffer is None:
            self._values = np.empty((BLOCK, len(self.samples)), dtype=np.float64)
            self._missing_buffer = np.empty((BLOCK, len(self.samples)), dtype=np.bool_)
        # both reused: a fresh matrix's pages cost as much as the work on it
        missing = np.equal(codes, MISSING, out=self._missing_buffer[:count])
        any_missing = bool(missing.any())
        fill = np.zeros(count)  # no-mean-imputation: a missing genotype contributes nothing
        if self.imputation is Imputation.MEAN and any_missing:
            # a missing genotype counts the called ones' mean effect-allele copies (0 when none is called)
            wide = np.int16 if codes.shape[1] <= SHORT_SUMS_SAMPLES else np.int32
            missing_per_variant = missing.view(np.int8).sum(axis=1, dtype=wide).astype(np.int64)
            called = codes.shape[1] - missing_per_variant
            total = codes.sum(axis=1, dtype=wide) - MISSING * missing_per_variant  # the called ones' sum
            np.divide(total.astype(np.float64), called, out=fill, where=called > 0)
        for effect_type in (EffectType.DOMINANT, EffectType.RECESSIVE):
            rows = [i for i, chosen in enumerate(block) if chosen.effect_type is effect_type]
            if rows:
                codes[rows] = transform(codes[rows], effect_type)
                fill[rows] /= 2.0  # plink2 fills dominant and recessive weights with the allele's frequency
        weights = np.array([chosen.weight for chosen in block])
        self._expect(score_index, block, missing)
        if any_missing:
            missing_per_sample = missing.view(np.int8).sum(axis=0, dtype=np.int16)
            self._missing[score_index] += missing_per_sample
        if self.imputation is Imputation.MEAN or not any_missing:
            self._denom[score_index] += 2.0 * count
        else:
            self._denom[score_index] += 2.0 * (count - missing_per_sample)
        value = np.multiply(codes, weights[:, None], out=self._values[:count])  # float(code) * weight, in one pass
        if any_missing:
            np.copyto(value, (fill * weights)[:, None], where=missing)
        self._sums[score_index] = _running(self._sums[score_index], value)

    def _add_dosage_block(self, score_index: int, block: list[tuple[Selected, SiteRecord | None]]) -> None:
        """:meth:`_add_block` for a block holding expected dosages: the same steps on floats (NaN = missing), with
        plink2's mean fill for dosages: the effect allele's mean dosage (twice its frequency) for additive weights,
        its frequency for dominant and recessive ones."""
        values = _dosages(block, len(self.samples))
        missing = np.isnan(values)
        fill = np.zeros(len(block))  # no-mean-imputation: a missing genotype contributes nothing
        if self.imputation is Imputation.MEAN and missing.any():
            called = values.shape[1] - np.count_nonzero(missing, axis=1)
            np.divide(np.where(missing, 0.0, values).sum(axis=1), called, out=fill, where=called > 0)
        for effect_type in (EffectType.DOMINANT, EffectType.RECESSIVE):
            rows = [i for i, (chosen, _) in enumerate(block) if chosen.effect_type is effect_type]
            if rows:
                values[rows] = transform_dosages(values[rows], effect_type)
                fill[rows] /= 2.0
        weights = np.array([chosen.weight for chosen, _ in block])
        self._expect(score_index, [chosen for chosen, _ in block], missing)
        missing_per_sample = np.count_nonzero(missing, axis=0)
        self._missing[score_index] += missing_per_sample
        if self.imputation is Imputation.MEAN:
            self._denom[score_index] += 2.0 * len(block)
        else:
            self._denom[score_index] += 2.0 * (len(block) - missing_per_sample)
        values *= weights[:, None]
        np.copyto(values, (fill * weights)[:, None], where=missing)
        self._sums[score_index] = _running(self._sums[score_index], values)

    def _expect(self, score_index: int, block: list[Selected], missing: npt.NDArray[np.bool_]) -> None:
        known = np.fromiter((chosen.frequency is not None for chosen in block), dtype=np.bool_, count=len(block))
        self._without_frequency[score_index] += len(block) - int(np.count_nonzero(known))
        if not known.any():
            return
        means = np.zeros(len(block))
        variances = np.zeros(len(block))
        for i in np.flatnonzero(known).tolist():
            chosen = block[i]
            moments = variant_moments(cast(float, chosen.frequency), chosen.weight, chosen.effect_type)
            means[i], variances[i] = moments.mean, moments.variance
        keep = ~missing[known] if self.imputation is Imputation.NONE else np.ones_like(missing[known])
        self._mean[score_index] = _running(self._mean[score_index], np.where(keep, means[known][:, None], 0.0))
        self._variance[score_index] = _running(
            self._variance[score_index], np.where(keep, variances[known][:, None], 0.0)
        )

    def results(self) -> list[ScoreSums]:
        self._flush()
        self._wait()
        if self._worker is not None:
            self._worker.shutdown()
            self._worker = None
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

    def part(self, samples: Sequence[str]) -> PrsRun:
        """The run of ``samples`` (some of its samples, kept in its order) as if they had been scored alone: without
        imputation a sample's sums are its own genotypes' (summed in variant order whatever the others, see
        :class:`Scorer`) and the match depends on records only, so they are cut out, not recomputed."""
        if self.imputation is not Imputation.NONE:
            raise ValueError("a run with mean imputation cannot be cut: each sum depends on the others' genotypes")
        keep = set(samples)
        every = self.scores[0].samples if self.scores else []
        rows = np.fromiter((row for row, name in enumerate(every) if name in keep), dtype=np.intp)
        missing = keep - {every[row] for row in rows.tolist()}
        if missing:
            raise ValueError(f"sample(s) not in this run: {', '.join(sorted(missing))}")
        names = [every[row] for row in rows.tolist()]
        cut = [
            replace(
                sums,
                samples=names,
                sums=sums.sums[rows],
                denom=sums.denom[rows],
                missing=sums.missing[rows],
                expected_mean=sums.expected_mean[rows],
                expected_variance=sums.expected_variance[rows],
            )
            for sums in self.scores
        ]
        return replace(self, scores=cut)
