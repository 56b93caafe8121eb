"""Shared base for every contract model: strict about unknown fields, JSON-serializable, immutable."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """A hand-off model between pipeline stages.

    Unknown fields are rejected so that a typo in a record (``medicatons:``) is an error rather than
    silently dropped data.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_enum_values=False, defer_build=True
    )


class Coding(Contract):
    """A code from a terminology (SNOMED CT, ICD-10, LOINC, RxNorm, ATC, HPO, OncoTree, DUO ...)."""

    system: str
    code: str
    display: str | None = None


class NotAssessed(Contract):
    """Something a result could not take into account, and why (e.g. a position not called)."""

    item: str
    reason: str
