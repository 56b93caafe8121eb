"""Care-plan findings from a hereditary assessment: one finding per carried P/LP or conflicting allele.

Reportable alleles are ``actionable`` and name the condition and its management; carrier status, alleles in genes
off the ACMG SF list and conflicting classifications are ``informational``. When nothing is reportable, one
finding says so, with what could not be assessed, so "no finding" is never mistaken for "all clear".
"""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.engines.hereditary.rules import HereditaryResult, HereditaryRow
from tailormed.knowledge.hereditary import acmg as acmg_source
from tailormed.knowledge.hereditary import clinvar as clinvar_source
from tailormed.knowledge.hereditary import management as management_source
from tailormed.knowledge.hereditary.load import HereditaryKnowledge
from tailormed.knowledge.hereditary.models import Significance
from tailormed.model.finding import Domain, Evidence, Finding, NotAssessed, Priority
from tailormed.model.payloads import HereditaryVariantData


def _title(row: HereditaryRow) -> str:
    gene, variant = row.observation.gene, row.observation.variant
    if variant.significance is Significance.CONFLICTING:
        return f"{gene} variant with conflicting ClinVar classifications"
    if row.reportable:
        return f"{gene} pathogenic variant: {row.condition}"
    if row.reason.startswith("carrier"):
        return f"{gene} carrier: {row.condition}"
    if not row.acmg_gene:
        return f"{gene} {variant.clnsig.replace('_', ' ')} variant (not an ACMG SF gene)"
    return f"{gene} {variant.clnsig.replace('_', ' ')} variant, not reportable"


def payload(row: HereditaryRow) -> HereditaryVariantData:
    observation, variant = row.observation, row.observation.variant
    return HereditaryVariantData(
        gene=observation.gene,
        chrom=variant.chrom,
        pos=variant.pos,
        ref=variant.ref,
        alt=variant.alt,
        genotype=observation.genotype,
        zygosity=row.zygosity.value,
        clinvar_id=variant.variation_id,
        hgvs=variant.hgvs,
        clinvar_significance=variant.clnsig,
        review_stars=variant.stars,
        reportable=row.reportable,
        reason=row.reason,
        condition=row.condition,
        inheritance=row.inheritance,
        management=row.management,
    )


def _finding(row: HereditaryRow, knowledge: HereditaryKnowledge, limits: Sequence[NotAssessed]) -> Finding:
    observation, variant = row.observation, row.observation.variant
    versions = knowledge.versions
    evidence = [
        Evidence(
            source=clinvar_source.SOURCE,
            version=versions.get(clinvar_source.SOURCE, knowledge.release.file_date),
            level=f"{variant.clnsig}; {variant.stars} stars ({variant.review_status})",
            citations=[
                f"https://www.ncbi.nlm.nih.gov/clinvar/variation/{variant.variation_id}/",
                knowledge.clinvar_citation,
            ],
            inputs_used=[f"{observation.gene} {observation.label} genotype {observation.genotype}"],
            not_assessed=list(limits),
        )
    ]
    if row.acmg_gene:
        gene = knowledge.acmg.gene(observation.gene)
        evidence.append(
            Evidence(
                source=acmg_source.SOURCE,
                version=knowledge.acmg.version,
                level=f"{gene.inheritance}; {gene.variants_to_report}" if gene is not None else None,
                citations=[knowledge.acmg.citation],
            )
        )
    entries = knowledge.curated.for_gene(observation.gene) if row.reportable else []
    if entries:
        evidence.append(
            Evidence(
                source=management_source.SOURCE,
                version=versions.get(management_source.SOURCE, knowledge.curated.version),
                citations=list(dict.fromkeys(c for entry in entries for c in [*entry.citations, *entry.cites])),
                unverified=[f"{entry.condition}: {entry.unverified.reason}" for entry in entries if entry.unverified],
            )
        )
    stars = f"{variant.stars} star{'s' if variant.stars != 1 else ''}"
    summary = (
        f"{observation.label} ({variant.clnsig.replace('_', ' ')} in ClinVar, {stars}), {row.zygosity.value} "
        f"({observation.genotype}): {row.reason}."
    )
    if row.reportable and row.management:
        summary += f" {row.management}"
    return Finding(
        id=f"hereditary:{observation.gene}:{variant.chrom}:{variant.pos}:{variant.ref}:{variant.alt}",
        domain=Domain.HEREDITARY,
        title=_title(row),
        summary=summary,
        priority=Priority.ACTIONABLE if row.reportable else Priority.INFORMATIONAL,
        genes=[observation.gene],
        conditions=[c for c in row.condition.split("; ") if c],
        data=payload(row),
        evidence=evidence,
    )


def hereditary_findings(
    result: HereditaryResult, knowledge: HereditaryKnowledge, limits: Sequence[NotAssessed]
) -> list[Finding]:
    """One finding per listed allele; a 'nothing reportable' finding when no allele is reportable."""
    findings = [_finding(row, knowledge, limits) for row in result.rows]
    if not any(row.reportable for row in result.rows):
        assessed = [c.gene for c in result.coverage if c.acmg and c.assessed]
        findings.append(
            Finding(
                id="hereditary:none-reportable",
                domain=Domain.HEREDITARY,
                title=f"No ACMG SF v{result.acmg_version} secondary finding detected",
                summary=(
                    f"No reportable ClinVar P/LP variant was found in the {len(assessed)} ACMG SF genes with called "
                    "positions. This does not exclude a hereditary condition: see what could not be assessed."
                ),
                priority=Priority.INFORMATIONAL,
                genes=assessed,
                evidence=[
                    Evidence(
                        source=clinvar_source.SOURCE,
                        version=knowledge.release.file_date,
                        citations=[knowledge.clinvar_citation, knowledge.acmg.citation],
                        inputs_used=[f"{len(result.coverage)} genes with ClinVar P/LP or conflicting positions"],
                        not_assessed=list(limits),
                    )
                ],
            )
        )
    return findings
