"""Re-entry: a stored evidence plans again without the genome; a stored plan renders the same reports again."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from tailormed.demo import demo_record
from tailormed.fileio import OUTPUTS_LIST
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.careplan import CarePlan
from tailormed.pipeline.analyze import EngineRuns, analyze_files, read_evidence

ON = date(2026, 1, 15)


def _plan(folder: Path) -> dict[str, object]:
    plan = CarePlan.model_validate_json((folder / "careplan.json").read_text()).model_dump(mode="json")
    plan.pop("generated_at")
    return plan


def test_evidence_json_gives_the_same_plan(core: KnowledgeBundle, tmp_path: Path) -> None:
    record = demo_record("demo-02-mensah")
    first = analyze_files(record, out_dir=tmp_path / "a", bundle=core, on=ON)
    assert first.folder is not None
    stored = first.folder / "evidence.json"
    again = analyze_files(record, evidence=stored, out_dir=tmp_path / "b", bundle=core, on=ON)
    assert again.folder is not None
    assert _plan(again.folder) == _plan(first.folder)
    assert read_evidence(stored) == first.evidence
    runs = EngineRuns.model_validate_json((first.folder / "runs.json").read_text())
    assert runs.runs == first.runs and list(runs.runs) == list(again.runs)
    for name in ("pgx.tsv", "summary.txt"):  # the summary's first lines name the time and the inputs
        again_lines, first_lines = ((f / name).read_bytes().splitlines()[2:] for f in (again.folder, first.folder))
        assert again_lines == first_lines


def test_report_from_a_stored_plan_is_byte_identical(tmp_path: Path) -> None:
    env = {**os.environ, "TAILORMED_KB": str(tmp_path / "kb"), "COLUMNS": "200"}
    record = demo_record("demo-01-hale")

    def cli(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "tailormed", *args], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr

    cli("analyze", "--record", str(record), "--out", str(tmp_path / "a"))
    first = tmp_path / "a" / "demo-01-hale"
    cli("report", "--plan", str(first / "careplan.json"), "--record", str(record), "--out", str(tmp_path / "b"))
    again = tmp_path / "b" / "demo-01-hale"
    rendered = sorted(p.name for p in again.iterdir() if p.name != OUTPUTS_LIST)
    assert "summary.txt" in rendered and "fhir_genomics.json" in rendered
    for name in rendered:
        assert (again / name).read_bytes() == (first / name).read_bytes(), name
