"""Enumerations that contracts and the command line share, in a module without pydantic so options can name them
without loading the models (``tailormed --help`` stays fast)."""

from __future__ import annotations

from enum import StrEnum


class GenomeBuild(StrEnum):
    """Reference assembly; coordinates from one are meaningless in the other."""

    GRCH37 = "GRCh37"
    GRCH38 = "GRCh38"


class Sex(StrEnum):
    """Sex assigned at birth, as used by risk equations and X-chromosome genotyping."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"
