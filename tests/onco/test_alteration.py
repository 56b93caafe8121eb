"""The alteration grammar and HGVS protein normalization, including fuzzing for crash-free failure."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.model.alteration import (
    AlterationKind,
    ExonEvent,
    GeneClass,
    Signature,
    parse_alteration,
    parse_protein_change,
)


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("V600E", "V600E"),
        ("p.Val600Glu", "V600E"),
        ("p.(Gly12Cys)", "G12C"),
        ("NP_004324.2:p.Val600Glu", "V600E"),
        ("R1450*", "R1450*"),
        ("p.Arg1450Ter", "R1450*"),
        ("R1450X", "R1450*"),
        ("p.Ser1982ArgfsTer22", "S1982fs"),
        ("W288FS", "W288fs"),
        ("p.Glu746_Ala750del", "E746_A750del"),
        ("W557_K558DELWK", "W557_K558del"),
        ("D770_N771insG", "D770_N771insG"),
        ("p.Leu747_Thr751delinsPro", "L747_T751delinsP"),
        ("A767_V769dup", "A767_V769dup"),
        ("V600", "V600"),
        ("p.Val600=", "V600="),
    ],
)
def test_protein_changes_normalize_to_one_letter(text: str, normalized: str) -> None:
    assert parse_protein_change(text).text == normalized


@pytest.mark.parametrize("text", ["", "p.", "V0E", "B600E", "V600_V599del", "A767_V770insG", "*757W", "600E"])
def test_bad_protein_changes_are_value_errors(text: str) -> None:
    with pytest.raises(ValueError):
        parse_protein_change(text)


def test_alteration_forms() -> None:
    assert parse_alteration("EGFR ex19del").exon_event is ExonEvent.DELETION
    assert parse_alteration("EGFR exon 20 insertion").exon == 20
    assert parse_alteration("MET exon 14 skipping").exon_event is ExonEvent.SKIPPING


@pytest.mark.parametrize("text", ["FLT3 ITD", "FLT3-ITD", "FLT3-ITD positive", "FLT3 internal tandem duplication"])
def test_internal_tandem_duplication_forms(text: str) -> None:
    alteration = parse_alteration(text)
    assert (alteration.gene, alteration.kind, alteration.exon_event, alteration.exon, alteration.label) == (
        "FLT3",
        AlterationKind.MUTATION,
        ExonEvent.TANDEM_DUPLICATION,
        None,
        "FLT3 ITD",
    )
    assert parse_alteration("ITD", gene="FLT3", feature_type="mutation").label == "FLT3 ITD"


def test_a_gene_pair_with_itd_is_no_fusion() -> None:
    assert parse_alteration("FLT3-ITD").kind is not AlterationKind.FUSION
    assert parse_alteration("EML4-ALK").kind is AlterationKind.FUSION
    assert parse_alteration("ERBB2 amplification").kind is AlterationKind.AMPLIFICATION
    assert parse_alteration("BRCA2 loss").kind is AlterationKind.DELETION
    fusion = parse_alteration("EML4::ALK")
    assert (fusion.gene, fusion.partner, fusion.kind) == ("ALK", "EML4", AlterationKind.FUSION)
    assert parse_alteration("EML4--ALK fusion").partner == "EML4"
    assert parse_alteration("ALK fusion").partner is None
    assert parse_alteration("dMMR").signature is Signature.MSI_H
    assert parse_alteration("BRCA1 truncating mutation").gene_class is GeneClass.LOSS_OF_FUNCTION
    assert parse_alteration("V600E", gene="braf").label == "BRAF V600E"
    assert parse_alteration("EML4-ALK", gene="ALK").partner == "EML4"


def test_feature_type_is_checked() -> None:
    assert parse_alteration("V600E", gene="BRAF", feature_type="mutation").protein is not None
    assert parse_alteration("EXON 19 DELETION", gene="EGFR", feature_type="exon").exon == 19
    with pytest.raises(ValueError, match="does not fit"):
        parse_alteration("amplification", gene="ERBB2", feature_type="fusion")
    with pytest.raises(ValueError, match="unknown feature_type"):
        parse_alteration("V600E", gene="BRAF", feature_type="snp")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.one_of(st.none(), st.text(max_size=12)), st.one_of(st.none(), st.text(max_size=12)))
def test_parser_fails_only_with_value_error(text: str, gene: str | None, feature_type: str | None) -> None:
    with contextlib.suppress(ValueError):
        parse_alteration(text, gene=gene, feature_type=feature_type)


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(
        r"[A-Za-z*]{1,3}[0-9]{0,5}(_[A-Za-z]{1,3}[0-9]{1,5})?(del|ins|dup|fs|delins|=|\*|X|Ter)?[A-Za-z]{0,6}",
        fullmatch=True,
    )
)
def test_protein_grammar_fuzz(text: str) -> None:
    try:
        change = parse_protein_change(text)
    except ValueError:
        return
    assert parse_protein_change(change.text) == change
