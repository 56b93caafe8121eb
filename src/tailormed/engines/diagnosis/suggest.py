"""What to examine next: the HPO features whose presence or absence would most change the ranking.

Candidate features are the phenotype annotations of the most probable diseases that the patient's terms do not
settle yet (not given, not implied by a more specific observed term, not below an excluded term). For each, the
chance it is present is the probability-weighted frequency over the diseases (its background frequency for
diseases not annotated with it), and the ranking is worked out again twice, with the feature observed and with it
excluded, by the same model. The expected information gain is the mutual information of the feature and the
diagnosis under these two re-rankings: the entropy of their chance-weighted mixture minus their chance-weighted
entropy (in bits, never negative). It is not measured from the probabilities now, because the fitted model's two
re-rankings need not average back to them (excluding a feature can raise every disease's entropy), and a gain
clipped at zero would leave such features in no order. The features with the largest gain are suggested, phrased as
"check for: ...", with the disease each would support.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from tailormed.engines.diagnosis.combined import FEATURES, CombinedModel, features, softmax
from tailormed.engines.diagnosis.lr import BACKGROUND_FLOOR, phenotype_lr
from tailormed.engines.diagnosis.query import Query
from tailormed.engines.diagnosis.rank import Ranker, Scores, score
from tailormed.engines.diagnosis.similarity import resnik_bma
from tailormed.knowledge.hpo.index import DEFAULT_FREQUENCY, DiseaseIndex, FloatArray
from tailormed.model.candidate import CandidateVariant
from tailormed.model.diagnosis import Suggestion

#: Diseases whose annotations are searched for features to examine.
TOP_DISEASES = 10
#: Features scored exactly (by re-ranking) after a first sort by how much the top diseases disagree on them.
SHORTLIST = 24
#: Features suggested.
SUGGESTIONS = 5


def entropy_bits(p: FloatArray) -> float:
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


def suggest(
    scores: Scores,
    *,
    model: CombinedModel | None = None,
    variants: Sequence[CandidateVariant] | None = None,
    symbols: Mapping[str, str] | None = None,
    count: int = SUGGESTIONS,
) -> list[Suggestion]:
    """The ``count`` features with the largest expected information gain (combined ranker only)."""
    if scores.probability is None or scores.ranker is not Ranker.COMBINED:
        return []
    index, query, p = scores.index, scores.query, scores.probability
    top = [int(x) for x in np.argsort(-p, kind="stable")[:TOP_DISEASES]]
    candidates = _candidate_terms(index, query, top)
    if not candidates:
        return []
    weights = p[top] / p[top].sum()
    spread = []
    for term in candidates:
        f = index.induced.dense(term)[top]
        mean = float(weights @ f)
        spread.append(float(weights @ (f - mean) ** 2))
    shortlist = [candidates[i] for i in np.argsort(-np.asarray(spread), kind="stable")[:SHORTLIST]]
    found = []
    update = _Updater(scores, model or CombinedModel())
    for term in shortlist:
        present_p = _chance_present(index, term, p)
        with_term = update.observed(term)
        if with_term is None:  # the term replaces a less specific observed one: rank the new query in full
            with_term = _rescore(scores, _with(index, query, term, excluded=False), model, variants, symbols)
        without = update.excluded(term)
        expected = present_p * with_term + (1.0 - present_p) * without
        gain = entropy_bits(expected) - present_p * entropy_bits(with_term) - (1.0 - present_p) * entropy_bits(without)
        frequency = index.induced.dense(term)
        lift = [(with_term[d] - p[d], d) for d in top if frequency[d] > 0]
        best = max(lift)[1] if lift else top[0]
        term_id = index.terms[term]
        found.append(
            Suggestion(
                term=term_id,
                name=index.ontology.name(term_id),
                information_gain=max(gain, 0.0),
                probability_present=min(max(present_p, 0.0), 1.0),
                supports=index.diseases[best].name,
                supports_id=index.diseases[best].id,
                frequency_in_supported=_stated_frequency(index, best, term_id),
                if_present=float(with_term[best]),
                if_absent=float(without[best]),
                now=float(p[best]),
            )
        )
    found.sort(key=lambda s: (-s.information_gain, s.term))
    return found[:count]


class _Updater:
    """Probabilities after adding one term, from the current features plus that term's row (no full re-ranking)."""

    def __init__(self, scores: Scores, model: CombinedModel) -> None:
        assert scores.phenotype is not None
        self.scores = scores
        self.model = model
        index = scores.index
        self.features = features(index, scores.phenotype, resnik_bma(index, scores.query.observed))
        self.genotype = scores.genotype * math.log(10.0) if scores.genotype is not None else 0.0
        observed = scores.query.observed
        self.observed_ids = {index.terms[q] for q in observed}

    def _probability(self, table: FloatArray) -> FloatArray:
        return softmax(self.model.score(table) + self.genotype)

    def _row(self, observed: list[int], excluded: list[int]) -> FloatArray:
        index = self.scores.index
        delta = features(index, phenotype_lr(index, observed, excluded, unexplained_cap=None), np.zeros(index.size))
        delta[:, -2:] = 0.0  # similarity and the annotation prior are not sums over terms
        return delta

    def observed(self, term: int) -> FloatArray | None:
        index = self.scores.index
        if index.ontology.ancestors(index.terms[term]) & self.observed_ids:
            return None
        table = self.features + self._row([term], [])
        table[:, FEATURES.index("similarity")] = resnik_bma(index, [*self.scores.query.observed, term])
        return self._probability(table)

    def excluded(self, term: int) -> FloatArray:
        return self._probability(self.features + self._row([], [term]))


