"""Ranking: phenotype LR x genotype LR -> post-test probability per disease, the explanation, and gene ranks.

The pre-test probability is uniform over the ranked diseases (1/N); post-test odds are pre-test odds times the
composite LR (LIRICAL). Ties keep disease-id order. Genes are ranked by their best disease (users ask for gene
lists: LIRICAL #625). The similarity ranker orders by Resnik best-match average and gives no probability; in
variant mode it adds the log10 genotype LR to the similarity, so both rankers see the same genotype evidence.

In variant mode both rankers list first the diseases LIRICAL's default analysis ranks, those with a candidate
variant in a gene of theirs (:func:`~tailormed.engines.diagnosis.genotype.has_candidate`), then the others in the
order of LIRICAL's global mode (no gene: genotype LR 1; genes without a candidate: the missed-variant LR), so every
disease keeps a rank and a diagnosis the candidate list misses (a gene renamed since the annotations) still appears.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import numpy as np
import numpy.typing as npt
from pydantic import Field

from tailormed.engines.diagnosis.genotype import (
    MISSED_VARIANT_LR,
    GenotypeLr,
    Inheritance,
    disease_lr,
    group_by_gene,
    has_candidate,
    inheritance_modes,
)
from tailormed.engines.diagnosis.index import DiseaseIndex, FloatArray
from tailormed.engines.diagnosis.lr import DEFAULT_UNEXPLAINED_CAP, Match, PhenotypeLr, phenotype_lr
from tailormed.engines.diagnosis.query import Query
from tailormed.engines.diagnosis.similarity import resnik_bma
from tailormed.model.base import Contract
from tailormed.model.candidate import CandidateVariant
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
    LR = "lr"
    SIMILARITY = "similarity"


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
    score: float = Field(description="log10 composite LR (lr ranker) or Resnik best-match average (similarity)")
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
    post_test_probability: float | None = None


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

    def genotype_of(self, position: int) -> GenotypeLr | None:
        """The genotype LR of one disease with its explanation (variant mode only)."""
        if self.by_gene is None:
            return None
        return disease_lr(self.index.diseases[position], disease_modes(self.index)[position], self.by_gene)

    def rank_of(self, disease_id: str) -> int | None:
        position = self.index.position(disease_id)
        if position is None:
            return None
        return int(np.flatnonzero(self.order == position)[0]) + 1


def score(
    index: DiseaseIndex,
    query: Query,
    *,
    ranker: Ranker = Ranker.LR,
    variants: Sequence[CandidateVariant] | None = None,
    unexplained_cap: float | None = DEFAULT_UNEXPLAINED_CAP,
) -> Scores:
    """Score every disease; ``variants`` None is phenotype-only, a list (even empty) is variant mode."""
    phenotype = None
    genotype = None
    by_gene = None
    if ranker is Ranker.SIMILARITY:
        values = resnik_bma(index, query.observed)
    else:
        phenotype = phenotype_lr(index, query.observed, query.excluded, unexplained_cap=unexplained_cap)
        values = phenotype.total.copy()
    if variants is not None:
        by_gene = group_by_gene(variants)
        genotype = genotype_log10(index, by_gene)
        values = values + genotype
        candidate = candidate_mask(index, by_gene)
        order = np.lexsort((-values, ~candidate))
        return Scores(index, query, ranker, values, order, phenotype, genotype, by_gene, candidate)
    order = np.argsort(-values, kind="stable")
    return Scores(index, query, ranker, values, order, phenotype, genotype, by_gene)


def candidate_mask(index: DiseaseIndex, by_gene: dict[str, list[CandidateVariant]]) -> npt.NDArray[np.bool_]:
    """Which diseases have a candidate variant in one of their genes (the diseases LIRICAL ranks by default)."""
    _, _, positions = _gene_tables(index)
    mask = np.zeros(index.size, dtype=bool)
    for gene in by_gene:
        for position in positions.get(gene, ()):
            mask[position] = mask[position] or has_candidate(index.diseases[position], by_gene)
    return mask


def genotype_log10(index: DiseaseIndex, by_gene: dict[str, list[CandidateVariant]]) -> FloatArray:
    """log10 genotype LR of every disease: worked out for diseases of genes with candidates, constant otherwise."""
    has_gene, recessive, positions = _gene_tables(index)
    values = np.where(has_gene, np.log10(MISSED_VARIANT_LR), 0.0) * np.where(recessive, 2.0, 1.0)
    modes = disease_modes(index)
    for gene in by_gene:
        for position in positions.get(gene, ()):
            values[position] = math.log10(disease_lr(index.diseases[position], modes[position], by_gene).lr)
    return values


@cache
def _gene_tables(index: DiseaseIndex) -> tuple[np.ndarray, np.ndarray, dict[str, list[int]]]:
    modes = disease_modes(index)
    has_gene = np.array([bool(d.genes) for d in index.diseases])
    recessive = np.array([Inheritance.RECESSIVE in m for m in modes])
    positions: dict[str, list[int]] = {}
    for position, disease in enumerate(index.diseases):
        for gene in disease.genes:
            positions.setdefault(gene.symbol.upper(), []).append(position)
    return has_gene, recessive, positions


@cache
def disease_modes(index: DiseaseIndex) -> tuple[tuple[Inheritance, ...], ...]:
    """Each ranked disease's inheritance models, worked out once per index."""
    return tuple(tuple(inheritance_modes(d, index.ontology)) for d in index.diseases)


def post_test(log10_lr: float, n: int) -> float:
    """Post-test probability from a uniform pre-test probability 1/n and a composite log10 LR."""
    prior = 1.0 / max(n, 1)
    log_odds = math.log10(prior / (1.0 - prior)) if prior < 1 else 300.0
    log_odds += log10_lr
    if log_odds > 300:
        return 1.0
    if log_odds < -300:
        return 0.0
    return 1.0 / (1.0 + math.pow(10.0, -log_odds))


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
    else:
        parts.append(f"Resnik best-match average {value:.3f}")
    genotype = scores.genotype_of(position)
    if genotype is not None:
        parts.append(f"G:{genotype.explanation} {genotype.lr:.3g}")
    if scores.candidate is not None and not scores.candidate[position]:
        parts.append("listed after the diseases with a candidate variant in their genes")
    is_lr = scores.ranker is Ranker.LR
    return DiseaseCandidate(
        rank=rank,
        disease_id=disease.id,
        disease_name=disease.name,
        genes=[g.symbol for g in disease.genes],
        score=value,
        post_test_probability=post_test(value, index.size) if is_lr else None,
        phenotype_log10_lr=float(scores.phenotype.total[position]) if scores.phenotype is not None else None,
        genotype_lr=genotype.lr if genotype is not None else None,
        genotype_explanation=genotype.explanation if genotype is not None else None,
        terms=terms,
        explanation="; ".join(parts),
    )


def _genes(scores: Scores, top: int) -> list[GeneCandidate]:
    found: list[GeneCandidate] = []
    seen: set[str] = set()
    is_lr = scores.ranker is Ranker.LR
    for rank, position in enumerate(scores.order, start=1):
        disease = scores.index.diseases[int(position)]
        for gene in disease.genes:
            if gene.symbol in seen:
                continue
            seen.add(gene.symbol)
            found.append(
                GeneCandidate(
                    rank=len(found) + 1,
                    gene=gene.symbol,
                    disease_id=disease.id,
                    disease_rank=rank,
                    post_test_probability=post_test(float(scores.score[position]), scores.index.size)
                    if is_lr
                    else None,
                )
            )
            if len(found) >= top:
                return found
    return found
