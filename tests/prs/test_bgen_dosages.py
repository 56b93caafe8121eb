"""Polygenic scores from a BGEN file's imputed dosages (``prs score --bgen``): the sums of ``plink2 --bgen FILE
ref-first --score`` on the same file, for additive, dominant and recessive weights, with and without mean imputation;
a BGEN of hard calls scores exactly as the VCF it holds.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tailormed.engines.prs.matching import MatchOptions
from tailormed.engines.prs.scoring import Imputation
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.prs import read_scores, score_bgen

PLINK2 = shutil.which("plink2")
SAMPLES = 120
VARIANTS = 90
#: plink2 stores a dosage in 1/16384 steps: each scored dosage it sums may differ from the exact one by half a step.
PLINK2_DOSAGE_STEP = 1 / 16384


def _imputed(tmp_path: Path, kind: str, hard: bool = False) -> tuple[Path, Path, Path]:
    """A BGEN of imputed-looking probabilities (a few missing samples and one hard-call variant; only hard calls when
    ``hard``), its scoring file in the PGS Catalog format (``kind`` weights, every fourth effect allele the REF) and
    the same weights for plink2."""
    from bgen import BgenWriter

    rng = np.random.default_rng(7)
    samples = [f"S{i}" for i in range(SAMPLES)]
    rows = ["chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_dominant\tis_recessive"]
    plink = ["ID\tA1\tW"]
    path = tmp_path / f"imputed_{kind}.bgen"
    with BgenWriter(str(path), SAMPLES, samples=samples, compression="zlib") as writer:
        for v in range(VARIANTS):
            probabilities = rng.dirichlet([0.6, 0.4, 0.3], size=SAMPLES)
            if v == 5 or hard:  # hard calls only
                probabilities = np.eye(3)[rng.integers(0, 3, size=SAMPLES)]
            probabilities[rng.random(SAMPLES) < 0.03] = np.nan  # missing
            pos = 16_050_000 + 100 * v
            writer.add_variant(f"v{v}", f"rs{v}", "22", pos, ["C", "T"], probabilities, bit_depth=8)
            weight = float(rng.normal(0, 0.3))
            effect, other = ("C", "T") if v % 4 == 1 else ("T", "C")
            rows.append(f"22\t{pos}\t{effect}\t{other}\t{weight!r}\t{kind == 'dominant'}\t{kind == 'recessive'}")
            plink.append(f"22:{pos}:C:T\t{effect}\t{weight!r}")
    (tmp_path / f"imputed_{kind}.sample").write_text(
        "ID_1 ID_2 missing\n0 0 0\n" + "".join(f"{s} {s} 0\n" for s in samples)
    )
    score = tmp_path / f"PGS_{kind}.txt"
    score.write_text(f"#pgs_id=PGS_{kind}\n#genome_build=GRCh37\n" + "\n".join(rows) + "\n")
    weights = tmp_path / f"plink_{kind}.tsv"
    weights.write_text("\n".join(plink) + "\n")
    return path, score, weights


def _plink2(bgen: Path, weights: Path, kind: str, imputation: Imputation, out: Path) -> dict[str, tuple[float, float]]:
    modifiers = [] if kind == "additive" else [kind]
    modifiers += ["no-mean-imputation"] if imputation is Imputation.NONE else []
    command = [str(PLINK2), "--bgen", str(bgen), "ref-first", "--sample", str(bgen.with_suffix(".sample")),
               "--set-all-var-ids", "@:#:$r:$a", "--score", str(weights), "1", "2", "3", "header",
               "cols=+scoresums,+denom", *modifiers, "--threads", "1", "--out", str(out)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    with Path(f"{out}.sscore").open() as handle:
        return {row["IID"]: (float(row["SCORE1_SUM"]), float(row["DENOM"])) for row in csv.DictReader(
            handle, delimiter="\t")}  # fmt: skip


@pytest.mark.skipif(PLINK2 is None, reason="plink2 is not installed (CI installs it)")
@pytest.mark.parametrize("imputation", [Imputation.MEAN, Imputation.NONE])
@pytest.mark.parametrize("kind", ["additive", "dominant", "recessive"])
def test_imputed_dosages_score_as_plink2_scores_the_bgen(tmp_path: Path, kind: str, imputation: Imputation) -> None:
    bgen, score, weights = _imputed(tmp_path, kind)
    run = score_bgen(bgen, read_scores([score]), GenomeBuild.GRCH37, options=MatchOptions(), imputation=imputation)
    result = run.scores[0]
    assert result.match.matched == VARIANTS
    plink = _plink2(bgen, weights, kind, imputation, tmp_path / "plink")
    assert list(plink) == result.samples
    expected = np.array([plink[sample][0] for sample in result.samples])
    # plink2 prints six significant digits and sums dosages rounded to its 1/16384 steps
    step = sum(abs(chosen.weight) for chosen in result.match.selected) * PLINK2_DOSAGE_STEP / 2
    assert np.all(np.abs(result.sums - expected) <= np.abs(expected) * 5e-6 + step + 1e-6)
    assert result.denom.tolist() == [plink[sample][1] for sample in result.samples]
    assert result.missing.sum() > 0


@pytest.mark.skipif(PLINK2 is None, reason="plink2 is not installed (CI installs it)")
@pytest.mark.parametrize("kind", ["additive", "dominant", "recessive"])
def test_hard_calls_with_missing_genotypes_score_as_plink2_fills_them(tmp_path: Path, kind: str) -> None:
    """Mean imputation of hard calls: a missing genotype counts twice the effect allele's frequency for additive
    weights and the frequency itself for dominant and recessive ones, as plink2 fills it."""
    bgen, score, weights = _imputed(tmp_path, kind, hard=True)
    run = score_bgen(bgen, read_scores([score]), GenomeBuild.GRCH37, options=MatchOptions(), imputation=Imputation.MEAN)
    result = run.scores[0]
    plink = _plink2(bgen, weights, kind, Imputation.MEAN, tmp_path / "plink")
    expected = np.array([plink[sample][0] for sample in result.samples])
    assert result.missing.sum() > 0
    assert np.all(np.abs(result.sums - expected) <= np.abs(expected) * 5e-6 + 1e-6)


def _prs_score(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from tailormed.cli import main; main()", "prs", "score", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_prs_score_bgen_writes_the_dosage_sums_and_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    bgen, score, _ = _imputed(tmp_path, "additive")
    sample = tmp_path / "renamed.sample"
    sample.write_text("ID_1 ID_2 missing\n0 0 0\n" + "".join(f"P{i} P{i} 0\n" for i in range(SAMPLES)))
    table = tmp_path / "scores.tsv"
    done = _prs_score("--bgen", str(bgen), "--bgen-sample", str(sample), "--build", "GRCh37", "--scoring",
                      str(score), "-s", "P3", "-s", "P1", "-o", str(table))  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(table.open(), delimiter="\t"))
    run = score_bgen(bgen, read_scores([score]), GenomeBuild.GRCH37, sample_file=sample, samples=["P3", "P1"])
    assert [row["IID"] for row in rows] == ["P3", "P1"]
    np.testing.assert_allclose([float(row["SUM"]) for row in rows], run.scores[0].sums, rtol=1e-6)

    bad = tmp_path / "bad.sample"
    bad.write_text("ID_1 ID_2 missing\n0 0 0\nP0 P0\n")
    truncated = tmp_path / "truncated.bgen"  # no index beside it: its headers are walked, and end too soon
    truncated.write_bytes(bgen.read_bytes()[: bgen.stat().st_size // 2])
    shutil.copy(bgen.with_suffix(".sample"), truncated.with_suffix(".sample"))
    cases = [
        (["--bgen", str(bgen), "--scoring", str(score)], bgen.name, "names no genome build"),
        (["--bgen", str(bgen), "--bgen-sample", str(bad), "--build", "GRCh37", "--scoring", str(score)], "bad.sample",
         "line 3"),
        (["--bgen", str(tmp_path / "none.bgen"), "--build", "GRCh37", "--scoring", str(score)], "none.bgen",
         "not found"),
        ([str(tmp_path / "x.vcf"), "--bgen-sample", str(sample), "--scoring", str(score)], "renamed.sample",
         "give --bgen"),
        ([str(tmp_path / "x.vcf"), "--bgen", str(bgen), "--scoring", str(score)], "", "give one of"),
        (["--bgen", str(truncated), "--build", "GRCh37", "--scoring", str(score)], "truncated.bgen",
         "not a readable BGEN file"),
    ]  # fmt: skip
    for args, named, problem in cases:
        failed = _prs_score(*args, "-o", str(tmp_path / "never.tsv"))
        assert failed.returncode != 0 and named in failed.stderr and problem in failed.stderr, (args, failed.stderr)
    assert not (tmp_path / "never.tsv").exists()
