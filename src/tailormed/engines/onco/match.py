"""The matching hierarchy: the most specific level at which a patient's alteration meets a piece of evidence.

genomic allele -> protein change -> codon (``V600``) -> exon/region (exon 19 deletion, exon 20 insertion, FLT3 ITD) ->
fusion with the named partner -> gene-level class (amplification, deletion, any fusion of the gene, "mutation",
loss of function). Gene-level mutation classes apply only to alterations predicted oncogenic (:mod:`.annotate`).
Protein expression is its own level: a result meets a criterion on the same marker and scale when it lies within
the criterion's range (TPS 60% meets TPS >= 50%; HER2 IHC 3+ does not meet HER2 IHC 1+ or 2+); an expression
result never meets a genomic biomarker, nor the other way round (HER2 IHC 3+ is not ERBB2 amplification).
An HLA typing meets an HLA allele of the same locus at two fields (``HLA-A*02:01:01:01`` meets ``HLA-A*02:01``); a
chromosome arm deletion meets the same arm's deletion (``del(5)(q13q33)`` meets ``del(5q)``).
A wild-type biomarker (RAS wild-type), triple-negative breast cancer or circulating tumour DNA found after surgery is
met by no alteration: it is a result about the whole tumour, matched from the genes a report states wild-type, its
ER, PR and HER2 results or its stated ctDNA result
(:func:`tailormed.engines.onco.run.match_profile`).
"""

from __future__ import annotations

from enum import StrEnum

from tailormed.engines.onco.annotate import allele_key, internal_tandem_duplication
from tailormed.knowledge.onco.core import GeneFacts, GeneRole
from tailormed.knowledge.onco.evidence import BiomarkerEvidence
from tailormed.model.alteration import (
    TUMOUR_LEVEL_KINDS,
    Alteration,
    AlterationKind,
    ExonEvent,
    GeneClass,
    ProteinChange,
    ProteinChangeKind,
)


class MatchLevel(StrEnum):
    """How specifically a patient's alteration matched; earlier members are more specific."""

    GENOMIC = "genomic"
    PROTEIN = "protein"
    CODON = "codon"
    EXON = "exon"
    FUSION = "fusion"
    SIGNATURE = "signature"
    HLA = "hla"
    CYTOGENETIC = "cytogenetic"
    EXPRESSION = "expression"
    WILD_TYPE = "wild_type"
    TRIPLE_NEGATIVE = "triple_negative"
    CTDNA_POSITIVE = "ctdna_positive"
    GENE_CLASS = "gene_class"


def match_level(
    row: BiomarkerEvidence, alteration: Alteration, *, oncogenic: bool, genes: dict[str, GeneFacts]
) -> MatchLevel | None:
    """The level at which ``alteration`` meets ``row``'s biomarker, or None when it does not."""
    spec = row.biomarker
    if spec.kind in TUMOUR_LEVEL_KINDS or alteration.kind in TUMOUR_LEVEL_KINDS:
        return None
    if spec.kind is AlterationKind.SIGNATURE:
        same = alteration.kind is AlterationKind.SIGNATURE and alteration.signature is spec.signature
        return MatchLevel.SIGNATURE if same else None
    if spec.kind is AlterationKind.FUSION:
        return _fusion(spec, alteration)
    if spec.gene != alteration.gene:
        return None
    if spec.kind is AlterationKind.HLA or alteration.kind is AlterationKind.HLA:
        met = alteration.hla is not None and spec.hla is not None and alteration.hla.meets(spec.hla)
        return MatchLevel.HLA if met else None
    if spec.kind is AlterationKind.CYTOGENETIC or alteration.kind is AlterationKind.CYTOGENETIC:
        same = alteration.kind is spec.kind and alteration.chromosome_arm == spec.chromosome_arm
        return MatchLevel.CYTOGENETIC if same else None
    if spec.kind is AlterationKind.EXPRESSION or alteration.kind is AlterationKind.EXPRESSION:
        result, criterion = alteration.expression, spec.expression
        met = result is not None and criterion is not None and result.meets(criterion)
        return MatchLevel.EXPRESSION if met else None
    facts = genes.get(spec.gene)
    if spec.kind is AlterationKind.AMPLIFICATION:
        return MatchLevel.GENE_CLASS if alteration.kind is AlterationKind.AMPLIFICATION else None
    if spec.kind is AlterationKind.DELETION:
        return MatchLevel.GENE_CLASS if alteration.kind is AlterationKind.DELETION else None
    if spec.gene_class is GeneClass.LOSS_OF_FUNCTION:
        return MatchLevel.GENE_CLASS if _loss_of_function(alteration, oncogenic, facts) else None
    if alteration.kind is not AlterationKind.MUTATION:
        return None
    if alteration.allele is not None and row.alleles:
        key = allele_key(alteration.allele)
        if any(allele_key(known) == key for known in row.alleles):
            return MatchLevel.GENOMIC
    if spec.protein is not None:
        return _protein(spec.protein, alteration.protein)
    if spec.exon_event is ExonEvent.TANDEM_DUPLICATION:
        return MatchLevel.EXON if internal_tandem_duplication(alteration, facts) else None
    if spec.exon is not None:
        return MatchLevel.EXON if _exon(spec, alteration, facts) else None
    if spec.gene_class is GeneClass.ANY:
        if alteration.gene_class is GeneClass.LOSS_OF_FUNCTION:
            return None
        return MatchLevel.GENE_CLASS if oncogenic else None
    return None


