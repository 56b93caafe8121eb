"""``tailormed cohort run --analyses prs``: per-person results equal single-patient scoring, partitions resume, and
Spark (``local[2]`` and a standalone cluster started here) writes the same Parquet as the local engine.

The cohort is the CINECA synthetic genotypes in the shared data (2,504 people, chr22, a few missing calls), as a
VCF and as the PLINK 2 fileset made from it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from tailormed.cohort.plan import Analysis
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.cohort.tables import read_table
from tailormed.engines.prs.scoring import Imputation
from tailormed.errors import InputError
from tailormed.evidence import open_vcf
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.prs import read_scores, score_vcf

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def score_file(pgs_dir: Path) -> Path:
    return pgs_dir / "PGS001229_22.GRCh37.txt"


def _samples(tmp_path: Path, names: list[str]) -> Path:
    path = tmp_path / "samples.txt"
    path.write_text("\n".join(names) + "\n")
    return path


def test_cohort_scores_equal_single_patient_scores(cineca_vcf: Path, score_file: Path, tmp_path: Path) -> None:
    with open_vcf(cineca_vcf) as vcf:
        people = list(vcf.samples)[::97][:24]
    plan = plan_run(
        vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], samples=people, block_size=10
    )
    assert [len(p.samples) for p in plan.partitions] == [10, 10, 4]
    manifest = run_cohort(plan, tmp_path / "out")
    assert manifest["computed_now"] == 3 and manifest["reused"] == 0
    assert manifest["build"]["build"] == "GRCh37"
    assert {file["path"] for file in manifest["files"]} == {str(cineca_vcf), str(score_file)}
    table = read_table(tmp_path / "out", "prs_scores.parquet").to_pydict()
    assert table["sample"] == people
    scores = read_scores([score_file])
    for i, person in enumerate(people[:6]):
        alone = score_vcf(cineca_vcf, scores, None, samples=[person], build=GenomeBuild.GRCH37).scores[0]
        assert table["sum"][i] == pytest.approx(float(alone.sums[0]), abs=1e-12)
        assert table["denom"][i] == float(alone.denom[0])
        assert table["missing_genotypes"][i] == int(alone.missing[0])
        assert table["variants_matched"][i] == alone.match.matched == 782


def test_pgen_cohort_equals_vcf_cohort_and_two_workers_equal_one(
    cineca_vcf: Path, score_file: Path, tmp_path: Path
) -> None:
    prefix = cineca_vcf.parent / "cineca_synthetic_subset.GRCh37.chr22"
    pgen_plan = plan_run(
        vcf=None, pgen=prefix, analyses=[Analysis.PRS], scoring=[score_file], build=GenomeBuild.GRCH37, block_size=900
    )
    run_cohort(pgen_plan, tmp_path / "pgen", workers=2)
    vcf_plan = plan_run(vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], block_size=2504)
    run_cohort(vcf_plan, tmp_path / "vcf")
    from_pgen = read_table(tmp_path / "pgen", "prs_scores.parquet").to_pydict()
    from_vcf = read_table(tmp_path / "vcf", "prs_scores.parquet").to_pydict()
    assert len(from_pgen["sample"]) == 2504
    assert [name.split("_")[0] for name in from_vcf["sample"]] == from_pgen["sample"]  # the VCF names are FID_IID
    np.testing.assert_allclose(from_pgen["sum"], from_vcf["sum"], rtol=0, atol=1e-12)
    assert from_pgen["denom"] == from_vcf["denom"]


def test_interrupted_run_resumes_without_recomputing_finished_partitions(
    cineca_vcf: Path, score_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    # each block its own pass (blocks sharing one pass finish together), so the run can be stopped between blocks
    alone = "from tailormed.cohort import tasks; tasks.SHARED_READ_SAMPLES = 1; from tailormed.cli import main; main()"
    command = [sys.executable, "-c", alone, "cohort", "run", "--vcf", str(cineca_vcf)]
    command += ["--scoring", str(score_file), "--block-size", "250", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    markers = out / "_partitions"
    deadline = time.monotonic() + 300
    while not (markers.is_dir() and len(list(markers.glob("*.json"))) >= 2) and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()[1].decode()
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    first = {path.name: path.stat().st_mtime_ns for path in markers.glob("*.json")}
    parquet = {path.parent.name: path.stat().st_ino for path in out.glob("prs_scores.parquet/*/part-0.parquet")}
    assert 2 <= len(first) < 11, "the run should have been stopped part-way"
    assert not (out / "manifest.json").exists()
    resumed = subprocess.run(command, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reused"] == len(first) and manifest["computed_now"] == 11 - len(first)
    for name, stamp in first.items():
        assert (markers / name).stat().st_mtime_ns == stamp
    for name, inode in parquet.items():
        if f"{name}.json" in first:
            assert (out / "prs_scores.parquet" / name / "part-0.parquet").stat().st_ino == inode
    table = read_table(out, "prs_scores.parquet").to_pydict()
    assert len(table["sample"]) == 2504 and len(set(table["sample"])) == 2504


def test_changed_inputs_are_recomputed_and_bad_requests_refused(
    cineca_vcf: Path, score_file: Path, tmp_path: Path
) -> None:
    people = ["HG00096_HG00096", "HG00097_HG00097"]
    plan = plan_run(vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], samples=people)
    run_cohort(plan, tmp_path)
    again = plan_run(
        vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], samples=people, min_overlap=0.5
    )
    assert run_cohort(again, tmp_path)["computed_now"] == 1  # another option: not the same results
    with pytest.raises(InputError, match=r"not in the input, e\.g\. NOPE"):
        plan_run(vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], samples=["NOPE"])
    with pytest.raises(InputError, match="give --build"):
        plan_run(vcf=None, pgen=cineca_vcf.with_suffix(""), analyses=[Analysis.PRS], scoring=[score_file])
    prefix = cineca_vcf.parent / "cineca_synthetic_subset.GRCh37.chr22"
    with pytest.raises(InputError, match="--absent-is-reference applies to single-sample VCFs, not to a PLINK 2"):
        plan_run(vcf=None, pgen=prefix, analyses=[Analysis.PRS], scoring=[score_file], build=GenomeBuild.GRCH37,
                 absent_is_reference=True)  # fmt: skip


def test_tables_read_in_place_with_duckdb(cineca_vcf: Path, score_file: Path, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb", reason="DuckDB is only used to show the tables are queryable in place")
    people = ["HG00096_HG00096", "HG00097_HG00097", "HG00099_HG00099"]
    plan = plan_run(
        vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], samples=people, block_size=2
    )
    run_cohort(plan, tmp_path)
    query = (
        "SELECT block, sample, sum FROM read_parquet("
        f"'{tmp_path}/prs_scores.parquet/*/*.parquet', hive_partitioning = true) ORDER BY sample"
    )
    rows = duckdb.sql(query).fetchall()
    table = read_table(tmp_path, "prs_scores.parquet").to_pydict()
    assert [(row[1], row[2]) for row in rows] == list(zip(table["sample"], table["sum"], strict=True))
    assert [row[0] for row in rows] == ["00000", "00000", "00001"]


def test_spark_engine_writes_the_same_parquet_as_the_local_engine(
    cineca_vcf: Path, score_file: Path, tmp_path: Path
) -> None:
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        message = "PySpark (the 'spark' extra) and Java 17 are needed for the Spark engine"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from tailormed.cohort.plan import Engine

    with open_vcf(cineca_vcf) as vcf:
        people = list(vcf.samples)[:300]
    plan = plan_run(
        vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], samples=people, block_size=100
    )
    local = run_cohort(plan, tmp_path / "local", workers=2)
    spark = run_cohort(plan, tmp_path / "spark", engine=Engine.SPARK, spark_master="local[2]")
    assert spark["engine"] == "spark (local[2])" and spark["computed_now"] == 3
    assert spark["fingerprint"] == local["fingerprint"]
    for name in ("block=00000", "block=00001", "block=00002"):
        left = pq.read_table(tmp_path / "local" / "prs_scores.parquet" / name / "part-0.parquet")
        right = pq.read_table(tmp_path / "spark" / "prs_scores.parquet" / name / "part-0.parquet")
        assert left.equals(right)
    assert run_cohort(plan, tmp_path / "spark", engine=Engine.SPARK)["reused"] == 3  # resumes too, no Spark job


def test_a_partition_sums_scores_as_it_reads_them(cineca_vcf: Path, score_file: Path) -> None:
    """The pass hands each scored site to the sums and keeps none: memory does not grow with the scored variants."""
    from tailormed.cohort.tasks import PartitionScoring, partition_request, patients_of, read_partition
    from tailormed.knowledge.bundle import load_bundle

    people = ["HG00096_HG00096", "HG00097_HG00097", "HG00099_HG00099"]
    plan = plan_run(vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], samples=people)
    partition = plan.partitions[0]
    bundle = load_bundle(None)
    scoring = PartitionScoring(plan, bundle)
    batch = read_partition(plan, partition, partition_request(plan, bundle, patients_of(plan, partition)), scoring)
    assert batch.score_groups == []
    run = scoring.finish(batch.source.label, batch.build, batch.samples).scores[0]
    alone = score_vcf(cineca_vcf, read_scores([score_file]), None, samples=people, build=GenomeBuild.GRCH37,
                      imputation=Imputation.NONE).scores[0]  # fmt: skip
    assert run.match.matched == alone.match.matched == 782
    np.testing.assert_array_equal(run.sums, alone.sums)
    np.testing.assert_array_equal(run.denom, alone.denom)


def test_absent_is_reference_without_known_reference_alleles_is_refused(
    cineca_vcf: Path, score_file: Path, tmp_path: Path
) -> None:
    plan = plan_run(vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file],
                    samples=["HG00096_HG00096"], absent_is_reference=True)  # fmt: skip
    with pytest.raises(InputError, match=r"--absent-is-reference: PGS001229 variant .* reference allele is unknown"):
        run_cohort(plan, tmp_path)
    assert not list(tmp_path.glob("prs_scores.parquet/*/*.parquet"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def standalone_cluster(tmp_path: Path) -> Iterator[str]:
    """A Spark standalone master and one 2-core worker on this machine (PySpark's own launcher); yields its URL."""
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        message = "PySpark (the 'spark' extra) and Java 17 are needed for the Spark engine"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    import pyspark

    home = Path(pyspark.__file__).parent
    launcher = str(home / "bin" / "spark-class")
    env = {**os.environ, "SPARK_HOME": str(home)}
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    logs = tmp_path / "spark-cluster"
    logs.mkdir()
    started: list[subprocess.Popen[bytes]] = []
    commands = [
        [launcher, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
         "--webui-port", str(_free_port())],
        [launcher, "org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1", "--cores", "2", "--memory",
         "1g", "--webui-port", str(_free_port()), "--work-dir", str(logs / "work")],
    ]  # fmt: skip
    try:
        for name, command in zip(("master", "worker"), commands, strict=True):
            with (logs / f"{name}.log").open("wb") as log:
                started.append(
                    subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
                )
        deadline = time.monotonic() + 180
        while "Registering worker" not in (logs / "master.log").read_text(errors="replace"):
            assert all(p.poll() is None for p in started), (logs / "master.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "the Spark worker did not register with the master"
            time.sleep(0.5)
        yield url
    finally:
        for process in reversed(started):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_spark_standalone_cluster_writes_the_same_parquet_as_the_local_engine(
    cineca_vcf: Path, score_file: Path, standalone_cluster: str, tmp_path: Path
) -> None:
    from tailormed.cohort.plan import Engine

    with open_vcf(cineca_vcf) as vcf:
        people = list(vcf.samples)[:200]
    plan = plan_run(
        vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], samples=people, block_size=100
    )
    local = run_cohort(plan, tmp_path / "local")
    cluster = run_cohort(plan, tmp_path / "cluster", engine=Engine.SPARK, spark_master=standalone_cluster)
    assert cluster["engine"] == f"spark ({standalone_cluster})" and cluster["computed_now"] == 2
    assert cluster["fingerprint"] == local["fingerprint"]
    assert list((tmp_path / "spark-cluster" / "work").glob("app-*/*/stderr")), "the worker ran no executor"
    for name in ("block=00000", "block=00001"):
        left = pq.read_table(tmp_path / "local" / "prs_scores.parquet" / name / "part-0.parquet")
        right = pq.read_table(tmp_path / "cluster" / "prs_scores.parquet" / name / "part-0.parquet")
        assert left.equals(right)


def test_a_partition_is_computed_with_the_collector_paused_and_resumes_it(
    cineca_vcf: Path, score_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block's calls, results and rows are made with the cycle collector off (none hold cycles; collections
    walking them cost more than making them), and it runs again after the partition, as before it."""
    import gc

    from tailormed.cohort import tasks

    seen: list[bool] = []
    reading = tasks.read_group_pass  # the two blocks share one pass
    monkeypatch.setattr(tasks, "read_group_pass", lambda *a: seen.append(gc.isenabled()) or reading(*a))
    with open_vcf(cineca_vcf) as vcf:
        people = list(vcf.samples)[:6]
    plan = plan_run(
        vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[score_file], samples=people, block_size=3
    )
    assert gc.isenabled()
    run_cohort(plan, tmp_path / "out")
    assert seen == [False] and gc.isenabled()
