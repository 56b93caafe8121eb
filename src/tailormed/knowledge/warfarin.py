"""The published warfarin baselines as data: the IWPC pharmacogenetic algorithm (``warfarin.yaml``, shared with
the PGx engine) and the clinical algorithm, VKORC1 imputation, fixed dose and dose bands (``iwpc-baselines.yaml``),
both from the curated source ``warfarin-dosing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field

from tailormed.knowledge.files import parse_model, read_yaml
from tailormed.knowledge.pgx.dosing import CURATED_FOLDER, SOURCE, IwpcCoefficients, WarfarinModel, load_warfarin
from tailormed.knowledge.pgx.dosing import read_warfarin as read_pharmacogenetic
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract

BASELINES_FILE = "iwpc-baselines.yaml"
#: The race groups of the IWPC data set and algorithms.
Race = Literal["white", "asian", "black", "missing_or_mixed"]


class ClinicalCoefficients(Sourced):
    """sqrt(weekly dose, mg) = intercept + age, height, weight, race, enzyme inducer and amiodarone terms."""

    claims = ("intercept", "age_decades", "height_cm", "weight_kg", "race", "enzyme_inducer", "amiodarone")

    citation: str
    intercept: float
    age_decades: float
    height_cm: float
    weight_kg: float
    race: dict[Race, float]
    enzyme_inducer: float
    amiodarone: float


class ImputationRule(Contract):
    snp: str
    races: list[Race]
    genotypes: dict[str, str] = Field(description="genotype of the linked SNP -> rs9923231 genotype (GG, AG, AA)")


class VkorcImputation(Sourced):
    citation: str
    rules: list[ImputationRule]


class FixedDose(Sourced):
    claims = ("weekly_mg",)

    citation: str
    weekly_mg: float = Field(gt=0)


class DoseBands(Sourced):
    claims = ("low_at_most", "high_at_least", "within_fraction")

    citation: str
    low_at_most: float
    high_at_least: float
    within_fraction: float = Field(gt=0, lt=1)

    def band(self, dose: float) -> str:
        """``low``, ``intermediate`` or ``high`` for a weekly dose."""
        if dose <= self.low_at_most:
            return "low"
        return "high" if dose >= self.high_at_least else "intermediate"

    def labels(self) -> dict[str, str]:
        return {
            "low": f"<= {self.low_at_most:g}",
            "intermediate": f"{self.low_at_most:g}-{self.high_at_least:g}",
            "high": f">= {self.high_at_least:g}",
        }


class Baselines(Contract):
    version: str
    citations: dict[str, str]
    clinical: ClinicalCoefficients
    vkorc1_imputation: VkorcImputation
    fixed: FixedDose
    dose_bands: DoseBands


@dataclass(frozen=True)
class WarfarinKnowledge:
    """Everything the warfarin baselines need, with the source version for model cards."""

    pharmacogenetic: IwpcCoefficients
    baselines: Baselines
    version: str
    citation: str


class _Bundle(Protocol):
    def read_yaml(self, source: str, file: str) -> Any: ...


def load_knowledge(bundle: _Bundle | None = None) -> WarfarinKnowledge:
    """From a knowledge bundle, or from the curated core shipped in the package when ``bundle`` is None."""
    if bundle is None:
        model: WarfarinModel = read_pharmacogenetic()
        path = CURATED_FOLDER / BASELINES_FILE
        raw = read_yaml(path, "warfarin baselines")
        where: str | Path = path
    else:
        model = load_warfarin(bundle)
        raw = bundle.read_yaml(SOURCE, BASELINES_FILE)
        where = f"{SOURCE}/{BASELINES_FILE}"
    baselines = parse_model(raw, Baselines, "warfarin baselines", where)
    return WarfarinKnowledge(
        pharmacogenetic=model.iwpc,
        baselines=baselines,
        version=model.version,
        citation=model.citation(model.iwpc.citation),
    )
