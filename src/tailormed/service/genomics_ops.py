"""HL7 FHIR Genomics Reporting operations, answered from stored plans and genome evidence.

``$find-subject-haplotypes`` (genotypes and haplotypes of the genes asked for), ``$find-subject-tx-implications``
(therapeutic implications, by treatment or by haplotype, with phenoconversion by the patient's current
medications) and ``$find-subject-variants`` (whether the subject has variants in 0-based RefSeq ranges, and which).
Parameters and the ``Parameters`` output follow the IG's OperationDefinitions (STU3, 3.0.0): ``subject`` (required),
``genes`` / ``treatments`` / ``haplotypes`` / ``ranges`` as tokens (``system|code`` or bare), repeated or
comma-separated. As the IG's error table says: 400 for invalid parameters, 404 for an unknown patient.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Medication
from tailormed.model.pgx import GenePhenotype, GuidelineResult
from tailormed.security.policy import Operation, Resource, Subject
from tailormed.service.auth import SubjectDep
from tailormed.service.pgx_check import gene_results
from tailormed.service.problems import ApiProblemError, documented
from tailormed.service.state import ServiceState, state_of
from tailormed.service.views import view
from tailormed.store.models import Analysis, GenomeUpload
from tailormed.store.repo import StoredPlan

router = APIRouter(prefix="/fhir", tags=["fhir-genomics"])
IG = "http://hl7.org/fhir/uv/genomics-reporting"
LOINC = "http://loinc.org"
TBD = f"{IG}/CodeSystem/tbd-codes-cs"
HGNC = "http://www.genenames.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
REFSEQ = "http://www.ncbi.nlm.nih.gov/refseq"
PHARMVAR = "http://www.pharmvar.org"
#: HGNC ids of genes as the IG's own examples code them (input/fsh of HL7/genomics-reporting); other genes are
#: matched by symbol.
HGNC_IDS = {
    "HGNC:2621": "CYP2C19",
    "HGNC:2623": "CYP2C9",
    "HGNC:2625": "CYP2D6",
    "HGNC:23663": "VKORC1",
    "HGNC:10483": "RYR1",
    "HGNC:4931": "HLA-A",
    "HGNC:4932": "HLA-B",
    "HGNC:4933": "HLA-C",
}
_SYMBOL_TO_HGNC = {symbol: code for code, symbol in HGNC_IDS.items()}
#: GRCh38 chromosome accessions (as the shared phenopackets' genomic HGVS use them).
REFSEQ_GRCH38 = {
    **{
        f"NC_{n:06d}.{v}": f"chr{n}"
        for n, v in (
            (1, 11),
            (2, 12),
            (3, 12),
            (4, 12),
            (5, 10),
            (6, 12),
            (7, 14),
            (8, 11),
            (9, 12),
            (10, 11),
            (11, 10),
            (12, 12),
            (13, 11),
            (14, 9),
            (15, 10),
            (16, 10),
            (17, 11),
            (18, 10),
            (19, 10),
            (20, 11),
            (21, 9),
            (22, 11),
        )
    },
    "NC_000023.11": "chrX",
}
_CHROM_TO_REFSEQ = {chrom: acc for acc, chrom in REFSEQ_GRCH38.items()}
_RANGE = re.compile(r"^(NC_\d{6}\.\d+):(\d+)-(\d+)$")
_CATEGORIES = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]},
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE"}]},
]


def _tokens(values: list[str] | None) -> list[str]:
    """Repeated and comma-separated parameter values, in order, without blanks."""
    out: list[str] = []
    for value in values or []:
        out += [part.strip() for part in value.split(",") if part.strip()]
    return out


def _code(token: str) -> tuple[str | None, str]:
    system, sep, code = token.rpartition("|")
    return (system or None, code) if sep else (None, token)


def _subject_id(subject: str) -> str:
    return subject.removeprefix("Patient/")


def _load(state: ServiceState, who: Subject, subject: str, operation: str) -> tuple[CarePlan, StoredPlan, Any]:
    platform = state.platform
    patient_id = _subject_id(subject)
    with platform.transaction() as session:
        grant = platform.access(
            session, who, Operation.READ, Resource.GENOMICS, patient_id, detail=f"FHIR Genomics ${operation}"
        )
        stored = platform.repo.latest_plan(session, patient_id)
        entry = platform.repo.load_patient(session, patient_id)
        evidence = None
        analysis = session.get(Analysis, stored.analysis_id) if stored is not None and stored.analysis_id else None
        upload = session.get(GenomeUpload, analysis.genome_id) if analysis is not None and analysis.genome_id else None
        if upload is not None:  # the genome the latest plan was computed from
            evidence = platform.repo.genome_evidence(session, upload)
    if stored is None or entry is None:
        raise ApiProblemError(404, "Not Found", "no genomic results for this subject yet")
    return view(stored.plan, entry.patient, grant.hide_domains), stored, (entry.patient, evidence)


def _observation(
    profile: str, key: str, patient_id: str, code: dict[str, Any], effective: str, **fields: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": key,
        "meta": {"profile": [f"{IG}/StructureDefinition/{profile}"]},
        "status": "final",
        "category": _CATEGORIES,
        "code": code,
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": effective,
    }
    resource.update({k: v for k, v in fields.items() if v not in (None, [])})
    return resource


def _loinc(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}]}


def _gene_concept(gene: str) -> dict[str, Any]:
    code = _SYMBOL_TO_HGNC.get(gene)
    if code is None:
        return {"text": gene}
    return {"coding": [{"system": HGNC, "code": code, "display": gene}], "text": gene}


def _safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9\-.]", "-", text)[:64]


def _genotype(result: GenePhenotype, patient_id: str, effective: str) -> list[dict[str, Any]]:
    """The Genotype observation of one gene, preceded by its Haplotype observations."""
    if not result.called or not result.diplotypes:
        return []
    haplotypes = [
        _observation(
            "haplotype",
            _safe_id(f"hap-{result.gene}-{allele}"),
            patient_id,
            _loinc("84414-2", "Haplotype name"),
            effective,
            valueCodeableConcept={
                "coding": [
                    {"system": PHARMVAR, "code": f"{result.gene}_{allele}", "display": f"{result.gene} {allele}"}
                ]
            },
            component=[
                {"code": _loinc("48018-6", "Gene studied [ID]"), "valueCodeableConcept": _gene_concept(result.gene)}
            ],
        )
        for allele in dict.fromkeys(result.diplotype_alleles or ())
    ]
    display = " or ".join(result.diplotypes)
    genotype = _observation(
        "genotype",
        _safe_id(f"gt-{result.gene}"),
        patient_id,
        _loinc("84413-4", "Genotype display name"),
        effective,
        valueCodeableConcept={
            "coding": [{"system": PHARMVAR, "code": f"{result.gene}_{display}", "display": f"{result.gene} {display}"}]
        },
        component=[
            {"code": _loinc("48018-6", "Gene studied [ID]"), "valueCodeableConcept": _gene_concept(result.gene)}
        ],
        derivedFrom=[{"reference": f"Observation/{h['id']}"} for h in haplotypes],
        note=[{"text": result.summary}],
    )
    return [*haplotypes, genotype]


@router.get("/$find-subject-haplotypes", responses=documented(400, 401, 403, 404))
def find_subject_haplotypes(
    request: Request,
    who: SubjectDep,
    subject: Annotated[str, Query(min_length=1, max_length=200, description="The subject of interest")],
    genes: Annotated[
        list[str],
        Query(min_length=1, description="Genes (system|code or symbol), e.g. http://www.genenames.org|HGNC:2625"),
    ],
) -> dict[str, Any]:
    """Genotypes and haplotypes of the requested genes (one ``haplotypes`` parameter per gene asked for)."""
    wanted = _tokens(genes)
    if not wanted:
        raise ApiProblemError(400, "Bad Request", "genes: at least one gene is required")
    plan, stored, (patient, _) = _load(state_of(request), who, subject, "find-subject-haplotypes")
    results = gene_results(plan)
    effective = stored.created_at.isoformat()
    parameters = []
    for token in wanted:
        _, code = _code(token)
        gene = HGNC_IDS.get(code, code).upper()
        part: list[dict[str, Any]] = [{"name": "geneItem", "valueString": token}]
        result = results.get(gene)
        if result is not None:
            for resource in _genotype(result, patient.id, effective):
                name = "genotype" if resource["meta"]["profile"][0].endswith("/genotype") else "haplotype"
                part.append({"name": name, "resource": resource})
        parameters.append({"name": "haplotypes", "part": part})
    return {"resourceType": "Parameters", "parameter": parameters}


def _implication(
    answer: GuidelineResult,
    rxnorm: str | None,
    patient_id: str,
    effective: str,
    derived: list[str],
    note: str | None,
    phenotypes: dict[str, GenePhenotype],
) -> dict[str, Any]:
    components: list[dict[str, Any]] = [
        {
            "code": _loinc("51963-7", "Medication assessed [ID]"),
            "valueCodeableConcept": {
                "coding": [{"system": RXNORM, "code": rxnorm, "display": answer.drug}],
                "text": answer.drug,
            }
            if rxnorm
            else {"text": answer.drug},
        }
    ]
    for row in answer.rows[:1]:
        for gene, value in row.matched_on.items():
            result = phenotypes.get(gene)
            if result is not None and result.phenotype:
                score = f" (activity score {result.activity_score})" if result.activity_score else ""
                value = f"{result.phenotype}{score}"
            components.append(
                {
                    "code": {"coding": [{"system": TBD, "code": "therapeutic-implication"}]},
                    "valueCodeableConcept": {"text": f"{gene} {value}"},
                }
            )
    level = answer.rows[0].classification if answer.rows else None
    if level:
        components.append(
            {
                "code": _loinc("93044-6", "Level of evidence"),
                "valueCodeableConcept": {"text": f"{answer.source} {level}"},
            }
        )
    notes = [{"text": row.text} for row in answer.rows]
    if note:
        notes.append({"text": note})
    return _observation(
        "therapeutic-implication",
        _safe_id(f"ti-{answer.drug}-{answer.source}"),
        patient_id,
        {"coding": [{"system": TBD, "code": "therapeutic-implication"}]},
        effective,
        derivedFrom=[{"reference": f"Observation/{d}"} for d in derived],
        component=components,
        note=notes,
    )


@router.get("/$find-subject-tx-implications", responses=documented(400, 401, 403, 404))
def find_subject_tx_implications(
    request: Request,
    who: SubjectDep,
    subject: Annotated[str, Query(min_length=1, max_length=200)],
    treatments: Annotated[list[str] | None, Query(description="Medications (RxNorm system|code, or a name)")] = None,
    haplotypes: Annotated[list[str] | None, Query(description="Genotypes, e.g. 'CYP2C19 *1/*2'")] = None,
    variants: Annotated[list[str] | None, Query(description="HGVS or SPDI (not answered from PGx evidence)")] = None,
) -> dict[str, Any]:
    """Therapeutic implications of the subject's PGx results: for the treatments asked for (phenoconverted by the
    patient's current medications), for the genotypes asked for, or every guideline result in the plan."""
    state = state_of(request)
    if _tokens(variants):
        raise ApiProblemError(
            400,
            "Bad Request",
            "variants: implications by HGVS/SPDI variant are not supported; ask by treatments or haplotypes",
        )
    plan, stored, (patient, _) = _load(state, who, subject, "find-subject-tx-implications")
    results = gene_results(plan)
    effective = stored.created_at.isoformat()
    checker = state.pgx_checker()
    age = patient.demographics.age_on(stored.plan.generated_at.date())  # as the plan was made
    answers: list[tuple[GuidelineResult, str | None, str | None, dict[str, GenePhenotype]]] = []
    drug_tokens = _tokens(treatments)
    if drug_tokens:
        for token in drug_tokens:
            system, code = _code(token)
            rxnorm = code if system == RXNORM or (system is None and code.isdigit()) else None
            drug = Medication(name=code if rxnorm is None else f"rxnorm:{code}", rxnorm=rxnorm)
            check = checker.check(drug, results, patient.current_medications(), age)
            if not check.answers:
                continue
            note = "; ".join(c.explanation for c in check.phenoconversions if c.applied) or None
            answers += [(a, rxnorm, note, check.effective) for a in check.answers if a.rows]
    else:
        wanted_genotypes = {t.replace(" ", "").upper() for t in _tokens(haplotypes)}
        genes = {
            g
            for g, r in results.items()
            if not wanted_genotypes or any(f"{g}{d}".replace(" ", "").upper() in wanted_genotypes for d in r.diplotypes)
        }
        from tailormed.engines.pgx.recommend import recommend_all

        answers += [
            (a, None, None, results)
            for a in recommend_all(checker.knowledge.guidelines, results, age)
            if a.rows and set(a.genes) & genes and a.actionable
        ]
    parameters: list[dict[str, Any]] = []
    emitted: set[str] = set()
    for answer, rxnorm, note, phenotypes in answers:
        derived = []
        for gene in answer.genes:
            result = results.get(gene)
            for resource in _genotype(result, patient.id, effective) if result is not None else []:
                if resource["id"] not in emitted:
                    emitted.add(resource["id"])
                    name = "genotype" if resource["meta"]["profile"][0].endswith("/genotype") else "haplotype"
                    parameters.append({"name": name, "resource": resource})
                if resource["meta"]["profile"][0].endswith("/genotype"):
                    derived.append(resource["id"])
        parameters.insert(
            0,
            {
                "name": "implication",
                "resource": _implication(answer, rxnorm, patient.id, effective, derived, note, phenotypes),
            },
        )
    return {"resourceType": "Parameters", "parameter": parameters}


