"""What the stored genotype says about one drug now: guideline answers with phenoconversion by co-medication.

Used by the CDS Hooks service and the genomics operations. A medication is recognised by the project's medicine
vocabulary (ingredient, brand, product string, RxNorm or ATC code -> ingredients), exactly as the medication review
of the PGx engine does, so a card and the care plan agree on what a drug is; a name the vocabulary does not know is
reported as unknown, never guessed. The gene results come from the stored plan and the guideline, phenotype and
phenoconversion knowledge is loaded once; a check never re-reads the genome. :class:`CheckCache` keeps the answers
per plan, so a repeated order is a dictionary look-up.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tailormed.engines.pgx.findings import PgxKnowledge
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.engines.pgx.review import effective_guidance, effective_results, matching_perpetrators
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.medicines import MedicineVocabulary, Resolution, core_medicines
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Medication
from tailormed.model.pgx import GenePhenotype, GuidelineResult, Phenoconversion
from tailormed.plan.facts import with_payload

MedicationKey = tuple[str, str | None, str | None]


def gene_results(plan: CarePlan) -> dict[str, GenePhenotype]:
    """Gene -> the genotype's own result, from the plan's per-gene PGx findings."""
    return {result.gene: result for _, result in with_payload(plan.findings, GenePhenotype)}


def key_of(medication: Medication) -> MedicationKey:
    return (medication.name, medication.rxnorm, medication.atc)


@dataclass(frozen=True)
class DrugCheck:
    """One ordered drug checked against the patient's genotype and other medications."""

    drug: Medication
    ingredients: tuple[str, ...]
    """What the vocabulary recognised the drug as; empty when it does not know it (then ``answers`` is empty)."""
    answers: list[GuidelineResult]
    """What applies now (phenoconverted results when co-medication changes a gene the guideline needs)."""
    genotype_answers: list[GuidelineResult]
    effective: dict[str, GenePhenotype] = field(default_factory=dict)
    """Gene results as they apply now (after phenoconversion)."""
    phenoconversions: list[Phenoconversion] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.ingredients)

    @property
    def actionable(self) -> bool:
        return any(answer.actionable for answer in self.answers)


class PgxChecker:
    """Checks drugs against stored gene results, with knowledge and the medicine vocabulary loaded once."""

    MAX_RESOLVED = 20_000

    def __init__(self, bundle: KnowledgeBundle, vocabulary: MedicineVocabulary | None = None) -> None:
        from tailormed.pipeline.pgx import load_pgx

        _, knowledge, versions = load_pgx(bundle)
        self.knowledge: PgxKnowledge = knowledge
        self.versions = versions
        self.vocabulary = vocabulary or core_medicines()
        self._resolved: dict[MedicationKey, Resolution | None] = {}
        self._perpetrator_names = {
            name.casefold() for perpetrator in knowledge.phenoconversion.perpetrators for name in perpetrator.names()
        }
        self._perpetrator_codes = {
            code
            for perpetrator in knowledge.phenoconversion.perpetrators
            for code in (perpetrator.rxnorm, perpetrator.atc)
            if code
        }

    def resolve(self, medication: Medication) -> Resolution | None:
        """The ingredients the vocabulary recognises ``medication`` as (None: not a known medicine); remembered."""
        key = key_of(medication)
        if key in self._resolved:
            return self._resolved[key]
        found = self.vocabulary.resolve(medication.name, medication.rxnorm, medication.atc)
        if len(self._resolved) >= self.MAX_RESOLVED:
            self._resolved.clear()
        self._resolved[key] = found
        return found

    def may_convert(self, medication: Medication) -> bool:
        """Whether the medication could be a phenoconversion perpetrator (an inhibitor or inducer of some gene)."""
        if medication.rxnorm in self._perpetrator_codes or medication.atc in self._perpetrator_codes:
            return True
        resolved = self.resolve(medication)
        names = resolved.ingredients if resolved is not None else (" ".join(medication.name.casefold().split()),)
        return any(name in self._perpetrator_names for name in names)

    def check(
        self,
        drug: Medication,
        results: dict[str, GenePhenotype],
        others: Sequence[Medication],
        age_years: float | None = None,
    ) -> DrugCheck:
        """Guidance for ``drug`` given the gene ``results``, the ``others`` on the list and the patient's age (None:
        not known) (``answers`` empty when no guideline covers it, ``ingredients`` empty when the vocabulary does not
        know it)."""
        guidelines = self.knowledge.guidelines
        resolved = self.resolve(drug)
        if resolved is None:  # as the medication review does: a guideline may still name it or its code
            genotype = recommend_drug(guidelines, results, drug.name, drug.rxnorm, drug.atc, age_years=age_years)
            ingredients = tuple(dict.fromkeys(answer.drug for answer in genotype))
        else:
            ingredients = resolved.ingredients
            genotype = [
                a for name in ingredients for a in recommend_drug(guidelines, results, name=name, age_years=age_years)
            ]
        if not genotype:
            return DrugCheck(drug=drug, ingredients=ingredients, answers=[], genotype_answers=[])
        acting = [o for o in others if self.may_convert(o)]
        effective, changes = effective_results(
            results,
            [*acting, drug],
            self.knowledge.phenoconversion,
            self.knowledge.phenotypes,
            exclude=drug,
            medicines=self.vocabulary,
        )
        genes = {gene for answer in genotype for gene in answer.genes}
        relevant = [c for c in changes if c.gene in genes]
        answers = genotype
        if any(c.applied for c in relevant):
            perpetrators = matching_perpetrators(
                [*acting, drug], self.knowledge.phenoconversion, exclude=drug, medicines=self.vocabulary
            )
            answers, relevant = effective_guidance(
                guidelines,
                [answer.drug for answer in genotype],
                results,
                effective,
                relevant,
                perpetrators,
                self.knowledge.phenoconversion,
                self.knowledge.phenotypes,
                age_years=age_years,
            )
        return DrugCheck(
            drug=drug,
            ingredients=ingredients,
            answers=answers,
            genotype_answers=genotype,
            effective=effective,
            phenoconversions=relevant,
        )

    def drug_names(self) -> Iterable[str]:
        for guideline in self.knowledge.guidelines.guidelines:
            for drug in guideline.drugs:
                yield drug.name


