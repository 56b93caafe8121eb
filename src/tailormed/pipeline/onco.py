"""The oncology pipeline: tumour files or the record's ``tumour`` section -> a tumour profile -> matches -> findings.

Somatic VCF alleles become alterations when an annotation (VEP/SnpEff) names their gene and protein change, or when
they are curated hotspot alleles; alleles inside an actionable gene that neither covers are listed as not assessed.
Copy-number segments become amplifications (total copies >= ``amp_min_copies``, default 6 as in PCGR) and
deletions (0 copies) of the genes they cover; fusion lists become fusions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TumourProfile, match_profile
from tailormed.errors import InputError
from tailormed.intake.tumour import (
    CnaSegment,
    FusionCall,
    SomaticRecord,
    read_cases,
    read_cna,
    read_fusions,
    read_somatic_vcf,
)
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.onco import core, sources
from tailormed.model.alteration import (
    Alteration,
    AlterationKind,
    ExonEvent,
    GenomicAllele,
    Signature,
    parse_alteration,
    parse_protein_change,
)
from tailormed.model.finding import NotAssessed
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Tumour
from tailormed.pipeline.engine_api import EngineRun, PatientContext

#: Total copy number at or above which a gene counts as amplified (PCGR's default ``--n_copy_gain``).
AMP_MIN_COPIES = 6
#: Tumour mutational burden (mutations per megabase) at or above which TMB-H applies (FDA pembrolizumab label).
TMB_HIGH = 10.0


def load_knowledge(bundle: KnowledgeBundle, *, include_built: bool = True) -> OncoKnowledge:
    return OncoKnowledge(
        tables=sources.evidence_tables(bundle, include_built=include_built),
        genes=core.gene_table(bundle).genes,
        tree=core.oncotree(bundle),
    )


def vcf_alterations(
    path: Path, build: GenomeBuild | None, knowledge: OncoKnowledge
) -> tuple[list[Alteration], list[NotAssessed], GenomeBuild]:
    """Alterations from a somatic VCF, and the alleles in actionable genes that could not be annotated."""
    tumour_vcf = read_somatic_vcf(path, build)
    alterations: list[Alteration] = []
    unannotated: list[str] = []
    for record in tumour_vcf.records:
        alteration = _record_alteration(record, knowledge)
        if alteration is not None:
            alterations.append(alteration)
            continue
        gene = _gene_at(record.allele, knowledge)
        if gene is not None:
            unannotated.append(f"{gene} {record.allele.text}")
    limits = []
    if unannotated:
        limits.append(
            NotAssessed(
                item=f"{len(unannotated)} variant(s) in actionable genes: {', '.join(unannotated[:10])}"
                + (" ..." if len(unannotated) > 10 else ""),
                reason="no VEP/SnpEff protein annotation in the VCF and not a curated hotspot allele; "
                "only genomic-allele evidence could be checked",
            )
        )
    if tumour_vcf.filtered:
        limits.append(NotAssessed(item=f"{tumour_vcf.filtered} VCF record(s)", reason="FILTER is not PASS"))
    return alterations, limits, tumour_vcf.build.build


def _record_alteration(record: SomaticRecord, knowledge: OncoKnowledge) -> Alteration | None:
    """The alteration a record is, when an annotation names a gene the evidence knows or it is a hotspot allele."""
    note = record.annotation
    if note is not None and note.gene in knowledge.evidence_genes:
        protein = None
        if note.hgvsp:
            try:
                protein = parse_protein_change(note.hgvsp)
            except ValueError:
                protein = None
        splice = protein is None and note.exon is not None and "splice" in (note.consequence or "")
        return Alteration(
            gene=note.gene,
            kind=AlterationKind.MUTATION,
            protein=protein,
            allele=record.allele,
            consequence=note.consequence,
            vaf=record.vaf,
            exon=note.exon if splice else None,
            exon_event=ExonEvent.SKIPPING if splice else None,
            label=f"{note.gene} {protein.text}" if protein else f"{note.gene} {record.allele.text}",
        )
    hit = knowledge.hotspots.lookup(record.allele)
    if hit is None:
        return None
    change = parse_protein_change(hit[1])
    return Alteration(
        gene=hit[0],
        kind=AlterationKind.MUTATION,
        protein=change,
        allele=record.allele,
        vaf=record.vaf,
        label=f"{hit[0]} {change.text}",
    )


def _gene_at(allele: GenomicAllele, knowledge: OncoKnowledge) -> str | None:
    for gene, facts in knowledge.genes.items():
        span = facts.span.get(allele.build)
        if span is not None and span[0] == allele.chrom and span[1] <= allele.pos <= span[2]:
            return gene
    return None


def cna_alterations(
    segments: Sequence[CnaSegment], build: GenomeBuild, knowledge: OncoKnowledge, amp_min_copies: int = AMP_MIN_COPIES
) -> list[Alteration]:
    """Amplified and deleted genes: a gene takes the lowest / highest total copy number of segments overlapping it."""
    found = []
    for gene, facts in sorted(knowledge.genes.items()):
        span = facts.span.get(build)
        if span is None:
            continue
        overlapping = [s.total for s in segments if s.chrom == span[0] and s.start <= span[2] and s.end >= span[1]]
        if not overlapping:
            continue
        if min(overlapping) == 0:
            found.append(Alteration(gene=gene, kind=AlterationKind.DELETION, label=f"{gene} deletion (0 copies)"))
        elif max(overlapping) >= amp_min_copies:
            found.append(
                Alteration(
                    gene=gene,
                    kind=AlterationKind.AMPLIFICATION,
                    label=f"{gene} amplification ({max(overlapping)} copies)",
                )
            )
    return found


def fusion_alterations(calls: Sequence[FusionCall]) -> list[Alteration]:
    return [
        Alteration(
            gene=c.three_prime,
            partner=c.five_prime,
            kind=AlterationKind.FUSION,
            label=f"{c.five_prime}::{c.three_prime} fusion",
        )
        for c in calls
    ]


def file_profile(
    case_id: str,
    tumour_type: str,
    knowledge: OncoKnowledge,
    *,
    vcf: Path | None = None,
    build: GenomeBuild | None = None,
    cna: Path | None = None,
    fusions: Path | None = None,
    alterations: Sequence[str] = (),
    amp_min_copies: int = AMP_MIN_COPIES,
) -> TumourProfile:
    """A profile from ``onco match`` inputs: VCF, CNA segments, fusion list and alteration texts."""
    found: list[Alteration] = []
    limits: list[NotAssessed] = []
    used_build = build
    if vcf is not None:
        from_vcf, vcf_limits, used_build = vcf_alterations(vcf, build, knowledge)
        found += from_vcf
        limits += vcf_limits
    if cna is not None:
        if used_build is None:
            raise InputError("copy-number segments need a genome build: pass --build GRCh37|GRCh38", source=cna)
        found += cna_alterations(read_cna(cna), used_build, knowledge, amp_min_copies)
    if fusions is not None:
        found += fusion_alterations(read_fusions(fusions))
    for text in alterations:
        try:
            found.append(parse_alteration(text))
        except ValueError as exc:
            raise InputError(f"--alteration {text!r}: {exc}") from exc
    return TumourProfile(case_id=case_id, tumour_type=tumour_type.upper(), alterations=found, not_assessed=limits)


def batch_profiles(path: Path) -> list[TumourProfile]:
    """One profile per case_id of a batch TSV, alterations in file order; a bad row names its line."""
    profiles: dict[str, TumourProfile] = {}
    for row in read_cases(path):
        try:
            parsed = parse_alteration(row.alteration, gene=row.gene or None, feature_type=row.feature_type)
        except ValueError as exc:
            raise InputError(str(exc), source=path, location=f"line {row.line}") from exc
        tumour_type = row.tumor_type.upper()
        current = profiles.get(row.case_id)
        if current is None:
            current = TumourProfile(case_id=row.case_id, tumour_type=tumour_type)
        elif current.tumour_type != tumour_type:
            raise InputError(
                f"case {row.case_id!r} has tumor_type {tumour_type} here but {current.tumour_type} earlier",
                source=path,
                location=f"line {row.line}",
            )
        profiles[row.case_id] = current.model_copy(update={"alterations": [*current.alterations, parsed]})
    if not profiles:
        raise InputError("no cases in the file", source=path)
    return list(profiles.values())


def record_profile(case_id: str, tumour: Tumour, knowledge: OncoKnowledge, build: GenomeBuild | None) -> TumourProfile:
    """A profile from a patient record's ``tumour`` section.

    Variant coordinates in the record carry no build: they are used at the genomic level only when ``build`` is
    known, or when they are a curated hotspot allele of the same gene in exactly one build (stated in the output).
    """
    found: list[Alteration] = []
    limits: list[NotAssessed] = []
    for variant in tumour.somatic_variants:
        protein = None
        if variant.protein_change:
            try:
                protein = parse_protein_change(variant.protein_change)
            except ValueError:
                limits.append(
                    NotAssessed(item=f"{variant.gene} {variant.protein_change}", reason="protein change not understood")
                )
        allele = _record_allele(variant.gene, variant.chrom, variant.pos, variant.ref, variant.alt, build, knowledge)
        if protein is None and allele is None:
            if not variant.protein_change:
                limits.append(
                    NotAssessed(
                        item=f"{variant.gene} {variant.cdna_change or 'variant'}",
                        reason="no protein change or placeable genomic allele",
                    )
                )
            continue
        label = f"{variant.gene} {protein.text}" if protein else f"{variant.gene} {allele.text if allele else ''}"
        found.append(
            Alteration(
                gene=variant.gene.upper(),
                kind=AlterationKind.MUTATION,
                protein=protein,
                allele=allele,
                vaf=variant.vaf,
                label=label,
            )
        )
    for change in tumour.copy_number:
        kind = AlterationKind.AMPLIFICATION if change.kind in ("amplification", "gain") else AlterationKind.DELETION
        if change.kind == "gain" or (change.kind == "loss" and change.copies not in (None, 0)):
            limits.append(
                NotAssessed(
                    item=f"{change.gene} copy {change.kind}",
                    reason="low-level change; only amplification and deletion are matched",
                )
            )
            continue
        found.append(Alteration(gene=change.gene.upper(), kind=kind, label=f"{change.gene.upper()} {kind.value}"))
    for fusion in tumour.fusions:
        five, three = fusion.five_prime_gene.upper(), fusion.three_prime_gene.upper()
        found.append(Alteration(gene=three, partner=five, kind=AlterationKind.FUSION, label=f"{five}::{three} fusion"))
    if tumour.msi_status == "MSI-H":
        found.append(Alteration(gene="MSI-H", kind=AlterationKind.SIGNATURE, signature=Signature.MSI_H, label="MSI-H"))
    elif tumour.msi_status is None:
        limits.append(NotAssessed(item="microsatellite instability", reason="MSI status not in the record"))
    if tumour.tmb_mut_per_mb is not None and tumour.tmb_mut_per_mb >= TMB_HIGH:
        found.append(
            Alteration(
                gene="TMB-H",
                kind=AlterationKind.SIGNATURE,
                signature=Signature.TMB_H,
                label=f"TMB-H ({tumour.tmb_mut_per_mb:g} mut/Mb)",
            )
        )
    elif tumour.tmb_mut_per_mb is None:
        limits.append(NotAssessed(item="tumour mutational burden", reason="TMB not in the record"))
    return TumourProfile(case_id=case_id, tumour_type=tumour.oncotree_code, alterations=found, not_assessed=limits)


def _record_allele(
    gene: str, chrom: str | None, pos: int | None, ref: str | None, alt: str | None,
    build: GenomeBuild | None, knowledge: OncoKnowledge,
) -> GenomicAllele | None:  # fmt: skip
    if not (chrom and pos and ref and alt):
        return None
    name = chrom if chrom.startswith("chr") else f"chr{chrom}"
    builds = [build] if build is not None else list(GenomeBuild)
    hits = []
    for candidate in builds:
        try:
            allele = GenomicAllele(build=candidate, chrom=name, pos=pos, ref=ref.upper(), alt=alt.upper())
        except ValueError:
            return None
        spot = knowledge.hotspots.lookup(allele)
        if build is not None or (spot is not None and spot[0] == gene.upper()):
            hits.append(allele)
    return hits[0] if len(hits) == 1 else None


def onco_engine(ctx: PatientContext) -> EngineRun:
    """Targeted-therapy matching for the record's tumour (plus ``ctx.tumour_vcf`` when given)."""
    tumour = ctx.patient.tumour
    if tumour is None and ctx.tumour_vcf is None:
        return EngineRun.skip("targeted therapy matching", "no tumour data in the record and no tumour VCF")
    knowledge = load_knowledge(ctx.bundle)
    if tumour is None:
        return EngineRun.skip("targeted therapy matching", "a tumour VCF was given but the record has no tumour type")
    profile = record_profile(ctx.patient.id, tumour, knowledge, None)
    inputs = {"tumour type": tumour.oncotree_code}
    if ctx.tumour_vcf is not None:
        from_vcf, limits, build = vcf_alterations(ctx.tumour_vcf, ctx.build, knowledge)
        profile = profile.model_copy(
            update={"alterations": [*profile.alterations, *from_vcf], "not_assessed": [*profile.not_assessed, *limits]}
        )
        inputs["tumour VCF"] = f"{ctx.tumour_vcf.name} ({build})"
    result = match_profile(profile, knowledge)
    findings = findings_from_result(result, knowledge)
    return EngineRun(
        findings=findings,
        limitations=result.not_assessed,
        versions=knowledge.versions(),
        inputs=inputs,
        files={"onco.tsv": result_tsv([result])},
    )


def result_tsv(results: Sequence[OncoResult]) -> str:
    from tailormed.engines.onco.run import COLUMNS

    lines = ["\t".join(COLUMNS)]
    for result in results:
        lines += ["\t".join(cell.replace("\t", " ") for cell in match.cells()) for match in result.matches]
    return "\n".join(lines) + "\n"
