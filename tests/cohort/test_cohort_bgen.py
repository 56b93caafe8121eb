"""``tailormed cohort run --bgen FILE.bgen [--sample FILE.sample]``: a BGEN written by plink2 from a VCF gives
plink2's scores on that BGEN and the VCF's pgx and hereditary tables; a broken BGEN or ``.sample`` stops the run
before anything is written.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from tailormed.cohort.plan import Analysis
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.cohort.tables import read_table
from tailormed.engines.prs.scoring import Imputation
from tailormed.evidence import open_vcf
from tailormed.evidence.bgen import BgenInput, read_bgen_sites, write_bgen_vcf
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.prs import read_scores, score_bgen, score_vcf

PLINK2 = shutil.which("plink2")
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(PLINK2 is None, reason="plink2 is not installed (CI installs it)"),
]
ENGINES = [Analysis.PGX, Analysis.HEREDITARY]


def _bgen(vcf: Path, out: Path, version: str = "bgen-1.2") -> Path:
    """``plink2 --export bgen-1.x bits=8 ref-first``: the first allele of each variant is the VCF's REF."""
    command = [str(PLINK2), "--vcf", str(vcf), "--export", version, "bits=8", "ref-first", "--threads", "1"]
    subprocess.run([*command, "--out", str(out)], check=True, capture_output=True)
    return Path(f"{out}.bgen")


def _plink2_sums(bgen: Path, score: Path, workdir: Path) -> dict[str, tuple[float, float]]:
    command = [str(PLINK2), "--bgen", str(bgen), "ref-first", "--sample", str(bgen.with_suffix(".sample")),
               "--set-all-var-ids", "@:#:$r:$a", "--score", str(score), "1", "2", "3", "header",
               "cols=+scoresums,+denom", "no-mean-imputation", "--threads", "1"]  # fmt: skip
    command += ["--out", str(workdir / "plink")]
    subprocess.run(command, check=True, capture_output=True)
    with (workdir / "plink.sscore").open() as handle:
        return {row["#IID"]: (float(row["SCORE1_SUM"]), float(row["DENOM"])) for row in csv.DictReader(
            handle, delimiter="\t")}  # fmt: skip


def test_prs_from_a_bgen_equals_plink2_on_it_and_the_vcf_run(cineca_vcf: Path, pgs_dir: Path, tmp_path: Path) -> None:
    """2,504 CINECA people (a few missing calls) in two blocks: the sums are plink2's on the same BGEN, counting
    the alleles the match chose, and the whole table is the VCF run's."""
    bgen = _bgen(cineca_vcf, tmp_path / "cineca")
    score_file = pgs_dir / "PGS001229_22.GRCh37.txt"
    plan = partial(plan_run, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], block_size=1300)
    manifest = run_cohort(plan(vcf=None, bgen=bgen, build=GenomeBuild.GRCH37), tmp_path / "bgen")
    assert manifest["input"] == {"kind": "bgen", "path": str(bgen), "sample_file": str(bgen.with_suffix(".sample"))}
    run_cohort(plan(vcf=cineca_vcf), tmp_path / "vcf")
    found = read_table(tmp_path / "bgen", "prs_scores.parquet")
    assert found.num_rows == 2504 and found.equals(read_table(tmp_path / "vcf", "prs_scores.parquet"))
    assert sum(found["missing_genotypes"].to_pylist()) > 0

    run = score_vcf(cineca_vcf, read_scores([score_file]), None, build=GenomeBuild.GRCH37, imputation=Imputation.NONE)
    chosen = run.scores[0].match.selected
    score = tmp_path / "score.tsv"
    lines = [f"{c.target_id}\t{c.target_id.split(':')[2 + c.allele]}\t{c.weight!r}" for c in chosen]
    score.write_text("ID\tA1\tW\n" + "\n".join(lines) + "\n")
    plink = _plink2_sums(bgen, score, tmp_path)
    table = found.to_pydict()
    assert list(plink) == table["sample"]
    # plink2 writes six significant digits
    np.testing.assert_allclose(table["sum"], [plink[s][0] for s in table["sample"]], rtol=1e-5, atol=1e-6)
    assert table["denom"] == [plink[s][1] for s in table["sample"]]


