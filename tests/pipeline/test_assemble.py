"""Care-plan assembly from real PGx findings of the demo patients (curated core)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.careplan import ActionKind, CarePlan
from tailormed.model.finding import NotAssessed, Priority
from tailormed.model.patient import Patient
from tailormed.pipeline.pgx import PatientPgx
from tailormed.pipeline.plausible import plausibility
from tailormed.plan import assemble_plan

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

WHEN = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def core() -> KnowledgeBundle:
    return KnowledgeBundle(None, None, curated_sources())


@pytest.fixture
def pgx(pgx_of: Any) -> Any:
    def run(patient_id: str, bundle: KnowledgeBundle, outside: Path | None = None) -> tuple[Patient, PatientPgx]:
        record = demo_record(patient_id)
        patient = load_record(record, RANGES)
        vcf = resolve_genome_path(patient, record)
        assert vcf is not None
        return patient, pgx_of(patient, vcf, bundle, outside_calls=outside, on=date(2026, 1, 15))

    return run


def plan_for(patient: Patient, run: PatientPgx) -> CarePlan:
    return assemble_plan(
        patient, run.findings, inputs={"vcf": run.genotypes.source}, knowledge=run.versions, generated_at=WHEN
    )


def test_hale_plan(core: KnowledgeBundle, pgx: Any) -> None:
    patient, run = pgx("demo-01-hale", core)
    plan = plan_for(patient, run)
    actions = {a.id: a for a in plan.actions}
    clopidogrel = actions["action:medication_change:pgx:clopidogrel:cpic"]
    assert clopidogrel.kind is ActionKind.MEDICATION_CHANGE
    assert "CYP2C19 *2/*2: Poor Metabolizer" in clopidogrel.rationale
    # one action, CPIC, DPWG and the Plavix label all cited
    assert clopidogrel.finding_ids == ["pgx:clopidogrel:cpic", "pgx:clopidogrel:dpwg", "pgx:clopidogrel:fda label"]
    assert clopidogrel.title.startswith("clopidogrel (CPIC, DPWG, FDA label): Avoid clopidogrel if possible.")
    assert "Consider use of another platelet P2Y12 inhibitor" in clopidogrel.rationale
    assert set(actions) == {
        "action:medication_change:pgx:clopidogrel:cpic",
        "action:medication_change:pgx:atorvastatin:cpic",
        "action:medication_change:pgx:pantoprazole:cpic",  # CYP2C19 poor metabolizer on long-term pantoprazole
    }
    conflicts = {c.id: c for c in plan.conflicts}
    drug_gene = conflicts["conflict:drug_gene:pgx:clopidogrel:cpic"]
    assert (drug_gene.kind, drug_gene.drugs, drug_gene.genes) == ("drug_gene", ["clopidogrel"], ["CYP2C19"])
    problems = {p.id: p for p in plan.problems}
    assert problems["condition:i25.10"].kind == "condition"
    assert problems["finding:cyp2c19"].finding_ids == [
        "pgx:clopidogrel:cpic",
        "pgx:clopidogrel:dpwg",
        "pgx:clopidogrel:fda label",
        "pgx:pantoprazole:cpic",
    ]
    assert problems["finding:cyp2c19"].title == "CYP2C19 *2/*2: Poor Metabolizer: affects clopidogrel, pantoprazole"
    # simvastatin was stopped: guidance for it is pre-emptive, never an action or a conflict
    assert not any("simvastatin" in a.id for a in plan.actions)
    assert plan.knowledge["pgx-core-guidelines"] == run.versions["pgx-core-guidelines"]


def test_mensah_drug_drug_gene_and_warfarin_dose(core: KnowledgeBundle, tmp_path: Path, pgx: Any) -> None:
    outside = tmp_path / "cyp2d6.tsv"
    outside.write_text("CYP2D6\t*1/*17\n")
    patient, run = pgx("demo-02-mensah", core, outside)
    plan = plan_for(patient, run)
    conflicts = {c.id: c for c in plan.conflicts}
    cyp2d6 = conflicts["conflict:drug_drug_gene:pgx:phenoconversion:CYP2D6"]
    assert cyp2d6.kind == "drug_drug_gene"
    assert cyp2d6.drugs[0] == "fluoxetine"
    assert cyp2d6.genes == ["CYP2D6"]
    assert "Poor Metabolizer" in cyp2d6.description
    actions = {a.id: a for a in plan.actions}
    assert actions["action:medication_change:pgx:warfarin:dose"].kind is ActionKind.MEDICATION_CHANGE
    assert not any(a.finding_ids[0].startswith("pgx:phenoconversion:") for a in plan.actions)


def test_ids_are_stable_and_limitations_unique(core: KnowledgeBundle, pgx: Any) -> None:
    patient, run = pgx("demo-04-park", core)
    first = plan_for(patient, run)
    again = plan_for(patient, run)
    assert (
        [a.id for a in first.actions]
        == [a.id for a in again.actions]
        == ["action:medication_change:pgx:capecitabine:cpic"]  # CPIC, DPWG and the Xeloda label in one action
    )
    assert first.actions[0].finding_ids == [
        "pgx:capecitabine:cpic",
        "pgx:capecitabine:dpwg",
        "pgx:capecitabine:fda label",
    ]
    assert [p.id for p in first.problems] == [p.id for p in again.problems]
    pairs = [(n.item, n.reason) for n in first.limitations]
    assert len(pairs) == len(set(pairs))
    assert ("TPMT", "gene not called") in pairs  # a panel without TPMT sites


def test_no_findings_and_extra_limitations() -> None:
    patient = Patient(id="p1")
    missing = NotAssessed(item="genotype-based findings", reason="no genome")
    plan = assemble_plan(patient, [], inputs={}, knowledge={}, generated_at=WHEN, limitations=[missing, missing])
    assert plan.limitations == [missing]
    assert (plan.actions, plan.conflicts, plan.problems) == ([], [], [])


def test_phenoconversion_is_its_own_problem(core: KnowledgeBundle, pgx: Any) -> None:
    patient, run = pgx("demo-02-mensah", core)
    problems = {p.id: p for p in plan_for(patient, run).problems}
    change = problems["finding:pgx-phenoconversion-cyp2d6"]
    assert change.finding_ids == ["pgx:phenoconversion:CYP2D6"]
    assert change.title.startswith("CYP2D6 Normal Metabolizer (activity score 1.5) -> Poor Metabolizer")
    assert not any(p.title.endswith("affects fluoxetine") for p in problems.values())
    # fluoxetine is a strong CYP2C19 inhibitor (FDA index table); no source read states what that does to the
    # phenotype, and no medicine on her list rests on CYP2C19: a finding for later prescriptions, not a problem now
    assert "finding:pgx-phenoconversion-cyp2c19" not in problems
    [unassessed] = [f for f in run.findings if f.id == "pgx:phenoconversion:CYP2C19"]
    assert unassessed.title.startswith("CYP2C19 Normal Metabolizer -> cannot be assessed, because of fluoxetine")


def test_outside_cyp2d6_call_contradicting_the_vcf_is_a_plan_conflict(
    core: KnowledgeBundle, tmp_path: Path, pgx: Any
) -> None:
    """demo-02's VCF shows CYP2D6 *1/*17; an outside *4/*4 still decides, and the plan says the two disagree."""
    outside = tmp_path / "cyp2d6.tsv"
    outside.write_text("CYP2D6\t*4/*4\n")
    patient, run = pgx("demo-02-mensah", core, outside)
    assert run.result.phenotypes["CYP2D6"].diplotypes == ["*4/*4"]
    plan = plan_for(patient, run)
    conflict = {c.id: c for c in plan.conflicts}["conflict:call_source:pgx:gene:CYP2D6"]
    assert conflict.kind == "call_source" and conflict.genes == ["CYP2D6"]
    assert "which show *1/*17" in conflict.description
    consistent = tmp_path / "agrees.tsv"
    consistent.write_text("CYP2D6\t*1/*17\n")
    patient, run = pgx("demo-02-mensah", core, consistent)
    assert not [c for c in plan_for(patient, run).conflicts if c.kind == "call_source"]


