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

from tailormed.engines.pgx.untested import positions_text
from tailormed.knowledge.medicines import medication_names
from tailormed.model.alteration import WILD_TYPE_FAMILIES
from tailormed.model.careplan import Action, ActionKind, CarePlan
from tailormed.model.enums import extents_words
from tailormed.model.finding import Domain, Finding, NotAssessed, Priority
from tailormed.model.patient import ConditionStatus, Patient
from tailormed.model.payloads import (
    ClinicalRiskData,
    DiagnosisCandidateData,
    DiagnosisWorkupData,
    DosePredictionData,
    HereditaryVariantData,
    PolygenicScoreData,
    TherapyMatchData,
)
from tailormed.model.pgx import (
    GenePhenotype,
    GuidelineResult,
    Phenoconversion,
    PhenotypeStatus,
    RecommendationStatus,
    WarfarinDose,
)
from tailormed.plan.facts import current_drug_names
from tailormed.report.advice import MedicineAdvice, advice
from tailormed.report.therapies import TherapyLine, patient_therapy, therapy_lines, tier

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
#: A called gene the phenotype step could not give a phenotype: its results disagree, the table has no value for
#: one of its alleles (a tandem or hybrid such as ``*13+*1``), or there is no table.
NO_PHENOTYPE = (PhenotypeStatus.AMBIGUOUS, PhenotypeStatus.UNRESOLVED, PhenotypeStatus.NO_TABLE)
#: The hereditary screen's limitation when the VCF held none of the ClinVar positions it looks at ("11056 of 11056").
_NONE_READ = re.compile(r"^(\d+) of \1 ClinVar P/LP or conflicting positions\b")
#: How the phenotype step words why it gave no phenotype (its notes).
_WHY_NO_PHENOTYPE = ("no phenotype in the", "no activity value in the", "possible diplotypes disagree")


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
    def unsettled_genes(self) -> list[str]:
        """Genes whose result could still change with a test the VCF cannot stand in for (copy number)."""
        return [g.data.gene for g in self.genes if g.data.possible and g.data.resolving_test]

    def unsettled_in(self, answers: Sequence[GuidelineResult]) -> list[str]:
        """The unsettled genes these guideline answers use (an answer provisional for another reason, alleles its
        VCF could not test, uses none)."""
        return [gene for gene in self.unsettled_genes if any(gene in a.genes for a in answers)]

    def untested_in(self, answers: Sequence[GuidelineResult]) -> list[str]:
        """The genes whose untested alleles (every position defining them not called) leave one of these provisional
        answers open: the answer's resolving test genotypes the gene's untested positions."""
        return [
            g.data.gene
            for g in self.genes
            if g.data.untested
            and any(
                a.provisional and g.data.gene in a.genes and _genotypes(a, g.data.untested_positions) for a in answers
            )
        ]

    def unphenotyped_in(self, answers: Sequence[GuidelineResult]) -> list[GenePhenotype]:
        """The called genes without a phenotype that left one of these answers not assessed."""
        return [
            g.data
            for g in self.genes
            if g.data.status in NO_PHENOTYPE
            and any(a.status is RecommendationStatus.NOT_ASSESSED and g.data.gene in a.genes for a in answers)
        ]

    @property
    def notable_genes(self) -> list[Typed[GenePhenotype]]:
        """Called genes whose result is not the typical one: the ones worth carrying to a future prescription (a
        result resting on unverified phenotype rules, or on none, is left to the clinician)."""
        return [
            g
            for g in self.genes
            if g.finding.priority is not Priority.INFORMATIONAL
            and not g.finding.unverified
            and g.data.status is not PhenotypeStatus.NO_TABLE
        ]


@dataclass(frozen=True)
class TumourGene:
    """What the patient report says of one altered tumour gene, or of the patient's own HLA type (``kind`` "hla",
    ``gene`` the typing), a lost chromosome arm (``kind`` "chromosome", ``gene`` the chromosome number), genes
    tested and found without a change (``kind`` "wild_type", ``gene`` the genes, space-separated) or a breast tumour
    negative for ER, PR and HER2 (``kind`` "triple_negative") or circulating tumour DNA found in the blood
    (``kind`` "ctdna_positive") or a protein measured in the tumour (``kind`` "protein", ``gene`` the marker:
    PD-L1, HER2), which is no change in a gene."""

    gene: str
    may_work: list[str]
    less_effective: list[str]
    kind: str = "gene"
    unsure: list[str] = field(default_factory=list)  # approved, but evidence to act on now says it may not work


