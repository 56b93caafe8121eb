"""Protein-expression (IHC) biomarkers: the grammar, range semantics, record and batch intake, and the labels that
select on HER2, PD-L1, CLDN18.2, FRα and c-Met staining, with the biomarkers a label requires absent."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.profile import record_profile, tumour_type_code
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TumourProfile, match_profile
from tailormed.errors import InputError
from tailormed.model.alteration import AlterationKind, ExpressionScale, parse_alteration
from tailormed.model.patient import Tumour
from tailormed.pipeline.onco import batch_profiles


def run(knowledge: OncoKnowledge, tumour: str, *texts: str) -> OncoResult:
    code = tumour_type_code(tumour, knowledge.tree)
    profile = TumourProfile(case_id="t", tumour_type=code, alterations=[parse_alteration(t) for t in texts])
    return match_profile(profile, knowledge)


def tiers(result: OncoResult, therapy: str) -> set[str]:
    return {m.amp_tier for m in result.matches if m.row.therapy == therapy}


# --- grammar ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "gene", "scale", "intensity", "low", "high", "label"),
    [
        ("HER2 IHC 3+", "ERBB2", ExpressionScale.IHC, None, 3, 3, "ERBB2 (HER2) IHC 3+"),
        ("ERBB2 IHC 1+ or 2+", "ERBB2", ExpressionScale.IHC, None, 1, 2, "ERBB2 (HER2) IHC 1+ or 2+"),
        ("HER2 IHC 0", "ERBB2", ExpressionScale.IHC, None, 0, 0, "ERBB2 (HER2) IHC 0"),
        ("PD-L1 TPS >= 50%", "CD274", ExpressionScale.TPS, None, 50, None, "CD274 (PD-L1) TPS ≥50%"),
        ("PD-L1 TPS 1-49%", "CD274", ExpressionScale.TPS, None, 1, 49, "CD274 (PD-L1) TPS 1-49%"),
        ("PDL1 CPS ≥ 10", "CD274", ExpressionScale.CPS, None, 10, None, "CD274 (PD-L1) CPS ≥10"),
        ("PD-L1 IC >= 10%", "CD274", ExpressionScale.IC, None, 10, None, "CD274 (PD-L1) IC ≥10%"),
        ("PD-L1 TAP >= 1%", "CD274", ExpressionScale.TAP, None, 1, None, "CD274 (PD-L1) TAP ≥1%"),
        ("PD-L1 TAP 5%", "CD274", ExpressionScale.TAP, None, 5, 5, "CD274 (PD-L1) TAP 5%"),
        (
            "CLDN18.2 IHC 2+ >= 75%", "CLDN18", ExpressionScale.STAINED_CELLS, 2, 75, None,
            "CLDN18 (CLDN18.2) IHC 2+ or stronger in ≥75% of tumour cells",
        ),
        (
            "c-Met IHC 3+ 60%", "MET", ExpressionScale.STAINED_CELLS, 3, 60, 60,
            "MET (c-Met) IHC 3+ in 60% of tumour cells",
        ),
        ("FRalpha IHC 2+ 80%", "FOLR1", ExpressionScale.STAINED_CELLS, 2, 80, 80, None),
        ("CD33 positive", "CD33", ExpressionScale.STATUS, None, 1, 1, "CD33 positive"),
        (
            "HER2 IHC 0 ultralow", "ERBB2", ExpressionScale.IHC, None, 0, 0,
            "ERBB2 (HER2) IHC 0 with membrane staining (ultralow)",
        ),
        ("HER2 IHC 0 (null)", "ERBB2", ExpressionScale.IHC, None, 0, 0, "ERBB2 (HER2) IHC 0 null"),
        ("CD30 negative", "TNFRSF8", ExpressionScale.STATUS, None, 0, 0, "TNFRSF8 (CD30) negative"),
    ],
)  # fmt: skip
def test_expression_grammar(
    text: str,
    gene: str,
    scale: ExpressionScale,
    intensity: int | None,
    low: float,
    high: float | None,
    label: str | None,
) -> None:
    found = parse_alteration(text)
    assert found.kind is AlterationKind.EXPRESSION and found.gene == gene
    assert found.expression is not None
    assert (found.expression.scale, found.expression.intensity) == (scale, intensity)
    assert (found.expression.low, found.expression.high) == (low, high)
    if label is not None:
        assert found.label == label


def test_genomic_forms_of_the_same_genes_are_unchanged() -> None:
    assert parse_alteration("MET amplification").kind is AlterationKind.AMPLIFICATION
    assert parse_alteration("MET exon 14 skipping").exon == 14
    assert parse_alteration("ERBB2 S310F").protein is not None
    assert parse_alteration("CD19 mutation").kind is AlterationKind.MUTATION


@pytest.mark.parametrize(
    ("text", "gene", "message"),
    [
        ("PD-L1 TPS 60", None, "percentage"),
        ("PD-L1 CPS 5%", None, "without %"),
        ("HER2 IHC 4+", None, "not understood"),
        ("PD-L1 TPS 120%", None, "maximum 100"),
        ("PD-L1 TPS >= 1-49%", None, "cut-off or a range"),
        ("IHC 3+", "KRAS", "no protein-expression marker 'KRAS'"),
        ("positive", "CLDN18.2", "not a protein-expression result"),
        ("TPS 3%", "HER2", "HER2 is scored by IHC or ISH, not TPS"),
        ("IHC 3+", "CD33", "CD33 is scored by status, not IHC"),
        ("weak", "CD33", "not a protein-expression result"),
        ("IHC ultralow", "PD-L1", "PD-L1 is scored by"),
        ("IHC ultralow", "CLDN18.2", "not understood"),
    ],
)
def test_expression_errors_say_what_is_wrong(text: str, gene: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_alteration(text, gene=gene, feature_type="expression")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["HER2", "PD-L1", "CLDN18.2", "FRα", "c-Met", "KRAS"]),
    st.sampled_from(["IHC", "TPS", "CPS", "TC", "IC", "ISH"]),
    st.text(alphabet="0123456789+%<>=≥-. or", max_size=14),
)
def test_expression_parser_fails_only_with_value_error(marker: str, scale: str, result: str) -> None:
    with contextlib.suppress(ValueError):
        parse_alteration(f"{marker} {scale} {result}", feature_type="expression")


@pytest.mark.parametrize(
    ("result", "criterion", "meets"),
    [
        ("PD-L1 TPS 60%", "PD-L1 TPS >= 50%", True),
        ("PD-L1 TPS 50%", "PD-L1 TPS >= 50%", True),
        ("PD-L1 TPS 49%", "PD-L1 TPS >= 50%", False),
        ("PD-L1 TPS >= 50%", "PD-L1 TPS >= 1%", True),  # a laboratory's range inside the label's
        ("PD-L1 TPS 1-49%", "PD-L1 TPS >= 50%", False),
        ("PD-L1 TPS 60%", "PD-L1 CPS >= 1", False),  # another scale is another measurement
        ("HER2 IHC 2+", "HER2 IHC 1+ or 2+", True),
        ("HER2 IHC 3+", "HER2 IHC 1+ or 2+", False),
        ("HER2 IHC 0", "HER2 IHC 1+ or 2+", False),
        ("CLDN18.2 IHC 3+ 80%", "CLDN18.2 IHC 2+ >= 75%", True),  # 80% at 3+ is at least 80% at 2+ or stronger
        ("CLDN18.2 IHC 2+ 80%", "c-Met IHC 3+ >= 50%", False),
        ("c-Met IHC 2+ 80%", "c-Met IHC 3+ >= 50%", False),  # weaker staining does not count
        ("CD33 positive", "CD33 positive", True),
        ("HER2 IHC 0 with membrane staining", "HER2 IHC ultralow", True),
        ("HER2 IHC 0", "HER2 IHC ultralow", False),  # a 0 that does not say whether the membrane stained
        ("HER2 IHC null", "HER2 IHC ultralow", False),
        ("HER2 IHC 1+", "HER2 IHC ultralow", False),
        ("HER2 IHC ultralow", "HER2 IHC 1+ or 2+", False),
        ("CD33 negative", "CD33 positive", False),
        ("CD19 positive", "CD33 positive", False),
        ("FOLH1 positive", "PSMA positive", True),
    ],
)
def test_result_meets_criterion(result: str, criterion: str, meets: bool) -> None:
    measured, wanted = parse_alteration(result).expression, parse_alteration(criterion).expression
    assert measured is not None and wanted is not None
    assert measured.meets(wanted) is meets


# --- the labels ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tumour", "result", "therapy"),
    [
        ("PAAD", "HER2 IHC 3+", "trastuzumab deruxtecan"),  # tumour-agnostic, 2024
        ("CUP", "HER2 IHC 3+", "trastuzumab deruxtecan"),
        ("IDC", "HER2 IHC 1+", "trastuzumab deruxtecan"),  # HER2-low breast, 2022
        ("GBC", "HER2 IHC 3+", "zanidatamab"),
        ("IHCH", "HER2 IHC 3+", "zanidatamab"),
        ("STAD", "CLDN18.2 IHC 2+ 80%", "zolbetuximab + fluoropyrimidine- and platinum-containing chemotherapy"),
        ("GEJ", "CLDN18.2 IHC 3+ 75%", "zolbetuximab + fluoropyrimidine- and platinum-containing chemotherapy"),
        ("HGSOC", "FRα IHC 2+ 90%", "mirvetuximab soravtansine"),
        ("LUAD", "c-Met IHC 3+ 55%", "telisotuzumab vedotin"),
    ],
)
def test_expression_labels_on_label(core_knowledge: OncoKnowledge, tumour: str, result: str, therapy: str) -> None:
    assert "I-A" in tiers(run(core_knowledge, tumour, result), therapy)


@pytest.mark.parametrize(
    ("tumour", "result", "therapy"),
    [
        ("AML", "HER2 IHC 3+", "trastuzumab deruxtecan"),  # solid tumours only
        ("LUSC", "c-Met IHC 3+ 60%", "telisotuzumab vedotin"),  # non-squamous NSCLC only
        ("PAAD", "HER2 IHC 3+", "zanidatamab"),  # biliary tract only
        ("COAD", "HER2 IHC 2+", "trastuzumab deruxtecan"),  # HER2-low is a breast label
    ],
)
def test_expression_labels_off_label(core_knowledge: OncoKnowledge, tumour: str, result: str, therapy: str) -> None:
    found = tiers(run(core_knowledge, tumour, result), therapy)
    assert found and "I-A" not in found


@pytest.mark.parametrize(
    ("tumour", "result", "therapy"),
    [
        ("STAD", "CLDN18.2 IHC 2+ 70%", "zolbetuximab + fluoropyrimidine- and platinum-containing chemotherapy"),
        ("HGSOC", "FRα IHC 2+ 50%", "mirvetuximab soravtansine"),
        ("LUAD", "c-Met IHC 3+ 40%", "telisotuzumab vedotin"),
        ("IDC", "HER2 IHC 0", "trastuzumab deruxtecan"),
    ],
)
def test_below_the_cut_off_nothing_matches(
    core_knowledge: OncoKnowledge, tumour: str, result: str, therapy: str
) -> None:
    assert not tiers(run(core_knowledge, tumour, result), therapy)


def test_ihc_is_not_amplification(core_knowledge: OncoKnowledge) -> None:
    """HER2 IHC 3+ meets a HER2-positive label through its own IHC biomarker, never through ERBB2 amplification;
    amplification never meets the IHC-only rows."""
    by_ihc = run(core_knowledge, "IDC", "HER2 IHC 3+")
    trastuzumab = [m for m in by_ihc.matches if m.row.therapy == "trastuzumab"]
    assert trastuzumab
    assert {m.row.biomarker.kind for m in trastuzumab} == {AlterationKind.EXPRESSION}
    by_amp = run(core_knowledge, "GBC", "ERBB2 amplification")
    assert not tiers(by_amp, "zanidatamab")


def test_a_label_that_needs_a_biomarker_absent(core_knowledge: OncoKnowledge) -> None:
    zolbetuximab = "zolbetuximab + fluoropyrimidine- and platinum-containing chemotherapy"
    alone = run(core_knowledge, "STAD", "CLDN18.2 IHC 2+ 80%")
    (match,) = [m for m in alone.matches if m.row.therapy == zolbetuximab and m.amp_tier == "I-A"]
    assert match.condition is not None and "HER2" in match.condition
    (finding,) = [f for f in findings_from_result(alone, core_knowledge) if zolbetuximab in f.title]
    assert "On-label only without" in finding.summary

    her2_positive = run(core_knowledge, "STAD", "CLDN18.2 IHC 2+ 80%", "HER2 IHC 3+")
    assert tiers(her2_positive, zolbetuximab) == {"II-C"}
    (off,) = [m for m in her2_positive.matches if m.row.id == "onco-core:egc-cldn18-zolbetuximab"]
    assert off.relation_note == "the label leaves out tumours with ERBB2 (HER2) IHC 3+"

    her2_low_but_amplified = run(core_knowledge, "IDC", "HER2 IHC 2+", "ERBB2 amplification")
    low = [m for m in her2_low_but_amplified.matches if m.row.id == "onco-core:brca-her2-low-tdxd"]
    assert [m.amp_tier for m in low] == ["II-C"]


# --- intake -------------------------------------------------------------------------------------------------
def test_record_tumour_section_reads_ihc_results(core_knowledge: OncoKnowledge) -> None:
    tumour = Tumour.model_validate(
        {
            "oncotree_code": "STAD",
            "msi_status": "MSS",
            "tmb_mut_per_mb": 3,
            "protein_expression": [
                {"marker": "CLDN18.2", "result": "IHC 2+ 85%", "assay": "VENTANA CLDN18 (43-14A)"},
                {"marker": "HER2", "result": "IHC 1+"},
            ],
        }
    )
    profile = record_profile("p1", tumour, core_knowledge, None)
    assert [a.label for a in profile.alterations] == [
        "CLDN18 (CLDN18.2) IHC 2+ or stronger in 85% of tumour cells",
        "ERBB2 (HER2) IHC 1+",
    ]
    result = match_profile(profile, core_knowledge)
    assert "I-A" in tiers(result, "zolbetuximab + fluoropyrimidine- and platinum-containing chemotherapy")


def test_record_with_a_bad_ihc_result_is_refused() -> None:
    with pytest.raises(ValidationError, match="TPS is a percentage"):
        Tumour.model_validate(
            {"oncotree_code": "LUAD", "protein_expression": [{"marker": "PD-L1", "result": "TPS 60"}]}
        )


def test_batch_table_takes_expression_rows(tmp_path: Path, core_knowledge: OncoKnowledge) -> None:
    cases = tmp_path / "cases.tsv"
    header = "case_id\tgene\talteration\tfeature_type\ttumor_type\n"
    cases.write_text(header + "b1\tHER2\tIHC 3+\texpression\tGBC\nb1\tKRAS\tG12D\tmutation\tGBC\n", encoding="utf-8")
    (profile,) = batch_profiles(cases, core_knowledge)
    assert "I-A" in tiers(match_profile(profile, core_knowledge), "zanidatamab")
    cases.write_text(header + "b1\tHER2\tIHC 3\texpression\tGBC\nb2\tHER2\tTPS 3%\texpression\tGBC\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3"):
        batch_profiles(cases, core_knowledge)


@pytest.mark.parametrize(
    ("tumour", "results", "therapy", "expected"),
    [
        ("LUAD", ("PD-L1 TPS 5%",), "pembrolizumab", "I-A"),
        ("LUSC", ("PD-L1 TPS >= 50%",), "cemiplimab", "I-A"),
        ("LUAD", ("PD-L1 TPS 30%",), "cemiplimab", None),  # below the 50% cut-off
        ("LUAD", ("PD-L1 IC 15%",), "atezolizumab", "I-A"),
        ("LUAD", ("PD-L1 TC 60%",), "atezolizumab", "I-A"),
        ("HNSC", ("PD-L1 CPS 3",), "pembrolizumab", "I-A"),
        ("ESCC", ("PD-L1 CPS 12",), "pembrolizumab", "I-A"),  # later-line oesophageal squamous, CPS >= 10 (2019)
        ("ESCC", ("PD-L1 CPS 5",), "pembrolizumab", "II-C"),  # below its cut-off; other labels add II-C lines
        ("HNSC", ("PD-L1 TPS 60%",), "pembrolizumab", "II-C"),  # the head and neck label reads CPS; TPS is NSCLC's
        ("LUAD", ("PD-L1 TPS 80%", "EGFR L858R"), "cemiplimab", "II-C"),  # no EGFR, ALK or ROS1 aberration
        ("LUAD", ("PD-L1 TPS 80%", "CD74::ROS1"), "cemiplimab", "II-C"),
        ("LUAD", ("PD-L1 TPS 80%", "CD74::ROS1"), "pembrolizumab", "I-A"),  # its label names EGFR and ALK only
        ("LUAD", ("PD-L1 TC 60%", "EML4::ALK"), "atezolizumab", "I-A"),  # adjuvant label (2021): no exclusion
    ],
)
def test_pd_l1_labels(
    core_knowledge: OncoKnowledge, tumour: str, results: tuple[str, ...], therapy: str, expected: str | None
) -> None:
    found = tiers(run(core_knowledge, tumour, *results), therapy)
    assert (min(found) if found else None) == expected  # the best tier (labels elsewhere add tier II-C lines)


def test_first_line_atezolizumab_leaves_out_alk_positive_nsclc(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "LUAD", "PD-L1 TC 60%", "EML4::ALK")
    by_row = {m.row.id.split(":")[1]: m.amp_tier for m in result.matches if m.row.therapy == "atezolizumab"}
    assert by_row == {"nsclc-pdl1-high-atezolizumab": "II-C", "nsclc-pdl1-tc1-atezolizumab-adjuvant": "I-A"}
