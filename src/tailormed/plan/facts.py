"""Patient facts the plan reads from findings and the record: gene results, typed payloads, conditions, drugs.

Engines describe their results in ``Finding.data``; readers here validate them into the payload models of
:mod:`tailormed.model.payloads` (or the PGx engine's fields) so a malformed payload is skipped and reported,
never guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from tailormed.model.finding import Domain, Finding
from tailormed.model.patient import Patient

P = TypeVar("P", bound=BaseModel)

#: Id prefix of the PGx engine's per-gene results and of its phenoconversions.
GENE_PREFIX = "pgx:gene:"
PHENOCONVERSION_PREFIX = "pgx:phenoconversion:"


def payload(finding: Finding, model: type[P]) -> P | None:
    """The finding's payload as ``model``, or None when it does not fit (the caller lists it as not assessed)."""
    try:
        return model.model_validate(finding.data)
    except ValidationError:
        return None


def gene_phenotypes(findings: Sequence[Finding]) -> dict[str, set[str]]:
    """Gene -> its phenotypes: the genotype's own and, when co-medication changes it, the effective one."""
    results: dict[str, set[str]] = {}
    for finding in findings:
        if finding.domain is not Domain.PGX or not finding.genes:
            continue
        gene = finding.genes[0]
        if finding.id.startswith(GENE_PREFIX):
            phenotype = finding.data.get("phenotype")
            if isinstance(phenotype, str) and phenotype and finding.data.get("status") != "not_called":
                results.setdefault(gene, set()).add(phenotype)
        elif finding.id.startswith(PHENOCONVERSION_PREFIX) and finding.data.get("applied"):
            effective = finding.data.get("effective_phenotype")
            if isinstance(effective, str) and effective:
                results.setdefault(gene, set()).add(effective)
    return results


def gene_finding_ids(findings: Sequence[Finding], genes: Iterable[str]) -> list[str]:
    wanted = set(genes)
    return [
        f.id
        for f in findings
        if (f.id.startswith(GENE_PREFIX) or f.id.startswith(PHENOCONVERSION_PREFIX)) and wanted & set(f.genes)
    ]


def genes_match(required: dict[str, list[str]], phenotypes: dict[str, set[str]]) -> bool:
    """Every required gene has a result, and (when phenotypes are listed) one of them is the patient's."""
    for gene, allowed in required.items():
        found = phenotypes.get(gene)
        if not found:
            return False
        if allowed and not ({a.casefold() for a in allowed} & {p.casefold() for p in found}):
            return False
    return True


def has_condition(patient: Patient, codes: Sequence[str], words: Sequence[str]) -> bool:
    """An active or past condition whose ICD-10 code starts with one of ``codes`` or whose name has one of ``words``.

    Past conditions count: a stroke years ago still contraindicates some drugs.
    """
    prefixes = [c.casefold() for c in codes]
    needles = [w.casefold() for w in words]
    for condition in patient.conditions:
        code = condition.code.code.casefold() if condition.code is not None else ""
        if code and any(code.startswith(p) for p in prefixes):
            return True
        text = " ".join(filter(None, [condition.name, condition.code.display if condition.code else None])).casefold()
        if any(n in text for n in needles):
            return True
    return False


def takes_any(patient: Patient, drugs: Sequence[str]) -> bool:
    """A current or planned medication is one of ``drugs`` (by name, ignoring salt or release words after it)."""
    names = [d.casefold() for d in drugs]
    for medication in patient.current_medications():
        name = medication.name.strip().casefold()
        if any(name == d or name.startswith(d + " ") for d in names):
            return True
    return False


def current_drug_names(patient: Patient) -> set[str]:
    return {m.name.strip().casefold() for m in patient.current_medications()}
