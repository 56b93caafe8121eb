"""Genes a tumour record states wild-type answer the labels that need a mutation absent (cetuximab: K-Ras
wild-type colorectal cancer); a gene merely missing from the variants is never read as wild-type."""

from __future__ import annotations

from tailormed.engines.onco.profile import record_profile
from tailormed.engines.onco.run import OncoKnowledge, TherapyMatch, match_profile
from tailormed.model.enums import DiseaseExtent
from tailormed.model.patient import ProteinExpression, SomaticVariant, Tumour

ROW = "crc-egfr-expressing-kras-wild-type-cetuximab"


def cetuximab(knowledge: OncoKnowledge, tumour: Tumour) -> TherapyMatch | None:
    result = match_profile(record_profile("t", tumour, knowledge, None), knowledge)
    return next((m for m in result.matches if m.row.id.endswith(ROW)), None)


def crc(**fields: object) -> Tumour:
    egfr = [ProteinExpression(marker="EGFR", result="positive")]
    return Tumour.model_validate(
        {"oncotree_code": "COAD", "extent": DiseaseExtent.METASTATIC, "protein_expression": egfr, **fields}
    )


def test_kras_stated_wild_type_meets_the_label_without_condition(core_knowledge: OncoKnowledge) -> None:
    match = cetuximab(core_knowledge, crc(wild_type=["KRAS", "NRAS"]))
    assert match is not None and match.amp_tier == "I-A"
    assert match.condition is None


def test_kras_not_stated_keeps_the_condition(core_knowledge: OncoKnowledge) -> None:
    braf = [SomaticVariant(gene="BRAF", protein_change="V600E")]
    for tumour in (crc(), crc(wild_type=["NRAS"]), crc(somatic_variants=braf)):
        match = cetuximab(core_knowledge, tumour)
        assert match is not None and match.amp_tier == "I-A"
        assert match.condition is not None and "only without KRAS" in match.condition, match.condition


def test_kras_mutation_is_off_the_label(core_knowledge: OncoKnowledge) -> None:
    kras = [SomaticVariant(gene="KRAS", protein_change="G12D")]
    tumour = crc(somatic_variants=kras, wild_type=["NRAS"])
    match = cetuximab(core_knowledge, tumour)
    assert match is None or match.amp_tier != "I-A"
    result = match_profile(record_profile("t", tumour, core_knowledge, None), core_knowledge)
    resistance = [m for m in result.matches if m.row.therapy == "cetuximab" and m.row.significance == "resistance"]
    assert "I-A" in {m.amp_tier for m in resistance}