def _tumour_subject(gene: str, alteration: str, matched_level: str) -> tuple[str, str]:
    """How the patient report names what a therapy matched: the HLA typing itself (it is the patient's, not the
    tumour's), the chromosome whose arm was lost (``del(5q)`` -> 5), the genes found without a change (RAS wild-type
    -> ``KRAS NRAS``), the receptors a triple-negative tumour lacks, ctDNA found in the blood, or the gene."""
    if matched_level == "hla":
        return "hla", alteration
    if matched_level == "cytogenetic":
        return "chromosome", gene.removeprefix("del(").rstrip(")").rstrip("pq")
    if matched_level == "wild_type":
        return "wild_type", " ".join(WILD_TYPE_FAMILIES.get(gene, (gene,)))
    if matched_level == "triple_negative":
        return "triple_negative", "ER PR HER2"
    if matched_level == "ctdna_positive":
        return "ctdna_positive", "ctDNA"
    if matched_level == "expression":
        return "protein", _marker(alteration, gene)
    return "gene", gene


def _marker(alteration: str, gene: str) -> str:
    """The protein a measured result's label names after its gene (``CD274 (PD-L1) CPS 10`` -> PD-L1), or the gene
    where the two are one name (``CD33 positive``)."""
    named = _MARKER.match(alteration)
    return named.group(1) if named else gene


_MARKER = re.compile(r"^\S+ \(([^)]+)\) ")


@dataclass(frozen=True)
class SummaryLine:
    """One thing to act on now, as the clinician summary lists it."""

    priority: Priority
    text: str
    sources: str = ""


