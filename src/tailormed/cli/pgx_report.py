"""``tailormed pgx report``: one patient's PGx report (gene results, medication review, dosing) from record + VCF."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tailormed.cli.console import err, out, progress
from tailormed.engines.pgx.calls import GeneCall
from tailormed.engines.pgx.findings import PgxKnowledge, PgxResult, analyze_pgx, findings_from_result
from tailormed.errors import InputError
from tailormed.model.finding import Finding
from tailormed.model.genotype import CallState, GenomeBuild, Locus, SampleGenotypes
from tailormed.model.patient import Patient


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def report_command(
    record: Annotated[Path, typer.Option("--record", help="Patient record (YAML/JSON) with the medication list.")],
    vcf: Annotated[
        Path | None, typer.Option("--vcf", help="VCF/BCF of the patient (default: the record's genome.vcf).")
    ] = None,
    outside_calls: Annotated[
        Path | None, typer.Option("--outside-calls", help="TSV of calls from other tools (CYP2D6, HLA ...).")
    ] = None,
    absent_is_reference: Annotated[
        bool,
        typer.Option("--absent-is-reference", help="Positions the VCF does not list are reference (WGS/panel)."),
    ] = False,
    kb: Annotated[Path | None, typer.Option("--kb", help="Knowledge bundle folder (default: installed one).")] = None,
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.TEXT,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (atomically).")] = None,
) -> None:
    """Per-drug CPIC/DPWG recommendations and a medication review with phenoconversion for one patient."""
    from tailormed.intake.record import load_record, resolve_genome_path

    patient = load_record(record)
    vcf_path = vcf or resolve_genome_path(patient, record)
    if vcf_path is None:
        raise InputError("no VCF given and the record has no genome.vcf", source=record, location="genome")
    absent = absent_is_reference or bool(patient.genome and patient.genome.absent_is_reference)
    knowledge, bundle, versions = _knowledge(kb)
    genotypes, calls = _genotypes(patient, vcf_path, outside_calls, absent, bundle, knowledge)
    rs_site = _rs12777823_locus(knowledge)
    rs_call = genotypes.calls.get(rs_site.key) if rs_site else None
    rs_alleles = rs_call.alleles if rs_call is not None and rs_call.is_called else None
    variant_calls = _variant_calls(bundle, genotypes)
    result = analyze_pgx(patient, calls, knowledge, on=date.today(), rs12777823=rs_alleles)
    findings = findings_from_result(result, knowledge, variant_calls)
    if output_format is ReportFormat.JSON:
        text = json.dumps(_payload(patient, genotypes, result, findings, versions), indent=2, ensure_ascii=False)
        _emit(text + "\n", output)
    elif output is None:
        _render(patient, genotypes, result, versions)
    else:
        with out.capture() as captured:
            _render(patient, genotypes, result, versions)
        _emit(captured.get(), output)


def _knowledge(kb: Path | None) -> tuple[PgxKnowledge, Any, dict[str, str]]:
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.knowledge.pgx import dosing, guidelines, interactions, phenotypes

    bundle = load_bundle(kb)
    knowledge = PgxKnowledge(
        phenotypes=phenotypes.load_phenotypes(bundle),
        guidelines=guidelines.load_guidelines(bundle),
        phenoconversion=interactions.load_phenoconversion(bundle),
        warfarin=dosing.load_warfarin(bundle) if bundle.has(dosing.SOURCE) else None,
    )
    return knowledge, bundle, bundle.versions()


def _genotypes(
    patient: Patient, vcf: Path, outside: Path | None, absent: bool, bundle: Any, knowledge: PgxKnowledge
) -> tuple[SampleGenotypes, list[GeneCall]]:
    from tailormed.cli.pgx import _loci, _outside_calls, _to_grch38, _vcf_build
    from tailormed.engines.pgx.matcher import match_all
    from tailormed.intake.outside_calls import apply_outside_calls
    from tailormed.intake.vcf import extract_genotypes
    from tailormed.knowledge.pgx.definitions import load_definitions

    definitions = load_definitions(bundle)
    outside_calls = _outside_calls(outside, definitions, False)
    build = _vcf_build(vcf, None, bundle)
    loci, back = _loci(definitions, build, bundle)
    extra = _rs12777823_locus(knowledge)
    if extra is not None and build is GenomeBuild.GRCH38:
        loci = [*loci, extra]
    wanted = patient.genome.sample if patient.genome and patient.genome.sample else None
    with progress() as bar:
        task = bar.add_task(f"reading {vcf.name}", total=None)
        per_sample = extract_genotypes(
            vcf, loci, loci_build=build, samples=[wanted] if wanted else None, build=build,
            absent_is_reference=absent, on_progress=lambda n: bar.advance(task, n),
        )
    if len(per_sample) != 1:
        raise InputError(
            f"the VCF has {len(per_sample)} samples; name one in the record's genome.sample", source=vcf
        )
    name, genotypes = next(iter(per_sample.items()))
    if back:
        genotypes = _to_grch38(genotypes, back, definitions)
    calls = match_all(definitions, genotypes)
    if outside_calls is not None:
        calls = apply_outside_calls(calls, outside_calls.for_sample(name))
        for warning in outside_calls.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    return genotypes, calls


def _rs12777823_locus(knowledge: PgxKnowledge) -> Locus | None:
    if knowledge.warfarin is None:
        return None
    for rule in knowledge.warfarin.cpic_2017.adjustments:
        if rule.variant is not None:
            v = rule.variant
            return Locus(chrom=v.chrom, pos=v.pos, ref=v.ref, alts=(v.alt,), id=v.rsid)
    return None


def _variant_calls(bundle: Any, genotypes: SampleGenotypes) -> dict[str, list[str]]:
    """Gene -> the non-reference genotypes at its defining positions, e.g. ``rs4244285 G/A``."""
    from tailormed.knowledge.pgx.definitions import load_definitions

    found: dict[str, list[str]] = {}
    for gene, definition in load_definitions(bundle).items():
        for variant in definition.variants:
            call = genotypes.calls.get(variant.key)
            if call is not None and call.state == CallState.VARIANT:
                alleles = "/".join(a if a is not None else "." for a in call.alleles)
                found.setdefault(gene, []).append(f"{variant.rsid or variant.key} {alleles}")
    return found


def _payload(
    patient: Patient, genotypes: SampleGenotypes, result: PgxResult, findings: list[Finding], versions: dict[str, str]
) -> dict[str, Any]:
    return {
        "patient": patient.id,
        "sample": genotypes.sample,
        "vcf": genotypes.source,
        "absent_is_reference": genotypes.absent_is_reference,
        "knowledge": versions,
        "genes": [p.model_dump(mode="json") for p in result.phenotypes.values()],
        "medication_review": result.review.model_dump(mode="json"),
        "other_actionable": [r.model_dump(mode="json") for r in result.other_recommendations],
        "warfarin": result.warfarin.model_dump(mode="json") if result.warfarin else None,
        "findings": [f.model_dump(mode="json") for f in findings],
    }


def _render(patient: Patient, genotypes: SampleGenotypes, result: PgxResult, versions: dict[str, str]) -> None:
    out.print(f"[bold]PGx report[/] for {patient.id} (sample {genotypes.sample}, {genotypes.source})", highlight=False)
    absent = "absent positions assumed reference" if genotypes.absent_is_reference else "absent positions not called"
    out.print(f"{absent}; knowledge: " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())), highlight=False)
    genes = Table(title="Gene results")
    for column in ("gene", "diplotype", "phenotype", "activity score", "notes"):
        genes.add_column(column)
    for gene, p in sorted(result.phenotypes.items()):
        genes.add_row(gene, " or ".join(p.diplotypes) or "-", p.phenotype or p.status.value, p.activity_score or "",
                      "; ".join([*p.notes, *(f"missing {m}" for m in p.missing_positions[:3])]))
    out.print(genes)
    meds = Table(title="Medication review")
    for column in ("medication", "source", "gene results used", "recommendation", "strength", "action"):
        meds.add_column(column)
    for medication in result.review.medications:
        for answer in medication.recommendations:
            text = "\n".join(f"[{r.population}] {r.text.splitlines()[0]}" if r.population else r.text.splitlines()[0]
                             for r in answer.rows) or "; ".join(n.reason for n in answer.not_assessed)
            meds.add_row(medication.medication, answer.source, "\n".join(answer.gene_results.values()), text,
                         ", ".join(sorted({r.classification or "" for r in answer.rows})),
                         "change" if answer.actionable else "")
    out.print(meds)
    for change in result.review.phenoconversions:
        out.print(f"[bold yellow]phenoconversion:[/] {change.explanation}", highlight=False)
    if result.review.without_guidance:
        out.print("no CPIC/DPWG guidance for: " + ", ".join(result.review.without_guidance), highlight=False)
    if result.warfarin is not None:
        out.print(f"[bold]warfarin (IWPC):[/] {result.warfarin.worked}", highlight=False)
        if result.warfarin.adjusted_weekly_mg is not None:
            low, high = result.warfarin.adjusted_weekly_mg
            out.print(f"  CPIC 2017 adjusted: {low:.1f}-{high:.1f} mg/week", highlight=False)
        for item in result.warfarin.not_assessed:
            out.print(f"  not assessed: {item.item}: {item.reason}", highlight=False)
    if result.other_recommendations:
        drugs = sorted({f"{r.drug} ({r.source})" for r in result.other_recommendations})
        out.print("guidance that would change therapy for drugs not on the list: " + ", ".join(drugs), highlight=False)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        out.file.write(text)
        out.file.flush()
        return
    handle, tmp = tempfile.mkstemp(dir=output.parent if str(output.parent) else ".", prefix=f".{output.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(tmp).replace(output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    err.print(f"wrote PGx report to {output}")
