"""The contracts every stage hands to the next: patient, genotypes, findings, care plan.

Each contract is imported from its own module (``tailormed.model.patient``, ``.genotype``, ``.finding``,
``.careplan``, ``.payloads``...), so importing one costs only that one.
"""
