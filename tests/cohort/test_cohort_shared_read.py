"""Sample blocks share one pass over their input: a VCF is parsed (or its text scanned for scores) once per group of
blocks, not once per block, a PLINK 2 fileset's or a BGEN's variants are written for the engines and decoded for the
scores once per group; every block's tables are the bytes its own pass gives; finished blocks are left out of a
resumed run's pass."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tailormed.cohort import tasks
from tailormed.cohort.plan import Analysis, CohortPlan, Engine
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.evidence.reader import VcfFile
from tailormed.knowledge.bundle import KnowledgeBundle

pytestmark = pytest.mark.shared

ON = date(2026, 12, 3)
TABLES = ("pgx_calls.parquet", "pgx_recommendations.parquet", "hereditary.parquet")
ENGINES = [Analysis.PGX, Analysis.HEREDITARY]
PGS001229 = "PGS001229_hmPOS_GRCh38.normalised.txt.gz"


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The records htslib hands over, counted as the real reader yields them (streamed or through the index)."""
    counts: list[int] = []
    records, query = VcfFile.records, VcfFile.query

    def counted_records(self: VcfFile, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for record in records(self, *args, **kwargs):
            counts.append(1)
            yield record

    def counted_query(self: VcfFile, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for region, found in query(self, *args, **kwargs):
            yield region, _each_record(found, counts)

    monkeypatch.setattr(VcfFile, "records", counted_records)
    monkeypatch.setattr(VcfFile, "query", counted_query)
    return counts


def _each_record(found: Iterator[Any], counts: list[int]) -> Iterator[Any]:
    for record in found:
        counts.append(1)
        yield record


def _plan(vcf: Path, bundle: KnowledgeBundle, records: Path, analyses: list[Analysis]) -> CohortPlan:
    return plan_run(vcf=vcf, pgen=None, analyses=analyses, kb=bundle.root, records=records, block_size=3, on=ON)


def _records(tmp_path: Path, vcf: Path) -> Path:
    """Block 5 (people 15-17) holds a man and a person who opted out of secondary findings: its pass is asked for
    other loci, so it is read alone; blocks 0-4 share a pass, and so do blocks 6-7. People 4, 10 and 21 take drugs
    (their PGx rows come from the engine run for them alone)."""
    from tailormed.evidence import open_vcf

    with open_vcf(vcf) as opened:
        names = opened.samples
    path = tmp_path / "records.jsonl"
    opted_out = {"id": names[15], "consent": {"secondary_findings": False}}
    male = {"id": names[16], "demographics": {"sex": "male", "birth_date": "1960-01-01"}}
    on_drugs = [{"id": names[i], "medications": [{"name": drug}]}
                for i, drug in ((4, "clopidogrel"), (10, "simvastatin"), (21, "warfarin"))]  # fmt: skip
    path.write_text("".join(json.dumps(record) + "\n" for record in [opted_out, male, *on_drugs]))
    return path


def _files(out: Path) -> dict[str, bytes]:
    return {str(path.relative_to(out)): path.read_bytes() for table in TABLES for path in (out / table).glob("*/*")}


def _marker(out: Path, block: int) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / "_partitions" / f"block={block:05d}.json").read_text())
    return loaded


