"""One reading of HER2 status for every breast label, as ASCO/CAP and the labels' own words define it: IHC 3+ or ERBB2
amplification (ISH-positive) is HER2-positive; IHC 0 or 1+ is HER2-negative without an ISH test; IHC 2+ is equivocal
until ISH says. The PD-L1 CPS >= 10 triple-negative labels need the tumour's triple-negative state, read from its ER,
PR and HER2 results as the triple-negative labels read it; a receptor not stated is the condition, never negative."""

from __future__ import annotations

import pytest

from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TherapyMatch, TumourProfile, match_profile
from tailormed.engines.onco.tiers import Relation
from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.onco.core import CuratedEvidence, curated_evidence, curated_rows
from tailormed.model.alteration import AlterationKind, parse_alteration
from tailormed.model.enums import DiseaseExtent
from tailormed.model.patient import ProteinExpression

PD_L1_ROWS = (
    "onco-core:tnbc-pdl1-cps10-pembrolizumab-chemotherapy",
    "onco-core:tnbc-pdl1-cps10-sacituzumab-pembrolizumab",
)
TRIPLE_NEGATIVE_ROW = "onco-core:tnbc-sacituzumab-govitecan"
NEEDS = "only for triple-negative breast cancer"


def run(knowledge: OncoKnowledge, *texts: str, tumour: str = "IDC") -> OncoResult:
    alterations = [parse_alteration(t) for t in texts]
    profile = TumourProfile(case_id="t", tumour_type=tumour, extent=DiseaseExtent.METASTATIC, alterations=alterations)
    return match_profile(profile, knowledge)


def rows(result: OncoResult, *ids: str) -> dict[str, TherapyMatch]:
    return {m.row.id: m for m in result.matches if m.row.id in ids}


# --- grammar: an ISH result that found no amplification -------------------------------------------------------
@pytest.mark.parametrize("text", ["HER2 ISH negative", "HER2 ISH-negative", "ERBB2 ISH negative"])
def test_her2_ish_negative_is_a_result(text: str) -> None:
    alteration = parse_alteration(text)
    assert alteration.kind is AlterationKind.EXPRESSION and alteration.gene == "ERBB2"
    assert alteration.label == "ERBB2 (HER2) ISH negative"
    assert ProteinExpression(marker="HER2", result="ISH negative").alteration() == alteration


def test_her2_ish_positive_is_written_as_amplification() -> None:
    with pytest.raises(ValueError, match="ERBB2 amplification"):
        parse_alteration("HER2 ISH positive")
    with pytest.raises(ValueError, match="ISH"):
        parse_alteration("PD-L1 ISH negative")


# --- the PD-L1 CPS >= 10 triple-negative labels ---------------------------------------------------------------
#: (the HER2, ER and PR results beside PD-L1, the condition on the PD-L1 and triple-negative rows; None: on-label
#: without one; "off": the PD-L1 rows off-label and the triple-negative row not offered)
CASES = [
    (("ER IHC 0%", "PR IHC 0%", "HER2 IHC 1+"), None),  # IHC 1+ is HER2-negative without ISH
    (("ER IHC 0%", "PR IHC 0%", "HER2 IHC 0"), None),
    (("ER IHC 0%", "PR IHC 0%", "HER2 IHC 2+"), f"{NEEDS} (ERBB2 amplification status not stated for this tumour)"),
    (("ER IHC 0%", "PR IHC 0%", "HER2 IHC 2+", "HER2 ISH negative"), None),
    (("ER IHC 1%", "PR IHC 0%", "HER2 IHC 1+"), "off"),
    (("PR IHC 0%", "HER2 IHC 1+"), f"{NEEDS} (ER status not stated for this tumour)"),
    ((), f"{NEEDS} (ER, PR and HER2 status not stated for this tumour)"),
    (("triple-negative",), None),
]


@pytest.mark.parametrize(("receptors", "condition"), CASES)
def test_pd_l1_cps_10_labels_read_triple_negative_as_the_triple_negative_labels_do(
    core_knowledge: OncoKnowledge, receptors: tuple[str, ...], condition: str | None
) -> None:
    found = rows(run(core_knowledge, "PD-L1 CPS 10", *receptors), *PD_L1_ROWS, TRIPLE_NEGATIVE_ROW)
    if condition == "off":
        assert TRIPLE_NEGATIVE_ROW not in found
        for row in PD_L1_ROWS:
            match = found[row]
            assert (match.amp_tier, match.relation) == ("II-C", Relation.OTHER)
            assert match.relation_note == (
                "the label is for triple-negative breast cancer; this tumour has ESR1 (ER) IHC 1% of tumour nuclei"
            )
        return
    assert set(found) == {*PD_L1_ROWS, TRIPLE_NEGATIVE_ROW}
    for match in found.values():
        assert (match.amp_tier, match.relation, match.condition) == ("I-A", Relation.SAME, condition)


@pytest.mark.parametrize(("receptors", "condition"), CASES)
def test_below_cps_10_only_the_triple_negative_labels_stay(
    core_knowledge: OncoKnowledge, receptors: tuple[str, ...], condition: str | None
) -> None:
    found = rows(run(core_knowledge, "PD-L1 CPS 5", *receptors), *PD_L1_ROWS, TRIPLE_NEGATIVE_ROW)
    if condition == "off":
        assert found == {}
        return
    assert set(found) == {TRIPLE_NEGATIVE_ROW}
    assert (found[TRIPLE_NEGATIVE_ROW].amp_tier, found[TRIPLE_NEGATIVE_ROW].condition) == ("I-A", condition)


