"""Oncology engine: tumour alterations matched to biomarker evidence, tiered by AMP/ASCO/CAP for the tumour type.

Stages: ``annotate`` (genomic alleles to protein changes, oncogenicity) -> ``match`` (the matching hierarchy) ->
``tiers`` (tumour-type relation and AMP tier) -> ``findings``. Pure functions over models handed in.
"""
