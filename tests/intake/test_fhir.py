"""FHIR R4 Bundle intake: a Synthea-style bundle mapped field by field, and broken bundles rejected clearly."""

from __future__ import annotations

import copy
import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tailormed.errors import InputError
from tailormed.intake.fhir import convert_fhir_bundle, load_fhir_bundle, patient_from_fhir_bundle, read_fhir_bundle
from tailormed.model.patient import (
    ConditionStatus,
    MedicationStatus,
    ObservationCategory,
    Relative,
    Route,
    Sex,
    SmokingStatus,
)

BUNDLE = Path(__file__).parent / "fhir_fixtures" / "synthea_like.json"


@pytest.fixture
def bundle() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(BUNDLE.read_text(encoding="utf-8"))
    return data


def entry_of(bundle: dict[str, Any], resource_type: str, number: int = 0) -> dict[str, Any]:
    found = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type]
    resource: dict[str, Any] = found[number]
    return resource


def test_patient_demographics_from_us_core() -> None:
    patient = load_fhir_bundle(BUNDLE)
    assert patient.id == "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    assert patient.display_name == "Ana Lucía Vargas"
    assert patient.demographics.sex is Sex.FEMALE
    assert patient.demographics.birth_date == date(1971, 11, 3)
    assert patient.demographics.race == ["White"]
    assert patient.demographics.ethnicity == "Hispanic or Latino"
    assert patient.preferences.language == "es"


def test_conditions_keep_codes_status_and_onset() -> None:
    patient = load_fhir_bundle(BUNDLE)
    diabetes, sinusitis, hypertension = patient.conditions
    assert diabetes.code is not None
    assert (diabetes.code.system, diabetes.code.code) == ("http://snomed.info/sct", "44054006")
    assert diabetes.onset_date == date(2016, 5, 18)
    assert diabetes.status is ConditionStatus.ACTIVE
    assert sinusitis.status is ConditionStatus.RESOLVED
    assert hypertension.onset_age_years == 47.0
    assert hypertension.onset_date is None


def test_medications_status_dose_codes_and_merged_renewals() -> None:
    intake = read_fhir_bundle(BUNDLE)
    by_name = {m.name.split()[0].lower(): m for m in intake.patient.medications}
    assert sorted(by_name) == ["24", "lisinopril", "paroxetine"]
    metformin = by_name["24"]
    assert metformin.rxnorm == "860975"
    assert metformin.status is MedicationStatus.ACTIVE
    assert metformin.dose is not None
    assert (metformin.dose.amount, metformin.dose.unit, metformin.dose.frequency) == (1000.0, "mg", "twice daily")
    assert metformin.start_date == date(2025, 4, 2)
    lisinopril = by_name["lisinopril"]  # MedicationRequest intent=plan via a Medication resource
    assert (lisinopril.rxnorm, lisinopril.atc, lisinopril.status) == ("314076", "C09AA03", MedicationStatus.PLANNED)
    assert lisinopril.indication == "Essential hypertension (disorder)"
    paroxetine = by_name["paroxetine"]
    assert paroxetine.dose is not None
    assert paroxetine.dose.frequency == "every morning"
    assert paroxetine.start_date == date(2022, 7, 1)
    assert any("merged into entry[7] (active); also entry[6]" in w for w in intake.warnings)


def test_dosage_route_is_read_from_its_snomed_code(bundle: dict[str, Any]) -> None:
    """dosage.route by SNOMED CT (FHIR route-codes value set): topical 6064005, oral 26643006; a route this reader
    cannot map is read as 'other' (still applied as systemic use) and said in a warning; no route stays unknown."""
    snomed = "http://snomed.info/sct"
    bundle["entry"][10]["resource"]["dosage"][0]["route"] = {
        "coding": [{"system": snomed, "code": "6064005", "display": "Topical route"}]
    }
    bundle["entry"][7]["resource"]["dosageInstruction"][0]["route"] = {
        "coding": [{"system": snomed, "code": "26643006", "display": "Oral route"}]
    }
    converted = convert_fhir_bundle(bundle, "b.json")
    by_name = {m.name.split()[0].lower(): m for m in converted.patient.medications}
    assert (by_name["paroxetine"].route, by_name["24"].route, by_name["lisinopril"].route) == (
        Route.TOPICAL,
        Route.ORAL,
        None,
    )
    # renewals of one drug merge only within a route: a cream beside the tablets stays its own line
    bundle["entry"][6]["resource"]["dosageInstruction"][0]["route"] = {
        "coding": [{"system": snomed, "code": "6064005"}]
    }
    routes = sorted(
        str(m.route) for m in convert_fhir_bundle(bundle, "b.json").patient.medications if m.rxnorm == "860975"
    )
    assert routes == ["oral", "topical"]
    bundle["entry"][10]["resource"]["dosage"][0]["route"] = {"text": "via PEG tube"}
    converted = convert_fhir_bundle(bundle, "b.json")
    paroxetine = next(m for m in converted.patient.medications if m.name.lower().startswith("paroxetine"))
    assert paroxetine.route is Route.OTHER
    assert any(
        w.startswith("entry[10]") and "dosage.route 'via PEG tube' is not a SNOMED CT route" in w
        for w in converted.warnings
    )


