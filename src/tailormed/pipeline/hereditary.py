"""The hereditary engine entry: ClinVar and ACMG SF knowledge, the ClinVar loci it asks the evidence stage for,
verdicts and findings.

ClinVar and the ACMG SF lists come from a built bundle (``tailormed kb build``); the curated core alone cannot
assess hereditary findings, and says so. ClinVar positions are GRCh38: on a genome in another build the engine says
it could not assess anything. Each ClinVar gene's region (its sites widened by ``GENE_REGION_PAD``) tells whether a
VCF declared complete covers the gene.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tailormed.engines.hereditary import hereditary_findings
from tailormed.engines.hereditary.assess import SampleHereditary, assess_sample
from tailormed.errors import InputError
from tailormed.evidence.read import GenomeBatch, read_genomes
from tailormed.knowledge import markers
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hereditary import acmg, clinvar
from tailormed.knowledge.hereditary import load as hereditary_load
from tailormed.knowledge.hereditary.load import NO_CLINVAR, HereditaryKnowledge
from tailormed.model.engine import EngineRun
from tailormed.model.evidence import AbsentPolicy, BuildLoci, GenomeEvidence, GenomeRequest, gene_regions
from tailormed.model.finding import Finding, NotAssessed
from tailormed.model.genotype import BuildDetection, GenomeBuild, Locus
from tailormed.model.patient import Patient, Sex
from tailormed.pipeline.engine_api import EngineSpec, PatientContext, Progress

HEREDITARY_FILE = "hereditary.tsv"
#: The evidence consumer name of the ClinVar loci.
CONSUMER = "hereditary"


def load_hereditary(bundle: KnowledgeBundle, acmg_version: str = acmg.DEFAULT_VERSION) -> HereditaryKnowledge:
    """ClinVar, the ACMG SF list and the curated rules (loaded once a bundle); KnowledgeError without ClinVar."""
    return bundle.loaded(("hereditary", acmg_version), lambda: hereditary_load.load_hereditary(bundle, acmg_version))


def hereditary_request(knowledge: HereditaryKnowledge) -> GenomeRequest:
    """The ClinVar loci (GRCh38), with one region per gene."""
    by_gene: dict[str, list[Locus]] = {}
    for variant, gene in zip(knowledge.clinvar, knowledge.judged_genes, strict=True):
        locus = knowledge.loci.get(f"{variant.chrom}:{variant.pos}")
        if locus is not None:
            by_gene.setdefault(gene, []).append(locus)
    wanted = BuildLoci(loci=list(knowledge.loci.values()), regions=gene_regions(sorted(by_gene.items())))
    return GenomeRequest(loci={CONSUMER: {GenomeBuild.GRCH38: wanted}})


def genome_request(patient: Patient, bundle: KnowledgeBundle) -> GenomeRequest | None:
    """The ClinVar loci, unless the patient opted out of secondary findings or the bundle has no ClinVar."""
    if not patient.consent.secondary_findings or not clinvar.has_clinvar(bundle):
        return None
    return hereditary_request(load_hereditary(bundle))


def read_hereditary_batch(
    vcf: Path,
    knowledge: HereditaryKnowledge,
    bundle: KnowledgeBundle,
    *,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    absent_is_reference: bool = False,
    on_progress: Progress | None = None,
) -> GenomeBatch:
    """Every sample's calls at the ClinVar positions from one pass (``tailormed hereditary``)."""
    request = hereditary_request(knowledge).merged(GenomeRequest(markers=markers.build_markers(bundle)))
    absent = AbsentPolicy.resolve(True if absent_is_reference else None, None)
    return read_genomes(vcf, request, samples=samples, build=build, absent=absent, on_progress=on_progress)


def assess_evidence(
    evidence: GenomeEvidence, knowledge: HereditaryKnowledge, *, sex: Sex | None = None, min_stars: int = 0
) -> SampleHereditary:
    """One sample's assessment from its evidence; InputError when the genome is not in ClinVar's build."""
    if not evidence.has(CONSUMER):
        raise InputError(
            f"the VCF is {evidence.build.described} but the "
            "ClinVar positions are GRCh38",
            source=evidence.source.label,
        )
    return assess_sample(evidence.sample_genotypes(CONSUMER), knowledge, sex=sex, min_stars=min_stars)


def findings_for(sample: SampleHereditary, knowledge: HereditaryKnowledge) -> list[Finding]:
    return hereditary_findings(sample.result, knowledge, sample.limits)


def not_assessed_run(
    patient: Patient, bundle: KnowledgeBundle, build: BuildDetection, *, read: bool
) -> EngineRun | None:
    """The engine's run for a patient it does not assess, in the order it checks: opted out of secondary findings,
    no ClinVar in the bundle, a genome whose pass read no ClinVar loci (``read``: not GRCh38); else None."""
    if not patient.consent.secondary_findings:
        return EngineRun.skip("ACMG secondary findings", "the patient opted out of secondary findings (consent)")
    if not clinvar.has_clinvar(bundle):
        return EngineRun.skip("hereditary findings", NO_CLINVAR)
    if not read:
        return EngineRun.skip("hereditary findings", f"the VCF is {build.build} but the ClinVar positions are GRCh38")
    return None


def hereditary_engine(ctx: PatientContext) -> EngineRun:
    """The hereditary engine as an analysis runs it: findings for the patient's sample and ``hereditary.tsv``."""
    from tailormed.report.tables import hereditary_tsv

    evidence = ctx.evidence
    if evidence is None:
        return ctx.genome_missing("hereditary findings")
    skipped = not_assessed_run(ctx.patient, ctx.knowledge, evidence.build, read=evidence.has(CONSUMER))
    if skipped is not None:
        return skipped
    knowledge = load_hereditary(ctx.knowledge)
    sex = ctx.patient.demographics.sex
    sample = assess_evidence(evidence, knowledge, sex=None if sex is Sex.UNKNOWN else sex)
    return EngineRun(
        findings=findings_for(sample, knowledge),
        limitations=[*sample.limits, *(NotAssessed(item="genotypes", reason=w) for w in sample.warnings)],
        versions=dict(knowledge.versions),
        inputs={
            "hereditary_sample": evidence.sample,
            "acmg_sf_version": knowledge.acmg.version,
            "clinvar_release": knowledge.release.file_date,
        },
        tables={HEREDITARY_FILE: hereditary_tsv([sample])},
    )


ENGINE = EngineSpec(name="hereditary", run=hereditary_engine, genome=genome_request)
