"""The contracts every stage hands to the next: patient, genotypes, findings, care plan."""

from tailormed.model.base import Coding, Contract
from tailormed.model.careplan import Action, ActionKind, CarePlan, Conflict, Decision, Option, Outcome, Problem
from tailormed.model.finding import Domain, Evidence, Finding, FindingData, NotAssessed, Priority
from tailormed.model.genotype import (
    BuildDetection,
    BuildSource,
    CallSource,
    CallState,
    GenomeBuild,
    GenotypeCall,
    Locus,
    SampleGenotypes,
)
from tailormed.model.patient import (
    Consent,
    Demographics,
    Medication,
    MedicationStatus,
    Observation,
    Patient,
    Preferences,
    Sex,
)

__all__ = [
    "Action",
    "ActionKind",
    "BuildDetection",
    "BuildSource",
    "CallSource",
    "CallState",
    "CarePlan",
    "Coding",
    "Conflict",
    "Consent",
    "Contract",
    "Decision",
    "Demographics",
    "Domain",
    "Evidence",
    "Finding",
    "FindingData",
    "GenomeBuild",
    "GenotypeCall",
    "Locus",
    "Medication",
    "MedicationStatus",
    "NotAssessed",
    "Observation",
    "Option",
    "Outcome",
    "Patient",
    "Preferences",
    "Priority",
    "Problem",
    "SampleGenotypes",
    "Sex",
]