def test_observations_labs_vitals_and_blood_pressure_components() -> None:
    patient = load_fhir_bundle(BUNDLE)
    hba1c = patient.latest("4548-4")
    assert hba1c is not None
    assert (hba1c.value, hba1c.unit, hba1c.effective_date) == (7.4, "%", date(2025, 4, 2))
    assert hba1c.category is ObservationCategory.LAB
    systolic, diastolic = patient.latest("8480-6"), patient.latest("8462-4")
    assert systolic is not None
    assert diastolic is not None
    assert (systolic.value, diastolic.value, systolic.unit) == (141.0, 86.0, "mm[Hg]")
    assert systolic.category is ObservationCategory.VITAL
    weight = patient.latest("29463-7")
    assert weight is not None
    assert (weight.value, weight.unit) == (71.4, "kg")
    assert len(patient.observations) == 7
    assert patient.latest("55758-7") is None  # survey category is not a lab or vital


def test_latest_smoking_status_becomes_lifestyle() -> None:
    patient = load_fhir_bundle(BUNDLE)
    assert patient.lifestyle.smoking is not None
    assert patient.lifestyle.smoking.status is SmokingStatus.FORMER


def test_family_history_and_allergy() -> None:
    patient = load_fhir_bundle(BUNDLE)
    mother, brother = patient.family_history
    assert (mother.relative, mother.age_at_onset, mother.deceased) == (Relative.MOTHER, 52.0, True)
    assert mother.code is not None
    assert mother.code.code == "254837009"
    assert (brother.relative, brother.condition, brother.age_at_onset) == (
        Relative.BROTHER,
        "Myocardial infarction",
        49.0,
    )
    (allergy,) = patient.allergies
    assert (allergy.substance, allergy.reaction, allergy.criticality) == (
        "Penicillin G",
        "Anaphylaxis (disorder)",
        "high",
    )


def test_unused_resources_are_listed_not_dropped_silently() -> None:
    warnings = read_fhir_bundle(BUNDLE).warnings
    for expected in (
        "1 Encounter resource(s) not used (entries 2)",
        "1 Organization resource(s) not used (entries 1)",
        "1 Immunization resource(s) not used (entries 23)",
        "1 Procedure resource(s) not used (entries 24)",
        "1 Observation resource(s) not used (entries 19)",
    ):
        assert expected in warnings


def test_load_logs_warnings(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tailormed.intake.fhir.bundle"):
        load_fhir_bundle(BUNDLE)
    assert any("Encounter resource(s) not used" in record.getMessage() for record in caplog.records)


def test_patient_from_parsed_bundle_and_minimal_collection() -> None:
    data = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1960"}},
            {
                "resource": {
                    "resourceType": "FamilyMemberHistory",
                    "status": "partial",
                    "patient": {"reference": "Patient/p1"},
                    "relationship": {
                        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MAUNT"}]
                    },
                    "condition": [{"code": {"text": "Ovarian cancer"}, "onsetAge": {"value": 54, "code": "a"}}],
                }
            },
        ],
    }
    patient = patient_from_fhir_bundle(data, "inline")
    assert patient.demographics.birth_date == date(1960, 1, 1)
    assert patient.family_history[0].relative is Relative.MATERNAL_AUNT
    assert patient.family_history[0].relative.degree == 2
    warnings = convert_fhir_bundle(data, "inline").warnings
    assert warnings == ["entry[0] Patient: birthDate '1960' is a partial date; read as 1960-01-01"]


# --- broken bundles -------------------------------------------------------------------------------


def raises(data: object, match: str) -> InputError:
    with pytest.raises(InputError, match=match) as caught:
        convert_fhir_bundle(data, "b.json")
    assert caught.value.source == "b.json"
    return caught.value


