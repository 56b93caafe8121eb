"""``tailormed.analyze``: one patient's record, genome evidence and knowledge into a care plan, in memory.

:func:`analyze` runs every engine that applies — each after the engines it declares it needs — on the same
:class:`~tailormed.pipeline.engine_api.PatientContext` and joins their findings into one plan; it opens no file.
:func:`read_patient_genome` reads a genome once for every engine of the analysis (the request is what the engines
ask the knowledge for). :func:`write_outputs` renders the result into ``OUT/<patient id>/`` in one atomic folder swap.
:func:`analyze_files` is the path-based convenience the CLI uses: record, VCFs (or a stored ``evidence.json``) in,
folder out. Bad input (a broken VCF, an unreadable record) raises before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, ValidationError

from tailormed.collector import paused as collector_paused
from tailormed.errors import InputError
from tailormed.evidence.plan import PlanCache
from tailormed.evidence.read import read_genome
from tailormed.evidence.reader import GenomeInput
from tailormed.evidence.tumour import read_tumour
from tailormed.fileio import safe_folder_name, write_folder_atomic
from tailormed.intake.outside_calls import OutsideCalls
from tailormed.intake.plausible import check_plausible
from tailormed.intake.record import load_record, resolve_genome_path, resolve_outside_calls
from tailormed.knowledge import markers
from tailormed.knowledge.bundle import KnowledgeBundle, load_bundle
from tailormed.knowledge.onco import core as onco_core
from tailormed.knowledge.plausible import SOURCE as RANGES_SOURCE
from tailormed.model.base import Contract
from tailormed.model.careplan import CarePlan
from tailormed.model.engine import EngineRun
from tailormed.model.evidence import AbsentPolicy, GenomeEvidence, GenomeRequest, TumourEvidence
from tailormed.model.finding import Finding, NotAssessed
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Patient
from tailormed.model.pgx import GeneCall
from tailormed.pipeline.engine_api import PatientContext, Progress
from tailormed.pipeline.engines import run_order
from tailormed.pipeline.plausible import plausibility
from tailormed.plan.assemble import assemble_plan
from tailormed.report.outputs import ReportSupport, report_files, report_inputs, report_support
from tailormed.report.summary import summary_text

if TYPE_CHECKING:
    from tailormed.pipeline.response import ResponseModels

CAREPLAN_FILE = "careplan.json"
EVIDENCE_FILE = "evidence.json"
TUMOUR_EVIDENCE_FILE = "tumour_evidence.json"
RUNS_FILE = "runs.json"
SUMMARY_FILE = "summary.txt"


class AnalysisResult(Contract):
    """What one analysis produced: the care plan, every engine's run, and the evidence it rests on."""

    patient: Patient
    plan: CarePlan
    runs: dict[str, EngineRun] = Field(description="Engine name -> run, in the order they ran")
    evidence: GenomeEvidence | None = None
    tumour: TumourEvidence | None = None
    pdf: bool = Field(default=True, description="Whether the reports are also rendered to PDF (when WeasyPrint works)")
    folder: Path | None = Field(default=None, description="Where write_outputs put the files (None: not written)")
    files: list[Path] = Field(default_factory=list, description="Every file written, in the folder")

    @property
    def patient_id(self) -> str:
        return self.patient.id

    @property
    def engines_run(self) -> list[str]:
        return [name for name, run in self.runs.items() if run.skipped is None]

    @property
    def engines_skipped(self) -> dict[str, str]:
        return {name: run.skipped for name, run in self.runs.items() if run.skipped is not None}


class EngineRuns(Contract):
    """The engine runs of one analysis, as ``runs.json`` stores them."""

    patient_id: str
    runs: dict[str, EngineRun]


def genome_request(patient: Patient, knowledge: KnowledgeBundle, engines: Sequence[str] | None = None) -> GenomeRequest:
    """Everything the engines of this analysis want from the patient's genome, plus the build markers."""
    request = GenomeRequest(markers=markers.build_markers(knowledge))
    for spec in run_order(engines):
        if spec.genome is not None:
            wanted = spec.genome(patient, knowledge)
            if wanted is not None:
                request = request.merged(wanted)
    return request


def read_patient_genome(
    source: GenomeInput | Path | int,
    patient: Patient,
    knowledge: KnowledgeBundle,
    *,
    engines: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    absent_is_reference: bool | None = None,
    on_progress: Progress | None = None,
) -> GenomeEvidence:
    """The patient's genome evidence from one reading pass, for every engine of the analysis.

    The sample is the record's ``genome.sample`` (else the file's only one); ``absent_is_reference`` from the
    command line wins over the record's, and the evidence says who decided.
    """
    genome = patient.genome
    return read_genome(
        source,
        genome_request(patient, knowledge, engines),
        sample=genome.sample if genome is not None and genome.sample else None,
        build=build,
        absent=AbsentPolicy.resolve(absent_is_reference, genome.absent_is_reference if genome else None),
        on_progress=on_progress,
        plans=plan_cache(),
    )


