"""How well rankings find known diagnoses: top-k accuracy and mean reciprocal rank (MRR).

A case whose diagnosis is not among the ranked diseases (an id the annotations do not have) counts as a miss
with reciprocal rank 0, and is listed, so unmatched ids are never silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from tailormed.model.base import Contract

TOP_K = (1, 3, 10)


class CaseRank(Contract):
    case_id: str
    diagnosis: str | None = Field(description="The diagnosis id matched in the annotations, None if none matched")
    rank: int | None
    diseases_ranked: int


class Evaluation(Contract):
    mode: str
    ranker: str
    cases: int
    matched: int
    top: dict[int, float] = Field(description="k -> share of cases with the diagnosis at rank <= k")
    mrr: float
    unmatched: list[str] = Field(default_factory=list, description="Case ids whose diagnosis was not ranked")


def evaluate(ranks: Sequence[CaseRank], *, mode: str, ranker: str, top_k: Sequence[int] = TOP_K) -> Evaluation:
    """Top-k shares and MRR over all cases (unmatched cases count as misses).

    >>> r = [CaseRank(case_id="a", diagnosis="OMIM:1", rank=1, diseases_ranked=9),
    ...      CaseRank(case_id="b", diagnosis="OMIM:2", rank=4, diseases_ranked=9)]
    >>> e = evaluate(r, mode="phenotype", ranker="lr")
    >>> e.top[1], e.top[10], e.mrr
    (0.5, 1.0, 0.625)
    """
    n = len(ranks)
    found = [r.rank for r in ranks if r.rank is not None]
    return Evaluation(
        mode=mode,
        ranker=ranker,
        cases=n,
        matched=len(found),
        top={k: (sum(rank <= k for rank in found) / n if n else 0.0) for k in top_k},
        mrr=sum(1.0 / rank for rank in found) / n if n else 0.0,
        unmatched=[r.case_id for r in ranks if r.rank is None],
    )
