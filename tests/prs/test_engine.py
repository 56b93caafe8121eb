"""The care-plan engine: panel scores from the built bundle on one patient's VCF (built here from real sites)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.engine import EngineRun
from tailormed.model.finding import Domain
from tailormed.model.patient import Patient
from tailormed.model.payloads import PolygenicScoreData
from tailormed.pipeline.analyze import read_patient_genome
from tailormed.pipeline.engine_api import PatientContext
from tailormed.pipeline.engines import engine

GRCH38_HEADER = (
    "##fileformat=VCFv4.2\n##reference=GRCh38\n" + '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n'
)


def patient_vcf(pgs_dir: Path, tmp_path: Path, genotype: str) -> Path:
    """A one-sample VCF at every PGS000004 GRCh38 site (REF/ALT as megSAP lists them), all with ``genotype``."""
    lines = [GRCH38_HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP1"]
    for line in (pgs_dir / "PGS000004_GRCh38.megSAP_percentiles.vcf").read_text().splitlines():
        if not line.startswith("#"):
            chrom, pos, _, ref, alt = line.split("\t")[:5]
            lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t.\t.\tGT\t{genotype}")
    path = tmp_path / "patient.vcf"
    path.write_text("\n".join(lines) + "\n")
    return path


def context(bundle: KnowledgeBundle, vcf: Path | None, sex: str, ancestry: str) -> PatientContext:
    patient = Patient.model_validate(
        {
            "id": "p1",
            "demographics": {"sex": sex, "genetic_ancestry": [{"population": ancestry, "proportion": 1.0}]},
        }
    )
    evidence = read_patient_genome(vcf, patient, bundle, engines=["prs"]) if vcf is not None else None
    return PatientContext(patient=patient, knowledge=bundle, on=date(2026, 11, 22), evidence=evidence)


def prs(ctx: PatientContext) -> EngineRun:
    return engine("prs").run(ctx)


@pytest.mark.shared
def test_breast_cancer_score_for_a_woman(built_bundle: KnowledgeBundle, pgs_dir: Path, tmp_path: Path) -> None:
    run = prs(context(built_bundle, patient_vcf(pgs_dir, tmp_path, "0/1"), "female", "EUR"))
    assert run.skipped is None
    assert [f.id for f in run.findings] == ["prs:PGS000004"]  # PGS000001 is not needed once PRS313 scores
    finding = run.findings[0]
    assert finding.domain is Domain.POLYGENIC
    data = PolygenicScoreData.model_validate(finding.data)
    assert data.variants_total == 313 and data.overlap >= 0.75
    assert data.ancestry_validated is True and data.per_sd_effect == 1.61
    assert data.z is not None and data.relative_risk is not None
    assert {e.source for e in finding.evidence} == {"pgs-catalog", "prs-panel"}
    assert "prs_match_log.tsv" in run.tables


@pytest.mark.shared
def test_more_effect_alleles_mean_higher_risk_and_ancestry_is_flagged(
    built_bundle: KnowledgeBundle, pgs_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "low").mkdir()
    (tmp_path / "high").mkdir()
    low = prs(context(built_bundle, patient_vcf(pgs_dir, tmp_path / "low", "0/0"), "female", "EUR"))
    high = prs(context(built_bundle, patient_vcf(pgs_dir, tmp_path / "high", "1/1"), "female", "EAS"))
    low_data = PolygenicScoreData.model_validate(low.findings[0].data)
    high_data = PolygenicScoreData.model_validate(high.findings[0].data)
    assert low_data.relative_risk is not None and high_data.relative_risk is not None
    assert high_data.z is not None and low_data.z is not None and high_data.z > low_data.z
    assert high_data.relative_risk > low_data.relative_risk
    assert high_data.ancestry_validated is False  # PGS000004: no East Asian development or evaluation samples
    assert any("East Asian" in item.item for item in high.findings[0].not_assessed)


@pytest.mark.shared
def test_skips_and_limitations(
    built_bundle: KnowledgeBundle, core: KnowledgeBundle, pgs_dir: Path, tmp_path: Path
) -> None:
    assert prs(context(built_bundle, None, "female", "EUR")).skipped is not None
    without = prs(context(core, patient_vcf(pgs_dir, tmp_path, "0/1"), "female", "EUR"))
    assert without.skipped == "no scoring files in the knowledge bundle; build it with tailormed kb build"
    male = prs(context(built_bundle, patient_vcf(pgs_dir, tmp_path, "0/1"), "male", "EUR"))
    assert not male.findings and all("females only" in item.reason for item in male.limitations)
