"""The ClinVar table in a built bundle: P/LP, low-penetrance P/LP and P/LP-conflicting alleles, GRCh38.

The ``clinvar`` importer reads NCBI's ClinVar VCF and keeps only the records the hereditary engine can report
(benign, VUS and somatic-only records are dropped), as ``variants.tsv.gz`` with :data:`COLUMNS`, plus
``release.json`` (:class:`ClinvarRelease`). Review status becomes ClinVar's gold stars (:data:`STARS`).
"""

from __future__ import annotations

import gzip
import io
from typing import TYPE_CHECKING

from pydantic import ValidationError

from tailormed.errors import KnowledgeError
from tailormed.knowledge.files import parse_model
from tailormed.knowledge.hereditary.models import ClinvarRelease, ClinvarVariant, Significance

if TYPE_CHECKING:
    from tailormed.knowledge.bundle import KnowledgeBundle

SOURCE = "clinvar"
VARIANTS_FILE = "variants.tsv.gz"
RELEASE_FILE = "release.json"
COLUMNS = (
    "chrom",
    "pos",
    "ref",
    "alt",
    "variation_id",
    "genes",
    "clnsig",
    "significance",
    "review_status",
    "stars",
    "conflicts",
    "conditions",
    "hgvs",
    "rsid",
    "consequences",
)
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


def variant_row(variant: ClinvarVariant) -> str:
    """One line of ``variants.tsv.gz``."""
    fields = (
        variant.chrom,
        str(variant.pos),
        variant.ref,
        variant.alt,
        variant.variation_id,
        ",".join(variant.genes),
        variant.clnsig,
        variant.significance.value,
        variant.review_status,
        str(variant.stars),
        variant.conflicts or "",
        "|".join(variant.conditions),
        variant.hgvs or "",
        variant.rsid or "",
        ",".join(variant.consequences),
    )
    return "\t".join(fields) + "\n"


def has_clinvar(bundle: KnowledgeBundle) -> bool:
    return bundle.has(SOURCE)


def load_release(bundle: KnowledgeBundle) -> ClinvarRelease:
    path = bundle.path(SOURCE, RELEASE_FILE)
    return parse_model(bundle.read_json(SOURCE, RELEASE_FILE), ClinvarRelease, "ClinVar release summary", path)


def load_clinvar(bundle: KnowledgeBundle) -> list[ClinvarVariant]:
    """Every allele of the bundle's ClinVar table; KnowledgeError naming the line of any malformed row."""
    path = bundle.path(SOURCE, VARIANTS_FILE)
    try:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"cannot read the ClinVar table ({exc})", source=path) from exc
    lines = io.StringIO(text)
    header = lines.readline().rstrip("\n").split("\t")
    if tuple(header) != COLUMNS:
        raise KnowledgeError(f"unexpected header (expected {', '.join(COLUMNS)})", source=path, location="line 1")
    variants = []
    for number, line in enumerate(lines, start=2):
        fields = line.rstrip("\n").split("\t")
        if len(fields) != len(COLUMNS):
            raise KnowledgeError(
                f"expected {len(COLUMNS)} fields, found {len(fields)}", source=path, location=f"line {number}"
            )
        row = dict(zip(COLUMNS, fields, strict=True))
        try:
            variants.append(
                ClinvarVariant(
                    chrom=row["chrom"],
                    pos=int(row["pos"]),
                    ref=row["ref"],
                    alt=row["alt"],
                    variation_id=row["variation_id"],
                    genes=tuple(g for g in row["genes"].split(",") if g),
                    clnsig=row["clnsig"],
                    significance=Significance(row["significance"]),
                    review_status=row["review_status"],
                    stars=int(row["stars"]),
                    conflicts=row["conflicts"] or None,
                    conditions=tuple(c for c in row["conditions"].split("|") if c),
                    hgvs=row["hgvs"] or None,
                    rsid=row["rsid"] or None,
                    consequences=tuple(c for c in row["consequences"].split(",") if c),
                )
            )
        except (ValueError, ValidationError) as exc:
            raise KnowledgeError(f"invalid ClinVar row ({exc})", source=path, location=f"line {number}") from exc
    return variants
