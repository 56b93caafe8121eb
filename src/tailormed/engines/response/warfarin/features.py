"""IWPC preprocessing: a read row becomes the inputs the dosing models use, exactly as the paper coded them.

- age in decades (the age bin's first digit: 1 for 10-19 ... 9 for 90+);
- VKORC1 -1639 (rs9923231) from the consensus call, else imputed by the paper's race-conditioned rules from
  rs2359612, rs9934438 or rs8050894, else ``unknown`` (the formula's own term);
- CYP2C9 as one of the paper's six diplotypes or ``unknown``; alleles the paper did not model (*5, *6, *11,
  ...) count as *1, and the case says so (``cyp2c9_other_allele``);
- enzyme inducer = carbamazepine, phenytoin or rifampin/rifampicin recorded as taken; amiodarone likewise; a
  medication that is not recorded counts as not taken, as in the paper;
- race as the OMB category, with ``Unknown`` as the paper's "missing or mixed".

Missing age, height and weight cannot be scored by the formulas. :class:`Completion` fills them from medians of
the training data by sex and race (then race alone, then everyone) and marks them as imputed, so performance on
those patients can be reported separately.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
from pydantic import Field

from tailormed.engines.response.warfarin.iwpc import IwpcPatient, Sex
from tailormed.knowledge.warfarin import Race, VkorcImputation
from tailormed.model.base import Contract

Vkorc1 = Literal["GG", "AG", "AA", "unknown"]
CYP2C9_LEVELS = ("*1/*1", "*1/*2", "*1/*3", "*2/*2", "*2/*3", "*3/*3")
_MODELLED_ALLELES = {"*1", "*2", "*3"}


class WarfarinCase(Contract):
    """One patient's model inputs after the paper's preprocessing; measurements may still be missing."""

    line: int
    subject_id: str | None = None
    site: str | None = None
    sex: Sex | None = None
    race: Race
    age_decades: int | None = None
    height_cm: float | None = None
    weight_kg: float | None = None
    vkorc1: Vkorc1
    vkorc1_source: str = Field(description="'genotyped', 'imputed from rsID' or 'not known'")
    cyp2c9: str = Field(description="One of the paper's six diplotypes, or 'unknown'")
    cyp2c9_other_allele: bool = Field(default=False, description="An allele the paper did not model, counted as *1")
    enzyme_inducer: bool = False
    amiodarone: bool = False
    flags: dict[str, bool | None] = Field(default_factory=dict)
    dose_mg_week: float | None = None


class CompleteCase(Contract):
    """A case with age, height and weight present (measured or imputed), ready for a formula or model."""

    case: WarfarinCase
    age_decades: int
    height_cm: float
    weight_kg: float
    imputed: list[str] = Field(default_factory=list, description="Which of age, height, weight were imputed")


def prepare(patient: IwpcPatient, imputation: VkorcImputation) -> WarfarinCase:
    vkorc1, source = _vkorc1(patient, imputation)
    cyp2c9, other = _cyp2c9(patient.cyp2c9)
    return WarfarinCase(
        line=patient.line,
        subject_id=patient.subject_id,
        site=patient.site,
        sex=patient.sex,
        race=patient.race,
        age_decades=patient.age_decades,
        height_cm=patient.height_cm,
        weight_kg=patient.weight_kg,
        vkorc1=vkorc1,
        vkorc1_source=source,
        cyp2c9=cyp2c9,
        cyp2c9_other_allele=other,
        enzyme_inducer=bool(patient.carbamazepine or patient.phenytoin or patient.rifampin),
        amiodarone=bool(patient.amiodarone),
        flags=patient.flags,
        dose_mg_week=patient.dose_mg_week,
    )


def _vkorc1(patient: IwpcPatient, imputation: VkorcImputation) -> tuple[Vkorc1, str]:
    if patient.vkorc1_1639 is not None:
        return _vkorc1_level(patient.vkorc1_1639.replace("/", "")), "genotyped"
    linked = {"rs2359612": patient.rs2359612, "rs9934438": patient.rs9934438, "rs8050894": patient.rs8050894}
    for rule in imputation.rules:
        genotype = linked.get(rule.snp)
        if genotype is not None and patient.race in rule.races and genotype in rule.genotypes:
            return _vkorc1_level(rule.genotypes[genotype]), f"imputed from {rule.snp}"
    return "unknown", "not known"


def _vkorc1_level(genotype: str) -> Vkorc1:
    levels: dict[str, Vkorc1] = {"GG": "GG", "AG": "AG", "GA": "AG", "AA": "AA"}
    return levels.get(genotype, "unknown")


def _cyp2c9(diplotype: str | None) -> tuple[str, bool]:
    if diplotype is None:
        return "unknown", False
    alleles = diplotype.split("/")
    mapped = sorted(a if a in _MODELLED_ALLELES else "*1" for a in alleles)
    return "/".join(mapped), any(a not in _MODELLED_ALLELES for a in alleles)


class Completion(Contract):
    """Medians for missing age (decades), height and weight, learned from training cases."""

    age_decades: int
    height_cm: dict[str, float]
    weight_kg: dict[str, float]

    @classmethod
    def fit(cls, cases: Sequence[WarfarinCase]) -> Completion:
        ages = [c.age_decades for c in cases if c.age_decades is not None]
        return cls(
            age_decades=round(statistics.median(ages)) if ages else 6,
            height_cm=_group_medians((c, c.height_cm) for c in cases),
            weight_kg=_group_medians((c, c.weight_kg) for c in cases),
        )

    def complete(self, case: WarfarinCase) -> CompleteCase:
        imputed = []
        if case.age_decades is None:
            imputed.append("age")
        if case.height_cm is None:
            imputed.append("height")
        if case.weight_kg is None:
            imputed.append("weight")
        return CompleteCase(
            case=case,
            age_decades=self.age_decades if case.age_decades is None else case.age_decades,
            height_cm=_lookup(self.height_cm, case) if case.height_cm is None else case.height_cm,
            weight_kg=_lookup(self.weight_kg, case) if case.weight_kg is None else case.weight_kg,
            imputed=imputed,
        )


def _keys(case: WarfarinCase) -> list[str]:
    keys = [f"{case.sex}|{case.race}"] if case.sex is not None else []
    return [*keys, f"*|{case.race}", "*|*"]


def _group_medians(pairs: Iterable[tuple[WarfarinCase, float | None]]) -> dict[str, float]:
    groups: dict[str, list[float]] = defaultdict(list)
    for case, value in pairs:
        if value is not None:
            for key in _keys(case):
                groups[key].append(value)
    return {key: statistics.median(values) for key, values in sorted(groups.items()) if len(values) >= 5}


def _lookup(medians: dict[str, float], case: WarfarinCase) -> float:
    for key in _keys(case):
        if key in medians:
            return medians[key]
    raise ValueError("no median to impute from: the training data had fewer than 5 measured patients")


#: Feature names of the IWPC algorithm's inputs, in design-matrix order.
IWPC_FEATURES = [
    "age_decades",
    "height_cm",
    "weight_kg",
    "vkorc1_AG",
    "vkorc1_AA",
    "vkorc1_unknown",
    *(f"cyp2c9_{level}" for level in CYP2C9_LEVELS[1:]),
    "cyp2c9_unknown",
    "race_asian",
    "race_black",
    "race_missing_or_mixed",
    "enzyme_inducer",
    "amiodarone",
]
#: Always added for learned models: information the formula ignores but the data records.
EXTRA_FEATURES = ["male", "cyp2c9_other_allele", "age_imputed", "height_imputed", "weight_imputed"]


def feature_names(extra_flags: Sequence[str] = ()) -> list[str]:
    return [*IWPC_FEATURES, *EXTRA_FEATURES, *(f"flag_{name}" for name in extra_flags)]


def feature_row(c: CompleteCase, extra_flags: Sequence[str] = ()) -> list[float]:
    case = c.case
    values = [
        float(c.age_decades),
        c.height_cm,
        c.weight_kg,
        float(case.vkorc1 == "AG"),
        float(case.vkorc1 == "AA"),
        float(case.vkorc1 == "unknown"),
        *(float(case.cyp2c9 == level) for level in CYP2C9_LEVELS[1:]),
        float(case.cyp2c9 == "unknown"),
        float(case.race == "asian"),
        float(case.race == "black"),
        float(case.race == "missing_or_mixed"),
        float(case.enzyme_inducer),
        float(case.amiodarone),
        float(case.sex == "male"),
        float(case.cyp2c9_other_allele),
        float("age" in c.imputed),
        float("height" in c.imputed),
        float("weight" in c.imputed),
    ]
    return values + [float(bool(case.flags.get(name))) for name in extra_flags]


def design(cases: Sequence[CompleteCase], extra_flags: Sequence[str] = ()) -> np.ndarray:
    """The design matrix (one row per case, columns as :func:`feature_names`)."""
    width = len(feature_names(extra_flags))
    return np.array([feature_row(c, extra_flags) for c in cases], dtype=float).reshape(len(cases), width)


def display_value(c: CompleteCase, feature: str) -> str:
    """How a feature's value reads in an explanation (``VKORC1 AA``, ``height 172 cm (imputed)``)."""
    case = c.case
    if feature.startswith("vkorc1"):
        return f"{case.vkorc1} ({case.vkorc1_source})"
    if feature.startswith("cyp2c9_") and feature != "cyp2c9_other_allele":
        return case.cyp2c9
    if feature.startswith("race"):
        return case.race
    if feature in ("age_decades", "height_cm", "weight_kg"):
        suffix = " (imputed)" if feature.split("_")[0] in c.imputed else ""
        return f"{getattr(c, feature):g}{suffix}"
    if feature == "male":
        return case.sex or "not known"
    row = feature_row(c, [feature.removeprefix("flag_")] if feature.startswith("flag_") else [])
    names = feature_names([feature.removeprefix("flag_")] if feature.startswith("flag_") else [])
    return "yes" if row[names.index(feature)] else "no"
