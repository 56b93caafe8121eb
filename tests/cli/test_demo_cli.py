"""``tailormed demo`` end to end: every demo patient, with the curated core and with a built bundle."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tailormed.fileio import OUTPUTS_LIST
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.careplan import CarePlan
from tailormed.report.outputs import report_file_names, report_support

PATIENTS = ["demo-01-hale", "demo-02-mensah", "demo-03-rodriguez", "demo-04-park"]
REPORTS = report_file_names(report_support())
FILES = sorted(["careplan.json", "evidence.json", "runs.json", "pgx.tsv", "summary.txt", *REPORTS])
#: Engine files written only for some patients: the tumour therapy table for the one with a tumour.
ENGINE_FILES = {"demo-04-park": ["onco.tsv"]}


def run(*args: str, cwd: Path, kb_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TAILORMED_KB": str(kb_home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "tailormed", "demo", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=cwd,
    )


def actions(folder: Path) -> set[str]:
    return {a.id for a in CarePlan.model_validate_json((folder / "careplan.json").read_text()).actions}


def test_demo_fresh_install_default_folder(tmp_path: Path) -> None:
    result = run(cwd=tmp_path, kb_home=tmp_path / "no-kb")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "tailormed-output"
    assert sorted(p.name for p in out.iterdir()) == PATIENTS
    for patient in PATIENTS:
        written = sorted(p.name for p in (out / patient).iterdir() if p.name != OUTPUTS_LIST)
        assert written == sorted([*FILES, *ENGINE_FILES.get(patient, [])])
        assert f"tailormed-output/{patient}/: careplan.json" in result.stdout
        for report in (name for name in REPORTS if name.startswith("report_")):
            assert f"tailormed-output/{patient}/{report}" in result.stdout
    assert "curated knowledge core" in result.stdout
    # the table counts and names what to act on now, as the clinician summaries do, not every evidence row
    assert "act on now" in result.stdout and "BRAF-" not in result.stdout
    assert "action:medication_change:pgx:clopidogrel:cpic" in actions(out / "demo-01-hale")
    assert "action:medication_change:pgx:azathioprine:cpic" in actions(out / "demo-03-rodriguez")
    assert "action:medication_change:pgx:capecitabine:cpic" in actions(out / "demo-04-park")


def test_demo_with_built_bundle(built_bundle: KnowledgeBundle, tmp_path: Path) -> None:
    assert built_bundle.root is not None
    out = tmp_path / "plans"
    result = run("--out", str(out), "--kb", str(built_bundle.root), cwd=tmp_path, kb_home=tmp_path / "no-kb")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == PATIENTS
    plan = CarePlan.model_validate_json((out / "demo-01-hale" / "careplan.json").read_text())
    assert "pharmcat-guidelines" in plan.knowledge
    assert "action:medication_change:pgx:clopidogrel:cpic" in {a.id for a in plan.actions}
    assert "action:medication_change:pgx:capecitabine:cpic" in actions(out / "demo-04-park")


def test_demo_bad_kb_exit_3(tmp_path: Path) -> None:
    result = run("--out", str(tmp_path / "o"), "--kb", str(tmp_path), cwd=tmp_path, kb_home=tmp_path / "no-kb")
    assert result.returncode == 3
    assert "not a knowledge bundle" in result.stderr
    assert not (tmp_path / "o").exists()


def test_key_findings_keep_a_parenthesised_qualifier_whole() -> None:
    """The table names each summary line by what it is about: up to its first ": " outside parentheses."""
    from tailormed.cli.analyze import _headline

    assert _headline("warfarin: CPIC-adjusted starting dose 20.1-24.4 mg/week") == "warfarin"
    assert _headline("metoprolol (CPIC, DPWG): Initiate therapy") == "metoprolol (CPIC, DPWG)"
    line = (
        "RAS wild-type, other therapies (see Tumour therapies) – for metastatic disease only (this tumour: stage III,"
        " early): panitumumab; panitumumab + FOLFOX"
    )
    assert _headline(line) == line.split(": panitumumab", 1)[0]
    assert _headline("CYP2D6 Poor Metabolizer (activity score 0.0)") == "CYP2D6 Poor Metabolizer (activity score 0.0)"
