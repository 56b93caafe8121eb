"""Per-gene judgement: is a carried ClinVar allele a reportable secondary finding, carrier status, or neither?

Order of checks for each allele: conflicting and low-penetrance classifications are listed but never reportable;
alleles below the review-star floor are listed but not reportable; genes off the chosen ACMG SF list are not
reportable ("not an ACMG SF gene"); otherwise the gene's 'variants to report' rule decides (:class:`RuleKind`).
For two-allele rules, two different P/LP alleles without phase are a *possible* compound heterozygote (reportable,
phase unknown); phased alleles on the same haplotype are carrier status; on different haplotypes, compound
heterozygous.
"""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.engines.hereditary.coverage import GeneCoverage, coverage_by_gene
from tailormed.engines.hereditary.observe import Observation, Zygosity, observe
from tailormed.knowledge.hereditary.load import HereditaryKnowledge
from tailormed.knowledge.hereditary.models import AcmgGene, ReportRule, RuleKind, Significance
from tailormed.model.alleles import normalize_variant
from tailormed.model.base import Contract
from tailormed.model.genotype import SampleGenotypes
from tailormed.model.patient import Sex


class HereditaryRow(Contract):
    """One carried P/LP (or conflicting) allele and the verdict on it."""

    observation: Observation
    zygosity: Zygosity
    reportable: bool
    reason: str
    condition: str
    inheritance: str
    management: str | None = None
    acmg_gene: bool = False


class HereditaryResult(Contract):
    """A sample's hereditary assessment against one ACMG SF list version."""

    sample: str
    acmg_version: str
    min_stars: int
    rows: list[HereditaryRow]
    coverage: list[GeneCoverage]


def _stars(n: int) -> str:
    return f"{n} star{'s' if n != 1 else ''}"


def _same_haplotype(a: Observation, b: Observation) -> bool | None:
    """True (cis) / False (trans) when both are phased in one phase set, else None (phase unknown).

    Two alleles of one position in one call are in trans whatever the phasing.
    """
    if a.variant.key == b.variant.key:
        return False
    if not (a.phased and b.phased) or a.phase_set != b.phase_set or a.copies != 1 or b.copies != 1:
        return None
    return a.slots == b.slots


def _is_named(observation: Observation, rule: ReportRule) -> str | None:
    v = observation.variant
    mine = (v.chrom, normalize_variant(v.pos, v.ref, v.alt))
    for named in rule.variants:
        if (named.chrom, normalize_variant(named.pos, named.ref, named.alt)) == mine:
            return named.name
    return None


def _biallelic(observation: Observation, partners: Sequence[Observation], what: str) -> tuple[bool, str, Zygosity]:
    if observation.zygosity in (Zygosity.HOMOZYGOUS, Zygosity.HEMIZYGOUS):
        return True, f"{observation.zygosity.value} P/LP: {what}", observation.zygosity
    if not partners:
        return False, f"carrier: one heterozygous P/LP allele; ACMG SF reports {what}", observation.zygosity
    phases = [_same_haplotype(observation, other) for other in partners]
    names = ", ".join(other.label for other in partners)
    if any(phase is False for phase in phases):
        return True, f"compound heterozygous (phased, in trans with {names})", Zygosity.COMPOUND_HETEROZYGOUS
    if all(phase is True for phase in phases):
        return (
            False,
            f"carrier: the other P/LP allele ({names}) is on the same haplotype (in cis)",
            observation.zygosity,
        )
    return True, f"possible compound heterozygote, phase unknown (with {names})", Zygosity.COMPOUND_HETEROZYGOUS


