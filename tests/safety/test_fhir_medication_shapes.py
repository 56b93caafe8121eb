"""Medications in the shapes EHRs send them, and on a patient record's list: each one resolves to its ingredients, is
reported ambiguous or is reported not recognised; none is dropped without a word."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tailormed.engines.pgx.review import MedicationReview, review_medications
from tailormed.intake.fhir import convert_fhir_bundle
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.medicines import core_medicines
from tailormed.knowledge.pgx.guidelines import load_guidelines
from tailormed.knowledge.pgx.interactions import read_phenoconversion
from tailormed.knowledge.pgx.phenotypes import load_phenotypes
from tailormed.model.patient import Medication
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

VOCABULARY = core_medicines()
CORE = KnowledgeBundle(None, None, curated_sources())
GUIDELINES = load_guidelines(CORE, "pgx-core-guidelines")
PHENOTYPES = load_phenotypes(CORE, "pgx-core-phenotypes")
RULES = read_phenoconversion()
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PATIENT = {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1961-04-12"}}


def request(**drug: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "MedicationRequest",
        "id": "rx1",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        **drug,
    }
    return {"fullUrl": "urn:uuid:5d1f0c1e-0000-4000-8000-000000000001", "resource": resource}


def coding(code: str, display: str | None = None, system: str = RXNORM) -> dict[str, str]:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def contained(medication: dict[str, Any]) -> dict[str, Any]:
    return request(
        contained=[{"resourceType": "Medication", "id": "med", **medication}], medicationReference={"reference": "#med"}
    )


def ingredient(code: str, display: str) -> dict[str, Any]:
    return {"itemCodeableConcept": {"coding": [coding(code, display)]}, "isActive": True}


SHAPES: dict[str, tuple[list[dict[str, Any]], str]] = {
    "contained Medication, RxNorm clinical drug (SCD)": (
        [contained({"code": {"coding": [coding("309362", "clopidogrel 75 MG Oral Tablet")]}})],
        "clopidogrel",
    ),
    "contained Medication, ingredient list only": (
        [contained({"ingredient": [ingredient("32968", "clopidogrel")]})],
        "clopidogrel",
    ),
    "contained Medication, two ingredients, no code": (
        [contained({"ingredient": [ingredient("7258", "naproxen"), ingredient("283742", "esomeprazole")]})],
        "esomeprazole + naproxen",
    ),
    "bundle Medication by fullUrl, brand text and ingredients": (
        [
            {
                "fullUrl": "urn:uuid:5d1f0c1e-0000-4000-8000-0000000000aa",
                "resource": {
                    "resourceType": "Medication",
                    "code": {"text": "Vimovo"},
                    "ingredient": [
                        {"itemCodeableConcept": {"text": "naproxen"}},
                        {"itemCodeableConcept": {"text": "esomeprazole"}},
                    ],
                },
            },
            request(medicationReference={"reference": "urn:uuid:5d1f0c1e-0000-4000-8000-0000000000aa"}),
        ],
        "esomeprazole + naproxen",
    ),
    "RxNorm branded drug (SBD)": (
        [request(medicationCodeableConcept={"coding": [coding("213169", "clopidogrel 75 MG Oral Tablet [Plavix]")]})],
        "clopidogrel",
    ),
    "RxNorm generic pack (GPCK)": (
        [
            request(
                medicationCodeableConcept={"coding": [coding("1000001", "{28 (clopidogrel 75 MG Oral Tablet) } Pack")]}
            )
        ],
        "clopidogrel",
    ),
    "RxNorm ingredient under its OID": (
        [request(medicationCodeableConcept={"coding": [coding("32968", system="urn:oid:2.16.840.1.113883.6.88")]})],
        "clopidogrel",
    ),
    "free text only": ([request(medicationCodeableConcept={"text": "Tegretol 200mg tabs"})], "carbamazepine"),
    "reference with a display only": ([request(medicationReference={"display": "Plavix 75 mg"})], "clopidogrel"),
    "ambiguous brand": ([request(medicationCodeableConcept={"text": "Soma 350 mg"})], "ambiguous"),
    "unknown free text": ([request(medicationCodeableConcept={"text": "flibbertigibbet 10 mg"})], "unrecognised"),
    "unknown RxNorm code, no display": (
        [request(medicationCodeableConcept={"coding": [coding("999999999")]})],
        "unrecognised",
    ),
    "NDC code only": (
        [request(medicationCodeableConcept={"coding": [coding("63653-1171-1", system="http://hl7.org/fhir/sid/ndc")]})],
        "unrecognised",
    ),
}


def outcome(medication: Medication, review: MedicationReview) -> str:
    resolved = VOCABULARY.resolve(medication.name, medication.rxnorm, medication.atc)
    if resolved is not None:
        return " + ".join(sorted(resolved.ingredients))
    reported = [line for line in review.unrecognised if line.startswith(f"{medication.name}: ")]
    assert len(reported) == 1, review.unrecognised
    return "ambiguous" if "ambiguous name" in reported[0] else "unrecognised"


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_fhir_medication_shape_resolves_or_is_reported(shape: str) -> None:
    entries, expected = SHAPES[shape]
    intake = convert_fhir_bundle(
        {"resourceType": "Bundle", "type": "collection", "entry": [PATIENT, *entries]}, "b.json"
    )
    (medication,) = intake.patient.medications
    review = review_medications(intake.patient.medications, {}, GUIDELINES, RULES, PHENOTYPES, VOCABULARY)
    assert outcome(medication, review) == expected


def test_a_code_only_drug_is_named_by_its_code_system() -> None:
    entries, _ = SHAPES["NDC code only"]
    intake = convert_fhir_bundle(
        {"resourceType": "Bundle", "type": "collection", "entry": [PATIENT, *entries]}, "b.json"
    )
    review = review_medications(intake.patient.medications, {}, GUIDELINES, RULES, PHENOTYPES, VOCABULARY)
    assert review.unrecognised == ["NDC 63653-1171-1: not a known medicine"]


def test_a_drug_with_nothing_to_read_is_left_out_with_a_warning() -> None:
    entries = [contained({"form": {"text": "tablet"}})]
    intake = convert_fhir_bundle(
        {"resourceType": "Bundle", "type": "collection", "entry": [PATIENT, *entries]}, "b.json"
    )
    assert intake.patient.medications == []
    assert any("the drug has no code, text or ingredients; not used" in w for w in intake.warnings)


RECORD = """\
id: list-01
medications:
  - {name: Plavix 75 mg tablet}
  - {name: clopidogrel bisulfate 75 MG Oral Tablet}
  - {name: blood thinner, rxnorm: "11289"}
  - {name: "{28 (clopidogrel 75 MG Oral Tablet) } Pack"}
  - {name: paracetamol 500 mg}
  - {name: Soma 350 mg}
  - {name: flibbertigibbet}
"""


def test_every_entry_of_a_record_medication_list_is_accounted_for(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text(RECORD, encoding="utf-8")
    patient = load_record(path, RANGES)
    review = review_medications(patient.medications, {}, GUIDELINES, RULES, PHENOTYPES, VOCABULARY)
    outcomes = [outcome(m, review) for m in patient.medications]
    assert outcomes == [
        "clopidogrel",
        "clopidogrel",
        "warfarin",
        "clopidogrel",
        "acetaminophen",
        "ambiguous",
        "unrecognised",
    ]
