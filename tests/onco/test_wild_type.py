"""Genes a tumour record states wild-type answer the labels that need a mutation absent (cetuximab: K-Ras
wild-type colorectal cancer) and the labels that need genes wild-type (panitumumab: RAS wild-type colorectal
cancer); a gene merely missing from the variants is never read as wild-type."""

from __future__ import annotations

from collections import Counter

import pytest

from tailormed.engines.onco.profile import record_profile
from tailormed.engines.onco.run import OncoKnowledge, TherapyMatch, TumourProfile, match_profile
from tailormed.knowledge.importers import cgi, civic
from tailormed.model.alteration import AlterationKind, parse_alteration
from tailormed.model.enums import DiseaseExtent
from tailormed.model.patient import ProteinExpression, SomaticVariant, Tumour

CETUXIMAB = {
    "onco-core:crc-ras-wild-type-cetuximab": 2004,
    "onco-core:crc-ras-wild-type-cetuximab-irinotecan": 2004,
    "onco-core:crc-ras-wild-type-cetuximab-folfiri": 2012,
}


def cetuximab(knowledge: OncoKnowledge, tumour: Tumour) -> list[TherapyMatch]:
    result = match_profile(record_profile("t", tumour, knowledge, None), knowledge)
    return [m for m in result.matches if m.row.id in CETUXIMAB]


def crc(egfr: str | None = "positive", **fields: object) -> Tumour:
    expression = [ProteinExpression(marker="EGFR", result=egfr)] if egfr else []
    return Tumour.model_validate(
        {"oncotree_code": "COAD", "extent": DiseaseExtent.METASTATIC, "protein_expression": expression, **fields}
    )


def test_ras_wild_type_egfr_expressing_crc_meets_cetuximab_without_condition(core_knowledge: OncoKnowledge) -> None:
    found = cetuximab(core_knowledge, crc(wild_type=["KRAS", "NRAS"]))
    assert {m.row.id: m.row.year for m in found} == CETUXIMAB
    assert {(m.amp_tier, m.condition) for m in found} == {("I-A", None)}
    assert {m.row.therapy for m in found} == {"cetuximab", "cetuximab + FOLFIRI", "cetuximab + irinotecan"}


def test_cetuximab_needs_nras_as_well_as_kras_wild_type(core_knowledge: OncoKnowledge) -> None:
    """The label's indication says K-Ras wild-type; its limitation of use leaves out Ras-mutant cancer and unknown Ras
    results, so KRAS wild-type alone leaves NRAS as the condition and an NRAS mutation takes the label off."""
    kras_only = cetuximab(core_knowledge, crc(wild_type=["KRAS"]))
    assert {(m.amp_tier, m.condition) for m in kras_only} == {
        ("I-A", "only with RAS wild-type (NRAS status not stated for this tumour)")
    }
    nras = [SomaticVariant(gene="NRAS", protein_change="Q61K")]
    tumour = crc(somatic_variants=nras, wild_type=["KRAS"])
    assert cetuximab(core_knowledge, tumour) == []
    result = match_profile(record_profile("t", tumour, core_knowledge, None), core_knowledge)
    resistance = {m.row.id for m in result.matches if m.row.significance == "resistance" and m.amp_tier == "I-A"}
    assert "onco-core:crc-nras-cetuximab" in resistance


def test_kras_mutation_is_off_the_cetuximab_label(core_knowledge: OncoKnowledge) -> None:
    kras = [SomaticVariant(gene="KRAS", protein_change="G12D")]
    tumour = crc(somatic_variants=kras, wild_type=["NRAS"])
    assert cetuximab(core_knowledge, tumour) == []
    result = match_profile(record_profile("t", tumour, core_knowledge, None), core_knowledge)
    resistance = [m for m in result.matches if m.row.therapy == "cetuximab" and m.row.significance == "resistance"]
    assert "I-A" in {m.amp_tier for m in resistance}


