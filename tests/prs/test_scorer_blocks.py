"""The block scorer adds exactly what a per-variant loop of plink2's rules adds, to the last bit, in any block size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tailormed.engines.prs import scoring
from tailormed.engines.prs.frequency import variant_moments
from tailormed.engines.prs.matching import Matcher, MatchOptions
from tailormed.engines.prs.scoring import Imputation, Scorer, ScoreSums
from tailormed.knowledge.pgs_scoring import EffectType, read_scoring_file
from tailormed.model.dosage import MISSING_COPIES, SiteBlock
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.prs import read_scores, score_vcf

SAMPLES = 60  # at least 50: the cohort text reader and mean imputation by default
VARIANTS = 40
CALLS = ["0/0", "0/1", "1/0", "1/1", "./.", "./1", "0|1", "1", "."]
SHARES = [0.3, 0.2, 0.1, 0.2, 0.05, 0.05, 0.05, 0.03, 0.02]


def cohort(tmp_path: Path) -> tuple[Path, Path, list[list[str]], list[float], list[str]]:
    rng = np.random.default_rng(16)
    header = "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"])
    lines = ["##fileformat=VCFv4.2", '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']
    lines.append(header + "\t" + "\t".join(f"S{i}" for i in range(SAMPLES)))
    rows = ["chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_dominant\tis_recessive"]
    genotypes: list[list[str]] = []
    weights: list[float] = []
    kinds: list[str] = []
    for v in range(VARIANTS):
        calls = [CALLS[int(i)] for i in rng.choice(len(CALLS), size=SAMPLES, p=SHARES)]
        if v == 7:
            calls = ["./."] * SAMPLES  # nobody called: the mean is 0
        genotypes.append(calls)
        lines.append("\t".join(["1", str(1000 + v), ".", "A", "G", ".", ".", ".", "GT", *calls]))
        weight = float(rng.normal(0, 0.3))
        kind = ["additive", "dominant", "recessive"][v % 3]
        flip = v % 4 == 1  # the effect allele is the REF
        dominant, recessive = str(kind == "dominant"), str(kind == "recessive")
        effect, other = ("A", "G") if flip else ("G", "A")
        rows.append(f"1\t{1000 + v}\t{effect}\t{other}\t{weight!r}\t{dominant}\t{recessive}")
        weights.append(weight)
        kinds.append(kind + (":ref" if flip else ""))
    vcf = tmp_path / "cohort.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    score = tmp_path / "PGS000998.txt"
    score.write_text("#pgs_id=PGS000998\n#genome_build=GRCh38\n" + "\n".join(rows) + "\n")
    return vcf, score, genotypes, weights, kinds


def per_variant(
    genotypes: list[list[str]], weights: list[float], kinds: list[str], imputation: Imputation
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """plink2's --score arithmetic, one variant after the other."""
    sums = np.zeros(SAMPLES)
    denom = np.zeros(SAMPLES)
    for calls, weight, kind in zip(genotypes, weights, kinds, strict=True):
        effect = "0" if kind.endswith(":ref") else "1"
        dosage = np.full(SAMPLES, np.nan)
        for i, call in enumerate(calls):
            alleles = call.replace("|", "/").split("/")
            alleles = alleles * 2 if len(alleles) == 1 else alleles
            if "." not in alleles:
                dosage[i] = float(alleles.count(effect))
        missing = np.isnan(dosage)
        called = dosage[~missing]
        # the mean fill is the called effect-allele copies' mean: twice the frequency, the frequency itself for
        # dominant and recessive weights
        mean = float(np.sum(called)) / len(called) if len(called) else 0.0
        if kind.startswith("dominant"):
            dosage, mean = np.minimum(dosage, 1.0), mean / 2.0
        elif kind.startswith("recessive"):
            dosage, mean = np.where(missing, np.nan, np.maximum(dosage - 1.0, 0.0)), mean / 2.0
        if imputation is Imputation.MEAN:
            fill = mean
            denom += 2.0
        else:
            fill = 0.0
            denom += np.where(missing, 0.0, 2.0)
        sums = sums + np.where(missing, fill, dosage) * weight
    return sums, denom


def _score(vcf: Path, score: Path, imputation: Imputation) -> ScoreSums:
    """``prs score``'s result for the one score of ``score`` over ``vcf``, every variant kept."""
    run = score_vcf(
        vcf,
        read_scores([score]),
        None,
        build=GenomeBuild.GRCH38,
        options=MatchOptions(min_overlap=0.0),
        imputation=imputation,
    )
    return run.scores[0]


