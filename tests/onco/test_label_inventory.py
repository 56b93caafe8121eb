"""Indications found missing when every FDA oncology approval naming a biomarker was compared with the curated core
(drug, biomarker, tumour type), each with a real alteration: the tumour gets the therapy at the tier its source
gives, and a withdrawn indication is offered no more."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from tailormed.engines.onco.profile import tumour_type_code
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TumourProfile, match_profile
from tailormed.knowledge.bundle import CURATED_DIR
from tailormed.model.alteration import AlterationKind, parse_alteration
from tailormed.model.enums import DiseaseExtent


def run(knowledge: OncoKnowledge, tumour: str, *texts: str) -> OncoResult:
    code = tumour_type_code(tumour, knowledge.tree)
    profile = TumourProfile(case_id="t", tumour_type=code, alterations=[parse_alteration(t) for t in texts])
    return match_profile(profile, knowledge)


def tiers(result: OncoResult, therapy: str, significance: str = "sensitivity") -> set[str]:
    return {m.amp_tier for m in result.matches if m.row.therapy == therapy and m.row.significance.value == significance}


def years(result: OncoResult, therapy: str) -> set[int | None]:
    return {m.row.year for m in result.matches if m.row.therapy == therapy and m.amp_tier == "I-A"}


@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy", "year"),
    [
        ("SKCM", "BRAF V600E", "atezolizumab + cobimetinib + vemurafenib", 2020),
        ("ACRM", "BRAF V600K", "atezolizumab + cobimetinib + vemurafenib", 2020),
        ("LUAD", "EGFR L858R", "ramucirumab + erlotinib", 2020),
        ("NSCLC", "EGFR E746_A750del", "ramucirumab + erlotinib", 2020),
        ("IDC", "ERBB2 amplification", "neratinib + capecitabine", 2020),
        ("LUAD", "EGFR A767_V769dup", "amivantamab", 2021),  # exon 20 insertion, after platinum chemotherapy
        ("THPA", "CCDC6::RET", "pralsetinib", 2020),  # RET fusion-positive thyroid cancer
        ("CML", "BCR::ABL1", "ponatinib", 2012),  # no other TKI indicated
    ],
)
def test_missing_fda_indications_are_on_label(
    core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str, year: int
) -> None:
    result = run(core_knowledge, tumour, alteration)
    assert "I-A" in tiers(result, therapy)
    assert year in years(result, therapy)


def test_pralsetinib_for_ret_mutant_medullary_thyroid_cancer_was_withdrawn(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "THME", "RET M918T")
    assert "I-A" not in tiers(result, "pralsetinib")
    assert "I-A" in tiers(result, "selpercatinib")  # still on its own label
    assert "I-A" in tiers(run(core_knowledge, "THME", "NCOA4::RET"), "pralsetinib")  # a fusion stays on-label


@pytest.mark.parametrize(
    ("tumour", "alterations", "therapy", "expected"),
    [
        ("CML", ("BCR::ABL1", "ABL1 T315I"), "bosutinib", "I-B"),
        ("LUAD", ("EML4::ALK", "ALK G1202R"), "brigatinib", "I-B"),
        ("CML", ("BCR::ABL1", "ABL1 G250E"), "imatinib", "I-B"),  # P-loop, imatinib-resistant CML
        ("CML", ("BCR::ABL1", "ABL1 Y253H"), "imatinib", "I-B"),
        ("CML", ("BCR::ABL1", "ABL1 V299L"), "imatinib", "I-B"),
        ("SKCM", ("BRAF V600E", "BRAF amplification"), "dabrafenib + trametinib", "I-B"),  # acquired on D+T
    ],
)
def test_on_target_secondary_mutations_resist_the_drug_beside_its_label(
    core_knowledge: OncoKnowledge, tumour: str, alterations: tuple[str, ...], therapy: str, expected: str
) -> None:
    result = run(core_knowledge, tumour, *alterations)
    assert tiers(result, therapy, "resistance") == {expected}
    assert "I-A" in tiers(result, therapy)  # the fusion's own label is still shown beside it


def test_alk_g1202r_points_to_lorlatinib_as_investigational_evidence(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "LUAD", "ALK G1202R")
    assert tiers(result, "lorlatinib") == {"II-C"}
    assert tiers(run(core_knowledge, "LUAD", "EML4::ALK", "ALK G1202R"), "lorlatinib") == {"I-A", "II-C"}


@pytest.mark.parametrize(
    ("tumour", "alterations", "therapy", "sensitising"),
    [
        ("LUAD", ("MET exon 14 skipping", "MET Y1230C"), "capmatinib", True),
        ("NSCLC", ("MET exon 14 skipping", "MET D1228N"), "tepotinib", True),
        ("LUAD", ("KIF5B::RET", "RET G810R"), "selpercatinib", True),
        ("LUAD", ("KIF5B::RET", "RET G810S"), "pralsetinib", True),  # G810X named for both selective RET inhibitors
        ("CHOL", ("FGFR2::BICC1", "FGFR2 V565F"), "futibatinib", True),  # gatekeeper, numbered as UNLOCK does
        ("CHOL", ("FGFR2::BICC1", "FGFR2 N550K"), "futibatinib", True),  # molecular brake
        ("SARCNOS", ("TPM3::NTRK1", "NTRK1 G667C"), "repotrectinib", True),  # xDFG, tumour-agnostic label
        ("MASC", ("ETV6::NTRK3", "NTRK3 G696A"), "repotrectinib", True),
        ("MLNER", ("FIP1L1::PDGFRA", "PDGFRA T674I"), "imatinib", True),  # the fusion's T315I-like gatekeeper
        ("LUAD", ("EML4::ALK", "ALK C1156Y"), "crizotinib", True),
        ("LUAD", ("EML4::ALK", "ALK L1152R"), "crizotinib", True),
        ("LUAD", ("EML4::ALK", "ALK I1171N"), "alectinib", True),
        ("NSCLC", ("EML4::ALK", "ALK I1171S"), "alectinib", True),
        ("LUAD", ("MET exon 14 skipping", "MET D1228N"), "crizotinib", False),  # crizotinib's MET row is trial evidence
        ("COAD", ("EGFR S492R",), "cetuximab", True),  # cetuximab's RAS wild-type label stays, with its conditions
        ("SKCM", ("BRAF V600E", "MAP2K1 C121S"), "vemurafenib", True),
        ("CML", ("BCR::ABL1", "ABL1 E255K"), "imatinib", True),
        ("CML", ("BCR::ABL1", "ABL1 E255V"), "imatinib", True),
        ("CLLSLL", ("BTK T316A",), "ibrutinib", False),
        ("LUAD", ("EGFR L858R", "EGFR D761Y"), "gefitinib", True),
        ("LUAD", ("EGFR L858R", "EGFR D761Y"), "erlotinib", True),
        ("HCL", ("BRAF V600E", "KRAS G12D"), "vemurafenib", False),  # vemurafenib's HCL row is trial evidence
        ("LUAD", ("KRAS G12C", "KRAS Y96D"), "sotorasib", True),
        ("NSCLC", ("KRAS G12C", "KRAS Y96C"), "adagrasib", True),
        ("CLLSLL", ("PLCG2 R665W",), "ibrutinib", False),  # the ibrutinib labels name no alteration
    ],
)
def test_acquired_resistance_reported_in_case_series_is_tier_two(
    core_knowledge: OncoKnowledge, tumour: str, alterations: tuple[str, ...], therapy: str, sensitising: bool
) -> None:
    result = run(core_knowledge, tumour, *alterations)
    assert tiers(result, therapy, "resistance") == {"II-C"}
    assert ("I-A" in tiers(result, therapy)) is sensitising


def test_case_series_resistance_outside_its_tumour_type_is_tier_three(core_knowledge: OncoKnowledge) -> None:
    assert tiers(run(core_knowledge, "LUAD", "KRAS Y96D"), "osimertinib", "resistance") == set()
    result = run(core_knowledge, "COAD", "KRAS G12C", "KRAS Y96D")
    assert tiers(result, "sotorasib", "resistance") == {"III"}
    assert "I-A" in tiers(result, "sotorasib + panitumumab")


@pytest.mark.parametrize(
    ("alterations", "therapy", "level"),
    [
        (("ER IHC 90%",), "anastrozole", "FDA"),
        (("PR IHC 20%",), "letrozole", "FDA"),
        (("ER IHC 60%",), "exemestane", "FDA"),
        (("ER IHC 95%", "PR IHC 40%"), "tamoxifen", "guideline"),
    ],
)
def test_endocrine_therapy_for_hormone_receptor_positive_breast_cancer(
    core_knowledge: OncoKnowledge, alterations: tuple[str, ...], therapy: str, level: str
) -> None:
    result = run(core_knowledge, "IDC", *alterations)
    assert {m.row.native_level for m in result.matches if m.row.therapy == therapy and m.amp_tier == "I-A"} == {level}


def test_endocrine_therapy_needs_a_receptor_at_one_percent_of_nuclei(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "IDC", "ER IHC 0%", "PR IHC 0%")
    for therapy in ("anastrozole", "letrozole", "exemestane", "tamoxifen"):
        assert "I-A" not in tiers(result, therapy), therapy
    assert "I-A" not in tiers(run(core_knowledge, "IDC", "PR IHC 50%"), "exemestane")  # its label names ER alone


@pytest.mark.parametrize(
    ("tumour", "alterations", "therapy"),
    [
        (
            "LUAD",
            ("EGFR D770_N771insG",),
            "afatinib",
        ),  # exon 20 insertion: poor response to first/second-generation TKIs
        ("NSCLC", ("EGFR A767_V769dup",), "erlotinib"),
        ("LUAD", ("EGFR D770_N771insG",), "gefitinib"),
        ("LUAD", ("KRAS G12D",), "erlotinib"),  # KRAS-mutant NSCLC and EGFR TKIs
        ("LUAD", ("KRAS G12V",), "gefitinib"),
        ("AML", ("FLT3 ITD", "FLT3 D835Y"), "quizartinib"),  # on the label's FLT3-ITD
    ],
)
def test_pathway_and_intrinsic_resistance_markers(
    core_knowledge: OncoKnowledge, tumour: str, alterations: tuple[str, ...], therapy: str
) -> None:
    result = run(core_knowledge, tumour, *alterations)
    drug = therapy.split(" + ")[0]
    resisted = {
        m.amp_tier for m in result.matches if m.row.therapy == drug and m.row.significance.value == "resistance"
    }
    assert resisted == {"I-B"}


@pytest.mark.parametrize(
    ("tumour", "alteration", "therapy"),
    [
        ("COAD", "ERBB2 amplification", "cetuximab"),  # HER2 bypass for EGFR antibodies
        ("READ", "ERBB2 amplification", "panitumumab"),
        ("COAD", "PIK3CA H1047R", "cetuximab"),  # PI3K pathway marker for EGFR antibodies
        ("COADREAD", "PIK3CA E545K", "panitumumab"),
    ],
)
def test_colorectal_markers_against_egfr_antibodies_are_level_c_and_stay_out_of_other_tumours(
    core_knowledge: OncoKnowledge, tumour: str, alteration: str, therapy: str
) -> None:
    assert tiers(run(core_knowledge, tumour, alteration), therapy, "resistance") == {"II-C"}
    assert tiers(run(core_knowledge, "HNSC", alteration), therapy, "resistance") <= {"III"}


def test_egfr_exon_20_insertion_keeps_its_own_labels(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "LUAD", "EGFR D770_N771insG")
    assert "I-A" in tiers(result, "amivantamab") and "I-A" in tiers(result, "sunvozertinib")
    assert tiers(run(core_knowledge, "LUAD", "EGFR L858R"), "erlotinib", "resistance") == set()
    assert tiers(run(core_knowledge, "LUAD", "EGFR S768I"), "afatinib", "resistance") == set()  # exon 20, no insertion


def test_every_curated_row_writes_its_sources_out_in_full() -> None:
    """A YAML anchor or alias would make one row's quote silently stand for another's; each row spells its own."""
    text = (CURATED_DIR / "onco-core" / "evidence.yaml").read_text(encoding="utf-8")
    assert not re.search(r"(^|\s)[&*]id\d+", text, flags=re.MULTILINE)


@pytest.mark.parametrize(
    ("tumour", "alterations", "therapy", "significance"),
    [
        ("LUAD", ("EML4::ALK", "ALK G1269A"), "crizotinib", "resistance"),  # acquired on crizotinib
        ("LUAD", ("EML4::ALK", "ALK I1171T"), "alectinib", "resistance"),
        ("LUAD", ("EML4::ALK", "ALK I1171T"), "ceritinib", "sensitivity"),  # ceritinib after alectinib
        ("BCC", ("SMO D473G",), "vismodegib", "resistance"),  # drug-binding pocket of Smoothened
        ("BCC", ("SMO W535L",), "sonidegib", "resistance"),
        ("APLPMLRARA", ("PML::RARA", "PML A216V"), "arsenic trioxide", "resistance"),  # PML B2 domain
        ("IDC", ("ERBB2 amplification", "PIK3CA H1047R"), "trastuzumab", "resistance"),
        ("IDC", ("HER2 IHC 3+", "PIK3CA E545K"), "lapatinib + capecitabine", "resistance"),
    ],
)
def test_case_series_and_subgroup_findings_are_tier_two(
    core_knowledge: OncoKnowledge, tumour: str, alterations: tuple[str, ...], therapy: str, significance: str
) -> None:
    assert "II-C" in tiers(run(core_knowledge, tumour, *alterations), therapy, significance)


def test_pik3ca_resistance_to_her2_therapy_is_shown_on_condition_of_a_her2_positive_tumour(
    core_knowledge: OncoKnowledge,
) -> None:
    unstated = [
        m
        for m in run(core_knowledge, "IDC", "PIK3CA H1047R").matches
        if m.row.therapy == "trastuzumab" and m.row.significance.value == "resistance"
    ]
    assert unstated and all("ERBB2 amplification" in (m.condition or "") for m in unstated)
    stated = run(core_knowledge, "IDC", "PIK3CA H1047R", "ERBB2 amplification").matches
    assert any(
        m.row.therapy == "trastuzumab" and m.row.significance.value == "resistance" and not m.condition for m in stated
    )


@pytest.mark.parametrize(
    ("tumour", "alterations", "therapy"),
    [
        ("ASM", ("KIT D816V",), "avapritinib"),  # aggressive systemic mastocytosis lies within SM
        ("SMAHN", ("KIT D816V",), "midostaurin"),
        ("USC", ("HER2 IHC 3+",), "trastuzumab + carboplatin + paclitaxel"),  # HER2-positive uterine serous carcinoma
        ("LUAD", ("MET amplification",), "capmatinib"),  # high-level MET amplification
        ("COAD", ("ERBB2 amplification",), "trastuzumab + lapatinib"),  # HERACLES
        ("READ", ("ERBB2 amplification",), "trastuzumab + pertuzumab"),  # MyPathway
        ("ACRM", ("KIT L576P",), "imatinib"),  # KIT-mutant (acral) melanoma
        ("DDLS", ("CDK4 amplification",), "palbociclib"),  # dedifferentiated liposarcoma
        ("HCL", ("BRAF V600E",), "vemurafenib"),
    ],
)
def test_trial_evidence_without_a_biomarker_label_is_tier_one_b(
    core_knowledge: OncoKnowledge, tumour: str, alterations: tuple[str, ...], therapy: str
) -> None:
    assert "I-B" in tiers(run(core_knowledge, tumour, *alterations), therapy)


@pytest.mark.parametrize("therapy", ["trastuzumab + pertuzumab", "trastuzumab + lapatinib"])
def test_nccn_her2_therapy_for_her2_amplified_colorectal_cancer_is_guideline_level(
    core_knowledge: OncoKnowledge, therapy: str
) -> None:
    """NCCN names trastuzumab with pertuzumab or lapatinib for HER2-amplified metastatic colorectal cancer: AMP level A
    (guideline) in colorectal cancer, beside the trial rows at level B; never on-label for another tumour type."""
    result = run(core_knowledge, "COAD", "ERBB2 amplification")
    levels = {m.row.native_level for m in result.matches if m.row.therapy == therapy and m.amp_tier == "I-A"}
    assert levels == {"guideline"}
    assert "I-B" in tiers(result, therapy)
    assert "I-A" not in tiers(run(core_knowledge, "STAD", "ERBB2 amplification"), therapy)


def test_dmmr_early_rectal_cancer_meets_neoadjuvant_dostarlimab_trial_evidence(core_knowledge: OncoKnowledge) -> None:
    """Stage II-III mismatch repair-deficient rectal cancer: dostarlimab alone (phase 2) at tier I-B, for early
    disease only; the pan-tumour dostarlimab label stays beside it."""
    early = TumourProfile(
        case_id="t", tumour_type="READ", extent=DiseaseExtent.EARLY, alterations=[parse_alteration("MSI-H")]
    )
    found = [
        m for m in match_profile(early, core_knowledge).matches if m.row.id.endswith("read-msi-h-dostarlimab-early")
    ]
    assert [(m.amp_tier, m.condition) for m in found] == [("I-B", None)]
    metastatic = early.model_copy(update={"extent": DiseaseExtent.METASTATIC})
    late = [m for m in match_profile(metastatic, core_knowledge).matches if m.row.therapy == "dostarlimab"]
    assert {m.amp_tier for m in late if m.row.id.endswith("read-msi-h-dostarlimab-early")} == {"II-C"}
    assert "I-A" in {m.amp_tier for m in late}


def test_kit_d816v_keeps_imatinib_resistance_beside_the_d816v_inhibitors(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "SM", "KIT D816V")
    assert "I-B" in tiers(result, "imatinib", "resistance")
    assert "I-B" in tiers(result, "avapritinib") and "I-B" in tiers(result, "midostaurin")


@pytest.mark.parametrize(
    ("tumour", "alterations", "therapy", "expected"),
    [
        ("IDC", ("ERBB2 amplification",), "trastuzumab + lapatinib", "I-B"),  # NeoALTTO
        ("SKCM", ("NRAS Q61R",), "binimetinib", "I-B"),  # NEMO
        ("COAD", ("BRAF V600E",), "dabrafenib + trametinib + panitumumab", "I-B"),
        ("THME", ("RET M918T",), "cabozantinib", "I-B"),  # EXAM subgroup
        ("PAAD", ("BRCA2 loss-of-function mutation",), "platinum-based chemotherapy", "II-C"),  # retrospective
        ("LUAD", ("BRAF V600E",), "vemurafenib", "II-C"),  # basket cohort
        ("COAD", ("BRAF V600E",), "vemurafenib + cetuximab + irinotecan", "II-C"),
        ("AML", ("FLT3 ITD",), "sorafenib", "II-C"),
    ],
)
def test_guideline_era_regimens_from_trials_carry_their_level(
    core_knowledge: OncoKnowledge, tumour: str, alterations: tuple[str, ...], therapy: str, expected: str
) -> None:
    assert expected in tiers(run(core_knowledge, tumour, *alterations), therapy)


@pytest.mark.parametrize(
    ("alteration", "therapy", "expected"),
    [
        ("KIT A502_Y503dup", "imatinib", "I-A"),  # exon 9 duplication, the usual one (guideline)
        ("KIT A502_Y503dup", "sunitinib", "I-B"),  # after imatinib failure
        ("PDGFRA V561D", "imatinib", "I-A"),  # exon 12, imatinib-sensitive
    ],
)
def test_gist_primary_mutations_meet_their_guideline_drugs(
    core_knowledge: OncoKnowledge, alteration: str, therapy: str, expected: str
) -> None:
    assert expected in tiers(run(core_knowledge, "GIST", alteration), therapy)


def test_pdgfra_d842v_is_not_made_imatinib_sensitive_by_the_exon_12_row(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "GIST", "PDGFRA D842V")
    assert "I-A" in tiers(result, "imatinib", "resistance")
    assert {m.row.id for m in result.matches if m.row.therapy == "imatinib" and m.amp_tier == "I-A"} == {
        "onco-core:gist-pdgfra-d842v-imatinib"
    }


def test_crizotinib_for_met_altered_nsclc_is_trial_and_case_evidence(core_knowledge: OncoKnowledge) -> None:
    assert "I-B" in tiers(run(core_knowledge, "LUAD", "MET exon 14 skipping"), "crizotinib")
    assert tiers(run(core_knowledge, "LUAD", "MET amplification"), "crizotinib") == {"II-C"}
    assert "I-A" in tiers(run(core_knowledge, "LUAD", "MET exon 14 skipping"), "capmatinib")  # its label


def test_myd88_l265p_waldenstrom_meets_ibrutinib_trial_evidence(core_knowledge: OncoKnowledge) -> None:
    assert "I-B" in tiers(run(core_knowledge, "WM", "MYD88 L265P"), "ibrutinib")
    assert tiers(run(core_knowledge, "WM", "MYD88 S219C"), "ibrutinib") == set()  # another MYD88 change is not L265P


#: The inventory of FDA approvals whose indication names a biomarker (CGI "FDA guidelines" rows, published extracts of
#: the FDA Table of Pharmacogenomic Biomarkers in Drug Labeling, FDA notices), one real alteration each: every one is
#: Tier I-A in its tumour type, so a row lost from the core shows here.
INVENTORY = [
    ("CML", ("BCR::ABL1",), ("imatinib", "dasatinib", "nilotinib", "bosutinib", "ponatinib", "asciminib")),
    ("BLLBCRABL1", ("BCR::ABL1",), ("imatinib", "dasatinib", "ponatinib")),
    ("CML", ("ABL1 T315I",), ("ponatinib", "asciminib")),
    ("LUAD", ("EML4::ALK",), ("alectinib", "ceritinib", "crizotinib", "brigatinib", "lorlatinib", "ensartinib")),
    ("LUAD", ("CD74::ROS1",), ("crizotinib", "entrectinib", "repotrectinib", "taletrectinib")),
    ("SKCM", ("BRAF V600E",), ("dabrafenib", "trametinib", "vemurafenib", "dabrafenib + trametinib")),
    ("SKCM", ("BRAF V600K",), ("vemurafenib + cobimetinib", "encorafenib + binimetinib")),
    ("SKCM", ("BRAF V600E",), ("atezolizumab + cobimetinib + vemurafenib",)),
    ("LUAD", ("BRAF V600E",), ("dabrafenib + trametinib", "encorafenib + binimetinib")),
    ("HGSOC", ("BRCA1 loss-of-function mutation",), ("olaparib", "niraparib", "rucaparib")),
    (
        "PRAD",
        ("BRCA2 E1308*",),
        (
            "olaparib",
            "rucaparib",
            "talazoparib + enzalutamide",
            "niraparib + abiraterone + prednisone",
            "olaparib + abiraterone + prednisone",
        ),
    ),
    ("PRAD", ("BRCA1 Q1756Pfs*74",), ("olaparib", "rucaparib", "talazoparib + enzalutamide")),
    ("PRAD", ("ATM R35*",), ("olaparib", "talazoparib + enzalutamide")),
    ("PRAD", ("CDK12 Q146*",), ("talazoparib + enzalutamide",)),  # TALAPRO-2's HRR genes
    ("PRAD", ("MRE11 R576*",), ("talazoparib + enzalutamide",)),
    ("PRAD", ("PTEN negative",), ("capivasertib + abiraterone + prednisone",)),  # PTEN-deficient by IHC
    ("LUAD", ("EGFR L858R",), ("afatinib", "erlotinib", "gefitinib", "osimertinib", "dacomitinib")),
    ("LUAD", ("EGFR E746_A750del",), ("ramucirumab + erlotinib", "amivantamab + lazertinib")),
    ("LUAD", ("EGFR T790M",), ("osimertinib",)),
    ("LUAD", ("EGFR D770_N771insG",), ("amivantamab", "sunvozertinib")),
    ("GIST", ("CD117 positive",), ("imatinib",)),
    ("RAML", ("TSC2 loss-of-function mutation",), ("everolimus",)),
    ("IDC", ("ERBB2 amplification",), ("trastuzumab", "trastuzumab emtansine", "lapatinib + capecitabine")),
    ("IDC", ("ERBB2 amplification",), ("pertuzumab + trastuzumab + docetaxel", "neratinib + capecitabine")),
    ("STAD", ("ERBB2 amplification",), ("trastuzumab + cisplatin + fluoropyrimidine",)),
    ("MLNER", ("FIP1L1::PDGFRA",), ("imatinib",)),
    ("APLPMLRARA", ("PML::RARA",), ("tretinoin + arsenic trioxide", "tretinoin")),
    ("IDC", ("ER IHC 90%",), ("everolimus + exemestane", "palbociclib + aromatase inhibitor", "fulvestrant")),
    ("IDC", ("ER IHC 90%",), ("anastrozole", "letrozole", "exemestane")),
    ("CLLSLL", ("del(17p)",), ("ibrutinib", "venetoclax")),
    ("FL", ("CD20 positive",), ("rituximab",)),
    ("THPA", ("CCDC6::RET",), ("selpercatinib", "pralsetinib")),
    ("BLCA", ("FGFR3 S249C",), ("erdafitinib",)),
    ("IDC", ("PIK3CA H1047R",), ("alpelisib + fulvestrant",)),
    ("AML", ("FLT3 D835Y",), ("gilteritinib", "midostaurin")),
    ("NFIB", ("NF1 loss-of-function mutation",), ("selumetinib", "mirdametinib")),
    ("AML", ("NPM1 W288Cfs*12",), ("ziftomenib", "revumenib")),
    ("LUAD", ("ERBB2 mutation",), ("sevabertinib", "zongertinib", "trastuzumab deruxtecan")),
    ("COAD", ("RAS wild-type",), ("panitumumab", "panitumumab + FOLFOX")),
    ("READ", ("RAS wild-type", "EGFR positive"), ("cetuximab", "cetuximab + FOLFIRI", "cetuximab + irinotecan")),
    (
        "IDC",
        ("ER IHC 0%", "PR IHC <1%", "HER2 IHC 1+"),  # triple-negative
        ("sacituzumab govitecan", "datopotamab deruxtecan", "pembrolizumab + chemotherapy"),
    ),
    ("BLCA", ("ctDNA positive",), ("atezolizumab",)),
]


@pytest.mark.parametrize(("tumour", "alterations", "therapies"), INVENTORY)
def test_every_inventoried_fda_approval_is_on_label(
    core_knowledge: OncoKnowledge, tumour: str, alterations: tuple[str, ...], therapies: tuple[str, ...]
) -> None:
    result = run(core_knowledge, tumour, *alterations)
    missing = [therapy for therapy in therapies if "I-A" not in tiers(result, therapy)]
    assert not missing, missing


def test_ros1_fusion_meets_lorlatinib_trial_evidence_beside_its_labels(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "LUAD", "CD74::ROS1")
    assert "I-B" in tiers(result, "lorlatinib")
    assert "I-A" in tiers(result, "crizotinib")
    assert tiers(result, "ceritinib") == {"II-C"}  # one patient's response; no label names ceritinib for ROS1


def test_egfr_expression_is_a_marker_and_egfr_mutations_still_parse_as_mutations() -> None:
    assert parse_alteration("EGFR positive").kind is AlterationKind.EXPRESSION
    for text in ("EGFR L858R", "EGFR exon 19 deletion", "EGFR amplification", "EGFR T790M"):
        assert parse_alteration(text).kind is not AlterationKind.EXPRESSION, text


def test_cetuximab_for_egfr_expressing_colorectal_cancer_needs_ras_wild_type(core_knowledge: OncoKnowledge) -> None:
    """The label's limitation of use leaves out Ras-mutant colorectal cancer: a KRAS or an NRAS mutation takes all
    three cetuximab regimens off, and the RAS resistance rows say why."""
    unstated = [m for m in run(core_knowledge, "COAD", "EGFR positive").matches if m.row.therapy == "cetuximab"]
    assert {(m.amp_tier, m.condition) for m in unstated} == {
        (
            "I-A",
            "only with RAS wild-type (RAS status not stated for this tumour); only for metastatic disease (the "
            "extent of disease is not stated for this tumour)",
        )
    }
    for mutation in ("KRAS G12D", "NRAS Q61K"):
        result = run(core_knowledge, "COAD", "EGFR positive", mutation)
        for therapy in ("cetuximab", "cetuximab + FOLFIRI", "cetuximab + irinotecan"):
            assert tiers(result, therapy) == set(), (mutation, therapy)
        assert "I-A" in tiers(result, "cetuximab", "resistance"), mutation
    assert tiers(run(core_knowledge, "LUAD", "EGFR positive", "RAS wild-type"), "cetuximab") == set()


def test_breast_cancer_with_palb2_or_her2_mutations_meets_its_trial_evidence(core_knowledge: OncoKnowledge) -> None:
    assert "I-B" in tiers(run(core_knowledge, "IDC", "PALB2 Q775*"), "olaparib")  # truncating, germline per TBCRC 048
    result = run(core_knowledge, "ILC", "ERBB2 mutation", "ER IHC 90%")  # an activating HER2 mutation as reported
    assert "II-C" in tiers(result, "neratinib + fulvestrant + trastuzumab")


def test_tretinoin_alone_is_on_label_for_apl_after_anthracyclines(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "APLPMLRARA", "PML::RARA")
    assert years(result, "tretinoin") == {1995}
    settings = {m.row.setting or "" for m in result.matches if m.row.therapy == "tretinoin"}
    assert len(settings) == 1 and "refractory to or relapsed from anthracycline chemotherapy" in settings.pop()
    assert "I-A" not in tiers(run(core_knowledge, "CML", "BCR::ABL1"), "tretinoin")


@pytest.mark.parametrize(
    ("tumour", "fusion", "mutation", "therapy"),
    [
        ("LUAD", "EML4::ALK", "ALK L1196M", "crizotinib"),  # gatekeeper, acquired on crizotinib
        ("COAD", "LMNA::NTRK1", "NTRK1 G595R", "entrectinib"),  # TRKA solvent front
        ("READ", "LMNA::NTRK1", "NTRK1 G667C", "entrectinib"),  # TRKA xDFG
        ("HNMASC", "ETV6::NTRK3", "NTRK3 G623R", "entrectinib"),  # TRKC solvent front, salivary secretory carcinoma
    ],
)
def test_kinase_domain_mutations_acquired_on_the_fusion_drug_are_tier_two_beside_its_label(
    core_knowledge: OncoKnowledge, tumour: str, fusion: str, mutation: str, therapy: str
) -> None:
    result = run(core_knowledge, tumour, fusion, mutation)
    assert tiers(result, therapy, "resistance") == {"II-C"}
    assert "I-A" in tiers(result, therapy)  # the fusion's own label is still shown beside it
    assert tiers(run(core_knowledge, "SKCM", fusion, mutation), therapy, "resistance") <= {"III"}


def test_rucaparib_for_brca_mutated_prostate_cancer_cites_its_regular_approval(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "PRAD", "BRCA2 loss-of-function mutation")
    rows = [m.row for m in result.matches if m.row.therapy == "rucaparib" and m.amp_tier == "I-A"]
    citations = {citation for row in rows for citation in row.citations}
    assert any("regular-approval-to-rubraca" in c for c in citations)  # TRITON3, after androgen receptor therapy alone


@pytest.mark.parametrize("alteration", ["ERBB2 amplification", "HER2 IHC 3+"])
def test_trastuzumab_deruxtecan_is_on_label_for_early_her2_positive_breast_cancer(
    core_knowledge: OncoKnowledge, alteration: str
) -> None:
    profile = TumourProfile(
        case_id="t",
        tumour_type=tumour_type_code("IDC", core_knowledge.tree),
        extent=DiseaseExtent.EARLY,
        alterations=[parse_alteration(alteration)],
    )
    early = match_profile(profile, core_knowledge)
    assert years(early, "trastuzumab deruxtecan") == {2026}  # neoadjuvant (DESTINY-Breast11), residual disease (-05)
    metastatic = match_profile(profile.model_copy(update={"extent": DiseaseExtent.METASTATIC}), core_knowledge)
    assert 2026 not in years(metastatic, "trastuzumab deruxtecan") and years(metastatic, "trastuzumab deruxtecan")


def test_capivasertib_with_abiraterone_is_on_label_for_pten_deficient_prostate_cancer(
    core_knowledge: OncoKnowledge,
) -> None:
    assert parse_alteration("PTEN negative").kind is AlterationKind.EXPRESSION  # PTEN-deficient by IHC
    for text in ("PTEN R130*", "PTEN loss-of-function mutation", "PTEN deletion"):
        assert parse_alteration(text).kind is not AlterationKind.EXPRESSION, text
    therapy = "capivasertib + abiraterone + prednisone"
    assert years(run(core_knowledge, "PRAD", "PTEN negative"), therapy) == {2026}
    assert "I-A" not in tiers(run(core_knowledge, "PRAD", "PTEN positive"), therapy)
    assert "I-A" not in tiers(run(core_knowledge, "PRAD", "PTEN R130*"), therapy)  # the label's test is IHC
    assert "I-A" not in tiers(run(core_knowledge, "IDC", "PTEN negative"), therapy)


def test_prostate_parp_labels_need_a_loss_of_function_change(core_knowledge: OncoKnowledge) -> None:
    """A common benign missense change in an HRR gene is not the deleterious mutation the labels name."""
    for alteration in ("BRCA2 N372H", "ATM D1853N"):
        result = run(core_knowledge, "PRAD", alteration)
        assert "I-A" not in tiers(result, "olaparib"), alteration
        assert "I-A" not in tiers(result, "talazoparib + enzalutamide"), alteration


def test_every_civic_statement_the_core_quotes_is_that_evidence_items_statement(shared_data: Path) -> None:
    """A quote cited to a CIViC evidence item is in that item's statement in the 01-Aug-2021 release (whitespace
    aside), and the place it names is that item."""
    table = shared_data / "onco" / "civic" / "01-Aug-2021" / "01-Aug-2021-ClinicalEvidenceSummaries.tsv"
    with table.open(encoding="utf-8", newline="") as handle:
        statements = {row["evidence_id"]: row["evidence_statement"] for row in csv.DictReader(handle, delimiter="\t")}
    text = yaml.safe_load((CURATED_DIR / "onco-core" / "evidence.yaml").read_text(encoding="utf-8"))
    words = " ".join
    cited = 0
    for row in text["rows"]:
        for source in row["sources"]:
            found = re.fullmatch(r"https://civic\.genome\.wustl\.edu/links/evidence_items/(\d+)", source["cite"])
            if found is None:
                continue
            item = found.group(1)
            cited += 1
            assert f"EID{item} " in source["at"], (row["id"], item)
            statement = statements.get(item)
            assert statement is not None, (row["id"], item)
            assert words(source["quote"].split()) in words(statement.split()), (row["id"], item)
    assert cited >= 100
