"""Pipelines: the stages wired together for one patient (intake -> engines -> plan -> files).

Unlike the engines, a pipeline may read and write files; it only orchestrates and holds no clinical facts.
"""
