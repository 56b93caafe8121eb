"""Oncology knowledge: the normalized biomarker -> evidence table, OncoTree, gene roles and hotspot alleles."""
