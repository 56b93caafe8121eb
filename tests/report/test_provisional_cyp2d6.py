"""Provisional CYP2D6 advice (a VCF-based call whose copy number was not measured) as the reports show it: the
patient hears, in every report language, that the advice is not final and which test settles it; the clinician sees
the phenotype range and the resolving test; the FHIR Genomics bundle marks the genotype and the implication
preliminary with a coded note and asks for the resolving test. An outside call shows none of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tailormed.demo import demo_record
from tailormed.evidence import read_genome
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.careplan import CarePlan
from tailormed.model.evidence import AbsentPolicy
from tailormed.model.patient import Medication, Patient
from tailormed.pipeline.analyze import analyze, read_patient_genome
from tailormed.pipeline.pgx import load_pgx, pgx_request
from tailormed.pipeline.plausible import plausibility
from tailormed.report.fhir_genomics import ANNOTATION_CODE, PROVISIONAL, careplan_to_fhir
from tailormed.report.i18n import SOURCE_LANGUAGE, available_languages, read_catalog, translations
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.text import visible_text
from tailormed.report.view import build_view

from .conftest import ON, pgx_run, plan_for
from .test_fhir_genomics import r4b

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

NOT_FINAL = "This advice is not final."
SETTLED_BY = (
    "It rests on your result for the %(genes)s gene. This result may change when you have a copy-number test. "
    "This test counts how many copies of the gene you have."
)
GENE_NOT_FINAL = (
    "Your result for the %(genes)s gene is not final. Your test could not count the copies of this gene. "
    "A copy-number test can count them, and it may change the result."
)


def _plan(patient: Patient, core: KnowledgeBundle, evidence_source: Path | None = None) -> CarePlan:
    """The PGx plan from the VCF alone (no outside call), on the demo VCF or another one."""
    if evidence_source is None:
        record = demo_record(patient.id)
        vcf = resolve_genome_path(patient, record)
        assert vcf is not None
        evidence = read_patient_genome(vcf, patient, core, engines=["pgx"])
    else:
        definitions = load_pgx(core)[0]
        evidence = read_genome(evidence_source, pgx_request(core, definitions), absent=AbsentPolicy())
    result = analyze(patient, evidence, core, on=ON, engines=["pgx"])
    return plan_for(patient, [result.runs["pgx"]])


@pytest.fixture(scope="module")
def tamoxifen(core: KnowledgeBundle) -> tuple[Patient, CarePlan]:
    """demo-03 plans tamoxifen; its VCF shows CYP2D6 *1/*4, which a second *1 copy would make a normal
    metabolizer with different CPIC advice."""
    patient = load_record(demo_record("demo-03-rodriguez"), RANGES)
    return patient, _plan(patient, core)


def test_vcf_call_makes_the_tamoxifen_advice_provisional(tamoxifen: tuple[Patient, CarePlan]) -> None:
    patient, plan = tamoxifen
    view = build_view(plan, patient)
    answers = [g.result for g in view.pgx.guidance_on_list if g.result.drug == "tamoxifen"]
    assert answers and all(a.provisional for a in answers)
    assert view.provisional_genes("tamoxifen") == ["CYP2D6"]
    assert view.provisional_genes("azathioprine") == []
    assert view.pgx.unsettled_genes == ["CYP2D6"]


@pytest.mark.parametrize("language", available_languages())
def test_patient_report_says_the_advice_is_not_final_in_every_language(
    tamoxifen: tuple[Patient, CarePlan], language: str
) -> None:
    patient, plan = tamoxifen
    text = visible_text(render_patient_html(plan, patient, language=language))
    words = translations(language)
    lead, settled, gene = (words.gettext(m) for m in (NOT_FINAL, SETTLED_BY, GENE_NOT_FINAL))
    if language != SOURCE_LANGUAGE:
        catalog = read_catalog(language)
        assert all(catalog.get(m) is not None and catalog.get(m).string for m in (NOT_FINAL, SETTLED_BY))
        assert lead != NOT_FINAL
    box = text[text.index("tamoxifeno") :]  # the record's own name for it
    box = box[: box.index("azatioprina")]
    assert lead in box and settled % {"genes": "CYP2D6"} in box
    assert gene % {"genes": "CYP2D6"} in text
    azathioprine = text[text.index("azatioprina") :].split("\n")[1]
    assert azathioprine and lead not in azathioprine


def test_clinician_report_shows_the_range_and_the_resolving_test(tamoxifen: tuple[Patient, CarePlan]) -> None:
    patient, plan = tamoxifen
    text = visible_text(render_clinician_html(plan, patient))
    assert (
        "Phenotype range (copy number not measured): called Intermediate Metabolizer (1.0); could also be "
        "*1x2/*4: Normal Metabolizer (activity score 2.0) if a second *1 copy (*1x2)" in text
    )
    assert "Resolving test: CYP2D6 copy-number testing" in text
    assert "Provisional" in text


def test_provisional_advice_without_a_change_is_still_not_shown_as_settled(
    core: KnowledgeBundle, shared_data: Path
) -> None:
    """An all-reference CYP2D6 (*1/*1, normal metabolizer) and codeine: no change for the called result, but a
    second *1 copy (ultrarapid) would change the advice, so the patient is told the result is not final."""
    record = load_record(demo_record("demo-03-rodriguez"), RANGES)
    patient = record.model_copy(update={"medications": [Medication(name="codeine", rxnorm="2670")]})
    vcf = shared_data / "pgx" / "pharmcat" / "examples" / "pharmcat.example.vcf"
    plan = _plan(patient, core, vcf)
    view = build_view(plan, patient)
    assert [d for d, _ in view.medicines] == []
    assert view.provisional_only == [("codeine", ["CYP2D6"])]
    text = visible_text(render_patient_html(plan, patient, language="en"))
    assert "Your gene result so far does not ask for a change to this medicine." in text
    assert "This is not final." in text and SETTLED_BY % {"genes": "CYP2D6"} in text
    assert "We found no gene result that changes the medicines you take now." not in text


def test_outside_call_is_not_provisional(core: KnowledgeBundle) -> None:
    """demo-03 with its outside CYP2D6 call: nothing in the patient report says the result may change."""
    patient, run = pgx_run("demo-03-rodriguez", core)
    plan = plan_for(patient, [run])
    text = visible_text(render_patient_html(plan, patient, language="en"))
    assert NOT_FINAL not in text and "copy-number test" not in text
    assert "Phenotype range" not in visible_text(render_clinician_html(plan, patient))


def _resources(plan: CarePlan, patient: Patient) -> list[dict[str, Any]]:
    bundle = careplan_to_fhir(plan, patient)
    return [e["resource"] for e in bundle["entry"]]


def _coded_provisional(resource: dict[str, Any]) -> list[str]:
    return [
        n["text"]
        for n in resource.get("note", [])
        if any(
            e["url"] == ANNOTATION_CODE and e["valueCodeableConcept"]["text"] == PROVISIONAL
            for e in n.get("extension", [])
        )
    ]


def test_fhir_marks_the_provisional_genotype_implication_and_resolving_test(
    tamoxifen: tuple[Patient, CarePlan],
) -> None:
    patient, plan = tamoxifen
    resources = _resources(plan, patient)
    for resource in resources:
        r4b(resource)
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    genotype = next(r for r in observations if r.get("valueCodeableConcept", {}).get("text") == "CYP2D6 *1/*4")
    assert genotype["status"] == "preliminary"
    [range_note] = _coded_provisional(genotype)
    assert "*1x2/*4: Normal Metabolizer (activity score 2.0)" in range_note
    assert range_note.endswith("CYP2D6 copy-number testing resolves this")
    others = [r for r in observations if r.get("valueCodeableConcept", {}).get("text", "").startswith("CYP2C19 ")]
    assert others and all(r["status"] == "final" and not _coded_provisional(r) for r in others)
    implications = [r for r in observations if r["code"].get("text") == "Therapeutic Implication"]
    tamoxifen_ = [
        r for r in implications if any(c["valueCodeableConcept"].get("text") == "tamoxifen" for c in r["component"])
    ]
    assert tamoxifen_ and all(r["status"] == "preliminary" and _coded_provisional(r) for r in tamoxifen_)
    azathioprine = [
        r for r in implications if any(c["valueCodeableConcept"].get("text") == "azathioprine" for c in r["component"])
    ]
    assert azathioprine and all(r["status"] == "final" and not _coded_provisional(r) for r in azathioprine)
    tasks = [r for r in resources if r["resourceType"] == "Task"]
    followups = [t for t in tasks if t["code"].get("coding", [{}])[0].get("code") == "LA14022-0"]
    assert [t["description"] for t in followups] == [
        "CYP2D6 copy-number testing: makes the provisional CYP2D6 advice firm"
    ]
    report = next(r for r in resources if r["resourceType"] == "DiagnosticReport")
    actions = {e["valueReference"]["reference"] for e in report["extension"]}
    urls = {e["fullUrl"]: e["resource"] for e in careplan_to_fhir(plan, patient)["entry"]}
    assert any(urls[a] == followups[0] for a in actions)
    medication_tasks = [t for t in tasks if t is not followups[0] and "tamoxifen" in t["description"]]
    assert medication_tasks and all(_coded_provisional(t) for t in medication_tasks)


def test_fhir_of_an_outside_call_has_nothing_provisional(core: KnowledgeBundle) -> None:
    patient, run = pgx_run("demo-03-rodriguez", core)
    resources = _resources(plan_for(patient, [run]), patient)
    assert all(r.get("status") != "preliminary" and not _coded_provisional(r) for r in resources)
