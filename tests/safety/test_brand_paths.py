"""A brand from each batch of sourced brands reaches its ingredient the way each entry point reads medicines: a
patient record's list (the CLI), a FHIR Bundle's MedicationStatement, and a CDS Hooks order."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.engines.pgx.review import review_medications
from tailormed.intake.fhir import convert_fhir_bundle
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.medicines import core_medicines
from tailormed.knowledge.pgx.guidelines import load_guidelines
from tailormed.knowledge.pgx.interactions import read_phenoconversion
from tailormed.knowledge.pgx.phenotypes import load_phenotypes
from tailormed.model.patient import Medication
from tailormed.pipeline.plausible import plausibility
from tailormed.service.cds import medication_of
from tailormed.service.pgx_check import PgxChecker

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

VOCABULARY = core_medicines()
CORE = KnowledgeBundle(None, None, curated_sources())
GUIDELINES = load_guidelines(CORE, "pgx-core-guidelines")
PHENOTYPES = load_phenotypes(CORE, "pgx-core-phenotypes")
RULES = read_phenoconversion()

#: One brand per batch: openFDA records (Myrbetriq), DailyMed labels (Zofran ODT, Tofranil-PM, Hysingla ER), FDA
#: labeling pages (Enablex), national product information outside the United States (Sintrom, Floxapen), and a
#: combination (Teysuno), and common brands added later (Zyloprim, Elavil, Tylenol with Codeine).
BRANDS = [
    ("Myrbetriq 25 mg tablet", ("mirabegron",)),
    ("Zofran ODT 8 mg", ("ondansetron",)),
    ("Tofranil-PM 75 mg capsule", ("imipramine",)),
    ("Hysingla ER 20 mg", ("hydrocodone",)),
    ("Enablex 7.5 mg", ("darifenacin",)),
    ("Sintrom 4 mg tablets", ("acenocoumarol",)),
    ("Floxapen 500 mg capsules", ("flucloxacillin",)),
    ("Teysuno 15 mg/4.35 mg/11.8 mg hard capsules", ("gimeracil", "oteracil", "tegafur")),
    ("Zyloprim 300 mg", ("allopurinol",)),
    ("Elavil 25 mg", ("amitriptyline",)),
    ("Tylenol with Codeine 300 mg/30 mg", ("acetaminophen", "codeine")),
]


def assert_reviewed_as_ingredients(medications: list[Medication]) -> None:
    """Each medication is recognised as the brand's ingredients and reaches their guidance; none is unrecognised."""
    review = review_medications(medications, {}, GUIDELINES, RULES, PHENOTYPES, VOCABULARY)
    assert review.unrecognised == []
    assert [m.medication for m in review.medications] == [written for written, _ in BRANDS]
    for reviewed, (written, ingredients) in zip(review.medications, BRANDS, strict=True):
        found = VOCABULARY.resolve(written)
        assert found is not None and tuple(sorted(found.ingredients)) == ingredients
        guided = {answer.drug for answer in reviewed.genotype_recommendations}
        assert guided and guided <= set(ingredients), (written, guided)


def test_brands_on_a_patient_record_reach_their_ingredients(tmp_path: Path) -> None:
    path = tmp_path / "brands.yaml"
    lines = ["id: brands-01", "medications:", *(f"  - {{name: {written}}}" for written, _ in BRANDS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    patient = load_record(path, RANGES)
    assert_reviewed_as_ingredients(patient.medications)


def test_brands_in_a_fhir_bundle_reach_their_ingredients() -> None:
    statements = [
        {
            "resource": {
                "resourceType": "MedicationStatement",
                "id": f"ms{i}",
                "status": "active",
                "subject": {"reference": "Patient/p1"},
                "medicationCodeableConcept": {"text": written},
            }
        }
        for i, (written, _) in enumerate(BRANDS)
    ]
    patient = {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1961-04-12"}}
    intake = convert_fhir_bundle({"resourceType": "Bundle", "type": "collection", "entry": [patient, *statements]}, "b")
    assert [m.name for m in intake.patient.medications] == [written for written, _ in BRANDS]
    assert_reviewed_as_ingredients(intake.patient.medications)


@pytest.fixture(scope="module")
def checker() -> PgxChecker:
    return PgxChecker(CORE, VOCABULARY)


@pytest.mark.parametrize(("written", "ingredients"), BRANDS, ids=[w for w, _ in BRANDS])
def test_a_cds_hooks_order_by_brand_is_checked_as_its_ingredients(
    checker: PgxChecker, written: str, ingredients: tuple[str, ...]
) -> None:
    order = {
        "resourceType": "MedicationRequest",
        "id": "o1",
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"text": written},
    }
    drug = medication_of(order)
    assert drug is not None and drug.name == written
    check = checker.check(drug, {}, [])
    assert check.known and tuple(sorted(check.ingredients)) == ingredients
    # the ingredients' guidance is looked up (no genotype here, so it is not actionable)
    guided = {answer.drug for answer in check.genotype_answers}
    assert guided and guided <= set(ingredients) and not check.actionable


@pytest.mark.parametrize(
    "written",
    [
        "Prozac 20 mg",
        "Wellbutrin XL 300 mg",
        "Wellbutrin",
        "Cymbalta 60 mg",
        "Diflucan 150 mg",
        "Pacerone 200 mg",
        "Zytiga 250 mg",
        "Sensipar 30 mg",
        "Multaq 400 mg",
        "Aplenzin 348 mg",
        "Forfivo XL 450 mg",
        "Felbatol 400 mg",
        "Zyban 150 mg",
        "Pexeva 20 mg",
        "Brisdelle 7.5 mg",
        "Sarafem 20 mg",
        "Rifadin 300 mg",
    ],
)
def test_a_perpetrator_named_by_its_brand_is_seen_as_a_perpetrator(checker: PgxChecker, written: str) -> None:
    """A CYP2D6/CYP2C19/CYP2C9 inhibitor on the list by brand changes the genes it inhibits, as by its ingredient."""
    assert checker.may_convert(Medication(name=written))


def test_a_brand_of_a_drug_that_inhibits_nothing_is_not_a_perpetrator(checker: PgxChecker) -> None:
    assert not checker.may_convert(Medication(name="Zofran 4 mg"))
