"""The semantic-similarity baseline: Resnik similarity, best-match average in both directions (Phenomizer-like).

sim(q, d) is the information content of the most informative common ancestor of q and d. The patient->disease
score averages, over the patient's observed terms, the best match among the disease's propagated annotations; the
disease->patient score averages, over the disease's annotated terms, the best match among the patient's terms;
the score is the mean of both (``funSimAvg``). Excluded terms are not used: the baseline has no way to weigh them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tailormed.knowledge.hpo.index import DiseaseIndex, FloatArray


def resnik_bma(index: DiseaseIndex, observed: Sequence[int]) -> FloatArray:
    """Best-match-average Resnik similarity of the patient's terms to every disease (higher is closer)."""
    n = index.size
    if not observed:
        return np.zeros(n)
    ic = index.information_content
    forward = np.zeros(n)
    patient_ancestors: set[int] = set()
    for q in observed:
        ancestors = index.term_ancestors[q]
        patient_ancestors.update(int(a) for a in ancestors)
        best = np.zeros(n)
        for ancestor in ancestors[np.argsort(-ic[ancestors], kind="stable")]:
            col = index.induced.column(int(ancestor))
            best[col.diseases] = np.maximum(best[col.diseases], ic[ancestor])
        forward += best
    forward /= len(observed)

    in_patient = np.zeros(len(index.terms), dtype=bool)
    in_patient[list(patient_ancestors)] = True
    flat, starts = index.ancestor_table
    shared_ic = np.where(in_patient[flat], ic[flat], 0.0)
    term_best = _segment_max(shared_ic, starts)
    terms, offsets = index.direct_table
    sums = np.add.reduceat(term_best[terms], offsets) if len(terms) else np.zeros(n)
    counts = np.diff(np.r_[offsets, len(terms)])
    backward = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return (forward + backward) / 2.0


def _segment_max(values: FloatArray, starts: npt.NDArray[np.int64]) -> FloatArray:
    """Maximum of each segment of ``values`` beginning at ``starts`` (0 for empty segments)."""
    out = np.zeros(len(starts))
    lengths = np.diff(np.r_[starts, len(values)])
    filled = lengths > 0
    if filled.any():
        out[filled] = np.maximum.reduceat(values, starts[filled])
    return out
