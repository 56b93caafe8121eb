"""Germline or somatic: labels for inherited variants only (belzutifan for VHL disease, mirdametinib for NF1,
olaparib and talazoparib for germline BRCA-mutated breast cancer) against the origin the input states."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.profile import (
    germline_alterations,
    record_profile,
    somatic_alterations,
    tumour_type_code,
    with_germline,
)
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TherapyMatch, TumourProfile, match_profile
from tailormed.engines.onco.tiers import TIER_ORDER, Relation
from tailormed.errors import InputError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.alteration import Alteration, VariantOrigin, parse_alteration
from tailormed.model.engine import EngineRun
from tailormed.model.enums import DiseaseExtent
from tailormed.model.finding import Domain, Evidence, Finding
from tailormed.model.patient import Patient, SomaticVariant, Tumour
from tailormed.model.payloads import HereditaryVariantData
from tailormed.pipeline import onco
from tailormed.pipeline.engine_api import PatientContext
from tailormed.pipeline.engines import run_order

BELZUTIFAN = "belzutifan"
GERMLINE_ONLY = "requires germline confirmation"


def alteration(text: str, origin: VariantOrigin) -> Alteration:
    return parse_alteration(text).model_copy(update={"origin": origin})


def run(knowledge: OncoKnowledge, tumour: str, *alterations: Alteration) -> OncoResult:
    code = tumour_type_code(tumour, knowledge.tree)
    # the labels here are for metastatic disease: state it, so only their own conditions show
    profile = TumourProfile(
        case_id="t", tumour_type=code, extent=DiseaseExtent.METASTATIC, alterations=list(alterations)
    )
    return match_profile(profile, knowledge)


def only(result: OncoResult, therapy: str) -> TherapyMatch:
    """The therapy's best-tiered match (belzutifan has one row per VHL disease tumour), the drug's general label
    before one for a setting (adjuvant olaparib), as the finding chooses."""
    found = [m for m in result.matches if m.row.therapy == therapy]
    assert found, f"no match for {therapy}"
    return min(found, key=lambda m: (TIER_ORDER[m.amp_tier], m.row.setting is not None))


@pytest.mark.parametrize("tumour", ["CCRCC", "RCC", "HMBL", "PANET"])
def test_belzutifan_on_label_for_a_germline_vhl_variant(core_knowledge: OncoKnowledge, tumour: str) -> None:
    match = only(run(core_knowledge, tumour, alteration("VHL Q164*", VariantOrigin.GERMLINE)), BELZUTIFAN)
    assert (match.amp_tier, match.relation, match.condition) == ("I-A", Relation.SAME, None)
    assert match.row.year == 2021


def test_somatic_vhl_in_sporadic_renal_cancer_is_off_the_vhl_disease_label(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "CCRCC", alteration("VHL Q164*", VariantOrigin.SOMATIC))
    (match,) = [m for m in result.matches if m.row.therapy == BELZUTIFAN and m.row.oncotree == "RCC"]
    assert match.amp_tier == "II-C" and match.relation is Relation.OTHER
    assert match.relation_note == "the label needs a germline VHL variant; VHL Q164* is somatic"


@pytest.mark.parametrize("text", ["TSC2 R611*", "TSC1 loss-of-function mutation"])
def test_everolimus_for_angiomyolipoma_with_tuberous_sclerosis(core_knowledge: OncoKnowledge, text: str) -> None:
    germline = only(run(core_knowledge, "RAML", alteration(text, VariantOrigin.GERMLINE)), "everolimus")
    assert (germline.amp_tier, germline.condition, germline.row.year) == ("I-A", None, 2012)
    # a sporadic angiomyolipoma with a somatic TSC2 variant is not tuberous sclerosis complex
    somatic = only(run(core_knowledge, "RAML", alteration(text, VariantOrigin.SOMATIC)), "everolimus")
    assert (somatic.amp_tier, somatic.relation) == ("II-C", Relation.OTHER)
    assert only(run(core_knowledge, "PECOMA", alteration(text, VariantOrigin.GERMLINE)), "everolimus").amp_tier == (
        "II-C"
    )


@pytest.mark.parametrize("text", ["TSC2 Q1503*", "TSC1 R509*"])
def test_everolimus_for_sega_with_tuberous_sclerosis_stands_on_low_grade_glioma_nos(
    core_knowledge: OncoKnowledge, text: str
) -> None:
    # OncoTree has no SEGA code: the row is on LGGNOS; a broader code cannot be placed on it, another glioma is not it
    germline = only(run(core_knowledge, "LGGNOS", alteration(text, VariantOrigin.GERMLINE)), "everolimus")
    assert (germline.amp_tier, germline.row.year) == ("I-A", 2010) and ":tsc-sega-everolimus:" in germline.row.id
    assert germline.row.setting and germline.row.setting.startswith("subependymal giant cell astrocytoma")
    broader = [m for m in run(core_knowledge, "ENCG", alteration(text, VariantOrigin.GERMLINE)).matches
               if ":tsc-sega-everolimus:" in m.row.id]  # fmt: skip
    assert [(m.amp_tier, m.relation) for m in broader] == [("II-C", Relation.UNRESOLVED)]
    assert only(run(core_knowledge, "PAST", alteration(text, VariantOrigin.GERMLINE)), "everolimus").amp_tier == "II-C"
    somatic = only(run(core_knowledge, "LGGNOS", alteration(text, VariantOrigin.SOMATIC)), "everolimus")
    assert somatic.amp_tier == "II-C"


def test_unknown_origin_is_never_a_silent_match(core_knowledge: OncoKnowledge) -> None:
    match = only(run(core_knowledge, "CCRCC", parse_alteration("VHL Q164*")), BELZUTIFAN)
    assert match.amp_tier == "I-A"
    assert match.condition == "requires germline confirmation (the origin of VHL Q164* is not stated)"
    findings = findings_from_result(run(core_knowledge, "CCRCC", parse_alteration("VHL Q164*")), core_knowledge)
    assert any(GERMLINE_ONLY in f.summary for f in findings if BELZUTIFAN in f.drugs)


def test_belzutifan_elsewhere_and_for_other_genes(core_knowledge: OncoKnowledge) -> None:
    assert only(run(core_knowledge, "LUAD", alteration("VHL Q164*", VariantOrigin.GERMLINE)), BELZUTIFAN).amp_tier == (
        "II-C"
    )
    result = run(core_knowledge, "CCRCC", alteration("VHL R167W", VariantOrigin.GERMLINE))  # not predicted oncogenic
    assert not [m for m in result.matches if m.row.therapy == BELZUTIFAN]
    assert any("VHL R167W" in n.item for n in result.not_assessed)


def test_germline_brca_breast_labels_and_any_origin_labels(core_knowledge: OncoKnowledge) -> None:
    unknown = run(core_knowledge, "IDC", parse_alteration("BRCA2 R3052fs"))
    for therapy in ("olaparib", "talazoparib"):
        assert GERMLINE_ONLY in (only(unknown, therapy).condition or "")
        somatic = only(run(core_knowledge, "IDC", alteration("BRCA2 R3052fs", VariantOrigin.SOMATIC)), therapy)
        assert somatic.relation is Relation.OTHER and somatic.amp_tier == "II-C"
        germline = only(run(core_knowledge, "IDC", alteration("BRCA2 R3052fs", VariantOrigin.GERMLINE)), therapy)
        assert (germline.amp_tier, germline.condition) == ("I-A", None)
    # prostate labels cover germline and somatic BRCA alike: origin changes nothing
    for origin in VariantOrigin:
        prad = only(run(core_knowledge, "PRAD", alteration("BRCA2 R3052fs", origin)), "rucaparib")
        assert (prad.amp_tier, prad.condition) == ("I-A", None)


@pytest.mark.parametrize(("therapy", "year"), [("mirdametinib", 2025), ("selumetinib", 2020)])
def test_mek_inhibitors_for_nf1_plexiform_neurofibroma(core_knowledge: OncoKnowledge, therapy: str, year: int) -> None:
    match = only(run(core_knowledge, "NFIB", alteration("NF1 R1362*", VariantOrigin.GERMLINE)), therapy)
    assert (match.amp_tier, match.row.year, match.condition) == ("I-A", year, None)
    unknown = only(run(core_knowledge, "NFIB", parse_alteration("NF1 R1362*")), therapy)
    assert GERMLINE_ONLY in (unknown.condition or "")
    elsewhere = run(core_knowledge, "MPNST", alteration("NF1 R1362*", VariantOrigin.GERMLINE))  # not on the label
    assert only(elsewhere, therapy).amp_tier == "II-C"


# --- where the origin comes from -----------------------------------------------------------------------------
def test_record_states_the_origin(core_knowledge: OncoKnowledge) -> None:
    tumour = Tumour(
        oncotree_code="CCRCC",
        somatic_variants=[SomaticVariant(gene="VHL", protein_change="Q164*", origin=VariantOrigin.GERMLINE)],
        msi_status="MSS",
        tmb_mut_per_mb=1,
    )
    profile = record_profile("r", tumour, core_knowledge, None)
    assert [a.origin for a in profile.alterations] == [VariantOrigin.GERMLINE]
    assert only(match_profile(profile, core_knowledge), BELZUTIFAN).condition is None
    assert SomaticVariant(gene="VHL", protein_change="Q164*").origin is VariantOrigin.UNKNOWN
    with pytest.raises(ValueError, match="origin"):
        SomaticVariant.model_validate({"gene": "VHL", "protein_change": "Q164*", "origin": "inherited"})


def test_batch_origin_column(tmp_path: Path, core_knowledge: OncoKnowledge) -> None:
    path = tmp_path / "cases.tsv"
    path.write_text(
        "case_id\tgene\talteration\tfeature_type\ttumor_type\torigin\n"
        "a\tVHL\tQ164*\tmutation\tCCRCC\tgermline\n"
        "b\tVHL\tQ164*\tmutation\tCCRCC\tsomatic\n"
        "c\tVHL\tQ164*\tmutation\tCCRCC\t\n"
    )
    profiles = {p.case_id: p for p in onco.batch_profiles(path, core_knowledge)}
    assert [profiles[c].alterations[0].origin.value for c in "abc"] == ["germline", "somatic", "unknown"]
    path.write_text(
        "case_id\tgene\talteration\tfeature_type\ttumor_type\torigin\na\tVHL\tQ164*\tmutation\tCCRCC\tinherited\n"
    )
    with pytest.raises(InputError, match="origin 'inherited' is not germline, somatic or unknown") as error:
        onco.batch_profiles(path, core_knowledge)
    assert "line 2" in str(error.value)


def test_command_line_germline_alterations(core_knowledge: OncoKnowledge) -> None:
    profile = onco.file_profile(
        "c", "CCRCC", core_knowledge, alterations=["VHL Q164*"], germline=["NF1 R1362*"]
    )  # fmt: skip
    assert [(a.gene, a.origin.value) for a in profile.alterations] == [("VHL", "unknown"), ("NF1", "germline")]
    with pytest.raises(InputError, match="--germline-alteration 'VHL nonsense'"):
        onco.file_profile("c", "CCRCC", core_knowledge, germline=["VHL nonsense"])


def test_somatic_flag_in_the_tumour_vcf(tmp_path: Path, core_knowledge: OncoKnowledge) -> None:
    from tailormed.evidence.tumour import read_tumour

    path = tmp_path / "tumour.vcf"
    path.write_text(
        "##fileformat=VCFv4.2\n##reference=GRCh38\n"
        '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic mutation">\n'
        "##contig=<ID=chr7,length=159345973>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        "chr7\t140753336\t.\tA\tT\t.\tPASS\tSOMATIC\n"
        "chr7\t140753337\t.\tC\tG\t.\tPASS\t.\n"
    )
    evidence = read_tumour(path)
    assert [r.origin.value for r in evidence.records] == ["somatic", "unknown"]
    alterations, _ = somatic_alterations(evidence.records, core_knowledge)
    assert [a.origin.value for a in alterations] == ["somatic"]  # BRAF V600E, the curated hotspot


def hereditary_finding(gene: str, pos: int, ref: str, alt: str, *, reportable: bool = True) -> Finding:
    data = HereditaryVariantData(
        gene=gene, chrom="chr3", pos=pos, ref=ref, alt=alt, genotype="0/1", zygosity="heterozygous",
        clinvar_significance="Pathogenic", review_stars=3, reportable=reportable, reason="ACMG SF gene",
        condition="Von Hippel-Lindau syndrome", inheritance="AD",
    )  # fmt: skip
    return Finding(
        id=f"hereditary:{gene}:{pos}", domain=Domain.HEREDITARY, title=f"{gene} pathogenic variant", summary="",
        data=data, evidence=[Evidence(source="ClinVar", version="test")],
    )  # fmt: skip


def test_hereditary_findings_supply_germline_variants(core_knowledge: OncoKnowledge) -> None:
    findings = [hereditary_finding("VHL", 10142187, "C", "T"), hereditary_finding("VHL", 1, "A", "G", reportable=False)]
    variants = [f.data for f in findings]
    germline = germline_alterations([v for v in variants if isinstance(v, HereditaryVariantData)], core_knowledge)
    assert [(a.gene, a.origin.value, a.gene_class.value if a.gene_class else None) for a in germline] == [
        ("VHL", "germline", "loss_of_function")
    ]
    assert germline[0].label == "VHL chr3:10142187 C>T (GRCh38) (germline, ClinVar Pathogenic)"
    # the same allele in the tumour data takes the germline origin instead of being listed twice
    tumour = Alteration.model_validate({**germline[0].model_dump(), "origin": "unknown", "label": "VHL tumour call"})
    merged = with_germline([tumour], germline)
    assert [(a.label, a.origin.value) for a in merged] == [("VHL tumour call", "germline")]


def test_analysis_reads_the_hereditary_run(core_bundle: KnowledgeBundle) -> None:
    assert [s.name for s in run_order(["onco"])] == ["hereditary", "onco"]
    patient = Patient(id="p1", tumour=Tumour(oncotree_code="CCRCC", msi_status="MSS", tmb_mut_per_mb=1))
    earlier = {"hereditary": EngineRun(findings=[hereditary_finding("VHL", 10142187, "C", "T")])}
    ctx = PatientContext(patient=patient, knowledge=core_bundle, on=date(2026, 12, 3), earlier=earlier)
    engine_run = onco.onco_engine(ctx)
    summaries = [f.summary for f in engine_run.findings if "belzutifan" in f.drugs]
    assert summaries and all(GERMLINE_ONLY not in s for s in summaries)
    assert engine_run.inputs["germline variants"] == "1 reportable, from the hereditary findings"
    alone = onco.onco_engine(PatientContext(patient=patient, knowledge=core_bundle, on=date(2026, 12, 3)))
    assert not [f for f in alone.findings if "belzutifan" in f.drugs]


def test_tsv_note_says_what_the_label_needs(core_knowledge: OncoKnowledge) -> None:
    from tailormed.report.tables import onco_tsv

    lines = [
        line.split("\t")
        for line in onco_tsv([run(core_knowledge, "CCRCC", parse_alteration("VHL Q164*"))]).splitlines()
    ]
    header, rows = lines[0], [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
    assert header[-1] == "note"
    (rcc,) = [r for r in rows if r["source"].startswith("onco-core:vhl-disease-belzutifan")]
    assert (rcc["amp_tier"], rcc["note"]) == (
        "I-A",
        "requires germline confirmation (the origin of VHL Q164* is not stated)",
    )


def test_patient_is_told_only_unconditional_approvals(core_knowledge: OncoKnowledge) -> None:
    from tailormed.model.payloads import TherapyMatchData
    from tailormed.report.therapies import therapy_lines

    def lines(origin: VariantOrigin) -> dict[str, tuple[bool, bool]]:
        findings = findings_from_result(run(core_knowledge, "CCRCC", alteration("VHL Q164*", origin)), core_knowledge)
        pairs = [(f, f.data) for f in findings if isinstance(f.data, TherapyMatchData)]
        return {line.best.therapy: (line.on_label, line.approved) for line in therapy_lines(pairs)}

    # unknown origin: on-label for the clinician (with the condition), not something to tell the patient
    assert lines(VariantOrigin.UNKNOWN)[BELZUTIFAN] == (True, False)
    assert lines(VariantOrigin.GERMLINE)[BELZUTIFAN] == (True, True)
    assert lines(VariantOrigin.SOMATIC)[BELZUTIFAN] == (False, False)


def test_niraparib_for_recurrent_ovarian_cancer_needs_a_germline_brca_variant(core_knowledge: OncoKnowledge) -> None:
    """Niraparib's recurrent-disease maintenance label was restricted to germline BRCA mutations (2022); its
    first-line maintenance label (HRD-positive since 2026) and olaparib's ovarian labels take a BRCA mutation of
    either origin."""
    germline = only(run(core_knowledge, "HGSOC", alteration("BRCA1 E1250*", VariantOrigin.GERMLINE)), "niraparib")
    assert (germline.amp_tier, germline.condition) == ("I-A", None)
    somatic = run(core_knowledge, "HGSOC", alteration("BRCA1 E1250*", VariantOrigin.SOMATIC))
    by_row = {m.row.id.split(":")[1]: m for m in somatic.matches if m.row.therapy == "niraparib"}
    recurrent, first_line = by_row["ov-brca-niraparib"], by_row["ov-hrd-niraparib"]
    assert (recurrent.amp_tier, recurrent.relation) == ("II-C", Relation.OTHER)
    assert (first_line.amp_tier, first_line.relation, first_line.condition) == ("I-A", Relation.SAME, None)
    assert first_line.row.setting and first_line.row.setting.startswith("first-line maintenance")
    assert only(somatic, "olaparib").amp_tier == "I-A"
    unstated = only(run(core_knowledge, "HGSOC", parse_alteration("BRCA1 E1250*")), "niraparib")
    assert unstated.amp_tier == "I-A" and GERMLINE_ONLY in (unstated.condition or "")
