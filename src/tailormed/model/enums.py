"""Enumerations that contracts and the command line share, in a module without pydantic so options can name them
without loading the models (``tailormed --help`` stays fast)."""

from __future__ import annotations

import re
from enum import StrEnum


class GenomeBuild(StrEnum):
    """Reference assembly; coordinates from one are meaningless in the other."""

    GRCH37 = "GRCh37"
    GRCH38 = "GRCh38"

    @classmethod
    def named(cls, name: str) -> GenomeBuild:
        """The build a user's name for it means: ``GRCh37``, ``hg19``, ``b37``, ``GRCh37.p13``, ... (any case).

        >>> GenomeBuild.named("hg19"), GenomeBuild.named("GRCh38.p14")
        (<GenomeBuild.GRCH37: 'GRCh37'>, <GenomeBuild.GRCH38: 'GRCh38'>)
        """
        text = _PATCH.sub(r"\1", name.strip()).lower()
        for build, aliases in BUILD_ALIASES.items():
            if text in (alias.lower() for alias in aliases):
                return build
        raise ValueError(f"unknown genome build {name!r}; accepted: {accepted_build_names()}")


#: The names each build goes by: GRC, UCSC (hg19/hg38: the same coordinates with ``chr`` names), and the GATK /
#: 1000 Genomes reference names (b37, hs37d5, b38, hs38DH); matched in any case. A GRC name may carry its patch
#: (``GRCh37.p13``): patches add alternate sequences and never move the primary assembly's coordinates.
BUILD_ALIASES: dict[GenomeBuild, tuple[str, ...]] = {
    GenomeBuild.GRCH37: ("GRCh37", "hg19", "b37", "hs37d5"),
    GenomeBuild.GRCH38: ("GRCh38", "hg38", "b38", "hs38DH"),
}
_PATCH = re.compile(r"^(GRCh3[78])\.p[0-9]{1,2}$", re.IGNORECASE)


def accepted_build_names() -> str:
    """The accepted names, as an error message lists them."""
    return "; ".join(
        f"{', '.join(aliases)} or {build}.pN (patch) for {build}" for build, aliases in BUILD_ALIASES.items()
    )


class Sex(StrEnum):
    """Sex assigned at birth, as used by risk equations and X-chromosome genotyping."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class DiseaseExtent(StrEnum):
    """How far a solid tumour has spread, in the three settings oncology labels and guidelines name (ESMO's early,
    locally advanced and metastatic disease).

    ``early``: no distant spread and resectable or resected (treated with curative intent: neoadjuvant or adjuvant
    therapy); ``locally_advanced``: no distant spread but unresectable; ``metastatic``: distant metastases (stage
    IV in most AJCC staging schemes, M1).
    """

    EARLY = "early"
    LOCALLY_ADVANCED = "locally_advanced"
    METASTATIC = "metastatic"

    @property
    def words(self) -> str:
        """The extent as a sentence writes it.

        >>> DiseaseExtent.EARLY.words, DiseaseExtent.LOCALLY_ADVANCED.words
        ('early (resectable or resected)', 'locally advanced (unresectable)')
        """
        return {
            DiseaseExtent.EARLY: "early (resectable or resected)",
            DiseaseExtent.LOCALLY_ADVANCED: "locally advanced (unresectable)",
            DiseaseExtent.METASTATIC: "metastatic",
        }[self]


def extents_words(extents: list[DiseaseExtent] | tuple[DiseaseExtent, ...]) -> str:
    """Several extents as one phrase, in the enum's order.

    >>> extents_words([DiseaseExtent.METASTATIC, DiseaseExtent.LOCALLY_ADVANCED])
    'locally advanced (unresectable) or metastatic'
    """
    ordered = [extent.words for extent in DiseaseExtent if extent in extents]
    return " or ".join(ordered)
