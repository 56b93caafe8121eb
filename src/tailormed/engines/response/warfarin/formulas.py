"""The published baselines as dose models: the IWPC pharmacogenetic and clinical algorithms and a fixed dose.

Each predicts sqrt(weekly dose) like the learned models do, and explains a prediction as the formula's own terms
(coefficient x input), so learned and published models are compared and explained the same way. Coefficients come
from the knowledge bundle (:mod:`.knowledge`), never from this module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tailormed.engines.response.warfarin.features import CompleteCase, display_value
from tailormed.knowledge.pgx.dosing import IwpcCoefficients
from tailormed.knowledge.warfarin import ClinicalCoefficients, WarfarinKnowledge
from tailormed.model.payloads import Contribution

PHARMACOGENETIC = "iwpc-pharmacogenetic"
CLINICAL = "iwpc-clinical"
FIXED = "fixed-dose"


@dataclass(frozen=True)
class Explained:
    """sqrt(weekly dose) as a baseline plus additive contributions on the same scale."""

    baseline: float
    contributions: list[Contribution]

    @property
    def sqrt_dose(self) -> float:
        return self.baseline + sum(c.effect for c in self.contributions)


class PharmacogeneticFormula:
    name = PHARMACOGENETIC

    def __init__(self, coefficients: IwpcCoefficients) -> None:
        self.k = coefficients

    def explain_one(self, c: CompleteCase) -> Explained:
        k, case = self.k, c.case
        vkorc1 = case.vkorc1 if case.vkorc1 in k.vkorc1_rs9923231 else "unknown"
        cyp2c9 = case.cyp2c9 if case.cyp2c9 in k.cyp2c9 else "unknown"
        terms = [
            *_measurements(c, k.age_decades, k.height_cm, k.weight_kg),
            Contribution(feature="vkorc1", value=display_value(c, "vkorc1"), effect=k.vkorc1_rs9923231[vkorc1]),
            Contribution(feature="cyp2c9", value=display_value(c, "cyp2c9_"), effect=k.cyp2c9[cyp2c9]),
            Contribution(feature="race", value=case.race, effect=k.race[case.race]),
            *_drugs(c, k.enzyme_inducer, k.amiodarone),
        ]
        return Explained(baseline=k.intercept, contributions=terms)

    def predict_sqrt(self, cases: Sequence[CompleteCase]) -> np.ndarray:
        return np.array([self.explain_one(c).sqrt_dose for c in cases], dtype=float)


class ClinicalFormula:
    name = CLINICAL

    def __init__(self, coefficients: ClinicalCoefficients) -> None:
        self.k = coefficients

    def explain_one(self, c: CompleteCase) -> Explained:
        k = self.k
        terms = [
            *_measurements(c, k.age_decades, k.height_cm, k.weight_kg),
            Contribution(feature="race", value=c.case.race, effect=k.race[c.case.race]),
            *_drugs(c, k.enzyme_inducer, k.amiodarone),
        ]
        return Explained(baseline=k.intercept, contributions=terms)

    def predict_sqrt(self, cases: Sequence[CompleteCase]) -> np.ndarray:
        return np.array([self.explain_one(c).sqrt_dose for c in cases], dtype=float)


class FixedFormula:
    name = FIXED

    def __init__(self, weekly_mg: float) -> None:
        self.root = math.sqrt(weekly_mg)

    def explain_one(self, c: CompleteCase) -> Explained:
        return Explained(baseline=self.root, contributions=[])

    def predict_sqrt(self, cases: Sequence[CompleteCase]) -> np.ndarray:
        return np.full(len(cases), self.root, dtype=float)


Formula = PharmacogeneticFormula | ClinicalFormula | FixedFormula


def formulas(knowledge: WarfarinKnowledge) -> dict[str, Formula]:
    """The three published baselines by name."""
    return {
        PHARMACOGENETIC: PharmacogeneticFormula(knowledge.pharmacogenetic),
        CLINICAL: ClinicalFormula(knowledge.baselines.clinical),
        FIXED: FixedFormula(knowledge.baselines.fixed.weekly_mg),
    }


def _measurements(c: CompleteCase, age: float, height: float, weight: float) -> list[Contribution]:
    return [
        Contribution(feature="age_decades", value=display_value(c, "age_decades"), effect=age * c.age_decades),
        Contribution(feature="height_cm", value=display_value(c, "height_cm"), effect=height * c.height_cm),
        Contribution(feature="weight_kg", value=display_value(c, "weight_kg"), effect=weight * c.weight_kg),
    ]


def _drugs(c: CompleteCase, inducer: float, amiodarone: float) -> list[Contribution]:
    return [
        Contribution(feature="enzyme_inducer", value="yes" if c.case.enzyme_inducer else "no",
                     effect=inducer * c.case.enzyme_inducer),
        Contribution(feature="amiodarone", value="yes" if c.case.amiodarone else "no",
                     effect=amiodarone * c.case.amiodarone),
    ]
