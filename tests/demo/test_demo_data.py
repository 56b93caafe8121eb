"""The demo patients: every record loads, its VCF opens with cyvcf2 and holds the declared sample, and the
genotypes sit at PharmCAT positions with PharmCAT's REF/ALT."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cyvcf2 import VCF

from tailormed.demo import demo_dir, demo_record, demo_records
from tailormed.errors import InputError
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.medicines import medication_names
from tailormed.model.patient import GenomeAssay, MedicationStatus, Sex
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

IDS = ["demo-01-hale", "demo-02-mensah", "demo-03-rodriguez", "demo-04-park"]


def genotypes(vcf_path: Path, sample: str) -> dict[tuple[str, int], tuple[str, str, str]]:
    """(chrom, pos) -> (REF, ALT, GT as written, e.g. '0|1')."""
    vcf = VCF(str(vcf_path), samples=[sample])
    calls: dict[tuple[str, int], tuple[str, str, str]] = {}
    for variant in vcf:
        *alleles, phased = variant.genotypes[0]  # one allele for a haploid call (chrX of a man)
        calls[(variant.CHROM, variant.POS)] = (
            variant.REF,
            ",".join(variant.ALT),
            ("|" if phased else "/").join(str(allele) for allele in alleles),
        )
    vcf.close()
    return calls


def test_demo_records_are_listed_in_order() -> None:
    assert [path.stem for path in demo_records()] == IDS
    assert demo_record("demo-02-mensah").name == "demo-02-mensah.yaml"
    with pytest.raises(InputError, match="no demo patient 'nobody'"):
        demo_record("nobody")


@pytest.mark.parametrize("patient_id", IDS)
def test_record_loads_and_vcf_has_declared_sample(patient_id: str) -> None:
    record = demo_record(patient_id)
    patient = load_record(record, RANGES)
    assert patient.id == patient_id
    assert patient.genome is not None
    vcf_path = resolve_genome_path(patient, record)
    assert vcf_path == demo_dir() / f"{patient_id}.vcf"
    vcf = VCF(str(vcf_path))
    assert vcf.samples == [patient.genome.sample]
    assert vcf.get_header_type("GT")["Type"] == "String"
    contigs = set(vcf.seqnames)
    records = list(vcf)
    vcf.close()
    assert records
    assert {variant.CHROM for variant in records} <= contigs
    assert all(variant.CHROM.startswith("chr") for variant in records)


def test_demo_cohort_is_diverse() -> None:
    patients = [load_record(path, RANGES) for path in demo_records()]
    ages = [p.demographics.age_on(date(2026, 11, 1)) for p in patients]
    assert ages == [58.0, 67.0, 45.0, 34.0]
    assert [p.demographics.sex for p in patients] == [Sex.MALE, Sex.FEMALE, Sex.FEMALE, Sex.MALE]
    assert [p.preferences.language for p in patients] == ["en", "en", "es", "en"]
    assert [p.demographics.genetic_ancestry[0].population for p in patients] == ["EUR", "AFR", "AMR", "EAS"]
    hale, mensah, rodriguez, park = patients
    assert {m.name for m in hale.current_medications()} >= {"clopidogrel", "atorvastatin"}
    assert next(m for m in mensah.medications if m.name == "warfarin").status is MedicationStatus.PLANNED
    written = {m.name: medication_names(m) for m in rodriguez.current_medications()}  # written in Spanish
    assert written["tamoxifeno"] == ("tamoxifen",) and written["azatioprina"] == ("azathioprine",)
    assert rodriguez.reproductive is not None
    assert rodriguez.reproductive.atypical_hyperplasia is True
    assert park.tumour is not None
    assert park.tumour.oncotree_code == "COAD"
    assert park.tumour.somatic_variants[0].protein_change == "V600E"


def test_one_panel_vcf_lists_reference_calls_the_others_are_wgs() -> None:
    patients = [load_record(path, RANGES) for path in demo_records()]
    declared = [(p.genome.assay, p.genome.absent_is_reference) for p in patients if p.genome is not None]
    assert declared == [(GenomeAssay.WGS, True)] * 3 + [(GenomeAssay.PANEL, False)]
    park = demo_record("demo-04-park")
    calls = genotypes(park.with_suffix(".vcf"), "PARK-D-PGXPANEL")
    assert sorted(gt for _, _, gt in calls.values()) == ["0/0"] * 7 + ["0/1"]
    assert calls[("chr1", 97450058)] == ("C", "T", "0/1")


def test_headers_mix_reference_line_and_bare_contigs() -> None:
    headers = {path.stem: path.with_suffix(".vcf").read_text(encoding="utf-8") for path in demo_records()}
    with_reference = sorted(stem for stem, text in headers.items() if "##reference=GRCh38\n" in text)
    assert with_reference == ["demo-01-hale", "demo-03-rodriguez"]
    assert "##contig=<ID=chr16>\n" in headers["demo-02-mensah"]
    assert "##contig=<ID=chr1>\n" in headers["demo-04-park"]


EXPECTED = {
    "demo-01-hale": {
        ("chr10", 94775367): ("A", "G", "1/1"),  # CYP2C19 *2
        ("chr10", 94781859): ("G", "A", "1/1"),  # CYP2C19 *2 (c.681G>A)
        ("chr10", 94842866): ("A", "G", "1/1"),
        ("chr12", 21176804): ("A", "G", "0|1"),  # SLCO1B1 *15
        ("chr12", 21178615): ("T", "C", "0|1"),  # SLCO1B1 c.521T>C
    },
    "demo-02-mensah": {
        ("chr10", 94942309): ("G", "A", "0/1"),  # CYP2C9 *8
        ("chr16", 31096368): ("C", "T", "0/1"),  # VKORC1 -1639G>A
        ("chr19", 15879621): ("C", "T", "0/1"),  # CYP4F2 *3
        ("chr22", 42129770): ("G", "A", "0|1"),  # CYP2D6 *17 core
    },
    "demo-03-rodriguez": {
        ("chr22", 42128945): ("C", "T", "0|1"),  # CYP2D6 *4
        ("chr6", 18130687): ("T", "C", "0|1"),  # TPMT *3A/*3C
        ("chr6", 18138997): ("C", "T", "0|1"),  # TPMT *3A/*3B
    },
}


@pytest.mark.parametrize("patient_id", sorted(EXPECTED))
def test_key_genotypes(patient_id: str) -> None:
    patient = load_record(demo_record(patient_id), RANGES)
    assert patient.genome is not None
    assert patient.genome.sample is not None
    calls = genotypes(demo_dir() / f"{patient_id}.vcf", patient.genome.sample)
    for site, expected in EXPECTED[patient_id].items():
        assert calls[site] == expected


#: Demo sites that are not pharmacogene positions: a real ClinVar P/LP variant shown as a hereditary finding.
HEREDITARY_SITES = {("chr13", 32340300)}  # BRCA2 c.5946del, ClinVar VariationID 9325 (demo-03-rodriguez)


@pytest.mark.shared
def test_every_site_matches_pharmcat_positions(shared_data: Path) -> None:
    positions: dict[tuple[str, int], tuple[str, set[str], str]] = {}
    with (shared_data / "pgx" / "pharmcat" / "pharmcat_positions.vcf").open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            chrom, pos, rsid, ref, alt = line.split("\t")[:5]
            positions[(chrom, int(pos))] = (ref, set(alt.split(",")), rsid)
    checked = 0
    for record in demo_records():
        for variant in VCF(str(record.with_suffix(".vcf"))):
            if (variant.CHROM, variant.POS) in HEREDITARY_SITES:
                continue
            ref, alts, rsid = positions[(variant.CHROM, variant.POS)]
            assert ref == variant.REF, (record.stem, variant.POS)
            assert set(variant.ALT) <= alts, (record.stem, variant.POS)
            assert rsid == variant.ID, (record.stem, variant.POS)
            checked += 1
    assert checked == 58  # each gene region of a record declared complete holds at least one record
