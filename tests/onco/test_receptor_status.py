"""Hormone-receptor and HER2 status as expression results: ER/PR as the share of tumour nuclei stained, labels that
need a hormone receptor (``requires``) or its absence (triple-negative), and HER2 IHC 3+ on the HER2-positive
labels that define HER2-positive as protein overexpression or gene amplification."""

from __future__ import annotations

import pytest

from tailormed.engines.onco.profile import tumour_type_code
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TherapyMatch, TumourProfile, match_profile
from tailormed.engines.onco.tiers import Relation
from tailormed.model.alteration import AlterationKind, ExpressionScale, parse_alteration
from tailormed.model.enums import DiseaseExtent

TNBC = "pembrolizumab + chemotherapy"


def run(
    knowledge: OncoKnowledge, tumour: str, *texts: str, extent: DiseaseExtent = DiseaseExtent.METASTATIC
) -> OncoResult:
    """Most labels here are for metastatic (or unresectable) disease: the extent is stated, so only their own
    conditions show."""
    code = tumour_type_code(tumour, knowledge.tree)
    alterations = [parse_alteration(t) for t in texts]
    profile = TumourProfile(case_id="t", tumour_type=code, extent=extent, alterations=alterations)
    return match_profile(profile, knowledge)


def best(result: OncoResult, therapy: str) -> TherapyMatch:
    found = [m for m in result.matches if m.row.therapy == therapy]
    assert found, f"no match for {therapy}"
    return min(found, key=lambda m: m.amp_tier)


# --- grammar ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "gene", "low", "high", "exclusive", "label"),
    [
        ("ER IHC 80%", "ESR1", 80, 80, False, "ESR1 (ER) IHC 80% of tumour nuclei"),
        ("PR IHC 0%", "PGR", 0, 0, False, "PGR (PR) IHC 0% of tumour nuclei"),
        ("ER IHC <1%", "ESR1", 0, 1, True, "ESR1 (ER) IHC <1% of tumour nuclei"),
        ("PgR IHC >= 1%", "PGR", 1, None, False, "PGR (PR) IHC ≥1% of tumour nuclei"),
        ("ER IHC 1-10%", "ESR1", 1, 10, False, "ESR1 (ER) IHC 1-10% of tumour nuclei"),
    ],
)
def test_receptor_grammar(text: str, gene: str, low: float, high: float | None, exclusive: bool, label: str) -> None:
    alteration = parse_alteration(text)
    assert alteration.kind is AlterationKind.EXPRESSION and alteration.gene == gene
    expression = alteration.expression
    assert expression is not None and expression.scale is ExpressionScale.NUCLEI
    assert (expression.low, expression.high, expression.high_exclusive) == (low, high, exclusive)
    assert alteration.label == label
    assert parse_alteration(text, feature_type="expression") == alteration


def test_receptor_genes_keep_their_mutations() -> None:
    assert parse_alteration("ESR1 Y537S").kind is AlterationKind.MUTATION
    assert parse_alteration("PGR mutation").kind is AlterationKind.MUTATION
    assert parse_alteration("PD-L1 TPS <1%").expression.high_exclusive  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ER positive", "share of tumour cell nuclei"),
        ("PR negative", "share of tumour cell nuclei"),
        ("ER IHC 3+", "% of tumour cell nuclei"),
        ("ER IHC 120%", "above the scale's maximum"),
        ("ER TPS 5%", "scored by IHC"),
        ("PD-L1 CPS <1%", "CPS has no %"),
    ],
)
def test_receptor_grammar_errors(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_alteration(text)


@pytest.mark.parametrize(
    ("result", "criterion", "meets"),
    [
        ("ER IHC 80%", "ER IHC >= 1%", True),
        ("ER IHC 1%", "ER IHC >= 1%", True),
        ("ER IHC <1%", "ER IHC >= 1%", False),
        ("ER IHC 0%", "ER IHC >= 1%", False),
        ("ER IHC 0%", "ER IHC <1%", True),
        ("ER IHC 1%", "ER IHC <1%", False),
        ("ER IHC <1%", "ER IHC <1%", True),
        ("PR IHC 50%", "ER IHC >= 1%", False),  # another marker
    ],
)
def test_receptor_ranges(result: str, criterion: str, meets: bool) -> None:
    measured, wanted = parse_alteration(result).expression, parse_alteration(criterion).expression
    assert measured is not None and wanted is not None
    assert measured.meets(wanted) is meets


# --- HER2-positive labels ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tumour", "therapy", "extent"),
    [
        ("IDC", "trastuzumab", DiseaseExtent.METASTATIC),
        ("IDC", "pertuzumab + trastuzumab + docetaxel", DiseaseExtent.METASTATIC),
        ("IDC", "neratinib", DiseaseExtent.EARLY),  # extended adjuvant treatment of early-stage breast cancer
        ("IDC", "lapatinib + capecitabine", DiseaseExtent.METASTATIC),
        ("IDC", "trastuzumab emtansine", DiseaseExtent.METASTATIC),
        ("STAD", "trastuzumab + cisplatin + fluoropyrimidine", DiseaseExtent.METASTATIC),
        ("GEJ", "trastuzumab + cisplatin + fluoropyrimidine", DiseaseExtent.METASTATIC),
    ],
)
def test_her2_ihc3_meets_her2_positive_labels(
    core_knowledge: OncoKnowledge, tumour: str, therapy: str, extent: DiseaseExtent
) -> None:
    match = best(run(core_knowledge, tumour, "HER2 IHC 3+", extent=extent), therapy)
    assert match.amp_tier == "I-A"
    assert match.matched_level.value == "expression"
    assert not [m for m in run(core_knowledge, tumour, "HER2 IHC 2+").matches if m.row.therapy == therapy]


