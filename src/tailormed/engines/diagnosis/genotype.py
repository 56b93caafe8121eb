"""The genotype likelihood ratio (LIRICAL's model): do the candidate variants in a disease's gene fit its inheritance?

Each candidate variant carries the number of allele copies the patient has (heterozygous 1, homozygous 2; a
hemizygous allele counts 2, since no second copy can mask it) and either a pathogenic classification (ClinVar or
the case's own P/LP) or a pathogenicity weight in [0, 1] (from the predicted consequence). Per gene and mode of
inheritance (Robinson et al., AJHG 2020;107:403):

* no candidate variant in the gene: LR 0.05 (the chance the causal variant was missed), 0.05² for recessive;
* pathogenic alleles: LR 1000 for a dominant (or other non-recessive) disease; 1000² for a recessive disease with
  two pathogenic copies;
* otherwise the weighted allele count k is compared by Poisson probabilities: P(k | lambda_disease) /
  P(k | lambda_background), lambda_disease 1 (dominant) or 2 (recessive, X-linked recessive), lambda_background
  0.1 (LIRICAL's default when the gene's background rate of predicted-pathogenic alleles in gnomAD is unknown,
  which is always the case here).

A disease's genotype LR is the best over its genes; a disease with no known gene keeps LR 1 (not assessable).

Which diseases are ranked also follows LIRICAL: by default (without ``--global``) it drops, in variant mode, every
disease with no known gene or with no candidate variant in its genes, so the genotype LR only has to order diseases
of the candidate genes. :func:`has_candidate` says which diseases LIRICAL would keep; ranking lists them first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tailormed.knowledge.hpo.annotations import Disease
from tailormed.knowledge.hpo.index import Inheritance
from tailormed.model.candidate import CandidateVariant

MISSED_VARIANT_LR = 0.05
PATHOGENIC_LR = 1000.0
LAMBDA_BACKGROUND = 0.1
MIN_WEIGHT = 1e-5




@dataclass(frozen=True)
class GenotypeLr:
    """One disease's genotype likelihood ratio and the sentence that explains it."""

    lr: float
    gene: str | None
    explanation: str


def poisson(k: float, lam: float) -> float:
    """Poisson probability of a (possibly fractional, weighted) count."""
    return math.exp(k * math.log(lam) - lam - math.lgamma(k + 1.0))


def gene_lr(variants: Sequence[CandidateVariant], modes: Iterable[Inheritance], gene: str) -> GenotypeLr:
    """The genotype LR of one gene for a disease with the given inheritance models."""
    modes = list(modes)
    recessive = Inheritance.RECESSIVE in modes
    if not variants:
        lr = MISSED_VARIANT_LR**2 if recessive else MISSED_VARIANT_LR
        return GenotypeLr(lr, gene, f"{gene}: no candidate variant ({'recessive' if recessive else 'dominant'})")
    names = ", ".join(v.label for v in variants)
    pathogenic = sum(v.copies for v in variants if v.pathogenic)
    if pathogenic:
        if Inheritance.DOMINANT in modes:
            return GenotypeLr(PATHOGENIC_LR, gene, f"{gene}: pathogenic allele fits dominant inheritance ({names})")
        if pathogenic >= 2:
            return GenotypeLr(
                PATHOGENIC_LR**2, gene, f"{gene}: two pathogenic alleles fit recessive inheritance ({names})"
            )
    weighted = sum(v.copies * (1.0 if v.pathogenic else v.weight) for v in variants)
    if weighted < MIN_WEIGHT:
        lr = MISSED_VARIANT_LR**2 if recessive else MISSED_VARIANT_LR
        return GenotypeLr(lr, gene, f"{gene}: only variants predicted benign ({names})")
    best = 0.0
    chosen = modes[0]
    for mode in modes:
        lam = 2.0 if mode is Inheritance.RECESSIVE else 1.0
        ratio = poisson(weighted, lam) / poisson(weighted, LAMBDA_BACKGROUND)
        if ratio > best:
            best, chosen = ratio, mode
    return GenotypeLr(
        best, gene, f"{gene}: weighted allele count {weighted:.2f} vs {chosen.value} inheritance ({names})"
    )


def disease_lr(
    disease: Disease, modes: Sequence[Inheritance], by_gene: dict[str, list[CandidateVariant]]
) -> GenotypeLr:
    """The best genotype LR over the disease's genes (``modes`` from :func:`inheritance_modes`); 1 with no gene."""
    if not disease.genes:
        return GenotypeLr(1.0, None, "no gene known for this disease: genotype not assessed")
    results = [gene_lr(by_gene.get(g.symbol.upper(), []), modes, g.symbol) for g in disease.genes]
    return max(results, key=lambda r: r.lr)


def has_candidate(disease: Disease, by_gene: dict[str, list[CandidateVariant]]) -> bool:
    """Whether a gene of the disease carries a variant the genotype LR counts (P/LP, or a weight above zero)."""
    return any(
        v.pathogenic or v.weight * v.copies >= MIN_WEIGHT
        for gene in disease.genes
        for v in by_gene.get(gene.symbol.upper(), ())
    )


def group_by_gene(
    variants: Iterable[CandidateVariant], symbols: Mapping[str, str] | None = None
) -> dict[str, list[CandidateVariant]]:
    """Variants by upper-case gene symbol; ``symbols`` maps previous and alias symbols to the current ones."""
    grouped: dict[str, list[CandidateVariant]] = {}
    for variant in variants:
        key = variant.gene.upper()
        grouped.setdefault((symbols or {}).get(key, key), []).append(variant)
    return grouped
