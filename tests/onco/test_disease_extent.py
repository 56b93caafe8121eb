"""Extent of disease (early, locally advanced, metastatic) on the tumour and on the curated indications.

Encorafenib + cetuximab is approved for *metastatic* BRAF V600E colorectal cancer: a resected stage III colon cancer
is off that label (shown to clinicians with the reason, never to the patient), a metastatic one on it, and one whose
extent is not stated stays on it with the extent as the label's condition.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tailormed.engines.onco.profile import record_profile, tumour_type_code
from tailormed.engines.onco.run import (
    OncoKnowledge,
    OncoResult,
    TherapyMatch,
    TumourProfile,
    actions,
    match_profile,
)
from tailormed.engines.onco.tiers import Relation
from tailormed.errors import InputError
from tailormed.knowledge.onco.core import CuratedRow, unquoted_extent
from tailormed.knowledge.onco.evidence import (
    AmpLevel,
    BiomarkerEvidence,
    Direction,
    EvidenceTable,
    EvidenceType,
    Significance,
)
from tailormed.model.alteration import parse_alteration
from tailormed.model.enums import DiseaseExtent
from tailormed.model.patient import Tumour
from tailormed.pipeline import onco

ENCO = "encorafenib + cetuximab"


def run(
    knowledge: OncoKnowledge, tumour: str, text: str, extent: DiseaseExtent | None = None, stage: str | None = None
) -> OncoResult:
    code = tumour_type_code(tumour, knowledge.tree)
    profile = TumourProfile(
        case_id="t", tumour_type=code, extent=extent, stage=stage, alterations=[parse_alteration(text)]
    )
    return match_profile(profile, knowledge)


def best(result: OncoResult, therapy: str) -> TherapyMatch:
    found = [m for m in result.matches if m.row.therapy.casefold() == therapy.casefold()]
    assert found, f"no match for {therapy}"
    return min(found, key=lambda m: (m.amp_tier, m.source != "onco-core"))


def test_metastatic_crc_keeps_encorafenib_cetuximab_at_tier_one(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "COAD", "BRAF V600E", DiseaseExtent.METASTATIC, "IV")
    for therapy in (ENCO, "encorafenib + cetuximab + mFOLFOX6"):
        match = best(result, therapy)
        assert (match.amp_tier, match.relation, match.condition) == ("I-A", Relation.SAME, None)


def test_resected_stage_three_colon_cancer_is_off_the_metastatic_label(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "COAD", "BRAF V600E", DiseaseExtent.EARLY, "III")
    for therapy in (ENCO, "encorafenib + cetuximab + mFOLFOX6"):
        match = best(result, therapy)
        assert match.amp_tier == "II-C" and match.relation is Relation.OTHER
        assert match.relation_note == (
            "approved for metastatic disease; this tumour is stage III, early (resectable or resected)"
        )
        assert match.condition is None
    # resistance holds whatever the extent
    assert best(result, "cetuximab").amp_tier == "I-B"


def test_unknown_extent_keeps_the_tier_and_shows_the_condition(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "COAD", "BRAF V600E")
    match = best(result, ENCO)
    assert (match.amp_tier, match.relation) == ("I-A", Relation.SAME)
    assert match.condition == "only for metastatic disease (the extent of disease is not stated for this tumour)"
    staged = best(run(core_knowledge, "COAD", "BRAF V600E", stage="III"), ENCO)
    assert staged.amp_tier == "I-A" and staged.condition is not None and "stage III" in staged.condition


def test_a_row_without_extent_is_unchanged(core_knowledge: OncoKnowledge) -> None:
    """Imatinib for KIT (CD117)-positive GIST is also approved as adjuvant treatment; the row names no extent."""
    for extent in (None, *DiseaseExtent):
        match = best(run(core_knowledge, "GIST", "KIT exon 11 deletion", extent), "imatinib")
        assert match.amp_tier == "I-A" and match.condition is None


def test_early_and_metastatic_indications_of_one_drug(core_knowledge: OncoKnowledge) -> None:
    """Osimertinib: adjuvant after resection of EGFR-mutant NSCLC, and first line for metastatic disease."""
    early = run(core_knowledge, "LUAD", "EGFR L858R", DiseaseExtent.EARLY)
    rows = {m.row.id.split(":")[1]: m for m in early.matches if m.row.therapy == "osimertinib"}
    assert rows["nsclc-egfr-osimertinib-adjuvant"].amp_tier == "I-A"
    assert rows["nsclc-egfr-osimertinib"].amp_tier == "II-C"
    [group] = [g for g in actions(early.matches) if g[0].row.therapy == "osimertinib"]
    assert group[0].row.id.startswith("onco-core:nsclc-egfr-osimertinib-adjuvant")
    metastatic = run(core_knowledge, "LUAD", "EGFR L858R", DiseaseExtent.METASTATIC)
    rows = {m.row.id.split(":")[1]: m for m in metastatic.matches if m.row.therapy == "osimertinib"}
    assert rows["nsclc-egfr-osimertinib"].amp_tier == "I-A"
    assert rows["nsclc-egfr-osimertinib-adjuvant"].amp_tier == "II-C"


def test_unknown_extent_names_every_extent_the_labels_of_one_drug_cover_together(
    core_knowledge: OncoKnowledge,
) -> None:
    """Osimertinib is approved after resection, after chemoradiation and for metastatic EGFR-mutant NSCLC; alectinib
    after resection and for metastatic ALK-positive NSCLC; an unstated extent is no condition, or names both."""
    result = run(core_knowledge, "LUAD", "EGFR L858R")
    osimertinib = [m for m in result.matches if m.row.therapy == "osimertinib" and m.amp_tier == "I-A"]
    assert len(osimertinib) == 3 and all(m.condition is None for m in osimertinib)
    [group] = [g for g in actions(result.matches) if g[0].row.therapy == "osimertinib"]
    assert group[0].condition is None
    alectinib = best(run(core_knowledge, "LUAD", "EML4::ALK", stage="II"), "alectinib")
    assert alectinib.condition == (
        "only for early (resectable or resected) or metastatic disease (the extent of disease is not stated for this "
        "tumour; stage II)"
    )
    assert best(run(core_knowledge, "COAD", "BRAF V600E"), ENCO).condition == (
        "only for metastatic disease (the extent of disease is not stated for this tumour)"
    )


def test_tumour_agnostic_label_names_unresectable_or_metastatic(core_knowledge: OncoKnowledge) -> None:
    """Pembrolizumab for MSI-H solid tumours: unresectable or metastatic; not for a resected early tumour."""
    def label(extent: DiseaseExtent) -> TherapyMatch:
        result = run(core_knowledge, "PAAD", "MSI-H", extent)
        [match] = [m for m in result.matches if m.row.id == "onco-core:pan-msi-h-pembrolizumab"]
        return match

    assert label(DiseaseExtent.LOCALLY_ADVANCED).amp_tier == "I-A"
    early = label(DiseaseExtent.EARLY)
    assert early.amp_tier == "II-C"
    assert early.relation_note == (
        "approved for locally advanced (unresectable) or metastatic disease; this tumour is early (resectable or "
        "resected)"
    )


def test_other_sources_follow_the_curated_extent(core_knowledge: OncoKnowledge) -> None:
    """A CIViC-style claim for the same therapy (the trial behind the metastatic label) is off-label too when every
    curated indication of the therapy for this tumour is for another extent; it is untouched when one is not."""
    row = BiomarkerEvidence(
        id="civic:EID1", biomarker=parse_alteration("BRAF V600E"), disease="Colorectal Cancer", oncotree="COADREAD",
        therapies=["Encorafenib", "Cetuximab"], evidence_type=EvidenceType.PREDICTIVE, direction=Direction.SUPPORTS,
        significance=Significance.SENSITIVITY, native_level="B", amp_level=AmpLevel.B,
    )  # fmt: skip
    other = EvidenceTable(source="civic", release="test", licence="CC0", redistributable=True, rows=[row])
    knowledge = OncoKnowledge(
        tables=[*core_knowledge.tables, other], genes=core_knowledge.genes, tree=core_knowledge.tree,
        thresholds=core_knowledge.thresholds, defined_types=core_knowledge.defined_types,
    )  # fmt: skip

    def civic(extent: DiseaseExtent | None) -> TherapyMatch:
        [match] = [m for m in run(knowledge, "COAD", "BRAF V600E", extent, "III").matches if m.row.id == "civic:EID1"]
        return match

    off = civic(DiseaseExtent.EARLY)
    assert off.amp_tier == "II-C" and off.relation is Relation.OTHER
    assert off.relation_note is not None and "approved for metastatic disease" in off.relation_note
    assert "crc-braf-v600e-encorafenib-cetuximab" in off.relation_note
    assert civic(DiseaseExtent.METASTATIC).amp_tier == "I-B"
    assert civic(None).amp_tier == "I-B"


def test_record_extent_and_stage_reach_the_profile(core_knowledge: OncoKnowledge) -> None:
    tumour = Tumour.model_validate(
        {"oncotree_code": "COAD", "stage": "IIIB", "extent": "early",
         "somatic_variants": [{"gene": "BRAF", "protein_change": "V600E"}]}
    )  # fmt: skip
    profile = record_profile("p", tumour, core_knowledge, None)
    assert (profile.extent, profile.stage) == (DiseaseExtent.EARLY, "IIIB")
    note = best(match_profile(profile, core_knowledge), ENCO).relation_note
    assert note == "approved for metastatic disease; this tumour is stage IIIB, early (resectable or resected)"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("stage", "stage III", "is not an AJCC stage group"),
        ("stage", "3", "is not an AJCC stage group"),
        ("stage", "IIIE", "is not an AJCC stage group"),
        ("extent", "advanced", "'early', 'locally_advanced' or 'metastatic'"),
        ("extent", "adjuvant", "'early', 'locally_advanced' or 'metastatic'"),
    ],
)
def test_record_refuses_unclear_stage_or_extent(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Tumour.model_validate({"oncotree_code": "COAD", field: value})


@pytest.mark.parametrize("stage", ["0", "0is", "I", "IA2", "IIB", "IIIC1", "IV", "IVB", "IS"])
def test_record_accepts_stage_groups(stage: str) -> None:
    assert Tumour.model_validate({"oncotree_code": "COAD", "stage": stage}).stage == stage


def _row(**update: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": "x", "biomarker": "BRAF V600E", "tumour": "COADREAD", "therapy": ["encorafenib", "cetuximab"],
        "significance": "sensitivity", "level": "FDA", "year": 2020, "extent": ["metastatic"],
        "sources": [{"cite": "https://example.org/notice", "at": "FDA notice",
                     "quote": "In 2020 the FDA approved it for metastatic colorectal cancer with BRAF V600E."}],
    }  # fmt: skip
    return {**row, **update}


def test_curated_extent_must_be_named_in_a_quote() -> None:
    assert CuratedRow.model_validate(_row()).extent == [DiseaseExtent.METASTATIC]
    with pytest.raises(ValidationError, match="extent 'early' is named in none of its quotes"):
        CuratedRow.model_validate(_row(extent=["metastatic", "early"]))
    with pytest.raises(ValidationError, match="extent 'locally_advanced' is named in none of its quotes"):
        CuratedRow.model_validate(_row(extent=["locally_advanced"]))


def test_curated_extent_is_for_indications_only() -> None:
    with pytest.raises(ValidationError, match="a resistance marker holds whatever the extent"):
        CuratedRow.model_validate(_row(significance="resistance"))
    with pytest.raises(ValidationError, match="listed twice"):
        CuratedRow.model_validate(_row(extent=["metastatic", "metastatic"]))


def test_batch_extent_column(tmp_path: Path, core_knowledge: OncoKnowledge) -> None:
    """The batch table's optional ``extent`` column: stated once per case (or on every row alike), empty = not
    stated; another word, or two extents for one case, is refused naming the line."""
    path = tmp_path / "cases.tsv"
    header = "case_id\tgene\talteration\tfeature_type\ttumor_type\textent\n"
    path.write_text(
        header + "a\tBRAF\tV600E\tmutation\tCOAD\tearly\n"
        "a\tKRAS\tG12C\tmutation\tCOAD\t\n"
        "b\tBRAF\tV600E\tmutation\tCOAD\tmetastatic\n"
        "c\tBRAF\tV600E\tmutation\tCOAD\t\n"
    )
    profiles = {p.case_id: p for p in onco.batch_profiles(path, core_knowledge)}
    assert [profiles[c].extent for c in "abc"] == [DiseaseExtent.EARLY, DiseaseExtent.METASTATIC, None]
    tiers = {c: best(match_profile(profiles[c], core_knowledge), ENCO).amp_tier for c in "abc"}
    assert tiers == {"a": "II-C", "b": "I-A", "c": "I-A"}
    path.write_text(header + "a\tBRAF\tV600E\tmutation\tCOAD\tadjuvant\n")
    with pytest.raises(InputError, match="extent 'adjuvant' is not early, locally_advanced or metastatic") as error:
        onco.batch_profiles(path, core_knowledge)
    assert "line 2" in str(error.value)
    path.write_text(header + "a\tBRAF\tV600E\tmutation\tCOAD\tearly\na\tKRAS\tG12C\tmutation\tCOAD\tmetastatic\n")
    with pytest.raises(InputError, match="has extent metastatic here but early earlier") as error:
        onco.batch_profiles(path, core_knowledge)
    assert "line 3" in str(error.value)


def test_a_curated_resistance_row_does_not_keep_other_sources_on_label(core_knowledge: OncoKnowledge) -> None:
    """Only curated indications decide: a curated resistance claim for the same drugs (here a made-up one) is not an
    indication, so the CIViC-style sensitivity claim still follows the metastatic label off for an early tumour."""
    [core_table, *rest] = core_knowledge.tables
    resistance = BiomarkerEvidence(
        id="onco-core:made-up-resistance", biomarker=parse_alteration("BRAF V600E"), disease="Colorectal",
        oncotree="COADREAD", therapies=["encorafenib", "cetuximab"], evidence_type=EvidenceType.PREDICTIVE,
        direction=Direction.SUPPORTS, significance=Significance.RESISTANCE, native_level="clinical",
        amp_level=AmpLevel.B,
    )  # fmt: skip
    civic = resistance.model_copy(
        update={"id": "civic:EID1", "significance": Significance.SENSITIVITY, "native_level": "B"}
    )
    tables = [
        core_table.model_copy(update={"rows": [*core_table.rows, resistance]}),
        *rest,
        EvidenceTable(source="civic", release="test", licence="CC0", redistributable=True, rows=[civic]),
    ]
    knowledge = OncoKnowledge(
        tables=tables, genes=core_knowledge.genes, tree=core_knowledge.tree, thresholds=core_knowledge.thresholds,
        defined_types=core_knowledge.defined_types,
    )  # fmt: skip
    result = run(knowledge, "COAD", "BRAF V600E", DiseaseExtent.EARLY)
    [match] = [m for m in result.matches if m.row.id == "civic:EID1"]
    assert match.amp_tier == "II-C" and "approved for metastatic disease" in (match.relation_note or "")


DTP = "dabrafenib + trametinib + panitumumab"


def test_a_trial_row_follows_the_extent_its_quote_names(core_knowledge: OncoKnowledge) -> None:
    """Dabrafenib + trametinib + panitumumab (clinical: a trial in metastatic BRAF V600E colorectal cancer) is tier
    I-B for a metastatic tumour, and off for a resected stage III one, with the reason and the extent kept apart."""
    metastatic = best(run(core_knowledge, "COAD", "BRAF V600E", DiseaseExtent.METASTATIC, "IV"), DTP)
    assert (metastatic.amp_tier, metastatic.relation, metastatic.off_extent) == ("I-B", Relation.SAME, [])
    early = best(run(core_knowledge, "COAD", "BRAF V600E", DiseaseExtent.EARLY, "III"), DTP)
    assert (early.amp_tier, early.relation) == ("II-C", Relation.OTHER)
    assert early.relation_note == (
        "studied in metastatic disease; this tumour is stage III, early (resectable or resected)"
    )
    assert early.off_extent == [DiseaseExtent.METASTATIC]
    unknown = best(run(core_knowledge, "COAD", "BRAF V600E"), DTP)
    assert unknown.amp_tier == "I-B" and unknown.condition is not None and "metastatic" in unknown.condition


def test_off_extent_only_when_the_extent_alone_takes_it_off(core_knowledge: OncoKnowledge) -> None:
    """Encorafenib + cetuximab for a resected colon cancer is off by extent alone; a melanoma label matched in colon
    cancer is off by tumour type whatever the extent, so its extent is kept apart (``other_type_extent``)."""
    result = run(core_knowledge, "COAD", "BRAF V600E", DiseaseExtent.EARLY, "III")
    assert best(result, ENCO).off_extent == [DiseaseExtent.METASTATIC] and best(result, ENCO).other_type_extent == []
    assert best(result, "dabrafenib").relation is Relation.OTHER and best(result, "dabrafenib").off_extent == []
    assert best(result, "cetuximab").off_extent == []  # resistance holds whatever the extent


MELANOMA_ONLY = ("dabrafenib", "encorafenib + binimetinib", "trametinib", "vemurafenib + cobimetinib")


def action_best(result: OncoResult, therapy: str) -> TherapyMatch:
    """The match that speaks for the therapy's sensitivity claim (its action's best)."""
    [group] = [
        g for g in actions(result.matches)
        if g[0].row.therapy.casefold() == therapy.casefold() and g[0].row.significance is Significance.SENSITIVITY
    ]  # fmt: skip
    return group[0]


def test_another_types_label_for_another_extent_says_both(core_knowledge: OncoKnowledge) -> None:
    """Dabrafenib, encorafenib + binimetinib, trametinib ... are approved for unresectable or metastatic melanoma:
    for a resected stage III colon cancer they are from another tumour type and for another extent, and the match
    says both (tier II-C, as AMP/ASCO/CAP places another type's approval); dabrafenib + trametinib, whose melanoma
    label includes adjuvant treatment (its row names no extent), and any other-type label for a metastatic colon
    cancer say nothing of the extent. Vemurafenib's Erdheim-Chester disease label names no extent, so it speaks for
    vemurafenib, not the melanoma label."""
    early = run(core_knowledge, "COAD", "BRAF V600E", DiseaseExtent.EARLY, "III")
    metastatic = run(core_knowledge, "COAD", "BRAF V600E", DiseaseExtent.METASTATIC, "IV")
    unknown = run(core_knowledge, "COAD", "BRAF V600E")
    for therapy in MELANOMA_ONLY:
        match = action_best(early, therapy)
        assert (match.amp_tier, match.relation, match.off_extent) == ("II-C", Relation.OTHER, []), therapy
        assert match.other_type_extent == [DiseaseExtent.LOCALLY_ADVANCED, DiseaseExtent.METASTATIC], therapy
        assert match.relation_note == (
            "approved for locally advanced (unresectable) or metastatic disease of another tumour type; this tumour "
            "is stage III, early (resectable or resected)"
        ), therapy
        for other in (action_best(metastatic, therapy), action_best(unknown, therapy)):
            assert (other.amp_tier, other.other_type_extent, other.off_extent) == ("II-C", [], []), therapy
            assert other.relation_note is None, therapy
    for therapy in ("dabrafenib + trametinib", "vemurafenib"):
        match = action_best(early, therapy)
        assert (match.amp_tier, match.other_type_extent, match.relation_note) == ("II-C", [], None), therapy
    assert action_best(early, "vemurafenib").row.id == "onco-core:ecd-braf-v600-vemurafenib"
    melanoma = [m for m in early.matches if m.row.id == "onco-core:mel-braf-v600e-vemurafenib"]
    assert [m.other_type_extent for m in melanoma] == [[DiseaseExtent.LOCALLY_ADVANCED, DiseaseExtent.METASTATIC]]


@pytest.mark.parametrize(
    ("quote", "named"),
    [
        ("patients with advanced, unresectable, AJCC IIIC/IV NRAS-mutant melanoma", True),
        ("unresectable stage IIIC or IV melanoma", True),
        ("unresectable stage IIIC or stage IV melanoma", True),
        ("NSCLC patients with stage IIIB/IV chemotherapy-resistant tumors", True),
        ("benefit seen for the treatment of stage III-IV disease", True),
        ("stage IV colorectal cancer", True),
        ("AJCC stage IV melanoma", True),
        ("stage IVA head and neck cancer", False),
        ("stage II to IIIA non-small-cell lung cancer", False),
        ("AJCC IIIC melanoma", False),
        ("stage III or IVA disease", False),
        ("IV infusion in stage III disease", False),
    ],
)
def test_the_extent_words_read_a_range_of_stage_groups_up_to_four(quote: str, named: bool) -> None:
    """Trial populations are written as stage groups ("AJCC IIIC/IV", "stage IIIC or IV"): a list or range of groups
    that reaches stage IV names metastatic disease as "stage IV" does; IVA (head and neck: no distant spread) and
    groups below IV do not."""
    assert (unquoted_extent([DiseaseExtent.METASTATIC], [quote]) is None) is named


def test_nras_melanoma_binimetinib_follows_its_trials_extent(core_knowledge: OncoKnowledge) -> None:
    """NEMO enrolled "advanced, unresectable, AJCC IIIC/IV NRAS-mutant melanoma": binimetinib is tier I-B for an
    unresectable or metastatic NRAS Q61R melanoma and off, with the reason, for a resected stage III one."""
    def binimetinib(extent: DiseaseExtent | None) -> TherapyMatch:
        result = run(core_knowledge, "SKCM", "NRAS Q61R", extent, "IIIB")
        [match] = [m for m in result.matches if m.row.id == "onco-core:mel-nras-binimetinib"]
        return match

    for extent in (DiseaseExtent.LOCALLY_ADVANCED, DiseaseExtent.METASTATIC):
        assert (binimetinib(extent).amp_tier, binimetinib(extent).off_extent) == ("I-B", [])
    early = binimetinib(DiseaseExtent.EARLY)
    assert (early.amp_tier, early.off_extent) == ("II-C", [DiseaseExtent.LOCALLY_ADVANCED, DiseaseExtent.METASTATIC])
    assert early.relation_note == (
        "studied in locally advanced (unresectable) or metastatic disease; this tumour is stage IIIB, early "
        "(resectable or resected)"
    )
    assert binimetinib(None).condition is not None and "metastatic" in binimetinib(None).condition


def test_batch_stage_column(tmp_path: Path, core_knowledge: OncoKnowledge) -> None:
    """The batch table's optional ``stage`` column (AJCC stage group, as the record's ``tumour.stage``): stated once
    per case, shown with the extent in the reason a label is off; a stage that is not a stage group, or two stages
    for one case, is refused naming the line."""
    path = tmp_path / "cases.tsv"
    header = "case_id\tgene\talteration\tfeature_type\ttumor_type\textent\tstage\n"
    path.write_text(
        header + "a\tBRAF\tV600E\tmutation\tCOAD\tearly\t\n"
        "a\tKRAS\tG12C\tmutation\tCOAD\t\tIIIB\n"
        "b\tBRAF\tV600E\tmutation\tCOAD\tmetastatic\tIV\n"
        "c\tBRAF\tV600E\tmutation\tCOAD\t\t\n"
    )
    profiles = {p.case_id: p for p in onco.batch_profiles(path, core_knowledge)}
    assert [profiles[c].stage for c in "abc"] == ["IIIB", "IV", None]
    note = best(match_profile(profiles["a"], core_knowledge), ENCO).relation_note
    assert note == "approved for metastatic disease; this tumour is stage IIIB, early (resectable or resected)"
    path.write_text(header + "a\tBRAF\tV600E\tmutation\tCOAD\tearly\tstage III\n")
    with pytest.raises(InputError, match="stage 'stage III' is not an AJCC stage group") as error:
        onco.batch_profiles(path, core_knowledge)
    assert "line 2" in str(error.value)
    path.write_text(header + "a\tBRAF\tV600E\tmutation\tCOAD\t\tIIIB\na\tKRAS\tG12C\tmutation\tCOAD\t\tIV\n")
    with pytest.raises(InputError, match="has stage IV here but IIIB earlier") as error:
        onco.batch_profiles(path, core_knowledge)
    assert "line 3" in str(error.value)

