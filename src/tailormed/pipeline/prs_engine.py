"""The polygenic-score engine of ``analyze``: the curated panel's scores on one patient's genome evidence.

Kept apart from :mod:`tailormed.pipeline.prs` (scoring files and VCFs in, sums out) so that ``prs score`` does not
import the patient and care-plan models it never uses.
"""

from __future__ import annotations

from tailormed.engines.prs.matching import MatchOptions, Reason
from tailormed.engines.prs.scoring import Imputation
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgs_catalog import PanelScore
from tailormed.knowledge.pgs_scoring import ScoringFile, read_scoring_file
from tailormed.model.engine import EngineRun
from tailormed.model.evidence import GenomeRequest
from tailormed.model.finding import NotAssessed
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Patient
from tailormed.pipeline.engine_api import EngineSpec, PatientContext
from tailormed.pipeline.prs import bundle_reference_alleles, score_groups, score_request


def panel_files(
    bundle: KnowledgeBundle, patient: Patient, build: GenomeBuild
) -> tuple[list[tuple[PanelScore, ScoringFile]], list[NotAssessed]]:
    """The panel's scoring files for ``build`` that apply to the patient, and why the others do not."""
    from tailormed.knowledge.pgs_catalog import SOURCE, load_index, load_panel

    panel, index = load_panel(bundle), load_index(bundle)
    sex = patient.demographics.sex.value
    limitations: list[NotAssessed] = []
    chosen: list[tuple[PanelScore, ScoringFile]] = []
    for entry in panel.scores:
        catalog = index.scores.get(entry.pgs_id)
        ref = catalog.file_for(build) if catalog is not None else None
        if entry.sex is not None and sex != entry.sex:
            limitations.append(NotAssessed(item=f"{entry.pgs_id} ({entry.trait})", reason=f"for {entry.sex}s only"))
        elif ref is None:
            limitations.append(
                NotAssessed(item=f"{entry.pgs_id} ({entry.trait})", reason=f"no scoring file for {build}")
            )
        else:
            chosen.append((entry, read_scoring_file(bundle.path(SOURCE, ref.file))))
    return chosen, limitations


def genome_request(patient: Patient, bundle: KnowledgeBundle) -> GenomeRequest | None:
    """The positions of the panel scores that apply to the patient, in each build the bundle has files for."""
    from tailormed.knowledge.pgs_catalog import SOURCE

    if not bundle.has(SOURCE):
        return None
    files = [scoring for build in GenomeBuild for _, scoring in panel_files(bundle, patient, build)[0]]
    return score_request(files)


def prs_engine(ctx: PatientContext) -> EngineRun:
    """Polygenic scores of the curated panel on the patient's genome evidence, as care-plan findings.

    Each condition uses its first panel score that can be scored on this VCF (enough overlap, a file in the VCF's
    build, the patient's sex); the others are listed as limitations. Missing genotypes are not imputed (one person).
    """
    from tailormed.engines.prs.findings import main_ancestry, polygenic_finding
    from tailormed.knowledge.pgs_catalog import PANEL_SOURCE, SOURCE, load_index
    from tailormed.report.tables import match_log_tsv, scores_tsv

    item = "polygenic scores"
    evidence = ctx.evidence
    if evidence is None:
        return ctx.genome_missing(item)
    if not ctx.knowledge.has(SOURCE):
        return EngineRun.skip(item, "no scoring files in the knowledge bundle; build it with tailormed kb build")
    detection = evidence.build
    chosen, limitations = panel_files(ctx.knowledge, ctx.patient, detection.build)
    if not chosen:
        return EngineRun(limitations=limitations, skipped="no panel score applies to this patient")
    index = load_index(ctx.knowledge)
    absent_is_reference = evidence.absent.absent_is_reference
    options = MatchOptions(absent_is_reference=absent_is_reference)
    references = bundle_reference_alleles(ctx.knowledge, detection.build) if absent_is_reference else None
    run = score_groups(
        evidence.score_groups(),
        [scoring for _, scoring in chosen],
        source=evidence.source.label,
        build=detection,
        samples=[evidence.sample],
        options=options,
        imputation=Imputation.NONE,
        reference_alleles=references,
    )
    versions = {name: ctx.knowledge.source(name).version for name in (SOURCE, PANEL_SOURCE)}
    ancestry = main_ancestry(ctx.patient.demographics.genetic_ancestry)
    findings = []
    done: set[str] = set()
    for (entry, _), result in zip(chosen, run.scores, strict=True):
        match = result.match
        if entry.condition in done:
            continue
        unknown = match.count(Reason.ABSENT_REF_UNKNOWN)
        if unknown:
            limitations.append(
                NotAssessed(
                    item=f"{entry.pgs_id} ({entry.trait})",
                    reason=f"the genome is declared complete but the reference allele of {unknown} of {match.total} "
                    "variants absent from the VCF is unknown, so they cannot be counted as reference",
                )
            )
            continue
        if match.match_rate < options.min_overlap:
            limitations.append(
                NotAssessed(
                    item=f"{entry.pgs_id} ({entry.trait})",
                    reason=f"only {match.matched} of {match.total} variants matched the VCF "
                    f"({match.match_rate:.1%} < {options.min_overlap:.0%})",
                )
            )
            continue
        findings.append(polygenic_finding(result, 0, entry, index.scores.get(entry.pgs_id), ancestry, versions))
        done.add(entry.condition)
    tables = {"prs_scores.tsv": scores_tsv(run), "prs_match_log.tsv": match_log_tsv(run)}
    inputs = {
        "vcf": evidence.source.label,
        "build": detection.described,
        "absent_is_reference": "true" if absent_is_reference else "false",
    }
    return EngineRun(findings=findings, limitations=limitations, versions=versions, inputs=inputs, tables=tables)


ENGINE = EngineSpec(name="prs", run=prs_engine, genome=genome_request)
