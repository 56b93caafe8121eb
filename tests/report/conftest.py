"""Care plans to render: the real PGx engine on each demo patient, plus findings for the other domains.

The other domains' findings are written here with realistic payloads (published score ids, guideline-style
numbers) so every report section is exercised whatever engines are installed; they are built through the same
payload models the engines use, so a payload change breaks these fixtures rather than silently emptying a section.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path, resolve_outside_calls
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.careplan import CarePlan, Decision, Option, Outcome
from tailormed.model.engine import EngineRun
from tailormed.model.enums import DiseaseExtent
from tailormed.model.finding import Domain, Evidence, Finding, NotAssessed, Priority
from tailormed.model.patient import Patient
from tailormed.model.payloads import (
    ClinicalRiskData,
    Contribution,
    DiagnosisCandidateData,
    DosePredictionData,
    HereditaryVariantData,
    PolygenicScoreData,
    RiskScenario,
    TherapyMatchData,
)
from tailormed.pipeline.analyze import analyze, plan_from_runs, read_patient_genome
from tailormed.pipeline.pgx import load_calling, read_outside
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

PATIENTS = ["demo-01-hale", "demo-02-mensah", "demo-03-rodriguez", "demo-04-park"]
ON = date(2026, 3, 10)
GENERATED = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)



def demo_runs(patient_id: str, bundle: KnowledgeBundle, engines: list[str] | None = None) -> tuple[
    Patient, dict[str, EngineRun]
]:
    """A demo patient's engine runs as ``analyze`` makes them (all engines, or ``engines`` and what they need)."""
    record = demo_record(patient_id)
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    evidence = read_patient_genome(vcf, patient, bundle, engines=engines) if vcf is not None else None
    outside_path = resolve_outside_calls(patient, record)
    outside = read_outside(outside_path, load_calling(bundle)[0]) if outside_path is not None else None
    result = analyze(patient, evidence, bundle, on=ON, outside_calls=outside, engines=engines)
    return patient, result.runs


def pgx_run(patient_id: str, bundle: KnowledgeBundle) -> tuple[Patient, EngineRun]:
    patient, runs = demo_runs(patient_id, bundle, ["pgx"])
    return patient, runs["pgx"]


def demo04_metastatic() -> Patient:
    """demo-04 (BRAF V600E colon cancer, resected stage III) with its tumour stated metastatic, stage IV."""
    patient = load_record(demo_record("demo-04-park"), RANGES)
    assert patient.tumour is not None
    tumour = patient.tumour.model_copy(update={"extent": DiseaseExtent.METASTATIC, "stage": "IV"})
    return patient.model_copy(update={"tumour": tumour})


def plan_for(patient: Patient, runs: list[EngineRun]) -> CarePlan:
    plan = plan_from_runs(patient, runs, inputs={"record": f"{patient.id}.yaml", "knowledge_bundle": "curated core"})
    return plan.model_copy(update={"generated_at": GENERATED})


@pytest.fixture(scope="session")
def pgx_plans(core: KnowledgeBundle) -> dict[str, tuple[Patient, CarePlan]]:
    """Each demo patient's plan from the PGx engine alone (other domains: not run)."""
    plans = {}
    for patient_id in PATIENTS:
        patient, run = pgx_run(patient_id, core)
        skipped = [
            EngineRun.skip("hereditary findings", "the hereditary engine was not run in this analysis"),
            EngineRun.skip("polygenic scores", "no PGS scoring files in the knowledge bundle"),
        ]
        plans[patient_id] = (patient, plan_for(patient, [run, *skipped]))
    return plans


@pytest.fixture(scope="session")
def demo_plans(core: KnowledgeBundle) -> dict[str, tuple[Patient, CarePlan]]:
    """Each demo patient's plan from every engine ``analyze`` runs, as ``tailormed demo`` makes it."""
    plans = {}
    for patient_id in PATIENTS:
        patient, runs = demo_runs(patient_id, core)
        plans[patient_id] = (patient, plan_for(patient, list(runs.values())))
    return plans


@pytest.fixture(scope="session")
def built_plans(built_bundle: KnowledgeBundle) -> dict[str, tuple[Patient, CarePlan]]:
    """Each demo patient's plan from every engine with the bundle built from the shared data (CIViC, CGI, ClinVar)."""
    plans = {}
    for patient_id in PATIENTS:
        patient, runs = demo_runs(patient_id, built_bundle)
        plans[patient_id] = (patient, plan_for(patient, list(runs.values())))
    return plans