@cache
def plan_cache() -> PlanCache:
    """Compiled read plans: the last few of this process in memory, and those of earlier runs in the user's cache
    folder (``TAILORMED_CACHE_DIR``, else ``$XDG_CACHE_HOME/tailormed``, else ``~/.cache/tailormed``)."""
    root = os.environ.get("TAILORMED_CACHE_DIR")
    if root is None:
        root = str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tailormed")
    return PlanCache(Path(root) / "read-plans")


def analyze(
    patient: Patient,
    evidence: GenomeEvidence | None,
    knowledge: KnowledgeBundle,
    *,
    tumour: TumourEvidence | None = None,
    on: date | None = None,
    outside_calls: OutsideCalls | None = None,
    models: ResponseModels | None = None,
    engines: Sequence[str] | None = None,
    inputs: dict[str, str] | None = None,
    pdf: bool = True,
) -> AnalysisResult:
    """Run every applicable engine (or ``engines`` and what they need) and join their findings into a care plan.

    The patient's measurements are first held to the bundle's plausibility ranges (an InputError naming the patient
    and the field, as intake does for files), so no engine scores an impossible value however the patient was made;
    the plan records the ranges' version. ``pdf`` False leaves PDF reports out (the plan says so); the HTML reports
    are still rendered.
    """
    check_plausible(patient, patient.id, plausibility(knowledge), on=on)
    runs = run_engines(
        patient,
        evidence,
        knowledge,
        on=on or date.today(),
        tumour=tumour,
        outside_calls=outside_calls,
        models=models,
        engines=engines,
    )
    plan_inputs = {**(inputs or {}), "knowledge_bundle": knowledge.location}
    plan_inputs.update(report_inputs(patient, reports_wanted(pdf)))
    plan = plan_from_runs(patient, runs.values(), inputs=plan_inputs, bundle=knowledge)
    return AnalysisResult(patient=patient, plan=plan, runs=runs, evidence=evidence, tumour=tumour, pdf=pdf)


def run_engines(
    patient: Patient,
    evidence: GenomeEvidence | None,
    knowledge: KnowledgeBundle,
    *,
    on: date,
    tumour: TumourEvidence | None = None,
    outside_calls: OutsideCalls | None = None,
    models: ResponseModels | None = None,
    engines: Sequence[str] | None = None,
    pgx_calls: Sequence[GeneCall] | None = None,
) -> dict[str, EngineRun]:
    """Every applicable engine's run (or ``engines`` and what they need), each after the engines it needs.

    This is the engine part of :func:`analyze`; cohort runs call it per person on evidence read for many at once,
    with the PGx matcher's calls made for the whole block (``pgx_calls``).
    """
    runs: dict[str, EngineRun] = {}
    for spec in run_order(engines):
        ctx = PatientContext(
            patient=patient,
            knowledge=knowledge,
            on=on,
            evidence=evidence,
            tumour=tumour,
            outside_calls=outside_calls,
            models=models,
            earlier={name: runs[name] for name in spec.needs},
            pgx_calls=pgx_calls,
        )
        runs[spec.name] = spec.run(ctx).named(spec.name)
    return runs


def reports_wanted(pdf: bool) -> ReportSupport:
    """What this installation can render, less PDF when it is not wanted."""
    return report_support(pdf)


def plan_from_runs(
    patient: Patient, runs: Iterable[EngineRun], *, inputs: dict[str, str], bundle: KnowledgeBundle | None = None
) -> CarePlan:
    """Join engine runs into one care plan: their findings, input facts, knowledge versions (with the plausibility
    ranges of ``bundle`` the record was held to) and limitations."""
    findings: list[Finding] = []
    limitations: list[NotAssessed] = []
    knowledge: dict[str, str] = {RANGES_SOURCE: bundle.source(RANGES_SOURCE).version} if bundle is not None else {}
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


def output_files(result: AnalysisResult) -> dict[str, str | bytes]:
    """Every file of an analysis by name: plan, evidence, runs, engine tables, summary and reports."""
    files: dict[str, str | bytes] = {CAREPLAN_FILE: result.plan.model_dump_json(indent=2) + "\n"}
    if result.evidence is not None:
        files[EVIDENCE_FILE] = result.evidence.model_dump_json(indent=1) + "\n"
    if result.tumour is not None:
        files[TUMOUR_EVIDENCE_FILE] = result.tumour.model_dump_json(indent=1) + "\n"
    files[RUNS_FILE] = EngineRuns(patient_id=result.patient.id, runs=result.runs).model_dump_json(indent=1) + "\n"
    for run in result.runs.values():
        files.update(run.tables)
    files.update(plan_files(result.plan, result.patient, pdf=result.pdf))
    return files


