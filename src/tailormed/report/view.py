"""What the reports show, read from the care plan: findings per domain with their typed payloads.

Templates only lay out what this module gathers. Findings are sorted by the type of their payload
(:data:`tailormed.model.payloads.FindingData`); a finding without a payload is still shown (title, summary,
evidence), so a report never drops a finding. A domain without findings lists what the plan says was not assessed
for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel

from tailormed.model.careplan import Action, ActionKind, CarePlan
from tailormed.model.finding import Domain, Finding, NotAssessed, Priority
from tailormed.model.patient import Patient
from tailormed.model.payloads import (
    ClinicalRiskData,
    DiagnosisCandidateData,
    DiagnosisWorkupData,
    DosePredictionData,
    HereditaryVariantData,
    PolygenicScoreData,
    TherapyMatchData,
)
from tailormed.model.pgx import GenePhenotype, GuidelineResult, Phenoconversion, WarfarinDose
from tailormed.plan.facts import current_drug_names

P = TypeVar("P", bound=BaseModel)

#: Section titles, in report order.
DOMAIN_TITLES: dict[Domain, str] = {
    Domain.PGX: "Pharmacogenomics",
    Domain.CLINICAL_RISK: "Disease risk",
    Domain.POLYGENIC: "Polygenic scores",
    Domain.HEREDITARY: "Hereditary findings",
    Domain.ONCOLOGY: "Tumour therapies",
    Domain.DIAGNOSIS: "Diagnosis candidates",
    Domain.RESPONSE: "Model predictions",
}
#: Words that tie a plan limitation to a domain, for sections with no findings.
_DOMAIN_WORDS: dict[Domain, tuple[str, ...]] = {
    Domain.PGX: ("pharmacogen", "pgx", "diplotype", "star allele", "outside call"),
    Domain.CLINICAL_RISK: ("risk", "equation", "pce", "prevent", "findrisc", "gail"),
    Domain.POLYGENIC: ("polygenic", "pgs", "prs"),
    Domain.HEREDITARY: ("hereditary", "clinvar", "secondary finding", "acmg"),
    Domain.ONCOLOGY: ("tumour", "tumor", "somatic", "oncolog"),
    Domain.DIAGNOSIS: ("candidate diagnos", "differential", "phenotype term", "hpo"),
    Domain.RESPONSE: ("response", "learned model", "prediction"),
}
_ACTIONABLE = (Priority.ACTIONABLE, Priority.URGENT)


@dataclass(frozen=True)
class Typed(Generic[P]):
    """A finding with its payload parsed into the engine's model."""

    finding: Finding
    data: P


@dataclass(frozen=True)
class DrugGuidance:
    """One drug's guideline answer, with the gene results it used and whether the patient takes the drug."""

    finding: Finding
    result: GuidelineResult
    on_list: bool

    @property
    def strength(self) -> str:
        return ", ".join(dict.fromkeys(r.classification for r in self.result.rows if r.classification)) or "-"


@dataclass(frozen=True)
class PgxView:
    genes: list[Typed[GenePhenotype]] = field(default_factory=list)
    guidance: list[DrugGuidance] = field(default_factory=list)
    phenoconversions: list[Typed[Phenoconversion]] = field(default_factory=list)
    doses: list[Typed[WarfarinDose]] = field(default_factory=list)

    @property
    def guidance_on_list(self) -> list[DrugGuidance]:
        return [g for g in self.guidance if g.on_list]

    @property
    def pre_emptive(self) -> list[DrugGuidance]:
        return [g for g in self.guidance if not g.on_list]

    @property
    def notable_genes(self) -> list[Typed[GenePhenotype]]:
        """Called genes whose result is not the typical one: the ones worth carrying to a future prescription."""
        return [g for g in self.genes if g.finding.priority is not Priority.INFORMATIONAL]


#: AMP/ASCO/CAP tier I ("I-A", "I-B", "Tier I"): approved or guideline-level for the patient's tumour type.
_TIER_ONE = re.compile(r"^(?:Tier\s+)?I(?:$|[-\s])")


@dataclass(frozen=True)
class TumourGene:
    gene: str
    may_work: list[str]
    less_effective: list[str]


@dataclass(frozen=True)
class DomainSection:
    domain: Domain
    title: str
    findings: list[Finding]
    text_only: list[Finding]  # findings without a typed payload, shown as title, summary and evidence
    not_assessed: list[NotAssessed]


