"""Pharmacogenomic knowledge: allele definitions, phenotype tables and guideline recommendations as typed models."""
