"""``tailormed hereditary`` through the installed command, and the engine as ``analyze`` runs it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.finding import Priority
from tailormed.model.payloads import HereditaryVariantData
from tailormed.pipeline.analyze import read_patient_genome
from tailormed.pipeline.engine_api import PatientContext
from tailormed.pipeline.hereditary import hereditary_engine
from tailormed.pipeline.plausible import plausibility
from tailormed.report.tables import HEREDITARY_COLUMNS as TSV_COLUMNS

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

SPEC = "gene chrom pos ref alt genotype clinvar_significance review_stars reportable reason condition inheritance"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from tailormed.cli import main; main()", "hereditary", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_tsv_and_json_output(
    hereditary_bundle: KnowledgeBundle, pick: Callable[..., object], vcf_writer: Callable[..., Path], tmp_path: Path
) -> None:
    brca1 = pick(lambda r: r.gene == "BRCA1" and r.clnsig == "Pathogenic" and len(r.ref) == len(r.alt) == 1)
    vcf = vcf_writer([(brca1.chrom, brca1.pos, brca1.ref, brca1.alt, ["0/1", "0/0"])], samples=("A", "B"))  # type: ignore[attr-defined]
    kb = str(hereditary_bundle.root)
    result = run(str(vcf), "--kb", kb, "--sample", "A")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter="\t"))
    assert tuple(rows[0]) == TSV_COLUMNS and " ".join(TSV_COLUMNS[:12]) == SPEC
    assert [(r["gene"], r["reportable"], r["sample"], r["clinvar_id"]) for r in rows] == [
        ("BRCA1", "yes", "A", brca1.id)
    ]  # type: ignore[attr-defined]
    assert "not assessed:" in result.stderr and "repeat expansions" in result.stderr
    out = tmp_path / "h.json"
    result = run(str(vcf), "--kb", kb, "--format", "json", "-o", str(out), "--acmg-version", "3.3")
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["knowledge"]["acmg-sf"] == "3.3" and document["knowledge"]["clinvar"] == "2026-02-26"
    assert [len(s["variants"]) for s in document["samples"]] == [1, 0]
    assert document["samples"][0]["variants"][0]["condition"] == "Hereditary breast and ovarian cancer"


def test_errors_exit_codes(hereditary_bundle: KnowledgeBundle, tmp_path: Path) -> None:
    vcf = tmp_path / "x.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n##reference=GRCh38\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n"
    )
    empty_kb = tmp_path / "kb"
    empty_kb.mkdir()
    result = run(str(vcf), "--kb", str(hereditary_bundle.root), "--acmg-version", "2.0")
    assert result.returncode == 3 and "v2.0 is not in the knowledge bundle" in result.stderr
    result = run(str(tmp_path / "missing.vcf"), "--kb", str(hereditary_bundle.root))
    assert result.returncode == 2 and "file not found" in result.stderr


def test_engine_on_the_demo_patient(hereditary_bundle: KnowledgeBundle) -> None:
    record = demo_record("demo-03-rodriguez")
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    evidence = read_patient_genome(vcf, patient, hereditary_bundle, engines=["hereditary"])
    ctx = PatientContext(patient=patient, knowledge=hereditary_bundle, on=date(2026, 11, 1), evidence=evidence)
    run_ = hereditary_engine(ctx)
    [brca2] = [f for f in run_.findings if f.priority is Priority.ACTIONABLE]
    assert isinstance(brca2.data, HereditaryVariantData)
    assert brca2.genes == ["BRCA2"] and brca2.data.clinvar_id == "9325" and brca2.data.zygosity == "heterozygous"
    assert "Hereditary breast and ovarian cancer" in brca2.title
    assert any(item.reason == "assumed reference (declared by the user)" for item in run_.limitations)
    assert run_.versions["clinvar"] == "2026-02-26" and "hereditary.tsv" in run_.tables
    opted_out = patient.model_copy(update={"consent": patient.consent.model_copy(update={"secondary_findings": False})})
    skipped = hereditary_engine(
        PatientContext(patient=opted_out, knowledge=hereditary_bundle, on=date(2026, 11, 1), evidence=evidence)
    )
    assert skipped.skipped and "opted out" in skipped.skipped and not skipped.findings
    core = hereditary_engine(
        PatientContext(patient=patient, knowledge=_core(), on=date(2026, 11, 1), evidence=evidence)
    )
    assert core.skipped is not None and "ClinVar not in the knowledge bundle" in core.skipped


def _core() -> KnowledgeBundle:
    return KnowledgeBundle(None, None, curated_sources())