@pytest.fixture(scope="session")
def full_plans(core: KnowledgeBundle) -> dict[str, tuple[Patient, CarePlan]]:
    """Each demo patient's PGx plan plus one finding of every other domain and a decision with a contraindication."""
    plans = {}
    for patient_id in PATIENTS:
        patient, run = pgx_run(patient_id, core)
        plan = plan_for(
            patient, [run, EngineRun(findings=other_domain_findings(), versions={"risk-equations": "2013"})]
        )
        plans[patient_id] = (patient, plan.model_copy(update={"decisions": [antiplatelet_decision()]}))
    return plans


def _evidence(
    source: str,
    version: str,
    level: str | None = None,
    citations: tuple[str, ...] = (),
    not_assessed: tuple[NotAssessed, ...] = (),
) -> list[Evidence]:
    return [Evidence(source=source, version=version, level=level, citations=citations, not_assessed=not_assessed)]


def other_domain_findings() -> list[Finding]:
    risk = ClinicalRiskData(
        model="pce",
        outcome="10-year ASCVD",
        horizon_years=10,
        equation_risk=0.182,
        polygenic_relative_risk=1.31,
        polygenic_score="PGS000018",
        integrated_risk=0.226,
        integrated_low=0.19,
        integrated_high=0.27,
        category="high",
        inputs={"age": "58", "total cholesterol": "246 mg/dL", "systolic BP": "152 mmHg", "smoker": "yes"},
        scenarios=[
            RiskScenario(
                id="quit_smoking", title="Stop smoking", changes={"smoker": "no"}, risk_before=0.226, risk_after=0.131
            ),
            RiskScenario(
                id="sbp_minus_10",
                title="Lower blood pressure by 10 points",
                changes={"systolic BP": "142 mmHg"},
                risk_before=0.226,
                risk_after=0.197,
            ),
        ],
    )
    score = PolygenicScoreData(
        pgs_id="PGS000018",
        trait="coronary artery disease",
        score_sum=0.734,
        variants_matched=1_702_417,
        variants_total=1_745_179,
        overlap=0.975,
        z=1.21,
        percentile=88.7,
        reference="1000 Genomes EUR",
        per_sd_effect=1.71,
        relative_risk=1.31,
        relative_risk_low=1.22,
        relative_risk_high=1.41,
        ancestry_validated=False,
    )
    variant = HereditaryVariantData(
        gene="BRCA2",
        chrom="chr13",
        pos=32340300,
        ref="GT",
        alt="G",
        genotype="0/1",
        zygosity="heterozygous",
        clinvar_id="9322",
        hgvs="NM_000059.4(BRCA2):c.5946del (p.Ser1982fs)",
        clinvar_significance="Pathogenic",
        review_stars=3,
        reportable=True,
        reason="ACMG SF v3.2 gene, P/LP with 3 review stars",
        condition="Hereditary breast and ovarian cancer syndrome",
        inheritance="autosomal dominant",
        management="Breast MRI from age 25-29; discuss risk-reducing salpingo-oophorectomy at 40-45",
    )
    therapies = [
        TherapyMatchData(
            gene="BRAF",
            alteration="V600E",
            matched_level="protein",
            tumor_type="COAD",
            therapy="encorafenib + cetuximab",
            direction="supports",
            significance="sensitivity",
            evidence_level="A",
            amp_tier="I-A",
            source="CIViC",
        ),
        TherapyMatchData(
            gene="BRAF",
            alteration="V600E",
            matched_level="protein",
            tumor_type="COAD",
            therapy="vemurafenib",
            direction="supports",
            significance="resistance",
            evidence_level="B",
            amp_tier="II-C",
            source="CIViC",
        ),
        TherapyMatchData(
            gene="BRAF",
            alteration="V600E",
            matched_level="protein",
            tumor_type="COAD",
            therapy="Nutlin-3 + PLX4720",
            direction="supports",
            significance="sensitivity",
            evidence_level="D",
            amp_tier="II-D",
            source="CIViC",
        ),
    ]
    diagnosis = DiagnosisCandidateData(
        rank=1,
        disease_id="OMIM:191390",
        disease_name="Inflammatory bowel disease 1",
        genes=["NOD2"],
        post_test_probability=0.42,
        explanation="Colitis, hematochezia and diarrhea observed; weight loss excluded",
    )
    dose = DosePredictionData(
        task="warfarin stable weekly dose",
        drug="warfarin",
        predicted=31.4,
        unit="mg/week",
        interval_low=21.8,
        interval_high=44.9,
        level=0.8,
        model_name="warfarin-lightgbm",
        model_version="2026.03",
        contributions=[
            Contribution(feature="VKORC1 -1639", value="GA", effect=-4.1),
            Contribution(feature="CYP2C9", value="*1/*8", effect=-2.3),
            Contribution(feature="age", value="66", effect=-1.2),
        ],
        model_card={"estimand": "stable therapeutic dose", "metrics": "MAE 8.6 mg/week (held-out)"},
    )
    return [
        Finding(
            id="risk:pce",
            domain=Domain.CLINICAL_RISK,
            title="10-year ASCVD risk 22.6% (high)",
            summary="Pooled Cohort Equations with a polygenic adjustment.",
            priority=Priority.ACTIONABLE,
            data=risk,
            evidence=_evidence("risk-equations", "2013", citations=("PMID:24222018",)),
        ),
        Finding(
            id="prs:PGS000018",
            domain=Domain.POLYGENIC,
            title="Coronary artery disease polygenic score: 89th percentile",
            summary="PGS000018 placed against 1000 Genomes EUR.",
            data=score,
            evidence=_evidence(
                "pgs-catalog",
                "PGS000018",
                not_assessed=(NotAssessed(item="PGS000018", reason="not validated in AMR ancestry"),),
            ),
        ),
        Finding(
            id="hereditary:BRCA2",
            domain=Domain.HEREDITARY,
            title="BRCA2 c.5946del: pathogenic",
            summary="Heterozygous pathogenic BRCA2 variant.",
            priority=Priority.ACTIONABLE,
            genes=["BRCA2"],
            data=variant,
            evidence=_evidence("clinvar", "2026-02", level="3 stars"),
        ),
        *(
            Finding(
                id=f"onco:{t.gene}:{t.therapy}",
                domain=Domain.ONCOLOGY,
                title=f"{t.gene} {t.alteration}: {t.therapy} ({t.significance})",
                summary=f"{t.amp_tier}, level {t.evidence_level}",
                genes=[t.gene],
                drugs=[t.therapy],
                data=t,
                evidence=_evidence("civic", "2026-03-01", level=t.evidence_level),
            )
            for t in therapies
        ),
        Finding(
            id="diagnosis:OMIM:191390",
            domain=Domain.DIAGNOSIS,
            title="Inflammatory bowel disease 1 (rank 1)",
            summary="Post-test probability 42%.",
            data=diagnosis,
            evidence=_evidence("hpo", "2026-02-01"),
        ),
        Finding(
            id="response:warfarin",
            domain=Domain.RESPONSE,
            title="warfarin: predicted 31.4 mg/week (80% interval 21.8-44.9)",
            summary="Learned dose model.",
            drugs=["warfarin"],
            data=dose,
            evidence=_evidence("response-models", "2026.03"),
            research_only=True,
        ),
    ]


