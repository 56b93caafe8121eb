"""``prs score --absent-is-reference --reference FASTA`` on a single-sample VCF that lists only variant sites.

The test writes a reference genome, a score and a "complete" VCF (a record at every scored site, 0/0 where the
person is homozygous reference), then drops the 0/0 records. Scoring the sparse VCF with the FASTA must give the
sums of the complete VCF, which plink2 computes too (the hom-ref convention); without the FASTA the flag is refused.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tailormed.engines.prs.matching import MatchOptions, MatchType
from tailormed.engines.prs.scoring import Imputation
from tailormed.errors import InputError
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.prs import read_scores, score_vcf

BASES = "ACGT"
COMPLEMENT = str.maketrans("ACGT", "TGCA")


def _world(tmp_path: Path, seed: int = 7, sites: int = 60) -> tuple[Path, Path, Path, Path]:
    """FASTA (contig "1"), scoring file, complete and sparse single-sample VCFs."""
    rng = random.Random(seed)
    genome = "".join(rng.choice(BASES) for _ in range(5000))
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">1 test contig\n" + "\n".join(genome[i : i + 60] for i in range(0, len(genome), 60)) + "\n")
    header = [
        "##fileformat=VCFv4.2",
        "##contig=<ID=1,length=5000>",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP1",
    ]
    rows = ["chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight"]
    complete, sparse = list(header), list(header)
    for pos in sorted(rng.sample(range(10, 4990), sites)):
        ref = genome[pos - 1]
        alt = rng.choice([b for b in BASES if b not in (ref, ref.translate(COMPLEMENT))])  # never A/T or C/G
        effect, other = (ref, alt) if rng.random() < 0.5 else (alt, ref)
        if rng.random() < 0.2:  # reported on the other strand
            effect, other = effect.translate(COMPLEMENT), other.translate(COMPLEMENT)
        rows.append(f"1\t{pos}\t{effect}\t{other}\t{rng.uniform(-1, 1):.6f}")
        call = rng.choice(["0/0", "0/0", "0/0", "0/1", "1/1"])
        line = f"1\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t.\tGT\t{call}"
        complete.append(line)
        if call != "0/0":
            sparse.append(line)
    scoring = tmp_path / "PGS000999.txt"
    scoring.write_text("#format_version=2.0\n#pgs_id=PGS000999\n#genome_build=GRCh38\n" + "\n".join(rows) + "\n")
    full, partial = tmp_path / "complete.vcf", tmp_path / "sparse.vcf"
    full.write_text("\n".join(complete) + "\n")
    partial.write_text("\n".join(sparse) + "\n")
    return fasta, scoring, full, partial


def _score(vcf: Path, scoring: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    absent = bool(kwargs.pop("absent_is_reference", False))
    return score_vcf(
        vcf,
        read_scores([scoring]),
        None,
        build=GenomeBuild.GRCH38,
        options=MatchOptions(absent_is_reference=absent),
        imputation=Imputation.NONE,
        **kwargs,  # type: ignore[arg-type]
    ).scores[0]


def test_fasta_fills_absent_sites_with_the_hom_ref_sum(tmp_path: Path) -> None:
    fasta, scoring, full, sparse = _world(tmp_path)
    expected = _score(full, scoring)
    assert expected.match.matched == 60
    got = _score(sparse, scoring, absent_is_reference=True, reference=fasta)
    assert got.match.matched == 60
    assumed = [row for row in got.match.log if row.match_type is MatchType.ASSUMED_REFERENCE]
    assert len(assumed) == 60 - len(sparse.read_text().splitlines()) + 4  # every site the sparse VCF lacks
    np.testing.assert_allclose(got.sums, expected.sums, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(got.denom, expected.denom)
    without = _score(sparse, scoring)
    assert without.match.matched < 60  # absent sites are missing, not reference, without the flag


@pytest.mark.skipif(shutil.which("plink2") is None, reason="plink2 is not installed (CI installs it)")
def test_fasta_sum_equals_plink2_on_the_complete_vcf(tmp_path: Path) -> None:
    fasta, scoring, full, sparse = _world(tmp_path, seed=11, sites=80)
    got = _score(sparse, scoring, absent_is_reference=True, reference=fasta)
    genome = "".join(line for line in fasta.read_text().splitlines()[1:])
    plink_score = tmp_path / "plink.score"
    with plink_score.open("w") as handle:
        handle.write("ID\tA1\tW\n")
        for line in scoring.read_text().splitlines()[4:]:
            _, pos, effect, _other, weight = line.split("\t")
            ref = genome[int(pos) - 1]
            alt = next(line.split("\t")[4] for line in full.read_text().splitlines() if line.startswith(f"1\t{pos}\t"))
            a1 = effect if effect in (ref, alt) else effect.translate(COMPLEMENT)
            handle.write(f"1:{pos}:{ref}:{alt}\t{a1}\t{weight}\n")
    prefix = tmp_path / "plink"
    subprocess.run(
        [
            "plink2", "--vcf", str(full), "--set-all-var-ids", "@:#:$r:$a", "--score", str(plink_score), "header",
            "cols=+scoresums", "no-mean-imputation", "--threads", "1", "--out", str(prefix),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    lines = (tmp_path / "plink.sscore").read_text().splitlines()
    columns = lines[0].lstrip("#").split("\t")
    plink_sum = float(lines[1].split("\t")[columns.index("SCORE1_SUM")])
    assert got.sums[0] == pytest.approx(plink_sum, abs=1e-5)


def test_absent_is_reference_without_a_known_reference_is_refused_by_the_cli(tmp_path: Path) -> None:
    fasta, scoring, _, sparse = _world(tmp_path)
    command = [sys.executable, "-m", "tailormed", "prs", "score", str(sparse), "--scoring", str(scoring)]
    refused = subprocess.run([*command, "--absent-is-reference", "--build", "GRCh38"], capture_output=True, text=True)
    assert refused.returncode == 2, refused.stderr
    assert "--absent-is-reference: PGS000999 variant chr1:" in refused.stderr
    assert "reference allele is unknown" in refused.stderr
    assert refused.stdout == ""
    scored = subprocess.run(
        [*command, "--absent-is-reference", "--reference", str(fasta), "--build", "GRCh38"],
        capture_output=True,
        text=True,
    )
    assert scored.returncode == 0, scored.stderr
    assert "60/60 variants matched" in scored.stderr


def test_a_fasta_of_another_genome_is_refused(tmp_path: Path) -> None:
    _, scoring, _, sparse = _world(tmp_path)
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    other, *_ = _world(elsewhere, seed=99)
    with pytest.raises(InputError, match="the FASTA disagrees with the VCF's REF"):
        _score(sparse, scoring, absent_is_reference=True, reference=other)


def test_missing_fasta_is_an_input_error(tmp_path: Path) -> None:
    _, scoring, _, sparse = _world(tmp_path)
    with pytest.raises(InputError, match="reference FASTA not found"):
        _score(sparse, scoring, absent_is_reference=True, reference=tmp_path / "nope.fa")
