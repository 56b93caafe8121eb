"""Cohort runs: the per-person analyses over a whole cohort, in partitions that can be resumed and spread out.

A cohort input (a multi-sample VCF or a PLINK 2 fileset) is cut into sample blocks; each block is read once at the
positions the analyses ask for (columnar: one allele matrix per site, never an object per genotype) and analysed by
the same pure engines as a single patient. Each finished partition writes its Parquet file atomically and a marker;
a rerun with the same inputs skips finished partitions. :mod:`tailormed.cohort.plan` cuts the partitions,
:mod:`tailormed.cohort.tasks` runs one, :mod:`tailormed.cohort.run` drives them and writes the manifest.
"""
