"""Integration of equation risks with polygenic and monogenic findings, and what-if scenarios, on built findings."""

from __future__ import annotations

import math

import pytest

from tailormed.engines.risk.inputs import GailInputs, PceInputs, PreventInputs
from tailormed.engines.risk.integrate import integrate
from tailormed.engines.risk.results import EquationResult, evaluate
from tailormed.engines.risk.whatif import in_words
from tailormed.knowledge.risk.integration import AdjustMethod
from tailormed.knowledge.risk.load import RiskKnowledge
from tailormed.model.finding import Domain, Evidence, Finding
from tailormed.model.payloads import ClinicalRiskData, HereditaryVariantData, PolygenicScoreData

PCE = PceInputs.model_validate(
    {"sex": "male", "race": "white", "age_years": 58, "chol_total_mgdl": 240, "chol_hdl_mgdl": 40,
     "bp_sys_mmhg": 150, "bp_meds": False, "smoke_current": True, "diabetes": False}
)  # fmt: skip
GAIL = GailInputs(T1=45, T2=50, N_Biop=1, HypPlas=0, AgeMen=12, Age1st=30, N_Rels=1, Race=1)
PREVENT = PreventInputs.model_validate(
    {"sex": "female", "age_years": 50, "chol_total_mgdl": 200, "chol_hdl_mgdl": 45, "bp_sys_mmhg": 160,
     "bp_meds": True, "statin_meds": False, "smoke_current": False, "diabetes": True, "bmi": 35, "egfr_mlminm2": 90}
)  # fmt: skip
EVIDENCE = [Evidence(source="test", version="1")]


def _result(key: str, inputs: PceInputs | GailInputs | PreventInputs, knowledge: RiskKnowledge) -> EquationResult:
    return EquationResult(
        key=key,
        model=key.split("_")[0],
        title=key,
        outcome=f"{key} outcome",
        horizon_years=10,
        inputs=inputs,
        risk=evaluate(key, inputs, knowledge),
    )


def _prs(trait: str, rr: float, *, validated: bool | None = True, pgs: str = "PGS999999") -> Finding:
    data = PolygenicScoreData(
        pgs_id=pgs, trait=trait, score_sum=1.0, variants_matched=90, variants_total=100, overlap=0.9, z=1.2,
        percentile=88.0, per_sd_effect=1.5, relative_risk=rr, relative_risk_low=rr * 0.9,
        relative_risk_high=rr * 1.1, ancestry_validated=validated,
    )  # fmt: skip
    return Finding(id=f"prs:{pgs}", domain=Domain.POLYGENIC, title="t", summary="s",
                   data=data, evidence=EVIDENCE)  # fmt: skip


def _variant(gene: str, *, reportable: bool = True) -> Finding:
    data = HereditaryVariantData(
        gene=gene, chrom="13", pos=32340300, ref="GT", alt="G", genotype="0/1", zygosity="heterozygous",
        clinvar_significance="Pathogenic", review_stars=3, reportable=reportable, reason="r", condition="c",
        inheritance="AD",
    )  # fmt: skip
    return Finding(id=f"hered:{gene}", domain=Domain.HEREDITARY, title="t", summary="s",
                   data=data, evidence=EVIDENCE)  # fmt: skip


def _data(finding: Finding) -> ClinicalRiskData:
    return ClinicalRiskData.model_validate(finding.data)


def test_no_genetics_keeps_the_equation_risk(knowledge: RiskKnowledge) -> None:
    result = _result("pce", PCE, knowledge)
    (finding,) = integrate([result], [], [], knowledge)
    data = _data(finding)
    assert finding.domain is Domain.CLINICAL_RISK
    assert data.equation_risk == data.integrated_risk == result.risk
    assert data.polygenic_relative_risk is None


def test_a_cad_score_does_not_adjust_pce_without_a_published_per_sd_effect(knowledge: RiskKnowledge) -> None:
    """No panel score gives CAD a per-SD effect, so no integration rule takes a CAD score (it would never fire)."""
    result = _result("pce", PCE, knowledge)
    (finding,) = integrate([result], [_prs("Coronary artery disease", 1.5)], [], knowledge)
    assert _data(finding).integrated_risk == result.risk
    assert not any(rule.matches("coronary artery disease", "PGS999999")
                   for rule in knowledge.integration.polygenic_adjustments)  # fmt: skip


def test_survival_and_log_odds_methods(knowledge: RiskKnowledge) -> None:
    """The two ways a relative risk can enter an equation, as integration.yaml defines them."""
    pce = _result("pce", PCE, knowledge)
    assert evaluate("pce", PCE, knowledge, rr=1.5, method=AdjustMethod.SURVIVAL) == pytest.approx(
        1 - (1 - pce.risk) ** 1.5
    )
    ascvd = _result("prevent_ascvd", PREVENT, knowledge)
    logit = math.log(ascvd.risk / (1 - ascvd.risk)) + math.log(1.5)
    assert evaluate("prevent_ascvd", PREVENT, knowledge, rr=1.5, method=AdjustMethod.LOG_ODDS) == pytest.approx(
        1 / (1 + math.exp(-logit))
    )


def test_breast_score_enters_the_gail_hazard(knowledge: RiskKnowledge) -> None:
    result = _result("gail", GAIL, knowledge)
    (finding,) = integrate([result], [_prs("Breast cancer", 2.0, pgs="PGS000004")], [], knowledge)
    data = _data(finding)
    assert data.integrated_risk == pytest.approx(evaluate("gail", GAIL, knowledge, rr=2.0, method=AdjustMethod.HAZARD))
    assert result.risk * 1.9 < (data.integrated_risk or 0) < result.risk * 2


