"""Intake: readers that turn user files other than genomes into the model's contracts.

Patient records (YAML/JSON), FHIR R4 Bundles, GA4GH Phenopackets, outside PGx calls, tumour copy-number and fusion
tables. Genomes (VCF/BCF) are read by :mod:`tailormed.evidence`.
"""