@pytest.mark.parametrize("positive", ["PR IHC 5%", "HER2 IHC 3+", "ERBB2 amplification"])
def test_any_positive_receptor_takes_the_pd_l1_labels_off(core_knowledge: OncoKnowledge, positive: str) -> None:
    found = rows(run(core_knowledge, "PD-L1 CPS 20", "ER IHC 0%", positive), *PD_L1_ROWS)
    assert {(m.amp_tier, m.relation) for m in found.values()} == {("II-C", Relation.OTHER)}


def test_a_pd_l1_label_for_another_tumour_keeps_its_own_reason(core_knowledge: OncoKnowledge) -> None:
    found = rows(run(core_knowledge, "PD-L1 CPS 20", "ER IHC 90%", tumour="LUAD"), *PD_L1_ROWS)
    assert {m.amp_tier for m in found.values()} == {"II-C"}
    assert all("triple-negative" not in (m.relation_note or "") for m in found.values())


# --- HER2-negative in the hormone-receptor-positive labels ----------------------------------------------------
HR_POSITIVE = [
    ("ER IHC 90%", "palbociclib + aromatase inhibitor"),
    ("ER IHC 90%", "ribociclib + fulvestrant"),
    ("PIK3CA H1047R", "alpelisib + fulvestrant"),
    ("AKT1 E17K", "capivasertib + fulvestrant"),
    ("ESR1 Y537S", "elacestrant"),
    ("ER IHC 90%", "sacituzumab govitecan"),
]


@pytest.mark.parametrize(("alteration", "therapy"), HR_POSITIVE)
@pytest.mark.parametrize(
    ("her2", "condition"),
    [
        (("HER2 IHC 0",), None),
        (("HER2 IHC 1+",), None),
        (("HER2 IHC 2+", "HER2 ISH negative"), None),
        (("HER2 ISH negative",), None),
        (("HER2 IHC 2+",), "only without ERBB2 amplification (not stated for this tumour)"),
    ],
)
def test_hr_positive_her2_negative_labels_read_her2_by_asco_cap(
    core_knowledge: OncoKnowledge, alteration: str, therapy: str, her2: tuple[str, ...], condition: str | None
) -> None:
    result = run(core_knowledge, alteration, "ER IHC 90%", *her2)
    [match] = [m for m in result.matches if m.row.therapy == therapy and m.row.id.startswith("onco-core:")][:1]
    assert (match.amp_tier, match.condition) == ("I-A", condition)


@pytest.mark.parametrize(
    ("results", "condition"),
    [
        (("HER2 IHC 1+",), None),
        (("HER2 IHC 2+", "HER2 ISH negative"), None),
        (("HER2 IHC 2+",), "only without ERBB2 amplification (not stated for this tumour)"),
    ],
)
def test_her2_low_needs_ish_only_at_ihc_2(
    core_knowledge: OncoKnowledge, results: tuple[str, ...], condition: str | None
) -> None:
    match = rows(run(core_knowledge, *results), "onco-core:brca-her2-low-tdxd")["onco-core:brca-her2-low-tdxd"]
    assert (match.amp_tier, match.condition) == ("I-A", condition)


def test_her2_ultralow_needs_no_ish(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "HER2 IHC 0 ultralow", "ER IHC 50%")
    [match] = [m for m in result.matches if m.row.id.startswith("onco-core:brca-hr-her2-low-ultralow-tdxd")]
    assert (match.amp_tier, match.condition) == ("I-A", None)


def test_her2_ihc_1_is_off_a_her2_positive_requirement(core_knowledge: OncoKnowledge) -> None:
    """The trastuzumab rows for PIK3CA in HER2-positive disease need HER2-positive: IHC 1+ answers it (no)."""
    result = run(core_knowledge, "PIK3CA H1047R", "HER2 IHC 1+")
    found = [m for m in result.matches if m.row.id == "onco-core:brca-her2-pik3ca-trastuzumab"]
    assert found and all(m.relation is Relation.OTHER and m.condition is None for m in found)


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        ({"requires": [], "unless": ["triple-negative"]}, "written as required"),
        ({"requires": ["triple-negative", "ER IHC >= 1%"]}, "required alone"),
        ({"requires": ["ctDNA positive"]}, "not read as a label's second biomarker"),
    ],
)
def test_loader_refuses_a_whole_tumour_state_it_cannot_read(
    core_bundle: KnowledgeBundle, update: dict[str, list[str]], reason: str
) -> None:
    raw = curated_rows(core_bundle)
    pd_l1 = "tnbc-pdl1-cps10-pembrolizumab-chemotherapy"
    rows = [r.model_copy(update=update) if r.id == pd_l1 else r for r in raw.rows]
    patched = KnowledgeBundle(None, None, curated_sources())
    bad = CuratedEvidence(rows=rows, withdrawn=raw.withdrawn)
    patched._parsed[("onco-core", "evidence.yaml")] = bad.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    with pytest.raises(KnowledgeError, match=reason):
        curated_evidence(patched)