def write_outputs(result: AnalysisResult, out_dir: Path) -> AnalysisResult:
    """Write the analysis into ``out_dir/<patient id>/``: this run's files replace the previous run's, atomically;
    other files in the folder are left alone (:func:`tailormed.fileio.write_folder_atomic`)."""
    folder = out_dir / safe_folder_name(result.patient.id)
    written = write_folder_atomic(folder, output_files(result))
    return result.model_copy(update={"folder": folder, "files": written})


@collector_paused()
def analyze_files(
    record: Path,
    *,
    out_dir: Path,
    vcf: Path | None = None,
    tumour_vcf: Path | None = None,
    evidence: Path | None = None,
    kb: Path | None = None,
    outside_calls: Path | None = None,
    absent_is_reference: bool | None = None,
    on: date | None = None,
    build: GenomeBuild | None = None,
    models: Path | None = None,
    bundle: KnowledgeBundle | None = None,
    engines: Sequence[str] | None = None,
    pdf: bool = True,
    on_progress: Progress | None = None,
) -> AnalysisResult:
    """The path-based analysis: read the record and each genome input once, analyze, write the folder.

    ``vcf`` defaults to the record's ``genome.vcf`` (relative to the record); ``evidence`` (a stored
    ``evidence.json``) replaces reading any VCF. ``absent_is_reference`` None leaves the choice to the record.
    ``bundle`` reuses an open knowledge bundle (else ``kb``, else the installed one) across patients. The cycle
    collector is paused meanwhile (:mod:`tailormed.collector`): knowledge, evidence and results hold no cycles.
    """
    from tailormed.pipeline.pgx import load_calling, read_outside
    from tailormed.pipeline.response import load_response_models

    knowledge = bundle or load_bundle(kb)
    patient = load_record(record, plausibility(knowledge))
    outside_path = outside_calls or resolve_outside_calls(patient, record)
    outside = None
    if outside_path is not None:
        definitions, tables = load_calling(knowledge)
        outside = read_outside(outside_path, definitions, tables=tables)
    genome_evidence = None
    if evidence is not None:
        genome_evidence = read_evidence(evidence)
    else:
        genome = vcf or resolve_genome_path(patient, record)
        if genome is not None:
            genome_evidence = read_patient_genome(
                genome,
                patient,
                knowledge,
                engines=engines,
                build=build,
                absent_is_reference=absent_is_reference,
                on_progress=on_progress,
            )
    tumour = None
    if tumour_vcf is not None:
        hotspots = onco_core.build_hotspots(onco_core.gene_table(knowledge).genes)
        tumour = read_tumour(tumour_vcf, build=build, hotspots=hotspots, on_progress=on_progress)
    try:
        result = analyze(
            patient,
            genome_evidence,
            knowledge,
            tumour=tumour,
            on=on,
            outside_calls=outside,
            models=load_response_models(models, patient) if engines is None or "response" in engines else None,
            engines=engines,
            inputs={"record": str(record)},
            pdf=pdf,
        )
    except InputError as exc:
        if exc.source != patient.id:
            raise
        raise InputError(exc.message, source=record, location=exc.location) from exc  # the record's file, not its id
    return write_outputs(result, out_dir)


def read_evidence(path: Path) -> GenomeEvidence:
    """A stored ``evidence.json``; InputError naming the file when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the evidence file ({exc.strerror})", source=path) from exc
    try:
        return GenomeEvidence.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        raise InputError(f"not a tailormed genome evidence file: {where}: {first['msg']}", source=path) from exc


def read_plan(path: Path) -> CarePlan:
    """A stored ``careplan.json``; InputError naming the file when it is not one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the care plan ({exc.strerror})", source=path) from exc
    try:
        return CarePlan.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        raise InputError(f"not a tailormed care plan: {where}: {first['msg']}", source=path) from exc


def plan_files(plan: CarePlan, patient: Patient, *, pdf: bool = True) -> dict[str, str | bytes]:
    """The files rendered from a care plan alone: the summary, the reports and every other rendering."""
    return {SUMMARY_FILE: summary_text(patient, plan), **report_files(plan, patient, reports_wanted(pdf))}


def render_plan(
    plan_path: Path, record: Path, out_dir: Path, *, pdf: bool = True, kb: Path | None = None
) -> list[Path]:
    """Re-render a stored care plan's reports into ``out_dir/<patient id>/`` without running any engine.

    The record gives what reports show besides the plan (the patient's name, language); its id must be the plan's.
    It is read as ``analyze`` reads it, against the plausibility ranges of ``kb`` (else the installed bundle).
    """
    plan = read_plan(plan_path)
    patient = load_record(record, plausibility(load_bundle(kb)))
    if patient.id != plan.patient_id:
        raise InputError(f"the record is patient {patient.id!r} but the plan is for {plan.patient_id!r}", source=record)
    return write_folder_atomic(out_dir / safe_folder_name(patient.id), plan_files(plan, patient, pdf=pdf))
