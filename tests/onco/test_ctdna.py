"""Adjuvant atezolizumab for muscle-invasive bladder cancer with circulating tumour DNA found after cystectomy (FDA,
May 2026, IMvigor011) is matched for the tumour as a whole in its own type: on-label once ctDNA is stated positive,
not offered when stated negative, and otherwise on-label with the condition naming the unstated ctDNA status; no
other tumour type, unknown primary or OncoTree root gets it."""

from __future__ import annotations

import pytest

from tailormed.engines.onco.profile import record_profile, tumour_type_code
from tailormed.engines.onco.run import OncoKnowledge, TherapyMatch, TumourProfile, match_profile
from tailormed.model.alteration import AlterationKind, parse_alteration
from tailormed.model.enums import DiseaseExtent
from tailormed.model.patient import Tumour

ROW = "onco-core:blca-ctdna-positive-atezolizumab-adjuvant"
UNSTATED = "only with ctDNA detected (ctDNA status not stated for this tumour)"


def ctdna_row(
    knowledge: OncoKnowledge, tumour: str, *texts: str, extent: DiseaseExtent | None = DiseaseExtent.EARLY
) -> TherapyMatch | None:
    code = tumour_type_code(tumour, knowledge.tree)
    profile = TumourProfile(
        case_id="t", tumour_type=code, extent=extent, alterations=[parse_alteration(t) for t in texts]
    )
    return next((m for m in match_profile(profile, knowledge).matches if m.row.id == ROW), None)


@pytest.mark.parametrize("text", ["ctDNA positive", "ctDNA-positive", "ctDNA detected", "CTDNA  Positive"])
def test_positive_grammar(text: str) -> None:
    alteration = parse_alteration(text)
    assert (alteration.kind, alteration.label) == (AlterationKind.CTDNA_POSITIVE, "ctDNA positive")
    assert parse_alteration(text, feature_type="ctdna_positive").kind is AlterationKind.CTDNA_POSITIVE


@pytest.mark.parametrize("text", ["ctDNA negative", "ctDNA-negative", "ctDNA not detected"])
def test_negative_grammar(text: str) -> None:
    alteration = parse_alteration(text)
    assert (alteration.kind, alteration.label) == (AlterationKind.CTDNA_NEGATIVE, "ctDNA negative")
    with pytest.raises(ValueError, match="does not fit"):
        parse_alteration(text, feature_type="ctdna_positive")


@pytest.mark.parametrize("text", ["ctDNA positive", "ctDNA detected"])
def test_stated_positive_is_on_label_without_condition(core_knowledge: OncoKnowledge, text: str) -> None:
    match = ctdna_row(core_knowledge, "BLCA", text)
    assert match is not None
    assert (match.amp_tier, match.condition, match.matched_level.value) == ("I-A", None, "ctdna_positive")
    assert (match.row.therapy, match.row.year, match.row.extents) == ("atezolizumab", 2026, [DiseaseExtent.EARLY])


def test_early_extent_from_the_quote(core_knowledge: OncoKnowledge) -> None:
    metastatic = ctdna_row(core_knowledge, "BLCA", "ctDNA positive", extent=DiseaseExtent.METASTATIC)
    assert metastatic is not None and metastatic.amp_tier == "II-C"


@pytest.mark.parametrize("text", ["ctDNA negative", "ctDNA not detected"])
def test_stated_negative_is_not_offered(core_knowledge: OncoKnowledge, text: str) -> None:
    assert ctdna_row(core_knowledge, "BLCA", text) is None


def test_not_stated_is_on_label_with_the_condition(core_knowledge: OncoKnowledge) -> None:
    for texts in ((), ("FGFR3 S249C",)):
        match = ctdna_row(core_knowledge, "BLCA", *texts)
        assert match is not None
        assert (match.amp_tier, match.condition) == ("I-A", UNSTATED)


@pytest.mark.parametrize("tumour", ["LUAD", "COAD", "CUP", "UNKNOWN", "TISSUE"])
def test_other_types_unknown_and_the_root_get_nothing(core_knowledge: OncoKnowledge, tumour: str) -> None:
    assert ctdna_row(core_knowledge, tumour, "ctDNA positive") is None


@pytest.mark.parametrize(("ctdna", "offered"), [("positive", True), ("negative", False)])
def test_a_record_states_it_in_tumour_ctdna(core_knowledge: OncoKnowledge, ctdna: str, offered: bool) -> None:
    tumour = Tumour.model_validate({"oncotree_code": "BLCA", "extent": "early", "ctdna": ctdna})
    profile = record_profile("t", tumour, core_knowledge, None)
    found = [m for m in match_profile(profile, core_knowledge).matches if m.row.id == ROW]
    assert [(m.amp_tier, m.condition) for m in found] == ([("I-A", None)] if offered else [])


def test_a_record_refuses_another_ctdna_word() -> None:
    with pytest.raises(ValueError, match="ctdna"):
        Tumour.model_validate({"oncotree_code": "BLCA", "ctdna": "detected"})
