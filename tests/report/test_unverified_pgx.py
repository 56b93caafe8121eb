"""PGx advice that rests on a curated fact no quoted source backs (a phenoconversion rule, a warfarin adjustment, a
gene's phenotype rules) is shown to clinicians and left out of the patient's report."""

from __future__ import annotations

from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Medication, Patient
from tailormed.pipeline.analyze import analyze, read_patient_genome
from tailormed.pipeline.plausible import plausibility
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.text import visible_text

from .conftest import ON, plan_for

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

Plans = dict[str, tuple[Patient, CarePlan]]


def test_a_conversion_no_source_states_is_not_assessed_and_gives_the_patient_no_advice(core: KnowledgeBundle) -> None:
    # demo 3 is a CYP2C19 normal metabolizer; fluconazole's strong CYP2C19 inhibition is quoted, but no source read
    # states what a strong inhibitor does to the CYP2C19 phenotype, so clopidogrel's current advice is not assessed:
    # the clinician reads why, the patient hears no clopidogrel advice (never the normal-metabolizer row)
    record = demo_record("demo-03-rodriguez")
    patient = load_record(record, RANGES)
    added = [Medication(name="clopidogrel 75 mg"), Medication(name="fluconazole 150 mg")]
    patient = patient.model_copy(update={"medications": [*patient.medications, *added]})
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    evidence = read_patient_genome(vcf, patient, core, engines=["pgx"])
    runs = analyze(patient, evidence, core, on=ON, engines=["pgx"]).runs
    plan = plan_for(patient, [runs["pgx"]])
    (conversion,) = [f for f in plan.findings if f.id == "pgx:phenoconversion:CYP2C19"]
    assert conversion.title.startswith("CYP2C19 Normal Metabolizer -> cannot be assessed, because of fluconazole")
    assert not conversion.unverified

    clinician = visible_text(render_clinician_html(plan, patient))
    assert "strong CYP2C19 inhibitor of unsourced effect" in clinician
    assert "the CPIC advice for clopidogrel differs: Normal Metabolizer: If considering clopidogrel" in clinician
    patient_text = visible_text(render_patient_html(plan, patient, language="en"))
    assert "You take fluconazole 150 mg. It changes how your body handles some other medicines." in patient_text
    assert "clopidogrel" not in patient_text.casefold()
    # advice resting on source-backed facts is still there (TPMT and azathioprine, written azatioprina in her list)
    assert "azatioprina" in patient_text.casefold()


def test_a_gene_without_sourced_phenotype_rules_is_not_named_to_the_patient(pgx_plans: Plans) -> None:
    # demo 2 carries CYP4F2 *1/*3; no source read gives CYP4F2 allele functions or phenotypes, so it has no table
    patient, plan = pgx_plans["demo-02-mensah"]
    (cyp4f2,) = [f for f in plan.findings if f.id == "pgx:gene:CYP4F2"]
    assert cyp4f2.title == "CYP4F2 *1/*3: no phenotype table"
    (cyp2c9,) = [f for f in plan.findings if f.id == "pgx:gene:CYP2C9"]
    assert not cyp2c9.unverified
    patient_text = visible_text(render_patient_html(plan, patient, language="en"))
    assert "They are in these genes: CYP2C9, VKORC1." in patient_text
    assert "CYP4F2" in visible_text(render_clinician_html(plan, patient))
