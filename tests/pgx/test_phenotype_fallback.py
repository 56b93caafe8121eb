"""A built bundle whose PharmCAT phenotype files lack a gene (G6PD in the shared PharmCAT data) phenotypes that gene
from the curated core's table, as the core alone does, and says so in the versions; a gene the built files have keeps
PharmCAT's table."""

from __future__ import annotations

import json
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


def test_genes_no_built_or_core_table_can_phenotype_take_pypgx_diplotype_table(
    built_bundle: KnowledgeBundle, shared_data: Path, pgx_of: Any
) -> None:
    """RYR1 (no PharmCAT phenotype file here; the core knows it only as an outside phenotype) and IFNL3 (PharmCAT's
    file has allele functions but no diplotype table) are called from a built bundle's PharmCAT definitions; their
    phenotype comes from the bundle's PyPGx diplotype table instead of 'no phenotype', as PharmCAT reports RYR1."""
    vcf = shared_data / "pgx/pharmcat/examples/pharmcat.example2.vcf"
    patient = Patient.model_validate(
        {
            "id": "ryr1",
            "demographics": {"sex": "male"},
            "medications": [Medication(name="succinylcholine"), Medication(name="peginterferon alfa-2a")],
        }
    )
    run = pgx_of(patient, vcf, built_bundle, on=date(2026, 12, 4), absent_is_reference=True)
    reports = json.loads((shared_data / "pgx/pharmcat/examples/pharmcat.example2.phenotype.json").read_text())
    [theirs] = reports["geneReports"]["RYR1"]["sourceDiplotypes"]
    ryr1 = run.result.phenotypes["RYR1"]
    assert ryr1.diplotypes == ["Reference/Reference"] and [ryr1.phenotype] == theirs["phenotypes"]
    ifnl3 = run.result.phenotypes["IFNL3"]
    assert ifnl3.phenotype == "Favorable Response", ifnl3.notes
    assert "pypgx" in run.versions
    [answer] = [
        a
        for m in run.result.review.medications
        for a in m.recommendations
        if a.source == "CPIC" and m.medication == "succinylcholine"
    ]
    assert answer.rows, answer.not_assessed