def test_egfr_expression_not_stated_or_negative(core_knowledge: OncoKnowledge) -> None:
    unstated = cetuximab(core_knowledge, crc(egfr=None, wild_type=["KRAS", "NRAS"]))
    assert {(m.amp_tier, m.condition) for m in unstated} == {
        ("I-A", "only with EGFR positive (not stated for this tumour)")
    }
    negative = cetuximab(core_knowledge, crc(egfr="negative", wild_type=["KRAS", "NRAS"]))
    assert {m.amp_tier for m in negative} == {"II-C"} and len(negative) == 3
    assert {m.relation_note for m in negative} == {
        "the label needs EGFR positive, which this tumour's results do not meet"
    }


PANITUMUMAB = ("onco-core:crc-ras-wild-type-panitumumab", "onco-core:crc-ras-wild-type-panitumumab-folfox")


def panitumumab(knowledge: OncoKnowledge, tumour: Tumour) -> list[TherapyMatch]:
    result = match_profile(record_profile("t", tumour, knowledge, None), knowledge)
    return [m for m in result.matches if m.row.id in PANITUMUMAB]


def tumour(code: str = "COAD", **fields: object) -> Tumour:
    return Tumour.model_validate({"oncotree_code": code, "extent": DiseaseExtent.METASTATIC, **fields})


def test_ras_wild_type_is_a_biomarker_of_genes_without_variants() -> None:
    ras = parse_alteration("RAS wild-type")
    assert (ras.kind, ras.gene, ras.label) == (AlterationKind.WILD_TYPE, "RAS", "RAS wild-type")
    assert ras.wild_type == ["KRAS", "NRAS"]
    assert parse_alteration("wild type", gene="KRAS").wild_type == ["KRAS"]
    assert parse_alteration("KRAS wild-type", feature_type="wild_type").label == "KRAS wild-type"
    with pytest.raises(ValueError, match="not a wild-type result"):
        parse_alteration("KRAS G12D", feature_type="wild_type")


def test_ras_stated_wild_type_meets_panitumumab_without_condition(core_knowledge: OncoKnowledge) -> None:
    found = panitumumab(core_knowledge, tumour(wild_type=["KRAS", "NRAS"]))
    assert {m.row.id for m in found} == set(PANITUMUMAB)
    assert {(m.amp_tier, m.condition, m.matched_level.value) for m in found} == {("I-A", None, "wild_type")}
    assert {m.row.year for m in found} == {2017}
    assert {m.alteration.label for m in found} == {"RAS wild-type"}


def test_kras_mutation_is_not_offered_panitumumab_and_its_resistance_is_shown(core_knowledge: OncoKnowledge) -> None:
    kras = [SomaticVariant(gene="KRAS", protein_change="G12D")]
    profile = record_profile("t", tumour(somatic_variants=kras, wild_type=["NRAS"]), core_knowledge, None)
    result = match_profile(profile, core_knowledge)
    assert not [m for m in result.matches if m.row.id in PANITUMUMAB]
    resistance = [m for m in result.matches if m.row.therapy == "panitumumab" and m.row.significance == "resistance"]
    assert "I-A" in {m.amp_tier for m in resistance}
    nras = [SomaticVariant(gene="NRAS", protein_change="Q61K")]
    assert panitumumab(core_knowledge, tumour(somatic_variants=nras)) == []


def test_ras_status_not_stated_keeps_the_condition(core_knowledge: OncoKnowledge) -> None:
    braf = [SomaticVariant(gene="BRAF", protein_change="V600E")]
    for stated in (tumour(), tumour(somatic_variants=braf)):
        found = panitumumab(core_knowledge, stated)
        assert {m.amp_tier for m in found} == {"I-A"} and len(found) == 2
        assert {m.condition for m in found} == {"only with RAS wild-type (RAS status not stated for this tumour)"}
    partial = panitumumab(core_knowledge, tumour(wild_type=["KRAS"]))
    assert {m.condition for m in partial} == {"only with RAS wild-type (NRAS status not stated for this tumour)"}