def test_her2_ihc3_breast_label_not_on_label_in_lung(core_knowledge: OncoKnowledge) -> None:
    assert best(run(core_knowledge, "LUAD", "HER2 IHC 3+"), "trastuzumab emtansine").amp_tier == "II-C"


# --- triple-negative: pembrolizumab + chemotherapy, PD-L1 CPS >= 10 -----------------------------------------
def test_tnbc_label_with_receptors_stated_negative(core_knowledge: OncoKnowledge) -> None:
    """HER2 IHC 1+ is HER2-negative without ISH (ASCO/CAP), as the triple-negative labels read it."""
    result = run(core_knowledge, "IDC", "PD-L1 CPS 15", "ER IHC 0%", "PR IHC <1%", "HER2 IHC 1+")
    match = best(result, TNBC)
    assert (match.amp_tier, match.relation, match.condition) == ("I-A", Relation.SAME, None)


def test_er_positive_tumour_does_not_meet_the_tnbc_row(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "IDC", "PD-L1 CPS 15", "ER IHC 90%", "PR IHC 0%", "HER2 IHC 0")
    match = best(result, TNBC)
    assert match.amp_tier == "II-C" and match.relation is Relation.OTHER
    assert "ESR1 (ER) IHC 90% of tumour nuclei" in (match.relation_note or "")


@pytest.mark.parametrize("positive", ["PR IHC 5%", "HER2 IHC 3+", "ERBB2 amplification"])
def test_any_receptor_takes_a_tumour_off_the_tnbc_row(core_knowledge: OncoKnowledge, positive: str) -> None:
    match = best(run(core_knowledge, "IDC", "PD-L1 CPS 20", "ER IHC 0%", positive), TNBC)
    assert match.relation is Relation.OTHER


def test_tnbc_label_with_receptors_not_stated(core_knowledge: OncoKnowledge) -> None:
    match = best(run(core_knowledge, "IDC", "PD-L1 CPS 12"), TNBC)
    assert match.amp_tier == "I-A"
    assert (
        match.condition == "only for triple-negative breast cancer (ER, PR and HER2 status not stated for this tumour)"
    )


def test_tnbc_label_needs_cps_10(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "IDC", "PD-L1 CPS 5", "ER IHC 0%")
    assert not [m for m in result.matches if m.row.therapy == TNBC and m.alteration.kind is AlterationKind.EXPRESSION]


