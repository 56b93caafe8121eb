"""``tailormed analyze`` (one patient into a care plan and its files) and ``tailormed demo`` (every demo patient)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tailormed.cli.console import err, out, plain, progress
from tailormed.cli.options import (
    AbsentIsReferenceOption,
    BuildOption,
    KbOption,
    OutsideCallsOption,
    RecordVcfOption,
)

if TYPE_CHECKING:
    from tailormed.pipeline.analyze import AnalysisResult
    from tailormed.report.view import SummaryLine

DEFAULT_DEMO_OUT = Path("tailormed-output")
REPORT_PREFIX = "report_"


def analyze(
    record: Annotated[Path, typer.Option("--record", help="Patient record (YAML/JSON).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder; results go to OUT/<patient id>/.")],
    vcf: RecordVcfOption = None,
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            help="A stored evidence.json (from an earlier analyze) to plan from instead of reading the VCF.",
        ),
    ] = None,
    outside_calls: OutsideCallsOption = None,
    absent_is_reference: AbsentIsReferenceOption = False,
    tumour_vcf: Annotated[
        Path | None,
        typer.Option("--tumour-vcf", help="Somatic (tumour) VCF for therapy matching; needs the record's tumour type."),
    ] = None,
    build: BuildOption = None,
    models: Annotated[
        Path | None,
        typer.Option(
            "--models",
            help="Folder of trained response models (from `tailormed response train`); default $TAILORMED_MODELS.",
        ),
    ] = None,
    kb: KbOption = None,
    no_pdf: Annotated[
        bool, typer.Option("--no-pdf", help="Write the HTML reports only (PDF rendering is the slowest step).")
    ] = False,
) -> None:
    """Analyze one patient with every engine that applies: care plan, reports and engine tables, written atomically."""
    from tailormed.collector import paused
    from tailormed.errors import InputError

    if evidence is not None and vcf is not None:
        raise InputError("--evidence replaces reading the VCF: give --evidence or --vcf, not both")
    with progress() as bar, paused():
        from tailormed.pipeline.analyze import analyze_files

        task = bar.add_task(f"analyzing {record.name}", total=None)
        result = analyze_files(
            record,
            vcf=vcf,
            evidence=evidence,
            out_dir=out_dir,
            kb=kb,
            outside_calls=outside_calls,
            absent_is_reference=True if absent_is_reference else None,
            tumour_vcf=tumour_vcf,
            build=build,
            models=models,
            pdf=not no_pdf,
            on_progress=lambda n: bar.advance(task, n),
        )
        # The command ends here: what the analysis left (knowledge, evidence, plan) lives until the process exits,
        # so it is frozen out of the collector rather than walked by the collections resuming would start.
        gc.freeze()
    _print_result(result)


def report(
    plan: Annotated[Path, typer.Option("--plan", help="A stored careplan.json (from tailormed analyze).")],
    record: Annotated[Path, typer.Option("--record", help="The patient's record (YAML/JSON) the plan was made for.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder; reports go to OUT/<patient id>/.")],
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Write the HTML reports only.")] = False,
    kb: KbOption = None,
) -> None:
    """Render a stored care plan's reports again (summary, HTML/PDF, FHIR) without reading the genome."""
    from tailormed.pipeline.analyze import render_plan

    written = render_plan(plan, record, out_dir, pdf=not no_pdf, kb=kb)
    err.print(f"wrote {len(written)} files to {written[0].parent if written else out_dir}", markup=False)
    for path in written:
        out.print(f"  {path}", highlight=False, markup=False)


def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder; each patient goes to OUT/<patient id>/.")
    ] = DEFAULT_DEMO_OUT,
    kb: KbOption = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="Then serve the web app and API in demo mode on http://127.0.0.1:8000 until Ctrl-C.",
        ),
    ] = False,
) -> None:
    """Analyze every bundled demo patient, show what each plan found and end with the reports' paths.

    With --serve, then serve the web app and API on the same demo patients until Ctrl-C."""
    from rich.table import Table
    from rich.text import Text

    from tailormed.demo import demo_records
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.pipeline.analyze import analyze_files

    bundle = load_bundle(kb)
    records = demo_records()
    results: list[AnalysisResult] = []
    with progress() as bar:
        task = bar.add_task("demo patients", total=len(records))
        for record in records:
            bar.update(task, description=f"analyzing {plain(record.stem)}")
            results.append(analyze_files(record, out_dir=out_dir, bundle=bundle))
            bar.advance(task)
    table = Table(title=Text(f"Demo patients ({bundle.location})"))
    for column in ("patient", "act on now", "actions", "conflicts", "decisions", "key findings"):
        table.add_column(column)
    for result in results:
        act_now = _act_now(result)
        table.add_row(
            Text(result.patient_id),
            str(len(act_now)),
            str(len(result.plan.actions)),
            str(len(result.plan.conflicts)),
            str(len(result.plan.decisions)),
            Text("\n".join(dict.fromkeys(_headline(line.text) for line in act_now)) or "-"),
        )
    out.print(table)
    out.print("[bold]files written:[/]", highlight=False)
    for result in results:
        names = ", ".join(path.name for path in result.files)
        out.print(f"  {result.folder}/: {names}", highlight=False, soft_wrap=True, markup=False)
    reports = [path for result in results for path in result.files if path.name.startswith(REPORT_PREFIX)]
    if not reports:
        out.print(
            f"no reports: {results[0].plan.inputs.get('reports', '')}" if results else "", highlight=False, markup=False
        )
    else:
        out.print("[bold]reports:[/]", highlight=False)
        for path in reports:
            out.print(f"  {path}", highlight=False, soft_wrap=True, markup=False)
    if serve:
        from tailormed.cli.service import run_server

        run_server(demo=True, kb=kb, notes=["demo reports written:", *(f"  {path}" for path in reports)])


def _headline(text: str) -> str:
    """A summary line up to its first ": " outside parentheses: the drug, gene or biomarker it is about, with a
    parenthesised qualifier kept whole ("for metastatic disease only (this tumour: stage III, early)")."""
    depth = 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth == 0 and text.startswith(": ", i):
            return text[:i]
    return text


def _act_now(result: AnalysisResult) -> list[SummaryLine]:
    """What to act on now, as the clinician summary lists it: one line per drug and per biomarker-therapy."""
    from tailormed.report.view import build_view

    return build_view(result.plan, result.patient).act_now


def _print_result(result: AnalysisResult) -> None:
    from rich.table import Table
    from rich.text import Text

    from tailormed.report.text import plain_word

    plan = result.plan
    act_now = _act_now(result)
    out.print(f"[bold]care plan[/] for {plain(result.patient_id)}", highlight=False)
    if not act_now:
        out.print("nothing to act on now", highlight=False)
    else:
        table = Table(title=f"Act on now ({len(act_now)})")
        for column in ("priority", "what", "evidence"):
            table.add_column(column)
        for line in act_now:
            table.add_row(Text(plain_word(line.priority)), Text(line.text), Text(line.sources))
        out.print(table)
    for action in plan.actions:
        out.print(f"[bold]{plain_word(action.kind)}:[/] {plain(action.title)}", highlight=False)
    for conflict in plan.conflicts:
        out.print(f"[bold yellow]{plain_word(conflict.kind)}:[/] {plain(conflict.description)}", highlight=False)
    out.print(f"{len(plan.limitations)} item(s) not assessed; see summary.txt", highlight=False)
    err.print(f"wrote {len(result.files)} files to {result.folder}", markup=False)
    for path in result.files:
        out.print(f"  {path}", highlight=False, markup=False)
