"""Our SUM and DENOM equal ``plink2 --score`` (Debian's plink2, run here) on the same matched variants to 1e-5.

plink2 reads the same VCF; the score file it gets lists, for every variant we kept, the target variant and the
allele we count, so the comparison isolates dosage reading, haploid chrX, mean imputation and summation.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tailormed.engines.prs.matching import MatchOptions
from tailormed.engines.prs.scoring import Imputation, ScoreSums
from tailormed.evidence import open_vcf, read_genomes
from tailormed.model.evidence import GenomeRequest, ScoreSites
from tailormed.model.genotype import BuildDetection, BuildSource, GenomeBuild
from tailormed.pipeline.prs import read_scores, score_vcf

PLINK2 = shutil.which("plink2")
pytestmark = pytest.mark.skipif(PLINK2 is None, reason="plink2 is not installed (CI installs it)")


def _alleles_by_id(vcf: Path, build: GenomeBuild) -> dict[str, tuple[str, ...]]:
    wanted = ScoreSites.at(sorted(_all_positions(vcf)))
    batch = read_genomes(vcf, GenomeRequest(scores={build: wanted}), samples=[], build=build)
    return {
        record.target_id: (record.ref, *record.alts) for group in batch.score_groups or [] for record in group.records
    }


def _all_positions(vcf: Path) -> set[tuple[str, int]]:
    from tailormed.model.chrom import canonical_chrom

    with open_vcf(vcf) as opened:
        return {(canonical_chrom(r.CHROM) or "", r.POS) for r in opened.records()}


def _plink2_sums(
    vcf: Path, result: ScoreSums, workdir: Path, no_mean_imputation: bool, build: GenomeBuild
) -> dict[str, tuple[float, ...]]:
    alleles = _alleles_by_id(vcf, build)
    score_file = workdir / "score.tsv"
    with score_file.open("w") as handle:
        handle.write("ID\tA1\tW\n")
        for chosen in result.match.selected:
            handle.write(f"{chosen.target_id}\t{alleles[chosen.target_id][chosen.allele]}\t{chosen.weight!r}\n")
    modifiers = ["header", "cols=+scoresums,+denom"] + (["no-mean-imputation"] if no_mean_imputation else [])
    subprocess.run(
        [
            str(PLINK2),
            "--vcf",
            str(vcf),
            "--set-all-var-ids",
            "@:#:$r:$a",
            "--new-id-max-allele-len",
            "1000",
            "--score",
            str(score_file),
            "1",
            "2",
            "3",
            *modifiers,
            "--threads",
            "1",
            "--out",
            str(workdir / "plink"),
        ],
        check=True,
        capture_output=True,
    )
    with (workdir / "plink.sscore").open() as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {row["#IID"]: (float(row["SCORE1_SUM"]), float(row["DENOM"])) for row in rows}


def _compare(result: ScoreSums, plink: dict[str, tuple[float, float]]) -> float:
    assert set(plink) == set(result.samples)
    ours = np.array([result.sums[i] for i in range(len(result.samples))])
    theirs = np.array([plink[sample][0] for sample in result.samples])
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(result.denom, [plink[sample][1] for sample in result.samples])
    return float(np.max(np.abs(ours - theirs)))


@pytest.mark.shared
def test_1000g_grch38_pgs001229_equals_plink2(kg_vcf: Path, pgs_dir: Path, tmp_path: Path) -> None:
    scores = read_scores([pgs_dir / "PGS001229_hmPOS_GRCh38.normalised.txt.gz"])
    build = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="test")
    run = score_vcf(kg_vcf, scores, None, build=build.build, options=MatchOptions(min_overlap=0.0))
    result = run.scores[0]
    assert result.match.matched == 920  # 1,004 records; 66 strand-ambiguous, the rest absent from the score
    assert any(chosen.target_id.startswith("X:") for chosen in result.match.selected)  # haploid male calls
    _compare(result, _plink2_sums(kg_vcf, result, tmp_path, no_mean_imputation=False, build=GenomeBuild.GRCH38))


@pytest.mark.shared
def test_cineca_grch37_pgs001229_22_equals_plink2_with_mean_imputation(
    cineca_vcf: Path, pgs_dir: Path, tmp_path: Path
) -> None:
    scores = read_scores([pgs_dir / "PGS001229_22.GRCh37.txt"])
    build = BuildDetection(build=GenomeBuild.GRCH37, source=BuildSource.USER, detail="test")
    run = score_vcf(cineca_vcf, scores, None, build=build.build)
    result = run.scores[0]
    assert run.imputation is Imputation.MEAN  # 2,504 samples: pgsc_calc keeps plink2's mean imputation
    assert result.match.match_rate >= 0.75
    assert result.missing.sum() > 0  # the cohort has missing calls, so imputation is exercised
    _compare(result, _plink2_sums(cineca_vcf, result, tmp_path, no_mean_imputation=False, build=GenomeBuild.GRCH37))


@pytest.mark.shared
def test_cineca_without_imputation_equals_plink2_no_mean_imputation(
    cineca_vcf: Path, pgs_dir: Path, tmp_path: Path
) -> None:
    scores = read_scores([pgs_dir / "PGS001229_22.GRCh37.txt"])
    build = BuildDetection(build=GenomeBuild.GRCH37, source=BuildSource.USER, detail="test")
    run = score_vcf(cineca_vcf, scores, None, build=build.build, imputation=Imputation.NONE)
    _compare(
        run.scores[0],
        _plink2_sums(cineca_vcf, run.scores[0], tmp_path, no_mean_imputation=True, build=GenomeBuild.GRCH37),
    )
