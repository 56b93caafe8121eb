"""HLA alleles (the patient's typing: tebentafusp for HLA-A*02:01-positive uveal melanoma, afamitresgene autoleucel
for HLA-A*02 P groups with MAGE-A4) and chromosome arm deletions (lenalidomide for MDS with del(5q)): the grammar,
how they arrive (record ``tumour.hla_typing`` / ``tumour.cytogenetics``, batch ``feature_type``, ``--alteration``),
and that a matching and a non-matching patient get the right answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tailormed.engines.onco.profile import record_profile, tumour_type_code
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TumourProfile, match_profile
from tailormed.errors import InputError, KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.onco.core import CuratedEvidence, curated_evidence, curated_rows
from tailormed.knowledge.onco.evidence import Origin
from tailormed.model.alteration import AlterationKind, VariantOrigin, parse_alteration
from tailormed.model.enums import DiseaseExtent
from tailormed.model.patient import Tumour
from tailormed.pipeline.onco import batch_profiles, file_profile

TEBENTAFUSP = "tebentafusp"
AFAMI_CEL = "afamitresgene autoleucel"
LENALIDOMIDE = "lenalidomide"


def run(knowledge: OncoKnowledge, tumour: str, *texts: str) -> OncoResult:
    code = tumour_type_code(tumour, knowledge.tree)
    # the labels here are for metastatic (or unresectable) disease: state it, so only their own conditions show
    alterations = [parse_alteration(t) for t in texts]
    profile = TumourProfile(case_id="t", tumour_type=code, extent=DiseaseExtent.METASTATIC, alterations=alterations)
    return match_profile(profile, knowledge)


def tiers(result: OncoResult, therapy: str) -> list[str]:
    return sorted(m.amp_tier for m in result.matches if m.row.therapy == therapy)


# --- grammar ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "gene", "allele", "label"),
    [
        ("HLA-A*02:01", "HLA-A", "02:01", "HLA-A*02:01"),
        ("HLA-A*02:01:01:01", "HLA-A", "02:01:01:01", "HLA-A*02:01:01:01"),
        ("hla-a*02:06P", "HLA-A", "02:06P", "HLA-A*02:06P"),
        ("HLA-B*57:01", "HLA-B", "57:01", "HLA-B*57:01"),
        ("HLA-DRB1*15:01", "HLA-DRB1", "15:01", "HLA-DRB1*15:01"),
    ],
)
def test_hla_grammar(text: str, gene: str, allele: str, label: str) -> None:
    parsed = parse_alteration(text)
    assert parsed.kind is AlterationKind.HLA and parsed.gene == gene and parsed.label == label
    assert parsed.hla is not None and parsed.hla.text == allele
    assert parsed.origin is VariantOrigin.GERMLINE  # an HLA type is inherited
    assert parse_alteration(text, feature_type="hla") == parsed


@pytest.mark.parametrize(
    ("text", "arm", "label"),
    [
        ("del(5q)", "5q", "del(5q)"),
        ("5q deletion", "5q", "del(5q)"),
        ("del(5)(q13q33)", "5q", "del(5)(q13q33)"),
        ("del(20)(q11.2q13.1)", "20q", "del(20)(q11.2q13.1)"),
        ("DEL(17P)", "17p", "del(17p)"),
    ],
)
def test_arm_deletion_grammar(text: str, arm: str, label: str) -> None:
    parsed = parse_alteration(text)
    assert parsed.kind is AlterationKind.CYTOGENETIC and parsed.chromosome_arm == arm and parsed.label == label
    assert parse_alteration(text, feature_type="cytogenetic") == parsed


@pytest.mark.parametrize(
    ("text", "feature_type", "reason"),
    [
        ("HLA-A*2x", None, "not an HLA allele"),
        ("HLA-A*02P", None, "P group is named by two fields"),
        ("A2", "hla", "not an HLA allele"),
        ("del(5)(p13q33)", None, "across the centromere"),
        ("del(25q)", None, "not a chromosome arm deletion"),
        ("t(9;22)", "cytogenetic", "not a chromosome arm deletion"),
        ("del(5q)", "mutation", "does not fit"),
    ],
)
def test_bad_hla_and_cytogenetics_are_refused(text: str, feature_type: str | None, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_alteration(text, feature_type=feature_type)


# --- matching -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tumour", "typing", "expected"),
    [
        ("UM", ("HLA-A*02:01",), ["I-A"]),
        ("UM", ("HLA-A*02:01:01:01", "HLA-A*24:02"), ["I-A"]),  # a higher-resolution typing meets the allele
        ("UM", ("HLA-A*03:01", "HLA-A*24:02"), []),  # not HLA-A*02:01
        ("UM", ("HLA-A*02:06",), []),  # another HLA-A*02 protein
        ("UM", ("HLA-A*02",), []),  # one field cannot show *02:01
        ("UM", ("HLA-A*02:01:01:02N",), []),  # a null allele is not expressed
        ("UM", ("HLA-B*02:01",), []),  # another locus
        ("LUAD", ("HLA-A*02:01",), []),  # an HLA type carries no evidence into other tumour types
        ("UNKNOWN", ("HLA-A*02:01",), []),
    ],
)
def test_tebentafusp_needs_hla_a0201_in_uveal_melanoma(
    core_knowledge: OncoKnowledge, tumour: str, typing: tuple[str, ...], expected: list[str]
) -> None:
    result = run(core_knowledge, tumour, *typing)
    assert tiers(result, TEBENTAFUSP) == expected
    for match in result.matches:
        if match.row.therapy == TEBENTAFUSP:
            assert match.condition is None  # never "requires germline confirmation" for an HLA type


@pytest.mark.parametrize(
    ("results", "expected", "note"),
    [
        (("MAGE-A4 positive", "HLA-A*02:01:01:01", "HLA-A*03:01"), ["I-A"], None),
        (("MAGE-A4 positive", "HLA-A*02:06"), ["I-A"], None),
        (("MAGE-A4 positive",), ["I-A"], "HLA-A*02:06P (not stated for this patient)"),  # typing not given
        (("MAGE-A4 positive", "HLA-A*02"), ["I-A"], "only with HLA-A*02:01P or"),  # one field settles nothing
        (("MAGE-A4 positive", "HLA-A*03:01", "HLA-A*11:01"), ["II-C"], "which this patient's results do not meet"),
        (("MAGE-A4 negative", "HLA-A*02:01"), [], None),
        (("HLA-A*02:01",), [], None),
    ],
)
def test_afamitresgene_autoleucel_needs_mage_a4_and_hla_a02(
    core_knowledge: OncoKnowledge, results: tuple[str, ...], expected: list[str], note: str | None
) -> None:
    result = run(core_knowledge, "SYNS", *results)
    assert tiers(result, AFAMI_CEL) == expected
    if note is not None:
        (match,) = [m for m in result.matches if m.row.therapy == AFAMI_CEL]
        assert note in "; ".join(text for text in (match.relation_note, match.condition) if text)


@pytest.mark.parametrize(
    ("tumour", "karyotype", "expected"),
    [
        ("MDS", ("del(5q)",), ["I-A"]),
        ("MDSID5Q", ("del(5)(q13q33)",), ["I-A"]),  # isolated del(5q) lies within MDS
        ("MDS", ("del(5)(q31)", "del(20q)"), ["I-A"]),  # with or without additional abnormalities
        ("MDS", ("del(7q)",), []),
        ("MDS", ("del(5p)",), []),  # the short arm
        ("AML", ("del(5q)",), ["II-C"]),  # approved in MDS, not AML
    ],
)
def test_lenalidomide_for_mds_with_del5q(
    core_knowledge: OncoKnowledge, tumour: str, karyotype: tuple[str, ...], expected: list[str]
) -> None:
    assert tiers(run(core_knowledge, tumour, *karyotype), LENALIDOMIDE) == expected


@pytest.mark.parametrize(("therapy", "year"), [("venetoclax", 2016), ("ibrutinib", 2014)])
def test_cll_with_17p_deletion(core_knowledge: OncoKnowledge, therapy: str, year: int) -> None:
    result = run(core_knowledge, "CLLSLL", "del(17)(p11.2p13)")
    (match,) = [m for m in result.matches if m.row.therapy == therapy]
    assert match.amp_tier == "I-A" and match.row.year == year
    assert tiers(run(core_knowledge, "CLLSLL", "del(17q)"), therapy) == []  # the long arm
    assert tiers(run(core_knowledge, "CLLSLL", "del(13q)"), therapy) == []


PCV_RT = "procarbazine + lomustine + vincristine + radiotherapy"


def test_1p19q_codeletion_needs_both_arms(core_knowledge: OncoKnowledge) -> None:
    codeleted = run(core_knowledge, "ODG3", "del(1p)", "del(19q)")
    (match,) = [m for m in codeleted.matches if m.row.therapy == PCV_RT]
    assert match.amp_tier == "I-B" and match.condition is None  # a phase III trial, clinical evidence
    (only_1p,) = [m for m in run(core_knowledge, "ODG3", "del(1p)").matches if m.row.therapy == PCV_RT]
    assert only_1p.condition is not None and "only with del(19q)" in only_1p.condition
    assert tiers(run(core_knowledge, "ODG3", "del(19q)"), PCV_RT) == []


# --- inputs -------------------------------------------------------------------------------------------------
def test_record_reads_hla_typing_and_cytogenetics(core_knowledge: OncoKnowledge) -> None:
    tumour = Tumour.model_validate(
        {"oncotree_code": "UM", "hla_typing": ["HLA-A*02:01:01:01", "HLA-A*01:01"], "msi_status": "MSS"}
    )
    profile = record_profile("p1", tumour, core_knowledge, None)
    assert [a.label for a in profile.alterations] == ["HLA-A*02:01:01:01", "HLA-A*01:01"]
    assert tiers(match_profile(profile, core_knowledge), TEBENTAFUSP) == ["I-A"]
    mds = Tumour.model_validate({"oncotree_code": "MDS", "cytogenetics": ["del(5)(q13q33)"]})
    assert tiers(match_profile(record_profile("p2", mds, core_knowledge, None), core_knowledge), LENALIDOMIDE) == [
        "I-A"
    ]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("hla_typing", ["HLA-A*02:01", "A*0201"], r"\[1\] not an HLA allele"),
        ("cytogenetics", ["t(9;22)(q34;q11)"], r"\[0\] not a chromosome arm deletion"),
    ],
)
def test_record_with_bad_typing_is_refused(field: str, value: list[str], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Tumour.model_validate({"oncotree_code": "UM", field: value})


def test_batch_and_options_take_hla_and_cytogenetics(tmp_path: Path, core_knowledge: OncoKnowledge) -> None:
    cases = tmp_path / "cases.tsv"
    header = "case_id\tgene\talteration\tfeature_type\ttumor_type\torigin\n"
    cases.write_text(
        header + "u1\tHLA-A\t*02:01:01:01\thla\tUM\tunknown\nm1\t\tdel(5q)\tcytogenetic\tMDS\tsomatic\n",
        encoding="utf-8",
    )
    uveal, mds = batch_profiles(cases, core_knowledge)
    assert uveal.alterations[0].origin is VariantOrigin.GERMLINE  # an HLA type stays inherited whatever the column
    assert tiers(match_profile(uveal, core_knowledge), TEBENTAFUSP) == ["I-A"]
    assert tiers(match_profile(mds, core_knowledge), LENALIDOMIDE) == ["I-A"]
    cases.write_text(header + "u1\tHLA-A\t02-01\thla\tUM\t\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        batch_profiles(cases, core_knowledge)
    profile = file_profile("c", "UM", core_knowledge, alterations=["HLA-A*02:01"])
    assert tiers(match_profile(profile, core_knowledge), TEBENTAFUSP) == ["I-A"]


def test_loader_refuses_an_hla_row_not_marked_germline(core_bundle: KnowledgeBundle) -> None:
    raw = curated_rows(core_bundle)
    rows = [
        r.model_copy(update={"origin": Origin.SOMATIC}) if r.id == "um-hla-a0201-tebentafusp" else r for r in raw.rows
    ]
    patched = KnowledgeBundle(None, None, curated_sources())
    bad = CuratedEvidence(rows=rows, withdrawn=raw.withdrawn)
    patched._parsed[("onco-core", "evidence.yaml")] = bad.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    with pytest.raises(KnowledgeError, match="an HLA allele is inherited"):
        curated_evidence(patched)
