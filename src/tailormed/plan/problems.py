"""The problem list: active conditions, then what the engines found (gene results that change drugs, elevated
risks, reportable hereditary variants, the tumour, candidate diagnoses). Ids are derived from codes and finding ids
so they are stable across runs on the same inputs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tailormed.model.careplan import Problem
from tailormed.model.finding import Domain, Finding, Priority
from tailormed.model.patient import ConditionStatus, Patient
from tailormed.model.payloads import (
    ClinicalRiskData,
    DiagnosisCandidateData,
    HereditaryVariantData,
    PolygenicScoreData,
)
from tailormed.model.pgx import GenePhenotype, Phenoconversion
from tailormed.plan.facts import payload, with_payload

ACTIONABLE = (Priority.ACTIONABLE, Priority.URGENT)
#: Candidate diagnoses up to this rank are listed as problems even when the engine did not flag them.
TOP_DIAGNOSES = 3


def is_actionable(finding: Finding) -> bool:
    return finding.priority in ACTIONABLE


def clinical(finding: Finding) -> bool:
    """Findings the plan may act on: research-grade ones are listed as limitations instead."""
    return not finding.research_only


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.+*-]+", "-", text.casefold()).strip("-") or "unnamed"


def problems(patient: Patient, findings: Sequence[Finding]) -> list[Problem]:
    found: dict[str, Problem] = {}
    for condition in patient.conditions:
        if condition.status is not ConditionStatus.ACTIVE:
            continue
        key = condition.code.code if condition.code is not None else condition.name
        problem_id = f"condition:{slug(key)}"
        found.setdefault(problem_id, Problem(id=problem_id, title=condition.name, kind="condition"))
    usable = [f for f in findings if clinical(f)]
    for problem in [
        *_pgx(usable),
        *_risks(usable),
        *_hereditary(usable),
        *_tumour(patient, usable),
        *_diagnoses(usable),
    ]:
        found.setdefault(problem.id, problem)
    return list(found.values())


def _pgx(findings: Sequence[Finding]) -> list[Problem]:
    out: list[Problem] = []
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.domain is not Domain.PGX or not is_actionable(finding) or not finding.genes:
            continue
        if isinstance(finding.data, Phenoconversion):  # its drugs cause the change; they are not affected by it
            problem_id = f"finding:{slug(finding.id)}"
            out.append(Problem(id=problem_id, title=finding.title, kind="finding", finding_ids=[finding.id]))
            continue
        groups.setdefault("+".join(sorted(finding.genes)), []).append(finding)
    gene_results = {gene.gene: f.title for f, gene in with_payload(findings, GenePhenotype)}
    for genes, members in sorted(groups.items()):
        drugs = sorted({d for f in members for d in f.drugs})
        subject = "; ".join(gene_results.get(g, g) for g in genes.split("+"))
        out.append(
            Problem(
                id=f"finding:{slug(genes)}",
                title=f"{subject}: affects {', '.join(drugs)}" if drugs else subject,
                kind="finding",
                finding_ids=[f.id for f in members],
            )
        )
    return out


def _risks(findings: Sequence[Finding]) -> list[Problem]:
    out = []
    for finding in findings:
        if not is_actionable(finding):
            continue
        if finding.domain is Domain.CLINICAL_RISK and (data := payload(finding, ClinicalRiskData)) is not None:
            risk = data.integrated_risk if data.integrated_risk is not None else data.equation_risk
            if risk is None:
                continue
            band = f", {data.category}" if data.category else ""
            title = f"Raised {data.outcome} risk: {risk * 100:.0f} in 100 over {data.horizon_years:g} years{band}"
        elif finding.domain is Domain.POLYGENIC and (score := payload(finding, PolygenicScoreData)) is not None:
            where = f", {score.percentile:.0f}th percentile" if score.percentile is not None else ""
            title = f"Raised genetic predisposition to {score.trait} ({score.pgs_id}{where})"
        else:
            continue
        out.append(Problem(id=f"risk:{slug(finding.id)}", title=title, kind="risk", finding_ids=[finding.id]))
    return out


def _hereditary(findings: Sequence[Finding]) -> list[Problem]:
    out = []
    for finding in findings:
        if finding.domain is not Domain.HEREDITARY:
            continue
        data = payload(finding, HereditaryVariantData)
        if data is None or not data.reportable:
            continue
        variant = data.hgvs or f"{data.chrom}:{data.pos} {data.ref}>{data.alt}"
        out.append(
            Problem(
                id=f"hereditary:{slug(finding.id)}",
                title=f"{data.gene} {variant} ({data.clinvar_significance}, {data.zygosity}): "
                f"{data.condition}, {data.inheritance}",
                kind="hereditary",
                finding_ids=[finding.id],
            )
        )
    return out


def _tumour(patient: Patient, findings: Sequence[Finding]) -> list[Problem]:
    if patient.tumour is None:
        return []
    tumour = patient.tumour
    alterations = [f"{v.gene} {v.protein_change or v.cdna_change or ''}".strip() for v in tumour.somatic_variants] + [
        f"{c.gene} {c.kind}" for c in tumour.copy_number
    ]
    alterations += [f"{f.five_prime_gene}::{f.three_prime_gene}" for f in tumour.fusions]
    title = tumour.name or tumour.oncotree_code
    if alterations:
        title += f" ({', '.join(alterations)})"
    return [
        Problem(
            id=f"tumour:{slug(tumour.oncotree_code)}",
            title=title,
            kind="tumour",
            finding_ids=[f.id for f in findings if f.domain is Domain.ONCOLOGY],
        )
    ]


def _diagnoses(findings: Sequence[Finding]) -> list[Problem]:
    out = []
    for finding in findings:
        if finding.domain is not Domain.DIAGNOSIS:
            continue
        data = payload(finding, DiagnosisCandidateData)
        if data is None or not (data.rank <= TOP_DIAGNOSES or is_actionable(finding)):
            continue
        genes = f"; genes {', '.join(data.genes)}" if data.genes else ""
        out.append(
            Problem(
                id=f"diagnosis:{slug(data.disease_id)}",
                title=f"Possible {data.disease_name} ({data.disease_id}; rank {data.rank}, "
                f"post-test probability {data.post_test_probability:.0%}{genes})",
                kind="candidate_diagnosis",
                finding_ids=[finding.id],
            )
        )
    return out
