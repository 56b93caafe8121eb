"""The plausibility ranges (source ``plausible-ranges``: the curated core's ``ranges.yaml``, or a built bundle's own
file of the same form) as sourced facts, each band held to the table cell it quotes.

This is the one reader of the ranges: intake applies what it returns (:class:`tailormed.intake.plausible.Plausibility`
is built from these models by the caller, as intake sits below knowledge), and the curated-source test checks each
quote against its claims.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, model_validator

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

    @model_validator(mode="after")
    def _quotes_its_cell(self) -> PlausibleBand:
        """A band is read from one table cell ``low-high``: a range no quote holds is refused as it is loaded."""
        cell = f"{self.low:g}-{self.high:g}"
        if self.low >= self.high:
            raise ValueError(f"the band {cell} holds no value")
        if not any(cell in source.quote for source in self.sources):
            raise ValueError(f"the band {cell} quotes no table cell holding it")
        if self.to_age is not None and self.to_age <= self.from_age:
            raise ValueError(f"ages {self.from_age:g} to {self.to_age:g} hold no one")
        return self


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
    """The bundle's plausibility ranges, validated (every band needs its quoted cell); a bundle without the source
    is a KnowledgeError naming it, never a run without the check."""
    return bundle.loaded(
        (SOURCE,),
        lambda: read_plausible_ranges(bundle.read_yaml(SOURCE, RANGES_FILE), bundle.path(SOURCE, RANGES_FILE)),
    )


def read_plausible_ranges(data: object, path: Path) -> PlausibleRanges:
    """Parsed ranges ``data`` (from ``path``) validated; errors name the file and the field."""
    return parse_model(data, PlausibleRanges, "plausibility ranges", path)
