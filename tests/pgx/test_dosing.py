"""IWPC warfarin dose against hand calculations of the published formula, and the CPIC 2017 adjustments."""

from __future__ import annotations

from datetime import date

import pytest

from tailormed.engines.pgx.dosing import iwpc_dose, warfarin_inputs
from tailormed.engines.pgx.phenotype import phenotype_gene
from tailormed.knowledge.pgx.dosing import read_warfarin
from tailormed.knowledge.pgx.phenotypes import GenePhenotypes
from tailormed.model.patient import Demographics, Medication, Observation, Patient
from tailormed.model.pgx import (
    CallOrigin,
    CallStatus,
    Diplotype,
    GeneCall,
    GenePhenotype,
    PhenotypeMethod,
    WarfarinInputs,
)

MODEL = read_warfarin()


def test_hand_calculation_white_vkorc1_ag_cyp2c9_13() -> None:
    # 5.6044 - 0.2614*6 + 0.0087*170 + 0.0128*80 - 0.8677 (VKORC1 AG) - 0.9357 (*1/*3) + 0 (White)
    # = 5.6044 - 1.5684 + 1.4790 + 1.0240 - 0.8677 - 0.9357 = 4.7356 ; 4.7356^2 = 22.4259 mg/week
    dose = iwpc_dose(
        WarfarinInputs(age_years=65, height_cm=170, weight_kg=80, vkorc1="AG", cyp2c9="*1/*3", race="white"), MODEL
    )
    assert dose.sqrt_weekly_dose == pytest.approx(4.7356, abs=1e-9)
    assert dose.weekly_mg == pytest.approx(22.42590736, abs=1e-6)
    assert dose.daily_mg == pytest.approx(22.42590736 / 7, abs=1e-6)
    assert [t.name for t in dose.terms][:4] == ["intercept", "age decades", "height cm", "weight kg"]
    assert dose.not_assessed == [] and dose.adjustments == []  # no CPIC adjustment outside African ancestry


def test_hand_calculation_asian_amiodarone_vkorc1_aa_cyp2c9_23() -> None:
    # 5.6044 - 0.2614*7 + 0.0087*160 + 0.0128*60 - 1.6974 (AA) - 1.9206 (*2/*3) - 0.1092 (Asian) - 0.5503 (amiodarone)
    # = 5.6044 - 1.8298 + 1.3920 + 0.7680 - 1.6974 - 1.9206 - 0.1092 - 0.5503 = 1.6571 ; 1.6571^2 = 2.74598041
    dose = iwpc_dose(
        WarfarinInputs(age_years=79.9, height_cm=160, weight_kg=60, vkorc1="AA", cyp2c9="*2/*3", race="asian",
                       amiodarone=True),
        MODEL,
    )
    assert dose.sqrt_weekly_dose == pytest.approx(1.6571, abs=1e-9)
    assert dose.weekly_mg == pytest.approx(2.74598041, abs=1e-6)


def test_missing_race_uses_the_missing_or_mixed_term_and_says_so() -> None:
    # 5.6044 - 0.2614*5 + 0.0087*180 + 0.0128*100 + 0 (GG) + 0 (*1/*1) - 0.1032 (missing or mixed) + 1.1816 (inducer)
    # = 5.6044 - 1.3070 + 1.5660 + 1.2800 - 0.1032 + 1.1816 = 8.2218 ; ^2 = 67.59799524
    inputs = WarfarinInputs(age_years=50, height_cm=180, weight_kg=100, vkorc1="GG", cyp2c9="*1/*1",
                            enzyme_inducer=True)
    dose = iwpc_dose(inputs, MODEL)
    assert dose.weekly_mg == pytest.approx(67.59799524, abs=1e-6)
    assert {n.item for n in dose.not_assessed} == {"race"}


