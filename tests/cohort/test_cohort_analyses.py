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
from collections import Counter
from datetime import date
from functools import partial
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tailormed.cohort.plan import Analysis, Engine
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.cohort.summary import read_populations
from tailormed.cohort.tables import read_table
from tailormed.engines.prs.matching import MatchOptions
from tailormed.engines.prs.scoring import Imputation
from tailormed.errors import InputError
from tailormed.evidence import open_vcf
from tailormed.evidence.read import read_genome
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Patient
from tailormed.model.pgx import GuidelineResult
from tailormed.pipeline.analyze import analyze, genome_request
from tailormed.pipeline.prs import read_scores, score_vcf

pytestmark = pytest.mark.shared

ON = date(2026, 12, 3)
ENGINES = [Analysis.PGX, Analysis.HEREDITARY]


@pytest.fixture(scope="module")
def score_file(pgs_dir: Path) -> Path:
    return pgs_dir / "PGS001229_hmPOS_GRCh38.normalised.txt.gz"


def _tsv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


def test_cohort_rows_equal_single_patient_analyze_and_the_summary_counts_them(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, score_file: Path, shared_data: Path, tmp_path: Path
) -> None:
    psam = shared_data / "risk" / "genotypes" / "1000G_3202_samples.superpop.psam"
    plan = plan_run(
        vcf=pgx_cohort_vcf,
        pgen=None,
        analyses=[*ENGINES, Analysis.PRS, Analysis.RISK],
        scoring=[score_file],
        min_overlap=0.01,  # the 1000 Genomes file holds 1,004 of PGS001229's 51,209 sites
        kb=cohort_bundle.root,
        block_size=10,
        on=ON,
    )
    populations = read_populations(psam, "SuperPop")
    manifest = run_cohort(plan, tmp_path, populations=populations)
    assert list(manifest["not_run"]) == ["risk"]
    assert "--records" in manifest["not_run"]["risk"]
    knowledge = manifest["knowledge"]
    assert set(knowledge["pgx"]) >= {"pgx-core-definitions", "pgx-core-guidelines"}
    assert "clinvar" in knowledge["hereditary"]
    calls = read_table(tmp_path, "pgx_calls.parquet").to_pylist()
    recommendations = read_table(tmp_path, "pgx_recommendations.parquet").to_pylist()
    hereditary = read_table(tmp_path, "hereditary.parquet").to_pylist()
    assert {row["sample"] for row in calls} == {sample for p in plan.partitions for sample in p.samples}
    everyone = [sample for p in plan.partitions for sample in p.samples]
    assert {row["sample"] for row in hereditary if row["reportable"]} == {everyone[0], everyone[3], everyone[5]}
    assert any(row["actionable"] for row in recommendations)
    people = [everyone[0], everyone[3], everyone[5], everyone[8]]
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
    scores = read_table(tmp_path, "prs_scores.parquet").to_pylist()
    alone_score = score_vcf(pgx_cohort_vcf, read_scores([score_file]), None, samples=[everyone[0]],
                            options=MatchOptions(min_overlap=0.01), imputation=Imputation.NONE).scores[0]
    assert scores[0]["sample"] == everyone[0]
    assert scores[0]["sum"] == pytest.approx(float(alone_score.sums[0]), abs=1e-12)

    summary = json.loads((tmp_path / "summary.json").read_text())
    groups = {sample: populations[sample] for sample in everyone}
    assert summary["groups"] == dict(sorted(Counter(groups.values()).items()))
    assert set(summary["groups"]) == {"AFR", "AMR", "EAS", "EUR", "SAS"}
    with_action = {r["sample"] for r in recommendations if r["actionable"]}
    assert summary["actionable"]["with_actionable"] == len(with_action)
    assert summary["actionable"]["share"] == pytest.approx(len(with_action) / 24, abs=1e-6)
    cyp2c19 = [r for r in calls if r["gene"] == "CYP2C19" and r["status"] == "called"]
    diplotypes = Counter(r["diplotype"] for r in cyp2c19)
    found = summary["pgx"]["CYP2C19"]["all"]["diplotypes"]
    assert found == {d: pytest.approx(n / len(cyp2c19), abs=1e-6) for d, n in diplotypes.items()}
    alleles = Counter(a for r in cyp2c19 for a in r["diplotype"].split("/"))
    assert sum(summary["pgx"]["CYP2C19"]["all"]["alleles"].values()) == pytest.approx(1.0, abs=1e-4)
    wild_type = alleles["*1"] / (2 * len(cyp2c19))
    assert summary["pgx"]["CYP2C19"]["all"]["alleles"]["*1"] == pytest.approx(wild_type, abs=1e-6)
    assert summary["pgx"]["CYP2D6"]["all"]["called"] == 0  # no CYP2D6 genotypes: not called, never counted as *1
    eur = [r["sum"] for r in scores if groups[r["sample"]] == "EUR"]
    assert summary["scores"]["PGS001229"]["EUR"]["people"] == len(eur)
    assert summary["scores"]["PGS001229"]["EUR"]["mean"] == pytest.approx(sum(eur) / len(eur))
    brca = {gene: v for gene, v in summary["hereditary"].items() if v["reportable_people"]}
    assert sum(v["reportable_people"] for v in brca.values()) == 3 and set(brca) <= {"BRCA1", "BRCA2"}
    for gene, rates in brca.items():
        carriers = {r["sample"] for r in hereditary if r["gene"] == gene and r["reportable"]}
        for group, rate in rates["by_group"].items():
            members = [p for p in everyone if groups[p] == group]
            assert rate == pytest.approx(sum(1 for p in carriers if groups[p] == group) / len(members), abs=1e-6)
    page = (tmp_path / "summary.html").read_text()
    assert page.count("<svg") >= 3 and "<script" not in page and 'src="http' not in page and "href=\"http" not in page


