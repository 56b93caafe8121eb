"""LIRICAL's phenotype likelihood ratios, for every candidate disease at once, keeping each term's ratio.

For an observed term q and disease D, LR = P(q | D) / P(q | not D), where P(q | not D) is q's background frequency
(floored at 1/10,000). P(q | D), by how q meets D's annotations (Robinson et al., AJHG 2020;107:403, and the
LIRICAL source):

* ``excluded_in_disease``: D is annotated NOT q (or NOT an ancestor of q): LR = 1/1000.
* ``exact``: q is annotated to D: its frequency. ``disease_more_specific``: q is an ancestor of D's terms: the
  highest frequency below q.
* ``query_more_specific``: q is a direct child of a term t of D: freq(t) / number of t's children (at least the
  false-positive rate of q, below).
* ``common_ancestor``: the nearest ancestor a of q below "Phenotypic abnormality" that D's propagated annotations
  reach: LR = max(0.01, decayed frequency of a in D / background of a).
* ``unexplained``: nothing in common below the root: LR = 0.01.

For an excluded term: ``excluded_in_both`` (D is annotated NOT at or below it) LR = 1000; ``excluded_absent`` (D
does not have it) LR = 1/(1 - background); ``excluded_present`` LR = max(0.01, 1 - freq) / (1 - background).

Unrelated findings (a comorbidity) count against the right diagnosis (LIRICAL issue #534), so the summed penalty of
``unexplained`` and ``common_ancestor`` terms with LR < 1 is capped at ``unexplained_cap`` log10 units (default 3:
at most a factor of 1000, whatever the number of unexplained terms). ``unexplained_cap=None`` is LIRICAL's model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from tailormed.knowledge.hpo.index import DiseaseIndex, FloatArray, IntArray

BACKGROUND_FLOOR = 1.0 / 10_000
EXCLUDED_IN_DISEASE_LR = 1.0 / 1000
EXCLUDED_IN_BOTH_LR = 1000.0
UNEXPLAINED_LR = 0.01
FALSE_NEGATIVE_FLOOR = 0.01
DEFAULT_UNEXPLAINED_CAP = 3.0


class Match(IntEnum):
    """How one patient term met one disease's annotations."""

    EXACT = 0
    DISEASE_MORE_SPECIFIC = 1
    QUERY_MORE_SPECIFIC = 2
    COMMON_ANCESTOR = 3
    UNEXPLAINED = 4
    EXCLUDED_IN_DISEASE = 5
    EXCLUDED_IN_BOTH = 6
    EXCLUDED_ABSENT = 7
    EXCLUDED_PRESENT = 8

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class PhenotypeLr:
    """Per patient term (rows) and disease (columns): log10 LR, how it matched, and the disease term it matched."""

    terms: tuple[int, ...]
    excluded: tuple[bool, ...]
    log10_lr: FloatArray
    match: npt.NDArray[np.int8]
    matched_term: IntArray
    total: FloatArray
    capped: FloatArray


def phenotype_lr(
    index: DiseaseIndex,
    observed: Sequence[int],
    excluded: Sequence[int] = (),
    *,
    unexplained_cap: float | None = DEFAULT_UNEXPLAINED_CAP,
) -> PhenotypeLr:
    """Likelihood ratios of the patient's observed and excluded terms (term indices of ``index``)."""
    rows = [_observed(index, q) for q in observed] + [_excluded(index, q) for q in excluded]
    n = index.size
    log10_lr = np.vstack([r[0] for r in rows]) if rows else np.zeros((0, n))
    match = np.vstack([r[1] for r in rows]).astype(np.int8) if rows else np.zeros((0, n), np.int8)
    matched = np.vstack([r[2] for r in rows]) if rows else np.zeros((0, n), np.int64)
    total = log10_lr.sum(axis=0) if rows else np.zeros(n)
    capped = np.zeros(n)
    if rows and unexplained_cap is not None:
        weak = (match == Match.UNEXPLAINED) | ((match == Match.COMMON_ANCESTOR) & (log10_lr < 0))
        penalty = np.where(weak, np.minimum(log10_lr, 0.0), 0.0).sum(axis=0)
        capped = np.maximum(-unexplained_cap - penalty, 0.0)
        total = total + capped
    return PhenotypeLr(
        terms=tuple(observed) + tuple(excluded),
        excluded=(False,) * len(observed) + (True,) * len(excluded),
        log10_lr=log10_lr,
        match=match,
        matched_term=matched,
        total=total,
        capped=capped,
    )


