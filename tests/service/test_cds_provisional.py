"""CDS cards for CYP2D6 drugs say "Provisional" in the summary and the detail when the CYP2D6 result is a VCF call
whose copy number was not measured and the advice differs across the results it could give; a firm call does not."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tailormed.demo import demo_record
from tailormed.engines.pgx.phenotype import phenotype_all
from tailormed.intake.record import load_record, resolve_genome_path, resolve_outside_calls
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Medication, Patient
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall, GenePhenotype
from tailormed.pipeline.analyze import analyze, plan_from_runs, read_patient_genome
from tailormed.pipeline.pgx import load_calling, read_outside
from tailormed.pipeline.plausible import plausibility
from tailormed.service.cds import Link, _pgx_material, _phenotypes
from tailormed.service.pgx_check import PgxChecker

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

ON = date(2026, 3, 10)
LINK = Link(label="Open the care plan", type="absolute", url="https://example.org/plan")


def _plan(core: KnowledgeBundle, *, outside: bool) -> tuple[Patient, CarePlan]:
    """demo-03 (CYP2D6 *1/*4 in its VCF and in its outside call), analysed with or without the outside call."""
    record = demo_record("demo-03-rodriguez")
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    evidence = read_patient_genome(vcf, patient, core, engines=["pgx"])
    calls = None
    if outside:
        path = resolve_outside_calls(patient, record)
        assert path is not None
        calls = read_outside(path, load_calling(core)[0])
    result = analyze(patient, evidence, core, on=ON, outside_calls=calls, engines=["pgx"])
    plan = plan_from_runs(patient, [result.runs["pgx"]], inputs={"record": "demo-03-rodriguez.yaml"})
    return patient, plan


def _card(core: KnowledgeBundle, plan: CarePlan, drug: str) -> dict[str, str]:
    checker = PgxChecker(core)
    results = {f.data.gene: f.data for f in plan.findings if isinstance(f.data, GenePhenotype)}
    check = checker.check(Medication(name=drug), results, [])
    assert check.actionable, drug
    card = json.loads("{" + _pgx_material(check, plan, [LINK]).card + "}")
    return {"summary": card["summary"], "detail": card["detail"]}


@pytest.mark.parametrize("drug", ["codeine", "tamoxifen"])
def test_vcf_based_cyp2d6_card_is_provisional(core: KnowledgeBundle, drug: str) -> None:
    _, plan = _plan(core, outside=False)
    card = _card(core, plan, drug)
    assert card["summary"].startswith("Provisional — ")
    assert "**Provisional:** provisional: based on CYP2D6 *1/*4" in card["detail"]
    assert "CYP2D6 copy-number testing resolves this" in card["detail"]


@pytest.mark.parametrize("drug", ["codeine", "tamoxifen"])
def test_outside_cyp2d6_call_card_is_not_provisional(core: KnowledgeBundle, drug: str) -> None:
    _, plan = _plan(core, outside=True)
    card = _card(core, plan, drug)
    assert "Provisional" not in card["summary"] and "Provisional" not in card["detail"]


def test_card_says_an_inhibitor_of_unknown_strength_cannot_change_the_advice(core: KnowledgeBundle) -> None:
    """CYP2C9 *1/*3 (activity score 1.0) with miconazole (a CYP2C9 inhibitor of unknown strength) ordering
    piroxicam: every score down to 0 advises an alternative, so the card gives it and says miconazole cannot
    change it, instead of "CYP2C9 no result (miconazole)"."""
    _, plan = _plan(core, outside=True)
    checker = PgxChecker(core)
    results = phenotype_all([_called("CYP2C9", "*1", "*3")], checker.knowledge.phenotypes)
    check = checker.check(Medication(name="piroxicam"), results, [Medication(name="miconazole")])
    assert check.actionable
    card = json.loads("{" + _pgx_material(check, plan, [LINK]).card + "}")
    assert "CYP2C9 Intermediate Metabolizer (advice unchanged by miconazole)" in card["summary"]
    assert "no result" not in card["summary"]
    assert "miconazole (CYP2C9 inhibitor of unknown strength) cannot change this advice" in card["detail"]
    (change,) = check.phenoconversions
    assert change.effective_phenotype is None and "it cannot change the CPIC advice for piroxicam" in change.explanation


def test_a_gene_an_inhibitor_of_unknown_strength_leaves_unassessed_is_named_so(core: KnowledgeBundle) -> None:
    """CYP2C9 *1/*1 with miconazole ordering piroxicam: normal and poor metabolizers get different advice, so the
    gene is named as not assessable because of miconazole, never as "no result"."""
    checker = PgxChecker(core)
    results = phenotype_all([_called("CYP2C9", "*1", "*1")], checker.knowledge.phenotypes)
    check = checker.check(Medication(name="piroxicam"), results, [Medication(name="miconazole")])
    answer = next(a for a in check.answers if a.source == "CPIC")
    assert not check.actionable and not answer.rows
    assert _phenotypes(check, answer) == "CYP2C9 cannot be assessed because of miconazole"


def _called(gene: str, a: str, b: str) -> GeneCall:
    return GeneCall(sample="s", gene=gene, status=CallStatus.CALLED, diplotypes=[Diplotype(allele1=a, allele2=b)],
                    origin=CallOrigin.MATCHER)