def test_a_variant_not_predicted_oncogenic_is_not_read_as_wild_type(core_knowledge: OncoKnowledge) -> None:
    synonymous = [SomaticVariant(gene="KRAS", protein_change="G12=")]
    found = panitumumab(core_knowledge, tumour(somatic_variants=synonymous, wild_type=["NRAS"]))
    assert {m.condition for m in found} == {"only with RAS wild-type (KRAS status not stated for this tumour)"}


def test_wild_type_rows_stay_in_their_own_tumour_type(core_knowledge: OncoKnowledge) -> None:
    for code in ("LUAD", "PAAD", "SKCM", "CUP", "UNKNOWN", "TISSUE"):
        stated = Tumour.model_validate({"oncotree_code": code, "wild_type": ["KRAS", "NRAS"]})
        assert panitumumab(core_knowledge, stated) == [], code
    assert {m.amp_tier for m in panitumumab(core_knowledge, tumour("READ", wild_type=["KRAS", "NRAS"]))} == {"I-A"}
    bowel = panitumumab(core_knowledge, tumour("BOWEL", wild_type=["KRAS", "NRAS"]))
    assert {(m.amp_tier, m.relation_note) for m in bowel} == {
        ("II-C", "the indication is Colorectal Adenocarcinoma (COADREAD); BOWEL is broader")
    }


def test_wild_type_rows_follow_the_extent_of_disease(core_knowledge: OncoKnowledge) -> None:
    early = Tumour.model_validate(
        {"oncotree_code": "COAD", "stage": "III", "extent": DiseaseExtent.EARLY, "wild_type": ["KRAS", "NRAS"]}
    )
    found = panitumumab(core_knowledge, early)
    assert {m.amp_tier for m in found} == {"II-C"}
    assert {m.relation_note for m in found} == {
        "approved for metastatic disease; this tumour is stage III, early (resectable or resected)"
    }
    unstated = panitumumab(core_knowledge, Tumour.model_validate({"oncotree_code": "COAD"}))
    assert {m.condition for m in unstated} == {
        "only with RAS wild-type (RAS status not stated for this tumour); only for metastatic disease (the extent of "
        "disease is not stated for this tumour)"
    }


def test_a_wild_type_result_given_as_an_alteration_states_its_genes(core_knowledge: OncoKnowledge) -> None:
    profile = TumourProfile(
        case_id="t", tumour_type="COAD", extent=DiseaseExtent.METASTATIC,
        alterations=[parse_alteration("RAS wild-type"), parse_alteration("BRAF V600E")],
    )  # fmt: skip
    result = match_profile(profile, core_knowledge)
    found = [m for m in result.matches if m.row.id in PANITUMUMAB]
    assert {(m.amp_tier, m.condition) for m in found} == {("I-A", None)}
    assert "RAS wild-type" not in {a.label for a in result.alterations}


def test_civic_and_cgi_wild_type_variants_stay_out() -> None:
    """CIViC's "WILD TYPE" and CGI's "KIT wildtype" biomarkers are left out of the built tables as before: only the
    curated core's label rows are matched for the tumour as a whole."""
    skipped: Counter[str] = Counter()
    assert civic._biomarkers("KRAS", "WILD TYPE", skipped) == []
    row = {"Alteration type": "MUT", "Gene": "KIT", "Alteration": "KIT::wildtype:.", "individual_mutation": "",
           "Biomarker": "KIT wildtype"}  # fmt: skip
    assert cgi._biomarker(row, skipped) is None
    assert skipped == Counter({"wild-type variants": 1, "wild-type biomarkers": 1})


def test_a_record_stating_ras_wild_type_states_kras_and_nras(core_knowledge: OncoKnowledge) -> None:
    found = panitumumab(core_knowledge, tumour(wild_type=["RAS"]))
    assert {(m.amp_tier, m.condition) for m in found} == {("I-A", None)}
