"""Conflicts between the medication list and the genotype: drug-gene (a listed drug whose guideline changes
therapy for this genotype) and drug-drug-gene (a listed drug changing a gene's result that other listed drugs
rely on); and between the sources of one gene's call (call-source: an outside call the VCF's genotypes
contradict)."""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.model.careplan import Conflict
from tailormed.model.finding import Domain, Finding
from tailormed.model.pgx import GenePhenotype, GuidelineResult, Phenoconversion
from tailormed.plan.problems import clinical, is_actionable


def conflicts(findings: Sequence[Finding], on_list: set[str]) -> list[Conflict]:
    """Drug-drug-gene conflicts per phenoconversion; one drug-gene conflict per listed drug, citing every guideline."""
    out: list[Conflict] = []
    usable = [f for f in findings if clinical(f)]
    per_drug: dict[str, list[tuple[Finding, GuidelineResult]]] = {}
    for finding in usable:
        if isinstance(finding.data, GenePhenotype) and finding.data.conflict:
            out.append(
                Conflict(
                    id=f"conflict:call_source:{finding.id}",
                    kind="call_source",
                    description=finding.data.conflict,
                    genes=[finding.data.gene],
                    finding_ids=[finding.id],
                )
            )
        if not is_actionable(finding) or finding.domain is not Domain.PGX:
            continue
        if isinstance(finding.data, Phenoconversion):
            out.append(_drug_drug_gene(finding, usable, on_list))
            continue
        drugs = [d for d in finding.drugs if d.casefold() in on_list]
        if drugs and isinstance(finding.data, GuidelineResult):
            per_drug.setdefault(drugs[0].casefold(), []).append((finding, finding.data))
    for members in per_drug.values():
        members.sort(key=lambda pair: pair[0].id)
        anchor = members[0][0]
        drugs = list(dict.fromkeys(d for f, _ in members for d in f.drugs if d.casefold() in on_list))
        genes = list(dict.fromkeys(g for f, _ in members for g in f.genes))
        results = "; ".join(dict.fromkeys(v for _, answer in members for _, v in sorted(answer.gene_results.items())))
        sources = " and ".join(dict.fromkeys(f.evidence[0].source for f, _ in members))
        out.append(
            Conflict(
                id=f"conflict:drug_gene:{anchor.id}",
                kind="drug_gene",
                description=f"{', '.join(drugs)} is on the medication list; with "
                f"{results or ', '.join(genes)} the {sources} guidance changes therapy",
                drugs=drugs,
                genes=genes,
                finding_ids=[f.id for f, _ in members],
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
