"""Text from the input (a medication name, a record value, a file name) or from the knowledge (a guideline's
``[general]`` population) is printed as it is: square brackets are never read as terminal styling, so nothing is
dropped and nothing crashes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tailormed.demo import demo_record

ODD = "[/]aspirin [/bold]"


def tailormed(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TAILORMED_KB": str(cwd / "no-kb"), "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "tailormed", *args], capture_output=True, text=True, check=False, env=env, cwd=cwd
    )


@pytest.fixture
def record(tmp_path: Path) -> Path:
    source = demo_record("demo-01-hale")
    shutil.copy(source.with_suffix(".vcf"), tmp_path / "genome [1].vcf")
    text = source.read_text().replace("demo-01-hale.vcf", "genome [1].vcf")
    text = text.replace("  - name: aspirin\n", f'  - name: "{ODD}"\n', 1)
    text = text.replace("display_name: Robert Hale", 'display_name: "Robert [/] Hale"')
    assert ODD in text and "[/] Hale" in text
    path = tmp_path / "patient [red].yaml"
    path.write_text(text)
    return path


def test_record_check_prints_a_bracketed_name(record: Path) -> None:
    result = tailormed("record", "check", str(record), "--format", "text", cwd=record.parent)
    assert result.returncode == 0, result.stderr
    assert ODD in result.stdout
    assert "Traceback" not in result.stderr


def test_pgx_report_prints_names_and_populations_as_written(record: Path) -> None:
    result = tailormed("pgx", "report", "--record", str(record), cwd=record.parent)
    assert result.returncode == 0, result.stderr
    assert f"no CPIC/DPWG guidance for: {ODD}, lisinopril" in result.stdout  # aspirin by its RxNorm code
    assert "genome [1].vcf" in result.stdout
    assert "Prescribe ≤40mg as a starting dose" in result.stdout


def test_analyze_prints_a_bracketed_name(record: Path) -> None:
    result = tailormed("analyze", "--record", str(record), "--no-pdf", "--out", "out", cwd=record.parent)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_an_error_quoting_brackets_is_one_line(record: Path) -> None:
    record.write_text(record.read_text().replace("sex: male", 'sex: "[/]male"'))
    result = tailormed("record", "check", str(record), cwd=record.parent)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "[/]male" in result.stderr
