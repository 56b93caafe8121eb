"""FHIR R4 Bundle intake: one patient's Patient, Condition, medication, Observation, FamilyMemberHistory
and AllergyIntolerance resources as a :class:`tailormed.model.Patient`."""

from tailormed.intake.fhir.bundle import (
    FhirIntake,
    convert_fhir_bundle,
    load_fhir_bundle,
    patient_from_fhir_bundle,
    read_fhir_bundle,
)

__all__ = ["FhirIntake", "convert_fhir_bundle", "load_fhir_bundle", "patient_from_fhir_bundle", "read_fhir_bundle"]
