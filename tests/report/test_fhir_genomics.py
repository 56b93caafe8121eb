"""The FHIR Genomics Reporting bundle: every resource parses with the fhir.resources R4B models, the report links
each result, profiles and LOINC codes are the IG's, and ids are the same on a rerun."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from importlib import import_module
from typing import Any

import pytest

from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.careplan import CarePlan
from tailormed.model.finding import Domain, Evidence, Finding, FindingData, Priority
from tailormed.model.patient import Patient
from tailormed.model.payloads import DiagnosisCandidateData, HereditaryVariantData, TherapyMatchData
from tailormed.pipeline.analyze import analyze
from tailormed.pipeline.plausible import plausibility
from tailormed.plan import assemble_plan
from tailormed.report.fhir_genomics import IG, careplan_to_fhir, careplan_to_fhir_json

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

WHEN = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def r4b(resource: dict[str, Any]) -> Any:
    """The resource parsed by its fhir.resources R4B model (raises on anything the model rejects)."""
    kind = resource["resourceType"]
    model = getattr(import_module(f"fhir.resources.R4B.{kind.lower()}"), kind)
    return model.model_validate(resource)


def made(finding_id: str, domain: Domain, data: FindingData, genes: list[str]) -> Finding:
    return Finding(
        id=finding_id,
        domain=domain,
        title=finding_id,
        summary=f"summary of {finding_id}",
        priority=Priority.ACTIONABLE,
        genes=genes,
        data=data,
        evidence=[Evidence(source="test", version="1")],
    )


@pytest.fixture(scope="module")
def hale(pgx_of: Any) -> tuple[Patient, CarePlan]:
    core = KnowledgeBundle(None, None, curated_sources())
    record = demo_record("demo-01-hale")
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    run = pgx_of(patient, vcf, core, on=date(2026, 1, 15))
    hereditary = HereditaryVariantData(
        gene="BRCA1",
        chrom="chr17",
        pos=43124027,
        ref="ACT",
        alt="A",
        genotype="0/1",
        zygosity="heterozygous",
        hgvs="NM_007294.4:c.68_69del",
        clinvar_significance="Pathogenic",
        review_stars=3,
        reportable=True,
        reason="ACMG SF gene",
        condition="Hereditary breast and ovarian cancer",
        inheritance="autosomal dominant",
    )
    diagnosis = DiagnosisCandidateData(
        rank=1,
        disease_id="OMIM:130050",
        disease_name="Ehlers-Danlos syndrome, vascular type",
        genes=["COL3A1"],
        post_test_probability=0.3,
        explanation="matches 5 of 6 phenotypes",
    )
    therapy = TherapyMatchData(
        gene="BRAF",
        alteration="V600E",
        matched_level="protein",
        tumor_type="COAD",
        therapy="encorafenib + cetuximab",
        direction="supports",
        significance="sensitivity",
        evidence_level="A",
        amp_tier="Tier I",
        source="CIViC",
    )
    others = [
        made("hereditary:BRCA1", Domain.HEREDITARY, hereditary, ["BRCA1"]),
        made("diagnosis:1", Domain.DIAGNOSIS, diagnosis, ["COL3A1"]),
        made("oncology:BRAF:V600E", Domain.ONCOLOGY, therapy, ["BRAF"]),
    ]
    demo_park = load_record(demo_record("demo-04-park"), RANGES)
    patient = patient.model_copy(update={"tumour": demo_park.tumour})
    plan = assemble_plan(patient, [*run.findings, *others], inputs={}, knowledge={}, generated_at=WHEN)
    return patient, plan


def by_profile(bundle: dict[str, Any], name: str) -> list[dict[str, Any]]:
    url = f"{IG}/StructureDefinition/{name}"
    return [e["resource"] for e in bundle["entry"] if url in e["resource"].get("meta", {}).get("profile", [])]


def codes(concept: dict[str, Any]) -> set[str]:
    return {c["code"] for c in concept.get("coding", [])}


def test_every_resource_and_the_bundle_parse_as_r4b(hale: tuple[Patient, CarePlan]) -> None:
    patient, plan = hale
    bundle = careplan_to_fhir(plan, patient)
    assert r4b(bundle).type == "collection"
    for entry in bundle["entry"]:
        parsed = r4b(entry["resource"])
        assert entry["fullUrl"] == f"urn:uuid:{parsed.id}"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[:2] == ["Patient", "DiagnosticReport"]


def test_report_links_every_result_with_the_ig_codes(hale: tuple[Patient, CarePlan]) -> None:
    patient, plan = hale
    bundle = careplan_to_fhir(plan, patient)
    urls = {e["fullUrl"] for e in bundle["entry"]}
    report = by_profile(bundle, "genomic-report")[0]
    assert codes(report["code"]) == {"51969-4"}
    results = [r["reference"] for r in report["result"]]
    assert set(results) <= urls and len(results) == len(set(results))
    observations = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert {e["fullUrl"] for e in observations} == set(results)
    genotype = next(g for g in by_profile(bundle, "genotype") if g["valueCodeableConcept"]["text"] == "CYP2C19 *2/*2")
    assert codes(genotype["code"]) == {"84413-4"}
    haplotypes = by_profile(bundle, "haplotype")
    assert {"CYP2C19 *2"} <= {h["valueCodeableConcept"]["text"] for h in haplotypes}
    assert all(codes(h["code"]) == {"84414-2"} for h in haplotypes)
    implication = next(
        i
        for i in by_profile(bundle, "therapeutic-implication")
        if any(c["valueCodeableConcept"]["text"] == "clopidogrel" for c in i["component"])
    )
    assert implication["derivedFrom"] == [
        {"reference": next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is genotype)}
    ]
    component_codes = {next(iter(codes(c["code"]))) for c in implication["component"]}
    assert {"51963-7", "therapeutic-implication", "93044-6"} <= component_codes
    clopidogrel = next(c for c in implication["component"] if codes(c["code"]) == {"51963-7"})
    assert codes(clopidogrel["valueCodeableConcept"]) == {"32968"}  # RxNorm from the medication list


def test_tasks_variants_and_diagnostic_implications(hale: tuple[Patient, CarePlan]) -> None:
    patient, plan = hale
    bundle = careplan_to_fhir(plan, patient)
    tasks = by_profile(bundle, "medication-recommendation")
    clopidogrel = next(t for t in tasks if t["description"].startswith("clopidogrel"))
    assert codes(clopidogrel["code"]) == {"LA26421-0"}
    assert (clopidogrel["status"], clopidogrel["intent"]) == ("requested", "proposal")
    followup = by_profile(bundle, "followup-recommendation")
    assert [codes(t["code"]) for t in followup] == [{"LA14020-4"}]
    report = by_profile(bundle, "genomic-report")[0]
    task_urls = {e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"}
    assert {x["valueReference"]["reference"] for x in report["extension"]} == task_urls
    variants = by_profile(bundle, "variant")
    assert len(variants) == 2  # BRCA1 germline; BRAF V600E from the tumour (APC has no genomic allele)
    brca1 = next(v for v in variants if any(c["valueCodeableConcept"]["text"] == "BRCA1" for c in v["component"]))
    assert codes(brca1["code"]) == {"69548-6"} and codes(brca1["valueCodeableConcept"]) == {"LA9633-4"}
    allelic = next(c for c in brca1["component"] if codes(c["code"]) == {"53034-5"})
    assert codes(allelic["valueCodeableConcept"]) == {"LA6706-1"}
    diagnostic = by_profile(bundle, "diagnostic-implication")
    significance = [c for d in diagnostic for c in d["component"] if codes(c["code"]) == {"53037-8"}]
    assert [codes(s["valueCodeableConcept"]) for s in significance] == [{"LA6668-3"}]
    omim = [c for d in diagnostic for c in d["component"] if "130050" in codes(c["valueCodeableConcept"])]
    assert len(omim) == 1
    braf = next(
        i
        for i in by_profile(bundle, "therapeutic-implication")
        if any(c["valueCodeableConcept"]["text"] == "encorafenib + cetuximab" for c in i["component"])
    )
    assert len(braf["derivedFrom"]) == 1


def test_engine_therapy_implications_name_the_biomarker_once_and_link_its_variant() -> None:
    """The onco engine labels an alteration with its gene ("BRAF V600E", "RAS wild-type"): an implication's note names
    it once ("BRAF V600E matched ...", not "BRAF BRAF V600E: BRAF V600E matched ..."), and a BRAF V600E implication is
    derived from the tumour's BRAF V600E variant as one written without its gene is."""
    core = KnowledgeBundle(None, None, curated_sources())
    patient = load_record(demo_record("demo-04-park"), RANGES)
    assert patient.tumour is not None
    tumour = patient.tumour.model_copy(update={"extent": "metastatic", "wild_type": ["KRAS", "NRAS"]})
    patient = patient.model_copy(update={"tumour": tumour})
    run = analyze(patient, None, core, on=date(2026, 1, 15), engines=["onco"]).runs["onco"]
    bundle = careplan_to_fhir(assemble_plan(patient, run.findings, inputs={}, knowledge={}, generated_at=WHEN), patient)
    variants = by_profile(bundle, "variant")
    [variant] = [e["fullUrl"] for e in bundle["entry"] if e["resource"] in variants]  # BRAF V600E (APC: no allele)
    implications = by_profile(bundle, "therapeutic-implication")
    notes = [i["note"][0]["text"] for i in implications]
    assert any(n.startswith("RAS wild-type (no variant in KRAS or NRAS)") for n in notes), notes
    for implication, note in zip(implications, notes, strict=True):
        first = note.split(":")[0].split(" matched")[0]
        assert not re.search(r"\b(\w+) \1\b", first) and note.count(first.split(" (")[0]) == 1, note
        if note.startswith("BRAF V600E"):
            assert implication["derivedFrom"] == [{"reference": variant}], note
        else:
            assert "derivedFrom" not in implication, note


