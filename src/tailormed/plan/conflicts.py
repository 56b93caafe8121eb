"""Conflicts between the medication list and the genotype: drug-gene (a listed drug whose guideline changes
therapy for this genotype) and drug-drug-gene (a listed drug changing a gene's result that other listed drugs
rely on)."""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.model.careplan import Conflict
from tailormed.model.finding import Domain, Finding
from tailormed.model.pgx import GuidelineResult, Phenoconversion
from tailormed.plan.problems import clinical, is_actionable


def conflicts(findings: Sequence[Finding], on_list: set[str]) -> list[Conflict]:
    out: list[Conflict] = []
    usable = [f for f in findings if clinical(f)]
    for finding in usable:
        if not is_actionable(finding) or finding.domain is not Domain.PGX:
            continue
        if isinstance(finding.data, Phenoconversion):
            out.append(_drug_drug_gene(finding, usable, on_list))
            continue
        drugs = [d for d in finding.drugs if d.casefold() in on_list]
        if drugs and isinstance(finding.data, GuidelineResult):
            results = "; ".join(v for _, v in sorted(finding.data.gene_results.items()))
            source = finding.evidence[0].source
            out.append(
                Conflict(
                    id=f"conflict:drug_gene:{finding.id}",
                    kind="drug_gene",
                    description=f"{', '.join(drugs)} is on the medication list; with "
                    f"{results or ', '.join(finding.genes)} the {source} guidance changes therapy",
                    drugs=drugs,
                    genes=list(finding.genes),
                    finding_ids=[finding.id],
                )
            )
    return out


def _drug_drug_gene(change: Finding, findings: Sequence[Finding], on_list: set[str]) -> Conflict:
    """A perpetrator drug changing a gene's result, with the listed drugs whose guidance rests on that gene."""
    genes = set(change.genes)
    affected = [
        f
        for f in findings
        if f is not change
        and not isinstance(f.data, Phenoconversion)
        and genes & set(f.genes)
        and any(d.casefold() in on_list for d in f.drugs)
    ]
    victims = sorted({d for f in affected for d in f.drugs if d.casefold() in on_list} - set(change.drugs))
    uses = f"; guidance for {', '.join(victims)} uses the changed result" if victims else ""
    return Conflict(
        id=f"conflict:drug_drug_gene:{change.id}",
        kind="drug_drug_gene",
        description=change.summary + uses,
        drugs=[*change.drugs, *victims],
        genes=list(change.genes),
        finding_ids=[change.id, *(f.id for f in affected)],
    )
