"""The PGS Catalog source of a built bundle and the curated polygenic-score panel, as typed models.

``pgs-catalog`` (built by :mod:`tailormed.knowledge.importers.pgs_catalog`) holds scoring files as published, an
index of them with the Catalog's metadata (trait, method, ancestry distributions, licence), reference bases at
scored sites and empirical reference distributions where upstream gives them. ``prs-panel`` (curated) says which
scores the care plan uses and with which published per-SD effect.
"""

from __future__ import annotations

from pydantic import Field, ValidationError

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.files import read_model
from tailormed.knowledge.sourcing import Sourced
from tailormed.model.base import Contract
from tailormed.model.genotype import GenomeBuild

SOURCE = "pgs-catalog"
PANEL_SOURCE = "prs-panel"
INDEX_FILE = "scores.json"
REFERENCE_ALLELES_FILE = "reference_alleles.json"
PANEL_FILE = "panel.yaml"


class ScoreFileRef(Contract):
    """One scoring file in the bundle and the build(s) it gives positions in."""

    file: str
    builds: list[GenomeBuild]
    variants: int
    harmonized: bool


class ReferenceDistribution(Contract):
    """Empirical quantiles of a score's SUM in a reference cohort: ``values[i]`` is the ``levels[i]`` percentile."""

    cohort: str
    ancestry: str = Field(description="Ancestry group of the cohort, as the PGS Catalog names groups")
    samples: int
    build: GenomeBuild
    levels: list[float] = Field(min_length=2)
    values: list[float] = Field(min_length=2)
    source_file: str


class CatalogScore(Contract):
    """What the PGS Catalog says about one score (metadata table) and which files the bundle holds for it."""

    pgs_id: str
    pgs_name: str | None = None
    trait_reported: str | None = None
    trait_mapped: str | None = None
    method: str | None = None
    variants_number: int | None = None
    weight_type: str | None = None
    publication_pmid: str | None = None
    publication_doi: str | None = None
    ancestry_gwas: dict[str, float] = Field(default_factory=dict)
    ancestry_development: dict[str, float] = Field(default_factory=dict)
    ancestry_evaluation: dict[str, float] = Field(default_factory=dict)
    licence: str | None = None
    release_date: str | None = None
    files: list[ScoreFileRef] = Field(default_factory=list)
    reference_distributions: list[ReferenceDistribution] = Field(default_factory=list)

    def file_for(self, build: GenomeBuild) -> ScoreFileRef | None:
        """The scoring file with positions in ``build``, harmonized files first."""
        usable = [f for f in self.files if build in f.builds]
        return sorted(usable, key=lambda f: not f.harmonized)[0] if usable else None


class CatalogIndex(Contract):
    version: str
    scores: dict[str, CatalogScore]


class PanelScore(Sourced):
    """A score the care plan uses: its trait, the published effect per SD and the risk model it can adjust."""

    claims = ("per_sd", "per_sd_low", "per_sd_high")

    pgs_id: str
    trait: str
    condition: str = Field(description="Condition as the plan names it, e.g. 'Breast cancer'")
    effect_measure: str = Field(description="'OR' or 'HR' per standard deviation of the score")
    per_sd: float = Field(gt=0)
    per_sd_low: float = Field(gt=0)
    per_sd_high: float = Field(gt=0)
    effect_population: str = Field(description="Where the per-SD effect was estimated")
    citation: str
    adjusts_model: str | None = Field(default=None, description="Clinical model id it multiplies, e.g. 'gail'")
    sex: str | None = Field(default=None, description="'female'/'male' when the score applies to one sex only")
    validated_ancestries: list[str] = Field(description="Ancestry groups the effect was validated in")


class Panel(Contract):
    version: str
    scores: list[PanelScore]


def load_index(bundle: KnowledgeBundle) -> CatalogIndex:
    """The catalog's score index, validated straight from its JSON bytes once per bundle; never mutate it."""
    return bundle.loaded(
        (SOURCE, INDEX_FILE), lambda: read_model(bundle.path(SOURCE, INDEX_FILE), CatalogIndex, "PGS Catalog index")
    )


def load_panel(bundle: KnowledgeBundle) -> Panel:
    try:
        return Panel.model_validate(bundle.read_yaml(PANEL_SOURCE, PANEL_FILE))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise KnowledgeError(f"invalid PRS panel: {first['msg']}", source=PANEL_SOURCE, location=where) from exc


def load_reference_alleles(bundle: KnowledgeBundle, build: GenomeBuild) -> dict[tuple[str, int], str]:
    """(canonical chrom, position) -> reference base(s) at scored sites in ``build``; empty without the source."""
    if not bundle.has(SOURCE) or REFERENCE_ALLELES_FILE not in bundle.source(SOURCE).files:
        return {}
    raw = bundle.read_json(SOURCE, REFERENCE_ALLELES_FILE)
    table = raw.get(build.value, {}) if isinstance(raw, dict) else {}
    found: dict[tuple[str, int], str] = {}
    for key, ref in table.items():
        chrom, _, pos = key.rpartition(":")
        found[(chrom, int(pos))] = ref
    return found
