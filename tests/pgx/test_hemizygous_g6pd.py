"""A hemizygous G6PD call (one X) is one haplotype in every output: never ``B (reference)/`` or a made-up pair."""

from __future__ import annotations

import re
from datetime import date

from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.pgx import Diplotype
from tailormed.pipeline.analyze import analyze, output_files, read_patient_genome
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

ON = date(2026, 1, 15)


def test_a_hemizygous_diplotype_is_named_by_its_one_haplotype() -> None:
    assert Diplotype(allele1="Mahidol", allele2="").name == "Mahidol"
    assert Diplotype(allele1="A", allele2="B (reference)").name == "A/B (reference)"


def test_male_g6pd_is_one_allele_in_every_report_and_fhir(core: KnowledgeBundle) -> None:
    """Demo patient 1 is male; his VCF calls G6PD positions haploid (GT 0)."""
    record = demo_record("demo-01-hale")
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    evidence = read_patient_genome(vcf, patient, core)
    result = analyze(patient, evidence, core, on=ON, pdf=False)
    files = output_files(result)
    texts = {name: body for name, body in files.items() if isinstance(body, str)}
    mentions = {name: re.findall(r"G6PD[^\n<\"]{0,60}", body) for name, body in texts.items()}
    assert any(mentions.values()), "G6PD appears in no output"
    for name, found in mentions.items():
        for text in found:
            assert "B (reference)/" not in text and "/B (reference)" not in text, (name, text)
    assert any("B (reference)" in text for found in mentions.values() for text in found)
    assert {"pgx.tsv", "careplan.json", "fhir_genomics.json"} <= {name for name, found in mentions.items() if found}
