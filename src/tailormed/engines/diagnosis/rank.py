"""Ranking: scores of every disease -> ranked candidates with probabilities, explanations and gene ranks.

Three rankers. ``combined`` (the default, :mod:`~tailormed.engines.diagnosis.combined`) weighs LIRICAL's
likelihood-ratio evidence and Resnik similarity with cross-validated weights; its probabilities are a softmax over the
ranked diseases. ``lr`` is LIRICAL's model: composite LR, uniform pre-test probability 1/N, post-test odds = pre-test
odds x LR. ``similarity`` orders by Resnik best-match average and gives no probability. Ties keep disease-id order.
Genes are ranked by the probability of their diseases (users ask for gene lists: LIRICAL #625).

In variant mode the genotype LR multiplies the odds of every ranker (the similarity ranker adds its log10), and all
rankers list first the diseases LIRICAL's default analysis ranks, those with a candidate variant in a gene of theirs
(:func:`~tailormed.engines.diagnosis.genotype.has_candidate`), then the others in the order of LIRICAL's global mode
(no gene: genotype LR 1; genes without a candidate: the missed-variant LR), so every disease keeps a rank and a
diagnosis the candidate list misses still appears.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from pydantic import Field

from tailormed.engines.diagnosis.combined import CombinedModel, features, softmax
from tailormed.engines.diagnosis.gene_tests import gene_shares
from tailormed.engines.diagnosis.genotype import (
    MISSED_VARIANT_LR,
    GenotypeLr,
    disease_lr,
    group_by_gene,
    has_candidate,
)
from tailormed.engines.diagnosis.lr import DEFAULT_UNEXPLAINED_CAP, Match, PhenotypeLr, phenotype_lr
from tailormed.engines.diagnosis.query import Query
from tailormed.engines.diagnosis.similarity import resnik_bma
from tailormed.knowledge.hpo.index import DiseaseIndex, FloatArray
from tailormed.model.base import Contract
from tailormed.model.candidate import CandidateVariant
from tailormed.model.diagnosis import GeneTestAdvice, Suggestion
from tailormed.model.finding import NotAssessed

_SHORT = {
    Match.EXACT: "E",
    Match.DISEASE_MORE_SPECIFIC: "Q>D",
    Match.QUERY_MORE_SPECIFIC: "Q<D",
    Match.COMMON_ANCESTOR: "CA",
    Match.UNEXPLAINED: "NM",
    Match.EXCLUDED_IN_DISEASE: "XD",
    Match.EXCLUDED_IN_BOTH: "XX",
    Match.EXCLUDED_ABSENT: "XA",
    Match.EXCLUDED_PRESENT: "XP",
}
#: Legend of the explanation codes, for documentation and report footers.
LEGEND = {
    "E": "observed term annotated to the disease",
    "Q>D": "observed term is an ancestor of the disease's terms",
    "Q<D": "observed term is a child of a disease term",
    "CA": "observed term shares an ancestor with the disease's terms (named after ~)",
    "NM": "observed term unexplained by the disease",
    "XD": "observed term the disease is annotated NOT to have",
    "XX": "excluded term the disease is annotated NOT to have",
    "XA": "excluded term the disease does not have",
    "XP": "excluded term the disease has",
    "G": "genotype",
}


class Ranker(StrEnum):
    COMBINED = "combined"
    LR = "lr"
    SIMILARITY = "similarity"


PROBABILITY_MODELS = {
    Ranker.COMBINED: "combined LR and similarity evidence, weights fitted by cross-validation; softmax over the "
    "ranked diseases",
    Ranker.LR: "LIRICAL likelihood-ratio model with a uniform pre-test probability",
    Ranker.SIMILARITY: "none (similarity ranking)",
}


class TermContribution(Contract):
    term: str
    name: str
    excluded: bool
    match: str = Field(description="Match code, see LEGEND")
    matched_term: str | None = None
    likelihood_ratio: float


class DiseaseCandidate(Contract):
    rank: int
    disease_id: str
    disease_name: str
    genes: list[str] = Field(default_factory=list)
    score: float = Field(
        description="combined score (natural log, combined ranker), log10 composite LR (lr) or Resnik best-match "
        "average (similarity)"
    )
    post_test_probability: float | None = None
    phenotype_log10_lr: float | None = None
    genotype_lr: float | None = None
    genotype_explanation: str | None = None
    terms: list[TermContribution] = Field(default_factory=list)
    explanation: str


class GeneCandidate(Contract):
    rank: int
    gene: str
    disease_id: str = Field(description="The gene's best-ranked disease")
    disease_rank: int
    post_test_probability: float | None = Field(
        default=None, description="The gene's share of the probability (its diseases' probabilities summed)"
    )


class DiagnosisResult(Contract):
    ranker: Ranker
    candidates: list[DiseaseCandidate]
    genes: list[GeneCandidate]
    diseases_ranked: int
    pretest_probability: float
    databases: list[str]
    hpo_version: str
    hpo_origin: str
    observed_terms: list[str]
    excluded_terms: list[str]
    variant_mode: bool
    not_used: list[NotAssessed] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list, description="Features to examine next")
    test: GeneTestAdvice | None = Field(default=None, description="The genetic test that fits the ranking")
    probability_model: str = Field(default="", description="How the probabilities were worked out")


@dataclass(frozen=True)
class Scores:
    """Scores of every disease, before the top of the list is explained."""

    index: DiseaseIndex
    query: Query
    ranker: Ranker
    score: FloatArray
    order: np.ndarray
    phenotype: PhenotypeLr | None
    genotype: FloatArray | None
    by_gene: dict[str, list[CandidateVariant]] | None
    candidate: npt.NDArray[np.bool_] | None = None
    probability: FloatArray | None = None

    def genotype_of(self, position: int) -> GenotypeLr | None:
        """The genotype LR of one disease with its explanation (variant mode only)."""
        if self.by_gene is None:
            return None
        return disease_lr(self.index.diseases[position], self.index.modes[position], self.by_gene)

    def rank_of(self, disease_id: str) -> int | None:
        position = self.index.position(disease_id)
        if position is None:
            return None
        return int(np.flatnonzero(self.order == position)[0]) + 1


def score(
    index: DiseaseIndex,
    query: Query,
    *,
    ranker: Ranker = Ranker.COMBINED,
    variants: Sequence[CandidateVariant] | None = None,
    unexplained_cap: float | None = DEFAULT_UNEXPLAINED_CAP,
    model: CombinedModel | None = None,
    symbols: Mapping[str, str] | None = None,
) -> Scores:
    """Score every disease; ``variants`` None is phenotype-only, a list (even empty) is variant mode.

    ``unexplained_cap`` applies to the ``lr`` ranker only; ``symbols`` maps previous and alias gene symbols to the
    current ones (upper case) so a variant named with an old symbol meets the annotations' gene.
    """
    phenotype = None
    genotype = None
    by_gene = None
    if ranker is Ranker.SIMILARITY:
        values = resnik_bma(index, query.observed)
    elif ranker is Ranker.LR:
        phenotype = phenotype_lr(index, query.observed, query.excluded, unexplained_cap=unexplained_cap)
        values = phenotype.total.copy()
    else:
        phenotype = phenotype_lr(index, query.observed, query.excluded, unexplained_cap=None)
        values = (model or CombinedModel()).score(features(index, phenotype, resnik_bma(index, query.observed)))
    candidate = None
    if variants is not None:
        by_gene = group_by_gene(variants, symbols)
        genotype = genotype_log10(index, by_gene)
        values = values + (genotype * math.log(10.0) if ranker is Ranker.COMBINED else genotype)
        candidate = candidate_mask(index, by_gene)
        order = np.lexsort((-values, ~candidate))
    else:
        order = np.argsort(-values, kind="stable")
    probability = None
    if ranker is Ranker.COMBINED:
        probability = softmax(values)
    elif ranker is Ranker.LR:
        probability = post_test_array(values, index.size)
    return Scores(index, query, ranker, values, order, phenotype, genotype, by_gene, candidate, probability)


def candidate_mask(index: DiseaseIndex, by_gene: dict[str, list[CandidateVariant]]) -> npt.NDArray[np.bool_]:
    """Which diseases have a candidate variant in one of their genes (the diseases LIRICAL ranks by default)."""
    mask = np.zeros(index.size, dtype=bool)
    for gene in by_gene:
        for position in index.gene_positions.get(gene, ()):
            mask[position] = mask[position] or has_candidate(index.diseases[position], by_gene)
    return mask


def genotype_log10(index: DiseaseIndex, by_gene: dict[str, list[CandidateVariant]]) -> FloatArray:
    """log10 genotype LR of every disease: worked out for diseases of genes with candidates, constant otherwise."""
    values = np.where(index.has_gene, np.log10(MISSED_VARIANT_LR), 0.0) * np.where(index.recessive, 2.0, 1.0)
    for gene in by_gene:
        for position in index.gene_positions.get(gene, ()):
            values[position] = math.log10(disease_lr(index.diseases[position], index.modes[position], by_gene).lr)
    return values


def post_test_array(log10_lr: FloatArray, n: int) -> FloatArray:
    """Post-test probabilities from a uniform pre-test probability 1/n and composite log10 LRs (LIRICAL)."""
    prior = 1.0 / max(n, 1)
    log_odds = np.clip(math.log10(prior / (1.0 - prior)) + log10_lr if prior < 1 else log10_lr + 300.0, -300, 300)
    return np.asarray(1.0 / (1.0 + np.power(10.0, -log_odds)), dtype=np.float64)


def explain(scores: Scores, top: int, *, not_used: Sequence[NotAssessed] = ()) -> DiagnosisResult:
    """The top ``top`` diseases with their explanations, and the genes they implicate."""
    index = scores.index
    candidates = []
    for rank, position in enumerate(scores.order[:top], start=1):
        candidates.append(_candidate(scores, int(position), rank))
    genes = _genes(scores, top)
    return DiagnosisResult(
        ranker=scores.ranker,
        candidates=candidates,
        genes=genes,
        diseases_ranked=index.size,
        pretest_probability=1.0 / max(index.size, 1),
        databases=list(index.databases),
        hpo_version=index.version,
        hpo_origin=index.origin,
        observed_terms=[index.terms[t] for t in scores.query.observed],
        excluded_terms=[index.terms[t] for t in scores.query.excluded],
        variant_mode=scores.genotype is not None,
        not_used=[*scores.query.not_used, *not_used],
        notes=list(scores.query.notes),
        probability_model=PROBABILITY_MODELS[scores.ranker],
    )


def _candidate(scores: Scores, position: int, rank: int) -> DiseaseCandidate:
    index = scores.index
    disease = index.diseases[position]
    value = float(scores.score[position])
    terms: list[TermContribution] = []
    parts: list[str] = []
    if scores.phenotype is not None:
        lr = scores.phenotype
        for row, term in enumerate(lr.terms):
            match = Match(int(lr.match[row, position]))
            matched = int(lr.matched_term[row, position])
            matched_id = index.terms[matched] if matched >= 0 else None
            ratio = 10.0 ** float(lr.log10_lr[row, position])
            term_id = index.terms[term]
            terms.append(
                TermContribution(
                    term=term_id,
                    name=index.ontology.name(term_id),
                    excluded=lr.excluded[row],
                    match=_SHORT[match],
                    matched_term=matched_id,
                    likelihood_ratio=ratio,
                )
            )
            via = f"~{index.ontology.name(matched_id)}" if matched_id and matched_id != term_id else ""
            parts.append(f"{_SHORT[match]}:{index.ontology.name(term_id)}[{term_id}]{via} {ratio:.3g}")
        if float(lr.capped[position]) > 0:
            parts.append(f"unexplained-term penalty capped (x{10 ** float(lr.capped[position]):.3g})")
    if scores.ranker is Ranker.SIMILARITY:
        parts.append(f"Resnik best-match average {value:.3f}")
    genotype = scores.genotype_of(position)
    if genotype is not None:
        parts.append(f"G:{genotype.explanation} {genotype.lr:.3g}")
    if scores.candidate is not None and not scores.candidate[position]:
        parts.append("listed after the diseases with a candidate variant in their genes")
    return DiseaseCandidate(
        rank=rank,
        disease_id=disease.id,
        disease_name=disease.name,
        genes=[g.symbol for g in disease.genes],
        score=value,
        post_test_probability=float(scores.probability[position]) if scores.probability is not None else None,
        phenotype_log10_lr=float(scores.phenotype.total[position]) if scores.phenotype is not None else None,
        genotype_lr=genotype.lr if genotype is not None else None,
        genotype_explanation=genotype.explanation if genotype is not None else None,
        terms=terms,
        explanation="; ".join(parts),
    )


def _genes(scores: Scores, top: int) -> list[GeneCandidate]:
    """Genes by their share of the probability (by their best disease's rank for the similarity ranker)."""
    index = scores.index
    best: dict[str, tuple[int, int]] = {}
    for rank, position in enumerate(scores.order, start=1):
        for gene in index.diseases[int(position)].genes:
            best.setdefault(gene.symbol, (rank, int(position)))
    chosen: list[tuple[str, float | None]]
    if scores.probability is not None:
        chosen = [(s.gene, s.share) for s in gene_shares(index, scores.probability, limit=top)]
    else:
        chosen = [(g, None) for g, _ in sorted(best.items(), key=lambda item: item[1][0])[:top]]
    return [
        GeneCandidate(
            rank=number,
            gene=gene,
            disease_id=index.diseases[best[gene][1]].id,
            disease_rank=best[gene][0],
            post_test_probability=share,
        )
        for number, (gene, share) in enumerate(chosen, start=1)
    ]
