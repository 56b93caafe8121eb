"""The diagnosis engine as an analysis runs it.

Most records list no HPO phenotype terms; for them the engine asks nothing of the genome and is skipped without
loading the ranking code and the HPO release (:mod:`tailormed.pipeline.diagnosis`, imported when a record has terms).
"""

from __future__ import annotations

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.engine import EngineRun
from tailormed.model.evidence import GenomeRequest
from tailormed.model.patient import Patient
from tailormed.pipeline.engine_api import EngineSpec, PatientContext


def without_phenotypes(patient: Patient) -> EngineRun | None:
    """The skipped run of a record that lists no phenotype terms (None when it lists some)."""
    if patient.phenotypes:
        return None
    return EngineRun.skip("candidate diagnoses", "the record lists no HPO phenotype terms")


def genome_request(patient: Patient, bundle: KnowledgeBundle) -> GenomeRequest | None:
    """Candidate variants when the record lists phenotypes to rank (see :func:`tailormed.pipeline.diagnosis.
    genome_request`)."""
    if not patient.phenotypes:
        return None
    from tailormed.pipeline import diagnosis

    return diagnosis.genome_request(patient, bundle)


def run(ctx: PatientContext) -> EngineRun:
    """Candidate diagnoses from the record's HPO phenotypes (see :func:`tailormed.pipeline.diagnosis.
    diagnosis_engine`)."""
    skipped = without_phenotypes(ctx.patient)
    if skipped is not None:
        return skipped
    from tailormed.pipeline import diagnosis

    return diagnosis.diagnosis_engine(ctx)


ENGINE = EngineSpec(name="diagnosis", run=run, genome=genome_request)
