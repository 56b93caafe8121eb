"""What the hereditary assessment could not see: per gene, how many ClinVar sites were called, absent or no-call.

A site absent from the VCF is unknown unless the user declared the VCF complete (then it is assumed reference and
counted as such). ACMG genes the bundle's ClinVar release does not cover at all are not assessed, and neither are
variant classes a small-variant VCF cannot show (curated list).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from tailormed.model.base import Contract
from tailormed.model.finding import NotAssessed
from tailormed.model.genotype import CallState, SampleGenotypes

if TYPE_CHECKING:
    from tailormed.knowledge.hereditary.load import HereditaryKnowledge


class GeneCoverage(Contract):
    """ClinVar sites of one gene by call state (a site is a position, whatever its alleles)."""

    gene: str
    acmg: bool
    sites: int
    called: int
    assumed_reference: int
    absent: int
    no_call: int

    @property
    def assessed(self) -> bool:
        return self.called + self.assumed_reference > 0


def coverage_by_gene(genotypes: SampleGenotypes, knowledge: HereditaryKnowledge) -> list[GeneCoverage]:
    """Sites per gene (ACMG genes first, then others), counted once per position."""
    rows = []
    for gene, sites in knowledge.sites_by_gene.items():
        states: Counter[str] = Counter()
        for key in sites:
            call = genotypes.calls.get(key)
            state = call.state if call is not None else CallState.ABSENT
            if state in (CallState.REFERENCE, CallState.VARIANT):
                states["called"] += 1
            elif state is CallState.ASSUMED_REFERENCE:
                states["assumed"] += 1
            elif state is CallState.ABSENT:
                states["absent"] += 1
            else:
                states["no_call"] += 1
        rows.append(
            GeneCoverage(
                gene=gene,
                acmg=knowledge.acmg.gene(gene) is not None,
                sites=len(sites),
                called=states["called"],
                assumed_reference=states["assumed"],
                absent=states["absent"],
                no_call=states["no_call"],
            )
        )
    return sorted(rows, key=lambda row: (not row.acmg, row.gene))


def _listing(counts: list[tuple[str, int]], limit: int = 8) -> str:
    shown = ", ".join(f"{gene} {n}" for gene, n in counts[:limit])
    return shown + (f" and {len(counts) - limit} more genes" if len(counts) > limit else "")


def not_assessed(
    coverage: list[GeneCoverage], knowledge: HereditaryKnowledge, *, absent_is_reference: bool
) -> list[NotAssessed]:
    """The assessment's limits in words: uncovered ACMG genes, uncalled genes, absent sites, invisible classes."""
    version = knowledge.acmg.version
    items = []
    covered = {row.gene for row in coverage}
    outside = [g.gene for g in knowledge.acmg.genes if g.gene not in covered]
    if outside:
        items.append(
            NotAssessed(
                item=f"{len(outside)} of {len(knowledge.acmg.genes)} ACMG SF v{version} genes: {', '.join(outside)}",
                reason=f"no ClinVar P/LP or conflicting records for them in the knowledge bundle's ClinVar release "
                f"({knowledge.release.file_date})",
            )
        )
    uncalled = [row for row in coverage if row.acmg and not row.assessed]
    if uncalled:
        items.append(
            NotAssessed(
                item=f"ACMG SF genes with no called ClinVar site: {', '.join(row.gene for row in uncalled)}",
                reason="none of their ClinVar P/LP or conflicting positions is called in the VCF",
            )
        )
    absent = [(row.gene, row.absent) for row in coverage if row.absent]
    if absent:
        total = sum(n for _, n in absent)
        sites = sum(row.sites for row in coverage)
        items.append(
            NotAssessed(
                item=f"{total} of {sites} ClinVar P/LP or conflicting positions ({_listing(absent)})",
                reason=(
                    "absent from the VCF and not assumed reference: the VCF is declared complete but has no record at "
                    "all in their gene's region"
                    if absent_is_reference
                    else "absent from the VCF and not assumed reference; declare --absent-is-reference for a "
                    "complete WGS or panel VCF"
                ),
            )
        )
    no_call = [(row.gene, row.no_call) for row in coverage if row.no_call]
    if no_call:
        items.append(
            NotAssessed(
                item=f"{sum(n for _, n in no_call)} ClinVar positions ({_listing(no_call)})",
                reason="no-call or partly called in the VCF",
            )
        )
    if absent_is_reference:
        assumed = sum(row.assumed_reference for row in coverage)
        items.append(
            NotAssessed(
                item=f"{assumed} ClinVar positions absent from the VCF",
                reason="assumed reference (declared by the user)",
            )
        )
    items += [
        NotAssessed(item=what, reason="not visible in a small-variant VCF") for what in knowledge.curated.not_visible
    ]
    return items
