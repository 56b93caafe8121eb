"""``tailormed cohort run --regions FILE.bed``: every analysis reads only the records inside the BED regions
(0-based, half-open), so the tables equal those of the cohort cut to the same regions by ``bcftools view -T``; a
bad BED line stops the run naming the file and the line.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from tailormed.cohort.plan import Analysis
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.cohort.tables import read_table
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.genotype import GenomeBuild

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(
        shutil.which("bcftools") is None or shutil.which("plink2") is None,
        reason="needs bcftools and plink2 (CI installs them)",
    ),
]
ANALYSES = [Analysis.PGX, Analysis.HEREDITARY, Analysis.PRS]
TABLES = ("pgx_calls.parquet", "pgx_recommendations.parquet", "hereditary.parquet", "prs_scores.parquet")
#: Chromosomes 1 to 12 whole, and on chromosome 13 only its first 32 Mb (BRCA2 starts after it).
BED = "".join(f"chr{n}\t0\t250000000\n" for n in range(1, 13)) + "# cut\nchr13\t0\t32000000\tpart\n"


def test_regions_restrict_every_analysis_as_bcftools_cuts_the_file(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, pgs_dir: Path, tmp_path: Path
) -> None:
    bed = tmp_path / "regions.bed"
    bed.write_text(BED)
    cut = tmp_path / "cut.vcf"
    subprocess.run(["bcftools", "view", "-T", str(bed), "-o", str(cut), str(pgx_cohort_vcf)], check=True)
    prefix = tmp_path / "cohort"
    subprocess.run(["plink2", "--vcf", str(pgx_cohort_vcf), "--make-pgen", "--threads", "1", "--out", str(prefix)],
                   check=True, capture_output=True)  # fmt: skip
    plan = partial(plan_run, analyses=ANALYSES, scoring=[pgs_dir / "PGS001229_hmPOS_GRCh38.normalised.txt.gz"],
                   kb=cohort_bundle.root, build=GenomeBuild.GRCH38, block_size=10, min_overlap=0.001)  # fmt: skip
    manifest = run_cohort(plan(vcf=pgx_cohort_vcf, pgen=None, restrict_to=bed), tmp_path / "restricted")
    assert manifest["input"]["regions"] == str(bed) and str(bed) in {f["path"] for f in manifest["files"]}
    run_cohort(plan(vcf=pgx_cohort_vcf, pgen=None), tmp_path / "whole")
    run_cohort(plan(vcf=cut, pgen=None), tmp_path / "cut")
    run_cohort(plan(vcf=None, pgen=prefix, restrict_to=bed), tmp_path / "fileset")
    for table in TABLES:
        restricted = read_table(tmp_path / "restricted", table)
        assert restricted.equals(read_table(tmp_path / "cut", table)), table
        assert restricted.equals(read_table(tmp_path / "fileset", table)), table
    scores = read_table(tmp_path / "restricted", "prs_scores.parquet").to_pydict()
    whole = read_table(tmp_path / "whole", "prs_scores.parquet").to_pydict()
    assert max(scores["variants_matched"]) < min(whole["variants_matched"])
    genes = {row["gene"] for row in read_table(tmp_path / "restricted", "hereditary.parquet").to_pylist()}
    assert "BRCA2" not in genes and "BRCA2" in {
        row["gene"] for row in read_table(tmp_path / "whole", "hereditary.parquet").to_pylist()
    }


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from tailormed.cli import main; main()", "cohort", "run", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("chr1\t100\n", "a BED line needs CHROM, START, END"),
        ("chr1\tten\t200\n", "must be whole numbers"),
        ("chr1\t200\t200\n", "0 <= START < END"),
        ("chrUn_gl000220\t1\t200\n", "not a chromosome"),
    ],
)
def test_a_bad_bed_line_stops_the_run_naming_the_file_and_line(
    pgx_cohort_vcf: Path, tmp_path: Path, line: str, problem: str
) -> None:
    bed = tmp_path / "bad.bed"
    bed.write_text("# regions\nchr1\t0\t1000\n" + line)
    out = tmp_path / "out"
    failed = _cli("--vcf", str(pgx_cohort_vcf), "--analyses", "hereditary", "--regions", str(bed), "--out", str(out))
    assert failed.returncode != 0
    assert "bad.bed" in failed.stderr and "line 3" in failed.stderr and problem in failed.stderr, failed.stderr
    assert not out.exists()
