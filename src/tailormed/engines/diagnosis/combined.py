"""The default phenotype ranker: LIRICAL's likelihood-ratio evidence and Resnik similarity combined, with weights
fitted on cases with known diagnoses (and validated out of fold), giving each disease a post-test probability.

LIRICAL multiplies every term's likelihood ratio as if the terms were independent and starts from a uniform prior,
so its post-test probabilities are far too confident (on the development cases, 865 of the 1,640 top-ten candidates
get more than 80 % and 13.5 % of those are right) and one unexplained term costs a factor of 100. The combined model
keeps the explainable parts of the LR model but lets the data decide how much each kind of evidence counts. For each
disease D it computes eight features from the patient's terms (:data:`FEATURES`):

``matched``
    sum of log10 LRs of observed terms annotated to D (exactly, or through a more or less specific term);
``common_ancestor``
    sum of log10 LRs of observed terms that meet D's annotations only through a shared ancestor;
``unexplained``
    number of observed terms D's annotations do not explain at all;
``contradicted``
    number of observed terms D is annotated NOT to have;
``excluded_present``
    sum of log10 LRs of excluded terms that D has (LIRICAL's penalty for a missing expected feature);
``excluded_in_both``
    number of excluded terms D is also annotated NOT to have;
``similarity``
    the Resnik best-match average (patient -> disease and back, Phenomizer-like);
``log_annotations``
    ln(number of D's phenotype annotations): a prior that keeps heavily annotated diseases from winning by sheer
    volume.

The score is the weighted sum, and the probability of D is its softmax over all ranked diseases (a conditional logit,
McFadden 1974), so probabilities sum to one and are calibrated to the cases the weights were fitted on. Weights are
fitted by maximum likelihood with a small L2 penalty (Newton steps with step halving). :data:`DEFAULT_WEIGHTS` were
fitted on all 164 development phenopackets; the accuracy and calibration reported for the model come from 5-fold
cross-validation (weights refitted on four folds, tested on the fifth), never from the fitted set
(``tailormed diagnose evaluate --cv 5``).

Features that were measured and dropped because they did not help under cross-validation: the excluded terms a
disease lacks (their fitted weight rewarded diseases that have the excluded feature, an artefact of literature case
reports that list the negatives of the disease itself), a penalty for diseases with no known gene (all development
cases have one), splitting exact from more specific matches, information content of unexplained terms, and the best
similarity among diseases of the same gene (allelic series).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tailormed.engines.diagnosis.lr import Match, PhenotypeLr
from tailormed.knowledge.hpo.index import DiseaseIndex, FloatArray

FEATURES = (
    "matched",
    "common_ancestor",
    "unexplained",
    "contradicted",
    "excluded_present",
    "excluded_in_both",
    "similarity",
    "log_annotations",
)
#: L2 penalty of the fit (on the sum of log-likelihoods over the training cases).
L2 = 1.0
#: Fitted on the 164 development phenopackets (``tailormed diagnose fit``); the test suite refits and compares.
DEFAULT_WEIGHTS = (0.5653, 0.2638, -0.8186, -0.6418, -0.0663, 1.0316, 1.706, -0.4714)

_MATCHED = (Match.EXACT, Match.DISEASE_MORE_SPECIFIC, Match.QUERY_MORE_SPECIFIC)


@dataclass(frozen=True)
class CombinedModel:
    """Weights of :data:`FEATURES` and where they came from."""

    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    fitted_on: str = "164 development phenopackets (phenopacket-store), HPO 2025-01-16"

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"expected {len(FEATURES)} weights, got {len(self.weights)}")

    def score(self, features: FloatArray) -> FloatArray:
        """Natural-log score per disease (unnormalised log probability)."""
        return np.asarray(features @ np.asarray(self.weights), dtype=np.float64)


def features(index: DiseaseIndex, phenotype: PhenotypeLr, similarity: FloatArray) -> FloatArray:
    """The (disease x feature) matrix for one patient; ``phenotype`` must be the uncapped LR model."""
    log10_lr, match = phenotype.log10_lr, phenotype.match
    observed = ~np.asarray(phenotype.excluded, dtype=bool)[:, None] if len(phenotype.terms) else np.zeros((0, 1), bool)

    def summed(mask: npt.NDArray[np.bool_]) -> FloatArray:
        return np.where(mask, log10_lr, 0.0).sum(axis=0) if len(log10_lr) else np.zeros(index.size)

    def counted(mask: npt.NDArray[np.bool_]) -> FloatArray:
        return mask.sum(axis=0).astype(np.float64) if len(match) else np.zeros(index.size)

    return np.column_stack(
        [
            summed(observed & np.isin(match, _MATCHED)),
            summed(observed & (match == Match.COMMON_ANCESTOR)),
            counted(match == Match.UNEXPLAINED),
            counted(match == Match.EXCLUDED_IN_DISEASE),
            summed(match == Match.EXCLUDED_PRESENT),
            counted(match == Match.EXCLUDED_IN_BOTH),
            similarity,
            index.log_annotations,
        ]
    )


def softmax(scores: FloatArray) -> FloatArray:
    """Probabilities from natural-log scores (numerically stable)."""
    shifted = np.exp(scores - scores.max())
    return np.asarray(shifted / shifted.sum(), dtype=np.float64)


def log_likelihood(cases: FloatArray, targets: npt.NDArray[np.int64], weights: FloatArray, l2: float) -> float:
    """Penalised log-likelihood of the true diseases; ``cases`` is (case x disease x feature)."""
    scores = cases @ weights
    top = scores.max(axis=1)
    log_norm = top + np.log(np.exp(scores - top[:, None]).sum(axis=1))
    return float((scores[np.arange(len(targets)), targets] - log_norm).sum() - 0.5 * l2 * weights @ weights)


def fit(cases: FloatArray, targets: Sequence[int], *, l2: float = L2, max_steps: int = 100) -> tuple[float, ...]:
    """Maximum-likelihood weights of the conditional logit (Newton's method with step halving).

    ``cases`` is (case x disease x feature), ``targets`` the index of each case's diagnosis.

    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 30, 2))
    >>> truth = np.array([1.5, -0.5])
    >>> y = [int(np.argmax(c @ truth + rng.gumbel(size=30))) for c in x]
    >>> w = fit(x, y, l2=0.0)
    >>> bool(np.allclose(w, truth, atol=0.3))
    True
    """
    target = np.asarray(targets, dtype=np.int64)
    n_cases, _, k = cases.shape
    flat = cases.reshape(-1, k)
    rows = np.arange(n_cases)
    weights = np.zeros(k)
    current = log_likelihood(cases, target, weights, l2)
    for _ in range(max_steps):
        scores = cases @ weights
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        expected = np.einsum("cn,cnk->ck", p, cases)
        gradient = (cases[rows, target] - expected).sum(axis=0) - l2 * weights
        second = (flat * p.reshape(-1, 1)).T @ flat - expected.T @ expected + l2 * np.eye(k)
        step = np.linalg.solve(second, gradient)
        size = 1.0
        while True:
            candidate = log_likelihood(cases, target, weights + size * step, l2)
            if candidate >= current - 1e-12 or size < 1e-6:
                break
            size /= 2
        weights = weights + size * step
        converged = abs(candidate - current) < 1e-9
        current = candidate
        if converged:
            break
    return tuple(float(w) for w in weights)
