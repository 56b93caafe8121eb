"""Pharmacogenomics: named-allele matching, phenotypes, CPIC/DPWG recommendations, medication review, dosing."""
