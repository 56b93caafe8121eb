"""Polygenic scores: pgsc_calc-compatible variant matching, dosage sums, ancestry normalization and relative risk.

Stages, each a module: :mod:`.matching` (scoring-file variants to VCF records with pgscatalog-match's default rules),
:mod:`.scoring` (SUM, DENOM and AVG per sample like ``plink2 --score``), :mod:`.ancestry` (pgsc_calc's ancestry
adjustment from reference principal components), :mod:`.frequency` (expected mean and variance from effect-allele
frequencies, for one patient without PCs), :mod:`.risk` (Z to relative risk with a published per-SD effect) and
:mod:`.findings` (care-plan findings). Nothing here reads files; :mod:`tailormed.pipeline.prs` wires intake to it.
"""