def _judge(
    observation: Observation,
    gene: AcmgGene,
    rule: ReportRule,
    partners: Sequence[Observation],
) -> tuple[bool, str, Zygosity]:
    zygosity = observation.zygosity
    phrase = f"'{gene.variants_to_report}' ({gene.inheritance})"
    if rule.kind is RuleKind.ANY:
        return True, f"{zygosity.value} P/LP; ACMG SF reports {phrase} in {gene.gene}", zygosity
    if rule.kind is RuleKind.TRUNCATING:
        truncating = [c for c in observation.variant.consequences if c in rule.consequences]
        if truncating:
            return True, f"truncating ({', '.join(truncating)}) P/LP; ACMG SF reports {phrase}", zygosity
        shown = ", ".join(observation.variant.consequences) or "consequence not given"
        return False, f"not truncating ({shown}); ACMG SF reports {phrase} in {gene.gene}", zygosity
    if rule.kind is RuleKind.NAMED_HOMOZYGOUS:
        named = _is_named(observation, rule)
        if named is None:
            return False, f"not the variant ACMG SF names for {gene.gene}: it reports {phrase}", zygosity
        if zygosity is Zygosity.HOMOZYGOUS:
            return True, f"homozygous {named}; ACMG SF reports {phrase}", zygosity
        return False, f"carrier: {zygosity.value} {named}; ACMG SF reports {phrase}", zygosity
    if rule.kind is RuleKind.HEMIZYGOUS_OR_BIALLELIC:
        return _biallelic(observation, partners, f"{phrase}: hemizygous, homozygous or two P/LP alleles")
    return _biallelic(observation, partners, f"{phrase}: two P/LP alleles (biallelic)")


def _management(knowledge: HereditaryKnowledge, gene: str) -> str | None:
    entries = knowledge.curated.for_gene(gene)
    if not entries:
        return None
    if len(entries) == 1:
        return entries[0].management
    return " ".join(f"{entry.condition}: {entry.management}" for entry in entries)


def _clinvar_condition(observation: Observation) -> str:
    names = observation.variant.conditions
    if len(names) > 3:
        return "; ".join(names[:3]) + f" (+{len(names) - 3} more in ClinVar)"
    return "; ".join(names)


def assess_hereditary(
    genotypes: SampleGenotypes,
    knowledge: HereditaryKnowledge,
    *,
    sex: Sex | None = None,
    min_stars: int = 0,
) -> HereditaryResult:
    """The verdict on every P/LP or conflicting ClinVar allele the sample carries, and per-gene coverage."""
    observations = observe(genotypes.calls, knowledge.clinvar, knowledge.loci, knowledge.acmg, sex)
    return HereditaryResult(
        sample=genotypes.sample,
        acmg_version=knowledge.acmg.version,
        min_stars=min_stars,
        rows=judge(observations, knowledge, min_stars=min_stars),
        coverage=coverage_by_gene(genotypes, knowledge),
    )


def judge(
    observations: Sequence[Observation], knowledge: HereditaryKnowledge, *, min_stars: int = 0
) -> list[HereditaryRow]:
    """The verdict on each of one sample's carried alleles (the sample's other alleles of a gene decide
    two-allele rules), in the order of ``observations``."""
    acmg = knowledge.acmg
    qualifying = [
        o for o in observations if o.variant.significance is Significance.PLP and o.variant.stars >= min_stars
    ]
    rows = []
    for observation in observations:
        variant = observation.variant
        gene = acmg.gene(observation.gene)
        condition = gene.condition if gene is not None else _clinvar_condition(observation)
        inheritance = gene.inheritance if gene is not None else ""
        zygosity = observation.zygosity
        if variant.significance is Significance.CONFLICTING:
            reportable, reason = False, f"conflicting classifications in ClinVar ({variant.conflicts}); not reportable"
        elif variant.significance is Significance.LOW_PENETRANCE:
            reportable, reason = False, "low-penetrance classification in ClinVar; not a secondary finding"
        elif variant.stars < min_stars:
            reportable = False
            reason = f"review status {_stars(variant.stars)} ({variant.review_status}), below the minimum {min_stars}"
        elif gene is None:
            reportable, reason = False, f"not an ACMG SF v{acmg.version} gene"
        else:
            rule = knowledge.curated.rule(gene.variants_to_report)
            if rule is None:
                reportable, reason = False, f"no rule for ACMG phrase '{gene.variants_to_report}'; not judged"
            else:
                partners = [o for o in qualifying if o.gene == observation.gene and o is not observation]
                reportable, reason, zygosity = _judge(observation, gene, rule, partners)
        if observation.partial:
            reason += "; the other allele at this position is not called"
        if observation.filter:
            reason += f"; VCF FILTER {observation.filter}"
        rows.append(
            HereditaryRow(
                observation=observation,
                zygosity=zygosity,
                reportable=reportable,
                reason=reason,
                condition=condition,
                inheritance=inheritance,
                management=_management(knowledge, observation.gene) if reportable else None,
                acmg_gene=gene is not None,
            )
        )
    return rows
