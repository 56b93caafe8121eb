"""The care-plan engine, the diagnose command (single, --hpo, --batch, evaluate) and VCF candidate variants."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tailormed.engines.diagnosis.combined import FEATURES
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources, load_bundle
from tailormed.knowledge.hpo.index import DiseaseIndex
from tailormed.model.finding import Domain
from tailormed.model.payloads import DiagnosisCandidateData, DiagnosisWorkupData
from tailormed.pipeline.diagnosis import diagnosis_engine, vcf_candidates
from tailormed.pipeline.engine_api import PatientContext
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

DEMO = Path(__file__).resolve().parents[2] / "src" / "tailormed" / "demo" / "patients"
GLYCINE = "PMID_8005589_patient_B.json"  # glycine encephalopathy 2, AMT compound heterozygous


def _context(name: str) -> PatientContext:
    path = DEMO / name
    return PatientContext(patient=load_record(path, RANGES), knowledge=load_bundle(None), on=date(2026, 1, 1))


def test_engine_lists_candidates_from_the_record_phenotypes(hpo_index: DiseaseIndex) -> None:
    run = diagnosis_engine(_context("demo-03-rodriguez.yaml"))
    assert run.skipped is None and 2 <= len(run.findings) <= 6
    first = run.findings[0]
    assert first.domain is Domain.DIAGNOSIS
    assert "not a diagnosis" in first.summary
    data = first.data
    assert isinstance(data, DiagnosisCandidateData)
    assert data.rank == 1 and "Colitis[HP:0002583]" in data.explanation
    candidates = [f.data for f in run.findings if isinstance(f.data, DiagnosisCandidateData)]
    assert [c.rank for c in candidates] == list(range(1, len(candidates) + 1))
    assert sum(c.post_test_probability for c in candidates) <= 1.0 + 1e-9
    workup = run.findings[-1]
    assert isinstance(workup.data, DiagnosisWorkupData) and workup.id == "diagnosis:workup"
    assert workup.data.suggestions and workup.data.test.genes
    assert workup.summary.startswith("Check for: ") and "Suggested test: " in workup.summary
    assert run.versions == {"HPO": "2025-01-16"}
    assert "HP:0001824" in run.inputs["hpo_terms_excluded"]


def test_engine_skips_a_record_without_phenotypes() -> None:
    run = diagnosis_engine(_context("demo-01-hale.yaml"))
    assert run.skipped is not None and "no HPO phenotype" in run.skipped


def _cli(*args: str) -> tuple[int, str, str]:
    from tailormed.cli.app import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def three_cases(dev_cases: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cases")
    for path in [*sorted(dev_cases.glob("*.json"))[:2], dev_cases / GLYCINE]:
        shutil.copyfile(path, folder / path.name)
    return folder


def test_diagnose_one_phenopacket_tsv(three_cases: Path, hpo_index: DiseaseIndex) -> None:
    code, stdout, _ = _cli("diagnose", str(three_cases / GLYCINE), "--variants", "--top", "3")
    assert code == 0, stdout
    lines = stdout.splitlines()
    assert lines[0].split("\t") == [
        "rank",
        "disease_id",
        "disease_name",
        "genes",
        "post_test_probability",
        "explanation",
    ]
    first = lines[1].split("\t")
    assert first[1] == "OMIM:620398" and first[3] == "AMT" and "G:AMT: two pathogenic alleles" in first[5]
    assert len(lines) == 4
    assert 0.5 < float(first[4]) <= 1.0


def test_diagnose_hpo_terms_json(hpo_index: DiseaseIndex) -> None:
    code, stdout, _ = _cli("diagnose", "--hpo", "HP:0001250", "--exclude", "HP:0000252", "--top", "2", "-f", "json")
    assert code == 0
    result = json.loads(stdout)
    assert result["observed_terms"] == ["HP:0001250"] and result["excluded_terms"] == ["HP:0000252"]
    assert len(result["candidates"]) == 2 and result["diseases_ranked"] == hpo_index.size


def test_bad_hpo_id_is_an_input_error() -> None:
    code, _, _ = _cli("diagnose", "--hpo", "seizure")
    assert code != 0


def test_batch_and_evaluate(three_cases: Path, tmp_path: Path, hpo_index: DiseaseIndex) -> None:
    out = tmp_path / "ranks.tsv"
    code, _, _ = _cli("diagnose", "--batch", str(three_cases), "--top", "2", "-o", str(out))
    assert code == 0
    rows = [line.split("\t") for line in out.read_text().splitlines()]
    assert rows[0][0] == "case_id" and len(rows) == 1 + 3 * 2
    assert {r[0] for r in rows[1:]} == {p.stem for p in three_cases.glob("*.json")}
    code, stdout, _ = _cli("diagnose", "evaluate", str(three_cases), "--ranker", "lr", "-f", "json")
    assert code == 0
    evaluations = json.loads(stdout)["evaluations"]
    assert [e["mode"] for e in evaluations] == ["phenotype", "phenotype+variant"]
    assert all(e["cases"] == 3 and e["matched"] == 3 for e in evaluations)
    code, stdout, _ = _cli("diagnose", "evaluate", str(three_cases), "--ranker", "combined", "--cv", "3", "-f", "json")
    assert code == 0
    report = json.loads(stdout)
    assert [f["fold"] for f in report["folds"]] == [1, 2, 3] and all(f["cases"] == 1 for f in report["folds"])
    assert [e["mode"] for e in report["evaluations"]] == ["phenotype, 3-fold CV", "phenotype+variant, 3-fold CV"]
    assert report["calibration"]["predictions"] == 3 * 10
    code, stdout, _ = _cli("diagnose", "fit", str(three_cases))
    assert code == 0 and [line.split("\t")[0] for line in stdout.splitlines()] == list(FEATURES)


def test_diagnose_prints_probabilities_suggestions_and_genes(hpo_index: DiseaseIndex) -> None:
    terms = ["HP:0001083", "HP:0002616", "HP:0001166", "HP:0000098", "HP:0001763", "HP:0000768"]  # Marfan-like
    code, stdout, stderr = _cli("diagnose", *[f"--hpo={t}" for t in terms], "--top", "3", "--suggestions", "2")
    assert code == 0
    rows = [line.split("\t") for line in stdout.splitlines()[1:]]
    assert len(rows) == 3 and all(0 < float(r[4]) < 1 for r in rows)
    assert "what to examine next" in stderr and stderr.count("check for ") == 2
    assert "which test: single-gene test" in stderr and "FBN1" in stderr.split("genes (share of the probability)")[1]
    following = stderr.split("if it is negative, next (share of the probability, best-ranked disease):\n", 1)[1]
    gene, share, disease = following.splitlines()[0].split()
    assert gene != "FBN1" and share.endswith("%") and 0 < float(share[:-1]) < 40 and disease.startswith("OMIM:")
    code, stdout, _ = _cli("diagnose", *[f"--hpo={t}" for t in terms], "--top", "3", "-f", "json")
    result = json.loads(stdout)
    assert result["test"]["genes"][0]["gene"] == "FBN1" and len(result["suggestions"]) == 5


VCF = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr3,length=198295559>
##FILTER=<ID=LowQual,Description="Low quality">
##INFO=<ID=CSQ,Number=.,Type=String,Description="VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1
chr3\t38550989\t.\tA\tG\t50\tPASS\tCSQ=G|missense_variant|MODERATE|SCN5A|ENSG00000183873\tGT\t0/1
chr3\t38551000\t.\tC\tT\t50\tLowQual\tCSQ=T|stop_gained|HIGH|SCN5A|ENSG00000183873\tGT\t0/1
chr3\t38552000\t.\tC\tT\t50\tPASS\tCSQ=T|intron_variant|MODIFIER|SCN5A|ENSG00000183873\tGT\t1/1
chr3\t38553000\t.\tC\tT\t50\tPASS\t.\tGT\t0/1
"""


def test_vcf_candidates_from_consequences(tmp_path: Path, hpo_index: DiseaseIndex) -> None:
    vcf = tmp_path / "case.vcf"
    vcf.write_text(VCF)
    scan = vcf_candidates(vcf, KnowledgeBundle(None, None, curated_sources()))
    assert scan.sample == "S1" and scan.annotation == "CSQ" and scan.not_pass == 1
    assert [(v.gene, v.copies, v.weight) for v in scan.variants] == [("SCN5A", 1, 0.6)]
    assert scan.unannotated == 2  # the MODIFIER allele and the one without CSQ
    code, stdout, _ = _cli("diagnose", "--hpo", "HP:0012251", "--hpo", "HP:0004756", "--vcf", str(vcf), "--top", "40")
    assert code == 0
    rows = [line.split("\t") for line in stdout.splitlines()[1:]]
    scn5a = [r for r in rows if r[3] == "SCN5A"]
    assert scn5a and "G:SCN5A: weighted allele count 0.60" in scn5a[0][5]
    assert all("no candidate variant" in r[5] for r in rows if r[3] and r[3] != "SCN5A")