def test_risk_runs_on_records_and_bad_records_are_refused(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, tmp_path: Path
) -> None:
    records = tmp_path / "records.jsonl"
    with open_vcf(pgx_cohort_vcf) as vcf:
        first, second = list(vcf.samples)[:2]
    person = {
        "id": "P-1",
        "genome": {"vcf": "cohort.vcf", "sample": first},
        "demographics": {"birth_date": "1966-05-01", "sex": "female"},
    }
    records.write_text(json.dumps(person) + "\n")
    plan = plan_run(
        vcf=pgx_cohort_vcf,
        pgen=None,
        analyses=[Analysis.RISK],
        kb=cohort_bundle.root,
        samples=[first, second],
        records=records,
        on=ON,
    )
    manifest = run_cohort(plan, tmp_path / "out")
    assert manifest["not_run"] == {} and manifest["analyses"] == ["risk"]
    assert (tmp_path / "out" / "risk.parquet" / "block=00000" / "part-0.parquet").is_file()
    records.write_text(json.dumps(person) + "\n" + json.dumps({**person, "id": "P-2"}) + "\n")
    with pytest.raises(InputError, match=rf"line 2.*sample {first} has two records"):
        plan_run(vcf=pgx_cohort_vcf, pgen=None, analyses=[Analysis.RISK], records=records)
    records.write_text('{"id": "bad id!"}\n')
    with pytest.raises(InputError, match="line 1"):
        plan_run(vcf=pgx_cohort_vcf, pgen=None, analyses=[Analysis.RISK], records=records)