def test_ids_are_stable_across_runs(hale: tuple[Patient, CarePlan]) -> None:
    patient, plan = hale
    first = careplan_to_fhir(plan, patient)
    later = careplan_to_fhir(plan.model_copy(update={"generated_at": datetime(2027, 1, 1, tzinfo=UTC)}), patient)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in later["entry"]]
    assert first["id"] == later["id"]
    text = careplan_to_fhir_json(plan, patient)
    assert json.loads(text) == first and text.endswith("\n")
    other = careplan_to_fhir(plan, patient.model_copy(update={"id": "someone-else"}))
    assert not {e["fullUrl"] for e in first["entry"]} & {e["fullUrl"] for e in other["entry"]}


def test_plan_without_genomic_results_is_still_a_valid_report() -> None:
    patient = Patient(id="p1")
    plan = assemble_plan(patient, [], inputs={}, knowledge={}, generated_at=WHEN)
    bundle = careplan_to_fhir(plan, patient)
    for entry in bundle["entry"]:
        r4b(entry["resource"])
    report = by_profile(bundle, "genomic-report")[0]
    assert "result" not in report and report["conclusion"] == "No actionable genomic findings."


def test_no_nulls_or_empty_arrays(hale: tuple[Patient, CarePlan]) -> None:
    patient, plan = hale
    text = careplan_to_fhir_json(plan, patient)
    assert "null" not in text and "[]" not in text