@pytest.mark.parametrize("risk", [False, True], ids=["by-block", "per-person"])
def test_blocks_sharing_a_pass_parse_the_file_once_and_write_the_bytes_of_their_own_passes(
    pgx_cohort_vcf: Path,
    cohort_bundle: KnowledgeBundle,
    tmp_path: Path,
    parsed: list[int],
    monkeypatch: pytest.MonkeyPatch,
    risk: bool,
) -> None:
    records = _records(tmp_path, pgx_cohort_vcf)
    analyses = [Analysis.PGX, Analysis.HEREDITARY, *([Analysis.RISK] if risk else [])]
    plan = _plan(pgx_cohort_vcf, cohort_bundle, records, analyses)
    assert len(plan.partitions) == 8
    assert [[p.index for p in group] for group in tasks.read_groups(plan, plan.partitions)] == [
        [0, 1, 2, 3, 4], [5], [6, 7]
    ]  # fmt: skip
    worked: list[int] = []
    whole = tasks.pgx_block
    monkeypatch.setattr(tasks, "pgx_block", lambda batch, samples, *a, **k: worked.append(len(samples)) or whole(
        batch, samples, *a, **k))  # fmt: skip
    run_cohort(plan, tmp_path / "shared")
    assert worked == [15, 3, 6]  # the PGx tables of each group worked out once (block 5 alone)
    shared = sum(parsed)
    parsed.clear()
    monkeypatch.setattr(tasks, "SHARED_READ_SAMPLES", 1)  # every block its own pass, as before
    run_cohort(plan, tmp_path / "alone")
    alone = sum(parsed)
    per_pass = _marker(tmp_path / "alone", 0)["records_read"]
    assert per_pass > 0 and alone == 8 * per_pass and shared == 3 * per_pass
    assert _files(tmp_path / "shared") == _files(tmp_path / "alone") != {}
    for block in range(8):
        mine, theirs = _marker(tmp_path / "shared", block), _marker(tmp_path / "alone", block)
        for key in ("knowledge", "skipped", "records_read", "read", "build", "tables"):
            assert mine[key] == theirs[key], (block, key)
        assert "read_with" not in theirs
    assert _marker(tmp_path / "shared", 6)["read_with"] == ["block=00006", "block=00007"]
    assert "read_with" not in _marker(tmp_path / "shared", 5)
    if risk:
        assert (tmp_path / "shared" / "risk.parquet").is_dir()


def test_a_resumed_run_reads_only_its_unfinished_blocks_in_one_pass_and_spark_writes_the_same(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, pgs_dir: Path, tmp_path: Path, parsed: list[int]
) -> None:
    """With the scores too: the two unfinished blocks' people are read and summed in one pass, each block written
    with the bytes of the first run."""
    records = _records(tmp_path, pgx_cohort_vcf)
    plan = plan_run(vcf=pgx_cohort_vcf, pgen=None, analyses=[*ENGINES, Analysis.PRS], kb=cohort_bundle.root,
                    records=records, block_size=3, on=ON, scoring=[pgs_dir / PGS001229], min_overlap=0.01)  # fmt: skip
    out = tmp_path / "out"
    run_cohort(plan, out)
    first = _scored_files(out)
    assert len(first) == 4 * 8
    for block in (1, 3):  # as if the run had stopped before these two
        (out / "_partitions" / f"block={block:05d}.json").unlink()
        for table in SCORED:
            shutil.rmtree(out / table / f"block={block:05d}")
    kept = {path.name: path.stat().st_mtime_ns for path in (out / "_partitions").glob("*.json")}
    parsed.clear()
    manifest = run_cohort(plan, out)
    assert manifest["computed_now"] == 2 and manifest["reused"] == 6
    assert sum(parsed) == _marker(out, 0)["records_read"]  # blocks 1 and 3 in one pass
    assert _marker(out, 1)["read_with"] == _marker(out, 3)["read_with"] == ["block=00001", "block=00003"]
    assert {name: (out / "_partitions" / name).stat().st_mtime_ns for name in kept} == kept
    assert _scored_files(out) == first
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        message = "PySpark (the 'spark' extra) and Java 17 are needed for the Spark engine"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    spark = run_cohort(plan, tmp_path / "spark", engine=Engine.SPARK, spark_master="local[2]")
    assert spark["computed_now"] == 8
    assert _scored_files(tmp_path / "spark") == first
    assert _marker(tmp_path / "spark", 4)["read_with"] == [f"block={block:05d}" for block in range(5)]


SCORED = (*TABLES, "prs_scores.parquet")


def _scored_files(out: Path) -> dict[str, bytes]:
    return {str(path.relative_to(out)): path.read_bytes() for table in SCORED for path in (out / table).glob("*/*")}


def _alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks, "SHARED_READ_SAMPLES", 1)  # every block its own pass


