"""Sample blocks of a VCF share one pass over it: the file is parsed once per group of blocks, not once per block,
and every block's tables are the bytes its own pass gives; finished blocks are left out of a resumed run's pass."""

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
            counts.append(len(found))
            yield region, found

    monkeypatch.setattr(VcfFile, "records", counted_records)
    monkeypatch.setattr(VcfFile, "query", counted_query)
    return counts


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
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle, tmp_path: Path, parsed: list[int]
) -> None:
    records = _records(tmp_path, pgx_cohort_vcf)
    plan = _plan(pgx_cohort_vcf, cohort_bundle, records, [Analysis.PGX, Analysis.HEREDITARY])
    out = tmp_path / "out"
    run_cohort(plan, out)
    first = _files(out)
    for block in (1, 3):  # as if the run had stopped before these two
        (out / "_partitions" / f"block={block:05d}.json").unlink()
        for table in TABLES:
            shutil.rmtree(out / table / f"block={block:05d}")
    kept = {path.name: path.stat().st_mtime_ns for path in (out / "_partitions").glob("*.json")}
    parsed.clear()
    manifest = run_cohort(plan, out)
    assert manifest["computed_now"] == 2 and manifest["reused"] == 6
    assert sum(parsed) == _marker(out, 0)["records_read"]  # blocks 1 and 3 in one pass
    assert _marker(out, 1)["read_with"] == _marker(out, 3)["read_with"] == ["block=00001", "block=00003"]
    assert {name: (out / "_partitions" / name).stat().st_mtime_ns for name in kept} == kept
    assert _files(out) == first
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        message = "PySpark (the 'spark' extra) and Java 17 are needed for the Spark engine"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    spark = run_cohort(plan, tmp_path / "spark", engine=Engine.SPARK, spark_master="local[2]")
    assert spark["computed_now"] == 8
    assert _files(tmp_path / "spark") == first
    assert _marker(tmp_path / "spark", 4)["read_with"] == [f"block={block:05d}" for block in range(5)]
