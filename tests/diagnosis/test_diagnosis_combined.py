"""The combined ranker: cross-validated accuracy and calibration on the dev cases, the shipped weights, features to
examine next, the gene list and test advice, and gene symbol aliases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tailormed.engines.diagnosis.combined import DEFAULT_WEIGHTS, FEATURES, fit
from tailormed.engines.diagnosis.diagnose import diagnose
from tailormed.engines.diagnosis.gene_tests import (
    PANEL_MAX_GENES,
    SINGLE_GENE_SHARE,
    gene_shares,
    no_gene_share,
    suggest_test,
)
from tailormed.engines.diagnosis.query import build_query
from tailormed.engines.diagnosis.rank import Ranker, score
from tailormed.knowledge.genes import load_gene_symbols
from tailormed.knowledge.hpo.index import DiseaseIndex
from tailormed.model.candidate import CandidateVariant
from tailormed.model.diagnosis import GeneShare, GeneTestKind
from tailormed.model.patient import PhenotypeTerm
from tailormed.pipeline.diagnosis import (
    Case,
    cross_validate_cases,
    feature_tensor,
    read_cases,
    symbol_map,
    target_of,
)

#: ectopia lentis, aortic root dilatation, arachnodactyly, tall stature, pes planus, pectus carinatum
MARFAN = ["HP:0001083", "HP:0002616", "HP:0001166", "HP:0000098", "HP:0001763", "HP:0000768"]


def _terms(*ids: str) -> list[PhenotypeTerm]:
    return [PhenotypeTerm(id=t) for t in ids]


@pytest.fixture(scope="module")
def dev(dev_cases: Path) -> list[Case]:
    return list(read_cases(dev_cases, with_variants=False))


@pytest.mark.slow
def test_cross_validated_accuracy_meets_the_targets(hpo_index: DiseaseIndex, dev_cases: Path, dev: list[Case]) -> None:
    variant_cases = list(read_cases(dev_cases, with_variants=True))
    report = cross_validate_cases(hpo_index, dev, k=5, seed=0, variant_cases=variant_cases)
    assert len(report.cv.folds) == 5 and sum(f.cases for f in report.cv.folds) == 164
    assert report.pooled.top[1] >= 0.65 and report.pooled.top[10] >= 0.85
    assert report.variant is not None and report.variant.top[1] >= 0.95
    # probabilities: calibrated better than LIRICAL's uniform-prior post-test probabilities on the same cases
    assert report.calibration.brier_all < report.lr_calibration.brier_all
    assert report.calibration.brier_top < report.lr_calibration.brier_top
    confident = [b for b in report.calibration.bins if b.mean_predicted >= 0.6]
    assert confident and all(abs(b.observed - b.mean_predicted) < 0.15 for b in confident)


@pytest.mark.slow
def test_shipped_weights_are_the_fit_on_the_dev_cases(hpo_index: DiseaseIndex, dev: list[Case]) -> None:
    tensor, targets = feature_tensor(hpo_index, dev)
    assert tensor.shape == (164, hpo_index.size, len(FEATURES))
    assert np.allclose(fit(tensor, targets), DEFAULT_WEIGHTS, atol=2e-3)


def test_probabilities_sum_to_one_and_follow_the_ranking(hpo_index: DiseaseIndex) -> None:
    scores = score(hpo_index, build_query(hpo_index, _terms(*MARFAN)))
    assert scores.probability is not None
    assert scores.probability.sum() == pytest.approx(1.0)
    ordered = scores.probability[scores.order]
    assert np.all(np.diff(ordered) <= 1e-15)
    top3 = [hpo_index.diseases[int(p)].id for p in scores.order[:3]]
    assert "OMIM:154700" in top3  # Marfan syndrome


def test_gene_list_and_single_gene_test_for_a_clear_phenotype(hpo_index: DiseaseIndex) -> None:
    scores, result = diagnose(hpo_index, build_query(hpo_index, _terms(*MARFAN)), suggestions=0)
    assert scores.probability is not None and result.test is not None
    shares = gene_shares(hpo_index, scores.probability)
    assert shares[0].gene == "FBN1" and "OMIM:154700" in shares[0].diseases
    assert [s.share for s in shares] == sorted((s.share for s in shares), reverse=True)
    assert sum(s.share for s in shares) + no_gene_share(hpo_index, scores.probability) <= 1.0 + 1e-9
    # a gene's share is the probability of its diseases, each split among the disease's genes
    fbn1 = sum(
        scores.probability[p] / len(d.genes)
        for p, d in enumerate(hpo_index.diseases)
        if any(g.symbol == "FBN1" for g in d.genes)
    )
    assert shares[0].share == pytest.approx(fbn1)
    testable = 1.0 - no_gene_share(hpo_index, scores.probability)
    assert fbn1 / testable >= SINGLE_GENE_SHARE
    assert result.test.test is GeneTestKind.SINGLE_GENE and [g.gene for g in result.test.genes] == ["FBN1"]
    assert "FBN1 carries" in result.test.reasoning


def test_test_advice_thresholds() -> None:
    def share(gene: str, value: float) -> GeneShare:
        return GeneShare(gene=gene, share=value, diseases=[])

    single = suggest_test([share("A", 0.7), share("B", 0.2)], 0.0)
    assert single.test is GeneTestKind.SINGLE_GENE and [g.gene for g in single.genes] == ["A"]
    panel = suggest_test([share("A", 0.4), share("B", 0.3), share("C", 0.15), share("D", 0.1)], 0.05)
    assert panel.test is GeneTestKind.PANEL and [g.gene for g in panel.genes] == ["A", "B", "C"]
    assert panel.covered == pytest.approx(0.85 / 0.95)
    spread = [share(f"G{i}", 0.4 / PANEL_MAX_GENES) for i in range(PANEL_MAX_GENES)]  # the rest: other genes
    exome = suggest_test(spread, 0.3)
    assert exome.test is GeneTestKind.EXOME and "30% of the probability rests on diseases with no known gene" in (
        exome.reasoning
    )
    # shares are read among the diseases a gene test can confirm: 0.45 of 0.75 is 60%
    assert suggest_test([share("A", 0.45), share("B", 0.3)], 0.25).test is GeneTestKind.SINGLE_GENE


@pytest.mark.slow
def test_adding_a_suggested_feature_of_the_right_disease_raises_it(hpo_index: DiseaseIndex, dev: list[Case]) -> None:
    checked = 0
    for case in dev:
        target = target_of(hpo_index, case)
        query = build_query(hpo_index, case.phenotypes)
        first = score(hpo_index, query)
        assert target is not None
        if not 2 <= int(np.flatnonzero(first.order == target)[0]) + 1 <= 10:
            continue
        scores, result = diagnose(hpo_index, query, suggestions=3)
        assert scores.probability is not None
        assert result.suggestions and all(s.information_gain >= 0 for s in result.suggestions)
        gains = [s.information_gain for s in result.suggestions]
        assert gains == sorted(gains, reverse=True)
        for suggestion in result.suggestions:
            frequency = hpo_index.diseases[target].phenotypes.get(suggestion.term)
            if frequency is None or frequency < 0.5:
                continue  # a feature the right disease does not typically have
            added = build_query(hpo_index, [*case.phenotypes, PhenotypeTerm(id=suggestion.term)])
            after = score(hpo_index, added)
            assert after.probability is not None
            assert after.probability[target] > scores.probability[target], (case.case_id, suggestion.term)
            checked += 1
    assert checked >= 5


def test_suggestions_are_phrased_for_a_clinician(hpo_index: DiseaseIndex) -> None:
    _, result = diagnose(hpo_index, build_query(hpo_index, _terms("HP:0001083", "HP:0000098")), suggestions=3)
    assert len(result.suggestions) == 3
    given = {"HP:0001083", "HP:0000098"}
    for s in result.suggestions:
        assert s.term not in given and s.phrase.startswith(f"check for {s.name.lower()}: ")
        assert s.supports in s.phrase
        assert 0 <= s.probability_present <= 1 and s.information_gain > 0


def test_previous_symbols_and_aliases_meet_the_annotations_gene(hpo_index: DiseaseIndex) -> None:
    symbols = load_gene_symbols()
    assert symbols.current("VMA12") == "TMEM199" and symbols.how("VMA12") == "alias"
    assert symbols.current("C17orf32") == "TMEM199" and symbols.how("C17orf32") == "previous symbol"
    assert symbols.by_hgnc_id["HGNC:18085"] == "TMEM199"
    mapping = symbol_map(hpo_index, symbols)
    assert mapping["VMA12"] == "TMEM199"
    assert "SCN5A" not in mapping  # a symbol the annotations use is never remapped
    variant = CandidateVariant(gene="VMA12", label="VMA12 het", copies=2, pathogenic=True, weight=1.0, basis="test")
    query = build_query(hpo_index, _terms("HP:0001397"))  # hepatic steatosis
    without = score(hpo_index, query, variants=[variant])
    with_aliases = score(hpo_index, query, variants=[variant], symbols=mapping)
    tmem199 = {p for p, d in enumerate(hpo_index.diseases) if any(g.symbol == "TMEM199" for g in d.genes)}
    assert tmem199 and without.candidate is not None and not without.candidate.any()
    assert with_aliases.candidate is not None and set(np.flatnonzero(with_aliases.candidate)) == tmem199
    assert int(with_aliases.order[0]) in tmem199


def test_similarity_ranker_gives_no_probabilities(hpo_index: DiseaseIndex) -> None:
    scores, result = diagnose(hpo_index, build_query(hpo_index, _terms(*MARFAN)), ranker=Ranker.SIMILARITY)
    assert scores.probability is None and result.test is None and result.suggestions == []
    assert all(c.post_test_probability is None for c in result.candidates)


def test_suggestions_are_ordered_by_a_gain_that_is_never_negative(hpo_index: DiseaseIndex, dev: list[Case]) -> None:
    """Brugada syndrome (PMID_11410597): measured from the probabilities now, four of the five suggestions came out
    with a negative gain (shown as 0) and in no order; as mutual information every one tells the top diseases apart."""
    case = next(c for c in dev if c.case_id.startswith("PMID_11410597"))
    _, result = diagnose(hpo_index, build_query(hpo_index, case.phenotypes), suggestions=5)
    gains = [s.information_gain for s in result.suggestions]
    assert len(gains) == 5 and min(gains) > 0.01 and gains == sorted(gains, reverse=True), gains
    first = result.suggestions[0]
    assert (first.name, first.supports) == ("Ventricular fibrillation", "Brugada syndrome 5")
    assert first.if_present > 3 * first.now  # present, it would move a top candidate most
