"""Labels that changed the way a biomarker is written or whether an indication stands: dordaviprone's H3 K27M in
histone and HGVS numbering, rucaparib's withdrawn ovarian treatment indication beside its maintenance indication,
which stands, and niraparib's first-line maintenance indication, limited to HRD-positive cancer in 2026."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.profile import tumour_type_code
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TumourProfile, match_profile
from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.importers import cgi
from tailormed.knowledge.onco.core import (
    CuratedEvidence,
    GeneFacts,
    Hotspot,
    check_gene_table,
    curated_evidence,
    curated_rows,
    gene_table,
)
from tailormed.knowledge.onco.evidence import BiomarkerEvidence
from tailormed.model.alteration import VariantOrigin, parse_alteration, with_origin


def run(knowledge: OncoKnowledge, tumour: str, *texts: str) -> OncoResult:
    code = tumour_type_code(tumour, knowledge.tree)
    profile = TumourProfile(case_id="t", tumour_type=code, alterations=[parse_alteration(t) for t in texts])
    return match_profile(profile, knowledge)


def tiers(result: OncoResult, therapy: str) -> list[str]:
    return [m.amp_tier for m in result.matches if m.row.therapy == therapy]


# --- dordaviprone: H3 K27M (histone numbering) is p.K28M (HGVS) -------------------------------------------------
@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("H3-3A K28M", "H3-3A K28M"),
        ("H3-3A p.Lys28Met", "H3-3A K28M"),
        ("H3-3A K27M", "H3-3A K28M (H3-3A K27M)"),
        ("H3F3A K27M", "H3-3A K28M (H3F3A K27M)"),
        ("H3F3A K28M", "H3-3A K28M (H3F3A K28M)"),
        ("H3C2 K28M", "H3C2 K28M"),
        ("H3C2 K27M", "H3C2 K28M (H3C2 K27M)"),
    ],
)
def test_dordaviprone_on_label_in_both_numberings(core_knowledge: OncoKnowledge, text: str, label: str) -> None:
    result = run(core_knowledge, "DMG", text)
    (match,) = [m for m in result.matches if m.row.therapy == "dordaviprone"]
    assert (match.amp_tier, match.alteration.label, match.alteration.protein.text) == ("I-A", label, "K28M")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("tumour", "text", "expected"),
    [
        ("GB", "H3F3A K27M", ["II-C"]),  # another glioma: approved elsewhere
        ("DMG", "H3-3A K27I", []),  # the label names K27M only
        ("DMG", "H3-3A G34R", []),
        ("DMG", "H3-3B K27M", []),  # no source read for H3-3B's numbering: not matched
        ("DMG", "H3-3A R27M", []),  # HGVS residue 27 is arginine: not the K27M of histone numbering
    ],
)
def test_dordaviprone_other_tumours_and_changes(
    core_knowledge: OncoKnowledge, tumour: str, text: str, expected: list[str]
) -> None:
    assert tiers(run(core_knowledge, tumour, text), "dordaviprone") == expected


def test_evidence_in_histone_numbering_meets_hgvs_results(core_knowledge: OncoKnowledge) -> None:
    # CIViC names the variant H3-3A K27M (histone numbering); an annotated VCF says p.Lys28Met
    civic = (
        core_knowledge.tables[0]
        .rows[0]
        .model_copy(
            update={"id": "civic:EID7601", "biomarker": parse_alteration("H3-3A K27M"), "therapies": ["ONC201"]}
        )
    )
    table = core_knowledge.tables[0].model_copy(update={"source": "civic", "rows": [civic], "withdrawn": []})
    knowledge = OncoKnowledge(
        tables=[table], genes=core_knowledge.genes, tree=core_knowledge.tree, thresholds=core_knowledge.thresholds
    )
    for text in ("H3-3A p.Lys28Met", "H3F3A K27M"):
        (match,) = run(knowledge, "DMG", text).matches
        assert (match.row.id, match.row.biomarker.protein.text, match.matched_level.value) == (  # type: ignore[union-attr]
            "civic:EID7601", "K28M", "protein"
        )  # fmt: skip


def test_dordaviprone_row_quotes_the_label(core_bundle: KnowledgeBundle) -> None:
    (row,) = [r for r in curated_rows(core_bundle).rows if r.id == "dmg-h3-k27m-dordaviprone"]
    assert row.year == 2025 and row.tumour == "DMG"
    assert any("diffuse midline glioma harboring an H3 K27M mutation" in s.quote for s in row.sources)


def test_legacy_numbering_needs_a_source() -> None:
    with pytest.raises(ValueError, match="quoted source"):
        GeneFacts.model_validate({"role": "oncogene", "legacy_protein_changes": {"K27M": "K28M"}})
    with pytest.raises(ValueError, match="quoted source"):
        GeneFacts.model_validate({"role": "oncogene", "former_symbols": ["H3F3A"]})
    source = {"cite": "PMID:33779999", "at": "abstract", "quote": "omitting this first amino acid"}
    with pytest.raises(ValueError, match="normalized"):
        GeneFacts.model_validate(
            {"role": "oncogene", "legacy_protein_changes": {"Lys27Met": "K28M"}, "sources": [source]}
        )


# --- rucaparib: the 2016 ovarian treatment indication was withdrawn in 2022; the 2018 maintenance one stands ----
@pytest.mark.parametrize("tumour", ["OVT", "HGSOC"])
def test_rucaparib_maintenance_for_brca_mutated_ovarian_cancer(core_knowledge: OncoKnowledge, tumour: str) -> None:
    for text in ("BRCA1 Q1756fs", "BRCA2 loss-of-function mutation"):
        result = run(core_knowledge, tumour, text)
        (match,) = [m for m in result.matches if m.row.therapy == "rucaparib" and m.amp_tier == "I-A"]
        assert match.row.id.startswith("onco-core:ov-brca-rucaparib-maintenance")
        assert match.row.setting is not None and match.row.setting.startswith("maintenance")
        assert match.row.year == 2018
    # the prostate label stands; the ovarian one is approved in another tumour type there
    assert tiers(run(core_knowledge, "PRAD", "BRCA2 loss-of-function mutation"), "rucaparib") == ["I-A", "II-C"]


def test_rucaparib_finding_names_the_maintenance_setting(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "HGSOC", "BRCA1 Q1756fs")
    (finding,) = [f for f in findings_from_result(result, core_knowledge) if f.title == "BRCA1 Q1756fs: rucaparib"]
    assert "response to platinum-based chemotherapy" in finding.summary


def test_withdrawal_names_the_treatment_setting(core_bundle: KnowledgeBundle) -> None:
    (withdrawal,) = [
        w for w in curated_evidence(core_bundle).withdrawn if w.id == "onco-core:ov-brca-rucaparib-treatment"
    ]
    assert withdrawal.setting == "treatment after two or more chemotherapies"
    (entry,) = [w for w in curated_rows(core_bundle).withdrawn if w.id == "ov-brca-rucaparib-treatment"]
    assert any("two or more chemotherapies" in source.quote for source in entry.sources)


def test_withdrawn_indication_from_another_source_is_not_offered(
    shared_data: Path, core_knowledge: OncoKnowledge
) -> None:
    folder = cgi.detect(shared_data)
    assert folder is not None
    table, _ = cgi.compile_table(folder / cgi.FILE)
    # CGI still lists rucaparib in BRCA-mutated ovarian cancer at "FDA guidelines"
    claims = [r for r in table.rows if r.therapies == ["Rucaparib"] and r.oncotree == "OVARY"]
    assert {r.gene for r in claims} == {"BRCA1", "BRCA2"} and all(r.amp_level.value == "A" for r in claims)
    knowledge = OncoKnowledge(
        tables=[*core_knowledge.tables, table],
        genes=core_knowledge.genes,
        tree=core_knowledge.tree,
        thresholds=core_knowledge.thresholds,
    )
    result = run(knowledge, "HGSOC", "BRCA1 Q1756fs")
    without = OncoKnowledge(
        tables=[core_knowledge.tables[0].model_copy(update={"withdrawn": []}), table],
        genes=core_knowledge.genes,
        tree=core_knowledge.tree,
        thresholds=core_knowledge.thresholds,
    )
    assert tiers(run(without, "HGSOC", "BRCA1 Q1756fs"), "Rucaparib") == ["I-A"]  # what the withdrawal stops
    # CGI names no setting, so its claim may rest on the withdrawn treatment indication: never offered; the
    # curated maintenance row names its setting and stands
    assert tiers(result, "Rucaparib") == [] and tiers(result, "rucaparib") == ["I-A", "II-C"]  # II-C: prostate
    (note,) = [n for n in result.not_assessed if "Rucaparib" in n.item]
    assert "(treatment after two or more chemotherapies) was withdrawn in 2022" in note.reason
    assert "citeline" in note.reason
    assert tiers(result, "olaparib") and tiers(result, "niraparib")  # the other PARP inhibitors' labels stand
    # the withdrawal is of an ovarian indication: CGI's other rucaparib claims are untouched
    prostate = run(knowledge, "PRAD", "BRCA2 R3052fs")
    assert tiers(prostate, "rucaparib") == ["I-A", "II-C"]  # the prostate label; the ovarian one elsewhere


def test_loader_refuses_a_curated_row_for_a_withdrawn_indication(core_bundle: KnowledgeBundle) -> None:
    raw = curated_rows(core_bundle)
    (prad,) = [r for r in raw.rows if r.id == "prad-brca-rucaparib"]
    for setting in (None, "treatment after two or more chemotherapies"):
        revived = prad.model_copy(update={"id": "ov-brca-rucaparib", "tumour": "OVT", "setting": setting})
        bad = CuratedEvidence(rows=[*raw.rows, revived], withdrawn=raw.withdrawn)
        patched = KnowledgeBundle(None, None, curated_sources())
        dumped = bad.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        patched._parsed[("onco-core", "evidence.yaml")] = dumped
        with pytest.raises(KnowledgeError, match="withdrawn in 2022"):
            curated_evidence(patched)


@pytest.mark.parametrize("index", range(8))
def test_withdrawal_year_must_be_in_a_source(core_bundle: KnowledgeBundle, index: int) -> None:
    entry = curated_rows(core_bundle).withdrawn[index]
    data = entry.model_dump(mode="json")
    data["withdrawn"] = 1999
    with pytest.raises(ValueError, match="1999 is in none of its sources"):
        type(entry).model_validate(data)


# --- niraparib: first-line maintenance, for all comers since 2020, limited to HRD-positive cancer in March 2026 -----
FIRST_LINE = "first-line maintenance in complete or partial response to platinum-based chemotherapy"


@pytest.mark.parametrize("tumour", ["HGSOC", "HGSFT", "PSEC"])
@pytest.mark.parametrize("text", ["HRD", "BRCA2 R3052fs"])
def test_niraparib_first_line_maintenance_for_hrd_positive_ovarian_cancer(
    core_knowledge: OncoKnowledge, tumour: str, text: str
) -> None:
    result = run(core_knowledge, tumour, text)
    (match,) = [m for m in result.matches if m.row.id.startswith("onco-core:ov-hrd-niraparib:")]
    assert (match.amp_tier, match.condition, match.row.year, match.row.setting) == ("I-A", None, 2026, FIRST_LINE)
    if text == "HRD":  # genomic instability alone: only the first-line label, whose finding names its setting
        (finding,) = [f for f in findings_from_result(result, core_knowledge) if f.title == "HRD: niraparib"]
        assert FIRST_LINE in finding.summary


def test_niraparib_first_line_label_is_not_offered_off_its_tumour_types(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "PRAD", "HRD")
    assert tiers(result, "niraparib") == ["II-C"]  # an ovarian label, other tumour type
    assert not tiers(run(core_knowledge, "HGSOC", "KRAS G12D"), "niraparib")


def test_niraparib_rows_quote_the_2026_label(core_bundle: KnowledgeBundle) -> None:
    rows = {r.id: r for r in curated_rows(core_bundle).rows}
    label = " ".join(s.quote for s in rows["ov-hrd-niraparib"].sources)
    assert "homologous recombination deficiency (HRD)-positive status" in label and "3/2026" in label
    assert "limited to HRD-positive cancer since March 2026" in (rows["ov-brca-niraparib"].note or "")


# --- other withdrawn indications: olaparib's later-line ovarian treatment (2022), mobocertinib (2023), atezolizumab
# for PD-L1-positive triple-negative breast cancer (2021), pralsetinib for RET-mutant medullary thyroid cancer (2023)
def test_cgi_olaparib_ovarian_claim_rests_on_the_withdrawn_treatment_indication(
    shared_data: Path, core_knowledge: OncoKnowledge
) -> None:
    folder = cgi.detect(shared_data)
    assert folder is not None
    table, _ = cgi.compile_table(folder / cgi.FILE)
    claims = [
        r for r in table.rows if r.therapies == ["Olaparib"] and r.oncotree == "OVARY" and r.amp_level.value == "A"
    ]
    assert {r.gene for r in claims} == {"BRCA1", "BRCA2"}
    knowledge = OncoKnowledge(
        tables=[*core_knowledge.tables, table],
        genes=core_knowledge.genes,
        tree=core_knowledge.tree,
        thresholds=core_knowledge.thresholds,
    )
    result = run(knowledge, "HGSOC", "BRCA2 R3052fs")
    assert "I-A" not in tiers(result, "Olaparib")  # CGI names no setting: its approval claim is never offered
    assert "I-A" in tiers(result, "olaparib")  # the curated maintenance row names its setting and stands
    (note,) = [n for n in result.not_assessed if "Olaparib" in n.item]
    assert "(treatment after three or more prior lines of chemotherapy) was withdrawn in 2022" in note.reason


@pytest.mark.parametrize(
    ("biomarker", "tumour", "therapies", "setting", "withdrawn"),
    [
        ("EGFR A767_V769dup", "LUAD", ["Mobocertinib"], None, True),
        ("EGFR exon 20 insertion", "NSCLC", ["mobocertinib"], None, True),
        ("EGFR exon 20 insertion", "NSCLC", ["amivantamab"], None, False),  # another drug's label stands
        ("PD-L1 IC >= 1%", "IDC", ["Atezolizumab", "Nab-paclitaxel"], None, True),
        ("PD-L1 TC >= 50%", "LUAD", ["atezolizumab"], None, False),  # the lung label stands
        ("RET M918T", "THME", ["pralsetinib"], None, True),
        ("CCDC6::RET", "THPA", ["pralsetinib"], None, False),  # RET fusion-positive thyroid cancer stands
        ("RET M918T", "THME", ["pralsetinib"], "first line", False),  # a row naming another setting
        ("PD-L1 CPS >= 1", "STAD", ["Pembrolizumab"], None, True),  # third-line monotherapy, withdrawn 2021
        ("PD-L1 CPS >= 1", "GEJ", ["pembrolizumab", "fluoropyrimidine", "platinum-based chemotherapy"], None, False),
        ("PD-L1 IC >= 5%", "BLCA", ["Atezolizumab"], None, True),  # cisplatin-ineligible urothelial, withdrawn 2022
        ("PD-L1 IC >= 5%", "UTUC", ["atezolizumab"], None, True),
        ("HRD", "HGSOC", ["Niraparib"], None, True),  # later-line HRD-positive treatment, withdrawn 2022
        ("BRCA1 loss-of-function mutation", "OVT", ["niraparib"], None, True),
        ("BRCA2 R3052fs", "HGSFT", ["niraparib"], None, True),
        ("HRD", "HGSOC", ["niraparib"], "first-line maintenance", False),  # a setting still on the label
        ("BRCA1 loss-of-function mutation", "PRAD", ["niraparib"], None, False),  # an ovarian indication only
    ],
)
def test_withdrawn_indications_block_approval_claims_of_other_sources(
    core_knowledge: OncoKnowledge,
    biomarker: str,
    tumour: str,
    therapies: list[str],
    setting: str | None,
    withdrawn: bool,
) -> None:
    template = core_knowledge.tables[0].rows[0]
    claim = template.model_copy(
        update={
            "id": "civic:test",
            "biomarker": parse_alteration(biomarker),
            "alleles": [],
            "oncotree": tumour,
            "also_oncotree": [],
            "therapies": therapies,
            "setting": setting,
        }
    )
    assert (core_knowledge.withdrawal(claim) is not None) is withdrawn


def _claim(knowledge: OncoKnowledge, biomarker: str, tumour: str, therapy: str) -> BiomarkerEvidence:
    """An approval-level claim of another source that names no setting (as CIViC and CGI do)."""
    return knowledge.tables[0].rows[0].model_copy(
        update={
            "id": "civic:test",
            "biomarker": parse_alteration(biomarker),
            "alleles": [],
            "oncotree": tumour,
            "also_oncotree": [],
            "therapies": [therapy],
            "setting": None,
        }
    )


# A withdrawn indication covers every tumour type its sources name. Niraparib's 2019 treatment indication was for
# "advanced ovarian, fallopian tube, or primary peritoneal cancer": OVARY (OncoTree's Ovary/Fallopian Tube) and PSEC.
# The rucaparib and olaparib treatment indications are worded "advanced ovarian cancer" by their sources (the FDA's
# Federal Register notice of 2024 among them): OVARY, which holds fallopian tube cancer, and not primary peritoneal.
@pytest.mark.parametrize(
    ("therapy", "biomarker", "tumour", "blocked"),
    [
        ("niraparib", "BRCA1 loss-of-function mutation", "PSEC", True),
        ("niraparib", "BRCA2 R3052fs", "PSEC", True),
        ("niraparib", "HRD", "PSEC", True),
        ("niraparib", "BRCA1 loss-of-function mutation", "HGSFT", True),
        ("niraparib", "HRD", "HGSFT", True),
        ("niraparib", "BRCA1 loss-of-function mutation", "PEMESO", False),  # peritoneal, but a mesothelioma
        ("rucaparib", "BRCA1 loss-of-function mutation", "HGSFT", True),
        ("rucaparib", "BRCA2 R3052fs", "HGSFT", True),
        ("rucaparib", "BRCA1 loss-of-function mutation", "PSEC", False),
        ("rucaparib", "BRCA2 R3052fs", "PSEC", False),
        ("olaparib", "BRCA1 loss-of-function mutation", "HGSFT", True),
        ("olaparib", "BRCA2 R3052fs", "HGSFT", True),
        ("olaparib", "BRCA1 loss-of-function mutation", "PSEC", False),
        ("olaparib", "BRCA2 R3052fs", "PSEC", False),
    ],
)
def test_ovarian_withdrawals_cover_the_tumour_types_their_sources_name(
    core_knowledge: OncoKnowledge, therapy: str, biomarker: str, tumour: str, blocked: bool
) -> None:
    withdrawal = core_knowledge.withdrawal(_claim(core_knowledge, biomarker, tumour, therapy))
    assert (withdrawal is not None) is blocked
    if withdrawal is not None:
        assert therapy in withdrawal.therapies and withdrawal.year == 2022


def test_niraparib_primary_peritoneal_claim_is_not_offered(core_knowledge: OncoKnowledge) -> None:
    claim = _claim(core_knowledge, "BRCA1 loss-of-function mutation", "PSEC", "Niraparib")
    table = core_knowledge.tables[0].model_copy(update={"source": "civic", "rows": [claim], "withdrawn": []})
    knowledge = OncoKnowledge(
        tables=[*core_knowledge.tables, table],
        genes=core_knowledge.genes,
        tree=core_knowledge.tree,
        thresholds=core_knowledge.thresholds,
    )
    result = run(knowledge, "PSEC", "BRCA1 Q1756fs")
    assert tiers(result, "Niraparib") == []  # the claim names no setting: it may rest on the withdrawn indication
    assert tiers(result, "niraparib") == ["I-A", "I-A"]  # both maintenance labels name primary peritoneal cancer
    (note,) = [n for n in result.not_assessed if "Niraparib" in n.item]
    assert "(treatment after three or more prior chemotherapy regimens) was withdrawn in 2022" in note.reason


@pytest.mark.parametrize(
    ("tumour", "quote", "message"),
    [
        (["OVARY", "OVARY"], None, "listed twice"),
        (["OVARY"], None, "not a list"),
        (["OVARY", "HGSFT"], None, "'HGSFT' lies within 'OVARY'"),
        (["OVARY", "NOTACODE"], None, "'NOTACODE' is not an OncoTree code"),
        (["OVARY", "PSEC"], "patients with advanced ovarian cancer treated in 2022", "'PSEC': no quote names it"),
    ],
)
def test_loader_refuses_withdrawal_tumour_types_its_sources_do_not_name(
    tumour: list[str], quote: str | None, message: str
) -> None:
    raw = curated_rows(KnowledgeBundle(None, None, curated_sources()))
    (entry,) = [w for w in raw.withdrawn if w.id == "ov-hrd-niraparib-treatment"]
    data = {**entry.model_dump(mode="json", by_alias=True, exclude_defaults=True), "tumour": tumour}
    if quote is not None:
        data["sources"] = [{**source, "quote": quote} for source in data["sources"]]
    if message in ("listed twice", "not a list"):
        with pytest.raises(ValueError, match=message):
            type(entry).model_validate(data)
        return
    changed = type(entry).model_validate(data)
    withdrawn = [changed if w.id == entry.id else w for w in raw.withdrawn]
    patched = KnowledgeBundle(None, None, curated_sources())
    bad = CuratedEvidence(rows=raw.rows, withdrawn=withdrawn)
    patched._parsed[("onco-core", "evidence.yaml")] = bad.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    with pytest.raises(KnowledgeError, match=message) as caught:
        curated_evidence(patched)
    assert "ov-hrd-niraparib-treatment" in str(caught.value)


# niraparib's 2019 treatment indication after three or more chemotherapy regimens (HRD-positive) left the label in 2022;
# its maintenance indications, first-line (HRD-positive) and recurrent (germline BRCA), stand
@pytest.mark.parametrize(
    ("tumour", "text", "origin", "row"),
    [
        ("HGSOC", "HRD", None, "ov-hrd-niraparib"),
        ("HGSFT", "BRCA2 R3052fs", None, "ov-hrd-niraparib"),
        ("HGSOC", "BRCA1 Q1756fs", "germline", "ov-brca-niraparib"),
        ("PSEC", "BRCA2 loss-of-function mutation", "germline", "ov-brca-niraparib"),
    ],
)
def test_niraparib_maintenance_labels_stand_beside_the_withdrawn_treatment_indication(
    core_knowledge: OncoKnowledge, tumour: str, text: str, origin: str | None, row: str
) -> None:
    (withdrawal,) = [w for w in core_knowledge.withdrawn if w.id == "onco-core:ov-hrd-niraparib-treatment"]
    assert (withdrawal.setting, withdrawal.year) == ("treatment after three or more prior chemotherapy regimens", 2022)
    alteration = parse_alteration(text)
    if origin is not None:
        alteration = with_origin(alteration, VariantOrigin(origin))
    profile = TumourProfile(case_id="t", tumour_type=tumour, alterations=[alteration])
    result = match_profile(profile, core_knowledge)
    assert [m.amp_tier for m in result.matches if m.row.id.startswith(f"onco-core:{row}:")] == ["I-A"]
    assert not [n for n in result.not_assessed if "niraparib" in n.item.lower()]


def test_niraparib_treatment_withdrawal_quotes_its_sources(core_bundle: KnowledgeBundle) -> None:
    (entry,) = [w for w in curated_rows(core_bundle).withdrawn if w.id == "ov-hrd-niraparib-treatment"]
    quotes = " ".join(source.quote for source in entry.sources)
    assert "three or more prior chemotherapy regimens" in quotes and "(HRD+)" in quotes
    assert "ZEJULA (Niraparib) Capsules" in quotes and "- Removed" in quotes


def test_durvalumab_chemotherapy_for_dmmr_endometrial_cancer(core_knowledge: OncoKnowledge) -> None:
    therapy = "durvalumab + carboplatin + paclitaxel"
    assert tiers(run(core_knowledge, "UCEC", "dMMR"), therapy) == ["I-A"]
    assert tiers(run(core_knowledge, "COAD", "MSI-H"), therapy) == ["II-C"]  # an endometrial label
    assert tiers(run(core_knowledge, "UCEC", "TMB-H"), therapy) == []


def test_shipped_gene_table_is_consistent(core_bundle: KnowledgeBundle) -> None:
    table = gene_table(core_bundle)
    assert check_gene_table(table) == []
    broken = table.model_copy(
        update={"genes": {"BRAF": table.genes["BRAF"].model_copy(update={"hotspots": [Hotspot(protein="Val600Glu")]})}}
    )
    assert check_gene_table(broken) == ["BRAF Val600Glu: not normalized (expected V600E)"]
