"""The PGx pipeline on the demo patients, with the curated core and with a bundle built from the shared data."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tailormed.demo import demo_record
from tailormed.errors import InputError, KnowledgeError
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.finding import Finding, Priority
from tailormed.model.genotype import BuildSource, GenomeBuild
from tailormed.model.pgx import Phenoconversion, WarfarinDose
from tailormed.pipeline.pgx import (
    TSV_COLUMNS,
    PatientPgx,
    calls_tsv,
    detect_vcf_build,
    pgx_sources,
    run_patient_pgx,
)

ON = date(2026, 1, 15)



def run(patient_id: str, bundle: KnowledgeBundle, outside: Path | None = None) -> PatientPgx:
    record = demo_record(patient_id)
    patient = load_record(record)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    return run_patient_pgx(patient, vcf, bundle, outside_calls=outside, on=ON)


def by_id(findings: list[Finding]) -> dict[str, Finding]:
    return {f.id: f for f in findings}


def test_core_sources_are_chosen_without_a_built_bundle(core: KnowledgeBundle) -> None:
    sources = pgx_sources(core)
    assert (sources.definitions, sources.phenotypes, sources.guidelines) == (
        "pgx-core-definitions",
        "pgx-core-phenotypes",
        "pgx-core-guidelines",
    )
    assert sources.phenoconversion == "pgx-phenoconversion"
    assert sources.warfarin == "warfarin-dosing"


def test_hale_clopidogrel_poor_metabolizer(core: KnowledgeBundle) -> None:
    result = run("demo-01-hale", core)
    cyp2c19 = result.result.phenotypes["CYP2C19"]
    assert cyp2c19.diplotypes == ["*2/*2"]
    assert cyp2c19.phenotype == "Poor Metabolizer"
    clopidogrel = by_id(result.findings)["pgx:clopidogrel:cpic"]
    assert clopidogrel.priority is Priority.ACTIONABLE
    assert "CYP2C19: CYP2C19 *2/*2: Poor Metabolizer" in clopidogrel.evidence[0].inputs_used
    assert "rs4244285 A/A" in clopidogrel.evidence[0].inputs_used
    assert result.genotypes.absent_is_reference is True  # declared in the record
    assert result.genotypes.build.source is BuildSource.HEADER_REFERENCE
    assert set(result.versions) == {
        "pgx-core-definitions",
        "pgx-core-phenotypes",
        "pgx-core-guidelines",
        "pgx-phenoconversion",
        "warfarin-dosing",
    }
    slco1b1 = result.result.phenotypes["SLCO1B1"]
    assert (slco1b1.diplotypes, slco1b1.phenotype) == (["*1/*15"], "Decreased Function")


def test_mensah_fluoxetine_phenoconverts_cyp2d6(core: KnowledgeBundle, tmp_path: Path) -> None:
    outside = tmp_path / "cyp2d6.tsv"
    outside.write_text("CYP2D6\t*1/*17\n")
    result = run("demo-02-mensah", core, outside)
    findings = by_id(result.findings)
    change = findings["pgx:phenoconversion:CYP2D6"]
    assert change.priority is Priority.ACTIONABLE
    assert change.drugs == ["fluoxetine"]
    assert isinstance(change.data, Phenoconversion)
    assert change.data.genotype_phenotype == "Normal Metabolizer"
    assert change.data.effective_phenotype == "Poor Metabolizer"
    assert result.genotypes.build.source is BuildSource.REF_ALLELES  # bare contigs: decided by marker REF bases
    dose = findings["pgx:warfarin:dose"]
    assert dose.priority is Priority.ACTIONABLE
    assert isinstance(dose.data, WarfarinDose)
    assert dose.data.weekly_mg == pytest.approx(28.7, abs=0.05)
    assert result.result.phenotypes["CYP2C9"].diplotypes == ["*1/*8"]


def test_park_dpyd_2a_capecitabine(core: KnowledgeBundle) -> None:
    result = run("demo-04-park", core)
    dpyd = result.result.phenotypes["DPYD"]
    assert dpyd.activity_score == "1.0"
    assert dpyd.phenotype == "Intermediate Metabolizer"
    capecitabine = by_id(result.findings)["pgx:capecitabine:cpic"]
    assert capecitabine.priority is Priority.ACTIONABLE
    assert result.genotypes.absent_is_reference is False  # a panel: absent sites stay not called
    tpmt = by_id(result.findings)["pgx:gene:TPMT"]
    assert ("TPMT", "gene not called") in {(n.item, n.reason) for n in tpmt.not_assessed}


def test_absent_is_reference_override_is_recorded(core: KnowledgeBundle) -> None:
    record = demo_record("demo-04-park")
    patient = load_record(record)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    result = run_patient_pgx(patient, vcf, core, absent_is_reference=True, on=ON)
    assert result.genotypes.absent_is_reference is True
    assert result.result.phenotypes["TPMT"].diplotypes == ["*1/*1"]


def test_call_table_has_the_pgx_call_columns(core: KnowledgeBundle) -> None:
    result = run("demo-03-rodriguez", core)
    rows = list(csv.DictReader(calls_tsv([(result.calls, result.result.phenotypes)]).splitlines(), delimiter="\t"))
    assert tuple(rows[0]) == TSV_COLUMNS
    tpmt = next(r for r in rows if r["gene"] == "TPMT")
    assert (tpmt["diplotype"], tpmt["phenotype"], tpmt["status"]) == ("*1/*3A", "Intermediate Metabolizer", "called")
    assert {r["sample"] for r in rows} == {result.genotypes.sample}


def test_build_detection_override_and_unknown(core: KnowledgeBundle, tmp_path: Path) -> None:
    vcf = resolve_genome_path(load_record(demo_record("demo-02-mensah")), demo_record("demo-02-mensah"))
    assert vcf is not None
    forced = detect_vcf_build(vcf, GenomeBuild.GRCH38, core)
    assert forced.source is BuildSource.USER
    bare = tmp_path / "bare.vcf"
    bare.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n")
    with pytest.raises(InputError, match="cannot tell the genome build"):
        detect_vcf_build(bare, None, core)


def test_multi_sample_vcf_needs_a_named_sample(core: KnowledgeBundle, tmp_path: Path) -> None:
    record = demo_record("demo-01-hale")
    patient = load_record(record)
    source = resolve_genome_path(patient, record)
    assert source is not None
    lines = source.read_text().splitlines()
    two = [
        line + "\tOTHER" if line.startswith("#CHROM") else line if line.startswith("#") else line + "\t0/0:30:99"
        for line in lines
    ]
    vcf = tmp_path / "two.vcf"
    vcf.write_text("\n".join(two) + "\n")
    unnamed = patient.model_copy(update={"genome": None})
    with pytest.raises(InputError, match="the VCF has 2 samples"):
        run_patient_pgx(unnamed, vcf, core, on=ON)
    named = run_patient_pgx(patient, vcf, core, on=ON)
    assert named.genotypes.sample == "HALE-R-WGS"


def test_built_bundle_prefers_pharmcat(built_bundle: KnowledgeBundle) -> None:
    sources = pgx_sources(built_bundle)
    assert (sources.definitions, sources.phenotypes, sources.guidelines) == (
        "pharmcat-definitions",
        "pharmcat-phenotypes",
        "pharmcat-guidelines",
    )
    hale = run("demo-01-hale", built_bundle)
    assert hale.result.phenotypes["CYP2C19"].diplotypes == ["*2/*2"]
    assert by_id(hale.findings)["pgx:clopidogrel:cpic"].priority is Priority.ACTIONABLE
    assert "pharmcat-definitions" in hale.versions
    park = run("demo-04-park", built_bundle)
    assert park.result.phenotypes["DPYD"].activity_score == "1.0"
    assert by_id(park.findings)["pgx:capecitabine:cpic"].priority is Priority.ACTIONABLE


def test_grch37_vcf_is_read_at_pypgx_positions(built_bundle: KnowledgeBundle, tmp_path: Path) -> None:
    from tailormed.knowledge.pypgx import pypgx_variants

    to37 = {}
    for variant in pypgx_variants(built_bundle):
        for v38 in (variant.grch38, *variant.grch38_synonyms):
            to37.setdefault(v38.key, variant.grch37.pos)
    record = demo_record("demo-01-hale")
    patient = load_record(record)
    source = resolve_genome_path(patient, record)
    assert source is not None
    lines = []
    for line in source.read_text().splitlines():
        if line.startswith("##contig") or line.startswith("##reference"):
            continue
        if not line.startswith("#"):
            chrom, pos, *rest = line.split("\t")
            line = "\t".join([chrom, str(to37[f"{chrom}:{pos}"]), *rest])
        elif line.startswith("#CHROM"):
            lines.append("##reference=GRCh37")
        lines.append(line)
    vcf = tmp_path / "hale37.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    result = run_patient_pgx(patient, vcf, built_bundle, on=ON)
    assert result.genotypes.build.build is GenomeBuild.GRCH37
    assert result.result.phenotypes["CYP2C19"].diplotypes == ["*2/*2"]
    assert any(w.startswith("GRCh37 input") for w in result.genotypes.warnings)
    assert "pypgx" in result.versions
    with pytest.raises(KnowledgeError, match="pypgx"):
        run_patient_pgx(patient, vcf, KnowledgeBundle(None, None, curated_sources()), on=ON)
