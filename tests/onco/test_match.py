"""Classic biomarkers against the curated core: the matching hierarchy, tiers by tumour type, resistance, gating."""

from __future__ import annotations

from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TumourProfile, match_profile
from tailormed.model.alteration import GenomicAllele, parse_alteration
from tailormed.model.genotype import GenomeBuild


def run(knowledge: OncoKnowledge, tumour: str, *texts: str) -> OncoResult:
    profile = TumourProfile(case_id="t", tumour_type=tumour, alterations=[parse_alteration(t) for t in texts])
    return match_profile(profile, knowledge)


def claims(result: OncoResult) -> set[tuple[str, str, str, str]]:
    return {(m.alteration.label, m.row.therapy, m.row.significance.value, m.amp_tier) for m in result.matches}


def test_egfr_l858r_and_t790m_resistance(core_knowledge: OncoKnowledge) -> None:
    found = claims(run(core_knowledge, "LUAD", "EGFR L858R", "EGFR T790M"))
    assert ("EGFR L858R", "osimertinib", "sensitivity", "I-A") in found
    assert ("EGFR L858R", "erlotinib", "sensitivity", "I-A") in found
    assert ("EGFR T790M", "erlotinib", "resistance", "I-B") in found
    assert ("EGFR T790M", "gefitinib", "resistance", "I-B") in found
    assert ("EGFR T790M", "osimertinib", "sensitivity", "I-A") in found


def test_exon_level_matches_from_protein_changes(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "NSCLC", "EGFR p.Glu746_Ala750del", "EGFR D770_N771insG", "EGFR L861Q")
    levels = {(m.alteration.label, m.row.therapy): m.matched_level.value for m in result.matches}
    assert levels[("EGFR E746_A750del", "osimertinib")] == "exon"
    assert levels[("EGFR D770_N771insG", "amivantamab + carboplatin + pemetrexed")] == "exon"
    # exon 19 deletions meet amivantamab with chemotherapy on its own label (after an EGFR TKI), not the exon 20 one
    assert {
        m.row.id.split(":")[1]
        for m in result.matches
        if m.alteration.label == "EGFR E746_A750del" and "amivantamab + carboplatin" in m.row.therapy
    } == {"nsclc-egfr-amivantamab-chemotherapy-after-tki"}
    l861q = {(m.row.therapy, m.matched_level.value) for m in result.matches if m.alteration.label == "EGFR L861Q"}
    assert ("afatinib", "protein") in l861q  # its own label row
    assert not any(level == "exon" for _, level in l861q)  # exon 21 is not exon 19 or 20


def test_erbb2_amplification_in_breast_and_elsewhere(core_knowledge: OncoKnowledge) -> None:
    assert ("ERBB2 amplification", "trastuzumab", "sensitivity", "I-A") in claims(
        run(core_knowledge, "IDC", "ERBB2 amplification")
    )
    other = claims(run(core_knowledge, "PAAD", "ERBB2 amplification"))
    assert ("ERBB2 amplification", "trastuzumab", "sensitivity", "II-C") in other


def test_fusions_alk_and_ntrk_pan_cancer(core_knowledge: OncoKnowledge) -> None:
    found = claims(run(core_knowledge, "LUAD", "EML4::ALK fusion"))
    assert ("EML4::ALK fusion", "alectinib", "sensitivity", "I-A") in found
    for tumour in ("PAAD", "COAD", "THPA"):
        assert ("ETV6::NTRK3 fusion", "larotrectinib", "sensitivity", "I-A") in claims(
            run(core_knowledge, tumour, "ETV6::NTRK3")
        )


def test_kras_g12c_by_tumour_type(core_knowledge: OncoKnowledge) -> None:
    lung = claims(run(core_knowledge, "NSCLC", "KRAS G12C"))
    assert ("KRAS G12C", "sotorasib", "sensitivity", "I-A") in lung
    assert ("KRAS G12C", "adagrasib", "sensitivity", "I-A") in lung
    colon = claims(run(core_knowledge, "READ", "KRAS p.Gly12Cys"))
    assert ("KRAS G12C", "adagrasib + cetuximab", "sensitivity", "I-A") in colon
    assert ("KRAS G12C", "sotorasib + panitumumab", "sensitivity", "I-A") in colon
    assert ("KRAS G12C", "cetuximab", "resistance", "I-A") in colon


def test_brca_loss_leads_to_parp_inhibitors(core_knowledge: OncoKnowledge) -> None:
    assert ("BRCA1 deletion", "olaparib", "sensitivity", "I-A") in claims(run(core_knowledge, "HGSOC", "BRCA1 loss"))
    assert ("BRCA2 S1982fs", "olaparib", "sensitivity", "I-A") in claims(
        run(core_knowledge, "PRAD", "BRCA2 p.Ser1982ArgfsTer22")
    )


def test_msi_h_and_tmb_h_are_on_label_everywhere(core_knowledge: OncoKnowledge) -> None:
    for tumour in ("UCEC", "STAD", "SOMETHING_NEW"):
        found = claims(run(core_knowledge, tumour, "MSI-H", "TMB-H"))
        assert ("MSI-H", "pembrolizumab", "sensitivity", "I-A") in found
        assert ("TMB-H", "pembrolizumab", "sensitivity", "I-A") in found


def test_pan_cancer_exclusion_and_gene_level_gate(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "COAD", "BRAF V600E", "PIK3CA R88Q", "KRAS A146T")
    pan = [m for m in result.matches if m.row.id.endswith("pan-braf-v600e-dabrafenib-trametinib")]
    assert [m.amp_tier for m in pan] == ["II-C"]  # the tumour-agnostic label excludes colorectal cancer
    assert not any(m.alteration.label == "KRAS A146T" for m in result.matches)
    assert any(n.item.startswith("KRAS A146T") and "not predicted oncogenic" in n.reason for n in result.not_assessed)


def test_genomic_allele_level_in_both_builds(core_knowledge: OncoKnowledge) -> None:
    for build, pos in ((GenomeBuild.GRCH38, 140753336), (GenomeBuild.GRCH37, 140453136)):
        allele = GenomicAllele(build=build, chrom="chr7", pos=pos, ref="A", alt="T")
        alteration = parse_alteration("BRAF V600E").model_copy(update={"allele": allele})
        result = match_profile(TumourProfile(case_id="t", tumour_type="MEL", alterations=[alteration]), core_knowledge)
        exact = {m.matched_level.value for m in result.matches if m.row.biomarker.label == "BRAF V600E"}
        codon = {m.matched_level.value for m in result.matches if m.row.biomarker.label == "BRAF V600"}
        assert exact == {"genomic"} and codon == {"codon"}  # BRAF V600 (any change at codon 600) rows