def antiplatelet_decision() -> Decision:
    def outcomes(events: float, bleeds: float) -> list[Outcome]:
        return [
            Outcome(
                name="heart attack, stroke or stent clot",
                per_100=events,
                low=events - 1,
                high=events + 1.5,
                horizon_years=1,
                benefit=True,
            ),
            Outcome(name="major bleeding", per_100=bleeds, horizon_years=1, benefit=False),
        ]

    return Decision(
        id="decision:antiplatelet",
        question="Which antiplatelet medicine after your stent?",
        options=[
            Option(
                id="clopidogrel",
                title="Clopidogrel",
                description="Usual dose",
                outcomes=outcomes(9.0, 2.0),
                attributes={"efficacy": 0.0, "side_effects": 1.0, "cost": 1.0, "convenience": 1.0},
                contraindicated=True,
                contraindication_reason="CYP2C19 poor metabolizer (CPIC: avoid)",
                score=0.8,
            ),
            Option(
                id="ticagrelor",
                title="Ticagrelor",
                description="Twice a day",
                outcomes=outcomes(6.5, 3.0),
                attributes={"efficacy": 1.0, "side_effects": 0.3, "cost": 0.2, "convenience": 0.5},
                score=0.6,
            ),
            Option(
                id="prasugrel",
                title="Prasugrel",
                description="Once a day",
                outcomes=outcomes(6.8, 3.2),
                attributes={"efficacy": 0.9, "side_effects": 0.2, "cost": 0.5, "convenience": 1.0},
                score=0.58,
            ),
        ],
        weights={"efficacy": 0.375, "side_effects": 0.25, "cost": 0.25, "convenience": 0.125},
        ranking=["ticagrelor", "prasugrel", "clopidogrel"],
        sensitivity_note="Prasugrel ranks first if convenience weighs 0.05 more.",
        safety_note="Clopidogrel ranks last despite its score: CYP2C19 poor metabolizer.",
    )
