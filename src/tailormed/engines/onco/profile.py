"""From what a tumour report gives to a :class:`TumourProfile`: alterations from somatic records, copy-number
segments, fusion calls and a patient record's ``tumour`` section, and the tumour type checked against OncoTree.

Pure functions over models handed in (the readers live in ``intake``). Somatic records become alterations when an
annotation (VEP/SnpEff) names their gene and protein change, or when they are curated hotspot alleles; records in an
actionable gene that neither covers are listed as not assessed. Copy-number segments become amplifications (total
copies at or above the curated amplification threshold) and deletions (0 copies) of the genes they cover. The
TMB-high cut-off is curated too (``onco-core/thresholds.yaml``), never a constant here.
"""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.engines.onco.annotate import allele_key
from tailormed.engines.onco.run import OncoKnowledge, TumourProfile
from tailormed.intake.tumour import CnaSegment, FusionCall
from tailormed.knowledge.onco.core import GeneRole
from tailormed.knowledge.onco.oncotree import UNKNOWN_TUMOUR, OncoTree
from tailormed.model.alteration import (
    Alteration,
    AlterationKind,
    ExonEvent,
    GeneClass,
    GenomicAllele,
    Signature,
    VariantOrigin,
    parse_alteration,
    parse_protein_change,
)
from tailormed.model.chrom import canonical_chrom
from tailormed.model.evidence import SomaticRecord
from tailormed.model.finding import NotAssessed
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Tumour
from tailormed.model.payloads import HereditaryVariantData


def tumour_type_code(text: str | None, tree: OncoTree) -> str:
    """The OncoTree code for a user's tumour type; ``UNKNOWN`` (or nothing) for a tumour whose type is not known.

    Raises ValueError naming the nearest valid codes when ``text`` is not a code of the shipped release (a former
    code is never mapped silently: the message names what it became).
    """
    if text is None or not text.strip() or text.strip().upper() == UNKNOWN_TUMOUR:
        return UNKNOWN_TUMOUR
    code = text.strip().upper()
    if code in tree:
        return code
    replaced = tree.replacements(code)
    if replaced:
        raise ValueError(f"{text!r} is a former OncoTree code; in {tree.release} it is {' or '.join(replaced)}")
    near = tree.suggest(text)
    hint = f"; nearest valid codes: {', '.join(f'{c} ({tree.name(c)})' for c in near)}" if near else ""
    raise ValueError(
        f"{text!r} is not an OncoTree code ({tree.release}){hint}. Use {UNKNOWN_TUMOUR} when the type is not known"
    )


def somatic_alterations(
    records: Sequence[SomaticRecord], knowledge: OncoKnowledge
) -> tuple[list[Alteration], list[NotAssessed]]:
    """Alterations from somatic records, and the records in actionable genes that could not be annotated."""
    alterations: list[Alteration] = []
    unannotated: list[str] = []
    for record in records:
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
    return alterations, limits


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
            origin=record.origin,
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
        origin=record.origin,
        label=f"{hit[0]} {change.text}",
    )


def _gene_at(allele: GenomicAllele, knowledge: OncoKnowledge) -> str | None:
    for gene, facts in knowledge.genes.items():
        span = facts.span.get(allele.build)
        if span is not None and span[0] == allele.chrom and span[1] <= allele.pos <= span[2]:
            return gene
    return None


def cna_alterations(
    segments: Sequence[CnaSegment], build: GenomeBuild, knowledge: OncoKnowledge, amp_min_copies: int | None = None
) -> list[Alteration]:
    """Amplified and deleted genes: a gene takes the lowest / highest total copy number of segments overlapping it.

    ``amp_min_copies`` overrides the curated amplification threshold.
    """
    threshold = amp_min_copies if amp_min_copies is not None else knowledge.thresholds.amplification_copies
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
        elif max(overlapping) >= threshold:
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


def germline_alterations(variants: Sequence[HereditaryVariantData], knowledge: OncoKnowledge) -> list[Alteration]:
    """Reportable germline variants (ClinVar pathogenic or likely pathogenic, from the hereditary findings) in genes
    the oncology evidence names, as alterations of germline origin.

    ClinVar positions are GRCh38. A pathogenic variant in a tumour suppressor is a loss of function; in other genes
    only allele-level evidence can meet it (it has no protein change here).
    """
    found = []
    for variant in variants:
        chrom = canonical_chrom(variant.chrom)
        if not variant.reportable or chrom is None or variant.gene not in knowledge.evidence_genes:
            continue
        facts = knowledge.genes.get(variant.gene)
        suppressor = facts is not None and facts.role is GeneRole.TUMOUR_SUPPRESSOR
        significance = variant.clinvar_significance.replace("_", " ")
        allele = GenomicAllele(build=GenomeBuild.GRCH38, chrom=chrom, pos=variant.pos, ref=variant.ref, alt=variant.alt)
        found.append(
            Alteration(
                gene=variant.gene,
                kind=AlterationKind.MUTATION,
                gene_class=GeneClass.LOSS_OF_FUNCTION if suppressor else None,
                allele=allele,
                origin=VariantOrigin.GERMLINE,
                label=f"{variant.gene} {allele.text} (germline, ClinVar {significance})",
            )
        )
    return found


def with_germline(alterations: Sequence[Alteration], germline: Sequence[Alteration]) -> list[Alteration]:
    """The tumour's alterations with the germline ones added; a tumour variant that is one of them (same allele)
    takes germline origin instead of being listed twice."""
    inherited = {allele_key(a.allele): a for a in germline if a.allele is not None}
    merged = []
    for alteration in alterations:
        twin = inherited.pop(allele_key(alteration.allele), None) if alteration.allele is not None else None
        merged.append(alteration.model_copy(update={"origin": VariantOrigin.GERMLINE}) if twin else alteration)
    return [*merged, *(a for a in germline if a.allele is None or allele_key(a.allele) in inherited)]


def record_profile(case_id: str, tumour: Tumour, knowledge: OncoKnowledge, build: GenomeBuild | None) -> TumourProfile:
    """A profile from a patient record's ``tumour`` section (the tumour type already checked by the caller).

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
                origin=variant.origin,
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
    tmb_high = knowledge.thresholds.tmb_high_mut_per_mb
    if tumour.tmb_mut_per_mb is not None and tumour.tmb_mut_per_mb >= tmb_high:
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
    found += [result.alteration() for result in tumour.protein_expression]
    found += tumour.typed_alterations()
    if tumour.ctdna is not None:
        found.append(parse_alteration(f"ctDNA {tumour.ctdna}"))
    code = tumour_type_code(tumour.oncotree_code, knowledge.tree)
    return TumourProfile(
        case_id=case_id, tumour_type=code, extent=tumour.extent, stage=tumour.stage, alterations=found,
        wild_type=tumour.wild_type_genes, not_assessed=limits,
    )  # fmt: skip


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