@pytest.mark.parametrize("phased", [True, False], ids=["phased", "unphased"])
def test_engines_on_a_bgen_write_the_tables_of_the_vcf_it_was_made_from(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, tmp_path: Path, phased: bool
) -> None:
    """pgx and hereditary from a BGEN (1.3 phased, 1.2 unphased) equal the VCF run, phase kept, samples in another
    order than the file lists them, two blocks. plink2 writes no multi-allelic variant to BGEN, so both runs read
    the cohort without its multi-allelic records."""
    vcf = tmp_path / "biallelic.vcf"
    lines = pgx_cohort_vcf.read_text().splitlines(keepends=True)
    kept = [line for line in lines if line.startswith("#") or "," not in line.split("\t", 5)[4]]
    assert len(kept) < len(lines)
    vcf.write_text(
        "".join(kept if phased else [line if line.startswith("#") else line.replace("|", "/") for line in kept])
    )
    bgen = _bgen(vcf, tmp_path / "cohort", "bgen-1.3" if phased else "bgen-1.2")
    with open_vcf(vcf) as opened:
        samples = list(reversed(opened.samples))[:20]
    plan = partial(plan_run, pgen=None, kb=cohort_bundle.root, block_size=12, build=GenomeBuild.GRCH38,
                   samples=samples, analyses=ENGINES)  # fmt: skip
    manifest = run_cohort(plan(vcf=None, bgen=bgen), tmp_path / "bgen")
    assert manifest["engines_skipped"] == {}
    run_cohort(plan(vcf=vcf), tmp_path / "vcf")
    for table in ("pgx_calls.parquet", "pgx_recommendations.parquet", "hereditary.parquet"):
        found = read_table(tmp_path / "bgen", table)
        assert found.num_rows > 0 and found.equals(read_table(tmp_path / "vcf", table)), table
    carriers = read_table(tmp_path / "bgen", "hereditary.parquet").to_pylist()
    assert carriers and all(("|" if phased else "/") in row["genotype"] for row in carriers)


