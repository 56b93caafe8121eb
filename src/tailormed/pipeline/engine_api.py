"""How an engine plugs into ``tailormed analyze``: it reads a :class:`PatientContext` and returns an :class:`EngineRun`.

Engines are listed in :mod:`tailormed.pipeline.engines`; ``analyze`` runs each one that applies to the patient and
joins their findings into one care plan. An engine that does not apply (no tumour VCF, no phenotypes) says why in
``EngineRun.skipped`` so the plan can list it under "what this does not tell you".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.finding import Finding, NotAssessed
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Patient

#: Called with the number of records read so far, for progress bars.
Progress = Callable[[int], None]


@dataclass(frozen=True)
class PatientContext:
    """Everything an engine may read about one patient's analysis; engines never re-read the record file."""

    patient: Patient
    record_path: Path
    bundle: KnowledgeBundle
    on: date
    vcf: Path | None = None
    outside_calls: Path | None = None
    tumour_vcf: Path | None = None
    absent_is_reference: bool | None = None
    build: GenomeBuild | None = None
    models: Path | None = None
    """Folder of trained response models (each a sub-folder with a model card), if any."""
    on_progress: Progress | None = None
    earlier: Mapping[str, EngineRun] = field(default_factory=dict)
    """Runs of the engines listed before this one, by engine name, so later engines build on their findings."""

    @property
    def sample(self) -> str | None:
        genome = self.patient.genome
        return genome.sample if genome is not None and genome.sample else None

    def declared_absent_is_reference(self) -> bool:
        """The user's choice for absent VCF positions: the command line first, then the record (default: no)."""
        if self.absent_is_reference is not None:
            return self.absent_is_reference
        return bool(self.patient.genome and self.patient.genome.absent_is_reference)


@dataclass
class EngineRun:
    """One engine's contribution to a care plan."""

    findings: list[Finding] = field(default_factory=list)
    limitations: list[NotAssessed] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict, metadata={"doc": "knowledge source name -> version"})
    inputs: dict[str, str] = field(default_factory=dict, metadata={"doc": "facts about the inputs, for the plan"})
    files: dict[str, str] = field(default_factory=dict, metadata={"doc": "extra output file name -> text"})
    skipped: str | None = None

    @classmethod
    def skip(cls, item: str, reason: str) -> EngineRun:
        """An engine that does not apply to this patient, and why (listed among the plan's limitations)."""
        return cls(limitations=[NotAssessed(item=item, reason=reason)], skipped=reason)


#: An engine's entry point.
Engine = Callable[[PatientContext], EngineRun]
