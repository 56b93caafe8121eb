"""``tailormed cohort run --analyses pgx,prs,hereditary,risk``: each person's rows equal their single-patient
``analyze`` results, partitions resume, and the Spark engine writes the same Parquet as the local one.

The cohort is 24 people of the 1000 Genomes set in the shared data (real genotypes at PGS001229 sites), with
synthetic PGx genotypes and two real ClinVar pathogenic variants added (see ``conftest.py``).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tailormed.cohort.plan import Analysis, Engine
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.cohort.tables import read_table
from tailormed.errors import InputError
from tailormed.evidence.read import read_genome
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Patient
from tailormed.model.pgx import GuidelineResult
from tailormed.pipeline.analyze import analyze, genome_request

pytestmark = pytest.mark.shared

ON = date(2026, 12, 3)
ENGINES = [Analysis.PGX, Analysis.HEREDITARY]


@pytest.fixture(scope="module")
def score_file(pgs_dir: Path) -> Path:
    return pgs_dir / "PGS001229_hmPOS_GRCh38.normalised.txt.gz"


def _tsv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


def test_cohort_rows_equal_single_patient_analyze(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, tmp_path: Path
) -> None:
    plan = plan_run(
        vcf=pgx_cohort_vcf,
        pgen=None,
        analyses=[*ENGINES, Analysis.RISK],
        kb=cohort_bundle.root,
        block_size=10,
        on=ON,
    )
    manifest = run_cohort(plan, tmp_path)
    assert list(manifest["not_run"]) == ["risk"]
    assert "--records" in manifest["not_run"]["risk"]
    knowledge = manifest["knowledge"]
    assert set(knowledge["pgx"]) >= {"pgx-core-definitions", "pgx-core-guidelines"}
    assert "clinvar" in knowledge["hereditary"]
    calls = read_table(tmp_path, "pgx_calls.parquet").to_pylist()
    recommendations = read_table(tmp_path, "pgx_recommendations.parquet").to_pylist()
    hereditary = read_table(tmp_path, "hereditary.parquet").to_pylist()
    assert {row["sample"] for row in calls} == {sample for p in plan.partitions for sample in p.samples}
    assert {row["sample"] for row in hereditary if row["reportable"]} == {"HG00096", "HG00102", "HG00100"}
    assert any(row["actionable"] for row in recommendations)
    people = ["HG00096", "HG00100", "HG00102", "HG00105"]
    for person in people:
        patient = Patient(id=person)
        evidence = read_genome(
            pgx_cohort_vcf, genome_request(patient, cohort_bundle, ["pgx", "hereditary"]), sample=person
        )
        alone = analyze(patient, evidence, cohort_bundle, on=ON, engines=["pgx", "hereditary"], pdf=False)
        mine = [row for row in calls if row["sample"] == person]
        assert mine == _tsv(alone.runs["pgx"].tables["pgx.tsv"])
        found = [row for row in hereditary if row["sample"] == person]
        expected = _tsv(alone.runs["hereditary"].tables["hereditary.tsv"])
        assert [(r["gene"], r["pos"], r["genotype"], r["reportable"]) for r in found] == [
            (r["gene"], int(r["pos"]), r["genotype"], r["reportable"] == "yes") for r in expected
        ]
        guidance = [f.data for f in alone.runs["pgx"].findings if isinstance(f.data, GuidelineResult)]
        assert sorted({(r["drug"], r["status"]) for r in recommendations if r["sample"] == person}) == sorted(
            {(g.drug, g.status.value) for g in guidance}
        )
        assert sorted(r["recommendation"] or "" for r in recommendations if r["sample"] == person) == sorted(
            [row.text for g in guidance for row in g.rows] + ["" for g in guidance if not g.rows]
        )


def test_risk_runs_on_records_and_bad_records_are_refused(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, cineca_vcf: Path, tmp_path: Path
) -> None:
    records = tmp_path / "records.jsonl"
    person = {
        "id": "P-96",
        "genome": {"vcf": "cohort.vcf", "sample": "HG00096"},
        "demographics": {"birth_date": "1966-05-01", "sex": "female"},
    }
    records.write_text(json.dumps(person) + "\n")
    plan = plan_run(
        vcf=pgx_cohort_vcf,
        pgen=None,
        analyses=[Analysis.RISK],
        kb=cohort_bundle.root,
        samples=["HG00096", "HG00097"],
        records=records,
        on=ON,
    )
    manifest = run_cohort(plan, tmp_path / "out")
    assert manifest["not_run"] == {} and manifest["analyses"] == ["risk"]
    assert (tmp_path / "out" / "risk.parquet" / "block=00000" / "part-0.parquet").is_file()
    records.write_text(json.dumps(person) + "\n" + json.dumps({**person, "id": "P-2"}) + "\n")
    with pytest.raises(InputError, match=r"line 2.*sample HG00096 has two records"):
        plan_run(vcf=pgx_cohort_vcf, pgen=None, analyses=[Analysis.RISK], records=records)
    records.write_text('{"id": "bad id!"}\n')
    with pytest.raises(InputError, match="line 1"):
        plan_run(vcf=pgx_cohort_vcf, pgen=None, analyses=[Analysis.RISK], records=records)
    with pytest.raises(InputError, match="prs only"):
        plan_run(vcf=None, pgen=cineca_vcf.parent / cineca_vcf.name.removesuffix(".vcf.gz"), analyses=[Analysis.PGX],
                 build=GenomeBuild.GRCH37)


def test_interrupted_run_of_every_analysis_resumes_and_spark_writes_the_same_tables(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, score_file: Path, tmp_path: Path
) -> None:
    # the 1000 Genomes file holds 1,004 of PGS001229's 51,209 sites: the overlap minimum is lowered to score it
    out = tmp_path / "out"
    command = [sys.executable, "-m", "tailormed", "cohort", "run", "--vcf", str(pgx_cohort_vcf), "--kb",
               str(cohort_bundle.root), "--analyses", "pgx,prs,hereditary", "--scoring", str(score_file),
               "--min-overlap", "0.01", "--on", ON.isoformat(), "--block-size", "4", "--out", str(out)]
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
    first = {path.stem: path.stat().st_mtime_ns for path in markers.glob("*.json")}
    assert 2 <= len(first) < 6, "the run should have been stopped part-way"
    tables = ("pgx_calls.parquet", "pgx_recommendations.parquet", "hereditary.parquet", "prs_scores.parquet")
    inodes = {(t, name): (out / t / name / "part-0.parquet").stat().st_ino for t in tables for name in first}
    resumed = subprocess.run(command, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["reused"] == len(first) and manifest["computed_now"] == 6 - len(first)
    assert {(t, name): (out / t / name / "part-0.parquet").stat().st_ino for t, name in inodes} == inodes
    assert all((markers / f"{name}.json").stat().st_mtime_ns == stamp for name, stamp in first.items())
    assert len(read_table(out, "prs_scores.parquet")) == 24
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        message = "PySpark (the 'spark' extra) and Java 17 are needed for the Spark engine"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    plan = plan_run(
        vcf=pgx_cohort_vcf,
        pgen=None,
        analyses=[Analysis.PGX, Analysis.PRS, Analysis.HEREDITARY],
        scoring=[score_file],
        min_overlap=0.01,
        kb=cohort_bundle.root,
        block_size=4,
        on=ON,
    )
    assert plan.fingerprint == manifest["fingerprint"]
    spark = run_cohort(plan, tmp_path / "spark", engine=Engine.SPARK, spark_master="local[2]")
    assert spark["computed_now"] == 6
    for table in tables:
        for partition in plan.partitions:
            left = pq.read_table(out / table / partition.name / "part-0.parquet")
            right = pq.read_table(tmp_path / "spark" / table / partition.name / "part-0.parquet")
            assert left.equals(right), (table, partition.name)
