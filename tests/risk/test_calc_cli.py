"""``tailormed risk calc``: published examples through the command line, one output row per input row, errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tailormed.cli.risk import risk_app
from tailormed.errors import InputError

runner = CliRunner()
_RUN = "import sys; from tailormed.cli import main; sys.argv[0] = 'tailormed'; main()"


def _fails(result: object, message: str) -> None:
    exception = getattr(result, "exception", None)
    assert isinstance(exception, InputError), getattr(result, "output", "")
    assert message in str(exception)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter="\t"))


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def test_pce_goff_examples_via_the_cli(pce_examples: list[dict[str, str]], tmp_path: Path) -> None:
    header = ["example", "sex", "race", "age_years", "chol_total_mgdl", "chol_hdl_mgdl", "bp_sys_mmhg", "bp_meds",
              "smoke_current", "diabetes"]  # fmt: skip
    rows = [
        [r["example"], r["sex"], r["race"], r["age_years"], r["total_chol_mgdl"], r["hdl_mgdl"], r["sbp_mmhg"],
         r["bp_treated"], r["current_smoker"], "0" if r["diabetes"] == "no" else "1"]
        for r in pce_examples
    ]  # fmt: skip
    cases = _write(tmp_path / "pce.tsv", header, rows)
    out = tmp_path / "out.tsv"
    result = runner.invoke(risk_app, ["calc", "pce", "--input", str(cases), "-o", str(out)])
    assert result.exit_code == 0, result.output
    got = _rows(out.read_text(encoding="utf-8"))
    assert [r["example"] for r in got] == [r["example"] for r in pce_examples]
    for row, example in zip(got, pce_examples, strict=True):
        assert list(row)[: len(header)] == header
        full = float(example["equation_10yr_risk_pct_full_precision"])
        assert round(float(row["risk10_pce"]) * 100, 3) == full


def test_gail_reference_examples_via_the_cli(gail_examples: list[dict[str, str]], tmp_path: Path) -> None:
    header = ["ID", "T1", "T2", "N_Biop", "HypPlas", "AgeMen", "Age1st", "N_Rels", "Race"]
    cases = _write(tmp_path / "gail.tsv", header, [[r[c] for c in header] for r in gail_examples])
    result = runner.invoke(risk_app, ["calc", "gail", "--input", str(cases)])
    assert result.exit_code == 0, result.output
    for row, example in zip(_rows(result.stdout), gail_examples, strict=True):
        assert float(row["gail_abs_risk"]) == pytest.approx(float(example["AbsRisk_pct"]) / 100, rel=1e-7)
        assert float(row["gail_avg_abs_risk"]) == pytest.approx(float(example["AvgWhiteAbsRisk_pct"]) / 100, rel=1e-7)


def test_prevent_base_examples_via_the_cli(prevent_examples: list[dict[str, str]], tmp_path: Path) -> None:
    header = ["sex", "age_years", "chol_total_mgdl", "chol_hdl_mgdl", "bp_sys_mmhg", "bp_meds", "statin_meds",
              "smoke_current", "diabetes", "bmi", "egfr_mlminm2"]  # fmt: skip
    base = [r for r in prevent_examples if r["model"] == "base" and r["horizon_years"] == "10"]
    rows = [
        [r["sex"], r["age_years"], r["total_chol_mgdl"], r["hdl_mgdl"], r["sbp_mmhg"], r["bp_treated"].upper(),
         r["statin"], r["current_smoker"], "true" if r["diabetes"] == "yes" else "false", r["bmi"], r["egfr"]]
        for r in base
    ]  # fmt: skip
    result = runner.invoke(risk_app, ["calc", "prevent", "--input", str(_write(tmp_path / "p.tsv", header, rows))])
    assert result.exit_code == 0, result.output
    got = _rows(result.stdout)
    assert [round(float(r["prevent_10yr_cvd"]), 4) for r in got] == [float(r["published_risk"]) for r in base]
    assert all(0 < float(r["prevent_10yr_hf"]) < 1 and 0 < float(r["prevent_10yr_ascvd"]) < 1 for r in got)


def test_findrisc_via_the_cli(tmp_path: Path) -> None:
    header = ["sex", "age_years", "bmi", "waist_cm", "physically_active_30min_daily", "vegetables_fruit_berries_daily",
              "ever_antihypertensive_medication", "ever_high_blood_glucose", "family_history_diabetes"]  # fmt: skip
    rows = [["female", "58", "31.2", "91", "no", "yes", "yes", "no", "first_degree"],
            ["male", "40", "23", "85", "yes", "yes", "no", "no", "none"]]  # fmt: skip
    result = runner.invoke(risk_app, ["calc", "findrisc", "--input", str(_write(tmp_path / "f.tsv", header, rows))])
    assert result.exit_code == 0, result.output
    got = _rows(result.stdout)
    assert [(r["findrisc_points"], r["risk_category"]) for r in got] == [("19", "high"), ("0", "low")]


@pytest.mark.parametrize(
    ("cell", "message"),
    [("maybe", "line 3, column smoke_current"), ("", "line 3, column smoke_current")],
)
def test_bad_cells_name_file_line_and_column(tmp_path: Path, cell: str, message: str) -> None:
    header = ["sex", "race", "age_years", "chol_total_mgdl", "chol_hdl_mgdl", "bp_sys_mmhg", "bp_meds",
              "smoke_current", "diabetes"]  # fmt: skip
    rows = [["male", "white", "50", "200", "50", "120", "no", "no", "no"],
            ["male", "white", "50", "200", "50", "120", "no", cell, "no"]]  # fmt: skip
    cases = _write(tmp_path / "cases.tsv", header, rows)
    out = tmp_path / "out.tsv"
    result = runner.invoke(risk_app, ["calc", "pce", "--input", str(cases), "-o", str(out)])
    _fails(result, f"cases.tsv, {message}")
    assert not out.exists()


def test_out_of_range_is_an_error_not_an_extrapolation(tmp_path: Path) -> None:
    header = ["T1", "T2", "N_Biop", "HypPlas", "AgeMen", "Age1st", "N_Rels", "Race"]
    cases = _write(tmp_path / "g.tsv", header, [["40", "45", "0", "99", "13", "25", "0", "1"],
                                                ["40", "95", "0", "99", "13", "25", "0", "1"]])  # fmt: skip
    result = runner.invoke(risk_app, ["calc", "gail", "--input", str(cases)])
    _fails(result, "g.tsv, line 3, column T2")


def test_missing_column_is_named(tmp_path: Path) -> None:
    cases = _write(tmp_path / "g.tsv", ["T1", "T2"], [["40", "45"]])
    result = runner.invoke(risk_app, ["calc", "gail", "--input", str(cases)])
    _fails(result, "line 1: header lacks column(s) N_Biop")


def test_the_command_exits_2_with_one_line(tmp_path: Path) -> None:
    cases = _write(tmp_path / "g.tsv", ["T1", "T2"], [["40", "45"]])
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "risk", "calc", "gail", "--input", str(cases)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "g.tsv, line 1: header lacks column(s)" in done.stderr


def test_assess_json_lists_risks_and_what_was_not_assessed(tmp_path: Path) -> None:
    record = Path(__file__).resolve().parents[2] / "src" / "tailormed" / "demo" / "patients" / "demo-02-mensah.yaml"
    out = tmp_path / "risk.json"
    result = runner.invoke(
        risk_app, ["assess", "--record", str(record), "--on", "2026-11-22", "--format", "json", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["on"] == "2026-11-22"
    assert {r["id"] for r in payload["risks"]} >= {"risk:pce", "risk:prevent_cvd", "risk:gail"}
    assert any("FINDRISC" in n["item"] for n in payload["not_assessed"])