def test_invalid_json_file(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"resourceType": "Bundle",\n "entry": [\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_fhir_bundle(path)
    assert caught.value.location == "line 3, column 1"


def test_wrong_resource_type() -> None:
    error = raises({"resourceType": "Patient", "id": "x"}, "expected resourceType 'Bundle', got 'Patient'")
    assert error.location == "resourceType"
    raises([1, 2], "expected a FHIR Bundle")
    raises({"resourceType": "Bundle", "entry": {"a": 1}}, "Bundle.entry must be a list")


def test_missing_and_multiple_patients(bundle: dict[str, Any]) -> None:
    without = copy.deepcopy(bundle)
    without["entry"] = [e for e in without["entry"] if e["resource"]["resourceType"] != "Patient"]
    raises(without, "the bundle has no Patient resource")
    raises({"resourceType": "Bundle"}, "the bundle has no Patient resource")
    twice = copy.deepcopy(bundle)
    twice["entry"].append({"resource": {"resourceType": "Patient", "id": "other"}})
    raises(twice, r"the bundle has 2 Patient resources \(entry\[0\], entry\[25\]\)")


def test_unknown_resource_type_names_entry(bundle: dict[str, Any]) -> None:
    bundle["entry"][3]["resource"]["resourceType"] = "Diagnosis"
    error = raises(bundle, "'Diagnosis' is not a FHIR R4 resource type")
    assert error.location == "entry[3].resourceType"


def test_wrong_type_names_entry_resource_and_field(bundle: dict[str, Any]) -> None:
    bundle["entry"][11]["resource"]["valueQuantity"]["value"] = "high"
    error = raises(bundle, "invalid Observation")
    assert error.location == "entry[11] Observation.valueQuantity.value"


def test_unknown_field_in_resource(bundle: dict[str, Any]) -> None:
    bundle["entry"][3]["resource"]["onset"] = "2016"
    error = raises(bundle, "invalid Condition: unknown field")
    assert error.location == "entry[3] Condition.onset"


@pytest.mark.parametrize(
    ("index", "path", "value", "location", "message"),
    [
        (0, ("gender",), "femme", "entry[0] Patient.gender", "'femme' is not one of female, male, other, unknown"),
        (10, ("status",), "ongoing", "entry[10] MedicationStatement.status", "'ongoing' is not one of active"),
        (6, ("status",), "paused", "entry[6] MedicationRequest.status", "'paused' is not one of active"),
        (
            4,
            ("clinicalStatus", "coding", 0, "code"),
            "gone",
            "entry[4] Condition.clinicalStatus",
            "'gone' is not one of active, inactive",
        ),
        (22, ("criticality",), "severe", "entry[22] AllergyIntolerance.criticality", "'severe' is not one of high"),
        (11, ("status",), "done", "entry[11] Observation.status", "'done' is not one of amended"),
    ],
)
def test_invalid_codes(
    bundle: dict[str, Any], index: int, path: tuple[str | int, ...], value: str, location: str, message: str
) -> None:
    target: Any = bundle["entry"][index]["resource"]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    error = raises(bundle, message)
    assert error.location == location


def test_bad_loinc_format_names_entry(bundle: dict[str, Any]) -> None:
    bundle["entry"][11]["resource"]["code"]["coding"][0]["code"] = "4548"
    error = raises(bundle, r"loinc: String should match pattern")
    assert error.location == "entry[11] Observation"


def test_resource_about_another_patient(bundle: dict[str, Any]) -> None:
    bundle["entry"][3]["resource"]["subject"] = {"reference": "Patient/someone-else"}
    error = raises(bundle, "refers to 'Patient/someone-else', not to the bundle's Patient")
    assert error.location == "entry[3] Condition.subject"


def test_unresolved_medication_reference(bundle: dict[str, Any]) -> None:
    bundle["entry"][8]["resource"]["medicationReference"] = {"reference": "urn:uuid:missing"}
    error = raises(bundle, "medicationReference 'urn:uuid:missing' does not resolve")
    assert error.location == "entry[8] MedicationRequest.medicationReference"


def test_family_member_without_role_code(bundle: dict[str, Any]) -> None:
    bundle["entry"][20]["resource"]["relationship"] = {"text": "mum"}
    error = raises(bundle, "relationship has no HL7 v3 RoleCode coding")
    assert error.location == "entry[20] FamilyMemberHistory.relationship"


def test_entry_without_resource() -> None:
    error = raises({"resourceType": "Bundle", "entry": [{"fullUrl": "urn:uuid:1"}]}, "the entry has no resource")
    assert error.location == "entry[0].resource"


def test_communication_without_language_names_patient_and_field(bundle: dict[str, Any]) -> None:
    entry_of(bundle, "Patient")["communication"] = [{"preferred": True, "language": None}]
    error = raises(bundle, "communication without a language")
    assert error.location == "entry[0] Patient.communication[0].language"
