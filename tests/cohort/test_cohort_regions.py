"""``tailormed cohort run --region-size``: scores computed in genomic ranges, each read once through the VCF index.

The region-partitioned run must write the same tables as the sample-block run (score sums added region after
region, so equal up to the order of float additions), resume without recomputing finished regions, and give the
same Parquet on Spark as locally. The cohort is the 24-person 1000 Genomes + synthetic PGx cohort of ``conftest.py``.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tailormed.cohort.plan import Analysis, CohortPlan, Engine
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.cohort.tables import read_table
from tailormed.cohort.tasks import marker_path, merge_regions
from tailormed.errors import InputError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.genotype import GenomeBuild

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(shutil.which("bgzip") is None or shutil.which("tabix") is None, reason="needs bgzip, tabix"),
]

ON = date(2026, 12, 3)
ANALYSES = [Analysis.PGX, Analysis.PRS, Analysis.HEREDITARY]
ENGINE_TABLES = ("pgx_calls.parquet", "pgx_recommendations.parquet", "hereditary.parquet")
#: Base pairs per region: the cohort's PGS001229 sites fall into two dozen ranges.
REGION_SIZE = 250_000_000


@pytest.fixture(scope="module")
def score_file(pgs_dir: Path) -> Path:
    return pgs_dir / "PGS001229_hmPOS_GRCh38.normalised.txt.gz"


@pytest.fixture(scope="module")
def indexed_vcf(pgx_cohort_vcf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("indexed") / "cohort.GRCh38.vcf.gz"
    with target.open("wb") as handle:
        subprocess.run(["bgzip", "-c", str(pgx_cohort_vcf)], stdout=handle, check=True)
    subprocess.run(["tabix", "-p", "vcf", str(target)], check=True)
    return target


def _plan(vcf: Path, bundle: KnowledgeBundle, score: Path, region_size: int | None, **extra: object) -> CohortPlan:
    return plan_run(
        vcf=vcf,
        pgen=None,
        analyses=ANALYSES,
        scoring=[score],
        build=GenomeBuild.GRCH38,
        min_overlap=0.01,  # the 1000 Genomes file holds 1,004 of PGS001229's 51,209 sites
        kb=bundle.root,
        block_size=12,
        on=ON,
        region_size=region_size,
        **extra,  # type: ignore[arg-type]
    )


def _assert_same_tables(left: Path, right: Path) -> None:
    for table in ENGINE_TABLES:
        assert read_table(left, table).equals(read_table(right, table)), table
    blocks, regions = read_table(left, "prs_scores.parquet"), read_table(right, "prs_scores.parquet")
    assert blocks.num_rows == regions.num_rows == 24
    for column in ("sample", "pgs_id", "denom", "missing_genotypes", "variants_matched", "variants_total",
                   "match_rate"):
        assert blocks.column(column).equals(regions.column(column)), column
    for column in ("sum", "avg"):  # added region after region: equal up to the order of float additions
        assert regions.column(column).to_pylist() == pytest.approx(blocks.column(column).to_pylist(), abs=1e-12)


def test_region_partitions_write_the_tables_of_the_sample_block_run(
    indexed_vcf: Path, cohort_bundle: KnowledgeBundle, score_file: Path, tmp_path: Path
) -> None:
    plan = _plan(indexed_vcf, cohort_bundle, score_file, REGION_SIZE)
    assert len(plan.regions) > 10 and all(r.end - r.start < REGION_SIZE for r in plan.regions)
    assert len(plan.units) == 2 + len(plan.regions)  # each block's engines, then each region's scores for everyone
    blocks = run_cohort(_plan(indexed_vcf, cohort_bundle, score_file, None), tmp_path / "blocks")
    regions = run_cohort(plan, tmp_path / "regions")
    assert regions["computed_now"] == len(plan.units) and regions["regions"][0]["chrom"] == plan.regions[0].chrom
    assert blocks["fingerprint"] != regions["fingerprint"]
    markers = [json.loads(marker_path(tmp_path / "regions", unit).read_text()) for unit in plan.units]
    reads = [(m["read"], m["records_read"]) for unit, m in zip(plan.units, markers, strict=True) if unit.region]
    lines = gzip.decompress(indexed_vcf.read_bytes()).decode().splitlines()
    records = sum(1 for line in lines if not line.startswith("#"))
    assert {mode for mode, _ in reads} == {"index"}  # each region one query through the index, never the whole file
    assert sum(count for _, count in reads) <= records and max(count for _, count in reads) < records / 5
    _assert_same_tables(tmp_path / "blocks", tmp_path / "regions")
    matched = read_table(tmp_path / "regions", "prs_scores.parquet").column("variants_matched")[0].as_py()
    parts = [pq.read_table(path).column("variants_matched")[0].as_py()
             for path in sorted((tmp_path / "regions" / "_regions").glob("prs_scores.parquet/region=*/*"))]
    assert len(parts) == len(plan.regions) and sum(parts) == matched and max(parts) < matched

    # the overlap minimum applies to the whole score, not to each region's part of it
    strict = plan.model_copy(update={"min_overlap": 0.75})
    with pytest.raises(InputError, match=rf"PGS001229: {matched} of 51209 variants matched \([0-9.]+% < 75%\)"):
        merge_regions(strict, tmp_path / "regions")


def test_interrupted_region_run_resumes_without_recomputing_finished_regions(
    indexed_vcf: Path, cohort_bundle: KnowledgeBundle, score_file: Path, tmp_path: Path
) -> None:
    plan = _plan(indexed_vcf, cohort_bundle, score_file, REGION_SIZE)
    out = tmp_path / "out"
    run_cohort(plan, out)
    lost = plan.units[1::3]  # as if the run had stopped before these partitions finished
    for unit in lost:
        marker_path(out, unit).unlink()
    (out / "prs_scores.parquet" / "block=00000" / "part-0.parquet").unlink()
    kept = {unit.name: marker_path(out, unit).stat().st_mtime_ns for unit in plan.units if unit not in lost}
    manifest = run_cohort(plan, out, workers=2)
    assert manifest["computed_now"] == len(lost) and manifest["reused"] == len(kept)
    assert {name: marker_path(out, u).stat().st_mtime_ns for u in plan.units if (name := u.name) in kept} == kept
    run_cohort(_plan(indexed_vcf, cohort_bundle, score_file, None), tmp_path / "blocks")
    _assert_same_tables(tmp_path / "blocks", out)


def test_region_partitions_need_an_indexed_vcf_and_a_build(
    pgx_cohort_vcf: Path, indexed_vcf: Path, cohort_bundle: KnowledgeBundle, score_file: Path
) -> None:
    with pytest.raises(InputError, match="through the VCF's index"):
        _plan(pgx_cohort_vcf, cohort_bundle, score_file, REGION_SIZE)
    with pytest.raises(InputError, match="--region-size needs --build"):
        plan_run(vcf=indexed_vcf, pgen=None, analyses=ANALYSES, scoring=[score_file], region_size=REGION_SIZE)
    with pytest.raises(InputError, match="--analyses prs"):
        plan_run(vcf=indexed_vcf, pgen=None, analyses=[Analysis.PGX], build=GenomeBuild.GRCH38,
                 region_size=REGION_SIZE)


def test_spark_engine_writes_the_same_region_tables_as_the_local_engine(
    indexed_vcf: Path, cohort_bundle: KnowledgeBundle, score_file: Path, tmp_path: Path
) -> None:
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        message = "PySpark (the 'spark' extra) and Java 17 are needed for the Spark engine"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    plan = _plan(indexed_vcf, cohort_bundle, score_file, REGION_SIZE)
    local = run_cohort(plan, tmp_path / "local")
    spark = run_cohort(plan, tmp_path / "spark", engine=Engine.SPARK, spark_master="local[2]")
    assert spark["computed_now"] == len(plan.units) and spark["fingerprint"] == local["fingerprint"]
    for table in (*ENGINE_TABLES, "prs_scores.parquet"):
        for block in plan.partitions:
            left = pq.read_table(tmp_path / "local" / table / block.name / "part-0.parquet")
            right = pq.read_table(tmp_path / "spark" / table / block.name / "part-0.parquet")
            assert left.equals(right), (table, block.name)
