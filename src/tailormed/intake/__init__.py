"""Intake: readers that turn user files into the model's contracts.

VCF/BCF intake (``open_vcf``, ``extract_genotypes``) gives each sample's genotype at the knowledge
sites, with the genome build detected and checked, chromosome names made canonical, split
multi-allelic records merged, indels compared in one normalized form, and reference / no-call /
absent kept apart.
"""

from tailormed.intake.vcf import VcfFile, extract_genotypes, open_vcf
from tailormed.model.alleles import allele_at_locus, normalize_variant
from tailormed.model.chrom import canonical_chrom

__all__ = ["VcfFile", "allele_at_locus", "canonical_chrom", "extract_genotypes", "normalize_variant", "open_vcf"]