# --- labels that need a hormone receptor ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("alteration", "therapy", "receptors", "tier"),
    [
        ("ESR1 Y537S", "elacestrant", ["ER IHC 95%", "HER2 IHC 1+"], "I-A"),
        ("ESR1 D538G", "imlunestrant", ["ER IHC 60%"], "I-A"),
        ("ESR1 Y537S", "elacestrant", ["ER IHC 0%", "PR IHC 30%"], "II-C"),  # the label needs ER, not PR
        ("AKT1 E17K", "capivasertib + fulvestrant", ["ER IHC <1%", "PR IHC 20%"], "I-A"),  # HR-positive through PR
        ("AKT1 E17K", "capivasertib + fulvestrant", ["ER IHC <1%", "PR IHC 0%"], "II-C"),
        ("PIK3CA H1047R", "alpelisib + fulvestrant", ["ER IHC 80%", "PR IHC 80%"], "I-A"),
        ("PIK3CA H1047R", "alpelisib + fulvestrant", ["ER IHC 80%", "HER2 IHC 3+"], "II-C"),  # HER2-positive
        ("PIK3CA E545K", "inavolisib + palbociclib + fulvestrant", ["ER IHC 0%", "PR IHC 0%"], "II-C"),
        ("PIK3CA E545K", "inavolisib + palbociclib + fulvestrant", ["PR IHC 10%"], "I-A"),
        ("ERBB2 amplification", "lapatinib + letrozole", ["ER IHC 90%", "PR IHC 0%"], "I-A"),
        ("HER2 IHC 3+", "lapatinib + letrozole", ["ER IHC <1%", "PR IHC 5%"], "I-A"),
        ("ERBB2 amplification", "lapatinib + letrozole", ["ER IHC 0%", "PR IHC <1%"], "II-C"),  # HR-negative
    ],
)
def test_hormone_receptor_labels(
    core_knowledge: OncoKnowledge, alteration: str, therapy: str, receptors: list[str], tier: str
) -> None:
    match = best(run(core_knowledge, "IDC", alteration, *receptors), therapy)
    assert match.amp_tier == tier
    if tier == "II-C":
        assert match.relation is Relation.OTHER and match.relation_note


def test_hormone_receptor_not_stated_is_a_condition(core_knowledge: OncoKnowledge) -> None:
    match = best(run(core_knowledge, "IDC", "ESR1 Y537S"), "elacestrant")
    assert match.amp_tier == "I-A"
    assert match.condition == (
        "only without ERBB2 amplification, ERBB2 (HER2) IHC 3+; only with ESR1 (ER) IHC ≥1% of tumour nuclei"
        " (not stated for this tumour)"
    )


# --- CDK4/6 inhibitors: the receptor status is the biomarker ----------------------------------------------------
CDK46 = [
    "palbociclib + aromatase inhibitor",
    "palbociclib + fulvestrant",
    "ribociclib + aromatase inhibitor",
    "ribociclib + fulvestrant",
    "abemaciclib + aromatase inhibitor",
    "abemaciclib + fulvestrant",
    "abemaciclib",
]


@pytest.mark.parametrize("receptor", ["ER IHC 90%", "PR IHC 40%"])
def test_hormone_receptor_positive_her2_negative_breast_cancer_meets_cdk46_labels(
    core_knowledge: OncoKnowledge, receptor: str
) -> None:
    result = run(core_knowledge, "IDC", receptor, "HER2 IHC 1+")
    for therapy in CDK46:
        match = best(result, therapy)
        # HER2 IHC 1+ is HER2-negative without ISH (ASCO/CAP; "HER2-negative (IHC 0, IHC 1+ or IHC 2+/ISH-)")
        assert (match.amp_tier, match.condition) == ("I-A", None)
    equivocal = run(core_knowledge, "IDC", receptor, "HER2 IHC 2+")
    for therapy in CDK46:
        match = best(equivocal, therapy)
        assert (match.amp_tier, match.condition) == (
            "I-A",
            "only without ERBB2 amplification (not stated for this tumour)",
        )


def test_cdk46_labels_leave_out_her2_positive_and_receptor_negative_tumours(core_knowledge: OncoKnowledge) -> None:
    her2_positive = run(core_knowledge, "IDC", "ER IHC 90%", "ERBB2 amplification")
    assert {best(her2_positive, therapy).amp_tier for therapy in CDK46} == {"II-C"}
    negative = run(core_knowledge, "IDC", "ER IHC <1%", "PR IHC 0%")
    assert not [m for m in negative.matches if m.row.therapy in CDK46]
    her2_unstated = best(run(core_knowledge, "IDC", "ER IHC 90%"), "ribociclib + aromatase inhibitor")
    assert her2_unstated.amp_tier == "I-A" and "ERBB2 amplification" in (her2_unstated.condition or "")


def test_fulvestrant_needs_a_hormone_receptor_not_her2_negativity(core_knowledge: OncoKnowledge) -> None:
    assert best(run(core_knowledge, "IDC", "PR IHC 15%", "ERBB2 amplification"), "fulvestrant").amp_tier == "I-A"
    assert not [m for m in run(core_knowledge, "IDC", "ER IHC 0%").matches if m.row.therapy == "fulvestrant"]
