"""The inputs of each equation, named as the ``risk calc`` columns so a TSV row and a patient map to the same model."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from tailormed.model.base import Contract


class EquationSex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class FamilyHistoryDiabetes(StrEnum):
    """FINDRISC family-history answer: the closest relative with diabetes."""

    NONE = "none"
    SECOND_DEGREE = "second_degree"
    FIRST_DEGREE = "first_degree"


class PceInputs(Contract):
    """Pooled Cohort Equations; ``race`` is white, black or other (other uses the white equations)."""

    sex: EquationSex
    race: str
    age_years: float
    chol_total_mgdl: float
    chol_hdl_mgdl: float
    bp_sys_mmhg: float
    bp_meds: bool
    smoke_current: bool
    diabetes: bool


class PreventInputs(Contract):
    """PREVENT; ``bmi`` is needed for heart failure only, ``uacr``/``hba1c``/``sdi`` only by the extended models."""

    sex: EquationSex
    age_years: float
    chol_total_mgdl: float
    chol_hdl_mgdl: float
    bp_sys_mmhg: float
    bp_meds: bool
    statin_meds: bool
    smoke_current: bool
    diabetes: bool
    bmi: float | None = None
    egfr_mlminm2: float
    uacr_mg_g: float | None = None
    hba1c_pct: float | None = None
    sdi_decile: int | None = None


class FindriscInputs(Contract):
    sex: EquationSex
    age_years: float
    bmi: float
    waist_cm: float
    physically_active_30min_daily: bool | None = Field(
        default=None, description="FINDRISC's 'at least 30 minutes daily'; None when the record does not say"
    )
    vegetables_fruit_berries_daily: bool
    ever_antihypertensive_medication: bool
    ever_high_blood_glucose: bool
    family_history_diabetes: FamilyHistoryDiabetes


class GailInputs(Contract):
    """NCI BCRA conventions: 99 = unknown, Age1st 98 = nulliparous, HypPlas 0/1/99, Race 1-11."""

    T1: float = Field(description="Age now")
    T2: float = Field(description="Age the projection ends")
    N_Biop: int
    HypPlas: int
    AgeMen: float
    Age1st: float
    N_Rels: int
    Race: int