def test_blocks_scored_with_the_engines_share_the_pass_that_sums_their_scores(
    pgx_cohort_vcf: Path,
    cohort_bundle: KnowledgeBundle,
    pgs_dir: Path,
    tmp_path: Path,
    parsed: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """prs with pgx and hereditary: the scores of a group's blocks are summed in the group's one pass over the VCF and
    each block takes its people's sums, the bytes of the block's own pass."""
    records = _records(tmp_path, pgx_cohort_vcf)
    plan = plan_run(vcf=pgx_cohort_vcf, pgen=None, analyses=[*ENGINES, Analysis.PRS], kb=cohort_bundle.root,
                    records=records, block_size=3, on=ON, scoring=[pgs_dir / PGS001229], min_overlap=0.01)  # fmt: skip
    assert [[p.index for p in group] for group in tasks.read_groups(plan, plan.partitions)] == [
        [0, 1, 2, 3, 4], [5], [6, 7]
    ]  # fmt: skip
    run_cohort(plan, tmp_path / "shared")
    shared = sum(parsed)
    parsed.clear()
    _alone(monkeypatch)
    run_cohort(plan, tmp_path / "alone")
    per_pass = _marker(tmp_path / "alone", 0)["records_read"]
    assert per_pass > 1000 and sum(parsed) == 8 * per_pass and shared == 3 * per_pass
    files = _scored_files(tmp_path / "shared")
    assert files == _scored_files(tmp_path / "alone") and len(files) == 4 * 8
    for block in range(8):
        mine, theirs = _marker(tmp_path / "shared", block), _marker(tmp_path / "alone", block)
        for key in ("knowledge", "skipped", "records_read", "read", "build", "tables"):
            assert mine[key] == theirs[key], (block, key)


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The records the columnar text reader hands over (a score-only pass over a cohort VCF), as it yields them."""
    from tailormed.evidence import columnar

    counts: list[int] = []
    blocks = columnar.TextScan.blocks

    def counted(self: columnar.TextScan, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for block in blocks(self, *args, **kwargs):
            counts.append(len(block.pos))
            yield block

    monkeypatch.setattr(columnar.TextScan, "blocks", counted)
    return counts


def test_score_only_blocks_share_one_scan_of_the_text(
    cineca_vcf: Path, pgs_dir: Path, tmp_path: Path, scanned: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """prs alone over 2,504 people in five blocks: one scan of the text for all of them, not five, and the bytes."""
    plan = plan_run(vcf=cineca_vcf, pgen=None, analyses=[Analysis.PRS], scoring=[pgs_dir / "PGS001229_22.GRCh37.txt"],
                    block_size=520)  # fmt: skip
    assert len(plan.partitions) == 5
    run_cohort(plan, tmp_path / "shared")
    shared = sum(scanned)
    scanned.clear()
    _alone(monkeypatch)
    run_cohort(plan, tmp_path / "alone")
    per_pass = _marker(tmp_path / "alone", 0)["records_read"]
    assert per_pass > 0 and shared == per_pass and sum(scanned) == 5 * per_pass
    files = _scored_files(tmp_path / "shared")
    assert files == _scored_files(tmp_path / "alone") and len(files) == 5
    assert _marker(tmp_path / "shared", 4)["read_with"] == [f"block={block:05d}" for block in range(5)]
    assert _marker(tmp_path / "shared", 4)["read"] == _marker(tmp_path / "alone", 4)["read"]


def _counted(monkeypatch: pytest.MonkeyPatch, module: object, name: str, counts: list[int]) -> None:
    """``module.name`` (a reader yielding variants, or a writer returning what it wrote) counting its variants."""
    real = getattr(module, name)

    def reading(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        if hasattr(found, "variants"):  # a WrittenVcf: the variants written for the engines
            counts.append(len(found))
            return found
        return _each(found, counts)

    monkeypatch.setattr(module, name, reading)


def _each(found: Iterator[Any], counts: list[int]) -> Iterator[Any]:
    for item in found:
        counts.append(len(item.pos) if hasattr(item, "pos") and not isinstance(item.pos, int) else len(item.records))
        yield item


@pytest.mark.skipif(shutil.which("plink2") is None, reason="plink2 is not installed (CI installs it)")
def test_blocks_of_a_fileset_share_its_reads_for_the_engines_and_the_scores_and_spark_writes_the_same(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, pgs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PLINK 2 fileset in eight blocks: its variants at the engines' sites are written once for all the blocks
    (not once per block) and its scored variants decoded once; alone, prs is read once too; the bytes are those of
    blocks read alone, and Spark ``local[2]`` writes them as well."""
    import subprocess

    from tailormed.evidence import pgen
    from tailormed.model.genotype import GenomeBuild

    prefix = tmp_path / "cohort"
    subprocess.run(["plink2", "--vcf", str(pgx_cohort_vcf), "--make-pgen", "--threads", "1", "--out", str(prefix)],
                   check=True, capture_output=True)  # fmt: skip
    written: list[int] = []
    decoded: list[int] = []
    _counted(monkeypatch, tasks, "write_pgen_vcf", written)
    _counted(monkeypatch, pgen, "read_pgen_blocks", decoded)
    runs = {}
    for analyses in ([*ENGINES, Analysis.PRS], [Analysis.PRS]):
        plan = plan_run(vcf=None, pgen=prefix, analyses=analyses, kb=cohort_bundle.root, block_size=3, on=ON,
                        scoring=[pgs_dir / PGS001229], min_overlap=0.01, build=GenomeBuild.GRCH38)  # fmt: skip
        name = "engines" if len(analyses) > 1 else "prs"
        for alone in (False, True):
            written.clear()
            decoded.clear()
            with monkeypatch.context() as patched:
                if alone:
                    _alone(patched)
                run_cohort(plan, tmp_path / f"{name}-{alone}")
            runs[name, alone] = (len(written), sum(written), sum(decoded))
        files = _scored_files(tmp_path / f"{name}-False")
        assert files == _scored_files(tmp_path / f"{name}-True") and len(files) == 8 * (4 if name == "engines" else 1)
    (calls, variants, scored), alone = runs["engines", False], runs["engines", True]
    assert calls == 1 and variants > 20 and scored > 500 and alone == (8, 8 * variants, 8 * scored)
    assert runs["prs", False] == (0, 0, scored) and runs["prs", True] == (0, 0, 8 * scored)
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        message = "PySpark (the 'spark' extra) and Java 17 are needed for the Spark engine"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    plan = plan_run(vcf=None, pgen=prefix, analyses=[*ENGINES, Analysis.PRS], kb=cohort_bundle.root, block_size=3,
                    on=ON, scoring=[pgs_dir / PGS001229], min_overlap=0.01, build=GenomeBuild.GRCH38)  # fmt: skip
    run_cohort(plan, tmp_path / "spark", engine=Engine.SPARK, spark_master="local[2]")
    assert _scored_files(tmp_path / "spark") == _scored_files(tmp_path / "engines-False")
    assert _marker(tmp_path / "spark", 7)["read_with"] == [f"block={block:05d}" for block in range(4, 8)]


@pytest.mark.skipif(shutil.which("plink2") is None, reason="plink2 is not installed (CI installs it)")
def test_blocks_of_a_bgen_share_its_reads_for_the_engines_and_the_scores(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, pgs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A BGEN in eight blocks: the engines' calls written once and the scored variants' probabilities read once for
    all the blocks, with the bytes of blocks read alone."""
    import subprocess

    from tailormed.evidence import bgen
    from tailormed.model.genotype import GenomeBuild

    vcf = tmp_path / "biallelic.vcf"
    lines = pgx_cohort_vcf.read_text().splitlines(keepends=True)
    vcf.write_text("".join(line for line in lines if line.startswith("#") or "," not in line.split("\t", 5)[4]))
    command = ["plink2", "--vcf", str(vcf), "--export", "bgen-1.2", "bits=8", "ref-first", "--threads", "1"]
    subprocess.run([*command, "--out", str(tmp_path / "cohort")], check=True, capture_output=True)
    written: list[int] = []
    decoded: list[int] = []
    _counted(monkeypatch, bgen, "write_bgen_vcf", written)
    _counted(monkeypatch, bgen, "read_bgen_sites", decoded)
    plan = plan_run(vcf=None, pgen=None, bgen=tmp_path / "cohort.bgen", analyses=[*ENGINES, Analysis.PRS],
                    kb=cohort_bundle.root, block_size=3, on=ON, scoring=[pgs_dir / PGS001229], min_overlap=0.01,
                    build=GenomeBuild.GRCH38)  # fmt: skip
    runs = {}
    for alone in (False, True):
        written.clear()
        decoded.clear()
        with monkeypatch.context() as patched:
            if alone:
                _alone(patched)
            run_cohort(plan, tmp_path / f"out-{alone}")
        runs[alone] = (len(written), sum(written), sum(decoded))
    (calls, variants, scored), alone = runs[False], runs[True]
    assert calls == 1 and variants > 10 and scored > 500 and alone == (8, 8 * variants, 8 * scored)
    files = _scored_files(tmp_path / "out-False")
    assert files == _scored_files(tmp_path / "out-True") and len(files) == 4 * 8
