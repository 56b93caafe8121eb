"""The PGx pipeline on the demo patients, with the curated core and with a bundle built from the shared data."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tailormed.demo import demo_record
from tailormed.errors import InputError
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.finding import Finding, Priority
from tailormed.model.genotype import BuildSource, GenomeBuild
from tailormed.model.pgx import Phenoconversion, WarfarinDose
from tailormed.pipeline.analyze import read_patient_genome
from tailormed.pipeline.pgx import PatientPgx, pgx_sources
from tailormed.pipeline.plausible import plausibility
from tailormed.report.tables import PGX_COLUMNS, calls_tsv

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

ON = date(2026, 1, 15)
PgxOf = Callable[..., PatientPgx]


@pytest.fixture
def run(pgx_of: PgxOf) -> Callable[..., PatientPgx]:
    def call(patient_id: str, bundle: KnowledgeBundle, outside: Path | None = None) -> PatientPgx:
        record = demo_record(patient_id)
        patient = load_record(record, RANGES)
        vcf = resolve_genome_path(patient, record)
        assert vcf is not None
        return pgx_of(patient, vcf, bundle, outside_calls=outside, on=ON)

    return call


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


def test_hale_clopidogrel_poor_metabolizer(core: KnowledgeBundle, run: Callable[..., PatientPgx]) -> None:
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


def test_mensah_fluoxetine_phenoconverts_cyp2d6(
    core: KnowledgeBundle, tmp_path: Path, run: Callable[..., PatientPgx]
) -> None:
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


def test_park_dpyd_2a_capecitabine(core: KnowledgeBundle, run: Callable[..., PatientPgx]) -> None:
    result = run("demo-04-park", core)
    dpyd = result.result.phenotypes["DPYD"]
    assert dpyd.activity_score == "1.0"
    assert dpyd.phenotype == "Intermediate Metabolizer"
    capecitabine = by_id(result.findings)["pgx:capecitabine:cpic"]
    assert capecitabine.priority is Priority.ACTIONABLE
    assert result.genotypes.absent_is_reference is False  # a panel: absent sites stay not called
    tpmt = by_id(result.findings)["pgx:gene:TPMT"]
    assert ("TPMT", "gene not called") in {(n.item, n.reason) for n in tpmt.not_assessed}


def test_absent_is_reference_override_is_recorded(core: KnowledgeBundle, pgx_of: PgxOf) -> None:
    record = demo_record("demo-04-park")
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    result = pgx_of(patient, vcf, core, absent_is_reference=True, on=ON)
    assert result.genotypes.absent_is_reference is True
    calls = {call.gene: call for call in result.calls}
    assert calls["UGT1A1"].status.value == "called"  # the panel has records in UGT1A1: absent sites are reference
    # The panel has no record near TPMT: declaring the file complete does not make TPMT *1/*1.
    assert result.result.phenotypes["TPMT"].diplotypes == []
    assert calls["TPMT"].status.value == "no_call"
    assert calls["TPMT"].warnings[0].startswith("not called: the VCF is declared complete but has no record at all in")


def test_call_table_has_the_pgx_call_columns(core: KnowledgeBundle, run: Callable[..., PatientPgx]) -> None:
    result = run("demo-03-rodriguez", core)
    rows = list(csv.DictReader(calls_tsv([(result.calls, result.result.phenotypes)]).splitlines(), delimiter="\t"))
    assert tuple(rows[0]) == PGX_COLUMNS
    tpmt = next(r for r in rows if r["gene"] == "TPMT")
    assert (tpmt["diplotype"], tpmt["phenotype"], tpmt["status"]) == ("*1/*3A", "Intermediate Metabolizer", "called")
    assert {r["sample"] for r in rows} == {result.genotypes.sample}


def test_build_detection_override_and_unknown(core: KnowledgeBundle, tmp_path: Path) -> None:
    record = demo_record("demo-02-mensah")
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    forced = read_patient_genome(vcf, patient, core, engines=["pgx"], build=GenomeBuild.GRCH38).build
    assert forced.source is BuildSource.USER and "REF matches GRCh38" in forced.detail
    bare = tmp_path / "bare.vcf"
    bare.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n")
    with pytest.raises(InputError, match="cannot tell the genome build"):
        read_patient_genome(bare, patient.model_copy(update={"genome": None}), core, engines=["pgx"])


def test_multi_sample_vcf_needs_a_named_sample(core: KnowledgeBundle, tmp_path: Path, pgx_of: PgxOf) -> None:
    record = demo_record("demo-01-hale")
    patient = load_record(record, RANGES)
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
        pgx_of(unnamed, vcf, core, on=ON)
    named = pgx_of(patient, vcf, core, on=ON)
    assert named.genotypes.sample == "HALE-R-WGS"


def test_built_bundle_prefers_pharmcat(built_bundle: KnowledgeBundle, run: Callable[..., PatientPgx]) -> None:
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


def test_grch37_vcf_is_read_at_grch37_positions(
    built_bundle: KnowledgeBundle, core: KnowledgeBundle, tmp_path: Path, pgx_of: PgxOf
) -> None:
    from tailormed.knowledge.pypgx import pypgx_variants

    to37 = {}
    for variant in pypgx_variants(built_bundle):
        for v38 in (variant.grch38, *variant.grch38_synonyms):
            to37.setdefault(v38.key, (variant.grch37.pos, variant.grch37.ref))
    record = demo_record("demo-01-hale")
    patient = load_record(record, RANGES)
    source = resolve_genome_path(patient, record)
    assert source is not None
    lines = []
    for line in source.read_text().splitlines():
        if line.startswith("##contig") or line.startswith("##reference"):
            continue
        if not line.startswith("#"):
            chrom, pos, rsid, ref, *rest = line.split("\t")
            if f"{chrom}:{pos}" not in to37 or to37[f"{chrom}:{pos}"][1] != ref:
                continue  # no GRCh37 twin with the same reference base: not part of this test
            line = "\t".join([chrom, str(to37[f"{chrom}:{pos}"][0]), rsid, ref, *rest])
        elif line.startswith("#CHROM"):
            lines.append("##reference=GRCh37")
        lines.append(line)
    vcf = tmp_path / "hale37.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    result = pgx_of(patient, vcf, built_bundle, on=ON)
    assert result.genotypes.build.build is GenomeBuild.GRCH37
    assert result.result.phenotypes["CYP2C19"].diplotypes == ["*2/*2"]
    assert any(w.startswith("GRCh37 input") for w in result.genotypes.warnings)
    assert "pypgx" in result.versions
    # Without PyPGx the curated build markers give the GRCh37 positions of the SNVs.
    core_result = pgx_of(patient, vcf, KnowledgeBundle(None, None, curated_sources()), on=ON)
    assert core_result.result.phenotypes["CYP2C19"].diplotypes == ["*2/*2"]
    assert "build-markers" in core_result.versions
