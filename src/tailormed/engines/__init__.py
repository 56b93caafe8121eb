"""Engines: pure functions ``(patient, genotypes, knowledge) -> list[Finding]``, one package per domain."""