def _variant_calls(evidence: bytes | None) -> list[tuple[str, int, str, str, str]]:
    """(chrom, 1-based pos, ref, alt, zygosity) of every variant call in the stored genome evidence."""
    if evidence is None:
        return []
    data = json.loads(evidence)
    calls: list[dict[str, Any]] = []
    if isinstance(data.get("calls"), dict):
        calls = list(data["calls"].values())
    for per_consumer in (data.get("genotypes") or {}).values():
        calls += list(per_consumer.values())
    found = {}
    for call in calls:
        if call.get("state") not in ("variant", "partial"):
            continue
        ref = str(call.get("ref"))
        alleles = [a for a in call.get("alleles", []) if a is not None]
        for alt in dict.fromkeys(a for a in alleles if a != ref):
            zygosity = "homozygous" if alleles.count(alt) == len(alleles) and len(alleles) > 1 else "heterozygous"
            found[(call["chrom"], int(call["pos"]), ref, alt)] = zygosity
    return [(c, p, r, a, z) for (c, p, r, a), z in sorted(found.items())]


@router.get("/$find-subject-variants", responses=documented(400, 401, 403, 404))
def find_subject_variants(
    request: Request,
    who: SubjectDep,
    subject: Annotated[str, Query(min_length=1, max_length=200)],
    ranges: Annotated[
        list[str], Query(min_length=1, description="0-based RefSeq ranges, e.g. NC_000010.11:94761000-94855000")
    ],
    includeVariants: Annotated[bool, Query()] = False,  # noqa: N803 (the IG's parameter name)
) -> dict[str, Any]:
    """For each range: whether the stored evidence has a variant overlapping it, and (with includeVariants) which."""
    parsed = []
    for token in _tokens(ranges):
        match = _RANGE.match(token)
        if match is None:
            raise ApiProblemError(
                400, "Bad Request", f"ranges: '{token}' is not RefSeq:start-end (e.g. NC_000010.11:94761000-94855000)"
            )
        accession, start, end = match.group(1), int(match.group(2)), int(match.group(3))
        if accession not in REFSEQ_GRCH38:
            raise ApiProblemError(
                400, "Bad Request", f"ranges: {accession} is not a GRCh38 chromosome accession known here"
            )
        if end <= start:
            raise ApiProblemError(400, "Bad Request", f"ranges: '{token}' ends before it starts")
        parsed.append((token, REFSEQ_GRCH38[accession], start, end))
    _, stored, (patient, evidence) = _load(state_of(request), who, subject, "find-subject-variants")
    calls = _variant_calls(evidence)
    effective = stored.created_at.isoformat()
    parameters = []
    for token, chrom, start, end in parsed:
        inside = [c for c in calls if c[0] == chrom and c[1] - 1 < end and c[1] - 1 + len(c[2]) > start]
        part: list[dict[str, Any]] = [
            {"name": "rangeItem", "valueString": token},
            {"name": "presence", "valueBoolean": bool(inside)},
        ]
        if includeVariants:
            part += [{"name": "variant", "resource": _variant(c, patient.id, effective)} for c in inside]
        parameters.append({"name": "variants", "part": part})
    return {"resourceType": "Parameters", "parameter": parameters}