def test_score_for_another_trait_or_unvalidated_ancestry_is_not_used(knowledge: RiskKnowledge) -> None:
    result = _result("gail", GAIL, knowledge)
    (other,) = integrate([result], [_prs("Height", 1.5)], [], knowledge)
    assert _data(other).integrated_risk == result.risk
    (unvalidated,) = integrate([result], [_prs("Breast cancer", 1.5, validated=False)], [], knowledge)
    assert _data(unvalidated).integrated_risk == result.risk
    assert any("ancestry" in n.reason for n in unvalidated.not_assessed)


def test_brca_makes_gail_not_applicable(knowledge: RiskKnowledge) -> None:
    result = _result("gail", GAIL, knowledge)
    (finding,) = integrate([result], [_prs("Breast cancer", 2.0)], [_variant("BRCA2")], knowledge)
    data = _data(finding)
    assert (data.applicable, data.equation_risk, data.integrated_risk, data.scenarios) == (False, None, None, [])
    assert data.override_reason is not None and "BRCA" in data.override_reason
    assert finding.genes == ["BRCA2"]


def test_other_breast_genes_leave_gail_not_assessed_without_claiming_a_rule(knowledge: RiskKnowledge) -> None:
    """No source read says BCRAT must not be used for PALB2 carriers (the NCI text names BRCA1/2): the risk is not
    given, the reason says it was not assessed rather than that the model is not to be used, and it is flagged."""
    (finding,) = integrate([_result("gail", GAIL, knowledge)], [], [_variant("PALB2")], knowledge)
    data = _data(finding)
    assert (data.applicable, data.equation_risk) == (False, None)
    assert data.override_reason is not None and data.override_reason.startswith("Not assessed")
    assert "not to be used" not in data.override_reason
    assert finding.unverified


def test_carrier_status_does_not_override(knowledge: RiskKnowledge) -> None:
    result = _result("gail", GAIL, knowledge)
    (finding,) = integrate([result], [], [_variant("BRCA2", reportable=False)], knowledge)
    assert _data(finding).applicable


def test_fh_variant_turns_pce_into_a_lower_bound(knowledge: RiskKnowledge) -> None:
    result = _result("pce", PCE, knowledge)
    (finding,) = integrate([result], [], [_variant("LDLR")], knowledge)
    data = _data(finding)
    assert (data.applicable, data.equation_risk, data.integrated_risk) == (False, result.risk, None)
    assert "lower bound" in finding.summary


def test_what_ifs_recompute_the_same_equation(knowledge: RiskKnowledge) -> None:
    result = _result("pce", PCE, knowledge)
    (finding,) = integrate([result], [], [], knowledge)
    data = _data(finding)
    by_id = {s.id: s for s in data.scenarios}
    assert set(by_id) == {"quit_smoking", "sbp_minus_10", "sbp_to_130", "cholesterol_minus_20pct"}
    quit = by_id["quit_smoking"]
    assert quit.risk_before == data.integrated_risk
    expected = evaluate("pce", PCE.model_copy(update={"smoke_current": False}), knowledge)
    assert quit.risk_after == pytest.approx(expected)
    assert quit.risk_after < quit.risk_before
    assert by_id["sbp_to_130"].changes == {"bp_sys_mmhg": "150 -> 130"}
    assert "What if" in finding.summary


def test_scenarios_keep_values_in_range(knowledge: RiskKnowledge) -> None:
    low = PCE.model_copy(update={"chol_total_mgdl": 162, "bp_sys_mmhg": 120})
    (finding,) = integrate([_result("pce", low, knowledge)], [], [], knowledge)
    (chol,) = [s for s in _data(finding).scenarios if s.id == "cholesterol_minus_20pct"]
    assert chol.changes["chol_total_mgdl"] == "162 -> 130 (kept at the model's lower limit 130)"


def test_same_denominator_words() -> None:
    assert in_words(0.121, 0.079) == "12 in 100 → 8 in 100"
    assert in_words(0.0062, 0.0041) == "6 in 1,000 → 4 in 1,000"
    assert in_words(0.004) == "4 in 1,000"


def test_no_scenario_shows_a_change_meant_to_lower_risk_as_raising_it(knowledge: RiskKnowledge) -> None:
    """PREVENT's age x non-HDL-C interaction makes lower cholesterol estimate a higher total-CVD risk at 60+."""
    older = PREVENT.model_copy(update={"age_years": 70, "chol_total_mgdl": 240})
    lower = older.model_copy(update={"chol_total_mgdl": 192.0})
    assert evaluate("prevent_cvd", lower, knowledge) > evaluate("prevent_cvd", older, knowledge)
    (finding,) = integrate([_result("prevent_cvd", older, knowledge)], [], [], knowledge)
    scenarios = _data(finding).scenarios
    assert "cholesterol_minus_20pct" not in {s.id for s in scenarios}
    assert scenarios and all(s.risk_after < s.risk_before for s in scenarios)
    (younger,) = integrate([_result("prevent_cvd", PREVENT.model_copy(update={"age_years": 45}), knowledge)], [], [],
                           knowledge)  # fmt: skip
    (chol,) = [s for s in _data(younger).scenarios if s.id == "cholesterol_minus_20pct"]
    assert chol.risk_after < chol.risk_before
