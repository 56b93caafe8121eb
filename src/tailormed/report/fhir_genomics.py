"""The care plan's genomic results as an HL7 FHIR R4 Genomics Reporting (STU3, 3.0.0) ``collection`` Bundle.

One genomic-report DiagnosticReport (LOINC 51969-4) lists every result: PGx genotypes (84413-4) and their
haplotypes (84414-2); variants (69548-6) where a genomic allele is known (hereditary findings, tumour variants);
therapeutic implications for PGx guideline results and tumour therapy matches; diagnostic implications for
hereditary variants and candidate diagnoses. Medication changes become MedicationRecommendation Tasks and
genetic-counselling referrals FollowupRecommendation Tasks, linked from the report's ``recommended-action``; the
clinical-genetics review of candidate diagnoses becomes an "Additional testing recommended" FollowupRecommendation
whose notes carry the work-up: the features to examine next and the suggested genetic test with its genes.

A result that may still change (a VCF-based CYP2D6 call whose copy number was not measured) is marked where FHIR
and the IG allow it: the genotype Observation, and a therapeutic implication whose advice differs across the
results the copy number could give, have ``status`` ``preliminary`` (FHIR R4 ObservationStatus: "This is an
initial or interim observation: data may be incomplete or unverified."), and carry a note coded with the IG's
``annotation-code`` extension (the IG's CodedAnnotation on ``Observation.note``, which "gives a coded meaning ... to
the notes") that names the other possible results and the resolving test. The resolving test itself becomes an
"Additional testing recommended" FollowupRecommendation Task.

Resource ids are UUID v5 of the patient id and a stable key (finding id, gene, allele), so a rerun on the same
inputs gives the same ids and ``urn:uuid:`` fullUrls.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from tailormed.knowledge.medicines import medication_names
from tailormed.model.careplan import ActionKind, CarePlan
from tailormed.model.finding import Finding
from tailormed.model.patient import Patient, Sex, SomaticVariant
from tailormed.model.payloads import (
    DiagnosisCandidateData,
    DiagnosisWorkupData,
    HereditaryVariantData,
    TherapyMatchData,
)
from tailormed.model.pgx import GenePhenotype, GuidelineResult, MatchedRow
from tailormed.report.therapies import biomarker

IG = "http://hl7.org/fhir/uv/genomics-reporting"
IG_VERSION = "3.0.0"
LOINC = "http://loinc.org"
TBD = f"{IG}/CodeSystem/tbd-codes-cs"
NAMESPACE = uuid.UUID("5d0c1f0e-6f2b-5a8e-9d3c-7a1e2b4c6d80")
PROFILE = {
    name: f"{IG}/StructureDefinition/{name}"
    for name in (
        "genomic-report",
        "genotype",
        "haplotype",
        "variant",
        "therapeutic-implication",
        "diagnostic-implication",
        "medication-recommendation",
        "followup-recommendation",
    )
}
_CATEGORIES = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]},
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE", "display": "Genetics"}]},
]
_SIGNIFICANCE = {
    "pathogenic": ("LA6668-3", "Pathogenic"),
    "likely pathogenic": ("LA26332-9", "Likely pathogenic"),
    "uncertain significance": ("LA26333-7", "Uncertain significance"),
    "likely benign": ("LA26334-5", "Likely benign"),
    "benign": ("LA6675-8", "Benign"),
}
_ZYGOSITY = {
    "heterozygous": ("LA6706-1", "Heterozygous"),
    "homozygous": ("LA6705-3", "Homozygous"),
    "hemizygous": ("LA6707-9", "Hemizygous"),
}
ANNOTATION_CODE = f"{IG}/StructureDefinition/annotation-code"
#: The coded meaning of a note saying a result may still change (the IG's binding for it is an example binding).
PROVISIONAL = "Provisional result: may change with further testing"
#: Genes a diagnosis work-up Task names (the care plan's JSON has the whole list).
GENES_IN_TASK = 20
_DISEASE_SYSTEMS = {
    "OMIM": "http://www.omim.org",
    "ORPHA": "http://www.orpha.net",
    "MONDO": "http://purl.obolibrary.org/obo/mondo.owl",
}


def careplan_to_fhir(plan: CarePlan, patient: Patient) -> dict[str, Any]:
    """The plan's genomic results for ``patient`` as a FHIR R4 Bundle (a JSON-ready dict)."""
    return _Builder(plan, patient).bundle()


