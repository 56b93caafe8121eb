"""``tailormed risk``: clinical risk equations on a table of cases (``calc``) or one patient's record (``assess``).

``risk calc MODEL --input CASES.tsv`` keeps every input column and appends the model's results, one output row per
input row. ``risk assess --record PATIENT [--vcf VCF]`` maps the record to every equation, integrates polygenic and
hereditary findings from the VCF when those engines are installed, and shows what-if scenarios.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tailormed.cli.console import err, out, plain
from tailormed.cli.options import AbsentIsReferenceOption, BuildOption, KbOption
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic

risk_app = typer.Typer(
    rich_markup_mode=None,
    name="risk",
    help="Clinical risk equations (PCE, PREVENT, FINDRISC, Gail/BCRAT), integrated with genetics, with what-ifs.",
    no_args_is_help=True,
)


class CalcModelName(StrEnum):
    PCE = "pce"
    PREVENT = "prevent"
    FINDRISC = "findrisc"
    GAIL = "gail"


class AssessFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", source=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=path) from exc


@risk_app.command("calc")
def calc(
    model: Annotated[CalcModelName, typer.Argument(case_sensitive=False, help="pce, prevent, findrisc or gail.")],
    input_path: Annotated[Path, typer.Option("--input", "-i", help="TSV of cases with the model's input columns.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")
    ] = None,
    kb: KbOption = None,
) -> None:
    """Compute one model for every row of a TSV: input columns kept, results appended (risks as fractions)."""
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.knowledge.risk.load import load_risk_knowledge
    from tailormed.pipeline.plausible import plausibility
    from tailormed.pipeline.risk_cases import calc_cases

    bundle = load_bundle(kb)
    knowledge = load_risk_knowledge(bundle)
    text, rows = calc_cases(
        model.value, _read_text(input_path), knowledge, source=input_path, plausible=plausibility(bundle)
    )
    if output is None:
        out.file.write(text)
        out.file.flush()
    else:
        write_text_atomic(output, text)
        err.print(f"wrote {rows} {model.value} results to {output}")


@risk_app.command("assess")
def assess(
    record: Annotated[Path, typer.Option("--record", help="Patient record (YAML/JSON).")],
    vcf: Annotated[
        Path | None,
        typer.Option("--vcf", help="Germline VCF (default: the record's genome.vcf); adds genetic findings to risks."),
    ] = None,
    on: Annotated[str | None, typer.Option("--on", help="Analysis date (YYYY-MM-DD) for ages; default today.")] = None,
    absent_is_reference: AbsentIsReferenceOption = False,
    build: BuildOption = None,
    kb: KbOption = None,
    output_format: Annotated[AssessFormat, typer.Option("--format", "-f", help="Output format.")] = AssessFormat.TABLE,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the JSON here (atomically).")] = None,
) -> None:
    """Integrated absolute risks for one patient, with what-if scenarios and what could not be assessed."""
    from tailormed.intake.record import load_record, resolve_genome_path
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline.analyze import analyze, read_patient_genome
    from tailormed.pipeline.plausible import plausibility
    from tailormed.report.tables import risk_json

    when = _date(on)
    bundle = load_bundle(kb)
    patient = load_record(record, plausibility(bundle))
    genome = vcf or resolve_genome_path(patient, record)
    evidence = None
    if genome is not None:
        evidence = read_patient_genome(
            genome, patient, bundle, engines=["risk"], build=build, absent_is_reference=absent_is_reference or None
        )
    result = analyze(patient, evidence, bundle, on=when, engines=["risk"])
    run = result.runs["risk"]
    text = risk_json(patient.id, when, result.runs, genome=evidence is not None)
    if output is not None:
        write_text_atomic(output, text)
        err.print(f"wrote {len(run.findings)} risks to {output}")
    if output_format is AssessFormat.JSON:
        if output is None:
            out.file.write(text)
            out.file.flush()
        return
    _table(json.loads(text))


def _date(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--on {text!r} is not a date (YYYY-MM-DD)") from None


def _table(payload: dict[str, object]) -> None:
    from rich.table import Table

    from tailormed.engines.risk.whatif import in_words

    risks = payload.get("risks")
    if not risks:
        out.print(f"No risk could be computed for {payload.get('patient')} on {payload.get('on')}.", markup=False)
    table = Table(title=plain(f"Risks for {payload.get('patient')} on {payload.get('on')}"), show_lines=True)
    for column in ("risk", "equation", "with genetics", "what if (same people)"):
        table.add_column(column)
    for risk in risks if isinstance(risks, list) else []:
        equation = risk.get("equation_risk")
        integrated = risk.get("integrated_risk")
        shown = "not applicable" if equation is None else in_words(equation) + f" ({equation:.1%})"
        if not risk.get("applicable", True) and equation is not None:
            shown = f"at least {shown}"
        genetic = "-"
        if risk.get("override_reason"):
            genetic = str(risk["override_reason"])
        elif risk.get("polygenic_score") and integrated is not None:
            genetic = f"{in_words(integrated)} ({risk['polygenic_score']}, RR {risk['polygenic_relative_risk']:.2f})"
        what_if = "\n".join(
            f"{s['title']}: {in_words(s['risk_before'], s['risk_after'])}" for s in risk.get("scenarios", [])
        )
        label = str(risk.get("title"))
        if risk.get("category"):
            label += f"\n({str(risk['category']).replace('_', ' ')})"
        table.add_row(plain(label), plain(shown), plain(genetic), plain(what_if or "-"))
    if risks:
        out.print(table)
    missing = payload.get("not_assessed")
    for item in missing if isinstance(missing, list) else []:
        out.print(f"[yellow]not assessed:[/] {plain(item['item'])}: {plain(item['reason'])}", highlight=False)
