"""A built bundle whose PharmCAT phenotype files lack a gene (G6PD in the shared PharmCAT data) phenotypes that gene
from the curated core's table, as the core alone does, and says so in the versions; a gene the built files have keeps
PharmCAT's table."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.patient import Medication, Patient
from tailormed.pipeline import pgx

CORE = KnowledgeBundle(None, None, curated_sources())


def test_a_gene_without_a_built_phenotype_table_uses_the_core_one(
    built_bundle: KnowledgeBundle, shared_data: Path, pgx_of: Any
) -> None:
    assert pgx.pgx_sources(built_bundle).phenotypes == "pharmcat-phenotypes"
    _, built = pgx.load_calling(built_bundle)
    _, core = pgx.load_calling(CORE)
    assert built.gene("G6PD") is not None and built.gene("G6PD") == core.gene("G6PD")
    vcf = shared_data / "pgx/pharmcat/examples/pharmcat.example2.vcf"
    patient = Patient.model_validate(
        {"id": "g6pd", "demographics": {"sex": "male"}, "medications": [Medication(name="rasburicase")]}
    )
    run = pgx_of(patient, vcf, built_bundle, on=date(2026, 12, 4))
    assert run.result.phenotypes["G6PD"].phenotype == "Normal"
    assert "pgx-core-phenotypes" in run.versions and "pharmcat-phenotypes" in run.versions
    [answer] = [a for m in run.result.review.medications for a in m.recommendations if a.source == "CPIC"]
    assert answer.rows, answer.not_assessed
