"""``tailormed response``: train, apply and evaluate learned treatment-response models (warfarin dose, CATE).

``train`` cross-validates the candidates against the published baselines and saves the honest winner with its model
card; ``predict`` applies a saved model to a file of patients; ``evaluate`` scores a saved model on a data file and
prints the paper-style tables. The work is done by :mod:`tailormed.training` (files) and
:mod:`tailormed.engines.response`; this module parses options.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from tailormed.cli.console import err, out
from tailormed.cli.options import KbOption
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic

if TYPE_CHECKING:
    from tailormed.knowledge.warfarin import WarfarinKnowledge

if TYPE_CHECKING:
    from pydantic import BaseModel

    M = TypeVar("M", bound=BaseModel)

response_app = typer.Typer(
    rich_markup_mode=None,
    name="response",
    help="Learned treatment response: warfarin dose models and treatment effects, with model cards.",
    no_args_is_help=True,
)


class Task(StrEnum):
    WARFARIN_DOSE = "warfarin-dose"
    CATE = "cate"


class EvaluateFormat(StrEnum):
    MARKDOWN = "markdown"
    JSON = "json"


ModelOption = Annotated[Path, typer.Option("--model", "-m", help="Model folder written by 'response train'.")]
LevelOption = Annotated[
    float | None, typer.Option("--level", help="Interval level, e.g. 0.8 (default: the model's, 0.8).")
]


@response_app.command("train")
def train(
    task: Annotated[Task, typer.Option("--task", help="What to learn.")],
    data: Annotated[Path, typer.Option("--data", help="Training table (CSV: IWPC layout, or a trial table).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write (replaced atomically).")],
    config: Annotated[Path | None, typer.Option("--config", help="YAML of training settings.")] = None,
    kb: KbOption = None,
) -> None:
    """Cross-validate the candidates, pick the one that wins honestly, fit it on all rows and save it with its card."""
    settings = _config(config)
    if task is Task.WARFARIN_DOSE:
        from tailormed.engines.response.warfarin.evaluation import TrainConfig
        from tailormed.training.warfarin import train as train_dose

        dose_config = _parse(settings, TrainConfig, config)
        err.print(f"training warfarin dose models on {data} ({dose_config.folds}-fold site-grouped CV)")
        card = train_dose(data, output, _warfarin_knowledge(kb), dose_config)
    else:
        from tailormed.engines.response.cate.model import CateConfig
        from tailormed.training.cate import train as train_cate

        cate_config = _parse(settings, CateConfig, config)
        err.print(f"training treatment-effect models on {data} ({cate_config.folds}-fold cross-fitting)")
        card = train_cate(data, output, cate_config)
    out.print(f"model: {card.model.get('kind')}  ->  {output}", highlight=False)
    out.print(f"choice: {card.choice}", highlight=False)
    for name, estimate in card.metrics.items():
        out.print(f"{name}: {estimate.text(3)}", highlight=False)


@response_app.command("predict")
def predict(
    model: ModelOption,
    input_file: Annotated[Path, typer.Option("--input", "-i", help="Patients to predict (same layout as training).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write CSV here instead of stdout.")] = None,
    level: LevelOption = None,
    kb: KbOption = None,
) -> None:
    """Predict for every row of the input, in input order, with intervals and the largest contributions."""
    from tailormed.training.files import read_card

    card = read_card(model)
    if card.task == "warfarin-dose":
        from tailormed.engines.response.warfarin.predict import predictions_csv
        from tailormed.training.warfarin import load_model, predict_cases

        saved = load_model(model, _warfarin_knowledge(kb))
        text = predictions_csv(predict_cases(saved, input_file, level))
    else:
        from tailormed.training.cate import load_model as load_cate
        from tailormed.training.cate import predict_csv

        text = predict_csv(load_cate(model), input_file, level)
    if output is None:
        out.file.write(text)
        out.file.flush()
    else:
        write_text_atomic(output, text)
        err.print(f"wrote {text.count(chr(10)) - 1} predictions to {output}")


@response_app.command("evaluate")
def evaluate(
    model: ModelOption,
    data: Annotated[Path, typer.Option("--data", help="Table with outcomes to score the model on.")],
    output_format: Annotated[EvaluateFormat, typer.Option("--format", "-f")] = EvaluateFormat.MARKDOWN,
    kb: KbOption = None,
) -> None:
    """Score a saved model on a data file: the paper-style table, the paired comparison and interval coverage."""
    from tailormed.training.files import read_card

    card = read_card(model)
    if card.task == "warfarin-dose":
        from tailormed.engines.response.warfarin.render import accuracy_table, coverage_table, paired_table
        from tailormed.training.warfarin import evaluate_file, load_model

        report = evaluate_file(load_model(model, _warfarin_knowledge(kb)), data)
        if output_format is EvaluateFormat.JSON:
            out.file.write(report.model_dump_json(indent=1) + "\n")
            return
        if report.in_sample:
            err.print("[yellow]warning:[/] this is the training file: these numbers are in-sample; the card holds "
                      "the cross-validated ones", highlight=False)
        text = [f"# {card.name} ({report.model}) on {data} (n = {report.n})", "", accuracy_table(report.table), ""]
        if report.paired is not None:
            text += [paired_table([report.paired]), ""]
        text += [coverage_table(report.coverage, "race"), ""]
    else:
        from tailormed.training.cate import evaluate_text

        text = [evaluate_text(model, data, json_format=output_format is EvaluateFormat.JSON)]
    out.file.write("\n".join(text) + ("\n" if not text[-1].endswith("\n") else ""))
    out.file.flush()


def _warfarin_knowledge(kb: Path | None) -> WarfarinKnowledge:
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.knowledge.warfarin import load_knowledge

    return load_knowledge(load_bundle(kb))


def _config(path: Path | None) -> object:
    if path is None:
        return {}
    from tailormed.errors import KnowledgeError
    from tailormed.knowledge.files import read_yaml

    try:
        data = read_yaml(path, "training config")
    except KnowledgeError as exc:
        raise InputError(exc.message, source=path, location=exc.location) from exc
    return data or {}


def _parse(data: object, model: type[M], source: Path | None) -> M:
    from pydantic import ValidationError

    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or None
        raise InputError(f"invalid training config: {first['msg']}", source=source or "config",
                         location=where) from exc
    return parsed
