"""ClinVar alleles as knowledge loci: one locus per position, the way intake merges sites.

ClinVar lists each allele of a position as its own record (an SNV and a deletion can start at the same base).
Intake reads one locus per ``chrom:pos``, so the alleles are merged like ``bcftools norm -m+`` does, and a ClinVar
allele is then written in the merged locus's representation before genotypes are compared with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.intake.normalize import allele_at_locus
from tailormed.intake.sites import SiteIndex
from tailormed.knowledge.hereditary.models import ClinvarVariant
from tailormed.model.genotype import Locus


def clinvar_loci(variants: Sequence[ClinvarVariant]) -> dict[str, Locus]:
    """One merged locus per ``chrom:pos`` covering every ClinVar allele there."""
    loci = [Locus(chrom=v.chrom, pos=v.pos, ref=v.ref, alts=(v.alt,), id=f"clinvar:{v.variation_id}") for v in variants]
    return {site.locus.key: site.locus for site in SiteIndex(loci).sites}


def allele_in_locus(variant: ClinvarVariant, locus: Locus) -> str:
    """The ClinVar allele as a sequence in the merged locus's representation."""
    return allele_at_locus(variant.pos, variant.ref, variant.alt, locus)