@dataclass(frozen=True)
class PatientGaps:
    """What could not be checked, sorted into what a patient can understand."""

    genes: list[str]
    record: bool
    other: int
    medicines: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.genes or self.record or self.other or self.medicines)


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
    def patient_medication_actions(self) -> list[Action]:
        """Medication actions the patient report may speak of: those resting on at least one finding whose curated
        facts are all source-backed (an action resting only on unverified facts is for the clinician)."""
        return [a for a in self.medication_actions if self._rests_on_verified(a.finding_ids)]

    def _rests_on_verified(self, finding_ids: Sequence[str]) -> bool:
        findings = [f for fid in finding_ids if (f := self.finding(fid)) is not None]
        return not findings or any(not f.unverified for f in findings)

    @property
    def medication_drugs(self) -> list[str]:
        """Each drug a medication action the patient report may speak of is about, once."""
        return list(dict.fromkeys(d for a in self.patient_medication_actions for d in self.action_drugs(a)))

    @property
    def medicines(self) -> list[tuple[str, ActionKind]]:
        """Each drug a medication action is about, once, with the strongest kind of action asked for it (patient
        report: actions resting only on unverified facts are left out)."""
        kinds: dict[str, ActionKind] = {}
        for action in self.patient_medication_actions:
            for drug in self.action_drugs(action):
                if kinds.get(drug) is not ActionKind.MEDICATION_CHANGE:
                    kinds[drug] = action.kind
        return list(kinds.items())

    @property
    def interacting_drugs(self) -> list[str]:
        """Drugs on the list that change a gene's result for other drugs (applied phenoconversions whose rules are
        source-backed), once each."""
        return list(
            dict.fromkeys(
                d
                for p in self.pgx.phenoconversions
                if p.data.applied and not p.finding.unverified
                for d in p.data.perpetrators
            )
        )

    @property
    def patient_risks(self) -> list[tuple[str, Typed[ClinicalRiskData]]]:
        """One risk per topic a patient would recognise, the most urgent (then first) of the models that give it.
        Where the polygenic score's per-SD effect is unverified, the patient hears the equation's own risk (the
        adjusted one is left to the clinician)."""
        order = list(Priority)
        chosen: dict[str, Typed[ClinicalRiskData]] = {}
        unverified_scores = {s.data.pgs_id for s in self.scores if s.finding.unverified}
        for found in self.risks:
            if found.data.integrated_risk is None or not found.data.applicable:
                continue
            risk = _without_score(found) if found.data.polygenic_score in unverified_scores else found
            topic = risk_topic(risk.data)
            held = chosen.get(topic)
            if held is None or order.index(risk.finding.priority) > order.index(held.finding.priority):
                chosen[topic] = risk
        return list(chosen.items())

    @property
    def therapy_lines(self) -> list[TherapyLine]:
        """One line per biomarker and therapy, best tier first."""
        return therapy_lines([(t.finding, t.data) for t in self.therapies])

    @property
    def therapies_now(self) -> list[TherapyLine]:
        """Tier I-A, I-B and II-C lines: the tumour evidence to act on now."""
        return [line for line in self.therapy_lines if line.act_now]

    @property
    def therapies_appendix(self) -> list[TherapyLine]:
        """Preclinical and lower-tier lines, for the appendix only."""
        return [line for line in self.therapy_lines if not line.act_now]

    @property
    def tumour_genes(self) -> list[TumourGene]:
        """Per altered tumour gene, the approved or guideline therapies (tier I-A) that may or may not work; one whose
        evidence to act on now points both ways (:attr:`TherapyLine.contested`) is never said to work: the patient
        hears that the results disagree."""
        genes: dict[str, TumourGene] = {}
        for line in self.therapy_lines:
            if not line.approved:
                continue
            kind, name = _tumour_subject(line.best.gene, line.best.alteration, line.best.matched_level)
            entry = genes.setdefault(f"{kind}:{name}", TumourGene(name, [], [], kind))
            if line.against:
                entry.less_effective.append(patient_therapy(line.best))
            else:
                (entry.unsure if line.contested else entry.may_work).append(patient_therapy(line.best))
        return list(genes.values())

    @property
    def has_tumour(self) -> bool:
        return self.patient.tumour is not None or bool(self.therapies)

    @property
    def act_now(self) -> list[SummaryLine]:
        """What to act on now, one line each: medication changes per drug, phenoconversions, reportable hereditary
        variants, raised risks, tumour therapies at tiers I-A to II-C per biomarker and therapy, then any other
        actionable finding."""
        lines: list[SummaryLine] = []
        covered: set[str] = set()
        for action in self.medication_actions:
            findings = [f for fid in action.finding_ids if (f := self.finding(fid)) is not None]
            sources = "; ".join(dict.fromkeys(_source(e.source, e.level) for f in findings for e in f.evidence))
            lines.append(SummaryLine(action.priority, action.title, sources))
            covered.update(action.finding_ids)
        lines += self._unphenotyped_lines()
        lines += self._tumour_lines()
        covered.update(t.finding.id for t in self.therapies)  # lower tiers are in the appendix
        for finding in self.actionable:
            if finding.id not in covered:
                sources = "; ".join(dict.fromkeys(_source(e.source, e.level) for e in finding.evidence))
                lines.append(SummaryLine(finding.priority, finding.title, sources))
        return lines

    def _unphenotyped_lines(self) -> list[SummaryLine]:
        """Drugs on the list whose guidance was not given because a gene it needs has no phenotype: one line each,
        so the summary is not silent about a drug the patient takes."""
        lines = []
        for drug in self.unphenotyped_only:
            answers = self._answers_for(drug)
            genes = "; ".join(
                f"{g.gene} {' or '.join(g.diplotypes)} has no phenotype ({no_phenotype_reason(g)})"
                for g in self.pgx.unphenotyped_in(answers)
            )
            missing = [a for a in answers if a.status is RecommendationStatus.NOT_ASSESSED]
            sources = ", ".join(dict.fromkeys(a.source for a in missing))
            lines.append(SummaryLine(Priority.ROUTINE, f"{drug}: guidance not given: {genes}", sources))
        return lines

    def _tumour_lines(self) -> list[SummaryLine]:
        """Tier I-A therapies (approved or guideline for this tumour type) one line each; the other tier I-B to II-C
        therapies of each biomarker on one line, so every biomarker-therapy appears once."""
        lines = []
        for line in self.therapies_now:
            if line.on_label:
                claim = "no benefit expected" if line.against else "may benefit"
                conflict = f"; {line.conflict_words}" if line.conflicting else ""
                condition = f"; {line.best.condition}" if line.best.condition else ""
                text = (
                    f"{line.biomarker} – {line.best.therapy}: {claim} "
                    f"(AMP tier {', '.join(line.tiers)}{conflict}{condition})"
                )
                lines.append(SummaryLine(Priority.ACTIONABLE, text, ", ".join(line.sources)))
        rest: dict[str, list[TherapyLine]] = {}
        for line in self.therapies_now:
            if not line.on_label:
                rest.setdefault(line.biomarker, []).append(line)
        for biomarker, group in rest.items():
            now = [t for t in group if not t.best.off_extent and not t.best.other_type_extent]
            parts = []
            for against, claim in ((False, "may benefit"), (True, "no benefit expected")):
                names = [
                    f"{t.best.therapy} ({t.best.amp_tier}{', conflicting evidence' if t.conflicting else ''})"
                    for t in now
                    if t.against is against
                ]
                if names:
                    parts.append(f"{claim}: {'; '.join(names)}")
            parts += self._other_extent_parts([t for t in group if t.best.off_extent or t.best.other_type_extent])
            tiers = "/".join(sorted({t.best.amp_tier for t in now}))  # the lines listed apart show no tier
            at = f" at AMP tier {tiers}" if tiers else ""
            text = f"{biomarker}, other therapies{at} (see Tumour therapies) – {' | '.join(parts)}"
            sources = ", ".join(dict.fromkeys(s for t in group for s in t.sources))
            priority = Priority.ACTIONABLE if any(tier(t.best.amp_tier)[0] == "I" for t in now) else Priority.ROUTINE
            lines.append(SummaryLine(priority, text, sources))
        return lines

    def _other_extent_parts(self, lines: list[TherapyLine]) -> list[str]:
        """Therapies whose label or trial is for an extent of disease the tumour's is not: named apart, with that
        extent and, once, the tumour's, so none reads as a benefit for this tumour now (they matter at a change of
        extent, such as a metastatic recurrence). Those from another tumour type's label say so as well: such a
        therapy is off-label twice over."""
        tumour = self.patient.tumour
        stated = [f"stage {tumour.stage}"] if tumour is not None and tumour.stage else []
        if tumour is not None and tumour.extent is not None:
            stated.append(tumour.extent.value.replace("_", " "))
        this = f" (this tumour: {', '.join(stated)})" if stated else ""
        groups: dict[str, list[str]] = {}
        for line in sorted(lines, key=lambda t: not t.best.off_extent):
            if line.best.off_extent:
                head = f"for {extents_words(line.best.off_extent)} disease only"
            else:
                head = f"other tumour types, for {extents_words(line.best.other_type_extent)} disease only"
            groups.setdefault(head, []).append(line.best.therapy)
        return [f"{head}{this if i == 0 else ''}: {'; '.join(names)}" for i, (head, names) in enumerate(groups.items())]

    @property
    def other_actions(self) -> list[Action]:
        """Proposed actions other than medication changes (those are lines of the summary already)."""
        return [a for a in self.plan.actions if a not in self.medication_actions]

    def advice_for(self, drug: str) -> MedicineAdvice | None:
        """What the guidelines on the list ask for ``drug``, in terms the patient report can say (answers resting on
        unverified facts left out)."""
        wanted = drug.casefold()
        answers = [
            g.result
            for g in self.pgx.guidance_on_list
            if wanted in (d.casefold() for d in g.finding.drugs) and not g.finding.unverified
        ]
        return advice(drug, answers)

    def provisional_genes(self, drug: str) -> list[str]:
        """The genes whose unmeasured copy number leaves the on-list advice for ``drug`` provisional."""
        return self.pgx.unsettled_in([a for a in self._answers_for(drug) if a.provisional])

    def untested_genes(self, drug: str) -> list[str]:
        """The genes with alleles the test could not check that leave the on-list advice for ``drug`` provisional."""
        return self.pgx.untested_in(self._answers_for(drug))

    def unphenotyped(self, drug: str) -> list[tuple[str, list[str]]]:
        """Why the on-list guidance for ``drug`` could not be given, as (phenotype status, genes) pairs: genes that
        were called but got no phenotype."""
        found: dict[str, list[str]] = {}
        for gene in self.pgx.unphenotyped_in(self._answers_for(drug)):
            found.setdefault(gene.status.value, []).append(gene.gene)
        return list(found.items())

    @property
    def unphenotyped_only(self) -> list[str]:
        """Drugs on the list with no other box in the patient report whose guidance was not given because a gene they
        need has no phenotype: the patient hears it rather than nothing."""
        boxed = {d.casefold() for d, _ in self.medicines} | {d.casefold() for d, _ in self.provisional_only}
        taken = current_drug_names(self.patient)
        drugs = [d for g in self.pgx.guidance_on_list for d in g.finding.drugs if d.casefold() in taken]
        return [d for d in dict.fromkeys(drugs) if d.casefold() not in boxed and self.unphenotyped(d)]

    def _answers_for(self, drug: str) -> list[GuidelineResult]:
        wanted = drug.casefold()
        return [g.result for g in self.pgx.guidance_on_list if wanted in (d.casefold() for d in g.finding.drugs)]

    @property
    def provisional_only(self) -> list[tuple[str, list[str]]]:
        """Drugs on the list whose advice is provisional but asks nothing of the called result (so no medication
        action names them), each with the genes that could still change it (unmeasured copy number, alleles not
        tested): a patient hears it is not settled."""
        acted = {drug.casefold() for drug, _ in self.medicines}
        found: dict[str, list[str]] = {}
        for guidance in self.pgx.guidance_on_list:
            if not guidance.result.provisional:
                continue
            answer = [guidance.result]
            unsettled = [*self.pgx.unsettled_in(answer), *self.pgx.untested_in(answer)]
            for drug in guidance.finding.drugs:
                if drug.casefold() not in acted and drug.casefold() in current_drug_names(self.patient):
                    genes = found.setdefault(drug, [])
                    genes += [g for g in unsettled if g not in genes]
        return list(found.items())

    @property
    def warfarin_doses(self) -> list[tuple[float, float]]:
        """The starting dose ranges to act on (CPIC-adjusted when an adjustment applies), for the patient report:
        a dose resting on an unverified adjustment is left to the clinician."""
        return [
            d.data.headline_weekly_mg
            for d in self.pgx.doses
            if d.data.headline_weekly_mg is not None and not d.finding.unverified
        ]

    @property
    def patient_gaps(self) -> PatientGaps:
        """The plan's limitations as a patient can read them: genes not fully read, facts missing from the
        record, the patient's medicines that could not be checked (a name the vocabulary does not know, guidance not
        in the bundle), and how many other things could not be checked."""
        genes: list[str] = []
        medicines: list[str] = []
        taken = {m.name.casefold(): m.name for m in self.patient.medications}
        record = False
        other = 0
        for item in self.plan.limitations:
            reason = item.reason.casefold()
            if item.item.casefold() in taken:
                if taken[item.item.casefold()] not in medicines:
                    medicines.append(taken[item.item.casefold()])
            elif reason.startswith(("position not called", "gene not called")):
                gene = item.item.split()[0]
                if gene not in genes:
                    genes.append(gene)
            elif reason.startswith("missing input") or "not in the record" in reason:
                record = True
            else:
                other += 1
        return PatientGaps(genes, record, other, medicines)

    @property
    def hereditary_screen(self) -> str:
        """Whether the hereditary screen looked at the genome, as a patient hears it: ``declined`` (the patient opted
        out of secondary findings), ``not_checked`` (the engine did not run, or none of the ClinVar positions it
        looks at was in the VCF) or ``done``."""
        if self.hereditary:
            return "done"
        for item in self.plan.limitations:
            if item.item == "ACMG secondary findings" and "opted out" in item.reason:
                return "declined"
            if item.item == "hereditary findings" or _NONE_READ.match(item.item):
                return "not_checked"
        return "done"

    @property
    def patient_diagnoses(self) -> bool:
        """Whether the patient report mentions the phenotype-driven comparison: only for a patient with no
        diagnosis in the record (one who has one would only be confused by a list of other diseases)."""
        return bool(self.diagnoses) and not any(
            c.code is not None and c.status is ConditionStatus.ACTIVE for c in self.patient.conditions
        )

    @property
    def research_only(self) -> list[Finding]:
        return [f for f in self.plan.findings if f.research_only]

    def finding(self, finding_id: str) -> Finding | None:
        return next((f for f in self.plan.findings if f.id == finding_id), None)

    def written_name(self, drug: str) -> str:
        """A drug as the patient's medication list writes it ("tamoxifeno", "metoprolol tartrate"), so a patient reads
        the name they know, in their language; the knowledge's name when no single-ingredient entry on the list is it.
        """
        for medication in self.patient.current_medications():
            if medication_names(medication) == (drug.casefold(),):
                return medication.name
        return drug

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


