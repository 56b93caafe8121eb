"""AMP/ASCO/CAP tier of one piece of evidence for one patient's tumour type (Li et al., J Mol Diagn 2017).

The evidence's level is stated for its own indication. For the patient:

* same tumour type, a descendant of it in OncoTree, or a pan-cancer (tumour-agnostic) indication:
  level A -> Tier I-A, B -> I-B, C -> II-C, D -> II-D;
* another tumour type (or an indication the crosswalk cannot place): A/B -> Tier II-C (approved or
  well-supported elsewhere), C/D -> Tier III (weak evidence from another tumour type, as PCGR does).

A pan-cancer label that excludes a tumour type (dabrafenib + trametinib for BRAF V600E solid tumours, except
colorectal) counts as another tumour type for the excluded one.
"""

from __future__ import annotations

from enum import StrEnum

from tailormed.knowledge.onco.core import OncoTree
from tailormed.knowledge.onco.evidence import PAN_CANCER, AmpLevel, BiomarkerEvidence


class Relation(StrEnum):
    SAME = "same_type"
    PAN_CANCER = "pan_cancer"
    OTHER = "other_type"


def relation(tumour_type: str, row: BiomarkerEvidence, tree: OncoTree) -> Relation:
    """How the patient's tumour (OncoTree code) relates to the evidence's indication."""
    if any(tree.is_within(tumour_type, excluded) for excluded in row.excluded_oncotree):
        return Relation.OTHER
    if row.oncotree == PAN_CANCER:
        return Relation.PAN_CANCER
    if row.oncotree is not None and tree.is_within(tumour_type, row.oncotree):
        return Relation.SAME
    return Relation.OTHER


def amp_tier(related: Relation, level: AmpLevel) -> str:
    """``I-A``, ``I-B``, ``II-C``, ``II-D`` or ``III``.

    >>> amp_tier(Relation.SAME, AmpLevel.A), amp_tier(Relation.OTHER, AmpLevel.A), amp_tier(Relation.OTHER, AmpLevel.D)
    ('I-A', 'II-C', 'III')
    """
    if related is Relation.OTHER:
        return "II-C" if level in (AmpLevel.A, AmpLevel.B) else "III"
    return {AmpLevel.A: "I-A", AmpLevel.B: "I-B", AmpLevel.C: "II-C", AmpLevel.D: "II-D"}[level]


TIER_ORDER = {"I-A": 0, "I-B": 1, "II-C": 2, "II-D": 3, "III": 4}
