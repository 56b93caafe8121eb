"""Diagnosis in an analysis: candidate variants read with the rest of the genome, and the work-up in FHIR."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.hpo.index import DiseaseIndex
from tailormed.model.evidence import AlleleKey
from tailormed.model.patient import GenomeRef, Patient, PhenotypeTerm
from tailormed.model.payloads import DiagnosisCandidateData
from tailormed.pipeline import diagnosis
from tailormed.pipeline.analyze import AnalysisResult, analyze, genome_request, read_patient_genome
from tailormed.pipeline.plausible import plausibility
from tailormed.report.fhir_genomics import careplan_to_fhir

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

DEMO = Path(__file__).resolve().parents[2] / "src" / "tailormed" / "demo" / "patients"
HEADER38 = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr3,length=198295559>
"""
HEADER37 = """##fileformat=VCFv4.2
##reference=file:///ref/human_g1k_v37.fasta
##contig=<ID=3,length=198022430>
"""
CSQ = '##INFO=<ID=CSQ,Number=.,Type=String,Description="VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene">\n'
COLUMNS = """##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1
"""
SCN5A_HIGH = "chr3\t38550989\t.\tA\tG\t50\tPASS\tCSQ=G|stop_gained|HIGH|SCN5A|ENSG00000183873\tGT\t0/1\n"
PLAIN = "chr3\t38550989\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n"


def _patient(vcf: Path) -> Patient:
    terms = [PhenotypeTerm(id="HP:0012251"), PhenotypeTerm(id="HP:0004756")]  # ST elevation; ventricular tachycardia
    return Patient(id="p1", phenotypes=terms, genome=GenomeRef(vcf=str(vcf), sample="S1"))


def _run(vcf: Path, core: KnowledgeBundle) -> tuple[Patient, AnalysisResult]:
    patient = _patient(vcf)
    evidence = read_patient_genome(vcf, patient, core, engines=["diagnosis"])
    return patient, analyze(patient, evidence, core, engines=["diagnosis"])


def test_a_record_with_phenotypes_asks_for_candidates_and_one_without_does_not(core: KnowledgeBundle) -> None:
    with_terms = genome_request(load_record(DEMO / "demo-03-rodriguez.yaml", RANGES), core)
    without = genome_request(load_record(DEMO / "demo-01-hale.yaml", RANGES), core)
    assert with_terms.candidates is not None
    assert without.candidates is None


def test_annotated_candidates_from_the_genome_enter_the_ranking(
    core: KnowledgeBundle, tmp_path: Path, hpo_index: DiseaseIndex
) -> None:
    vcf = tmp_path / "case.vcf"
    vcf.write_text(HEADER38 + CSQ + COLUMNS + SCN5A_HIGH)
    _, result = _run(vcf, core)
    run = result.runs["diagnosis"]
    assert run.skipped is None
    assert run.inputs["diagnosis_mode"] == "phenotype and variants (1 candidate variants in S1)"
    assert result.evidence is not None and result.evidence.source.read == "stream"
    candidates = [f.data for f in run.findings if isinstance(f.data, DiagnosisCandidateData)]
    assert candidates and candidates[0].genes == ["SCN5A"]
    assert "weighted allele count" in candidates[0].explanation
    assert all("no candidate variant" in c.explanation for c in candidates if "SCN5A" not in c.genes)


def test_a_genome_whose_variants_cannot_be_weighed_leaves_the_ranking_phenotype_only(
    core: KnowledgeBundle, tmp_path: Path, hpo_index: DiseaseIndex
) -> None:
    vcf = tmp_path / "plain.vcf"
    vcf.write_text(HEADER38 + COLUMNS + PLAIN)
    _, result = _run(vcf, core)
    run = result.runs["diagnosis"]
    assert run.inputs["diagnosis_mode"] == "phenotype only"
    assert any(n.reason == diagnosis.UNWEIGHED for n in run.limitations)
    candidates = [f.data for f in run.findings if isinstance(f.data, DiagnosisCandidateData)]
    assert candidates and not any("no candidate variant" in c.explanation for c in candidates)


@pytest.mark.parametrize(("header", "chrom", "classified"), [(HEADER38, "chr3", True), (HEADER37, "3", False)])
def test_clinvar_classifications_are_used_only_in_clinvar_s_build(
    tmp_path: Path, header: str, chrom: str, classified: bool
) -> None:
    vcf = tmp_path / "known.vcf"
    vcf.write_text(header + COLUMNS + PLAIN.replace("chr3", chrom))
    key: AlleleKey = ("chr3", 38550989, "A", "G")
    clinvar = {key: diagnosis.ClinvarCall(genes=("SCN5A",), significance="plp", variation_id="VCV1")}
    from tailormed.evidence import read_genome

    evidence = read_genome(vcf, diagnosis.candidate_request(clinvar), build=None)
    scan = diagnosis.evidence_candidates(evidence, clinvar)
    assert scan.clinvar is classified
    assert [v.pathogenic for v in scan.variants] == ([True] if classified else [])
    limits = [n.reason for n in diagnosis.scan_limitations(scan)]
    assert any("GRCh37" in r for r in limits) is not classified


def test_the_fhir_bundle_carries_the_work_up(core: KnowledgeBundle, hpo_index: DiseaseIndex) -> None:
    patient = load_record(DEMO / "demo-03-rodriguez.yaml", RANGES)
    result = analyze(patient, None, core, engines=["diagnosis"])
    bundle = careplan_to_fhir(result.plan, patient)
    tasks = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"]
    workup = [t for t in tasks if t["code"].get("coding", [{}])[0].get("code") == "LA14022-0"]
    assert len(workup) == 1
    notes = [n["text"] for n in workup[0]["note"]]
    assert any(n.startswith("Check for ") and "if present" in n for n in notes)
    assert any(n.startswith("Suggested test: ") and "%" in n for n in notes)
    assert workup[0]["reasonReference"]["reference"].startswith("urn:uuid:")