def careplan_to_fhir_json(plan: CarePlan, patient: Patient) -> str:
    """:func:`careplan_to_fhir` as indented JSON text, ending in a newline."""
    return json.dumps(careplan_to_fhir(plan, patient), indent=2, ensure_ascii=False) + "\n"


def resource_id(patient_id: str, key: str) -> str:
    """The stable id of one resource: UUID v5 of the patient id and the resource's key."""
    return str(uuid.uuid5(NAMESPACE, f"{patient_id}|{key}"))


def _concept(
    text: str, system: str | None = None, code: str | None = None, display: str | None = None
) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if system and code:
        concept["coding"] = [{"system": system, "code": code, **({"display": display} if display else {})}]
    return concept


def _loinc(code: str, display: str) -> dict[str, Any]:
    return _concept(display, LOINC, code, display)


def _component(code: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "valueCodeableConcept": value}


def _provisional_note(text: str) -> dict[str, Any]:
    """A note coded as saying the result is provisional (IG CodedAnnotation)."""
    return {"extension": [{"url": ANNOTATION_CODE, "valueCodeableConcept": _concept(PROVISIONAL)}], "text": text}


def _range_text(data: GenePhenotype) -> str:
    """``CYP2D6 *1/*4 is provisional: copy number not measured; could also be ...; <test> resolves this``."""
    listed = "; ".join(f"{p.described} if {p.because}" for p in data.possible)
    test = f"; {data.resolving_test} resolves this" if data.resolving_test else ""
    called = " or ".join(data.diplotypes)
    return f"{data.gene} {called} is provisional: copy number not measured; could also be {listed}{test}"


