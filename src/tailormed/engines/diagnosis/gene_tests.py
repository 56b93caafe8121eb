"""Which genetic test fits: genes ranked by their share of the diagnostic probability, and single gene vs panel vs
exome with the reasoning shown.

A gene's share is the probability of the diseases annotated to it, a disease with several genes split evenly among
them; the probability of diseases with no known gene is reported apart (no gene test can confirm them). The choice
of test reads the shares among the diseases a gene test can confirm (those with a known gene):

* **single-gene test** when one gene holds at least :data:`SINGLE_GENE_SHARE` of that probability;
* **multi-gene panel** when the fewest genes that together hold :data:`PANEL_COVERAGE` of it number at most
  :data:`PANEL_MAX_GENES`;
* **exome (or genome) sequencing** otherwise: the phenotype does not narrow the search enough for a panel.

The thresholds are this engine's rule of thumb, stated so that the reasoning can be checked, not a guideline; the
probabilities behind them are calibrated only as well as the validation shows (docs/validation.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tailormed.knowledge.hpo.index import DiseaseIndex, FloatArray
from tailormed.model.diagnosis import GeneShare, GeneTestAdvice, GeneTestKind

#: One gene holding this share of the probability makes a single-gene test the first step.
SINGLE_GENE_SHARE = 0.6
#: A panel should cover this share of the probability ...
PANEL_COVERAGE = 0.8
#: ... with at most this many genes; otherwise exome sequencing.
PANEL_MAX_GENES = 50
#: Genes listed at most.
GENE_LIST_MAX = 50


def gene_shares(index: DiseaseIndex, probability: FloatArray, *, limit: int = GENE_LIST_MAX) -> list[GeneShare]:
    """Genes by their share of ``probability`` (one value per disease of ``index``), largest first."""
    share: dict[str, float] = {}
    diseases: dict[str, list[tuple[float, str]]] = {}
    for position in np.flatnonzero(probability > 0):
        disease = index.diseases[int(position)]
        if not disease.genes:
            continue
        p = float(probability[position])
        for gene in disease.genes:
            share[gene.symbol] = share.get(gene.symbol, 0.0) + p / len(disease.genes)
            diseases.setdefault(gene.symbol, []).append((p, disease.id))
    ranked = sorted(share.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [
        GeneShare(
            gene=gene,
            share=min(max(value, 0.0), 1.0),
            diseases=[d for _, d in sorted(diseases[gene], key=lambda x: (-x[0], x[1]))[:3]],
        )
        for gene, value in ranked
    ]


def no_gene_share(index: DiseaseIndex, probability: FloatArray) -> float:
    return float(probability[~index.has_gene].sum())


def suggest_test(genes: Sequence[GeneShare], no_known_gene: float) -> GeneTestAdvice:
    """Single gene, panel or exome from the gene shares, with the reasoning in words.

    >>> g = [GeneShare(gene="FBN1", share=0.54, diseases=["OMIM:154700"]),
    ...      GeneShare(gene="TGFBR2", share=0.1, diseases=["OMIM:610168"])]
    >>> s = suggest_test(g, 0.1)
    >>> s.test.value, [x.gene for x in s.genes], round(s.covered, 2)
    ('single-gene test', ['FBN1'], 0.6)
    """
    no_known = min(max(no_known_gene, 0.0), 1.0)
    testable = max(1.0 - no_known, 1e-12)
    apart = (
        f"; {no_known:.0%} of the probability rests on diseases with no known gene, which no gene test confirms"
        if no_known >= 0.01
        else ""
    )
    if genes and genes[0].share / testable >= SINGLE_GENE_SHARE:
        top = genes[0]
        return GeneTestAdvice(
            test=GeneTestKind.SINGLE_GENE,
            genes=[top],
            covered=min(top.share / testable, 1.0),
            no_known_gene=no_known,
            reasoning=(
                f"{top.gene} carries {top.share / testable:.0%} of the probability of the diseases with a known gene "
                f"(at least {SINGLE_GENE_SHARE:.0%} makes a single-gene test the first step){apart}; if it is "
                f"negative, the next genes are {', '.join(g.gene for g in genes[1:6]) or 'none listed'}."
            ),
        )
    covered = 0.0
    chosen: list[GeneShare] = []
    for gene in genes:
        if covered >= PANEL_COVERAGE:
            break
        chosen.append(gene)
        covered += gene.share / testable
    if covered >= PANEL_COVERAGE and len(chosen) <= PANEL_MAX_GENES:
        return GeneTestAdvice(
            test=GeneTestKind.PANEL,
            genes=chosen,
            covered=min(covered, 1.0),
            no_known_gene=no_known,
            reasoning=(
                f"no gene carries {SINGLE_GENE_SHARE:.0%} of the probability of the diseases with a known gene (the "
                f"first, {genes[0].gene}, {genes[0].share / testable:.0%}); {len(chosen)} genes together carry "
                f"{covered:.0%} (a panel should cover {PANEL_COVERAGE:.0%} with at most {PANEL_MAX_GENES} genes)"
                f"{apart}."
            ),
        )
    listed = sum(g.share for g in genes) / testable
    first = f"the first, {genes[0].gene}, {genes[0].share / testable:.0%}; " if genes else ""
    return GeneTestAdvice(
        test=GeneTestKind.EXOME,
        genes=list(genes),
        covered=min(listed, 1.0),
        no_known_gene=no_known,
        reasoning=(
            f"the probability of the diseases with a known gene is spread thinly ({first}the top {len(genes)} genes "
            f"carry {listed:.0%}; {PANEL_COVERAGE:.0%} would need more than {PANEL_MAX_GENES} genes){apart}: exome "
            "or genome sequencing, analysed with these phenotypes, fits better than a panel."
        ),
    )
