"""``tailormed.analyze``: one patient's record (and genome) into a care plan and its files.

Every engine listed in :mod:`tailormed.pipeline.engines` runs on the same :class:`PatientContext`; their findings
are joined into one plan. Everything is computed first and written last, into ``OUT/<patient id>/``
(:func:`tailormed.fileio.write_folder_atomic`), so bad input (a broken VCF, an unreadable record) leaves no output
behind, and a rerun replaces the previous run's files and leaves every other file in the folder alone. The clinician
and patient reports (HTML, and PDF when WeasyPrint works) are written with the plan; what this installation could
not render is recorded in the plan's inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import Field

from tailormed.fileio import safe_folder_name, write_folder_atomic
from tailormed.intake.record import load_record, resolve_genome_path, resolve_outside_calls
from tailormed.knowledge.bundle import KnowledgeBundle, load_bundle
from tailormed.model.base import Contract
from tailormed.model.careplan import CarePlan
from tailormed.model.finding import Finding, NotAssessed
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Patient
from tailormed.pipeline.engine_api import EngineRun, PatientContext, Progress
from tailormed.pipeline.engines import engine, engine_names
from tailormed.plan.assemble import assemble_plan, is_actionable
from tailormed.report.outputs import report_files, report_inputs, report_support

CAREPLAN_FILE = "careplan.json"
SUMMARY_FILE = "summary.txt"


class AnalysisResult(Contract):
    """What one analysis produced: the care plan, which engines ran or were skipped, and the files written."""

    patient_id: str
    folder: Path
    files: list[Path] = Field(description="Every file written, in the folder")
    plan: CarePlan
    engines_run: list[str] = Field(default_factory=list)
    engines_skipped: dict[str, str] = Field(default_factory=dict, description="Engine name -> why it did not apply")


def analyze(
    record: Path,
    *,
    vcf: Path | None = None,
    tumour_vcf: Path | None = None,
    out_dir: Path,
    kb: Path | None = None,
    outside_calls: Path | None = None,
    absent_is_reference: bool | None = None,
    on: date | None = None,
    build: GenomeBuild | None = None,
    models: Path | None = None,
    bundle: KnowledgeBundle | None = None,
    engines: Sequence[str] | None = None,
    on_progress: Progress | None = None,
) -> AnalysisResult:
    """Analyze one patient with every applicable engine and write the plan and each engine's files.

    ``vcf`` defaults to the record's ``genome.vcf`` (relative to the record); with neither, genotype-based engines
    say they were not run. ``absent_is_reference`` None leaves the choice to the record. ``bundle`` reuses an open
    knowledge bundle (else ``kb``, else the installed one) across patients. ``engines`` restricts which run.
    """
    patient = load_record(record)
    bundle = bundle or load_bundle(kb)
    ctx = PatientContext(
        patient=patient,
        record_path=record,
        bundle=bundle,
        on=on or date.today(),
        vcf=vcf or resolve_genome_path(patient, record),
        outside_calls=outside_calls or resolve_outside_calls(patient, record),
        tumour_vcf=tumour_vcf,
        absent_is_reference=absent_is_reference,
        build=build,
        models=models,
        on_progress=on_progress,
    )
    names = list(engines) if engines is not None else engine_names()
    runs: dict[str, EngineRun] = {}
    for name in names:
        runs[name] = engine(name)(replace(ctx, earlier=dict(runs)))
    support = report_support()
    inputs = {"record": str(record), "knowledge_bundle": bundle.location, **report_inputs(patient, support)}
    plan = plan_from_runs(patient, runs.values(), inputs=inputs, bundle=bundle)
    files: dict[str, str | bytes] = {CAREPLAN_FILE: plan.model_dump_json(indent=2) + "\n"}
    for run in runs.values():
        files.update(run.files)
    files[SUMMARY_FILE] = summary_text(patient, plan)
    files.update(report_files(plan, patient, support))
    folder = out_dir / safe_folder_name(patient.id)
    written = write_folder_atomic(folder, files)
    return AnalysisResult(
        patient_id=patient.id,
        folder=folder,
        files=written,
        plan=plan,
        engines_run=[name for name, run in runs.items() if run.skipped is None],
        engines_skipped={name: run.skipped for name, run in runs.items() if run.skipped is not None},
    )


def plan_from_runs(
    patient: Patient, runs: Iterable[EngineRun], *, inputs: dict[str, str], bundle: KnowledgeBundle | None = None
) -> CarePlan:
    """Join engine runs into one care plan: their findings, input facts, knowledge versions and limitations."""
    findings: list[Finding] = []
    limitations: list[NotAssessed] = []
    knowledge: dict[str, str] = {}
    merged_inputs = dict(inputs)
    for run in runs:
        findings.extend(run.findings)
        limitations.extend(run.limitations)
        knowledge.update(run.versions)
        merged_inputs.update(run.inputs)
    return assemble_plan(
        patient,
        findings,
        inputs=merged_inputs,
        knowledge=knowledge,
        generated_at=datetime.now(UTC),
        limitations=limitations,
        bundle=bundle,
    )


def summary_text(patient: Patient, plan: CarePlan) -> str:
    """A short plain-text summary: inputs, actionable findings, actions, conflicts and limitations."""
    lines = [f"tailormed care plan for {patient.id}" + (f" ({patient.display_name})" if patient.display_name else "")]
    lines.append(f"generated {plan.generated_at.isoformat(timespec='seconds')} by tailormed {plan.tailormed_version}")
    lines += [f"{name}: {value}" for name, value in plan.inputs.items()]
    if plan.knowledge:
        lines.append("knowledge: " + ", ".join(f"{k} {v}" for k, v in sorted(plan.knowledge.items())))
    lines += _section("Actionable findings", [f.title for f in plan.findings if is_actionable(f)])
    lines += _section("Actions", [f"[{a.kind.value}] {a.title}" for a in plan.actions])
    lines += _section("Conflicts", [f"[{c.kind}] {c.description}" for c in plan.conflicts])
    lines += _section("Problems", [p.title for p in plan.problems])
    lines += _section("Decisions", [f"{d.question} First for you: {d.ranking[0]}" for d in plan.decisions if d.ranking])
    lines += _section("Not assessed", [f"{n.item}: {n.reason}" for n in plan.limitations])
    return "\n".join(lines) + "\n"


def _section(title: str, items: Sequence[str]) -> list[str]:
    return ["", f"{title} ({len(items)})", *(f"- {item}" for item in items)] if items else ["", f"{title}: none"]