def background(index: DiseaseIndex, term: int) -> float:
    return max(float(index.background[term]), BACKGROUND_FLOOR)


def false_positive_probability(index: DiseaseIndex, term: int) -> float:
    """LIRICAL's chance of recording a finding the disease does not explain: 1:500 for rare ... 1:10 for common."""
    f = float(index.background[term])
    low, high = 0.002, 0.10
    penalty = low + (f - UNEXPLAINED_LR) * (high - low) / (high - UNEXPLAINED_LR)
    return penalty * f


def _observed(index: DiseaseIndex, q: int) -> tuple[FloatArray, IntArray, IntArray]:
    n = index.size
    lr = np.full(n, UNEXPLAINED_LR)
    kind = np.full(n, Match.UNEXPLAINED, dtype=np.int64)
    matched = np.full(n, -1, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    bg = background(index, q)

    direct = index.direct.column(q)
    induced = index.induced.column(q)
    lr[induced.diseases] = induced.values / bg
    kind[induced.diseases] = Match.DISEASE_MORE_SPECIFIC
    matched[induced.diseases] = q
    kind[direct.diseases] = Match.EXACT
    done[induced.diseases] = True

    term = index.ontology.terms.get(index.terms[q])
    parents = [index.term_index[p] for p in (term.parents if term else ()) if p in index.term_index]
    share = np.zeros(n)
    via = np.full(n, -1, dtype=np.int64)
    for parent in parents:
        col = index.direct.column(parent)
        values = col.values / max(index.n_children[parent], 1.0)
        better = values > share[col.diseases]
        share[col.diseases[better]] = values[better]
        via[col.diseases[better]] = parent
    child = (share > 0) & ~done
    lr[child] = np.maximum(share[child], false_positive_probability(index, q)) / bg
    kind[child] = Match.QUERY_MORE_SPECIFIC
    matched[child] = via[child]
    done |= child

    for ancestor in index.term_ancestors[q][1:]:  # breadth-first, nearest first, below the root only
        col = index.decayed.column(int(ancestor))
        fresh = ~done[col.diseases]
        if not fresh.any():
            continue
        hit = col.diseases[fresh]
        lr[hit] = np.maximum(UNEXPLAINED_LR, col.values[fresh] / background(index, int(ancestor)))
        kind[hit] = Match.COMMON_ANCESTOR
        matched[hit] = ancestor
        done[hit] = True

    for ancestor in index.term_ancestors[q]:
        banned = index.excluded_direct.column(int(ancestor)).diseases
        lr[banned] = EXCLUDED_IN_DISEASE_LR
        kind[banned] = Match.EXCLUDED_IN_DISEASE
        matched[banned] = ancestor
    return np.log10(lr), kind, matched


def _excluded(index: DiseaseIndex, q: int) -> tuple[FloatArray, IntArray, IntArray]:
    n = index.size
    raw = float(index.background[q])
    if raw > 0.99:
        return np.zeros(n), np.full(n, Match.EXCLUDED_ABSENT, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    lr = np.full(n, 1.0 / (1.0 - raw))
    kind = np.full(n, Match.EXCLUDED_ABSENT, dtype=np.int64)
    matched = np.full(n, -1, dtype=np.int64)
    present = index.induced.column(q)
    lr[present.diseases] = np.maximum(FALSE_NEGATIVE_FLOOR, 1.0 - present.values) / (1.0 - raw)
    kind[present.diseases] = Match.EXCLUDED_PRESENT
    matched[present.diseases] = q
    both = index.excluded_induced.column(q).diseases
    lr[both] = EXCLUDED_IN_BOTH_LR
    kind[both] = Match.EXCLUDED_IN_BOTH
    matched[both] = q
    return np.log10(lr), kind, matched