def _clean(value: Any) -> Any:
    """FHIR JSON has no nulls and no empty arrays: drop them, recursively."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


class _Builder:
    def __init__(self, plan: CarePlan, patient: Patient) -> None:
        self.plan = plan
        self.patient = patient
        self.entries: list[dict[str, Any]] = []
        self.results: list[str] = []
        self.tasks: list[str] = []
        self.genotypes: dict[str, str] = {}
        self.implications: dict[str, str] = {}
        self.unsettled: dict[str, GenePhenotype] = {}
        self.provisional: dict[str, list[str]] = {}  # gene -> provisional implications resting on it
        self.hereditary = {f.id for f in plan.findings if isinstance(f.data, HereditaryVariantData)}
        self.issued = plan.generated_at.isoformat()
        self.patient_url = self._add("Patient", "patient", self._patient())

    def bundle(self) -> dict[str, Any]:
        findings = [f for f in self.plan.findings if not f.research_only]
        for finding in findings:
            if isinstance(finding.data, GenePhenotype):
                self._pgx_genotype(finding, finding.data)
        for finding in findings:
            data = finding.data
            if isinstance(data, GuidelineResult):
                self._pgx_implication(finding, data)
            elif isinstance(data, HereditaryVariantData):
                self._hereditary(finding, data)
            elif isinstance(data, TherapyMatchData):
                self._therapy(finding, data)
            elif isinstance(data, DiagnosisCandidateData):
                self._diagnosis(finding, data)
        self._tasks()
        self._resolving_tests()
        report = {
            "resourceType": "DiagnosticReport",
            "meta": {"profile": [PROFILE["genomic-report"]]},
            "status": "final",
            "category": [_CATEGORIES[1]],
            "code": _loinc("51969-4", "Genetic analysis report"),
            "subject": {"reference": self.patient_url},
            "issued": self.issued,
            "result": [{"reference": url} for url in self.results],
            "conclusion": self._conclusion(),
        }
        if self.tasks:
            report["extension"] = [
                {"url": f"{IG}/StructureDefinition/recommended-action", "valueReference": {"reference": url}}
                for url in self.tasks
            ]
        self._add("DiagnosticReport", "genomic-report", report, first=True)
        return {
            "resourceType": "Bundle",
            "id": resource_id(self.patient.id, "bundle"),
            "meta": {"tag": [{"system": f"{IG}/ImplementationGuide", "code": IG_VERSION}]},
            "identifier": {"system": "urn:tailormed:fhir-genomics", "value": resource_id(self.patient.id, "bundle")},
            "type": "collection",
            "timestamp": self.issued,
            "entry": self.entries,
        }

    def _add(self, kind: str, key: str, resource: dict[str, Any], *, first: bool = False) -> str:
        rid = resource_id(self.patient.id, f"{kind}|{key}")
        url = f"urn:uuid:{rid}"
        entry = {"fullUrl": url, "resource": _clean({"resourceType": kind, "id": rid, **resource})}
        if first:
            self.entries.insert(1, entry)  # right after the Patient
        else:
            self.entries.append(entry)
        return url

    def _patient(self) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "identifier": [{"system": "urn:tailormed:patient", "value": self.patient.id}],
            "gender": {Sex.FEMALE: "female", Sex.MALE: "male", Sex.OTHER: "other"}.get(
                self.patient.demographics.sex, "unknown"
            ),
        }
        if self.patient.display_name:
            resource["name"] = [{"text": self.patient.display_name}]
        if self.patient.demographics.birth_date is not None:
            resource["birthDate"] = self.patient.demographics.birth_date.isoformat()
        return resource

    def _observation(self, profile: str, code: dict[str, Any], **fields: Any) -> dict[str, Any]:
        return {
            "meta": {"profile": [PROFILE[profile]]},
            "status": "final",
            "category": _CATEGORIES,
            "code": code,
            "subject": {"reference": self.patient_url},
            "issued": self.issued,
            **fields,
        }

    def _result(self, kind: str, key: str, resource: dict[str, Any]) -> str:
        url = self._add(kind, key, resource)
        self.results.append(url)
        return url

    def _pgx_genotype(self, finding: Finding, data: GenePhenotype) -> None:
        gene = data.gene
        diplotypes = data.diplotypes
        if not data.called or not diplotypes:
            return
        alleles = data.diplotype_alleles or ()
        haplotypes = [
            self._result(
                "Observation",
                f"haplotype|{gene}|{allele}",
                self._observation(
                    "haplotype",
                    _loinc("84414-2", "Haplotype name"),
                    valueCodeableConcept=_concept(f"{gene} {allele}"),
                    component=[_component(_loinc("48018-6", "Gene studied [ID]"), _concept(gene))],
                ),
            )
            for allele in dict.fromkeys(alleles)
        ]
        display = " or ".join(diplotypes)
        note = [{"text": finding.summary}]
        genotype = self._observation(
            "genotype",
            _loinc("84413-4", "Genotype display name"),
            valueCodeableConcept=_concept(f"{gene} {display}"),
            component=[_component(_loinc("48018-6", "Gene studied [ID]"), _concept(gene))],
            derivedFrom=[{"reference": h} for h in haplotypes] or None,
            note=note,
        )
        if data.possible:
            self.unsettled[gene] = data
            genotype["status"] = "preliminary"
            note.append(_provisional_note(_range_text(data)))
        url = self._result("Observation", f"genotype|{gene}", genotype)
        self.genotypes[gene] = url

    def _derived(self, genes: Sequence[str]) -> list[dict[str, str]]:
        return [{"reference": self.genotypes[g]} for g in genes if g in self.genotypes]

    def _pgx_implication(self, finding: Finding, data: GuidelineResult) -> None:
        rows = data.rows
        derived = self._derived(finding.genes)
        if not rows or not derived:
            return
        components = [_component(_loinc("51963-7", "Medication assessed [ID]"), self._drug(d)) for d in finding.drugs]
        phenotypes = sorted({f"{g} {p}" for r in rows for g, p in r.matched_on.items()})
        components += [
            _component(_concept("Therapeutic Implication", TBD, "therapeutic-implication"), _concept(p))
            for p in phenotypes
        ]
        populations = sorted({r.population for r in rows if r.population is not None and r.population != "general"})
        components += [_component(_loinc("81259-4", "Associated phenotype"), _concept(p)) for p in populations]
        level = finding.evidence[0].level
        if level:
            source = finding.evidence[0].source
            components.append(_component(_loinc("93044-6", "Level of evidence"), _concept(f"{source} {level}")))
        notes: list[dict[str, Any]] = [{"text": finding.summary}]
        implication = self._observation(
            "therapeutic-implication",
            _concept("Therapeutic Implication", TBD, "therapeutic-implication"),
            derivedFrom=derived,
            component=components,
            note=notes,
        )
        if data.provisional:
            implication["status"] = "preliminary"
            notes.append(_provisional_note(data.range_note or "provisional: copy number not measured"))
        elif data.range_note:
            notes.append({"text": data.range_note})
        url = self._result("Observation", f"implication|{finding.id}", implication)
        self.implications[finding.id] = url
        if data.provisional:
            for gene in finding.genes:
                if gene in self.unsettled:
                    self.provisional.setdefault(gene, []).append(url)

    def _drug(self, name: str) -> dict[str, Any]:
        for medication in self.patient.medications:
            if name.casefold() in medication_names(medication) and medication.rxnorm:
                return _concept(name, "http://www.nlm.nih.gov/research/umls/rxnorm", medication.rxnorm, name)
        return _concept(name)

    def _variant(self, key: str, gene: str, chrom: str, pos: int, ref: str, alt: str, **extra: Any) -> str:
        components = [
            _component(_loinc("48018-6", "Gene studied [ID]"), _concept(gene)),
            _component(_loinc("48001-2", "Cytogenetic (chromosome) location"), _concept(chrom)),
            _component(_loinc("69547-8", "Genomic ref allele [ID]"), _concept(ref)),
            _component(_loinc("69551-0", "Genomic alt allele [ID]"), _concept(alt)),
            _component(
                _loinc("92822-6", "Genomic coord system"),
                _concept("1-based character counting", LOINC, "LA30102-0", "1-based character counting"),
            ),
            {"code": _loinc("81254-5", "Genomic allele start-end"), "valueRange": {"low": {"value": pos}}},
        ]
        hgvs = extra.get("hgvs")
        if hgvs:
            components.append(_component(_loinc("48004-6", "DNA change (c.HGVS)"), _concept(hgvs)))
        zygosity = _ZYGOSITY.get(str(extra.get("zygosity", "")).casefold())
        if zygosity:
            components.append(_component(_loinc("53034-5", "Allelic state"), _concept(zygosity[1], LOINC, *zygosity)))
        if extra.get("protein"):
            components.append(_component(_loinc("48005-3", "Amino acid change (pHGVS)"), _concept(extra["protein"])))
        return self._result(
            "Observation",
            f"variant|{key}",
            self._observation(
                "variant",
                _loinc("69548-6", "Genetic variant assessment"),
                valueCodeableConcept=_concept("Present", LOINC, "LA9633-4", "Present"),
                component=components,
            ),
        )

    def _hereditary(self, finding: Finding, data: HereditaryVariantData) -> None:
        variant = self._variant(
            finding.id, data.gene, data.chrom, data.pos, data.ref, data.alt, hgvs=data.hgvs, zygosity=data.zygosity
        )
        significance = _SIGNIFICANCE.get(data.clinvar_significance.casefold())
        value = _concept(significance[1], LOINC, *significance) if significance else _concept(data.clinvar_significance)
        components = [
            _component(_loinc("53037-8", "Genetic variation clinical significance"), value),
            _component(_loinc("81259-4", "Associated phenotype"), _concept(data.condition)),
            _component(_concept("Condition inheritance", TBD, "condition-inheritance"), _concept(data.inheritance)),
            _component(
                _loinc("93044-6", "Level of evidence"), _concept(f"ClinVar {data.review_stars}-star review status")
            ),
        ]
        self.implications[finding.id] = self._result(
            "Observation",
            f"implication|{finding.id}",
            self._observation(
                "diagnostic-implication",
                _concept("Diagnostic Implication", TBD, "diagnostic-implication"),
                derivedFrom=[{"reference": variant}],
                component=components,
                note=[{"text": finding.summary}],
            ),
        )

    def _therapy(self, finding: Finding, data: TherapyMatchData) -> None:
        derived = [{"reference": url} for url in self._tumour_variants(data.gene, data.alteration)]
        components = [
            _component(_loinc("51963-7", "Medication assessed [ID]"), _concept(data.therapy)),
            _component(
                _concept("Therapeutic Implication", TBD, "therapeutic-implication"),
                _concept(f"{data.direction} {data.significance}"),
            ),
            _component(_loinc("81259-4", "Associated phenotype"), _concept(data.tumor_type)),
            _component(
                _loinc("93044-6", "Level of evidence"),
                _concept(f"{data.amp_tier}; {data.source} level {data.evidence_level}"),
            ),
        ]
        self.implications[finding.id] = self._result(
            "Observation",
            f"implication|{finding.id}",
            self._observation(
                "therapeutic-implication",
                _concept("Therapeutic Implication", TBD, "therapeutic-implication"),
                derivedFrom=derived or None,
                component=components,
                note=[{"text": _therapy_note(finding, data)}],
            ),
        )

    def _tumour_variants(self, gene: str, alteration: str) -> list[str]:
        """The tumour's variants an alteration names, written with its gene (the engine's ``BRAF V600E``) or
        without (``V600E``)."""
        tumour = self.patient.tumour
        if tumour is None:
            return []
        change = alteration.removeprefix(f"{gene} ")
        urls = []
        for variant in tumour.somatic_variants:
            if variant.gene != gene or change not in (variant.protein_change, variant.cdna_change):
                continue
            url = self._somatic(variant)
            if url is not None:
                urls.append(url)
        return urls

    def _somatic(self, variant: SomaticVariant) -> str | None:
        if variant.chrom is None or variant.pos is None or variant.ref is None or variant.alt is None:
            return None
        key = f"somatic|{variant.chrom}:{variant.pos}:{variant.ref}:{variant.alt}"
        rid = f"urn:uuid:{resource_id(self.patient.id, f'Observation|variant|{key}')}"
        if rid in self.results:
            return rid
        return self._variant(
            key,
            variant.gene,
            variant.chrom,
            variant.pos,
            variant.ref,
            variant.alt,
            hgvs=variant.cdna_change,
            protein=variant.protein_change,
        )

    def _diagnosis(self, finding: Finding, data: DiagnosisCandidateData) -> None:
        prefix = data.disease_id.split(":", 1)[0].upper()
        system = _DISEASE_SYSTEMS.get(prefix)
        code = data.disease_id.split(":", 1)[-1]
        components = [
            _component(
                _loinc("81259-4", "Associated phenotype"), _concept(data.disease_name, system, code, data.disease_name)
            ),
            _component(
                _loinc("93044-6", "Level of evidence"),
                _concept(f"rank {data.rank}, post-test probability {data.post_test_probability:.2f}"),
            ),
        ]
        self.implications[finding.id] = self._result(
            "Observation",
            f"implication|{finding.id}",
            self._observation(
                "diagnostic-implication",
                _concept("Diagnostic Implication", TBD, "diagnostic-implication"),
                derivedFrom=self._derived(data.genes) or None,
                component=components,
                note=[{"text": data.explanation}],
            ),
        )

    def _tasks(self) -> None:
        for action in self.plan.actions:
            reasons = [self.implications[f] for f in action.finding_ids if f in self.implications]
            if not reasons:
                continue
            if action.kind in (ActionKind.MEDICATION_CHANGE, ActionKind.MONITORING):
                profile, code = "medication-recommendation", self._medication_code(action.finding_ids)
            elif action.kind is ActionKind.REFERRAL and all(f in self.hereditary for f in action.finding_ids):
                profile = "followup-recommendation"
                code = _concept("Genetic counseling recommended", LOINC, "LA14020-4", "Genetic counseling recommended")
            elif action.kind is ActionKind.REFERRAL and self._workup(action.finding_ids) is not None:
                profile = "followup-recommendation"
                code = _concept("Additional testing recommended", LOINC, "LA14022-0", "Additional testing recommended")
            else:
                continue
            notes = [{"text": action.rationale}]
            provisional = [u for urls in self.provisional.values() for u in urls if u in reasons]
            if provisional:
                genes = ", ".join(g for g, urls in self.provisional.items() if set(urls) & set(reasons))
                notes.append(
                    _provisional_note(f"Provisional: rests on a {genes} result whose copy number was not measured")
                )
            workup = self._workup(action.finding_ids)
            if workup is not None:
                notes += [{"text": s.phrase[:1].upper() + s.phrase[1:]} for s in workup.suggestions]
                genes = ", ".join(f"{g.gene} ({g.share:.0%})" for g in workup.test.genes[:GENES_IN_TASK])
                notes.append(
                    {"text": f"Suggested test: {workup.test.test.value}; genes: {genes}. {workup.test.reasoning}"}
                )
            self.tasks.append(
                self._add(
                    "Task",
                    action.id,
                    {
                        "meta": {"profile": [PROFILE[profile]]},
                        "status": "requested",
                        "intent": "proposal",
                        "code": code,
                        "description": action.title,
                        "for": {"reference": self.patient_url},
                        "authoredOn": self.issued,
                        "reasonReference": {"reference": reasons[0]},
                        "note": notes,
                    },
                )
            )

    def _resolving_tests(self) -> None:
        """One "Additional testing recommended" Task per gene whose provisional result changes some advice."""
        for gene, urls in self.provisional.items():
            data = self.unsettled[gene]
            test = data.resolving_test or f"{gene} copy-number testing"
            self.tasks.append(
                self._add(
                    "Task",
                    f"resolving-test|{gene}",
                    {
                        "meta": {"profile": [PROFILE["followup-recommendation"]]},
                        "status": "requested",
                        "intent": "proposal",
                        "code": _concept(
                            "Additional testing recommended", LOINC, "LA14022-0", "Additional testing recommended"
                        ),
                        "description": f"{test}: makes the provisional {gene} advice firm",
                        "for": {"reference": self.patient_url},
                        "authoredOn": self.issued,
                        "reasonReference": {"reference": urls[0]},
                        "note": [_provisional_note(_range_text(data))],
                    },
                )
            )

    def _workup(self, finding_ids: Sequence[str]) -> DiagnosisWorkupData | None:
        """The diagnosis work-up (features to examine, test to order) among these findings, if any."""
        wanted = set(finding_ids)
        return next(
            (f.data for f in self.plan.findings if f.id in wanted and isinstance(f.data, DiagnosisWorkupData)), None
        )

    def _medication_code(self, finding_ids: Sequence[str]) -> dict[str, Any]:
        """LOINC LL4049-4 'Consider alternative medication' when the guideline offers another drug, else text."""
        answers = {f.id: f.data for f in self.plan.findings if isinstance(f.data, GuidelineResult)}
        rows: list[MatchedRow] = [r for fid in finding_ids if fid in answers for r in answers[fid].rows if r.actionable]
        if any(r.alternate_drug_available for r in rows):
            return _concept("Consider alternative medication", LOINC, "LA26421-0", "Consider alternative medication")
        if any(r.dosing_information for r in rows) or not rows:
            return _concept("Adjust dose as the guideline advises")
        return _concept("Use with the guideline's monitoring advice")

    def _conclusion(self) -> str:
        actionable = [f.title for f in self.plan.findings if f.priority.value in ("actionable", "urgent")]
        if not actionable:
            return "No actionable genomic findings."
        return "Actionable: " + "; ".join(actionable)


def _therapy_note(finding: Finding, data: TherapyMatchData) -> str:
    """The finding's summary, led by the biomarker unless it names it first already (the engine's summaries do:
    "BRAF V600E matched at the genomic level; ...")."""
    named = biomarker(data)
    return finding.summary if finding.summary.startswith(named) else f"{named}: {finding.summary}"
