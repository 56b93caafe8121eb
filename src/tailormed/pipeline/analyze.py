"""``tailormed.analyze``: one patient's record (and genome) into a care plan and its files.

Everything is computed first and written last, into ``OUT/<patient id>/`` in one atomic folder swap, so bad input
(a broken VCF, an unreadable record) leaves no output behind and a rerun replaces the previous results whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import Field

from tailormed.fileio import write_folder_atomic
from tailormed.intake.record import load_record, resolve_genome_path, resolve_outside_calls
from tailormed.knowledge.bundle import KnowledgeBundle, load_bundle
from tailormed.model.base import Contract
from tailormed.model.careplan import CarePlan
from tailormed.model.finding import NotAssessed
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Patient
from tailormed.pipeline.pgx import PatientPgx, Progress, calls_tsv, run_patient_pgx
from tailormed.plan.assemble import assemble_plan, is_actionable

CAREPLAN_FILE = "careplan.json"
PGX_FILE = "pgx.tsv"
GENOTYPES_FILE = "genotypes.json"
SUMMARY_FILE = "summary.txt"


class AnalysisResult(Contract):
    """What one analysis produced: the care plan, the PGx run (None without a genome) and the files written."""

    patient_id: str
    folder: Path
    files: list[Path] = Field(description="Every file written, in the folder")
    plan: CarePlan
    pgx: PatientPgx | None = None


def analyze(
    record: Path,
    *,
    vcf: Path | None = None,
    out_dir: Path,
    kb: Path | None = None,
    outside_calls: Path | None = None,
    absent_is_reference: bool | None = None,
    on: date | None = None,
    build: GenomeBuild | None = None,
    bundle: KnowledgeBundle | None = None,
    on_progress: Progress | None = None,
) -> AnalysisResult:
    """Analyze one patient and write ``careplan.json``, ``pgx.tsv``, ``genotypes.json`` and ``summary.txt``.

    ``vcf`` defaults to the record's ``genome.vcf`` (relative to the record); with neither, the plan has no
    genotype-based findings and says so in its limitations. ``absent_is_reference`` None leaves the choice to the
    record. ``bundle`` reuses an open knowledge bundle (else ``kb``, else the installed one) across patients.
    """
    patient = load_record(record)
    vcf_path = vcf or resolve_genome_path(patient, record)
    outside_calls = outside_calls or resolve_outside_calls(patient, record)
    bundle = bundle or load_bundle(kb)
    today = on or date.today()
    inputs = {"record": str(record), "knowledge_bundle": bundle.location}
    limitations: list[NotAssessed] = []
    run: PatientPgx | None = None
    if vcf_path is None:
        limitations.append(
            NotAssessed(item="genotype-based findings", reason="no genome VCF was given and the record names none")
        )
        knowledge: dict[str, str] = {}
    else:
        run = run_patient_pgx(
            patient,
            vcf_path,
            bundle,
            outside_calls=outside_calls,
            absent_is_reference=absent_is_reference,
            on=today,
            build=build,
            on_progress=on_progress,
        )
        knowledge = dict(run.versions)
        inputs.update(_genome_inputs(run, outside_calls))
        limitations.extend(_genome_limitations(run))
    plan = assemble_plan(
        patient,
        run.findings if run is not None else [],
        inputs=inputs,
        knowledge=knowledge,
        generated_at=datetime.now(UTC),
        limitations=limitations,
    )
    files = {CAREPLAN_FILE: plan.model_dump_json(indent=2) + "\n"}
    if run is not None:
        files[PGX_FILE] = calls_tsv([(run.calls, run.result.phenotypes)])
        files[GENOTYPES_FILE] = json.dumps(run.genotypes.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"
    files[SUMMARY_FILE] = summary_text(patient, plan)
    folder = out_dir / patient.id
    written = write_folder_atomic(folder, files)
    return AnalysisResult(patient_id=patient.id, folder=folder, files=written, plan=plan, pgx=run)


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
    lines += _section("Not assessed", [f"{n.item}: {n.reason}" for n in plan.limitations])
    return "\n".join(lines) + "\n"


def _section(title: str, items: Sequence[str]) -> list[str]:
    return ["", f"{title} ({len(items)})", *(f"- {item}" for item in items)] if items else ["", f"{title}: none"]


def _genome_inputs(run: PatientPgx, outside_calls: Path | None) -> dict[str, str]:
    genotypes = run.genotypes
    inputs = {
        "vcf": genotypes.source,
        "sample": genotypes.sample,
        "build": f"{genotypes.build.build.value} ({genotypes.build.source.value}: {genotypes.build.detail})",
        "absent_is_reference": "true" if genotypes.absent_is_reference else "false",
    }
    if outside_calls is not None:
        inputs["outside_calls"] = str(outside_calls)
    return inputs


def _genome_limitations(run: PatientPgx) -> list[NotAssessed]:
    items = []
    if run.genotypes.absent_is_reference:
        items.append(
            NotAssessed(item="positions absent from the VCF", reason="assumed reference (declared by the user)")
        )
    items += [NotAssessed(item="genotypes", reason=warning) for warning in run.genotypes.warnings]
    items += [NotAssessed(item="outside calls", reason=warning) for warning in run.warnings]
    return items
