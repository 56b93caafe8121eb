"""Findings built the way each engine builds them (typed payloads), and real PGx findings of the demo patients."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.sdm import SdmOptions, load_sdm_options
from tailormed.model.finding import Domain, Evidence, Finding, FindingData, Priority
from tailormed.model.patient import Patient
from tailormed.model.pgx import GenePhenotype, PhenotypeStatus
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))


@pytest.fixture(scope="session")
def sdm(core: KnowledgeBundle) -> SdmOptions:
    return load_sdm_options(core)


@pytest.fixture(scope="session")
def demo_pgx(core: KnowledgeBundle, pgx_of: Any) -> dict[str, tuple[Patient, list[Finding]]]:
    """Each demo patient's record and the PGx engine's findings (curated core, CYP2D6 from the record's TSV)."""
    out = {}
    for patient_id in ("demo-01-hale", "demo-02-mensah", "demo-04-park"):
        record = demo_record(patient_id)
        patient = load_record(record, RANGES)
        vcf = resolve_genome_path(patient, record)
        assert vcf is not None
        run = pgx_of(patient, vcf, core, on=date(2026, 1, 15))
        out[patient_id] = (patient, list(run.findings))
    return out


def finding(
    finding_id: str,
    domain: Domain,
    data: FindingData | None,
    *,
    priority: Priority = Priority.ACTIONABLE,
    genes: list[str] | None = None,
    research_only: bool = False,
    source: str = "test-source",
) -> Finding:
    return Finding(
        id=finding_id,
        domain=domain,
        title=finding_id,
        summary=f"summary of {finding_id}",
        priority=priority,
        genes=genes or [],
        research_only=research_only,
        data=data,
        evidence=[Evidence(source=source, version="1", inputs_used=[f"fact for {finding_id}"])],
    )


def gene_result(gene: str, phenotype: str) -> Finding:
    """A PGx per-gene result as the PGx engine writes it (``pgx:gene:GENE``)."""
    return finding(
        f"pgx:gene:{gene}",
        Domain.PGX,
        GenePhenotype(
            gene=gene, sample="S1", status=PhenotypeStatus.ASSIGNED, phenotype=phenotype, diplotypes=["*x/*y"]
        ),
        priority=Priority.ROUTINE,
        genes=[gene],
        source="pgx-core-phenotypes",
    )
