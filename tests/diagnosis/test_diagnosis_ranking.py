"""LR model rules, post-test probabilities, genotype LR, and the evaluation on the phenopacket-store dev cases."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tailormed.engines.diagnosis.genotype import Inheritance, gene_lr, poisson
from tailormed.engines.diagnosis.lr import EXCLUDED_IN_DISEASE_LR, UNEXPLAINED_LR, Match, phenotype_lr
from tailormed.engines.diagnosis.query import build_query
from tailormed.engines.diagnosis.rank import Ranker, explain, post_test_array, score
from tailormed.knowledge.hpo.index import DiseaseIndex
from tailormed.model.candidate import CandidateVariant
from tailormed.model.patient import PhenotypeTerm
from tailormed.pipeline.diagnosis import evaluate_cases, read_cases


def _variant(gene: str, copies: int = 1, pathogenic: bool = True, weight: float = 1.0) -> CandidateVariant:
    return CandidateVariant(gene=gene, label=gene, copies=copies, pathogenic=pathogenic, weight=weight, basis="test")


def test_exact_match_lr_is_frequency_over_background(hpo_index: DiseaseIndex) -> None:
    disease = hpo_index.position("OMIM:601144")  # Brugada syndrome 1: Syncope annotated 27/49
    syncope = hpo_index.term_index["HP:0001279"]
    assert disease is not None
    result = phenotype_lr(hpo_index, [syncope], unexplained_cap=None)
    frequency = hpo_index.diseases[disease].phenotypes["HP:0001279"]
    assert frequency == pytest.approx(27 / 49)
    assert result.match[0, disease] == Match.EXACT
    assert 10 ** result.log10_lr[0, disease] == pytest.approx(frequency / hpo_index.background[syncope])
    # background: the per-disease frequency of Syncope (propagated) summed over all diseases / their number
    column = hpo_index.induced.column(syncope)
    assert hpo_index.background[syncope] == pytest.approx(column.values.sum() / hpo_index.size)


def test_unrelated_terms_get_the_floor_and_the_cap_limits_their_sum(hpo_index: DiseaseIndex) -> None:
    disease = hpo_index.position("OMIM:601144")
    assert disease is not None
    unrelated = ["HP:0000490", "HP:0000316", "HP:0001636", "HP:0000286"]  # eye, face, heart, face
    terms = [hpo_index.term_index[t] for t in unrelated if t in hpo_index.term_index]
    raw = phenotype_lr(hpo_index, terms, unexplained_cap=None)
    capped = phenotype_lr(hpo_index, terms, unexplained_cap=1.0)
    weak = (raw.match[:, disease] == Match.UNEXPLAINED) | (raw.match[:, disease] == Match.COMMON_ANCESTOR)
    assert weak.any()
    assert raw.log10_lr[raw.match[:, disease] == Match.UNEXPLAINED, disease] == pytest.approx(
        math.log10(UNEXPLAINED_LR)
    )
    penalty = np.minimum(raw.log10_lr[weak, disease], 0).sum()
    assert capped.total[disease] == pytest.approx(raw.total[disease] - penalty + max(penalty, -1.0))


def test_terms_a_disease_excludes_count_against_it(hpo_index: DiseaseIndex) -> None:
    with_not = next(d for d in hpo_index.diseases if d.excluded and d.phenotypes)
    term = sorted(with_not.excluded)[0]
    position = hpo_index.position(with_not.id)
    result = phenotype_lr(hpo_index, [hpo_index.term_index[term]])
    assert result.match[0, position] == Match.EXCLUDED_IN_DISEASE
    assert 10 ** result.log10_lr[0, position] == pytest.approx(EXCLUDED_IN_DISEASE_LR)


def test_query_resolves_ids_and_drops_redundant_terms(hpo_index: DiseaseIndex) -> None:
    terms = [
        PhenotypeTerm(id="HP:0001250"),  # Seizure, implied by the focal seizure below
        PhenotypeTerm(id="HP:0007359"),  # Focal-onset seizure
        PhenotypeTerm(id="HP:0000006"),  # autosomal dominant inheritance: not a phenotype
        PhenotypeTerm(id="HP:9999999"),
    ]
    query = build_query(hpo_index, terms)
    assert [hpo_index.terms[t] for t in query.observed] == ["HP:0007359"]
    assert {n.item.split()[0] for n in query.not_used} == {"HP:0000006", "HP:9999999"}


def test_post_test_probability_uses_a_uniform_prior() -> None:
    values = post_test_array(np.array([0.0, math.log10(99), 400.0]), 100)
    assert values.tolist() == pytest.approx([0.01, 0.5, 1.0])


def test_genotype_lr_follows_inheritance() -> None:
    assert gene_lr([], [Inheritance.DOMINANT], "G").lr == pytest.approx(0.05)
    assert gene_lr([], [Inheritance.RECESSIVE], "G").lr == pytest.approx(0.0025)
    assert gene_lr([_variant("G")], [Inheritance.DOMINANT], "G").lr == 1000
    assert gene_lr([_variant("G", copies=2)], [Inheritance.RECESSIVE], "G").lr == 1e6
    one = gene_lr([_variant("G")], [Inheritance.RECESSIVE], "G").lr
    assert one == pytest.approx(poisson(1, 2.0) / poisson(1, 0.1))  # 2e^-2 / 0.1e^-0.1, about 2.99
    assert one == pytest.approx(2 * math.exp(-2) / (0.1 * math.exp(-0.1)))


def test_explanation_lists_every_term(hpo_index: DiseaseIndex) -> None:
    query = build_query(hpo_index, [PhenotypeTerm(id="HP:0012251"), PhenotypeTerm(id="HP:0001279", excluded=True)])
    result = explain(score(hpo_index, query, variants=[_variant("SCN5A")]), 3)
    top = result.candidates[0]
    assert len(top.terms) == 2 and top.terms[1].excluded
    assert "ST segment elevation[HP:0012251]" in top.explanation and "G:SCN5A" in top.explanation
    assert 0 < (top.post_test_probability or 0) <= 1
    assert result.genes[0].gene in top.genes


@pytest.mark.parametrize("ranker", list(Ranker))
def test_variant_mode_lists_the_diseases_of_candidate_genes_first(hpo_index: DiseaseIndex, ranker: Ranker) -> None:
    # Seizures and intellectual disability: hundreds of diseases of other genes fit far better than SCN5A's.
    query = build_query(hpo_index, [PhenotypeTerm(id="HP:0001250"), PhenotypeTerm(id="HP:0001249")])
    benign = _variant("TTN", pathogenic=False, weight=0.0)
    scores = score(hpo_index, query, ranker=ranker, variants=[_variant("SCN5A"), benign])
    scn5a = {p for p, d in enumerate(hpo_index.diseases) if any(g.symbol == "SCN5A" for g in d.genes)}
    assert scn5a and scores.candidate is not None and set(np.flatnonzero(scores.candidate)) == scn5a
    head, tail = scores.order[: len(scn5a)], scores.order[len(scn5a) :]
    assert set(head.tolist()) == scn5a  # TTN's only variant is predicted benign: not a candidate
    for block in (head, tail):
        assert np.all(np.diff(scores.score[block]) <= 0)
    if ranker is Ranker.LR:  # phenotype LRs outweigh the genotype LR: ordering by the product alone would not do
        assert scores.score[tail[0]] > scores.score[head[0]]
    phenotype_only = score(hpo_index, query, ranker=ranker)
    assert phenotype_only.candidate is None and int(phenotype_only.order[0]) not in scn5a
    result = explain(scores, len(scn5a) + 1)
    assert "listed after the diseases with a candidate variant" in result.candidates[-1].explanation
    assert all("listed after" not in c.explanation for c in result.candidates[:-1])


@pytest.mark.slow
def test_lr_beats_the_similarity_baseline_on_the_dev_cases(hpo_index: DiseaseIndex, dev_cases: Path) -> None:
    cases = list(read_cases(dev_cases, with_variants=False))
    assert len(cases) == 164
    lr, _ = evaluate_cases(hpo_index, cases, ranker=Ranker.LR, mode="phenotype")
    similarity, _ = evaluate_cases(hpo_index, cases, ranker=Ranker.SIMILARITY, mode="phenotype")
    assert lr.unmatched == [] and similarity.unmatched == []
    assert lr.top[1] > similarity.top[1]
    assert lr.top[1] > 0.549  # the naive HPO-similarity reference figure in the data's PROVENANCE.md
    with_variants = list(read_cases(dev_cases, with_variants=True))
    variant, _ = evaluate_cases(hpo_index, with_variants, ranker=Ranker.LR, mode="phenotype+variant")
    assert variant.top[1] > lr.top[1] and variant.mrr > lr.mrr
    baseline, _ = evaluate_cases(hpo_index, with_variants, ranker=Ranker.SIMILARITY, mode="phenotype+variant")
    assert variant.top[1] >= baseline.top[1] and variant.mrr >= baseline.mrr
