"""How an engine plugs into an analysis: a :class:`PatientContext` in, an :class:`~tailormed.model.engine.EngineRun`
out, with what it needs declared in an :class:`EngineSpec`.

An engine reads the patient, the genome evidence (never a genome file), the tumour evidence and the knowledge bundle;
the runs of the engines it declares in ``needs`` (and only those) are in ``ctx.earlier``. ``genome`` says which
positions it wants read from the patient's genome, so one reading pass serves every engine of the analysis. An
engine that does not apply says why in ``EngineRun.skipped``; the plan lists it under "what this does not tell you".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from tailormed.intake.outside_calls import OutsideCalls
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.engine import EngineRun
from tailormed.model.evidence import GenomeEvidence, GenomeRequest, TumourEvidence
from tailormed.model.patient import Patient
from tailormed.model.pgx import GeneCall

if TYPE_CHECKING:
    from tailormed.pipeline.response import ResponseModels

#: Called with the number of records read so far, for progress bars.
Progress = Callable[[int], None]


@dataclass(frozen=True)
class PatientContext:
    """Everything an engine may read about one patient's analysis."""

    patient: Patient
    knowledge: KnowledgeBundle
    on: date
    evidence: GenomeEvidence | None = None
    tumour: TumourEvidence | None = None
    outside_calls: OutsideCalls | None = None
    models: ResponseModels | None = None
    """Trained response models, loaded before the analysis (``pipeline.response.load_response_models``)."""
    earlier: Mapping[str, EngineRun] = field(default_factory=dict)
    """Runs of the engines this one declares in ``needs``, by engine name."""
    pgx_calls: Sequence[GeneCall] | None = None
    """The named-allele matcher's calls for this patient when they were made for many people at once (a cohort
    block, :func:`tailormed.engines.pgx.cohort_match.match_cohort`); None: the PGx engine matches itself."""

    def genome_missing(self, item: str) -> EngineRun:
        """The run of a genome engine when no genome was given."""
        return EngineRun.skip(item, "no genome VCF was given and the record names none")


#: An engine's entry point.
Engine = Callable[[PatientContext], EngineRun]
#: What an engine wants read from the patient's genome (None: nothing).
GenomeNeeds = Callable[[Patient, KnowledgeBundle], GenomeRequest | None]


@dataclass(frozen=True)
class EngineSpec:
    """An engine as an analysis runs it: its name, the engines whose runs it reads, its genome needs, its entry."""

    name: str
    run: Engine
    needs: tuple[str, ...] = ()
    genome: GenomeNeeds | None = None
