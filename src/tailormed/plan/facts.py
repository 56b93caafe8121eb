"""Patient facts the plan reads from findings and the record: typed payloads, gene results, conditions, drugs.

Engines put a typed payload in ``Finding.data`` (:data:`tailormed.model.payloads.FindingData`); readers here pick
findings by payload type, never by finding id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from pydantic import BaseModel

from tailormed.knowledge.medicines import core_medicines, medication_names
from tailormed.model.finding import Finding
from tailormed.model.patient import Patient
from tailormed.model.pgx import GenePhenotype, Phenoconversion

P = TypeVar("P", bound=BaseModel)


def payload(finding: Finding, model: type[P]) -> P | None:
    """The finding's payload when it is a ``model``, else None."""
    return finding.data if isinstance(finding.data, model) else None


def with_payload(findings: Iterable[Finding], model: type[P]) -> Iterator[tuple[Finding, P]]:
    """Each finding whose payload is a ``model``, with that payload."""
    for finding in findings:
        if isinstance(finding.data, model):
            yield finding, finding.data


def gene_phenotypes(findings: Sequence[Finding]) -> dict[str, set[str]]:
    """Gene -> its phenotypes: the genotype's own and, when co-medication changes it, the effective one."""
    results: dict[str, set[str]] = {}
    for _, gene in with_payload(findings, GenePhenotype):
        if gene.phenotype and gene.called:
            results.setdefault(gene.gene, set()).add(gene.phenotype)
    for _, change in with_payload(findings, Phenoconversion):
        if change.applied and change.effective_phenotype:
            results.setdefault(change.gene, set()).add(change.effective_phenotype)
    return results


def gene_finding_ids(findings: Sequence[Finding], genes: Iterable[str]) -> list[str]:
    """Ids of the gene results and phenoconversions of ``genes``, in finding order."""
    wanted = set(genes)
    return [
        f.id
        for f in findings
        if isinstance(f.data, GenePhenotype | Phenoconversion) and wanted & set(f.genes)
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
    """A current or planned medication is one of ``drugs`` (resolved by brand, product string, RxNorm or ATC)."""
    return bool({d.casefold() for d in drugs} & current_drug_names(patient))


def taking_class(patient: Patient, atc_prefixes: Sequence[str]) -> list[str]:
    """Current or planned medications (as written) of an ATC class: by the record's ATC code or, for an entry named
    by brand, product string or RxNorm code alone, by the ATC codes of the ingredients it resolves to."""
    if not atc_prefixes:
        return []
    vocabulary = core_medicines()
    found = []
    for medication in patient.current_medications():
        codes = [medication.atc] if medication.atc else []
        resolved = vocabulary.resolve(medication.name, medication.rxnorm, medication.atc)
        if resolved is not None:
            codes += vocabulary.atc_codes(resolved.ingredients)
        if any(code.upper().startswith(prefix.upper()) for code in codes for prefix in atc_prefixes):
            found.append(medication.name)
    return found


def current_drug_names(patient: Patient) -> set[str]:
    """The ingredients of every current or planned medication (and the names as written, lower case)."""
    names = set()
    for medication in patient.current_medications():
        names.add(" ".join(medication.name.casefold().split()))
        names.update(medication_names(medication))
    return names
