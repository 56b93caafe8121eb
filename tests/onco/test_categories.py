"""The curated core per category, with real alterations: solid tumours, haematological malignancies,
tumour-agnostic labels (including cancer of unknown primary and an unknown tumour type), resistance markers,
and approvals from 2023 on. Tumour types are checked against the shipped OncoTree release."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.profile import tumour_type_code
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TumourProfile, match_profile
from tailormed.knowledge.onco.core import CuratedRow
from tailormed.knowledge.onco.oncotree import UNKNOWN_TUMOUR
from tailormed.model.alteration import Alteration, AlterationKind, GenomicAllele, parse_alteration
from tailormed.model.genotype import GenomeBuild

Claim = tuple[str, str, str, str]


def run(knowledge: OncoKnowledge, tumour: str, *texts: str) -> OncoResult:
    code = tumour_type_code(tumour, knowledge.tree)
    profile = TumourProfile(case_id="t", tumour_type=code, alterations=[parse_alteration(t) for t in texts])
    return match_profile(profile, knowledge)


def claims(result: OncoResult) -> set[Claim]:
    return {(m.alteration.label, m.row.therapy, m.row.significance.value, m.amp_tier) for m in result.matches}


def tier(result: OncoResult, therapy: str, significance: str = "sensitivity") -> set[str]:
    return {m.amp_tier for m in result.matches if m.row.therapy == therapy and m.row.significance.value == significance}


# --- solid tumours ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy"),
    [
        ("LUAD", "CD74::ROS1", "taletrectinib"),
        ("LUAD", "CD74::ROS1", "repotrectinib"),
        ("LUAD", "KIF5B::RET", "selpercatinib"),
        ("PAAD", "CD74::NRG1", "zenocutuzumab"),
        ("LUAD", "SLC3A2::NRG1", "zenocutuzumab"),
        ("LGSOC", "KRAS G12C", "avutometinib + defactinib"),
        ("IDC", "PIK3CA H1047R", "alpelisib + fulvestrant"),
        ("IDC", "AKT1 E17K", "capivasertib + fulvestrant"),
        ("ASTR2", "IDH1 R132H", "vorasidenib"),
        ("ODG2", "IDH2 R172K", "vorasidenib"),
        ("PAST", "KIAA1549::BRAF", "tovorafenib"),
        ("IMT", "TPM3::ALK", "crizotinib"),
        ("BLCA", "FGFR3 S249C", "erdafitinib"),
        ("HGSOC", "HRD", "olaparib + bevacizumab"),  # genome signature
        ("HGSOC", "BRCA2 loss-of-function mutation", "olaparib + bevacizumab"),
        ("PRAD", "ATR I774fs", "talazoparib + enzalutamide"),  # truncating variant in an HRR gene (CIViC VID)
        ("PRAD", "BRCA2 loss-of-function mutation", "niraparib + abiraterone + prednisone"),
        ("UCEC", "MSI-H", "dostarlimab"),
        ("UEC", "MSI-H", "dostarlimab + carboplatin + paclitaxel"),  # dMMR/MSI-H endometrial, with chemotherapy (2023)
        ("PRAD", "ATM R35*", "olaparib"),  # HRR gene-mutated mCRPC: ATM (2020)
        ("CESC", "PD-L1 CPS 5", "pembrolizumab"),  # PD-L1 CPS >= 1 cervical cancer (2018)
        ("CESC", "PD-L1 CPS 2", "pembrolizumab + paclitaxel + platinum-based chemotherapy"),  # ± bevacizumab (2021)
        ("LUAD", "PD-L1 TPS 30%", "nivolumab + ipilimumab"),  # PD-L1 >= 1% NSCLC (2020)
        ("LUSC", "PD-L1 TPS 5%", "atezolizumab"),  # adjuvant, PD-L1 >= 1% of tumour cells (2021)
        ("IDC", "HER2 IHC 3+", "margetuximab + chemotherapy"),  # HER2-positive breast cancer (2020)
        ("GIST", "PDGFRA D846Y", "avapritinib"),  # any PDGFRA exon 18 mutation, D842V the most common (2020)
        ("GIST", "PDGFRA D842_I843delinsIV", "avapritinib"),
        ("COAD", "MSI-H", "nivolumab + ipilimumab"),
        ("READ", "MSI-H", "nivolumab"),
        ("LUAD", "EML4::ALK", "ensartinib"),
        ("LUAD", "EML4::ALK", "brigatinib"),
        ("LUAD", "KIF5B::RET", "pralsetinib"),
        ("LUAD", "EGFR L858R", "dacomitinib"),
        ("LUAD", "EGFR G719A", "afatinib"),  # uncommon non-resistant EGFR mutations (2018)
        ("LUAD", "EGFR L861Q", "afatinib"),
        ("NSCLC", "EGFR S768I", "afatinib"),
        ("LUAD", "EGFR L858R", "datopotamab deruxtecan"),  # "EGFR-mutated": a curated hotspot is oncogenic
        ("LUAD", "MET exon 14 skipping", "tepotinib"),
        ("STAD", "ERBB2 amplification", "trastuzumab deruxtecan"),  # HER2-positive gastric (2021)
        ("GEJ", "ERBB2 amplification", "trastuzumab deruxtecan"),
        ("PRAD", "PSMA positive", "lutetium Lu 177 vipivotide tetraxetan"),  # PSMA PET-positive mCRPC (2022)
        ("PANET", "SSTR positive", "lutetium Lu 177 dotatate"),  # somatostatin-receptor-positive GEP-NET (2018)
        ("SBWDNET", "SSTR2 positive", "lutetium Lu 177 dotatate"),
        ("RWDNET", "SSTR positive", "lutetium Lu 177 dotatate"),
        ("THME", "RET mutation", "selpercatinib"),  # "RET-mutant medullary thyroid cancer", not only M918T
        ("THME", "RET M918T", "selpercatinib"),
        ("GIST", "CD117 positive", "imatinib"),  # Kit (CD117)-positive GIST (2002)
        ("GIST", "KIT positive", "imatinib"),
    ],
)
def test_solid_tumour_indications_on_label(
    core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str
) -> None:
    assert "I-A" in tier(run(core_knowledge, tumour, alteration), therapy)


def test_dmmr_label_for_solid_tumours_covers_cancer_of_unknown_primary_not_leukaemia(
    core_knowledge: OncoKnowledge,
) -> None:
    assert "I-A" in tier(run(core_knowledge, "CUP", "MSI-H"), "dostarlimab")
    assert "I-A" not in tier(run(core_knowledge, "AML", "MSI-H"), "dostarlimab")


def test_her2_positive_gastric_label_needs_pd_l1_cps_1(core_knowledge: OncoKnowledge) -> None:
    therapy = "pembrolizumab + trastuzumab + fluoropyrimidine + platinum-based chemotherapy"
    assert "I-A" in tier(run(core_knowledge, "STAD", "ERBB2 amplification", "PD-L1 CPS 5"), therapy)
    assert tier(run(core_knowledge, "GEJ", "ERBB2 amplification", "PD-L1 CPS 0"), therapy) == {"II-C"}
    unstated = [m for m in run(core_knowledge, "STAD", "HER2 IHC 3+").matches if m.row.therapy == therapy]
    on_label = [m for m in unstated if m.amp_tier == "I-A"]
    assert on_label and all("PD-L1" in (m.condition or "") for m in on_label)


def test_solid_indication_elsewhere_is_tier_two(core_knowledge: OncoKnowledge) -> None:
    assert tier(run(core_knowledge, "BRCA", "CD74::NRG1"), "zenocutuzumab") == {"II-C"}


# --- haematological malignancies ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy"),
    [
        ("AML", "KMT2A::MLLT3", "revumenib"),  # menin inhibitor, KMT2A translocation
        ("BLL", "KMT2A::AFF1", "revumenib"),
        ("AML", "NPM1 W288Cfs*12", "ziftomenib"),  # menin inhibitor; NPM1-A, the common exon 12 frameshift (2025)
        ("AML", "NPM1 p.Trp288CysfsTer12", "revumenib"),
        ("AML", "IDH1 R132H", "ivosidenib"),
        ("AML", "IDH1 R132C", "olutasidenib"),
        ("AML", "IDH2 R140Q", "enasidenib"),
        ("MDS", "IDH1 R132C", "ivosidenib"),  # IDH inhibitor beyond AML
        ("AML", "FLT3 mutation", "gilteritinib"),
        ("AML", "FLT3 D835Y", "gilteritinib"),  # tyrosine kinase domain hotspot
        ("AML", "FLT3-ITD", "quizartinib + cytarabine + anthracycline"),
        ("CML", "BCR::ABL1", "imatinib"),
        ("CMLBCRABL1", "BCR::ABL1", "asciminib"),
        ("CML", "ABL1 T315I", "ponatinib"),
        ("CML", "ABL1 T315I", "asciminib"),
        ("BLLBCRABL1", "BCR::ABL1", "ponatinib"),
        ("BLLBCRABL1", "BCR::ABL1", "imatinib"),  # Ph+ ALL (paediatric, 2013)
        ("MLNER", "ZMYM2::FGFR1", "pemigatinib"),  # myeloid/lymphoid neoplasm with a kinase fusion
        ("MLNER", "FIP1L1::PDGFRA", "imatinib"),
        ("MLNER", "ETV6::PDGFRB", "imatinib"),
        ("APLPMLRARA", "PML::RARA", "tretinoin + arsenic trioxide"),
        ("APLPMLRARA", "PML::RARA", "arsenic trioxide"),  # relapsed or refractory APL (2000)
        ("FL", "EZH2 mutation", "tazemetostat"),
        ("ALCL", "NPM1::ALK", "crizotinib"),
        ("ECD", "BRAF V600E", "vemurafenib"),
        ("AML", "CD33 positive", "gemtuzumab ozogamicin"),  # cell-surface antigen named by the label (2017)
        ("BLLNOS", "CD19 positive", "blinatumomab"),
        ("ALCLALKN", "CD30 positive", "brentuximab vedotin + cyclophosphamide + doxorubicin + prednisone"),
        ("AITL", "CD30 positive", "brentuximab vedotin + cyclophosphamide + doxorubicin + prednisone"),
        ("PTCL", "TNFRSF8 positive", "brentuximab vedotin + cyclophosphamide + doxorubicin + prednisone"),
        ("MYCF", "CD30 positive", "brentuximab vedotin"),  # CD30-expressing mycosis fungoides (2017)
        ("PCALCL", "CD30 positive", "brentuximab vedotin"),
        ("BLLNOS", "CD22 positive", "inotuzumab ozogamicin"),  # CD22-positive B-cell precursor ALL (2017)
        ("FL", "CD20 positive", "rituximab"),  # the first antibody approval (1997)
        ("DFL", "MS4A1 positive", "rituximab"),  # duodenal-type follicular lymphoma lies within FL
        ("CLLSLL", "CD20 positive", "rituximab + fludarabine + cyclophosphamide"),  # CD20-positive CLL (2010)
        ("DLBCLNOS", "CD20 positive", "rituximab + CHOP"),  # first line (2006)
        ("MDS", "del(5q)", "lenalidomide"),  # cytogenetic arm deletion (2005)
    ],
)
def test_haematological_indications_on_label(
    core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str
) -> None:
    assert "I-A" in tier(run(core_knowledge, tumour, alteration), therapy)


@pytest.mark.parametrize("tumour", ["AML", "AMLRGA"])
@pytest.mark.parametrize("fusion", ["PML::RARA", "RARA::PML"])
def test_pml_rara_makes_a_tumour_coded_aml_apl_and_its_labels_on_label(
    core_knowledge: OncoKnowledge, tumour: str, fusion: str
) -> None:
    """APL is AML with PML::RARA (WHO 2022): the APL labels are on-label for an AML-coded tumour with the fusion."""
    result = run(core_knowledge, tumour, fusion)
    assert tier(result, "tretinoin + arsenic trioxide") == {"I-A"}
    assert tier(result, "arsenic trioxide") == {"I-A"}
    on_label = [m for m in result.matches if m.row.therapy == "arsenic trioxide"]
    assert on_label[0].relation_note == f"{tumour} with {fusion} fusion is APL with PML-RARA (APLPMLRARA)"
    (finding,) = [f for f in findings_from_result(result, core_knowledge) if f.title.endswith(": arsenic trioxide")]
    assert "On-label: " in finding.summary and "Not on-label" not in finding.summary


def test_an_aml_without_pml_rara_or_outside_aml_stays_off_the_apl_labels(core_knowledge: OncoKnowledge) -> None:
    # another RARA partner (variant RARA translocation) is not PML::RARA; no fusion at all leaves AML broader than APL
    assert tier(run(core_knowledge, "AML", "ZBTB16::RARA"), "arsenic trioxide") == set()
    assert tier(run(core_knowledge, "AML", "RARA fusion"), "arsenic trioxide") == set()
    # a myeloid neoplasm coded only by its tissue, or an AML coded as another subtype, is not defined by the fusion
    assert tier(run(core_knowledge, "MYELOID", "PML::RARA"), "arsenic trioxide") == {"II-C"}
    assert tier(run(core_knowledge, "AMLNOS", "PML::RARA"), "arsenic trioxide") == {"II-C"}
    assert tier(run(core_knowledge, UNKNOWN_TUMOUR, "PML::RARA"), "arsenic trioxide") == {"II-C"}
    # the AML labels stay on-label for an APL found by its fusion
    assert tier(run(core_knowledge, "AML", "PML::RARA", "FLT3 D835Y"), "gilteritinib") == {"I-A"}


@pytest.mark.parametrize(
    ("alteration", "subtype"),
    [
        ("RUNX1::RUNX1T1", "AMLRUNX1RUNX1T1"),
        ("CBFB::MYH11", "AMLCBFBMYH11"),
        ("DEK::NUP214", "AMLDEKNUP214"),
        ("KMT2A::MLLT3", "AMLMLLT3KMT2A"),
        ("NPM1 W288Cfs*12", "AMLNPM1"),
    ],
)
def test_each_defining_alteration_places_an_aml_in_its_who_type(
    core_knowledge: OncoKnowledge, alteration: str, subtype: str
) -> None:
    """Evidence coded at an AML type the WHO defines by one alteration is on-label for an AML with it, not without."""
    row = next(r for r in core_knowledge.tables[0].rows if r.id == "onco-core:apl-pml-rara-ato-relapsed")
    table = core_knowledge.tables[0].model_copy(
        update={"rows": [row.model_copy(update={"biomarker": parse_alteration(alteration), "oncotree": subtype})]}
    )
    knowledge = OncoKnowledge(
        tables=[table], genes=core_knowledge.genes, tree=core_knowledge.tree, thresholds=core_knowledge.thresholds,
        defined_types=core_knowledge.defined_types,
    )  # fmt: skip
    assert tier(run(knowledge, "AML", alteration), "arsenic trioxide") == {"I-A"}
    assert tier(run(knowledge, "AMLNOS", alteration), "arsenic trioxide") == {"II-C"}
    with_other = run(knowledge, "AML", alteration, "PML::RARA")
    assert tier(with_other, "arsenic trioxide") == {"I-A"}
    assert tier(run(knowledge, "MDS", alteration), "arsenic trioxide") == {"II-C"}


def test_antigen_labels_need_the_antigen_present_and_their_own_tumour_type(core_knowledge: OncoKnowledge) -> None:
    assert tier(run(core_knowledge, "AML", "CD33 negative"), "gemtuzumab ozogamicin") == set()
    assert tier(run(core_knowledge, "GIST", "CD117 negative"), "imatinib") == set()
    assert tier(run(core_knowledge, "SM", "CD117 positive"), "imatinib") == {"II-C"}
    assert tier(run(core_knowledge, "BLL", "CD33 positive"), "gemtuzumab ozogamicin") == {"II-C"}
    assert tier(run(core_knowledge, "AML", "CD19 positive"), "blinatumomab") == {"II-C"}
    brentuximab = "brentuximab vedotin + cyclophosphamide + doxorubicin + prednisone"
    assert tier(run(core_knowledge, "TLGL", "CD30 positive"), brentuximab) == {"II-C"}  # a T-cell leukaemia
    assert tier(run(core_knowledge, "ALCL", "CD30 negative"), brentuximab) == set()
    assert tier(run(core_knowledge, "BLL", "CD22 negative"), "inotuzumab ozogamicin") == set()
    assert tier(run(core_knowledge, "FL", "CD20 negative"), "rituximab") == set()
    assert tier(run(core_knowledge, "DLBCLNOS", "CD20 positive"), "rituximab") == {"II-C"}  # label row is follicular


# --- tumour-agnostic labels, CUP and an unknown tumour type ---------------------------------------------------
@pytest.mark.parametrize("tumour", ["CUP", "CUPNOS", UNKNOWN_TUMOUR, "THPA", "SARCOMA"])
def test_ntrk_fusion_is_on_label_for_any_solid_or_unknown_tumour(core_knowledge: OncoKnowledge, tumour: str) -> None:
    result = run(core_knowledge, tumour if tumour != "SARCOMA" else "IFS", "ETV6::NTRK3")
    for therapy in ("larotrectinib", "entrectinib", "repotrectinib"):
        assert "I-A" in tier(result, therapy), (tumour, therapy)


@pytest.mark.parametrize("tumour", ["CUP", "CUPNOS", UNKNOWN_TUMOUR])
def test_every_tumour_agnostic_label_is_on_label_for_an_unknown_primary(
    core_knowledge: OncoKnowledge, tumour: str
) -> None:
    """Each curated pan-cancer label (sensitivity) row, fed its own biomarker: I-A for a cancer of unknown primary and
    for an unknown tumour type, except that an unknown type cannot be placed on a label with exclusions (II-C, with the
    reason). Pan-cancer resistance rows (TRK xDFG against repotrectinib) are not labels."""
    rows = [
        r for r in core_knowledge.tables[0].rows if r.oncotree == "PANCANCER" and r.significance.value == "sensitivity"
    ]
    assert len(rows) >= 15
    for row in rows:
        profile = TumourProfile(case_id="t", tumour_type=tumour, alterations=[row.biomarker])
        (match,) = [m for m in match_profile(profile, core_knowledge).matches if m.row.id == row.id]
        if tumour == UNKNOWN_TUMOUR and row.excluded_oncotree:
            assert match.amp_tier == "II-C" and match.relation_note, row.id
            assert "the tumour type is not known" in match.relation_note
        else:
            assert match.amp_tier == "I-A", (row.id, tumour)


def test_solid_tumour_labels_leave_out_haematological_neoplasms(core_knowledge: OncoKnowledge) -> None:
    assert tier(run(core_knowledge, "AML", "ETV6::NTRK3"), "larotrectinib") == {"II-C"}
    assert tier(run(core_knowledge, "BLL", "MSI-H"), "pembrolizumab") == {"II-C"}


def test_braf_v600e_tumour_agnostic_label_and_its_colorectal_exclusion(core_knowledge: OncoKnowledge) -> None:
    assert "I-A" in tier(run(core_knowledge, "CUP", "BRAF V600E"), "dabrafenib + trametinib")
    assert "I-A" in tier(run(core_knowledge, "GBC", "BRAF V600E"), "dabrafenib + trametinib")
    for tumour in ("COAD", "COADREAD", "BOWEL", UNKNOWN_TUMOUR):
        result = run(core_knowledge, tumour, "BRAF V600E")
        pan = [m for m in result.matches if m.row.id == "onco-core:pan-braf-v600e-dabrafenib-trametinib"]
        assert [m.amp_tier for m in pan] == ["II-C"], tumour
    unresolved = run(core_knowledge, "BOWEL", "BRAF V600E")
    notes = {m.relation_note for m in unresolved.matches if m.relation.value == "not_resolved"}
    assert any(n and "Colorectal Adenocarcinoma (COADREAD)" in n and "BOWEL may be one" in n for n in notes)
    # encorafenib + cetuximab is a colorectal indication: BOWEL does not say the tumour is colorectal
    assert tier(unresolved, "encorafenib + cetuximab") == {"II-C"}
    assert tier(run(core_knowledge, "READ", "BRAF V600E"), "encorafenib + cetuximab") == {"I-A"}


def test_unknown_tumour_type_gets_only_tumour_agnostic_labels_on_label(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, UNKNOWN_TUMOUR, "MSI-H", "TMB-H", "EGFR L858R")
    assert "I-A" in tier(result, "pembrolizumab")
    assert tier(result, "osimertinib") == {"II-C"}


@pytest.mark.parametrize(
    ("text", "suggested"),
    [("COLON", "COAD"), ("CRC", "COADREAD"), ("colorectal", "COADREAD"), ("GBM", "GB"), ("SEGA", "LGGNOS")],
)
def test_tumour_types_that_are_not_oncotree_codes_are_refused_with_suggestions(
    core_knowledge: OncoKnowledge, text: str, suggested: str
) -> None:
    with pytest.raises(ValueError, match=suggested) as caught:
        tumour_type_code(text, core_knowledge.tree)
    assert repr(text) in str(caught.value)


def test_valid_codes_and_unknown_are_accepted(core_knowledge: OncoKnowledge) -> None:
    assert tumour_type_code("coad", core_knowledge.tree) == "COAD"
    assert tumour_type_code("BOWEL", core_knowledge.tree) == "BOWEL"
    assert tumour_type_code(None, core_knowledge.tree) == UNKNOWN_TUMOUR
    assert tumour_type_code("MDS/MPN", core_knowledge.tree) == "MDS/MPN"


# --- resistance markers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy", "expected"),
    [
        ("LUAD", "EGFR T790M", "erlotinib", "I-B"),  # on-target secondary mutation, first-generation TKI
        ("LUAD", "EGFR T790M", "afatinib", "I-B"),  # and second-generation TKIs
        ("NSCLC", "EGFR T790M", "dacomitinib", "I-B"),
        ("LUAD", "MET amplification", "gefitinib", "I-B"),  # bypass signalling: MET amplification for EGFR TKIs
        ("NSCLC", "MET amplification", "erlotinib", "I-B"),
        ("NSCLC", "MET amplification", "dacomitinib", "I-B"),
        ("LUAD", "EGFR C797S", "osimertinib", "I-B"),  # on-target secondary mutation, third-generation TKI
        ("LUAD", "ALK G1202R", "alectinib", "I-B"),  # on-target secondary mutation, second-generation ALK TKIs
        ("NSCLC", "ALK G1202R", "ceritinib", "I-B"),
        ("CML", "ABL1 T315I", "imatinib", "I-B"),
        ("CML", "ABL1 T315I", "dasatinib", "I-B"),
        ("CML", "ABL1 Y253H", "nilotinib", "I-B"),  # kinase domain mutations that spare one second-generation TKI
        ("CMLBCRABL1", "ABL1 E255V", "nilotinib", "I-B"),
        ("CML", "ABL1 V299L", "dasatinib", "I-B"),
        ("CML", "ABL1 T315A", "dasatinib", "I-B"),
        ("CLLSLL", "BTK C481S", "ibrutinib", "I-B"),
        ("CLLSLL", "BTK C481S", "acalabrutinib", "II-C"),  # every covalent BTK inhibitor binds C481 (reviews: level C)
        ("CLLSLL", "BTK C481R", "zanubrutinib", "II-C"),
        ("CLLSLL", "BCL2 G101V", "venetoclax", "I-B"),  # acquired on venetoclax
        ("LUAD", "MET amplification", "osimertinib", "I-B"),  # commonest off-target route after first-line osimertinib
        ("AML", "FLT3 F691L", "gilteritinib", "II-C"),  # gatekeeper, a minority of relapses (level C)
        ("LUAD", "ROS1 G2032R", "crizotinib", "I-B"),  # solvent-front mutation, ROS1 fusion-positive lung cancer
        ("GIST", "PDGFRA D842V", "imatinib", "I-A"),  # guideline statement (Onkopedia 2024)
        ("SM", "KIT D816V", "imatinib", "I-B"),
        ("COAD", "KRAS G12D", "cetuximab", "I-A"),  # pathway marker: RAS for anti-EGFR antibodies
        ("READ", "NRAS Q61K", "panitumumab", "I-A"),
        ("COAD", "BRAF V600E", "panitumumab", "I-B"),
        ("IDC", "ESR1 D538G", "aromatase inhibitor", "I-B"),  # ESR1 for aromatase inhibitors
    ],
)
def test_resistance_markers(
    core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str, expected: str
) -> None:
    assert expected in tier(run(core_knowledge, tumour, alteration), therapy, "resistance")


def test_resistance_is_reported_next_to_sensitivity(core_knowledge: OncoKnowledge) -> None:
    found = claims(run(core_knowledge, "CML", "BCR::ABL1", "ABL1 T315I"))
    assert ("BCR::ABL1 fusion", "imatinib", "sensitivity", "I-A") in found
    assert ("ABL1 T315I", "imatinib", "resistance", "I-B") in found
    assert ("ABL1 T315I", "ponatinib", "sensitivity", "I-A") in found


# --- approvals from 2023 on -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy", "year"),
    [
        ("AML", "NPM1 W288Cfs*12", "ziftomenib", 2025),
        ("AML", "NPM1 W288Cfs*12", "revumenib", 2025),
        ("DMG", "H3-3A K27M", "dordaviprone", 2025),  # histone numbering
        ("UEC", "MSI-H", "dostarlimab + carboplatin + paclitaxel", 2023),
        ("UEC", "MSI-H", "durvalumab + carboplatin + paclitaxel", 2024),
        ("AML", "KMT2A::MLLT3", "revumenib", 2024),
        ("MDS", "IDH1 R132H", "ivosidenib", 2023),
        ("LUAD", "CD74::ROS1", "taletrectinib", 2025),
        ("LUAD", "EGFR D770_N771insG", "sunvozertinib", 2025),
        ("LUAD", "ERBB2 mutation", "zongertinib", 2025),
        ("IDC", "ESR1 Y537S", "imlunestrant", 2025),
        ("IDC", "ESR1 D538G", "elacestrant", 2023),
        ("ASTR2", "IDH1 R132H", "vorasidenib", 2024),
        ("LGSOC", "KRAS G12V", "avutometinib + defactinib", 2025),
        ("COAD", "BRAF V600E", "encorafenib + cetuximab + mFOLFOX6", 2024),
        ("CUP", "ETV6::NTRK3", "repotrectinib", 2024),
        ("AML", "FLT3 ITD", "quizartinib + cytarabine + anthracycline", 2023),
        ("PRAD", "ATM loss-of-function mutation", "talazoparib + enzalutamide", 2023),
        ("PRAD", "BRCA1 loss-of-function mutation", "niraparib + abiraterone + prednisone", 2023),
        ("LUAD", "EGFR L858R", "datopotamab deruxtecan", 2025),
        ("LUAD", "EML4::ALK", "ensartinib", 2024),
        ("COAD", "MSI-H", "nivolumab + ipilimumab", 2025),
        ("IDC", "ER IHC 80%", "sacituzumab govitecan", 2023),  # HR-positive, HER2-negative breast cancer
        ("ILC", "PR IHC 10%", "datopotamab deruxtecan", 2025),
        ("IDC", "ER IHC 90%", "abemaciclib + endocrine therapy", 2023),  # adjuvant, high-risk node-positive
        ("STAD", "PD-L1 TAP 5%", "tislelizumab + fluoropyrimidine + platinum-based chemotherapy", 2024),
        ("GEJ", "PD-L1 CPS 3", "tislelizumab + fluoropyrimidine + platinum-based chemotherapy", 2024),
        ("ESCC", "PD-L1 TAP >= 1%", "tislelizumab + platinum-containing chemotherapy", 2025),
        ("STAD", "PD-L1 CPS 5", "pembrolizumab + fluoropyrimidine + platinum-based chemotherapy", 2025),  # CPS >= 1
        ("UM", "HLA-A*02:01", "tebentafusp", 2022),  # the patient's HLA type
        ("SYNS", "MAGE-A4 positive", "afamitresgene autoleucel", 2024),
        ("HGSOC", "PD-L1 CPS 5", "pembrolizumab + paclitaxel", 2026),  # platinum-resistant ovarian cancer
        ("HGSFT", "PD-L1 CPS >= 1", "pembrolizumab + paclitaxel", 2026),
        ("IDC", "ERBB2 amplification", "trastuzumab deruxtecan + pertuzumab", 2025),  # first line
        ("ESCC", "PD-L1 CPS 3", "nivolumab + fluoropyrimidine + platinum-based chemotherapy", 2025),  # CPS >= 1
        ("LUAD", "EGFR L858R", "amivantamab + carboplatin + pemetrexed", 2024),  # after an EGFR TKI (MARIPOSA-2)
        ("NSCLC", "EGFR E746_A750del", "amivantamab + carboplatin + pemetrexed", 2024),
        ("IDC", "ESR1 Y537S", "vepdegestrant", 2026),  # ER-positive, HER2-negative, after endocrine therapy
        ("IDC", "PD-L1 CPS 15", "sacituzumab govitecan + pembrolizumab", 2026),  # triple-negative, first line
        ("IHCH", "CD74::NRG1", "zenocutuzumab", 2026),  # cholangiocarcinoma, the label's third tumour type
        ("EHCH", "NRG1 fusion", "zenocutuzumab", 2026),
    ],
)
def test_recent_approvals(core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str, year: int) -> None:
    result = run(core_knowledge, tumour, alteration)
    rows = [m.row for m in result.matches if m.row.therapy == therapy and m.amp_tier == "I-A"]
    assert rows and all(r.year == year and r.verified and r.citations for r in rows)


def test_every_core_row_is_sourced_or_marked_unverified(core_knowledge: OncoKnowledge) -> None:
    core = next(t for t in core_knowledge.tables if t.source == "onco-core")
    assert len(core.rows) >= 150
    unverified = [r for r in core.rows if not r.verified]
    assert all(r.citations for r in core.rows if r.verified)
    assert all(r.native_level.endswith("(unverified)") for r in unverified)
    assert not unverified, sorted(r.id for r in unverified)


# --- FLT3: internal tandem duplications and tyrosine kinase domain mutations as sequencing reports them ----------
QUIZARTINIB = "quizartinib + cytarabine + anthracycline"
ITD_INSERTION = "FLT3 p.Tyr597_Glu598insAspLeuProValThrGlySerSerAspAsnGluTyrPheTyrValAspPheArgGluTyr"
ITD_DUPLICATION = "FLT3 p.Met578_Tyr599dup"


@pytest.mark.parametrize("itd", [ITD_INSERTION, ITD_DUPLICATION, "FLT3 ITD", "FLT3 internal tandem duplication"])
def test_flt3_itd_as_reported_meets_quizartinib_and_gene_level_flt3_labels(
    core_knowledge: OncoKnowledge, itd: str
) -> None:
    result = run(core_knowledge, "AML", itd)
    assert tier(result, QUIZARTINIB) == {"I-A"}
    assert "I-A" in tier(result, "gilteritinib")  # an ITD is oncogenic: gene-level "FLT3 mutation" applies
    assert "I-A" in tier(result, "midostaurin")


def test_flt3_in_frame_insertion_outside_the_itd_region_is_no_itd(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "AML", "FLT3 p.Asp835_Ile836insGly")  # activation loop, not juxtamembrane
    assert not tier(result, QUIZARTINIB)
    assert not tier(result, "gilteritinib")  # not a hotspot, not an ITD: a variant of unknown significance


def test_flt3_d835y_is_no_itd(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "AML", "FLT3 D835Y")
    assert not tier(result, QUIZARTINIB)
    assert tier(result, "gilteritinib") == {"I-A"}


def test_unannotated_flt3_d835y_allele_is_named_by_the_hotspot_table(core_knowledge: OncoKnowledge) -> None:
    allele = GenomicAllele(build=GenomeBuild.GRCH37, chrom="chr13", pos=28592642, ref="C", alt="A")
    alteration = Alteration(gene="FLT3", kind=AlterationKind.MUTATION, allele=allele, label=allele.text)
    result = match_profile(TumourProfile(case_id="t", tumour_type="AML", alterations=[alteration]), core_knowledge)
    assert {m.alteration.label for m in result.matches} == {"FLT3 D835Y"}
    assert "I-A" in tier(result, "gilteritinib")


@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy", "year", "setting"),
    [
        ("LUAD", "EGFR L858R", "osimertinib", 2024, "unresectable stage III"),  # after chemoradiation (LAURA)
        ("NSCLC", "EML4::ALK", "alectinib", 2024, "adjuvant"),  # after resection (ALINA)
        ("HNSC", "PD-L1 CPS 5", "pembrolizumab", 2025, "resectable locally advanced"),  # perioperative, CPS >= 1
        ("IDC", "BRCA2 loss-of-function mutation", "olaparib", 2022, "adjuvant"),  # high-risk early breast cancer
        ("IDC", "ER IHC 90%", "ribociclib + aromatase inhibitor", 2024, "adjuvant"),  # HR+, HER2- early (NATALEE)
        ("LUAD", "PD-L1 TC 60%", "atezolizumab", 2021, "adjuvant"),  # PD-L1 >= 1% of tumour cells, stage II-IIIA
        ("NSCLC", "EGFR E746_A750del", "osimertinib", 2020, "adjuvant"),  # after resection (ADAURA)
    ],
)
def test_recent_approvals_for_a_setting_stand_beside_the_drugs_first_label(
    core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str, year: int, setting: str
) -> None:
    result = run(core_knowledge, tumour, alteration)
    rows = [m.row for m in result.matches if m.row.therapy == therapy and m.amp_tier == "I-A"]
    assert any(r.year == year and (r.setting or "").startswith(setting) and r.citations for r in rows)
    assert any(r.setting is None and r.year is not None and r.year < year for r in rows)
    # the finding speaks for the drug's general label, and names the setting's own label beside it
    (finding,) = [f for f in findings_from_result(result, core_knowledge) if f.title.endswith(f": {therapy}")]
    head, _, rest = finding.summary.partition(" supporting row(s)")
    assert setting not in head and "evidence in" in head
    assert f"Also on-label for {setting}" in rest


def test_a_curated_row_without_quoted_sources_is_refused() -> None:
    row = {
        "id": "x",
        "biomarker": "BRAF V600E",
        "tumour": "MEL",
        "therapy": ["vemurafenib"],
        "significance": "sensitivity",
        "level": "FDA",
    }
    with pytest.raises(ValidationError, match="sources"):
        CuratedRow.model_validate(row)
    with pytest.raises(ValidationError, match="needs sources"):
        CuratedRow.model_validate({**row, "sources": []})


def test_an_fda_row_states_the_approval_year_its_source_gives() -> None:
    quote = {"cite": "PMID:25096067", "at": "abstract", "quote": "On August 17, 2011, the FDA approved vemurafenib."}
    row = {
        "id": "x",
        "biomarker": "BRAF V600E",
        "tumour": "MEL",
        "therapy": ["vemurafenib"],
        "significance": "sensitivity",
        "level": "FDA",
        "sources": [quote],
    }
    with pytest.raises(ValidationError, match="year of its approval"):
        CuratedRow.model_validate(row)
    with pytest.raises(ValidationError, match="year 2012 is in none of its sources"):
        CuratedRow.model_validate({**row, "year": 2012})
    assert CuratedRow.model_validate({**row, "year": 2011}).year == 2011


def test_every_fda_row_has_its_approval_year(core_knowledge: OncoKnowledge) -> None:
    core = next(t for t in core_knowledge.tables if t.source == "onco-core")
    missing = sorted({r.id for r in core.rows if r.native_level == "FDA" and r.year is None})
    assert not missing


@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy", "year"),
    [
        ("LUAD", "EGFR L858R", "afatinib", 2013),
        ("LUAD", "EML4::ALK", "alectinib", 2015),
        ("LUAD", "EML4::ALK", "crizotinib", 2011),
        ("LUAD", "CD74::ROS1", "crizotinib", 2016),
        ("LUAD", "BRAF V600E", "dabrafenib + trametinib", 2017),
        ("SKCM", "BRAF V600E", "vemurafenib", 2011),
        ("SKCM", "BRAF V600K", "vemurafenib + cobimetinib", 2015),
        ("BLCA", "FGFR3 S249C", "erdafitinib", 2019),
        ("CML", "BCR::ABL1", "imatinib", 2001),
        ("CML", "BCR::ABL1", "dasatinib", 2006),
        ("CML", "BCR::ABL1", "nilotinib", 2007),
        ("AML", "FLT3 D835Y", "gilteritinib", 2018),
        ("AML", "IDH1 R132C", "olutasidenib", 2022),
        ("APLPMLRARA", "PML::RARA", "tretinoin + arsenic trioxide", 2018),
        ("ALCL", "NPM1::ALK", "crizotinib", 2021),
    ],
)
def test_approval_years_from_the_notices(
    core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str, year: int
) -> None:
    result = run(core_knowledge, tumour, alteration)
    rows = [m.row for m in result.matches if m.row.therapy == therapy and m.amp_tier == "I-A"]
    own = [r for r in rows if r.id.startswith("onco-core:") and r.native_level == "FDA" and r.oncotree != "PANCANCER"]
    assert {r.year for r in own if r.setting is None} == {year}  # the drug's label; a later one names its setting


def test_abl1_t315i_resists_every_second_generation_inhibitor_and_meets_ponatinib_and_asciminib(
    core_knowledge: OncoKnowledge,
) -> None:
    result = run(core_knowledge, "CML", "BCR::ABL1", "ABL1 T315I")
    for therapy in ("imatinib", "dasatinib", "nilotinib"):
        assert tier(result, therapy, "resistance"), therapy
    assert "I-A" in tier(result, "ponatinib")
    assert "I-A" in tier(result, "asciminib")


@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy", "year"),
    [
        ("STAD", "ERBB2 amplification", "trastuzumab + cisplatin + fluoropyrimidine", 2010),
        ("GEJ", "ERBB2 amplification", "trastuzumab + cisplatin + fluoropyrimidine", 2010),
        ("IDC", "ERBB2 amplification", "lapatinib + capecitabine", 2007),
        ("IDC", "ERBB2 amplification", "trastuzumab emtansine", 2013),
        ("IDC", "ERBB2 amplification", "tucatinib + trastuzumab + capecitabine", 2020),
        ("IDC", "ERBB2 amplification", "pertuzumab + trastuzumab + docetaxel", 2012),
        ("SKCM", "BRAF V600E", "dabrafenib", 2013),
        ("SKCM", "BRAF V600K", "trametinib", 2013),
        ("THAP", "BRAF V600E", "dabrafenib + trametinib", 2018),
        ("IHCH", "IDH1 R132C", "ivosidenib", 2021),
        ("BLL", "BCR::ABL1", "dasatinib", 2006),
        ("IDC", "ER IHC 95%", "everolimus + exemestane", 2012),
    ],
)
def test_earlier_biomarker_approvals_on_label(
    core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str, year: int
) -> None:
    result = run(core_knowledge, tumour, alteration)
    rows = [m.row for m in result.matches if m.row.therapy == therapy and m.amp_tier == "I-A"]
    assert {r.year for r in rows if r.id.startswith("onco-core:") and r.oncotree != "PANCANCER"} == {year}


@pytest.mark.parametrize("therapy", ["sacituzumab govitecan", "datopotamab deruxtecan", "everolimus + exemestane"])
def test_hr_positive_her2_negative_labels_leave_out_her2_positive_and_hr_negative_tumours(
    core_knowledge: OncoKnowledge, therapy: str
) -> None:
    # HER2-low is HER2-negative
    assert tier(run(core_knowledge, "IDC", "ER IHC 80%", "HER2 IHC 1+"), therapy) == {"I-A"}
    assert tier(run(core_knowledge, "IDC", "ER IHC 80%", "ERBB2 amplification"), therapy) == {"II-C"}
    hr_negative = run(core_knowledge, "IDC", "ER IHC 0%", "PR IHC <1%")
    assert not [m for m in hr_negative.matches if m.row.therapy == therapy and "tnbc-" not in m.row.id]


def test_tislelizumab_labels_need_pd_l1_of_at_least_1_and_a_her2_negative_gastric_tumour(
    core_knowledge: OncoKnowledge,
) -> None:
    gastric = "tislelizumab + fluoropyrimidine + platinum-based chemotherapy"
    assert tier(run(core_knowledge, "STAD", "PD-L1 TAP <1%"), gastric) == set()
    assert tier(run(core_knowledge, "STAD", "PD-L1 TAP 10%", "ERBB2 amplification"), gastric) == {"II-C"}
    assert tier(run(core_knowledge, "ESCC", "PD-L1 TAP 10%"), gastric) == {"II-C"}  # an adenocarcinoma label
    assert tier(run(core_knowledge, "STAD", "PD-L1 TAP 10%"), "tislelizumab + platinum-containing chemotherapy") == {
        "II-C"
    }


def test_trastuzumab_deruxtecan_for_her2_ultralow_hormone_receptor_positive_breast_cancer(
    core_knowledge: OncoKnowledge,
) -> None:
    def years(*texts: str) -> set[int | None]:
        result = run(core_knowledge, "IDC", *texts)
        return {m.row.year for m in result.matches if m.row.therapy == "trastuzumab deruxtecan" and m.amp_tier == "I-A"}

    assert years("HER2 IHC 0 ultralow", "ER IHC 90%") == {2025}
    assert years("HER2 IHC 0 null", "ER IHC 90%") == set()
    assert years("HER2 IHC 0", "ER IHC 90%") == set()  # the score does not say whether the membrane stained
    assert years("HER2 IHC 0 ultralow", "ER IHC 0%", "PR IHC 0%") == set()  # hormone-receptor-negative
    assert years("HER2 IHC 2+", "PR IHC 20%") == {2022, 2025}  # HER2-low: the 2022 label and the 2025 one


def test_radioligand_labels_need_the_receptor_and_their_tumour_type(core_knowledge: OncoKnowledge) -> None:
    assert tier(run(core_knowledge, "PRAD", "PSMA negative"), "lutetium Lu 177 vipivotide tetraxetan") == set()
    # a high-grade neuroendocrine carcinoma is not a well-differentiated GEP-NET; a lung NET is not GEP
    for tumour in ("HGNEC", "LNET"):
        assert tier(run(core_knowledge, tumour, "SSTR positive"), "lutetium Lu 177 dotatate") == {"II-C"}, tumour


def test_pembrolizumab_for_her2_negative_gastric_cancer_needs_pd_l1_cps_1(core_knowledge: OncoKnowledge) -> None:
    therapy = "pembrolizumab + fluoropyrimidine + platinum-based chemotherapy"
    assert tier(run(core_knowledge, "GEJ", "PD-L1 CPS <1"), therapy) == set()  # the 2025 label leaves it out
    assert tier(run(core_knowledge, "GEJ", "PD-L1 CPS 2", "ERBB2 amplification"), therapy) == {"II-C"}
    nivolumab = "nivolumab + fluoropyrimidine + platinum-based chemotherapy"
    assert tier(run(core_knowledge, "STAD", "PD-L1 CPS <1"), nivolumab) == set()
    # the gastric/GEJ/oesophageal adenocarcinoma label is another type for ESCC; its own ESCC label needs CPS >= 1
    assert tier(run(core_knowledge, "ESCC", "PD-L1 CPS 10"), nivolumab) == {"I-A", "II-C"}
    assert tier(run(core_knowledge, "ESCC", "PD-L1 CPS <1"), nivolumab) == set()
    # pembrolizumab's oesophageal label covers both histologies, also only with CPS >= 1 since 2025
    assert "I-A" in tier(run(core_knowledge, "ESCC", "PD-L1 CPS 10"), therapy)
    assert tier(run(core_knowledge, "ESCA", "PD-L1 CPS <1"), therapy) == set()


def test_dabrafenib_alone_is_for_v600e_and_not_v600k(core_knowledge: OncoKnowledge) -> None:
    assert "I-A" not in tier(run(core_knowledge, "SKCM", "BRAF V600K"), "dabrafenib")


def test_her2_amplified_gastric_cancer_is_not_on_label_for_breast_only_drugs(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "STAD", "ERBB2 amplification")
    assert tier(result, "trastuzumab emtansine") == {"II-C"}


@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy", "year"),
    [
        ("PRAD", "BRCA2 loss-of-function mutation", "olaparib + abiraterone + prednisone", 2023),
        ("GNG", "BRAF V600E", "dabrafenib + trametinib", 2023),  # paediatric low-grade glioma
        ("PXA", "BRAF V600E", "dabrafenib + trametinib", 2023),
        ("LUAD", "ERBB2 mutation", "sevabertinib", 2025),  # HER2 TKD activating mutation as reported
    ],
)
def test_more_recent_approvals(
    core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str, year: int
) -> None:
    result = run(core_knowledge, tumour, alteration)
    rows = [m.row for m in result.matches if m.row.therapy == therapy and m.amp_tier == "I-A"]
    assert {r.year for r in rows if r.id.startswith("onco-core:") and r.oncotree != "PANCANCER"} == {year}


def test_her2_mutant_nsclc_labels_are_for_non_squamous_tumours(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "LUSC", "ERBB2 mutation")
    for therapy in ("sevabertinib", "zongertinib"):
        assert "I-A" not in tier(result, therapy), therapy


@pytest.mark.parametrize(
    ("tumour", "alterations", "therapy"),
    [
        ("CML", ("BCR::ABL1", "ABL1 F317L"), "dasatinib"),  # on-target secondary kinase-domain mutation
        ("SKCM", ("BRAF V600E", "NRAS Q61K"), "vemurafenib"),  # MAPK reactivation under BRAF inhibition
    ],
)
def test_more_resistance_markers(
    core_knowledge: OncoKnowledge, tumour: str, alterations: tuple[str, ...], therapy: str
) -> None:
    result = run(core_knowledge, tumour, *alterations)
    assert tier(result, therapy, "resistance") == {"I-B"}
    assert "I-A" in tier(result, therapy)  # the sensitising biomarker's label is still reported beside it


def test_met_amplification_after_an_egfr_tki_meets_savolitinib_with_osimertinib(core_knowledge: OncoKnowledge) -> None:
    therapy = "savolitinib + osimertinib"
    (match,) = [
        m for m in run(core_knowledge, "LUAD", "EGFR L858R", "MET amplification").matches if m.row.therapy == therapy
    ]
    # phase 3 SACHI; approved in China, not by the FDA, for locally advanced or metastatic disease
    extent = (
        "only for locally advanced (unresectable) or metastatic disease (the extent of disease is not stated for this "
        "tumour)"
    )
    assert match.amp_tier == "I-B" and match.condition == extent
    (alone,) = [m for m in run(core_knowledge, "LUAD", "MET amplification").matches if m.row.therapy == therapy]
    assert alone.condition == f"only with EGFR mutation (not stated for this tumour); {extent}"
    assert tier(run(core_knowledge, "LUAD", "EGFR L858R"), therapy) == set()


@pytest.mark.parametrize("secondary", ["KIT D816H", "KIT N822K", "KIT exon 18 mutation"])
def test_kit_activation_loop_mutation_after_imatinib_favours_ripretinib_over_sunitinib(
    core_knowledge: OncoKnowledge, secondary: str
) -> None:
    """INTRIGUE ctDNA analysis (exploratory: level "limited", AMP C): exon 11 GIST with an exon 17/18 mutation."""
    result = run(core_knowledge, "GIST", "KIT V560D", secondary)
    assert tier(result, "ripretinib") == {"II-C"}
    assert tier(result, "sunitinib", "resistance") == {"II-C"}
    assert tier(result, "sunitinib") == set()
    (match,) = [m for m in result.matches if m.row.therapy == "ripretinib"]
    assert match.alteration.label == secondary and match.condition is None and match.row.native_level == "limited"


def test_kit_atp_pocket_mutation_after_imatinib_favours_sunitinib(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "GIST", "KIT W557_K558del", "KIT V654A")
    assert tier(result, "sunitinib") == {"II-C"} and tier(result, "ripretinib") == set()
    assert tier(result, "sunitinib", "resistance") == set()


def test_kit_secondary_mutation_rows_need_a_primary_exon_11_mutation_and_stay_in_gist(
    core_knowledge: OncoKnowledge,
) -> None:
    alone = run(core_knowledge, "GIST", "KIT D816H")  # a primary exon 17 GIST: the exon 11 condition is left open
    (match,) = [m for m in alone.matches if m.row.therapy == "ripretinib"]
    assert match.condition == "only with KIT exon 11 mutation (not stated for this tumour)"
    elsewhere = run(core_knowledge, "SKCM", "KIT V560D", "KIT D816H")  # exploratory evidence in another type: tier III
    assert tier(elsewhere, "ripretinib") == {"III"}


def test_btk_c481_mutation_points_from_covalent_btk_inhibitors_to_pirtobrutinib(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "CLLSLL", "BTK C481S")
    assert tier(result, "pirtobrutinib") == {"II-C"}  # non-covalent: the cysteine is not needed (level C)
    assert tier(result, "pirtobrutinib", "resistance") == set()
    for covalent in ("ibrutinib", "acalabrutinib", "zanubrutinib"):
        assert tier(result, covalent) == set(), covalent
    assert tier(run(core_knowledge, "CLLSLL", "BTK L528W"), "acalabrutinib", "resistance") == set()  # not C481
    assert tier(run(core_knowledge, "MCL", "BTK C481S"), "zanubrutinib", "resistance") == {"III"}  # CLL evidence only


def test_nrg1_fusion_zenocutuzumab_labels_name_three_tumour_types_only(core_knowledge: OncoKnowledge) -> None:
    for tumour in ("LUAD", "PAAD", "CHOL"):
        assert "I-A" in tier(run(core_knowledge, tumour, "CD74::NRG1"), "zenocutuzumab"), tumour
    assert tier(run(core_knowledge, "GBC", "CD74::NRG1"), "zenocutuzumab") == {"II-C"}  # gallbladder: not on label


def test_camizestrant_switch_for_an_emergent_esr1_mutation_is_investigational(core_knowledge: OncoKnowledge) -> None:
    """SERENA-6 was positive but the drug is not approved in the US and the advisory committee voted against: the
    row is AMP level C (Tier II-C in breast cancer), while the approved ESR1 degraders stay Tier I-A."""
    result = run(core_knowledge, "IDC", "ESR1 D538G", "ER IHC 90%", "HER2 IHC 1+")
    assert tier(result, "camizestrant + CDK4/6 inhibitor") == {"II-C"}
    assert tier(result, "elacestrant") == {"I-A"}
    assert tier(run(core_knowledge, "IDC", "ESR1 D538G", "ERBB2 amplification"), "camizestrant + CDK4/6 inhibitor") == {
        "III"
    }


def test_kit_secondary_mutation_beside_a_primary_driver_resists_imatinib(core_knowledge: OncoKnowledge) -> None:
    pairs = (("KIT V560D", "KIT V654A"), ("KIT V560D", "KIT D816H"), ("KIT A502_Y503dup", "KIT N822K"))
    for primary, secondary in pairs:
        result = run(core_knowledge, "GIST", primary, secondary)
        assert tier(result, "imatinib", "resistance") == {"I-B"}, secondary
        if primary == "KIT V560D":  # the exon 11 driver's label is still reported beside it
            assert "I-A" in tier(result, "imatinib")
    (alone,) = [
        m
        for m in run(core_knowledge, "GIST", "KIT D816H").matches
        if m.row.id.startswith("onco-core:gist-kit-secondary-imatinib-resistance")
    ]
    assert alone.condition == "only with KIT exon 11 mutation or KIT exon 9 mutation (not stated for this tumour)"


@pytest.mark.parametrize("tumour", ["MNM", "MLNER"])
def test_a_myeloid_neoplasm_with_a_pdgfra_or_pdgfrb_fusion_meets_the_imatinib_labels(
    core_knowledge: OncoKnowledge, tumour: str
) -> None:
    """WHO 2016: a myeloid neoplasm with a PDGFRA or PDGFRB rearrangement is a myeloid/lymphoid neoplasm with
    eosinophilia and that rearrangement, whatever else it was coded as within the myeloid neoplasms."""
    assert tier(run(core_knowledge, tumour, "FIP1L1::PDGFRA"), "imatinib") == {"I-A"}
    assert tier(run(core_knowledge, tumour, "ETV6::PDGFRB"), "imatinib") == {"I-A"}
    assert tier(run(core_knowledge, "MYELOID", "FIP1L1::PDGFRA"), "imatinib") == {"II-C"}  # may not be a neoplasm


@pytest.mark.parametrize("tumour", ["STAD", "GEJ", "ESCA"])
def test_zanidatamab_first_line_her2_positive_gastroesophageal_adenocarcinoma_is_phase_3_evidence(
    core_knowledge: OncoKnowledge, tumour: str
) -> None:
    """HERIZON-GEA-01 (phase 3, not yet an approval in the sources read): level B, Tier I-B in the three types."""
    result = run(core_knowledge, tumour, "HER2 IHC 3+")
    assert tier(result, "zanidatamab + tislelizumab + chemotherapy") == {"I-B"}
    assert tier(result, "zanidatamab + chemotherapy") == {"I-B"}
    assert tier(run(core_knowledge, "ESCC", "HER2 IHC 3+"), "zanidatamab + chemotherapy") == {"II-C"}  # squamous
