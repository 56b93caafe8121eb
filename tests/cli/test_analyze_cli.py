"""``tailormed analyze`` through ``python -m tailormed``: files, summary, exit codes, nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tailormed.demo import demo_record
from tailormed.fileio import OUTPUTS_LIST
from tailormed.model.careplan import CarePlan
from tailormed.report.outputs import report_file_names, report_support


def run(*args: str, kb_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TAILORMED_KB": str(kb_home), "COLUMNS": "200"}  # no installed bundle: curated core
    return subprocess.run(
        [sys.executable, "-m", "tailormed", *args], capture_output=True, text=True, check=False, env=env
    )


def test_analyze_writes_plan_and_prints_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("analyze", "--record", str(demo_record("demo-04-park")), "--out", str(out), kb_home=tmp_path / "kb")
    assert result.returncode == 0, result.stderr
    folder = out / "demo-04-park"
    files = ["careplan.json", "evidence.json", "runs.json", "pgx.tsv", "onco.tsv", "summary.txt"]
    written = sorted(p.name for p in folder.iterdir() if p.name != OUTPUTS_LIST)
    assert written == sorted([*files, *report_file_names(report_support())])
    assert "capecitabine (CPIC)" in result.stdout
    assert str(folder / "careplan.json") in result.stdout
    plan = CarePlan.model_validate_json((folder / "careplan.json").read_text())
    assert plan.inputs["absent_is_reference"] == "false"
    # one action for capecitabine, citing the CPIC and the DPWG guideline
    [change] = [a for a in plan.actions if a.kind.value == "medication_change"]
    assert change.id == "action:medication_change:pgx:capecitabine:cpic"
    assert change.finding_ids == ["pgx:capecitabine:cpic", "pgx:capecitabine:dpwg"]
    assert any(a.kind.value == "referral" and "tumour board" in a.title for a in plan.actions)


def test_absent_is_reference_and_outside_calls_flags(tmp_path: Path) -> None:
    outside = tmp_path / "cyp2d6.tsv"
    outside.write_text("CYP2D6\t*1/*17\n")
    out = tmp_path / "out"
    record = demo_record("demo-02-mensah")
    args = ["analyze", "--record", str(record), "--out", str(out), "--outside-calls", str(outside)]
    result = run(*args, "--absent-is-reference", kb_home=tmp_path / "kb")
    assert result.returncode == 0, result.stderr
    plan = CarePlan.model_validate_json((out / "demo-02-mensah" / "careplan.json").read_text())
    assert plan.inputs["outside_calls"] == str(outside)
    assert "conflict:drug_drug_gene:pgx:phenoconversion:CYP2D6" in {c.id for c in plan.conflicts}


def test_broken_vcf_exit_2_and_no_output(tmp_path: Path) -> None:
    broken = tmp_path / "broken.vcf"
    broken.write_text("##fileformat=VCFv4.2\n##reference=GRCh38\n#CHROM\tPOS\tID\tREF\tALT\n")
    out = tmp_path / "out"
    record = demo_record("demo-01-hale")
    result = run("analyze", "--record", str(record), "--vcf", str(broken), "--out", str(out), kb_home=tmp_path / "kb")
    assert result.returncode == 2, result.stderr
    assert str(broken) in result.stderr
    assert not (out / "demo-01-hale").exists()


def test_missing_record_exit_2(tmp_path: Path) -> None:
    result = run("analyze", "--record", str(tmp_path / "nope.yaml"), "--out", str(tmp_path), kb_home=tmp_path / "kb")
    assert result.returncode == 2
    assert "nope.yaml" in result.stderr
