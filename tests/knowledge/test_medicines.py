"""Medication names as people and EHRs write them: brands, product strings, RxNorm and ATC codes resolve to the
ingredient everywhere a medication is compared; unknown names are reported as unknown, never as "no guidance"."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailormed.demo import demo_record
from tailormed.engines.pgx.review import review_medications
from tailormed.engines.risk.patient import pce_inputs, prevent_inputs
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.medicines import core_medicines
from tailormed.knowledge.pgx.guidelines import load_guidelines
from tailormed.knowledge.pgx.interactions import read_phenoconversion
from tailormed.knowledge.pgx.phenotypes import load_phenotypes
from tailormed.knowledge.risk.load import RiskKnowledge, load_risk_knowledge
from tailormed.model.patient import Medication, Patient
from tailormed.pipeline.pgx import run_patient_pgx
from tailormed.pipeline.plausible import plausibility
from tailormed.plan import assemble_plan
from tailormed.report.fhir_genomics import careplan_to_fhir

from .conftest import outside

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

VOCABULARY = core_medicines()
CORE = KnowledgeBundle(None, None, curated_sources())
GUIDELINES = load_guidelines(CORE, "pgx-core-guidelines")
PHENOTYPES = load_phenotypes(CORE, "pgx-core-phenotypes")
RULES = read_phenoconversion()
#: Every drug the curated knowledge names: guideline drugs and phenoconversion perpetrators.
KNOWLEDGE_DRUGS = sorted(
    {d.name.casefold() for g in GUIDELINES.guidelines for d in g.drugs}
    | {p.drug.casefold() for p in RULES.perpetrators}
)
DECORATIONS = [
    "",
    " 75 mg tablet",
    " 10 MG Oral Tablet",
    " 20 mg daily",
    " ER 50 mg",
    " hydrochloride 5 MG Oral Tablet",
]


def review(*medications: Medication) -> object:
    return review_medications(list(medications), {}, GUIDELINES, RULES, PHENOTYPES, VOCABULARY)


def test_every_knowledge_drug_is_in_the_vocabulary_with_sources() -> None:
    missing = [name for name in KNOWLEDGE_DRUGS if VOCABULARY.medicine(name) is None]
    assert missing == []
    assert all(m.sources for m in VOCABULARY.medicines)
    with_codes = [n for n in KNOWLEDGE_DRUGS if (m := VOCABULARY.medicine(n)) and m.rxnorm and m.atc]
    assert len(with_codes) > 0.85 * len(KNOWLEDGE_DRUGS)  # the rest lack an RxNorm code in the sources read


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(KNOWLEDGE_DRUGS), decoration=st.sampled_from(DECORATIONS), upper=st.booleans())
def test_every_knowledge_drug_is_reachable_by_ingredient_brand_rxnorm_and_atc(
    name: str, decoration: str, upper: bool
) -> None:
    medicine = VOCABULARY.medicine(name)
    assert medicine is not None
    written = (name + decoration).upper() if upper else name.title() + decoration
    found = VOCABULARY.resolve(written)
    assert found is not None and name in found.ingredients, written
    for brand in medicine.brands:
        by_brand = VOCABULARY.resolve(f"{brand}{decoration}")
        if by_brand is None:  # a brand that is also a word or another medicine's brand is never taken silently
            meanings = VOCABULARY.ambiguity(f"{brand}{decoration}")
            assert meanings is not None and (name,) in meanings, brand
        else:
            assert name in by_brand.ingredients, brand
    for synonym in medicine.synonyms:
        by_synonym = VOCABULARY.resolve(f"{synonym}{decoration}")
        assert by_synonym is not None and by_synonym.ingredients == (name,), synonym
    if medicine.rxnorm:
        by_code = VOCABULARY.resolve("unnamed", rxnorm=medicine.rxnorm)
        assert by_code is not None and by_code.ingredients == (name,)
    for product in medicine.products:
        by_product = VOCABULARY.resolve(None, rxnorm=product.rxnorm)
        assert by_product is not None and by_product.ingredients == (name,), product.display
        by_display = VOCABULARY.resolve(product.display)
        assert by_display is not None and name in by_display.ingredients, product.display
    for code in medicine.atc:
        by_atc = VOCABULARY.resolve(None, atc=code)
        assert by_atc is not None and name in by_atc.ingredients, code


@settings(max_examples=200)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=6, max_size=16))
def test_unknown_names_are_never_reported_as_no_guidance(word: str) -> None:
    if VOCABULARY.resolve(word) is not None or GUIDELINES.for_drug(word):
        return
    result = review(Medication(name=word))
    assert result.unrecognised == [f"{word}: not a known medicine"]  # type: ignore[attr-defined]
    assert result.without_guidance == [] and result.not_in_bundle == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("written", "rxnorm", "atc", "ingredient"),
    [
        ("Plavix", None, None, "clopidogrel"),
        ("Zocor", None, None, "simvastatin"),
        ("Coumadin", None, None, "warfarin"),
        ("clopidogrel 75 mg tablet", None, None, "clopidogrel"),
        ("clopidogrel bisulfate 75 MG Oral Tablet", None, None, "clopidogrel"),
        ("Antiplatelet", "309362", None, "clopidogrel"),  # RxNorm product code, no matching name
        ("blood pressure tablet", "29046", None, "lisinopril"),  # RxNorm ingredient code
        ("statin", None, "C10AA01", "simvastatin"),
        ("warfarin sodium 5 MG Oral Tablet [Coumadin]", None, None, "warfarin"),
    ],
)
def test_written_forms_resolve_to_the_ingredient(
    written: str, rxnorm: str | None, atc: str | None, ingredient: str
) -> None:
    found = VOCABULARY.resolve(written, rxnorm, atc)
    assert found is not None and found.ingredients == (ingredient,)


def test_review_tells_unknown_from_uncovered_and_from_no_pair() -> None:
    result = review_medications(
        [
            Medication(name="flibbertigibbet"),
            Medication(name="Plavix 75 mg"),
            Medication(name="lisinopril 10 mg"),
            Medication(name="hydralazine 25 mg tablet"),
            Medication(name="ivacaftor 150 mg tablet"),
        ],
        {},
        GUIDELINES,
        RULES,
        PHENOTYPES,
        VOCABULARY,
    )
    assert result.unrecognised == ["flibbertigibbet: not a known medicine"]
    assert [m.medication for m in result.medications] == ["Plavix 75 mg", "hydralazine 25 mg tablet"]
    assert result.medications[0].genotype_recommendations[0].drug == "clopidogrel"
    assert result.medications[1].genotype_recommendations[0].drug == "hydralazine"  # CPIC NAT2, in the core
    assert result.without_guidance == ["lisinopril 10 mg"]
    assert result.not_in_bundle == ["ivacaftor 150 mg tablet: CFTR (CPIC level A) not in this knowledge bundle"]


def test_a_product_string_keeps_the_action_the_conflict_and_the_fhir_task() -> None:
    record = demo_record("demo-01-hale")
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    renamed = [
        m.model_copy(update={"name": "clopidogrel 75 mg tablet", "rxnorm": None, "atc": None})
        if m.name == "clopidogrel"
        else m
        for m in patient.medications
    ]
    patient = patient.model_copy(update={"medications": renamed})
    run = run_patient_pgx(patient, vcf, CORE, on=date(2026, 1, 15))
    plan = assemble_plan(
        patient, run.findings, inputs={}, knowledge=run.versions, generated_at=datetime(2026, 1, 15, tzinfo=UTC)
    )
    assert "action:medication_change:pgx:clopidogrel:cpic" in {a.id for a in plan.actions}
    assert "conflict:drug_gene:pgx:clopidogrel:cpic" in {c.id for c in plan.conflicts}
    bundle = careplan_to_fhir(plan, patient)
    tasks = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"]
    assert any("clopidogrel" in json.dumps(t) for t in tasks)


@pytest.fixture(scope="module")
def risk() -> RiskKnowledge:
    return load_risk_knowledge(CORE)


def _primary_hale(medications: list[Medication]) -> Patient:
    hale = load_record(demo_record("demo-01-hale"), RANGES)
    conditions = [c for c in hale.conditions if c.name == "Essential hypertension"]
    return hale.model_copy(update={"conditions": conditions, "medications": medications})


def test_rxnorm_coded_lisinopril_counts_as_treated_blood_pressure(risk: RiskKnowledge) -> None:
    on = date(2026, 11, 22)
    coded = _primary_hale([Medication(name="Zestril tablet", rxnorm="29046")])
    mapped = pce_inputs(coded, on, risk.facts)
    assert mapped.inputs is not None and mapped.inputs.bp_meds is True
    assert any(u == "antihypertensive drugs currently: yes (Zestril tablet)" for u in mapped.used)
    statin = prevent_inputs(_primary_hale([Medication(name="Zocor 40 mg")]), on, risk.facts)
    assert any(u == "statin currently: yes (Zocor 40 mg)" for u in statin.used)


def test_an_unclassifiable_medication_is_named_as_assumed(risk: RiskKnowledge) -> None:
    mapped = pce_inputs(_primary_hale([Medication(name="flibbertigibbet")]), date(2026, 11, 22), risk.facts)
    assert mapped.inputs is not None and mapped.inputs.bp_meds is False
    assert "antihypertensive drugs currently: no (assumed: flibbertigibbet could not be classified)" in mapped.used
    assert any("flibbertigibbet" in n and "could not be classified" in n for n in mapped.notes)


def test_a_brand_of_a_salt_reaches_the_guidance_keyed_on_that_salt() -> None:
    """Firdapse is amifampridine phosphate (Drugs@FDA), and the FDA table's Firdapse row is keyed on the phosphate:
    the brand resolves to it, so a NAT2 poor metabolizer on Firdapse gets the 15 mg/day starting dose."""
    found = VOCABULARY.resolve("Firdapse 10 mg tablet")
    assert found is not None and found.ingredients == ("amifampridine phosphate",)
    ruzurgi = VOCABULARY.resolve("Ruzurgi")
    assert ruzurgi is not None and ruzurgi.ingredients == ("amifampridine",)
    poor = outside("NAT2", PHENOTYPES, "Poor Metabolizer")
    result = review_medications([Medication(name="Firdapse")], {"NAT2": poor}, GUIDELINES, RULES, PHENOTYPES)
    [entry] = result.medications
    texts = [row.text for answer in entry.recommendations for row in answer.rows]
    assert any("(15 mg/day)" in text for text in texts), texts


def test_the_curation_keeps_a_salt_the_vocabulary_knows_in_a_drugs_at_fda_title() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "curate_medicines.py"
    spec = importlib.util.spec_from_file_location("curate_medicines", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    known = {"amifampridine", "amifampridine phosphate", "carbamazepine"}
    title = "Drugs@FDA: Drug Product Firdapse (amifampridine phosphate), NDA208078, Catalyst Pharmaceuticals, Inc."
    assert script._title_brand(title, known) == ("Firdapse", ("amifampridine phosphate",))
    tegretol = "Drugs@FDA: Drug Product Tegretol (carbamazepine), NDA016608, Novartis"
    assert script._title_brand(tegretol, known) == ("Tegretol", ("carbamazepine",))
