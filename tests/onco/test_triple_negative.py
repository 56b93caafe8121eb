"""Triple-negative breast cancer labels (sacituzumab govitecan, pembrolizumab with chemotherapy for early disease,
datopotamab deruxtecan) are matched for the tumour as a whole in its own type, from its ER, PR and HER2 results:
on-label once all three are stated negative, not offered beside any of them positive, and otherwise on-label with the
condition naming what is not stated; a receptor missing from the results is never read as negative."""

from __future__ import annotations

import pytest

from tailormed.engines.onco.profile import record_profile, tumour_type_code
from tailormed.engines.onco.run import OncoKnowledge, TherapyMatch, TumourProfile, match_profile
from tailormed.model.alteration import AlterationKind, parse_alteration
from tailormed.model.enums import DiseaseExtent
from tailormed.model.patient import ProteinExpression, Tumour

NEGATIVE = ("ER IHC 0%", "PR IHC <1%", "HER2 IHC 1+")
LATER_LINE = "onco-core:tnbc-sacituzumab-govitecan"
FIRST_LINE = "onco-core:tnbc-sacituzumab-govitecan-first-line"
DATOPOTAMAB = "onco-core:tnbc-datopotamab-deruxtecan-first-line"
EARLY = "onco-core:tnbc-pembrolizumab-chemotherapy-early"
ROWS = (LATER_LINE, FIRST_LINE, DATOPOTAMAB, EARLY)


def triple_negative(
    knowledge: OncoKnowledge, tumour: str, *texts: str, extent: DiseaseExtent | None = DiseaseExtent.METASTATIC
) -> dict[str, TherapyMatch]:
    code = tumour_type_code(tumour, knowledge.tree)
    alterations = [parse_alteration(t) for t in texts]
    profile = TumourProfile(case_id="t", tumour_type=code, extent=extent, alterations=alterations)
    return {m.row.id: m for m in match_profile(profile, knowledge).matches if m.row.id in ROWS}


def test_grammar() -> None:
    for text in ("triple-negative", "Triple negative", "TNBC"):
        alteration = parse_alteration(text)
        assert (alteration.kind, alteration.label) == (AlterationKind.TRIPLE_NEGATIVE, "triple-negative")
    assert parse_alteration("triple-negative", feature_type="triple_negative").kind is AlterationKind.TRIPLE_NEGATIVE
    with pytest.raises(ValueError, match="does not fit"):
        parse_alteration("triple-negative", feature_type="mutation")


@pytest.mark.parametrize("tumour", ["IDC", "BRCA", "ILC"])
def test_all_three_stated_negative_is_on_label_without_condition(core_knowledge: OncoKnowledge, tumour: str) -> None:
    found = triple_negative(core_knowledge, tumour, *NEGATIVE)
    for row in (LATER_LINE, FIRST_LINE, DATOPOTAMAB):
        match = found[row]
        assert (match.amp_tier, match.condition, match.matched_level.value) == ("I-A", None, "triple_negative")
    assert found[EARLY].amp_tier == "II-C"  # the early-disease label, for a metastatic tumour
    early = triple_negative(core_knowledge, tumour, *NEGATIVE, extent=DiseaseExtent.EARLY)[EARLY]
    assert (early.amp_tier, early.condition) == ("I-A", None)
    assert {m.row.year for m in found.values()} == {2020, 2021, 2026}


def test_triple_negative_stated_as_a_result_states_all_three(core_knowledge: OncoKnowledge) -> None:
    match = triple_negative(core_knowledge, "IDC", "triple-negative")[LATER_LINE]
    assert (match.amp_tier, match.condition) == ("I-A", None)


@pytest.mark.parametrize("positive", ["ER IHC 5%", "PR IHC 30%", "HER2 IHC 3+", "ERBB2 amplification"])
def test_any_receptor_positive_is_not_offered(core_knowledge: OncoKnowledge, positive: str) -> None:
    others = [t for t in NEGATIVE if t.split()[0] != positive.split()[0]]
    assert triple_negative(core_knowledge, "IDC", *others, positive) == {}
    assert triple_negative(core_knowledge, "IDC", positive) == {}


@pytest.mark.parametrize(
    ("results", "unstated"),
    [
        (("ER IHC 0%", "HER2 IHC 0"), "PR"),
        (("PR IHC 0%", "HER2 IHC 0 ultralow"), "ER"),
        (("ER IHC <1%", "PR IHC <1%"), "HER2"),
        (("ER IHC <1%",), "PR and HER2"),
        ((), "ER, PR and HER2"),
        (("ER IHC <1%", "PR IHC <1%", "HER2 IHC 2+"), "ERBB2 amplification"),  # equivocal: ISH decides
        (("ER IHC 0-5%", "PR IHC 0%", "HER2 IHC 0"), "ER"),  # a range across the 1% cut-off says neither
    ],
)
def test_what_is_not_stated_is_the_condition(
    core_knowledge: OncoKnowledge, results: tuple[str, ...], unstated: str
) -> None:
    match = triple_negative(core_knowledge, "IDC", *results)[LATER_LINE]
    assert match.amp_tier == "I-A"
    assert match.condition == f"only for triple-negative breast cancer ({unstated} status not stated for this tumour)"


@pytest.mark.parametrize("tumour", ["LUAD", "COAD", "OVARY", "CUP", "UNKNOWN", "TISSUE"])
def test_other_tumour_types_get_nothing(core_knowledge: OncoKnowledge, tumour: str) -> None:
    assert triple_negative(core_knowledge, tumour, *NEGATIVE) == {}


def test_the_extent_of_disease_is_a_condition_when_not_stated(core_knowledge: OncoKnowledge) -> None:
    found = triple_negative(core_knowledge, "IDC", *NEGATIVE, extent=None)
    assert found[LATER_LINE].amp_tier == "I-A" and "metastatic" in (found[LATER_LINE].condition or "")
    assert "early" in (found[EARLY].condition or "")


def test_a_record_states_the_receptors_as_protein_expression(core_knowledge: OncoKnowledge) -> None:
    results = [("ER", "IHC 0%"), ("PR", "IHC 0%"), ("HER2", "IHC 0")]
    tumour = Tumour.model_validate(
        {
            "oncotree_code": "IDC",
            "extent": DiseaseExtent.METASTATIC,
            "protein_expression": [ProteinExpression(marker=m, result=r) for m, r in results],
        }
    )
    result = match_profile(record_profile("t", tumour, core_knowledge, None), core_knowledge)
    [match] = [m for m in result.matches if m.row.id == LATER_LINE]
    assert (match.amp_tier, match.condition) == ("I-A", None)


def test_pd_l1_rows_read_triple_negative_as_these_rows_do(core_knowledge: OncoKnowledge) -> None:
    profile = TumourProfile(
        case_id="t", tumour_type="IDC", extent=DiseaseExtent.METASTATIC,
        alterations=[parse_alteration(t) for t in ("PD-L1 CPS 15", *NEGATIVE)],
    )  # fmt: skip
    matches = match_profile(profile, core_knowledge).matches
    [match] = [m for m in matches if m.row.id == "onco-core:tnbc-pdl1-cps10-sacituzumab-pembrolizumab"]
    assert (match.amp_tier, match.condition) == ("I-A", None)