@dataclass(frozen=True)
class ReportView:
    """Everything both reports draw on, gathered once per plan."""

    patient: Patient
    plan: CarePlan
    pgx: PgxView
    risks: list[Typed[ClinicalRiskData]]
    scores: list[Typed[PolygenicScoreData]]
    hereditary: list[Typed[HereditaryVariantData]]
    therapies: list[Typed[TherapyMatchData]]
    diagnoses: list[Typed[DiagnosisCandidateData]]
    workups: list[Typed[DiagnosisWorkupData]]
    predictions: list[Typed[DosePredictionData]]
    sections: dict[Domain, DomainSection]

    @property
    def actionable(self) -> list[Finding]:
        return [f for f in self.plan.findings if f.priority in _ACTIONABLE]

    @property
    def medication_actions(self) -> list[Action]:
        kinds = (ActionKind.MEDICATION_CHANGE, ActionKind.MONITORING)
        return [a for a in self.plan.actions if a.kind in kinds]

    @property
    def medication_drugs(self) -> list[str]:
        """Each drug a medication action is about, once."""
        return list(dict.fromkeys(d for a in self.medication_actions for d in self.action_drugs(a)))

    @property
    def medicines(self) -> list[tuple[str, ActionKind]]:
        """Each drug a medication action is about, once, with the strongest kind of action asked for it."""
        kinds: dict[str, ActionKind] = {}
        for action in self.medication_actions:
            for drug in self.action_drugs(action):
                if kinds.get(drug) is not ActionKind.MEDICATION_CHANGE:
                    kinds[drug] = action.kind
        return list(kinds.items())

    @property
    def interacting_drugs(self) -> list[str]:
        """Drugs on the list that change a gene's result for other drugs (applied phenoconversions), once each."""
        return list(dict.fromkeys(d for p in self.pgx.phenoconversions if p.data.applied for d in p.data.perpetrators))

    @property
    def patient_risks(self) -> list[tuple[str, Typed[ClinicalRiskData]]]:
        """One risk per topic a patient would recognise, the most urgent (then first) of the models that give it."""
        order = list(Priority)
        chosen: dict[str, Typed[ClinicalRiskData]] = {}
        for risk in self.risks:
            if risk.data.integrated_risk is None or not risk.data.applicable:
                continue
            topic = risk_topic(risk.data)
            held = chosen.get(topic)
            if held is None or order.index(risk.finding.priority) > order.index(held.finding.priority):
                chosen[topic] = risk
        return list(chosen.items())

    @property
    def tumour_genes(self) -> list[TumourGene]:
        """Per altered tumour gene, the therapies its evidence favours and those it argues against.

        Patients see tier I only (approved or guideline-level for their tumour type), and never evidence whose source
        could not be re-read (level marked "unverified"); tier II stays in the clinician report.
        """
        genes: dict[str, TumourGene] = {}
        for match in self.therapies:
            if not _TIER_ONE.match(match.data.amp_tier) or "unverified" in match.data.evidence_level:
                continue
            entry = genes.setdefault(match.data.gene, TumourGene(match.data.gene, [], []))
            against = "resist" in match.data.significance.casefold() or "not" in match.data.direction.casefold()
            target = entry.less_effective if against else entry.may_work
            if match.data.therapy not in target:
                target.append(match.data.therapy)
        return list(genes.values())

    @property
    def research_only(self) -> list[Finding]:
        return [f for f in self.plan.findings if f.research_only]

    def finding(self, finding_id: str) -> Finding | None:
        return next((f for f in self.plan.findings if f.id == finding_id), None)

    def action_drugs(self, action: Action) -> list[str]:
        """The drugs an action is about: its findings' drugs that are on the medication list."""
        taken = current_drug_names(self.patient)
        drugs = [d for fid in action.finding_ids if (f := self.finding(fid)) for d in f.drugs]
        return list(dict.fromkeys(d for d in drugs if d.casefold() in taken)) or drugs


def build_view(plan: CarePlan, patient: Patient) -> ReportView:
    """Gather the plan's findings per domain and per payload type."""
    by_domain: dict[Domain, list[Finding]] = {domain: [] for domain in DOMAIN_TITLES}
    for finding in plan.findings:
        by_domain.setdefault(finding.domain, []).append(finding)
    taken = current_drug_names(patient)

    def typed(model: type[P]) -> list[Typed[P]]:
        return [Typed(f, f.data) for f in plan.findings if isinstance(f.data, model)]

    guidance = [
        DrugGuidance(t.finding, t.data, any(d.casefold() in taken for d in t.finding.drugs))
        for t in typed(GuidelineResult)
    ]
    pgx = PgxView(
        genes=typed(GenePhenotype),
        guidance=guidance,
        phenoconversions=typed(Phenoconversion),
        doses=typed(WarfarinDose),
    )
    risks = typed(ClinicalRiskData)
    scores = typed(PolygenicScoreData)
    hereditary = typed(HereditaryVariantData)
    therapies = typed(TherapyMatchData)
    diagnoses = sorted(typed(DiagnosisCandidateData), key=lambda t: t.data.rank)
    workups = typed(DiagnosisWorkupData)
    predictions = typed(DosePredictionData)
    sections = {
        domain: DomainSection(
            domain=domain,
            title=DOMAIN_TITLES.get(domain, domain.value.replace("_", " ").capitalize()),
            findings=findings,
            text_only=[f for f in findings if f.data is None],
            not_assessed=domain_limitations(plan.limitations, domain),
        )
        for domain, findings in by_domain.items()
    }
    return ReportView(
        patient=patient,
        plan=plan,
        pgx=pgx,
        risks=risks,
        scores=scores,
        hereditary=hereditary,
        therapies=therapies,
        diagnoses=diagnoses,
        workups=workups,
        predictions=predictions,
        sections=sections,
    )


#: Outcome words -> the topic a patient report names in plain words (checked in this order).
_RISK_TOPICS = (
    ("heart failure", "heart_failure"),
    ("diabetes", "diabetes"),
    ("breast", "breast_cancer"),
    ("ascvd", "heart_attack_stroke"),
    ("cardiovascular", "heart_attack_stroke"),
    ("coronary", "heart_attack_stroke"),
)


def risk_topic(data: ClinicalRiskData) -> str:
    """``heart_attack_stroke``, ``heart_failure``, ``diabetes``, ``breast_cancer`` or ``other``."""
    outcome = data.outcome.casefold()
    return next((topic for words, topic in _RISK_TOPICS if words in outcome), "other")


def domain_limitations(limitations: Sequence[NotAssessed], domain: Domain) -> list[NotAssessed]:
    """The plan's limitations that name this domain (e.g. an engine that did not run and why)."""
    words = _DOMAIN_WORDS.get(domain, (domain.value,))
    return [n for n in limitations if any(w in f"{n.item} {n.reason}".casefold() for w in words)]
