"""CIViC importer: the 01-Aug-2021 v1 release, and a v2-layout release written here from CIViC's v2 column names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.engines.onco.run import OncoKnowledge, TumourProfile, match_profile
from tailormed.errors import KnowledgeError
from tailormed.knowledge.importers import civic
from tailormed.knowledge.onco.evidence import EvidenceTable
from tailormed.model.alteration import parse_alteration
from tailormed.model.genotype import GenomeBuild


@pytest.fixture(scope="module")
def civic_v1(shared_data: Path) -> EvidenceTable:
    folder = civic.detect(shared_data)
    assert folder is not None and folder.name == "01-Aug-2021"
    return civic.compile_release(folder)[0]


def _claims(knowledge: OncoKnowledge, tumour: str, text: str) -> set[tuple[str, str, str, str]]:
    profile = TumourProfile(case_id="c", tumour_type=tumour, alterations=[parse_alteration(text)])
    result = match_profile(profile, knowledge)
    return {
        (m.row.therapy, m.row.significance.value, m.row.native_level, m.amp_tier)
        for m in result.matches
        if m.source == "civic"
    }


def test_v1_classic_biomarkers(civic_v1: EvidenceTable, core_knowledge: OncoKnowledge) -> None:
    knowledge = OncoKnowledge(
        tables=[civic_v1], genes=core_knowledge.genes, tree=core_knowledge.tree, thresholds=core_knowledge.thresholds
    )
    l858r = _claims(knowledge, "LUAD", "EGFR L858R")
    assert {("Erlotinib", "sensitivity", "CIViC A", "I-A"), ("Afatinib", "sensitivity", "CIViC A", "I-A")} <= l858r
    assert any(t == "Erlotinib" and s == "resistance" for t, s, _, _ in _claims(knowledge, "NSCLC", "EGFR T790M"))
    assert any(
        t == "Trastuzumab" and tier == "I-A" for t, _, _, tier in _claims(knowledge, "BRCA", "ERBB2 amplification")
    )
    assert any(t == "Crizotinib" for t, _, _, _ in _claims(knowledge, "NSCLC", "EML4-ALK"))
    assert not any(t in ("Sotorasib", "Adagrasib") for t, _, _, _ in _claims(knowledge, "NSCLC", "KRAS G12C"))  # 2021


def test_v1_rows_are_normalized(civic_v1: EvidenceTable) -> None:
    assert civic_v1.release == "01-Aug-2021" and civic_v1.licence == "CC0-1.0"
    ids = {row.id for row in civic_v1.rows}
    assert "civic:EID2994" in ids  # EGFR L858R erlotinib, the notes' example row
    row = next(r for r in civic_v1.rows if r.id == "civic:EID2994")
    assert row.biomarker.label == "EGFR L858R" and row.oncotree == "NSCLC"
    assert [a.text for a in row.alleles] == ["chr7:55259515 T>G (GRCh37)"]
    combos = [r for r in civic_v1.rows if len(r.therapies) > 1]
    assert combos, "Combination drugs stay together as one therapy"


def test_curated_hotspots_agree_with_civic_grch37_coordinates(
    civic_v1: EvidenceTable, core_knowledge: OncoKnowledge
) -> None:
    civic_alleles = {
        (r.gene, r.biomarker.protein.text): {a.text for a in r.alleles}
        for r in civic_v1.rows
        if r.alleles and r.biomarker.protein
    }
    checked, wrong = 0, []
    for gene, facts in core_knowledge.genes.items():
        for spot in facts.hotspots:
            theirs = civic_alleles.get((gene, spot.protein))
            ours = spot.allele(GenomeBuild.GRCH37)
            if theirs and ours is not None:
                checked += 1
                if ours.text not in theirs:
                    wrong.append((gene, spot.protein, ours.text, theirs))
    assert not wrong
    assert checked >= 12


V2_EVIDENCE = [
    "molecular_profile", "molecular_profile_id", "disease", "doid", "phenotypes", "therapies",
    "therapy_interaction_type", "evidence_type", "evidence_direction", "evidence_level", "significance",
    "evidence_statement", "citation_id", "source_type", "asco_abstract_id", "citation", "nct_ids", "rating",
    "evidence_status", "evidence_id", "variant_origin", "last_review_date", "evidence_civic_url",
    "molecular_profile_civic_url", "is_flagged",
]  # fmt: skip


def _v2_row(profile: str, mp_id: str, therapies: str, interaction: str, significance: str, eid: str) -> str:
    values = {
        "molecular_profile": profile, "molecular_profile_id": mp_id, "disease": "Lung Non-small Cell Carcinoma",
        "doid": "3908", "therapies": therapies, "therapy_interaction_type": interaction,
        "evidence_type": "Predictive", "evidence_direction": "Supports", "evidence_level": "A",
        "significance": significance, "citation_id": "34096690", "source_type": "PubMed", "rating": "5",
        "evidence_status": "accepted", "evidence_id": eid, "variant_origin": "Somatic",
    }  # fmt: skip
    return "\t".join(values.get(column, "") for column in V2_EVIDENCE)


def test_v2_layout(tmp_path: Path, core_knowledge: OncoKnowledge) -> None:
    folder = tmp_path / "civic" / "01-Feb-2026"
    folder.mkdir(parents=True)
    (folder / "01-Feb-2026-AcceptedClinicalEvidenceSummaries.tsv").write_text(
        "\n".join([
            "\t".join(V2_EVIDENCE),
            _v2_row("KRAS G12C", "12", "Sotorasib", "", "Sensitivity/Response", "11001"),
            _v2_row("KRAS G12C", "12", "Adagrasib,Cetuximab", "Combination", "Sensitivity/Response", "11002"),
            _v2_row("EGFR L858R AND EGFR T790M", "4433", "Osimertinib", "", "Sensitivity/Response", "11003"),
        ]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    (folder / "01-Feb-2026-MolecularProfileSummaries.tsv").write_text(
        "name\tmolecular_profile_id\tsummary\tvariant_ids\nKRAS G12C\t12\t\t78\n", encoding="utf-8"
    )
    (folder / "01-Feb-2026-VariantSummaries.tsv").write_text(
        "variant_id\tgene\tvariant\tchromosome\tstart\tstop\treference_bases\tvariant_bases\treference_build\n"
        "78\tKRAS\tG12C\t12\t25398285\t25398285\tC\tA\tGRCh37\n",
        encoding="utf-8",
    )
    assert civic.detect(tmp_path) == folder.resolve()
    table, used, notes = civic.compile_release(folder)
    assert table.release == "01-Feb-2026" and len(used) == 3
    assert [r.therapy for r in table.rows] == ["Sotorasib", "Adagrasib + Cetuximab"]
    assert "1 compound molecular profiles" in notes
    assert table.rows[0].alleles[0].text == "chr12:25398285 C>A (GRCh37)"
    knowledge = OncoKnowledge(
        tables=[table], genes=core_knowledge.genes, tree=core_knowledge.tree, thresholds=core_knowledge.thresholds
    )
    assert ("Sotorasib", "sensitivity", "CIViC A", "I-A") in _claims(knowledge, "LUAD", "KRAS G12C")


def test_unknown_layout_is_a_knowledge_error(tmp_path: Path) -> None:
    (tmp_path / "X-ClinicalEvidenceSummaries.tsv").write_text("a\tb\n1\t2\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="layout"):
        civic.compile_release(tmp_path)


def test_v1_apl_evidence_is_placed_on_apl_and_meets_an_aml_with_pml_rara(
    civic_v1: EvidenceTable, core_knowledge: OncoKnowledge
) -> None:
    row = next(r for r in civic_v1.rows if r.id == "civic:EID1091")  # PML-RARA, tretinoin + arsenic trioxide, level A
    assert row.oncotree == "APLPMLRARA"
    knowledge = OncoKnowledge(
        tables=[civic_v1], genes=core_knowledge.genes, tree=core_knowledge.tree, thresholds=core_knowledge.thresholds,
        defined_types=core_knowledge.defined_types,
    )  # fmt: skip
    claim = ("Tretinoin + Arsenic Trioxide", "sensitivity", "CIViC A")
    assert (*claim, "I-A") in _claims(knowledge, "AML", "PML::RARA")
    assert (*claim, "II-C") in _claims(knowledge, "AMLNOS", "PML::RARA")