@pytest.mark.parametrize(("vkorc1", "cyp2c9"), [(None, None), ("AG", None), (None, "*1/*3"), ("unknown", "unknown")])
def test_no_pharmacogenetic_dose_without_called_cyp2c9_and_vkorc1(vkorc1: str | None, cyp2c9: str | None) -> None:
    inputs = WarfarinInputs(age_years=50, height_cm=180, weight_kg=100, race="white", vkorc1=vkorc1, cyp2c9=cyp2c9)
    dose = iwpc_dose(inputs, MODEL)
    assert dose.weekly_mg is None and dose.headline_weekly_mg is None and dose.terms == []
    uncalled = {gene for gene, value in (("VKORC1", vkorc1), ("CYP2C9", cyp2c9)) if value in (None, "unknown")}
    assert {n.item for n in dose.not_assessed} == uncalled
    assert all("only with called CYP2C9 and VKORC1" in n.reason for n in dose.not_assessed)


def test_missing_weight_means_no_dose() -> None:
    dose = iwpc_dose(WarfarinInputs(age_years=50, height_cm=180, vkorc1="AG", cyp2c9="*1/*1"), MODEL)
    assert dose.weekly_mg is None and [n.item for n in dose.not_assessed] == ["weight"]


def test_cpic_adjustments_for_african_ancestry() -> None:
    inputs = WarfarinInputs(age_years=65, height_cm=170, weight_kg=80, vkorc1="GG", cyp2c9="*1/*1", race="black",
                            african_ancestry=True, cyp2c9_alleles=["*1", "*8"], rs12777823_a_carrier=True)
    dose = iwpc_dose(inputs, MODEL)
    # 5.6044 - 1.5684 + 1.4790 + 1.0240 - 0.2760 (Black) = 6.2630 ; ^2 = 39.22516900
    assert dose.weekly_mg == pytest.approx(39.225169, abs=1e-6)
    # *8 carrier -15..-30 % and rs12777823 A carrier -10..-25 %
    assert dose.adjusted_weekly_mg == (round(39.225169 * 0.70 * 0.75, 2), round(39.225169 * 0.85 * 0.90, 2))
    assert {a.id for a in dose.adjustments} == {"cyp2c9-african-alleles", "rs12777823-a"}
    assert dose.headline_weekly_mg == dose.adjusted_weekly_mg


def test_cyp4f2_star3_is_not_an_adjustment() -> None:
    """CPIC's CYP4F2 *3 percentage is in an image no source restates: the model has no CYP4F2 rule."""
    assert all(rule.gene != "CYP4F2" for rule in MODEL.cpic_2017.adjustments)


def _result(gene: str, a: str, b: str, phenotype: str | None = None) -> GenePhenotype:
    table = GenePhenotypes(gene=gene, version="t", method=PhenotypeMethod.PHENOTYPE)
    call = GeneCall(sample="s", gene=gene, status=CallStatus.CALLED, diplotypes=[Diplotype(allele1=a, allele2=b)],
                    origin=CallOrigin.MATCHER)
    result = phenotype_gene(call, table)
    return result.model_copy(update={"phenotype": phenotype})


def test_inputs_from_the_record() -> None:
    patient = Patient(
        id="p1",
        demographics=Demographics(birth_date=date(1960, 6, 1), race=["White"]),
        observations=[
            Observation(loinc="8302-2", name="height", value=1.7, unit="m"),
            Observation(loinc="29463-7", name="weight", value=80, unit="kg"),
        ],
        medications=[Medication(name="warfarin 5 mg"), Medication(name="Amiodarone"),
                     Medication(name="rifampin", status="stopped")],
    )
    results = {
        "CYP2C9": _result("CYP2C9", "*1", "*3"),
        "VKORC1": _result("VKORC1", "rs9923231 reference (C)", "rs9923231 variant (T)", "-1639 AG"),
    }
    inputs = warfarin_inputs(patient, results, MODEL, on=date(2025, 7, 1), rs12777823=("G", "G"))
    assert (inputs.age_years, inputs.height_cm, inputs.weight_kg) == (65.0, 170.0, 80.0)
    assert (inputs.vkorc1, inputs.cyp2c9, inputs.race) == ("AG", "*1/*3", "white")
    assert inputs.amiodarone and not inputs.enzyme_inducer  # rifampin was stopped
    assert inputs.rs12777823_a_carrier is False
