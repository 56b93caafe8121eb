"""ClinVar alleles in the representation of the merged knowledge locus they belong to."""

from __future__ import annotations

from tailormed.knowledge.hereditary.models import ClinvarVariant
from tailormed.model.alleles import allele_at_locus
from tailormed.model.genotype import Locus


def allele_in_locus(variant: ClinvarVariant, locus: Locus) -> str:
    """The ClinVar allele as a sequence in the merged locus's representation."""
    return allele_at_locus(variant.pos, variant.ref, variant.alt, locus)
