"""Genotype-guided dosing equations as data: the IWPC warfarin algorithm and the CPIC 2017 adjustments to it.

The curated source ``warfarin-dosing`` (``warfarin.yaml``) holds the published coefficients; the arithmetic is
in :mod:`tailormed.engines.pgx.dosing`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import Field

from tailormed.knowledge.files import parse_model, read_yaml
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract

SOURCE = "warfarin-dosing"
WARFARIN_FILE = "warfarin.yaml"
CURATED_FOLDER = Path(__file__).resolve().parents[1] / "curated" / SOURCE


class IwpcCoefficients(Sourced):
    """sqrt(weekly dose, mg) = intercept + sum of coefficient x input."""

    claims = ("intercept", "age_decades", "height_cm", "weight_kg", "vkorc1_rs9923231", "cyp2c9", "race",
              "enzyme_inducer", "amiodarone")  # fmt: skip

    citation: str
    intercept: float
    age_decades: float
    height_cm: float
    weight_kg: float
    vkorc1_rs9923231: dict[str, float]
    cyp2c9: dict[str, float]
    race: dict[str, float]
    enzyme_inducer: float
    amiodarone: float
    enzyme_inducer_drugs: list[str]
    amiodarone_drugs: list[str]
    race_terms: dict[str, list[str]]


class VariantSite(Contract):
    rsid: str
    chrom: str
    pos: int
    ref: str
    alt: str


class DoseAdjustmentRule(Sourced):
    """A percentage change of the algorithm dose for carriers, in one ancestry group."""

    id: str
    ancestry: Literal["african", "non_african", "any"]
    gene: str | None = None
    alleles: list[str] = Field(default_factory=list)
    variant: VariantSite | None = None
    percent_low: float
    percent_high: float
    text: str


class CpicWarfarin(Contract):
    citation: str
    african_ancestry_populations: list[str]
    adjustments: list[DoseAdjustmentRule]


class WarfarinModel(Contract):
    source: str = SOURCE
    version: str
    citations: dict[str, str]
    iwpc: IwpcCoefficients
    cpic_2017: CpicWarfarin

    def citation(self, key: str) -> str:
        return self.citations.get(key, key)

    def adjustment_unverified(self, adjustment_id: str) -> str | None:
        """Why the CPIC adjustment ``adjustment_id`` has no quoted source (None when it has one)."""
        rule = next((r for r in self.cpic_2017.adjustments if r.id == adjustment_id), None)
        return rule.unverified.reason if rule is not None and rule.unverified is not None else None


class _Bundle(Protocol):
    def read_yaml(self, source: str, file: str) -> Any: ...


def parse_warfarin(data: object, source: str | Path) -> WarfarinModel:
    return parse_model(data, WarfarinModel, "warfarin model", source)


def read_warfarin(path: Path = CURATED_FOLDER / WARFARIN_FILE) -> WarfarinModel:
    """Read a warfarin model YAML file (by default the one shipped in the curated core)."""
    return parse_warfarin(read_yaml(path, "warfarin model"), path)


def load_warfarin(bundle: _Bundle, source: str = SOURCE) -> WarfarinModel:
    """The warfarin model of a knowledge bundle."""
    return parse_warfarin(bundle.read_yaml(source, WARFARIN_FILE), f"{source}/{WARFARIN_FILE}")
