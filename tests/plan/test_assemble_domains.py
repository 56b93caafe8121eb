"""Plan assembly with and without each engine: each domain's findings add their problems, actions and limits,
and never change what the others contribute."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tailormed.model.careplan import ActionKind, CarePlan
from tailormed.model.finding import Domain, Finding, NotAssessed, Priority
from tailormed.model.patient import Patient, SomaticVariant, Tumour
from tailormed.model.payloads import (
    ClinicalRiskData,
    DiagnosisCandidateData,
    HereditaryVariantData,
    PolygenicScoreData,
    RiskScenario,
    TherapyMatchData,
)
from tailormed.plan import assemble_plan

from .conftest import finding

WHEN = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def plan(patient: Patient, findings: list[Finding], limitations: list[NotAssessed] | None = None) -> CarePlan:
    return assemble_plan(patient, findings, inputs={}, knowledge={}, generated_at=WHEN, limitations=limitations or [])


def hereditary() -> Finding:
    data = HereditaryVariantData(
        gene="BRCA1",
        chrom="chr17",
        pos=43124027,
        ref="ACT",
        alt="A",
        genotype="0/1",
        zygosity="heterozygous",
        clinvar_id="17662",
        hgvs="NM_007294.4:c.68_69del",
        clinvar_significance="Pathogenic",
        review_stars=3,
        reportable=True,
        reason="ACMG SF v3.2 gene, P/LP",
        condition="Hereditary breast and ovarian cancer",
        inheritance="autosomal dominant",
        management="Breast MRI yearly from age 25; discuss risk-reducing surgery",
    )
    return finding("hereditary:BRCA1:17662", Domain.HEREDITARY, data, genes=["BRCA1"])


def risk() -> Finding:
    data = ClinicalRiskData(
        model="pce",
        outcome="10-year ASCVD",
        horizon_years=10,
        equation_risk=0.14,
        integrated_risk=0.16,
        category="intermediate",
        scenarios=[
            RiskScenario(
                id="quit_smoking", title="Stop smoking", changes={"smoker": "no"}, risk_before=0.16, risk_after=0.10
            )
        ],
    )
    return finding("risk:pce", Domain.CLINICAL_RISK, data)


def polygenic(validated: bool) -> Finding:
    data = PolygenicScoreData(
        pgs_id="PGS000018",
        trait="coronary artery disease",
        score_sum=1.2,
        variants_matched=1_700_000,
        variants_total=1_745_179,
        overlap=0.97,
        z=1.9,
        percentile=97.1,
        reference="1000G EUR",
        ancestry_validated=validated,
    )
    return finding("polygenic:PGS000018", Domain.POLYGENIC, data)


def therapy(tier: str, therapy_name: str) -> Finding:
    data = TherapyMatchData(
        gene="BRAF",
        alteration="V600E",
        matched_level="protein",
        tumor_type="COAD",
        therapy=therapy_name,
        direction="supports",
        significance="sensitivity",
        evidence_level="A",
        amp_tier=tier,
        source="CIViC",
    )
    return finding(f"oncology:BRAF:V600E:{slug(therapy_name)}", Domain.ONCOLOGY, data)


def slug(text: str) -> str:
    return text.casefold().replace(" + ", "-").replace(" ", "-")


def diagnosis(rank: int, name: str) -> Finding:
    data = DiagnosisCandidateData(
        rank=rank,
        disease_id=f"OMIM:{100000 + rank}",
        disease_name=name,
        genes=["COL3A1"],
        post_test_probability=0.4 / rank,
        explanation="phenotype match",
    )
    return finding(f"diagnosis:{rank}", Domain.DIAGNOSIS, data, priority=Priority.ROUTINE)


def test_each_engine_adds_its_own_part(demo_pgx: dict[str, tuple[Patient, list[Finding]]]) -> None:
    patient, pgx = demo_pgx["demo-01-hale"]
    alone = plan(patient, pgx)
    others = [
        hereditary(),
        risk(),
        polygenic(False),
        therapy("Tier I", "encorafenib + cetuximab"),
        therapy("Tier III", "vemurafenib"),
        diagnosis(1, "Ehlers-Danlos syndrome"),
        diagnosis(7, "Rare thing"),
    ]
    tumour = Tumour(
        oncotree_code="COAD",
        name="Colon adenocarcinoma",
        somatic_variants=[SomaticVariant(gene="BRAF", protein_change="V600E")],
    )
    joined = plan(patient.model_copy(update={"tumour": tumour}), [*pgx, *others])
    # PGx parts unchanged
    assert [a for a in joined.actions if a.id.startswith("action:medication_change:pgx")] == list(alone.actions)
    assert joined.conflicts == alone.conflicts
    problems = {p.id: p for p in joined.problems}
    assert problems["hereditary:hereditary-brca1-17662"].kind == "hereditary"
    assert "NM_007294.4:c.68_69del" in problems["hereditary:hereditary-brca1-17662"].title
    assert problems["risk:risk-pce"].title == "Raised 10-year ASCVD risk: 16 in 100 over 10 years, intermediate"
    assert problems["risk:polygenic-pgs000018"].kind == "risk"
    assert problems["tumour:coad"].title == "Colon adenocarcinoma (BRAF V600E)"
    assert "diagnosis:omim-100001" in problems and "diagnosis:omim-100007" not in problems
    actions = {a.id: a for a in joined.actions}
    assert actions["action:referral:genetic-counselling:hereditary:BRCA1:17662"].kind is ActionKind.REFERRAL
    assert actions["action:screening:hereditary:BRCA1:17662"].title.startswith("BRCA1: Breast MRI yearly")
    prevention = actions["action:prevention:risk:pce"]
    assert prevention.kind is ActionKind.PREVENTION and "'Stop smoking'" in prevention.rationale
    assert "decision:lower-ascvd-risk" in prevention.rationale
    board = actions["action:referral:molecular-tumour-board"]
    assert board.finding_ids == ["oncology:BRAF:V600E:encorafenib-cetuximab"]  # tier III is not a board referral
    assert actions["action:referral:clinical-genetics"].finding_ids == ["diagnosis:1"]
    limits = {(n.item, n.reason) for n in joined.limitations}
    assert any(item == "PGS000018 (coronary artery disease)" and "ancestry" in reason for item, reason in limits)
    assert "decision:lower-ascvd-risk" in {d.id for d in joined.decisions}
    assert joined.knowledge["sdm-options"] == "2026-11-22"


def test_validated_score_and_absent_engines_add_no_limitation(
    demo_pgx: dict[str, tuple[Patient, list[Finding]]],
) -> None:
    patient, pgx = demo_pgx["demo-04-park"]
    skipped = NotAssessed(item="tumour therapy matching", reason="no tumour VCF given")
    alone = plan(patient, pgx, [skipped])
    with_score = plan(patient, [*pgx, polygenic(True)], [skipped])
    assert alone.limitations[0] == skipped
    assert with_score.limitations == alone.limitations
    assert alone.decisions == [] and "sdm-options" not in alone.knowledge


def test_research_grade_findings_are_limits_not_actions() -> None:
    research = hereditary().model_copy(update={"research_only": True})
    made = plan(Patient(id="p"), [research])
    assert made.actions == [] and made.problems == []
    reasons = {n.item: n.reason for n in made.limitations}
    assert reasons["hereditary:BRCA1:17662"].startswith("research-grade result, not clinically confirmed")


def test_a_malformed_or_misplaced_payload_is_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError, match="kind"):
        Finding.model_validate({**hereditary().model_dump(mode="json"), "data": {"rank": "first"}})
    with pytest.raises(ValidationError, match="diagnosis_candidate"):
        Finding.model_validate(
            {**hereditary().model_dump(mode="json"), "data": {"kind": "diagnosis_candidate", "rank": "first"}}
        )
    with pytest.raises(ValidationError, match="cannot belong to a 'pgx' finding"):
        Finding.model_validate({**hereditary().model_dump(mode="json"), "domain": "pgx"})


def test_ids_are_stable(demo_pgx: dict[str, tuple[Patient, list[Finding]]]) -> None:
    patient, pgx = demo_pgx["demo-01-hale"]
    findings = [*pgx, hereditary(), risk()]
    first, again = plan(patient, findings), plan(patient, list(reversed(findings)))
    for part in ("problems", "actions", "conflicts", "decisions"):
        assert sorted(x.id for x in getattr(first, part)) == sorted(x.id for x in getattr(again, part))
    assert first.model_dump() == plan(patient, findings).model_dump()
