"""The hereditary pipeline: ClinVar and ACMG SF knowledge, genotypes at the ClinVar positions, verdicts, findings.

This wires intake, knowledge and the pure hereditary engine together; it reads files, the engine never does.
ClinVar and the ACMG SF lists come from a built bundle (``tailormed kb build``); the curated core alone cannot
assess hereditary findings, and says so. ClinVar positions are GRCh38, so a VCF in another build is refused.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from tailormed.engines.hereditary import (
    HereditaryResult,
    assess_hereditary,
    hereditary_findings,
)
from tailormed.engines.hereditary.coverage import not_assessed
from tailormed.intake.vcf import extract_genotypes
from tailormed.knowledge import markers
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hereditary import clinvar
from tailormed.knowledge.hereditary.load import NO_CLINVAR, HereditaryKnowledge, load_hereditary
from tailormed.model.base import Contract
from tailormed.model.finding import Finding, NotAssessed
from tailormed.model.genotype import GenomeBuild, SampleGenotypes
from tailormed.model.patient import Sex
from tailormed.pipeline.engine_api import EngineRun, PatientContext, Progress

HEREDITARY_FILE = "hereditary.tsv"
#: Columns of ``tailormed hereditary`` TSV output (and analyze's hereditary.tsv).
TSV_COLUMNS = (
    "gene",
    "chrom",
    "pos",
    "ref",
    "alt",
    "genotype",
    "clinvar_significance",
    "review_stars",
    "reportable",
    "reason",
    "condition",
    "inheritance",
    "sample",
    "zygosity",
    "clinvar_id",
    "hgvs",
    "management",
)


class SampleHereditary(Contract):
    """One sample's assessment with its limits and the genotypes' provenance."""

    result: HereditaryResult
    limits: list[NotAssessed]
    build: str
    absent_is_reference: bool
    warnings: list[str]


def read_genotypes(
    vcf: Path,
    knowledge: HereditaryKnowledge,
    bundle: KnowledgeBundle,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    absent_is_reference: bool = False,
    on_progress: Progress | None = None,
) -> dict[str, SampleGenotypes]:
    """Each sample's calls at the ClinVar positions (GRCh38; other builds are an InputError)."""
    return extract_genotypes(
        vcf,
        list(knowledge.loci.values()),
        loci_build=GenomeBuild.GRCH38,
        samples=samples,
        build=build,
        markers=markers.build_markers(bundle),
        absent_is_reference=absent_is_reference,
        on_progress=on_progress,
    )


def assess_sample(
    genotypes: SampleGenotypes, knowledge: HereditaryKnowledge, *, sex: Sex | None = None, min_stars: int = 0
) -> SampleHereditary:
    result = assess_hereditary(genotypes, knowledge, sex=sex, min_stars=min_stars)
    limits = not_assessed(result.coverage, knowledge, absent_is_reference=genotypes.absent_is_reference)
    return SampleHereditary(
        result=result,
        limits=limits,
        build=f"{genotypes.build.build.value} ({genotypes.build.source.value}: {genotypes.build.detail})",
        absent_is_reference=genotypes.absent_is_reference,
        warnings=list(genotypes.warnings),
    )


def rows_tsv(samples: Sequence[SampleHereditary]) -> str:
    """One row per listed allele of every sample, with :data:`TSV_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(TSV_COLUMNS)
    for sample in samples:
        for row in sample.result.rows:
            variant = row.observation.variant
            writer.writerow(
                (
                    row.observation.gene,
                    variant.chrom,
                    variant.pos,
                    variant.ref,
                    variant.alt,
                    row.observation.genotype,
                    variant.clnsig,
                    variant.stars,
                    "yes" if row.reportable else "no",
                    row.reason,
                    row.condition,
                    row.inheritance,
                    sample.result.sample,
                    row.zygosity.value,
                    variant.variation_id,
                    variant.hgvs or "",
                    row.management or "",
                )
            )
    return buffer.getvalue()


def rows_json(samples: Sequence[SampleHereditary], knowledge: HereditaryKnowledge) -> str:
    """Knowledge versions, then per sample the build, the limits and one object per listed allele."""
    from tailormed.engines.hereditary.findings import payload

    document = {
        "knowledge": knowledge.versions,
        "samples": [
            {
                "sample": sample.result.sample,
                "build": sample.build,
                "absent_is_reference": sample.absent_is_reference,
                "acmg_version": sample.result.acmg_version,
                "min_stars": sample.result.min_stars,
                "variants": [payload(row).model_dump(mode="json") for row in sample.result.rows],
                "not_assessed": [item.model_dump(mode="json") for item in sample.limits],
                "coverage": [row.model_dump(mode="json") for row in sample.result.coverage],
                "warnings": sample.warnings,
            }
            for sample in samples
        ],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def findings_for(sample: SampleHereditary, knowledge: HereditaryKnowledge) -> list[Finding]:
    return hereditary_findings(sample.result, knowledge, sample.limits)


def hereditary_engine(ctx: PatientContext) -> EngineRun:
    """The hereditary engine as ``analyze`` runs it: findings for the record's sample and ``hereditary.tsv``."""
    if ctx.vcf is None:
        return EngineRun.skip("hereditary findings", "no genome VCF was given and the record names none")
    if not ctx.patient.consent.secondary_findings:
        return EngineRun.skip("ACMG secondary findings", "the patient opted out of secondary findings (consent)")
    if not clinvar.has_clinvar(ctx.bundle):
        return EngineRun.skip("hereditary findings", NO_CLINVAR)
    knowledge = load_hereditary(ctx.bundle)
    per_sample = read_genotypes(
        ctx.vcf,
        knowledge,
        ctx.bundle,
        samples=[ctx.sample] if ctx.sample else None,
        build=ctx.build,
        absent_is_reference=ctx.declared_absent_is_reference(),
        on_progress=ctx.on_progress,
    )
    if len(per_sample) != 1:
        return EngineRun.skip(
            "hereditary findings", f"the VCF has {len(per_sample)} samples; name one in the record's genome.sample"
        )
    genotypes = next(iter(per_sample.values()))
    sex = ctx.patient.demographics.sex
    sample = assess_sample(genotypes, knowledge, sex=None if sex is Sex.UNKNOWN else sex)
    return EngineRun(
        findings=findings_for(sample, knowledge),
        limitations=[*sample.limits, *(NotAssessed(item="genotypes", reason=w) for w in sample.warnings)],
        versions=dict(knowledge.versions),
        inputs={
            "hereditary_sample": genotypes.sample,
            "acmg_sf_version": knowledge.acmg.version,
            "clinvar_release": knowledge.release.file_date,
        },
        files={HEREDITARY_FILE: rows_tsv([sample])},
    )
