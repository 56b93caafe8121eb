"""What the stored genotype says about one drug now: guideline answers with phenoconversion by co-medication.

Used by the CDS Hooks service and the genomics operations. The gene results come from the stored plan (the PGx
engine's per-gene findings) and the guideline, phenotype and phenoconversion knowledge is loaded once, so a
check costs a few dictionary look-ups and never re-reads the genome.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tailormed.engines.pgx.findings import PgxKnowledge
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.engines.pgx.review import effective_results
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Medication
from tailormed.model.pgx import GenePhenotype, GuidelineResult, Phenoconversion
from tailormed.plan.facts import with_payload


def gene_results(plan: CarePlan) -> dict[str, GenePhenotype]:
    """Gene -> the genotype's own result, from the plan's per-gene PGx findings."""
    return {result.gene: result for _, result in with_payload(plan.findings, GenePhenotype)}


@dataclass(frozen=True)
class DrugCheck:
    """One ordered drug checked against the patient's genotype and other medications."""

    drug: Medication
    answers: list[GuidelineResult]
    """What applies now (phenoconverted results when co-medication changes a gene the guideline needs)."""
    genotype_answers: list[GuidelineResult]
    effective: dict[str, GenePhenotype] = field(default_factory=dict)
    """Gene results as they apply now (after phenoconversion)."""
    phenoconversions: list[Phenoconversion] = field(default_factory=list)

    @property
    def actionable(self) -> bool:
        return any(answer.actionable for answer in self.answers)


class PgxChecker:
    """Checks drugs against stored gene results, with knowledge loaded once."""

    def __init__(self, bundle: KnowledgeBundle) -> None:
        from tailormed.pipeline.pgx import load_pgx

        _, knowledge, versions = load_pgx(bundle)
        self.knowledge: PgxKnowledge = knowledge
        self.versions = versions

    def check(
        self, drug: Medication, results: dict[str, GenePhenotype], others: Sequence[Medication]
    ) -> DrugCheck | None:
        """Guidance for ``drug`` given the gene ``results`` and the ``others`` on the list; None if no guideline."""
        guidelines = self.knowledge.guidelines
        genotype = recommend_drug(guidelines, results, drug.name, drug.rxnorm, drug.atc)
        if not genotype and drug.name:
            genotype = recommend_drug(guidelines, results, drug.name.split()[0])
        if not genotype:
            return None
        effective, changes = effective_results(
            results, [*others, drug], self.knowledge.phenoconversion, self.knowledge.phenotypes, exclude=drug
        )
        genes = {gene for answer in genotype for gene in answer.genes}
        relevant = [c for c in changes if c.gene in genes]
        answers = genotype
        if any(c.applied for c in relevant):
            answers = recommend_drug(guidelines, effective, genotype[0].drug)
        return DrugCheck(
            drug=drug, answers=answers, genotype_answers=genotype, effective=effective, phenoconversions=relevant
        )

    def drug_names(self) -> Iterable[str]:
        for guideline in self.knowledge.guidelines.guidelines:
            for drug in guideline.drugs:
                yield drug.name
