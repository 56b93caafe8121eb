"""The equations reproduce every published worked example in the shared data, to the printed precision."""

from __future__ import annotations

import pytest

from tailormed.engines.risk.gail import gail_risk
from tailormed.engines.risk.inputs import GailInputs, PceInputs, PreventInputs
from tailormed.engines.risk.pce import pce_risk
from tailormed.engines.risk.prevent import prevent_risk
from tailormed.engines.risk.validity import RiskInputError
from tailormed.knowledge.risk.load import RiskKnowledge


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _yes(text: str) -> bool:
    return text == "yes"


def _pce(row: dict[str, str]) -> PceInputs:
    return PceInputs.model_validate(
        {
            "sex": row["sex"],
            "race": row["race"],
            "age_years": float(row["age_years"]),
            "chol_total_mgdl": float(row["total_chol_mgdl"]),
            "chol_hdl_mgdl": float(row["hdl_mgdl"]),
            "bp_sys_mmhg": float(row["sbp_mmhg"]),
            "bp_meds": _yes(row["bp_treated"]),
            "smoke_current": _yes(row["current_smoker"]),
            "diabetes": _yes(row["diabetes"]),
        }
    )


def test_pce_reproduces_goff_2013_table_a(pce_examples: list[dict[str, str]], knowledge: RiskKnowledge) -> None:
    assert len(pce_examples) == 4
    for row in pce_examples:
        result = pce_risk(_pce(row), knowledge)
        assert result.individual_sum == pytest.approx(float(row["published_individual_sum"]), abs=0.01), row["example"]
        full = row["equation_10yr_risk_pct_full_precision"]
        assert round(result.risk * 100, _decimals(full)) == float(full), row["example"]
        if row["example"] != "Goff2013_TableA_white_male":  # 5.3 % in print comes from the rounded table (5.38 %)
            assert round(result.risk * 100, 1) == float(row["published_10yr_risk_pct"]), row["example"]


def test_pce_other_race_uses_the_white_equation_and_says_so(
    pce_examples: list[dict[str, str]], knowledge: RiskKnowledge
) -> None:
    white = _pce(pce_examples[0])
    other = pce_risk(white.model_copy(update={"race": "Asian"}), knowledge)
    assert other.risk == pce_risk(white, knowledge).risk
    assert other.equation == "white_female"
    assert other.note is not None and "white equation" in other.note


@pytest.mark.parametrize(
    ("field", "value"), [("age_years", 39), ("age_years", 80), ("chol_total_mgdl", 321), ("bp_sys_mmhg", 89)]
)
def test_pce_refuses_inputs_outside_its_range(
    pce_examples: list[dict[str, str]], knowledge: RiskKnowledge, field: str, value: float
) -> None:
    inputs = _pce(pce_examples[0]).model_copy(update={field: value})
    with pytest.raises(RiskInputError) as caught:
        pce_risk(inputs, knowledge)
    assert caught.value.field == field


def _prevent(row: dict[str, str]) -> PreventInputs:
    def number(column: str) -> float | None:
        return float(row[column]) if row[column] else None

    return PreventInputs.model_validate(
        {
            "sex": row["sex"],
            "age_years": float(row["age_years"]),
            "chol_total_mgdl": float(row["total_chol_mgdl"]),
            "chol_hdl_mgdl": float(row["hdl_mgdl"]),
            "bp_sys_mmhg": float(row["sbp_mmhg"]),
            "bp_meds": _yes(row["bp_treated"]),
            "statin_meds": _yes(row["statin"]),
            "smoke_current": _yes(row["current_smoker"]),
            "diabetes": _yes(row["diabetes"]),
            "bmi": number("bmi"),
            "egfr_mlminm2": float(row["egfr"]),
            "uacr_mg_g": number("uacr_mg_g"),
            "hba1c_pct": number("hba1c_pct"),
            "sdi_decile": int(row["sdi_decile"]) if row["sdi_decile"] else None,
        }
    )


def test_prevent_reproduces_khan_2024_table_s12(
    prevent_examples: list[dict[str, str]], knowledge: RiskKnowledge
) -> None:
    assert len(prevent_examples) == 12
    outcomes = {"total_cvd": "cvd", "ascvd": "ascvd"}
    for row in prevent_examples:
        risk = prevent_risk(
            _prevent(row),
            knowledge,
            outcomes[row["outcome"]],
            variant=row["model"],
            horizon=int(row["horizon_years"]),
        )
        published = row["published_risk"]
        assert round(risk, _decimals(published)) == float(published), (row["example"], row["model"])