def _variant(call: tuple[str, int, str, str, str], patient_id: str, effective: str) -> dict[str, Any]:
    chrom, pos, ref, alt, zygosity = call
    zygosity_code = {"heterozygous": "LA6706-1", "homozygous": "LA6705-3"}[zygosity]
    return _observation(
        "variant",
        _safe_id(f"var-{chrom}-{pos}-{ref}-{alt}"),
        patient_id,
        _loinc("69548-6", "Genetic variant assessment"),
        effective,
        valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA9633-4", "display": "Present"}]},
        component=[
            {
                "code": _loinc("48002-0", "Genomic source class [Type]"),
                "valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA6683-2", "display": "Germline"}]},
            },
            {
                "code": _loinc("48013-7", "Genomic reference sequence ID"),
                "valueCodeableConcept": {"coding": [{"system": REFSEQ, "code": _CHROM_TO_REFSEQ[chrom]}]},
            },
            {"code": _loinc("69547-8", "Genomic Ref allele [ID]"), "valueString": ref},
            {"code": _loinc("69551-0", "Genomic Alt allele [ID]"), "valueString": alt},
            {
                "code": _loinc("92822-6", "Genomic coord system"),
                "valueCodeableConcept": {
                    "coding": [{"system": LOINC, "code": "LA30100-4", "display": "0-based interval counting"}]
                },
            },
            {
                "code": _loinc("81254-5", "Genomic allele start-end"),
                "valueRange": {"low": {"value": pos - 1}, "high": {"value": pos - 1 + len(ref)}},
            },
            {
                "code": _loinc("53034-5", "Allelic state"),
                "valueCodeableConcept": {"coding": [{"system": LOINC, "code": zygosity_code, "display": zygosity}]},
            },
        ],
    )