def _fusion(spec: Alteration, alteration: Alteration) -> MatchLevel | None:
    if alteration.kind is not AlterationKind.FUSION:
        return None
    genes = {alteration.gene, alteration.partner}
    if spec.gene not in genes:
        return None
    if spec.partner is None:
        return MatchLevel.GENE_CLASS
    return MatchLevel.FUSION if genes == {spec.gene, spec.partner} else None


def _protein(spec: ProteinChange, change: ProteinChange | None) -> MatchLevel | None:
    if change is None:
        return None
    if spec.kind is ProteinChangeKind.CODON:
        hit = (
            change.start == spec.start
            and change.ref == spec.ref
            and change.kind not in (ProteinChangeKind.SYNONYMOUS, ProteinChangeKind.CODON)
        )
        return MatchLevel.CODON if hit else None
    return MatchLevel.PROTEIN if change.text == spec.text else None


def _loss_of_function(alteration: Alteration, oncogenic: bool, facts: GeneFacts | None) -> bool:
    if alteration.kind is AlterationKind.DELETION or alteration.gene_class is GeneClass.LOSS_OF_FUNCTION:
        return True
    if alteration.kind is not AlterationKind.MUTATION or alteration.gene_class is GeneClass.ANY:
        return False
    suppressor = facts is not None and facts.role is GeneRole.TUMOUR_SUPPRESSOR
    return suppressor and (alteration.truncating or oncogenic)


def _exon(spec: Alteration, alteration: Alteration, facts: GeneFacts | None) -> bool:
    if alteration.exon is not None:
        if alteration.exon != spec.exon:
            return False
        return spec.exon_event is ExonEvent.MUTATION or alteration.exon_event is spec.exon_event
    change = alteration.protein
    if change is None or facts is None or change.kind in (ProteinChangeKind.SYNONYMOUS, ProteinChangeKind.CODON):
        return False
    if facts.exon_of(change.start) != spec.exon or facts.exon_of(change.last) != spec.exon:
        return False
    return spec.exon_event is not None and exon_event_fits(spec.exon_event, change)


def exon_event_fits(event: ExonEvent, change: ProteinChange) -> bool:
    """Whether an in-exon protein change is the kind of event the exon-level evidence names."""
    span = change.last - change.start + 1
    if event is ExonEvent.MUTATION:
        return True
    if event is ExonEvent.DELETION:
        return change.kind is ProteinChangeKind.DELETION or (
            change.kind is ProteinChangeKind.DELINS and len(change.alt) < span
        )
    if event is ExonEvent.INSERTION:
        return change.kind in (ProteinChangeKind.INSERTION, ProteinChangeKind.DUPLICATION) or (
            change.kind is ProteinChangeKind.DELINS and len(change.alt) > span
        )
    return False  # exon skipping is a splice event: only an annotation or the user can state it