def test_prevent_heart_failure_needs_bmi(prevent_examples: list[dict[str, str]], knowledge: RiskKnowledge) -> None:
    inputs = _prevent(prevent_examples[0]).model_copy(update={"bmi": None})
    assert 0 < prevent_risk(inputs, knowledge, "cvd") < 1
    with pytest.raises(RiskInputError) as caught:
        prevent_risk(inputs, knowledge, "hf")
    assert caught.value.field == "bmi"


@pytest.mark.parametrize(
    ("field", "value", "horizon"),
    [("age_years", 29, 10), ("age_years", 80, 10), ("age_years", 60, 30), ("bmi", 40.5, 10), ("egfr_mlminm2", 14, 10),
     ("bp_sys_mmhg", 181, 10), ("chol_hdl_mgdl", 101, 10)],
)  # fmt: skip
def test_prevent_refuses_inputs_outside_its_range(
    prevent_examples: list[dict[str, str]], knowledge: RiskKnowledge, field: str, value: float, horizon: int
) -> None:
    inputs = _prevent(prevent_examples[0]).model_copy(update={field: value})
    with pytest.raises(RiskInputError) as caught:
        prevent_risk(inputs, knowledge, "cvd", horizon=horizon)
    assert caught.value.field == field


def _gail(row: dict[str, str]) -> GailInputs:
    floats = ("T1", "T2", "AgeMen", "Age1st")
    return GailInputs.model_validate(
        {c: float(row[c]) if c in floats else int(row[c]) for c in (*floats, "N_Biop", "HypPlas", "N_Rels", "Race")}
    )


def test_gail_reproduces_the_bcra_reference_examples(
    gail_examples: list[dict[str, str]], knowledge: RiskKnowledge
) -> None:
    assert len(gail_examples) == 6
    for row in gail_examples:
        result = gail_risk(_gail(row), knowledge)
        assert result.absolute_risk * 100 == pytest.approx(float(row["AbsRisk_pct"]), abs=1e-9), row["ID"]
        assert result.average_risk * 100 == pytest.approx(float(row["AvgWhiteAbsRisk_pct"]), abs=1e-9), row["ID"]
        assert result.relative_risk_below_50 == pytest.approx(float(row["RR_lt50"]), rel=1e-9), row["ID"]
        assert result.relative_risk_from_50 == pytest.approx(float(row["RR_ge50"]), rel=1e-9), row["ID"]


def test_gail_headline_example_of_the_notes(gail_examples: list[dict[str, str]], knowledge: RiskKnowledge) -> None:
    """White woman of 40, menarche 13, first birth 25: 5-year 0.62 %, to age 90 11.1 % (BCRA 2.1.2)."""
    five, lifetime = (gail_risk(_gail(row), knowledge) for row in gail_examples[:2])
    assert round(five.absolute_risk * 100, 2) == 0.62
    assert round(lifetime.absolute_risk * 100, 1) == 11.1


@pytest.mark.parametrize(
    ("change", "field"),
    [({"HypPlas": 1, "N_Biop": 0}, "HypPlas"), ({"N_Biop": 1, "HypPlas": 2}, "HypPlas"), ({"AgeMen": 45}, "AgeMen"),
     ({"Age1st": 11}, "Age1st"), ({"Age1st": 41}, "Age1st"), ({"Race": 12}, "Race"), ({"T1": 19}, "T1"),
     ({"T2": 91}, "T2"), ({"T2": 40}, "T2"), ({"N_Rels": -1}, "N_Rels")],
)  # fmt: skip
def test_gail_refuses_inconsistent_inputs_naming_the_field(
    gail_examples: list[dict[str, str]], knowledge: RiskKnowledge, change: dict[str, int], field: str
) -> None:
    inputs = _gail(gail_examples[0]).model_copy(update=change)
    with pytest.raises(RiskInputError) as caught:
        gail_risk(inputs, knowledge)
    assert caught.value.field == field


def test_gail_unknown_codes_count_as_the_lowest_category(
    gail_examples: list[dict[str, str]], knowledge: RiskKnowledge
) -> None:
    base = _gail(gail_examples[0]).model_copy(update={"AgeMen": 14, "Age1st": 19})
    unknown = base.model_copy(update={"AgeMen": 99, "Age1st": 99, "N_Rels": 99, "N_Biop": 99})
    assert gail_risk(unknown, knowledge).absolute_risk == pytest.approx(gail_risk(base, knowledge).absolute_risk)


def test_gail_polygenic_multiplier_raises_the_risk_but_not_the_average(
    gail_examples: list[dict[str, str]], knowledge: RiskKnowledge
) -> None:
    inputs = _gail(gail_examples[0])
    plain = gail_risk(inputs, knowledge)
    doubled = gail_risk(inputs, knowledge, rr_multiplier=2.0)
    assert doubled.average_risk == plain.average_risk
    assert 1.9 * plain.absolute_risk < doubled.absolute_risk < 2.0 * plain.absolute_risk