@pytest.mark.parametrize("block", [1, 7, 512])
@pytest.mark.parametrize("imputation", [Imputation.MEAN, Imputation.NONE])
@pytest.mark.parametrize("short_sums", [True, False])  # per-variant counts in 16-bit or (more samples) 32-bit sums
def test_block_sums_equal_a_per_variant_loop_bit_for_bit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, imputation: Imputation, short_sums: bool
) -> None:
    monkeypatch.setattr(scoring, "BLOCK", block)
    if not short_sums:
        monkeypatch.setattr(scoring, "SHORT_SUMS_SAMPLES", SAMPLES - 1)
    vcf, score, genotypes, weights, kinds = cohort(tmp_path)
    result = _score(vcf, score, imputation)
    assert result.match.matched == VARIANTS
    sums, denom = per_variant(genotypes, weights, kinds, imputation)
    np.testing.assert_array_equal(result.sums, sums)
    np.testing.assert_array_equal(result.denom, denom)
    expected_missing = [sum("." in calls[i] for calls in genotypes) for i in range(SAMPLES)]
    assert result.missing.tolist() == expected_missing


@pytest.mark.parametrize("block", [1, 7, 512])
@pytest.mark.parametrize("imputation", [Imputation.MEAN, Imputation.NONE])
def test_expected_moments_equal_a_per_variant_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, imputation: Imputation
) -> None:
    """The scoring file's effect-allele frequencies (given for some rows only) give the expected mean and variance
    of each sample's SUM as a per-variant loop adds them (without imputation, only over the sample's called ones)."""
    monkeypatch.setattr(scoring, "BLOCK", block)
    vcf, score, genotypes, weights, kinds = cohort(tmp_path)
    lines = score.read_text().splitlines()
    frequencies = [0.1 + 0.02 * v if v % 3 else None for v in range(VARIANTS)]
    head = lines[:3]
    head[2] += "\tallelefrequency_effect"
    body = [f"{line}\t{'' if f is None else f}" for line, f in zip(lines[3:], frequencies, strict=True)]
    score.write_text("\n".join(head + body) + "\n")
    result = _score(vcf, score, imputation)
    mean, variance = np.zeros(SAMPLES), np.zeros(SAMPLES)
    for calls, weight, kind, frequency in zip(genotypes, weights, kinds, frequencies, strict=True):
        if frequency is None:
            continue
        moments = variant_moments(frequency, weight, EffectType(kind.removesuffix(":ref")))
        called = np.array(["." not in call for call in calls])
        keep = called if imputation is Imputation.NONE else np.ones(SAMPLES, dtype=bool)
        mean = mean + np.where(keep, moments.mean, 0.0)
        variance = variance + np.where(keep, moments.variance, 0.0)
    np.testing.assert_array_equal(result.expected_mean, mean)
    np.testing.assert_array_equal(result.expected_variance, variance)
    assert result.without_frequency == sum(f is None for f in frequencies)


def test_mean_fill_of_a_large_cohort_counts_in_wide_integers(tmp_path: Path) -> None:
    """11,000 samples, all but one missing at a variant: its code sum (3 per missing call) is beyond 16-bit integers,
    and the mean fill is still the one called sample's dosage."""
    samples = 11_000
    assert samples > scoring.SHORT_SUMS_SAMPLES
    path = tmp_path / "PGS000997.txt"
    path.write_text(
        "#pgs_id=PGS000997\n#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
        "1\t100\tG\tA\t0.3\n1\t200\tG\tA\t-0.7\n"
    )
    score = read_scoring_file(path)
    codes = np.full((2, samples), MISSING_COPIES, dtype=np.int8)
    codes[0, 0] = 2  # the one called sample of the first variant: ALT/ALT
    codes[1] = np.arange(samples) % 3  # the second: everyone called
    block = SiteBlock(
        chrom=["chr1", "chr1"],
        pos=[100, 200],
        ids=[".", "."],
        refs=["A", "A"],
        alts=[("G",), ("G",)],
        locations=["line 1", "line 2"],
        alt_counts=codes,
    )
    matcher = Matcher([score], GenomeBuild.GRCH38, MatchOptions(min_overlap=0.0))
    scorer = Scorer(matcher.results, [f"S{i}" for i in range(samples)], Imputation.MEAN)
    scorer.add_block(matcher.add_block(block))
    scorer.add(matcher.finish())
    result = scorer.results()[0]
    first = np.where(codes[0] == MISSING_COPIES, 2.0, codes[0].astype(np.float64)) * 0.3
    expected = (np.zeros(samples) + first) + codes[1].astype(np.float64) * -0.7
    np.testing.assert_array_equal(result.sums, expected)
