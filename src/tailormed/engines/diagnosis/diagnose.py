"""One patient's diagnosis in one call: ranking, explanations, gene list, test advice and features to examine next.

This is the engine's entry point for callers that want everything a clinician sees; the parts stay usable alone
(:func:`~tailormed.engines.diagnosis.rank.score`, :func:`~tailormed.engines.diagnosis.rank.explain`,
:func:`~tailormed.engines.diagnosis.suggest.suggest`, :func:`~tailormed.engines.diagnosis.gene_tests.suggest_test`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tailormed.engines.diagnosis.combined import CombinedModel
from tailormed.engines.diagnosis.gene_tests import GENE_LIST_MAX, gene_shares, no_gene_share, suggest_test
from tailormed.engines.diagnosis.query import Query
from tailormed.engines.diagnosis.rank import DiagnosisResult, Ranker, Scores, explain, score
from tailormed.engines.diagnosis.suggest import SUGGESTIONS, suggest
from tailormed.knowledge.hpo.index import DiseaseIndex
from tailormed.model.candidate import CandidateVariant
from tailormed.model.finding import NotAssessed


def diagnose(
    index: DiseaseIndex,
    query: Query,
    *,
    top: int = 10,
    ranker: Ranker = Ranker.COMBINED,
    variants: Sequence[CandidateVariant] | None = None,
    symbols: Mapping[str, str] | None = None,
    model: CombinedModel | None = None,
    suggestions: int = SUGGESTIONS,
    not_used: Sequence[NotAssessed] = (),
) -> tuple[Scores, DiagnosisResult]:
    """Scores of every disease and the explained result (suggestions and test advice need probabilities)."""
    scores = score(index, query, ranker=ranker, variants=variants, model=model, symbols=symbols)
    result = explain(scores, top, not_used=not_used)
    if scores.probability is None:
        return scores, result
    genes = gene_shares(index, scores.probability, limit=GENE_LIST_MAX)
    advice = suggest_test(genes, no_gene_share(index, scores.probability))
    found = (
        suggest(scores, model=model, variants=variants, symbols=symbols, count=suggestions)
        if suggestions and ranker is Ranker.COMBINED
        else []
    )
    return scores, result.model_copy(update={"test": advice, "suggestions": found})