def _candidate_terms(index: DiseaseIndex, query: Query, top: Sequence[int]) -> list[int]:
    """Terms annotated to the top diseases that the query does not settle."""
    ontology = index.ontology
    settled: set[str] = set()
    for q in query.observed:
        settled |= ontology.ancestors(index.terms[q])
    excluded = {index.terms[e] for e in query.excluded}
    found: dict[int, None] = {}
    for position in top:
        for term in index.direct_rows[position]:
            term_id = index.terms[int(term)]
            if term_id in settled or ontology.ancestors(term_id) & excluded:
                continue
            found[int(term)] = None
    return sorted(found)


def _stated_frequency(index: DiseaseIndex, position: int, term_id: str) -> float | None:
    """The disease's annotated frequency of the term (the highest among its annotations at or below it)."""
    ontology = index.ontology
    stated = [
        f
        for annotated, f in index.diseases[position].phenotypes.items()
        if f is not None and term_id in ontology.ancestors(annotated)
    ]
    return min(max(stated), 1.0) if stated else None


def _chance_present(index: DiseaseIndex, term: int, p: FloatArray) -> float:
    frequency = index.induced.dense(term)
    chance = np.where(frequency > 0, frequency, max(float(index.background[term]), BACKGROUND_FLOOR))
    return float(np.clip(p @ np.minimum(chance, DEFAULT_FREQUENCY), 0.0, 1.0))


def _with(index: DiseaseIndex, query: Query, term: int, *, excluded: bool) -> Query:
    if excluded:
        return Query(query.observed, (*query.excluded, term), query.not_used, query.notes)
    ancestors = index.ontology.ancestors(index.terms[term])
    kept = tuple(q for q in query.observed if index.terms[q] not in ancestors)
    return Query((*kept, term), query.excluded, query.not_used, query.notes)


def _rescore(
    scores: Scores,
    query: Query,
    model: CombinedModel | None,
    variants: Sequence[CandidateVariant] | None,
    symbols: Mapping[str, str] | None,
) -> FloatArray:
    again = score(scores.index, query, ranker=Ranker.COMBINED, variants=variants, model=model, symbols=symbols)
    assert again.probability is not None
    return again.probability
