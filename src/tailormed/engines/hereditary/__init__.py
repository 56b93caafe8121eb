"""Hereditary (monogenic) findings: ClinVar P/LP alleles in a patient's genotypes, judged by the ACMG SF rules.

Stages, each a module: ``sites`` (a ClinVar allele in its merged locus's spelling), ``observe`` (which ClinVar
alleles a sample carries, with zygosity and phase), ``rules`` (per-gene inheritance and 'variants to report' rule:
reportable, carrier, conflicting, not an SF gene), ``coverage`` (what could not be assessed) and ``findings``
(care-plan findings with evidence). The engine reads models handed to it
(:class:`tailormed.knowledge.hereditary.load.HereditaryKnowledge`); it never opens a file.
"""

from tailormed.engines.hereditary.findings import hereditary_findings
from tailormed.engines.hereditary.rules import HereditaryResult, HereditaryRow, assess_hereditary

__all__ = [
    "HereditaryResult",
    "HereditaryRow",
    "assess_hereditary",
    "hereditary_findings",
]