class CheckCache:
    """The checks of one stored plan, by what the drug was recognised as and the possible perpetrators beside it
    (bounded; :meth:`prepare` fills it for every drug a guideline covers when the plan is stored).

    Everything a check depends on is in the key: the plan's gene results are fixed for the cache's lifetime, a
    recognised drug is checked by its ingredients (an unknown one by its name and codes as written), and the other
    medications that could change a gene take part as written, since a phenoconversion names them. So a cached
    answer is what :meth:`PgxChecker.check` would compute again, except that a check with nothing actionable keeps
    only that (no answers), which is all a CDS card needs. ``DrugCheck.drug`` is the first order seen with that
    key: callers name the drug as it was ordered themselves."""

    SIZE = 1024

    def __init__(
        self, checker: PgxChecker, results: dict[str, GenePhenotype], age_years: float | None = None
    ) -> None:
        self.checker = checker
        self.results = results
        self.age_years = age_years
        self._checks: OrderedDict[tuple[object, ...], tuple[DrugCheck, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, drug: Medication, acting: Sequence[Medication]) -> tuple[object, ...]:
        resolved = self.checker.resolve(drug)
        head: object = resolved.ingredients if resolved is not None else key_of(drug)
        # the route decides whether a perpetrator applies (a cream does not carry a tablet's interaction)
        return (head, tuple(sorted(((*key_of(o), o.route) for o in acting), key=str)))

    def check(self, drug: Medication, others: Sequence[Medication]) -> tuple[DrugCheck, dict[str, Any]]:
        """The check of ``drug`` beside ``others``, and a per-check dict where callers keep what they derive from
        it (the CDS card's fixed part), so that too is computed once."""
        acting = [o for o in others if self.checker.may_convert(o)]
        key = self._key(drug, acting)
        with self._lock:
            found = self._checks.get(key)
            if found is not None:
                self._checks.move_to_end(key)
                return found
        checked = self.checker.check(drug, self.results, acting, self.age_years)
        if not checked.actionable:  # nothing to show: keep only that (a full answer set is large)
            checked = DrugCheck(drug=drug, ingredients=checked.ingredients, answers=[], genotype_answers=[])
        found = (checked, {})
        with self._lock:
            self._checks[key] = found
            while len(self._checks) > self.SIZE:
                self._checks.popitem(last=False)
        return found

    def prepare(self, others: Sequence[Medication]) -> int:
        """Check every drug a guideline covers beside ``others`` (the stored medication list); returns how many."""
        names = dict.fromkeys(self.checker.drug_names())
        for name in names:
            self.check(Medication(name=name), others)
        return len(names)
