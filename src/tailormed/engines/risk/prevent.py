"""AHA PREVENT equations (Khan 2024): risk = 1 / (1 + exp(-x)), x = const + sum of coefficient x centred term.

Terms are centred and scaled as in the paper's supplement (age per 10 years from 55, non-HDL-C per 1 mmol/L from
3.5, HDL-C per 0.3 mmol/L from 1.3, SBP piecewise at 110 per 20 mmHg from 130, BMI piecewise at 30 per 5 kg/m2,
eGFR piecewise at 60 per -15 mL/min from 90). The extended models add ln(UACR), HbA1c and the social deprivation
index decile, with a "missing" indicator when the value is not known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from tailormed.engines.risk.inputs import PreventInputs
from tailormed.engines.risk.validity import RiskInputError, check_range
from tailormed.errors import KnowledgeError
from tailormed.knowledge.risk import SOURCE
from tailormed.knowledge.risk.load import RiskKnowledge

MODEL = "prevent"
BASE_OUTCOMES = ("cvd", "ascvd", "hf")
_NAME = "the PREVENT equations"


def prevent_terms(inputs: PreventInputs, mmol_per_mgdl: float, variant: str) -> dict[str, float | None]:
    """Every term of the PREVENT models; None where an input the term needs is unknown (BMI for HF)."""
    age = (inputs.age_years - 55) / 10
    non_hdl = (inputs.chol_total_mgdl - inputs.chol_hdl_mgdl) * mmol_per_mgdl - 3.5
    hdl = (inputs.chol_hdl_mgdl * mmol_per_mgdl - 1.3) / 0.3
    sbp_low = (min(inputs.bp_sys_mmhg, 110) - 110) / 20
    sbp_high = (max(inputs.bp_sys_mmhg, 110) - 130) / 20
    egfr_low = (min(inputs.egfr_mlminm2, 60) - 60) / -15
    egfr_high = (max(inputs.egfr_mlminm2, 60) - 90) / -15
    diabetes = 1.0 if inputs.diabetes else 0.0
    smoking = 1.0 if inputs.smoke_current else 0.0
    bp_meds = 1.0 if inputs.bp_meds else 0.0
    statin = 1.0 if inputs.statin_meds else 0.0
    bmi = inputs.bmi
    bmi_low = None if bmi is None else (min(bmi, 30) - 25) / 5
    bmi_high = None if bmi is None else (max(bmi, 30) - 30) / 5
    terms: dict[str, float | None] = {
        "const": 1.0,
        "age_per_10_years": age,
        "age_per_10_years_squared": age**2,
        "non_hdl_c_per_1_mmol_l": non_hdl,
        "hdl_c_per_0.3_mmol_l": hdl,
        "sbp_lt110_per_20_mmhg": sbp_low,
        "sbp_gteq110_per_20_mmhg": sbp_high,
        "diabetes": diabetes,
        "current_smoking": smoking,
        "bmi_lt30_per_5_kg_m2": bmi_low,
        "bmi_gt30_per_5_kg_m2": bmi_high,
        "egfr_lt60_per_15_ml": egfr_low,
        "egfr_gteq60_per_15_ml": egfr_high,
        "anti_hypertensive_use": bp_meds,
        "statin_use": statin,
        "treated_sbp_gteq110_mm_hg_per_20_mm_hg": sbp_high * bp_meds,
        "treated_non_hdl_c": non_hdl * statin,
        "age_per_10yr_x_non_hdl_c_per_1_mmol_l": age * non_hdl,
        "age_per_10yr_x_hdl_c_per_0.3_mml_l": age * hdl,
        "age_per_10yr_x_sbp_gteq110_mm_hg_per_20_mmhg": age * sbp_high,
        "age_per_10yr_x_diabetes": age * diabetes,
        "age_per_10yr_x_current_smoking": age * smoking,
        "age_per_10yr_x_bmi_gteq30_per_5_kg_m2": None if bmi_high is None else age * bmi_high,
        "age_per_10yr_x_egfr_lt60_per_15_ml": age * egfr_low,
    }
    terms.update(_optional_terms(inputs, variant, diabetes))
    return terms


def _optional_terms(inputs: PreventInputs, variant: str, diabetes: float) -> dict[str, float]:
    terms = dict.fromkeys(
        (
            "sdi_decile_between_4_and_6",
            "sdi_decile_between_7_and_10",
            "miss_sdi",
            "ln_acr",
            "miss_ln_acr",
            "hba1c_minus_5.3_x_diabetes",
            "hba1c_minus_5.3_x_1_minus_diabetes",
            "miss_hba1c",
        ),
        0.0,
    )
    if variant in ("acr", "full"):
        if inputs.uacr_mg_g is None:
            terms["miss_ln_acr"] = 1.0
        else:
            terms["ln_acr"] = math.log(inputs.uacr_mg_g)
    if variant in ("hba1c", "full"):
        if inputs.hba1c_pct is None:
            terms["miss_hba1c"] = 1.0
        else:
            terms["hba1c_minus_5.3_x_diabetes"] = (inputs.hba1c_pct - 5.3) * diabetes
            terms["hba1c_minus_5.3_x_1_minus_diabetes"] = (inputs.hba1c_pct - 5.3) * (1 - diabetes)
    if variant in ("sdi", "full"):
        if inputs.sdi_decile is None:
            terms["miss_sdi"] = 1.0
        else:
            terms["sdi_decile_between_4_and_6"] = 1.0 if 4 <= inputs.sdi_decile <= 6 else 0.0
            terms["sdi_decile_between_7_and_10"] = 1.0 if inputs.sdi_decile >= 7 else 0.0
    return terms


def check_prevent_ranges(inputs: PreventInputs, knowledge: RiskKnowledge, horizon: int) -> None:
    facts = knowledge.facts.prevent
    for field in ("age_years", "chol_total_mgdl", "chol_hdl_mgdl", "bp_sys_mmhg", "egfr_mlminm2"):
        check_range(field, getattr(inputs, field), facts.ranges, _NAME)
    for field in ("bmi", "uacr_mg_g", "hba1c_pct", "sdi_decile"):
        value = getattr(inputs, field)
        if value is not None:
            check_range(field, value, facts.ranges, _NAME)
    if horizon == 30:
        check_range("age_years", inputs.age_years, facts.ranges_30_year, "the 30-year PREVENT equations")
    if inputs.chol_hdl_mgdl >= inputs.chol_total_mgdl:
        raise RiskInputError("chol_hdl_mgdl must be below chol_total_mgdl", field="chol_hdl_mgdl")


def prevent_log_odds(
    inputs: PreventInputs, knowledge: RiskKnowledge, outcome: str, *, variant: str = "base", horizon: int = 10
) -> float:
    """The linear predictor x of one PREVENT model and outcome (``cvd``, ``ascvd``, ``hf``, ``chd``, ``stroke``)."""
    check_prevent_ranges(inputs, knowledge, horizon)
    name = f"{variant}_{horizon}"
    model = knowledge.coefficients.prevent.get(name)
    if model is None:
        raise KnowledgeError(f"no PREVENT model {name!r}", source=SOURCE)
    coefficients: Mapping[str, float] = model.coefficients[inputs.sex.value][outcome]
    terms = prevent_terms(inputs, knowledge.facts.prevent.mmol_per_mgdl_cholesterol, variant)
    total = 0.0
    for term, beta in coefficients.items():
        if term not in terms:
            raise KnowledgeError(f"PREVENT model {name} has a term tailormed does not know: {term!r}", source=SOURCE)
        value = terms[term]
        if beta == 0.0:
            continue
        if value is None:
            raise RiskInputError(f"the PREVENT {outcome} equation needs bmi", field="bmi")
        total += beta * value
    return total


def prevent_risk(
    inputs: PreventInputs,
    knowledge: RiskKnowledge,
    outcome: str,
    *,
    variant: str = "base",
    horizon: int = 10,
    log_odds_shift: float = 0.0,
) -> float:
    """Risk of ``outcome`` over ``horizon`` years; ``log_odds_shift`` adds e.g. ln(polygenic RR) to the log-odds."""
    x = prevent_log_odds(inputs, knowledge, outcome, variant=variant, horizon=horizon) + log_odds_shift
    return 1.0 / (1.0 + math.exp(-x))
