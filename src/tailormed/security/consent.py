"""Consent as data: each decision a FHIR ``Consent``-shaped row; the latest per category is in force.

Three categories: ``clinical`` (use of the data for the patient's own care; required before any analysis),
``secondary_findings`` (ACMG secondary findings reported or not; the hereditary engine honours it) and
``research`` (use in research, qualified by GA4GH Data Use Ontology codes). A withdrawal is a new ``deny`` row and
takes effect from the next access on, exports included. Erasure is not a consent: see
:meth:`tailormed.store.repo.Repository.erase_patient`.

Research matching follows DUO's permission hierarchy: general research use (GRU) and no restriction (NRES)
permit any research purpose, health/medical/biomedical research (HMB) permits HMB and disease-specific requests,
disease-specific research (DS) permits only DS requests.

>>> permits_research(("DUO:0000042",), "DUO:0000007")
True
>>> permits_research(("DUO:0000007",), "DUO:0000006")
False
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tailormed.model.patient import Consent as RecordConsent

NRES = "DUO:0000004"
GRU = "DUO:0000042"
HMB = "DUO:0000006"
DS = "DUO:0000007"
DUO_LABELS = {
    NRES: "no restriction",
    GRU: "general research use",
    HMB: "health or medical or biomedical research",
    DS: "disease specific research",
}
_COVERS: dict[str, frozenset[str]] = {
    NRES: frozenset({NRES, GRU, HMB, DS}),
    GRU: frozenset({GRU, HMB, DS}),
    HMB: frozenset({HMB, DS}),
    DS: frozenset({DS}),
}
DUO_SYSTEM = "http://purl.obolibrary.org/obo/duo.owl"


class Category(StrEnum):
    CLINICAL = "clinical"
    SECONDARY_FINDINGS = "secondary_findings"
    RESEARCH = "research"


class Decision(StrEnum):
    PERMIT = "permit"
    DENY = "deny"


@dataclass(frozen=True)
class ConsentDecision:
    """One recorded decision."""

    id: str
    patient_id: str
    category: Category
    decision: Decision
    duo_codes: tuple[str, ...]
    recorded_at: datetime
    recorded_by: str | None


@dataclass(frozen=True)
class ConsentState:
    """What is in force for one patient now (no decision recorded counts as no consent)."""

    clinical: bool = False
    secondary_findings: bool = False
    research: bool = False
    duo_codes: tuple[str, ...] = ()
    history: tuple[ConsentDecision, ...] = field(default=(), compare=False)

    @classmethod
    def from_decisions(cls, decisions: Iterable[ConsentDecision]) -> ConsentState:
        latest: dict[Category, ConsentDecision] = {}
        ordered = tuple(decisions)
        for decision in ordered:
            latest[decision.category] = decision
        research = latest.get(Category.RESEARCH)
        return cls(
            clinical=_permits(latest.get(Category.CLINICAL)),
            secondary_findings=_permits(latest.get(Category.SECONDARY_FINDINGS)),
            research=_permits(research),
            duo_codes=research.duo_codes if research is not None and _permits(research) else (),
            history=ordered,
        )

    def permits_research(self, duo_code: str) -> bool:
        return self.research and permits_research(self.duo_codes, duo_code)

    def apply_to(self, consent: RecordConsent) -> RecordConsent:
        """The record's consent block as the engines should see it: the stored decisions win."""
        return consent.model_copy(
            update={
                "clinical_use": self.clinical,
                "secondary_findings": self.secondary_findings,
                "research_use": self.research,
                "duo_codes": list(self.duo_codes),
            }
        )


def _permits(decision: ConsentDecision | None) -> bool:
    return decision is not None and decision.decision == Decision.PERMIT


def permits_research(granted: Sequence[str], requested: str) -> bool:
    """Whether consent with DUO permission codes ``granted`` allows research with purpose ``requested``."""
    return any(requested in _COVERS.get(code, frozenset({code})) for code in granted)


def from_record(consent: RecordConsent) -> list[tuple[Category, Decision, tuple[str, ...]]]:
    """The decisions a record's consent block states (imported when a patient is created from it)."""

    def decide(flag: bool) -> Decision:
        return Decision.PERMIT if flag else Decision.DENY

    return [
        (Category.CLINICAL, decide(consent.clinical_use), ()),
        (Category.SECONDARY_FINDINGS, decide(consent.secondary_findings), ()),
        (Category.RESEARCH, decide(consent.research_use), tuple(consent.duo_codes) if consent.research_use else ()),
    ]


_SCOPE = {
    Category.CLINICAL: ("treatment", "Treatment"),
    Category.SECONDARY_FINDINGS: ("treatment", "Treatment"),
    Category.RESEARCH: ("research", "Research"),
}
_PURPOSE = {
    Category.CLINICAL: ("TREAT", "treatment"),
    Category.SECONDARY_FINDINGS: ("TREAT", "treatment"),
    Category.RESEARCH: ("HRESCH", "healthcare research"),
}


def to_fhir(decision: ConsentDecision, *, in_force: bool) -> dict[str, Any]:
    """One decision as a FHIR R4 ``Consent`` (``status`` is ``active`` while in force, else ``inactive``)."""
    scope_code, scope_display = _SCOPE[decision.category]
    purpose_code, purpose_display = _PURPOSE[decision.category]
    provision: dict[str, Any] = {
        "type": decision.decision.value,
        "purpose": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                "code": purpose_code,
                "display": purpose_display,
            }
        ],
    }
    if decision.category == Category.SECONDARY_FINDINGS:
        provision["code"] = [{"text": "ACMG secondary findings"}]
    if decision.duo_codes:
        provision["code"] = [
            {"coding": [{"system": DUO_SYSTEM, "code": code, "display": DUO_LABELS.get(code, code)}]}
            for code in decision.duo_codes
        ]
    return {
        "resourceType": "Consent",
        "id": decision.id,
        "status": "active" if in_force else "inactive",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": scope_code,
                    "display": scope_display,
                }
            ]
        },
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]},
            {"text": decision.category.value},
        ],
        "patient": {"identifier": {"system": "urn:tailormed:patient", "value": decision.patient_id}},
        "dateTime": decision.recorded_at.isoformat(),
        "policyRule": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentpolicycodes",
                    "code": "cric" if decision.category != Category.RESEARCH else "hipaa-research",
                }
            ]
        },
        "provision": provision,
    }


def fhir_bundle(state: ConsentState) -> dict[str, Any]:
    latest = {d.category: d.id for d in state.history}
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{d.id}", "resource": to_fhir(d, in_force=latest.get(d.category) == d.id)}
            for d in state.history
        ],
    }
