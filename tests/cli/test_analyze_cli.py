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
    # what to act on now as the clinician summary lists it: capecitabine once with both guidelines, the BRAF V600E
    # therapies on one line (the resected stage III tumour has no tier I-A therapy: encorafenib + cetuximab is for
    # metastatic disease), and panitumumab's RAS wild-type labels named for metastatic disease only, not one row per
    # guideline or evidence item
    assert "Act on now (3)" in result.stdout and "Actionable findings" not in result.stdout
    assert "BRAF V600E, other therapies at AMP tier" in result.stdout
    assert "RAS wild-type, other therapies (see Tumour therapies) – for metastatic disease only" in result.stdout
    assert "actionable │ capecitabine (CPIC, DPWG" in result.stdout and "capecitabine (CPIC)" not in result.stdout
    assert "no benefit expected from cetuximab" not in result.stdout
    assert str(folder / "careplan.json") in result.stdout
    plan = CarePlan.model_validate_json((folder / "careplan.json").read_text())
    assert plan.inputs["absent_is_reference"] == "false"
    # one action for capecitabine, citing the CPIC and the DPWG guideline and the Xeloda label
    [change] = [a for a in plan.actions if a.kind.value == "medication_change"]
    assert change.id == "action:medication_change:pgx:capecitabine:cpic"
    assert change.finding_ids == ["pgx:capecitabine:cpic", "pgx:capecitabine:dpwg", "pgx:capecitabine:fda label"]
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


#: ``tailormed analyze`` run in-process, noting each cycle collection that started once the pipeline began loading:
#: whether the objects left so far had been frozen out of it (True) or were walked again (False).
_COLLECTIONS = """
import gc
import sys
from tailormed.cli import main

walked = []
def note(phase, info):
    if phase == "start" and "tailormed.pipeline.analyze" in sys.modules:
        walked.append(gc.get_freeze_count() > 0)
gc.callbacks.append(note)
try:
    main()
finally:
    print("collections after the pipeline loaded:", walked, file=sys.stderr)
"""


def test_analysis_objects_are_never_walked_by_the_collector(tmp_path: Path) -> None:
    """The pipeline is imported and run with the collector paused, and what it leaves is frozen before it resumes:
    no collection walks the knowledge, evidence and plan of a command that is about to end."""
    out = tmp_path / "out"
    args = ["analyze", "--record", str(demo_record("demo-04-park")), "--out", str(out), "--no-pdf"]
    env = {**os.environ, "TAILORMED_KB": str(tmp_path / "kb"), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", _COLLECTIONS, *args], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    noted = [line for line in done.stderr.splitlines() if line.startswith("collections after the pipeline loaded:")]
    assert len(noted) == 1
    assert "False" not in noted[0]