def no_phenotype_reason(gene: GenePhenotype) -> str:
    """Why a called gene has no phenotype, in the phenotype step's words (``no phenotype in the CYP2D6 table for
    *13+*1, *36+*10x2``)."""
    reasons = [note for note in gene.notes if note.startswith(_WHY_NO_PHENOTYPE)]
    if reasons:
        return "; ".join(reasons)
    if gene.status is PhenotypeStatus.NO_TABLE:
        return f"the knowledge has no {gene.gene} phenotype table"
    return "phenotype not assigned"


def _genotypes(answer: GuidelineResult, positions: Sequence[str]) -> bool:
    """Whether ``answer``'s resolving test is (or includes) genotyping these positions."""
    return bool(positions) and f"genotyping {positions_text(list(positions))}" in (answer.resolving_test or "")


def _source(source: str, level: str | None) -> str:
    return f"{source} ({level})" if level else source


def risk_topic(data: ClinicalRiskData) -> str:
    """``heart_attack_stroke``, ``heart_failure``, ``diabetes``, ``breast_cancer`` or ``other``."""
    outcome = data.outcome.casefold()
    return next((topic for words, topic in _RISK_TOPICS if words in outcome), "other")


def summarised(items: Sequence[NotAssessed], keep: int = 3) -> list[NotAssessed]:
    """Not-assessed items with one line per gene and reason when a gene has many (a whole-genome VCF can leave
    hundreds of positions uncalled): ``DPYD: 12 positions`` with the first ``keep`` named; careplan.json keeps them all.

    >>> items = [NotAssessed(item=f"DPYD rs{i}", reason="position not called in the VCF") for i in range(5)]
    >>> [(n.item, n.reason) for n in summarised(items)]
    [('DPYD: 5 positions', 'position not called in the VCF (rs0, rs1, rs2 and 2 more)')]
    """
    groups: dict[tuple[str, str], list[NotAssessed]] = {}
    for item in items:
        words = item.item.split(maxsplit=1)
        key = (words[0], item.reason) if len(words) == 2 else (item.item, item.reason)
        groups.setdefault(key, []).append(item)
    out = []
    for (gene, reason), members in groups.items():
        if len(members) <= keep:
            out.extend(members)
            continue
        named = ", ".join(m.item.split(maxsplit=1)[1] for m in members[:keep])
        more = f"{named} and {len(members) - keep} more"
        unit = "positions" if reason.startswith("position") else "items"
        out.append(NotAssessed(item=f"{gene}: {len(members)} {unit}", reason=f"{reason} ({more})"))
    return out


def domain_limitations(limitations: Sequence[NotAssessed], domain: Domain) -> list[NotAssessed]:
    """The plan's limitations that name this domain (e.g. an engine that did not run and why)."""
    words = _DOMAIN_WORDS.get(domain, (domain.value,))
    return [n for n in limitations if any(w in f"{n.item} {n.reason}".casefold() for w in words)]


def _without_score(risk: Typed[ClinicalRiskData]) -> Typed[ClinicalRiskData]:
    """The equation's own risk, without the polygenic adjustment (whose what-ifs were computed on the adjusted
    risk, so they go too)."""
    data = risk.data.model_copy(
        update={
            "integrated_risk": risk.data.equation_risk,
            "integrated_low": None,
            "integrated_high": None,
            "polygenic_relative_risk": None,
            "polygenic_score": None,
            "scenarios": [],
        }
    )
    return Typed(risk.finding, data)
