"""``tailormed response train | predict | evaluate`` for warfarin dose, end to end on the development file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.training.files import read_card
from tailormed.training.warfarin import predict_one

pytestmark = pytest.mark.shared
_RUN = "import sys; from tailormed.cli import main; sys.argv[0] = 'tailormed'; main()"


class Result:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.exit_code = done.returncode
        self.stdout = done.stdout
        self.output = done.stdout + done.stderr


class Runner:
    """Runs the installed command line as a user would (subcommands registered, errors mapped to exit codes)."""

    def invoke(self, _app: object, args: list[str]) -> Result:
        env = {**os.environ, "TAILORMED_KB": "/nonexistent/kb", "COLUMNS": "200", "NO_COLOR": "1"}
        return Result(subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, env=env,
                                     timeout=300))


runner = Runner()
app = None
CONFIG = "folds: 3\nbootstrap: 200\nmodel: ridge\ncandidates: [ridge]\n"


@pytest.fixture(scope="module")
def model_dir(iwpc_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dose")
    (folder / "config.yaml").write_text(CONFIG)
    result = runner.invoke(app, ["response", "train", "--task", "warfarin-dose", "--data", str(iwpc_csv),
                                 "--config", str(folder / "config.yaml"), "-o", str(folder / "model")])
    assert result.exit_code == 0, result.output
    return folder / "model"


def test_card_records_data_choice_and_subgroups(model_dir: Path, iwpc_csv: Path) -> None:
    card = read_card(model_dir)
    assert card.training_data.sha256 == "99cc2dc5a2ceb3156a50054cbbad4b3a9c3cdb9117e2fe4b099548b7f8d431cf"
    assert (card.training_data.rows, card.training_data.rows_used) == (5004, 4825)
    assert card.model["kind"] == "ridge" and "chosen by the training configuration" in card.choice
    assert {s.group_by for s in card.subgroups} >= {"race", "sex", "site", "dose band"}
    mae = card.metrics["MAE mg/week (site-grouped CV)"]
    assert 7.5 < mae.low < mae.value < mae.high < 10.5
    assert (model_dir / "ridge.skops").is_file()


def test_predict_keeps_input_order_ids_and_interval(model_dir: Path, iwpc_csv: Path, tmp_path: Path) -> None:
    lines = iwpc_csv.read_text().splitlines()
    sample = tmp_path / "in.csv"
    sample.write_text("\n".join([lines[0], lines[30], lines[5], lines[12]]) + "\n")
    result = runner.invoke(app, ["response", "predict", "--model", str(model_dir), "--input", str(sample),
                                 "--level", "0.9"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected_ids = [next(csv.reader([line]))[0] for line in (lines[30], lines[5], lines[12])]
    assert [r["id"] for r in rows] == expected_ids
    for row in rows:
        assert float(row["interval_low"]) < float(row["predicted_dose_mg_week"]) < float(row["interval_high"])
        assert row["level"] == "0.9" and row["top_contributions"]


def test_evaluate_prints_paper_table_and_warns_in_sample(model_dir: Path, iwpc_csv: Path) -> None:
    result = runner.invoke(app, ["response", "evaluate", "--model", str(model_dir), "--data", str(iwpc_csv)])
    assert result.exit_code == 0, result.output
    assert "in-sample" in result.output
    for text in ("| ridge (saved model) | all | 4825 |", "dose band: low", "race: asian", "McNemar", "| 80% | all |"):
        assert text in result.output
    as_json = runner.invoke(app, ["response", "evaluate", "--model", str(model_dir), "--data", str(iwpc_csv),
                                  "--format", "json"])
    assert json.loads(as_json.stdout)["in_sample"] is True


def test_predict_one_payload(model_dir: Path) -> None:
    data = predict_one(model_dir, {"Age": "50 - 59", "Height (cm)": "180", "Weight (kg)": "90",
                                   "Race (OMB)": "White", "CYP2C9 consensus": "*1/*1",
                                   "VKORC1 -1639 consensus": "G/G"})
    assert data.unit == "mg/week" and data.interval_low < data.predicted < data.interval_high
    assert data.contribution_unit == "sqrt(mg/week)"
    assert data.contribution_baseline + sum(c.effect for c in data.contributions) == pytest.approx(
        data.predicted ** 0.5, abs=0.15)


def test_bad_input_and_bad_model_folder_exit_2(model_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Age,Height (cm),Weight (kg),Race (OMB),CYP2C9 consensus,VKORC1 -1639 consensus\n"
                   "60 - 69,170,abc,White,*1/*1,A/G\n")
    result = runner.invoke(app, ["response", "predict", "--model", str(model_dir), "--input", str(bad)])
    assert result.exit_code == 2 and "line 2" in result.output and "Weight (kg)" in result.output
    result = runner.invoke(app, ["response", "predict", "--model", str(tmp_path), "--input", str(bad)])
    assert result.exit_code == 2 and "not a model folder" in result.output
    (tmp_path / "c.yaml").write_text("folds: 1\n")
    result = runner.invoke(app, ["response", "train", "--task", "warfarin-dose", "--data", str(bad),
                                 "--config", str(tmp_path / "c.yaml"), "-o", str(tmp_path / "m")])
    assert result.exit_code == 2 and "folds" in result.output and not (tmp_path / "m").exists()


def test_care_plan_gets_the_model_prediction_for_a_warfarin_patient(
    model_dir: Path, tmp_path: Path, core: KnowledgeBundle
) -> None:
    from tailormed.demo import demo_record
    from tailormed.model.payloads import DosePredictionData
    from tailormed.model.pgx import WarfarinDose
    from tailormed.pipeline.analyze import analyze_files

    record = demo_record("demo-02-mensah")
    engines = ["pgx", "response"]
    with_model = analyze_files(record, out_dir=tmp_path / "a", bundle=core, engines=engines, models=model_dir.parent)
    finding = next(f for f in with_model.plan.findings if f.id == "response:warfarin-dose")
    prediction = finding.data
    assert isinstance(prediction, DosePredictionData)
    assert prediction.interval_low < prediction.predicted < prediction.interval_high
    assert prediction.level == 0.8 and prediction.model_card["name"].startswith(prediction.model_name.split(":")[0])
    assert any("VKORC1 -1639 consensus: A/G" in used for used in finding.evidence[0].inputs_used)
    formula = next(f for f in with_model.plan.findings if f.id == "pgx:warfarin:dose")
    assert isinstance(formula.data, WarfarinDose) and formula.data.weekly_mg is not None
    assert abs(prediction.predicted - formula.data.weekly_mg) < 0.5 * formula.data.weekly_mg

    without = analyze_files(record, out_dir=tmp_path / "b", bundle=core, engines=engines, models=tmp_path / "empty")
    assert "no trained warfarin-dose model" in without.engines_skipped["response"]
    no_warfarin = analyze_files(demo_record("demo-04-park"), out_dir=tmp_path / "c", bundle=core, engines=engines,
                          models=model_dir.parent)
    assert "warfarin is not on the medication list" in no_warfarin.engines_skipped["response"]
