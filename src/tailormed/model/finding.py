"""What an engine concludes about a patient, and what the conclusion rests on.

Every engine returns ``list[Finding]``; the care plan and the renderers only read this contract, so a
new engine plugs in without changes elsewhere. A finding that cannot say what it is based on, or what
it could not assess, is not a finding.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from tailormed.model.base import Contract, NotAssessed
from tailormed.model.payloads import FindingData

__all__ = ["PAYLOAD_DOMAINS", "Domain", "Evidence", "Finding", "FindingData", "NotAssessed", "Priority"]


class Domain(StrEnum):
    """The engine family a finding comes from."""

    PGX = "pgx"
    HEREDITARY = "hereditary"
    POLYGENIC = "polygenic"
    CLINICAL_RISK = "clinical_risk"
    ONCOLOGY = "oncology"
    DIAGNOSIS = "diagnosis"
    RESPONSE = "response"


class Priority(StrEnum):
    """How soon a clinician should act: ``routine`` needs no change, ``actionable`` does."""

    INFORMATIONAL = "informational"
    ROUTINE = "routine"
    ACTIONABLE = "actionable"
    URGENT = "urgent"


#: Payload kind -> the domain its findings belong to (a finding whose payload is of another domain is refused).
PAYLOAD_DOMAINS: dict[str, Domain] = {
    "pgx_gene": Domain.PGX,
    "pgx_guideline": Domain.PGX,
    "pgx_phenoconversion": Domain.PGX,
    "pgx_warfarin_dose": Domain.PGX,
    "clinical_risk": Domain.CLINICAL_RISK,
    "polygenic_score": Domain.POLYGENIC,
    "hereditary_variant": Domain.HEREDITARY,
    "therapy_match": Domain.ONCOLOGY,
    "diagnosis_candidate": Domain.DIAGNOSIS,
    "diagnosis_workup": Domain.DIAGNOSIS,
    "dose_prediction": Domain.RESPONSE,
}


class Evidence(Contract):
    """The knowledge and the patient facts one conclusion rests on."""

    source: str = Field(description="Knowledge source name as in the bundle manifest, e.g. 'CPIC'")
    version: str
    level: str | None = Field(default=None, description="Source's own strength/level, e.g. 'Strong', 'Tier I'")
    citations: list[str] = Field(default_factory=list, description="PMIDs, DOIs or URLs")
    inputs_used: list[str] = Field(
        default_factory=list, description="Patient facts used, in words: 'CYP2C19 rs4244285 G/A'"
    )
    not_assessed: list[NotAssessed] = Field(default_factory=list)
    unverified: list[str] = Field(
        default_factory=list,
        description="Curated facts this conclusion rests on that no quoted source backs (why, per fact); "
        "a patient-facing report leaves such a conclusion out",
    )


class Finding(Contract):
    """One conclusion about the patient, with its evidence and limits."""

    id: str = Field(description="Stable within a run, e.g. 'pgx:CYP2C19:clopidogrel'")
    domain: Domain
    title: str
    summary: str
    priority: Priority = Priority.ROUTINE
    genes: list[str] = Field(default_factory=list)
    drugs: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    research_only: bool = Field(default=False, description="Not for clinical decisions (e.g. opt-in research mode)")
    data: FindingData | None = Field(
        default=None, description="The engine's typed result, told apart by its ``kind``; None for a text-only finding"
    )
    evidence: list[Evidence] = Field(min_length=1)

    @model_validator(mode="after")
    def _payload_fits_domain(self) -> Finding:
        if self.data is not None and PAYLOAD_DOMAINS[self.data.kind] is not self.domain:
            raise ValueError(f"a {self.data.kind!r} payload cannot belong to a {self.domain.value!r} finding")
        return self

    @property
    def not_assessed(self) -> list[NotAssessed]:
        return [item for ev in self.evidence for item in ev.not_assessed]

    @property
    def unverified(self) -> list[str]:
        """Why curated facts behind this finding are not source-backed; non-empty means: not for patient text."""
        return list(dict.fromkeys(reason for ev in self.evidence for reason in ev.unverified))
