"""Medication review: genotype-guided recommendations for the drugs a patient takes, with phenoconversion.

A strong or moderate inhibitor (or inducer) on the medication list changes how the patient actually metabolizes
drugs: a CYP2D6 normal metabolizer taking paroxetine behaves as a poor metabolizer. Following Cicali et al.
(Clin Pharmacol Ther 2021) for activity-score genes, the genotype's activity score is multiplied by the
perpetrator's factor and renamed with the gene's score bands; for CYP2C19 the phenotype moves along its order.
Every drug is looked up twice, with the genotype result and with the effective one, and both are kept so a
report can show "genotype phenotype -> effective phenotype, because of DRUG". Rules come in as data
(:class:`PhenoconversionRules`); nothing here reads files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import Field

from tailormed.engines.pgx.phenotype import format_score
from tailormed.engines.pgx.recommend import recommend_drug
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge
from tailormed.knowledge.pgx.interactions import (
    GeneConversion,
    Perpetrator,
    PhenoconversionRules,
    Strength,
)
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.model.base import Contract
from tailormed.model.patient import Medication
from tailormed.model.pgx import GenePhenotype, GuidelineResult, Phenoconversion


class ReviewedMedication(Contract):
    """One medication with what the genotype says and, if co-medication changes a gene, what applies now."""

    medication: str
    status: str
    genotype_recommendations: list[GuidelineResult] = Field(default_factory=list)
    effective_recommendations: list[GuidelineResult] | None = Field(
        default=None, description="Looked up with phenoconverted results; None when no gene of its guidelines changed"
    )
    phenoconversions: list[Phenoconversion] = Field(default_factory=list)

    @property
    def recommendations(self) -> list[GuidelineResult]:
        """The guidance that applies to the patient as they are now."""
        return self.effective_recommendations if self.effective_recommendations is not None else (
            self.genotype_recommendations
        )

    @property
    def guidance_changed(self) -> bool:
        """Phenoconversion changed which recommendation rows apply."""
        if self.effective_recommendations is None:
            return False
        before = [[r.row_id for r in g.rows] for g in self.genotype_recommendations]
        after = [[r.row_id for r in g.rows] for g in self.effective_recommendations]
        return before != after


class MedicationReview(Contract):
    medications: list[ReviewedMedication] = Field(default_factory=list)
    phenoconversions: list[Phenoconversion] = Field(default_factory=list, description="Over the whole list")
    without_guidance: list[str] = Field(default_factory=list, description="Medications no guideline covers")


def matching_perpetrators(
    medications: Iterable[Medication], rules: PhenoconversionRules, exclude: Medication | None = None
) -> dict[str, list[tuple[Medication, Perpetrator]]]:
    """Gene -> the medications on the list that inhibit or induce it (``exclude``: the drug under review)."""
    found: dict[str, list[tuple[Medication, Perpetrator]]] = {}
    for medication in medications:
        if exclude is not None and _same_drug(medication, exclude):
            continue
        for perpetrator in rules.perpetrators:
            if _is(medication, perpetrator):
                found.setdefault(perpetrator.gene, []).append((medication, perpetrator))
    return found


def phenoconvert(
    result: GenePhenotype,
    acting: list[tuple[Medication, Perpetrator]],
    rules: PhenoconversionRules,
    tables: PhenotypeKnowledge,
) -> tuple[GenePhenotype, Phenoconversion | None]:
    """The effective result of one gene given the perpetrators acting on it (unchanged if none applies)."""
    conversion = rules.genes.get(result.gene)
    if conversion is None or not acting or not result.called or result.phenotype is None:
        return result, None
    names = list(dict.fromkeys(m.name for m, _ in acting))
    citations = list(dict.fromkeys(rules.citation(c) for _, p in acting for c in [*p.cites, *conversion.cites]))
    roles = {p.role for _, p in acting}
    unverified = list(dict.fromkeys(reason for _, p in acting for reason in rules.unverified(p)))
    if len(roles) > 1:
        note = (
            f"{result.gene}: inhibitor and inducer on the list together ({', '.join(names)}); the genotype "
            f"result {result.phenotype} is kept, monitor response"
        )
        return result, Phenoconversion(
            gene=result.gene, genotype_phenotype=result.phenotype, genotype_activity_score=result.activity_score,
            effective_phenotype=result.phenotype, perpetrators=names, effect="opposing inhibitor and inducer",
            applied=False, explanation=note, citations=citations, unverified=unverified,
        )
    strongest = min((p for _, p in acting), key=lambda p: 0 if p.strength == Strength.STRONG else 1)
    effect = conversion.effects[strongest.effect_key]
    drivers = [m.name for m, p in acting if p.strength == strongest.strength]
    label = f"{strongest.strength.value} {result.gene} {strongest.role.value}"
    if effect.activity_factor is not None:
        converted = _convert_score(result, effect.activity_factor, conversion, tables)
        if converted is None:
            return result, None
        phenotype, score, lookup = converted
    else:
        stepped = effect.phenotype or _step(result.phenotype, effect.steps or 0, conversion)
        if stepped is None:
            return result, None
        phenotype, score, lookup = stepped, None, None
    if phenotype == result.phenotype and (lookup or score or result.activity_score) == result.activity_score:
        return result, None
    before = result.phenotype + (f" (activity score {result.activity_score})" if result.activity_score else "")
    after = phenotype + (f" (activity score {score})" if score else "")
    if lookup is not None and lookup != score:
        after += f", looked up as activity score {lookup}"
    explanation = f"{result.gene} {before} -> {after}, because of {' and '.join(drivers)} ({label})"
    change = Phenoconversion(
        gene=result.gene, genotype_phenotype=result.phenotype, genotype_activity_score=result.activity_score,
        effective_phenotype=phenotype, effective_activity_score=score, lookup_activity_score=lookup,
        perpetrators=names, effect=label, applied=True, explanation=explanation, citations=citations,
        unverified=unverified,
    )
    effective = result.model_copy(
        update={
            "phenotype": phenotype,
            "activity_score": lookup if effect.activity_factor is not None else result.activity_score,
            "diplotype_alleles": None,
            "phenoconversion": explanation,
        }
    )
    return effective, change


def effective_results(
    results: Mapping[str, GenePhenotype],
    medications: Iterable[Medication],
    rules: PhenoconversionRules,
    tables: PhenotypeKnowledge,
    exclude: Medication | None = None,
) -> tuple[dict[str, GenePhenotype], list[Phenoconversion]]:
    """All gene results after phenoconversion by ``medications`` (minus ``exclude``), and the changes made."""
    acting = matching_perpetrators(medications, rules, exclude)
    effective = dict(results)
    changes = []
    for gene, pairs in sorted(acting.items()):
        result = results.get(gene)
        if result is None:
            continue
        converted, change = phenoconvert(result, pairs, rules, tables)
        effective[gene] = converted
        if change is not None:
            changes.append(change)
    return effective, changes


def review_medications(
    medications: list[Medication],
    results: Mapping[str, GenePhenotype],
    guidelines: GuidelineKnowledge,
    rules: PhenoconversionRules,
    tables: PhenotypeKnowledge,
) -> MedicationReview:
    """Genotype and effective (phenoconverted) guidance for each medication on the list."""
    _, overall = effective_results(results, medications, rules, tables)
    reviewed = []
    without = []
    for medication in medications:
        genotype = recommend_drug(guidelines, results, medication.name, medication.rxnorm, medication.atc)
        if not genotype:
            genotype = recommend_drug(guidelines, results, _first_word(medication.name))
        if not genotype:
            without.append(medication.name)
            continue
        effective, changes = effective_results(results, medications, rules, tables, exclude=medication)
        genes = {gene for answer in genotype for gene in answer.genes}
        relevant = [c for c in changes if c.gene in genes]
        recomputed = None
        if any(c.applied for c in relevant):
            recomputed = recommend_drug(guidelines, effective, genotype[0].drug)
        reviewed.append(
            ReviewedMedication(
                medication=medication.name,
                status=medication.status.value,
                genotype_recommendations=genotype,
                effective_recommendations=recomputed,
                phenoconversions=relevant,
            )
        )
    return MedicationReview(medications=reviewed, phenoconversions=overall, without_guidance=without)


def _convert_score(
    result: GenePhenotype, factor: float, conversion: GeneConversion, tables: PhenotypeKnowledge
) -> tuple[str, str, str | None] | None:
    if factor == 0.0:
        value = 0.0
    else:
        genotype = _score(result.activity_score)
        if genotype is None:
            return None
        value = genotype * factor
    phenotype = conversion.phenotype_for(value)
    if phenotype is None:
        return None
    table = tables.gene(result.gene)
    lookup = None
    if table is not None:
        grid = sorted(
            number
            for score, name in table.activity_scores.items()
            if name == phenotype and (number := _score(score)) is not None and not score.startswith("≥")
        )
        below = [g for g in grid if g <= value]
        chosen = below[-1] if below else (grid[0] if grid else None)
        lookup = format_score(chosen) if chosen is not None else None
    return phenotype, format_score(value), lookup


def _step(phenotype: str, steps: int, conversion: GeneConversion) -> str | None:
    name = conversion.phenotype_aliases.get(phenotype, phenotype)
    if name not in conversion.phenotype_order:
        return None
    index = conversion.phenotype_order.index(name) + steps
    return conversion.phenotype_order[max(0, min(index, len(conversion.phenotype_order) - 1))]


def _score(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.removeprefix("≥"))
    except ValueError:
        return None


def _is(medication: Medication, perpetrator: Perpetrator) -> bool:
    if medication.rxnorm and perpetrator.rxnorm:
        return medication.rxnorm == perpetrator.rxnorm
    if medication.atc and perpetrator.atc and medication.atc == perpetrator.atc:
        return True
    names = {n.casefold() for n in perpetrator.names()}
    return medication.name.strip().casefold() in names or _first_word(medication.name) in names


def _same_drug(a: Medication, b: Medication) -> bool:
    if a.rxnorm and b.rxnorm:
        return a.rxnorm == b.rxnorm
    return _first_word(a.name) == _first_word(b.name)


def _first_word(name: str) -> str:
    words = name.strip().casefold().split()
    return words[0] if words else ""

