"""The ClinVar table in a built bundle: P/LP, low-penetrance P/LP and P/LP-conflicting alleles, GRCh38.

The ``clinvar`` importer reads NCBI's ClinVar VCF and keeps only the records the hereditary engine can report
(benign, VUS and somatic-only records are dropped). It writes them compiled for loading: ``variants.json.gz`` (the
alleles, validated in one call by pydantic-core), ``loci.json.gz`` (the alleles merged into one locus per position,
what a genome read asks for) and ``release.json`` (:class:`ClinvarRelease`). Review status becomes ClinVar's gold
stars (:data:`STARS`).
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from pydantic import ConfigDict, TypeAdapter

from tailormed.knowledge.files import parse_model, read_model
from tailormed.knowledge.hereditary.models import ClinvarRelease, ClinvarVariant
from tailormed.model.genotype import Locus

if TYPE_CHECKING:
    from tailormed.knowledge.bundle import KnowledgeBundle

SOURCE = "clinvar"
VARIANTS_FILE = "variants.json.gz"
LOCI_FILE = "loci.json.gz"
RELEASE_FILE = "release.json"
#: Validators are built on first use, so importing this module stays cheap.
_DEFERRED = ConfigDict(defer_build=True)
_VARIANTS = TypeAdapter(list[ClinvarVariant], config=_DEFERRED)
_LOCI = TypeAdapter(list[Locus], config=_DEFERRED)
T = TypeVar("T")
#: ClinVar review status (CLNREVSTAT) -> gold stars, as ClinVar's documentation defines them.
STARS = {
    "practice_guideline": 4,
    "reviewed_by_expert_panel": 3,
    "criteria_provided,_multiple_submitters,_no_conflicts": 2,
    "criteria_provided,_single_submitter": 1,
    "criteria_provided,_conflicting_classifications": 1,
    "criteria_provided,_conflicting_interpretations": 1,
}


def review_stars(review_status: str) -> int:
    """Gold stars of a CLNREVSTAT value; anything without assertion criteria is 0.

    >>> review_stars("reviewed_by_expert_panel"), review_stars("no_assertion_criteria_provided")
    (3, 0)
    """
    return STARS.get(review_status, 0)


def compiled_variants(variants: Sequence[ClinvarVariant]) -> bytes:
    """``variants.json.gz``: the alleles as one JSON array (gzip without a timestamp, so builds are reproducible)."""
    return gzip.compress(_VARIANTS.dump_json(list(variants), exclude_defaults=True), mtime=0)


def compiled_loci(loci: Sequence[Locus]) -> bytes:
    """``loci.json.gz``: one merged locus per position."""
    return gzip.compress(_LOCI.dump_json(list(loci), exclude_defaults=True), mtime=0)


def has_clinvar(bundle: KnowledgeBundle) -> bool:
    return bundle.has(SOURCE)


def load_release(bundle: KnowledgeBundle) -> ClinvarRelease:
    path = bundle.path(SOURCE, RELEASE_FILE)
    return parse_model(bundle.read_json(SOURCE, RELEASE_FILE), ClinvarRelease, "ClinVar release summary", path)


def load_clinvar(bundle: KnowledgeBundle) -> list[ClinvarVariant]:
    """Every allele of the bundle's ClinVar table, read once per bundle (never mutate it); KnowledgeError naming the
    file when it is not a valid table."""
    return bundle.loaded(
        (SOURCE, VARIANTS_FILE),
        lambda: read_model(bundle.path(SOURCE, VARIANTS_FILE), list[ClinvarVariant], "ClinVar table"),
    )


def load_loci(bundle: KnowledgeBundle) -> list[Locus]:
    """The ClinVar alleles merged into one knowledge locus per position, as the importer compiled them."""
    return read_model(bundle.path(SOURCE, LOCI_FILE), list[Locus], "ClinVar loci")