def test_interrupted_run_of_every_analysis_resumes_and_spark_writes_the_same_tables(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, score_file: Path, tmp_path: Path
) -> None:
    # the 1000 Genomes file holds 1,004 of PGS001229's 51,209 sites: the overlap minimum is lowered to score it
    out = tmp_path / "out"
    # each block its own pass (blocks sharing one pass finish together), so the run can be stopped between blocks
    alone = "from tailormed.cohort import tasks; tasks.SHARED_READ_SAMPLES = 1; from tailormed.cli import main; main()"
    command = [sys.executable, "-c", alone, "cohort", "run", "--vcf", str(pgx_cohort_vcf), "--kb",
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


@pytest.mark.skipif(shutil.which("plink2") is None, reason="plink2 is not installed (CI installs it)")
def test_prs_from_a_fileset_beside_the_vcf_equals_each_input_alone(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, score_file: Path, tmp_path: Path
) -> None:
    """``--vcf`` with ``--pgen``: scores come from the fileset, the engines' rows from the VCF, as if run apart."""
    prefix = tmp_path / "cohort"
    make = ["plink2", "--vcf", str(pgx_cohort_vcf), "--make-pgen", "--threads", "1", "--out", str(prefix)]
    subprocess.run(make, check=True, capture_output=True)
    plan = partial(plan_run, scoring=[score_file], min_overlap=0.01, kb=cohort_bundle.root, block_size=12, on=ON,
                   build=GenomeBuild.GRCH38)  # fmt: skip
    both = plan(vcf=pgx_cohort_vcf, pgen=prefix, analyses=[*ENGINES, Analysis.PRS])
    manifest = run_cohort(both, tmp_path / "both")
    assert manifest["input"] == {"kind": "vcf", "path": str(pgx_cohort_vcf), "prs_from_pgen": str(prefix)}
    assert {file["path"] for file in manifest["files"]} >= {str(pgx_cohort_vcf), f"{prefix}.pgen", f"{prefix}.pvar"}
    pgen_alone = plan(vcf=None, pgen=prefix, analyses=[Analysis.PRS])
    vcf_alone = plan(vcf=pgx_cohort_vcf, pgen=None, analyses=ENGINES)
    run_cohort(pgen_alone, tmp_path / "pgen")
    run_cohort(vcf_alone, tmp_path / "vcf")
    scores = read_table(tmp_path / "both", "prs_scores.parquet")
    assert scores.num_rows == 24 and scores.equals(read_table(tmp_path / "pgen", "prs_scores.parquet"))
    for table in ("pgx_calls.parquet", "pgx_recommendations.parquet", "hereditary.parquet"):
        assert read_table(tmp_path / "both", table).equals(read_table(tmp_path / "vcf", table)), table

    with pytest.raises(InputError, match="must name prs and another analysis, not prs"):
        plan(vcf=pgx_cohort_vcf, pgen=prefix, analyses=[Analysis.PRS])
    keep = tmp_path / "keep.txt"
    with open_vcf(pgx_cohort_vcf) as vcf:
        keep.write_text("".join(f"{sample}\n" for sample in list(vcf.samples)[:20]))
    fewer = tmp_path / "fewer"
    subprocess.run([*make[:-1], str(fewer), "--keep", str(keep)], check=True, capture_output=True)
    with pytest.raises(InputError, match=r"4 sample\(s\) of the VCF not in the PLINK 2 fileset"):
        plan(vcf=pgx_cohort_vcf, pgen=fewer, analyses=[*ENGINES, Analysis.PRS])


@pytest.mark.skipif(shutil.which("plink2") is None, reason="plink2 is not installed (CI installs it)")
@pytest.mark.parametrize("phased", [True, False], ids=["phased", "unphased"])
def test_engines_on_a_fileset_write_the_tables_of_the_vcf_it_was_made_from(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, tmp_path: Path, phased: bool
) -> None:
    """``--pgen`` alone runs pgx and hereditary: a fileset made by ``plink2 --make-pgen`` from a VCF, phased or
    not, gives that VCF's tables (samples taken in another order than the files list them, two blocks)."""
    vcf = pgx_cohort_vcf
    if not phased:
        vcf = tmp_path / "unphased.vcf"
        text = pgx_cohort_vcf.read_text().splitlines(keepends=True)
        vcf.write_text("".join(line if line.startswith("#") else line.replace("|", "/") for line in text))
    prefix = tmp_path / "cohort"
    subprocess.run(["plink2", "--vcf", str(vcf), "--make-pgen", "--threads", "1", "--out", str(prefix)],
                   check=True, capture_output=True)  # fmt: skip
    with open_vcf(vcf) as opened:
        samples = list(reversed(opened.samples))[:20]
    plan = partial(plan_run, kb=cohort_bundle.root, block_size=12, on=ON, build=GenomeBuild.GRCH38, samples=samples,
                   analyses=ENGINES)  # fmt: skip
    manifest = run_cohort(plan(vcf=None, pgen=prefix), tmp_path / "pgen")
    assert manifest["input"] == {"kind": "pgen", "path": str(prefix)} and manifest["engines_skipped"] == {}
    run_cohort(plan(vcf=vcf, pgen=None), tmp_path / "vcf")
    for table in ("pgx_calls.parquet", "pgx_recommendations.parquet", "hereditary.parquet"):
        found = read_table(tmp_path / "pgen", table)
        assert found.num_rows > 0 and found.equals(read_table(tmp_path / "vcf", table)), table
    carriers = read_table(tmp_path / "pgen", "hereditary.parquet").to_pylist()
    assert carriers and all(("|" if phased else "/") in row["genotype"] for row in carriers)


_PANDAS_PROBE = """
import sys
from pathlib import Path
import pyarrow.parquet as pq
from tailormed.cli import main
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
loaded = "pandas" in sys.modules
calls = pq.ParquetFile(next(Path(sys.argv[-1]).glob("pgx_calls.parquet/*/part-0.parquet"))).read()
print(loaded, type(calls.to_pandas()).__name__, calls.num_rows > 0)
"""


def test_a_cohort_run_never_loads_pandas_and_its_tables_still_convert_to_pandas(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, tmp_path: Path
) -> None:
    command = [sys.executable, "-c", _PANDAS_PROBE, "cohort", "run", "--vcf", str(pgx_cohort_vcf), "--kb",
               str(cohort_bundle.root), "--analyses", "pgx,hereditary", "--block-size", "12", "--on", ON.isoformat(),
               "--out", str(tmp_path / "out")]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "DataFrame", "True"]
