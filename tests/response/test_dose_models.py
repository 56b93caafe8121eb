"""Learned dose models, explanations, conformal intervals and statistics, against independent references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from tailormed.engines.pgx.dosing import iwpc_dose
from tailormed.engines.response.conformal import MondrianConformal, cross_coverage
from tailormed.engines.response.stats import bootstrap_mean, mcnemar
from tailormed.engines.response.warfarin.features import Completion, prepare
from tailormed.engines.response.warfarin.formulas import PHARMACOGENETIC, formulas
from tailormed.engines.response.warfarin.iwpc import patient_from_values
from tailormed.engines.response.warfarin.models import fit
from tailormed.knowledge.pgx.dosing import read_warfarin
from tailormed.knowledge.warfarin import WarfarinKnowledge
from tailormed.model.pgx import WarfarinInputs
from tailormed.training.warfarin import load_learned, read_iwpc, save_learned


def test_formula_matches_the_pgx_engine_dose(knowledge: WarfarinKnowledge) -> None:
    values = {"Age": "70 - 79", "Height (cm)": "165", "Weight (kg)": "70", "Race (OMB)": "Asian",
              "CYP2C9 consensus": "*1/*3", "VKORC1 -1639 consensus": "A/A", "Amiodarone (Cordarone)": "1"}
    case = prepare(patient_from_values(values), knowledge.baselines.vkorc1_imputation)
    complete = Completion(age_decades=6, height_cm={}, weight_kg={}).complete(case)
    ours = formulas(knowledge)[PHARMACOGENETIC].predict_sqrt([complete])[0] ** 2
    reference = iwpc_dose(WarfarinInputs(age_years=75, height_cm=165, weight_kg=70, vkorc1="AA", cyp2c9="*1/*3",
                                         race="asian", amiodarone=True), read_warfarin())
    assert ours == pytest.approx(reference.weekly_mg, rel=1e-9)


@pytest.fixture(scope="module")
def training(iwpc_csv: Path, knowledge: WarfarinKnowledge):  # type: ignore[no-untyped-def]
    cases = [prepare(p, knowledge.baselines.vkorc1_imputation) for p in read_iwpc(iwpc_csv) if p.dose_mg_week]
    completion = Completion.fit(cases)
    complete = [completion.complete(c) for c in cases[:1500]]
    return complete, np.sqrt([c.case.dose_mg_week for c in complete])


@pytest.mark.shared
def test_ridge_contributions_add_up_and_round_trip(training, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases, y = training
    model = fit("ridge", cases, y)
    explained = model.explain(cases[:20])
    assert [e.sqrt_dose for e in explained] == pytest.approx(model.predict_sqrt(cases[:20]).tolist())
    vkorc1_aa = dict(zip(model.features, model.linear_terms()[1], strict=True))["vkorc1_AA"]
    assert vkorc1_aa < -1.0  # the strongest genetic effect, as in the published formula (-1.70)
    save_learned(model, tmp_path)
    again = load_learned("ridge", tmp_path, [])
    assert again.predict_sqrt(cases[:50]) == pytest.approx(model.predict_sqrt(cases[:50]))


@pytest.mark.shared
def test_lightgbm_explanations_equal_shap_tree_explainer(training, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shap

    from tailormed.engines.response.warfarin.features import design
    from tailormed.engines.response.warfarin.models import LightgbmParams

    cases, y = training
    model = fit("lightgbm", cases, y, params=LightgbmParams(n_estimators=60))
    explained = model.explain(cases[:30])
    reference = shap.TreeExplainer(model.estimator.booster_).shap_values(design(cases[:30]))
    ours = np.array([[c.effect for c in e.contributions] for e in explained])
    assert ours == pytest.approx(reference, abs=1e-6)
    assert [e.sqrt_dose for e in explained] == pytest.approx(model.predict_sqrt(cases[:30]).tolist(), abs=1e-6)
    save_learned(model, tmp_path)
    again = load_learned("lightgbm", tmp_path, [])
    assert again.predict_sqrt(cases[:30]) == pytest.approx(model.predict_sqrt(cases[:30]))


def test_conformal_quantile_and_coverage_on_known_noise() -> None:
    rng = np.random.default_rng(1)
    n = 4000
    groups = np.where(rng.random(n) < 0.5, "a", "b")
    noise = rng.normal(0, np.where(groups == "a", 1.0, 3.0))
    calibration = MondrianConformal.calibrate(noise, groups.tolist(), "g")
    assert calibration.quantile("a", 0.8) == pytest.approx(stats.norm.ppf(0.9) * 1.0, rel=0.08)
    assert calibration.quantile("b", 0.8) == pytest.approx(stats.norm.ppf(0.9) * 3.0, rel=0.08)
    assert calibration.group_used("never seen") == "*"
    rows = cross_coverage(noise, np.zeros(n), noise, groups.tolist(), (np.arange(n) % 5).tolist(), 0.9,
                          back=lambda v: v)
    assert {r.group: round(r.coverage, 2) for r in rows} == pytest.approx({"a": 0.9, "b": 0.9, "*": 0.9}, abs=0.02)


def test_mcnemar_matches_scipy_binomial_test() -> None:
    rng = np.random.default_rng(2)
    first, second = rng.random(300) < 0.5, rng.random(300) < 0.4
    result = mcnemar(first, second)
    expected = stats.binomtest(result.only_first, result.only_first + result.only_second, 0.5).pvalue
    assert result.p_value == pytest.approx(expected)


def test_cluster_bootstrap_is_wider_than_patient_bootstrap_for_clustered_data() -> None:
    rng = np.random.default_rng(3)
    clusters = np.repeat([str(i) for i in range(20)], 50)
    values = np.repeat(rng.normal(0, 1, 20), 50) + rng.normal(0, 0.1, 1000)
    patient = bootstrap_mean(values, resamples=500)
    cluster = bootstrap_mean(values, clusters=clusters.tolist(), resamples=500)
    assert cluster.value == patient.value
    assert (cluster.high - cluster.low) > 3 * (patient.high - patient.low)
