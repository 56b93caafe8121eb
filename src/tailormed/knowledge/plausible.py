"""The plausibility ranges of the curated core (``curated/plausible-ranges/ranges.yaml``) as sourced facts.

Intake applies the ranges (:mod:`tailormed.intake.plausible` reads the same file, as intake sits below knowledge);
these models are how the curated-source test holds every band to the table cell it quotes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from tailormed.knowledge.files import parse_model
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract

if TYPE_CHECKING:
    from tailormed.knowledge.bundle import KnowledgeBundle

SOURCE = "plausible-ranges"
RANGES_FILE = "ranges.yaml"


class PlausibleBand(Sourced):
    """One table row's range: ages ``from_age`` up to (not including) ``to_age`` (None: no upper age)."""

    claims: ClassVar[tuple[str, ...]] = ("low", "high")

    from_age: float = Field(ge=0)
    to_age: float | None = None
    low: float
    high: float


class PlausibleRange(Contract):
    """One measurement: the LOINC codes it is recorded under, the table's unit, and its bands."""

    name: str = Field(min_length=1)
    loinc: tuple[str, ...] = Field(min_length=1)
    unit: str = Field(min_length=1)
    substance: str | None = Field(default=None, description="whose molar mass converts mg/dL and g/L")
    bands: tuple[PlausibleBand, ...] = Field(min_length=1)


class PlausibleRanges(Contract):
    """The whole file: why the ranges exist (the protocol's words) and the ranges."""

    purpose: Sourced
    ranges: tuple[PlausibleRange, ...] = Field(min_length=1)


def load_plausible_ranges(bundle: KnowledgeBundle) -> PlausibleRanges:
    """The curated plausibility ranges, validated (every band needs its quoted cell)."""
    return parse_model(
        bundle.read_yaml(SOURCE, RANGES_FILE), PlausibleRanges, "plausibility ranges", bundle.path(SOURCE, RANGES_FILE)
    )