def test_a_drug_only_its_label_guides_gets_one_action_from_the_label(
    core: KnowledgeBundle, tmp_path: Path, pgx_of: Any
) -> None:
    """Demo patient 1 (CYP2C19 poor metabolizer) also taking clobazam, which no CPIC or DPWG guideline covers: the
    Onfi label's starting dose for poor metabolizers is the action, citing the label; the FDA table's words for
    clobazam are shown but ask for nothing."""
    record = demo_record("demo-01-hale")
    raw = yaml.safe_load(record.read_text(encoding="utf-8"))
    raw["medications"].append({"name": "clobazam", "dose": {"amount": 10, "unit": "mg", "frequency": "once daily"}})
    raw["genome"]["vcf"] = str(record.parent / raw["genome"]["vcf"])
    changed = tmp_path / "demo-01-hale.yaml"
    changed.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    patient = load_record(changed, RANGES)
    vcf = resolve_genome_path(patient, changed)
    assert vcf is not None
    plan = plan_for(patient, pgx_of(patient, vcf, core, on=date(2026, 1, 15)))
    (clobazam,) = [a for a in plan.actions if "clobazam" in a.id]
    assert clobazam.id == "action:medication_change:pgx:clobazam:fda label"
    assert clobazam.finding_ids == ["pgx:clobazam:fda label"]
    assert clobazam.title.startswith('clobazam (FDA label): "In CYP2C19 poor metabolizers ... the starting dose should')
    assert clobazam.rationale.endswith("[FDA label ClinPGx label annotations 2025-11-05 (PharmCAT 3.1.1)]")
    table = [f for f in plan.findings if f.id == "pgx:clobazam:fda"]
    assert table and table[0].priority is not Priority.ACTIONABLE  # the FDA table's row
