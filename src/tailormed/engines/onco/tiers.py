"""AMP/ASCO/CAP tier of one piece of evidence for one patient's tumour type (Li et al., J Mol Diagn 2017).

The evidence's level is stated for its own indication. For the patient:

* same tumour type, a descendant of it in OncoTree (of any of the types a label names, as epithelial ovarian,
  fallopian tube and primary peritoneal cancer), or a tumour-agnostic indication whose scope and exclusions the
  tumour is known to meet: level A -> Tier I-A, B -> I-B, C -> II-C, D -> II-D;
* another tumour type, an indication the crosswalk cannot place, or one the tumour type given cannot be placed
  in (a tissue such as ``BOWEL`` for a colorectal indication or ``OVARY`` for an epithelial ovarian one, which may
  be a germ cell or sex cord tumour; a label's exclusion that the tumour type does not rule out, an unknown tumour
  type for a label with exclusions): A/B -> Tier II-C, C/D -> Tier III.

A tumour-agnostic label that excludes a tumour type (dabrafenib + trametinib for BRAF V600E solid tumours, except
colorectal) is another tumour type for the excluded one and its descendants, and cannot be on-label for a tumour
coded only as far as a tissue that holds the excluded type. Labels for solid tumours leave out the myeloid and
lymphoid tissues. A cancer of unknown primary (``CUP``) meets every tumour-agnostic solid-tumour label.

A tumour whose alterations define a narrower type (``defined``: an AML with PML::RARA is APL with PML::RARA, by the
WHO classification) is of that type too: the narrower type's evidence is on-label, and its exclusions apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from tailormed.knowledge.onco.evidence import PAN_CANCER, AmpLevel, BiomarkerEvidence
from tailormed.knowledge.onco.oncotree import UNKNOWN_TUMOUR, OncoTree

#: OncoTree tissues that are not solid tumours (left out of tumour-agnostic solid-tumour labels).
HAEMATOLOGICAL_TISSUES = ("MYELOID", "LYMPH")


class Relation(StrEnum):
    SAME = "same_type"
    PAN_CANCER = "pan_cancer"
    OTHER = "other_type"
    UNRESOLVED = "not_resolved"


def relation(
    tumour_type: str, row: BiomarkerEvidence, tree: OncoTree, defined: Mapping[str, str] | None = None
) -> tuple[Relation, str | None]:
    """How the patient's tumour (OncoTree code or ``UNKNOWN``) relates to the evidence's indication, and why not
    on-label when the tumour type given cannot settle it (or why on-label when the tumour's alteration does).

    ``defined`` maps the narrower types the tumour's alterations define to the alteration that defines each.
    """
    unknown = tumour_type == UNKNOWN_TUMOUR
    defined = {} if unknown or defined is None else defined
    known = [tumour_type, *defined]
    excluded = list(row.excluded_oncotree)
    if row.solid_tumours_only and not unknown:
        excluded += HAEMATOLOGICAL_TISSUES
    for code in excluded:
        if not unknown and any(tree.is_within(kind, code) for kind in known):
            return Relation.OTHER, None
    pending = [c for c in row.excluded_oncotree if unknown or tree.is_within(c, tumour_type)]
    if pending:
        names = ", ".join(f"{tree.name(c)} ({c})" for c in pending)
        given = "the tumour type is not known" if unknown else f"{tumour_type} may be one of them"
        return Relation.UNRESOLVED, f"the indication excludes {names}; {given}"
    if row.oncotree == PAN_CANCER:
        return Relation.PAN_CANCER, None
    codes = row.indication_codes
    if unknown or not codes:
        return Relation.OTHER, None
    if any(tree.is_within(tumour_type, code) for code in codes):
        return Relation.SAME, None
    for subtype, alteration in defined.items():
        if any(tree.is_within(subtype, code) for code in codes):
            return Relation.SAME, f"{tumour_type} with {alteration} is {tree.name(subtype)} ({subtype})"
    narrower = [code for code in codes if tree.is_within(code, tumour_type)]
    if narrower:
        names = ", ".join(f"{tree.name(code)} ({code})" for code in narrower)
        return Relation.UNRESOLVED, f"the indication is {names}; {tumour_type} is broader"
    return Relation.OTHER, None


def amp_tier(related: Relation, level: AmpLevel) -> str:
    """``I-A``, ``I-B``, ``II-C``, ``II-D`` or ``III``.

    >>> amp_tier(Relation.SAME, AmpLevel.A), amp_tier(Relation.OTHER, AmpLevel.A), amp_tier(Relation.OTHER, AmpLevel.D)
    ('I-A', 'II-C', 'III')
    >>> amp_tier(Relation.UNRESOLVED, AmpLevel.A)
    'II-C'
    """
    if related in (Relation.OTHER, Relation.UNRESOLVED):
        return "II-C" if level in (AmpLevel.A, AmpLevel.B) else "III"
    return {AmpLevel.A: "I-A", AmpLevel.B: "I-B", AmpLevel.C: "II-C", AmpLevel.D: "II-D"}[level]


TIER_ORDER = {"I-A": 0, "I-B": 1, "II-C": 2, "II-D": 3, "III": 4}