def test_uncertain_genotypes_are_missing_for_the_engines_and_dosages_for_scores(tmp_path: Path) -> None:
    """A genotype whose best probability is under 0.9 is written missing for the engines; scores read each sample's
    expected ALT copies (a haploid sample's doubled), and a variant of hard calls its calls."""
    from bgen import BgenWriter

    path = tmp_path / "imputed.bgen"
    with BgenWriter(str(path), 3, samples=["a", "b", "c"]) as writer:
        probabilities = np.array([[0.05, 0.95, 0.0], [0.5, 0.4, 0.1], [0.0, 0.0, 1.0]])
        writer.add_variant("v1", "rs1", "22", 100, ["G", "A"], probabilities, bit_depth=16)
        haploid = np.array([[0.25, 0.75, np.nan], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        writer.add_variant("v2", "rs2", "22", 150, ["G", "A"], haploid, ploidy=np.array([1, 2, 2]), bit_depth=16)
        writer.add_variant("v3", "rs3", "22", 180, ["C", "T"], np.eye(3)[[2, 1, 0]])
    source = BgenInput.open(path)
    out = tmp_path / "calls.vcf"
    assert len(write_bgen_vcf(source, [("chr22", 1, 120)], ["c", "a", "b"], out)) == 1
    assert out.read_text().splitlines()[-1].split("\t")[-3:] == ["1/1", "0/1", "./."]
    groups = list(read_bgen_sites(source, [("chr22", 100), ("chr22", 150), ("chr22", 180)], ["c", "a", "b"]))
    imputed, haploid_site, called = (group.records[0] for group in groups)
    np.testing.assert_allclose(imputed.dosage(1), [2.0, 0.95, 0.6], atol=1e-4)
    np.testing.assert_allclose(haploid_site.dosage(1), [1.0, 1.5, 0.0], atol=1e-4)
    assert called.dosages is None and called.alleles.tolist() == [[0, 0], [1, 1], [0, 1]]


def test_a_cohort_run_scores_imputed_dosages_as_prs_score_bgen_does(tmp_path: Path) -> None:
    """Imputed probabilities (missing samples included) in three blocks: each person's sum is the one ``prs score
    --bgen`` gives without imputation, to the last bit."""
    from bgen import BgenWriter

    rng = np.random.default_rng(3)
    samples = [f"P{i}" for i in range(60)]
    path = tmp_path / "imputed.bgen"
    rows = ["chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight"]
    with BgenWriter(str(path), len(samples), samples=samples) as writer:
        for v in range(40):
            probabilities = rng.dirichlet([0.5, 0.4, 0.3], size=len(samples))
            probabilities[rng.random(len(samples)) < 0.05] = np.nan
            writer.add_variant(f"v{v}", f"rs{v}", "22", 20_000_000 + 10 * v, ["A", "G"], probabilities)
            rows.append(f"22\t{20_000_000 + 10 * v}\tG\tA\t{rng.normal(0, 0.2)!r}")
    score = tmp_path / "PGS_IMPUTED.txt"
    score.write_text("#pgs_id=PGS_IMPUTED\n#genome_build=GRCh37\n" + "\n".join(rows) + "\n")
    plan = plan_run(vcf=None, pgen=None, bgen=path, build=GenomeBuild.GRCH37, analyses=[Analysis.PRS],
                    scoring=[score], block_size=25)  # fmt: skip
    run_cohort(plan, tmp_path / "out")
    table = read_table(tmp_path / "out", "prs_scores.parquet").to_pydict()
    alone = score_bgen(path, read_scores([score]), GenomeBuild.GRCH37, imputation=Imputation.NONE).scores[0]
    assert table["sample"] == alone.samples
    assert table["sum"] == alone.sums.tolist() and table["denom"] == alone.denom.tolist()
    assert sum(table["missing_genotypes"]) > 0 and len(set(np.round(table["sum"], 6))) > 50


def test_a_run_reads_a_bgen_through_an_index_built_once_or_the_one_beside_it(tmp_path: Path) -> None:
    """Without a ``.bgi`` the run builds one in its output folder (reused when the run resumes) and every block
    seeks through it; with one beside the file (here the ``bgen`` package's) that one is used; the tables are those
    of the walk over every variant header that ``prs score --bgen`` does on a file without an index."""
    from bgen import BgenWriter

    rng = np.random.default_rng(5)
    samples = [f"P{i}" for i in range(30)]
    rows = ["chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight"]
    beside = tmp_path / "beside" / "imputed.bgen"
    beside.parent.mkdir()
    with BgenWriter(str(beside), len(samples), samples=samples) as writer:
        for chrom in ("21", "22"):
            for v in range(30):
                probabilities = rng.dirichlet([0.5, 0.4, 0.3], size=len(samples))
                writer.add_variant(f"v{v}", f"rs{chrom}_{v}", chrom, 1_000 + 700 * v, ["A", "G"], probabilities)
                if v % 3:
                    rows.append(f"{chrom}\t{1_000 + 700 * v}\tG\tA\t{rng.normal(0, 0.2)!r}")
    assert BgenInput.open(beside).index == Path(f"{beside}.bgi")
    bare = tmp_path / "bare" / "imputed.bgen"
    bare.parent.mkdir()
    shutil.copy(beside, bare)
    score = tmp_path / "PGS_INDEXED.txt"
    score.write_text("#pgs_id=PGS_INDEXED\n#genome_build=GRCh37\n" + "\n".join(rows) + "\n")
    plan = partial(plan_run, vcf=None, pgen=None, build=GenomeBuild.GRCH37, analyses=[Analysis.PRS],
                   scoring=[score], block_size=10)  # fmt: skip
    run_cohort(plan(bgen=beside), tmp_path / "with_index")
    assert not (tmp_path / "with_index" / "_bgen_index").exists()
    run_cohort(plan(bgen=bare), tmp_path / "built")
    built = list((tmp_path / "built" / "_bgen_index").glob("*/imputed.bgen.bgi"))
    assert len(built) == 1 and not Path(f"{bare}.bgi").exists()
    stamp = built[0].stat().st_mtime_ns
    shutil.rmtree(tmp_path / "built" / "_partitions")
    run_cohort(plan(bgen=bare), tmp_path / "built")  # the rerun computes every block again, from the same index
    assert built[0].stat().st_mtime_ns == stamp
    walked = score_bgen(bare, read_scores([score]), GenomeBuild.GRCH37, imputation=Imputation.NONE).scores[0]
    for out in ("with_index", "built"):
        table = read_table(tmp_path / out, "prs_scores.parquet").to_pydict()
        assert table["sample"] == walked.samples and table["sum"] == walked.sums.tolist(), out
        assert table["variants_matched"] == [40] * len(samples)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from tailormed.cli import main; main()", "cohort", "run", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_a_broken_bgen_or_sample_file_stops_the_run_naming_the_file(cineca_vcf: Path, tmp_path: Path) -> None:
    bgen = _bgen(cineca_vcf, tmp_path / "cineca")
    sample = bgen.with_suffix(".sample")
    out = tmp_path / "out"
    run = partial(_cli, "--analyses", "hereditary", "--out", str(out))

    bad = tmp_path / "bad.sample"
    bad.write_text("ID_1 ID_2 missing\n0 0 0\n0 HG00096\n")
    truncated = tmp_path / "truncated.bgen"
    truncated.write_bytes(bgen.read_bytes()[:-500])
    fewer = tmp_path / "fewer.sample"
    fewer.write_text("".join(sample.read_text().splitlines(keepends=True)[:-1]))
    cases = [
        (["--bgen", str(bgen), "--build", "GRCh37", "--sample", str(tmp_path / "none.sample")], "none.sample",
         ".sample file not found"),
        (["--bgen", str(bgen), "--build", "GRCh37", "--sample", str(bad)], "bad.sample", "line 3"),
        (["--bgen", str(bgen), "--build", "GRCh37", "--sample", str(fewer)], "fewer.sample",
         "2503 samples, the BGEN holds 2504"),
        (["--bgen", str(truncated), "--build", "GRCh37", "--sample", str(sample)], "truncated.bgen",
         "not a readable BGEN file"),
        (["--bgen", str(bgen)], "cineca.bgen", "give --build"),
    ]  # fmt: skip
    for args, named, problem in cases:
        result = run(*args)
        message = " ".join((result.stdout + result.stderr).split())
        assert result.returncode != 0 and named in message and problem in message, message
        assert not out.exists()


def test_the_variants_written_are_those_inside_any_region(tmp_path: Path) -> None:
    """Nested and overlapping regions, chromosomes named either way: each variant inside one is written, once."""
    from bgen import BgenWriter

    path = tmp_path / "sites.bgen"
    hom = np.array([[1.0, 0.0, 0.0]])
    with BgenWriter(str(path), 1, samples=["a"]) as writer:
        for chrom, pos in [("22", 100), ("22", 200), ("22", 300), ("chr1", 200)]:
            writer.add_variant(f"v{pos}", f"rs{pos}", chrom, pos, ["G", "A"], hom)
    source = BgenInput.open(path)
    out = tmp_path / "calls.vcf"

    def written(regions: list[tuple[str, int, int]]) -> list[str]:
        write_bgen_vcf(source, regions, ["a"], out)
        return [":".join(line.split("\t")[:2]) for line in out.read_text().splitlines() if not line.startswith("#")]

    assert written([("chr22", 150, 250), ("chr22", 50, 400), ("chr22", 210, 220)]) == ["22:100", "22:200", "22:300"]
    assert written([("chr22", 50, 120), ("chr22", 90, 110), ("chr22", 250, 300)]) == ["22:100", "22:300"]
    assert written([("chr1", 1, 1000), ("chr22", 201, 299)]) == ["chr1:200"]
    assert written([]) == []
