"""Hereditary (monogenic) findings: ClinVar P/LP alleles in a patient's genotypes, judged by the ACMG SF rules.

Stages, each a module: ``sites`` (ClinVar alleles as knowledge loci, one per position), ``observe`` (which ClinVar
alleles a sample carries, with zygosity and phase), ``rules`` (per-gene inheritance and 'variants to report' rule:
reportable, carrier, conflicting, not an SF gene), ``coverage`` (what could not be assessed) and ``findings``
(care-plan findings with evidence). The engine reads models handed to it; it never opens a file.
"""

from tailormed.engines.hereditary.findings import hereditary_findings
from tailormed.engines.hereditary.knowledge import HereditaryKnowledge
from tailormed.engines.hereditary.rules import HereditaryResult, HereditaryRow, assess_hereditary
from tailormed.engines.hereditary.sites import clinvar_loci

__all__ = [
    "HereditaryKnowledge",
    "HereditaryResult",
    "HereditaryRow",
    "assess_hereditary",
    "clinvar_loci",
    "hereditary_findings",
]
