"""Medication review: genotype-guided recommendations for the drugs a patient takes, with phenoconversion.

A strong or moderate inhibitor (or inducer) on the medication list changes how the patient actually metabolizes
drugs: a CYP2D6 normal metabolizer taking paroxetine behaves as a poor metabolizer. Following the CPIC opioid
guideline (Crews 2021) for CYP2D6, the genotype's activity score is multiplied by the perpetrator's factor (0 for a
strong, 0.5 for a moderate inhibitor) and renamed with the gene's score bands. A drug that acts on the enzyme by an
amount no source states, or whose strength has no sourced rule for the gene (every CYP2C9 and CYP2C19
perpetrator), leaves the effective result unassessed (the guidance for the other drugs says so), unless a strong
inhibitor with a rule already sets the lowest result or the genotype leaves no function to inhibit (a poor
metabolizer stays one). When only inhibitors act, the result can only lie between the genotype result and the
gene's lowest one: a drug whose guideline gives the same rows for every result in that reach keeps them (the
inhibitor cannot change its advice); otherwise its guidance cannot be assessed and names the advice that differs.
Every drug is looked up twice, with the genotype result and with the effective one, and both are kept so a
report can show "genotype phenotype -> effective phenotype, because of DRUG". Rules come in as data
(:class:`PhenoconversionRules`); nothing here reads files.

Route: a perpetrator's strength is known from systemic doses (the studies and labels behind it give tablets or
injections), so a medicine whose record says it is used on the skin, in the eye, the ear or the nose
(:data:`LOCAL_ROUTES`) does not carry it: it is left out, and the change says so, unless its entry quotes a source
for that route (``local_routes``: miconazole cream and warfarin). A medicine without a stated route
(or with ``other``) is still applied, the safe reading of an unknown, and the change says the route was not stated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import product

from pydantic import Field

from tailormed.engines.pgx.phenotype import format_score
from tailormed.engines.pgx.recommend import advice, recommend_drug
from tailormed.knowledge.medicines import MedicineVocabulary, Resolution, core_medicines, medication_names
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge
from tailormed.knowledge.pgx.interactions import (
    LOCAL_ROUTES,
    GeneConversion,
    Perpetrator,
    PhenoconversionRules,
    Role,
    Strength,
)
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.model.base import Contract
from tailormed.model.finding import NotAssessed
from tailormed.model.patient import Medication, Route
from tailormed.model.pgx import (
    GenePhenotype,
    GuidelineResult,
    Phenoconversion,
    PhenotypeStatus,
    RecommendationStatus,
)


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
        return (
            self.effective_recommendations
            if self.effective_recommendations is not None
            else (self.genotype_recommendations)
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
    without_guidance: list[str] = Field(
        default_factory=list, description="Known medicines without a CPIC or DPWG pair (no pharmacogenomic guidance)"
    )
    not_in_bundle: list[str] = Field(
        default_factory=list,
        description="Medicines with a CPIC level A/B gene pair whose guideline this knowledge bundle does not hold",
    )
    unrecognised: list[str] = Field(default_factory=list, description="Names the medicine vocabulary does not know")


#: How a clinician would say each local route (:data:`LOCAL_ROUTES`).
LOCAL_ROUTE_WORDS: dict[Route, str] = {
    Route.TOPICAL: "applied to the skin",
    Route.OPHTHALMIC: "used in the eye",
    Route.OTIC: "used in the ear",
    Route.NASAL: "used in the nose",
}
#: Said of an applied perpetrator whose route is not stated, or stated as ``other``.
UNSTATED_ROUTE = "applied as for systemic use (not applied when the record says skin, eye, ear or nose)"


def is_local(medication: Medication, perpetrator: Perpetrator) -> bool:
    """The record says the medicine is used where its systemic interaction does not follow it (a local route its
    entry quotes no source for)."""
    route = medication.route
    return route is not None and route in LOCAL_ROUTES and route not in perpetrator.local_routes


def _route_notes(gene: str, local: list[tuple[Medication, Perpetrator]], applied: list[Medication]) -> list[str]:
    """What the routes of the perpetrators did: left out by a local route, or applied without a stated one."""
    notes = [
        f"{m.name} {LOCAL_ROUTE_WORDS[m.route]}: its {gene} {_ACTION[p.role]} is known from systemic (oral) "
        "use; not applied"
        for m, p in local
        if m.route is not None
    ]
    covered = list(dict.fromkeys(m for m in applied if m.route is not None and m.route in LOCAL_ROUTES))
    notes += [
        f"{m.name} {LOCAL_ROUTE_WORDS[m.route]}: applied, a source reports the interaction for this use too"
        for m in covered
        if m.route is not None
    ]
    for route, said in ((None, "route not stated"), (Route.OTHER, "route 'other'")):
        names = list(dict.fromkeys(m.name for m in applied if m.route == route))
        if names:
            notes.append(f"{' and '.join(names)}: {said}, {UNSTATED_ROUTE}")
    return list(dict.fromkeys(notes))


_ACTION = {Role.INHIBITOR: "inhibition", Role.INDUCER: "induction"}


def _with_notes(change: Phenoconversion | None, notes: list[str]) -> Phenoconversion | None:
    if change is None or not notes:
        return change
    return change.model_copy(update={"explanation": "; ".join([change.explanation, *notes])})


def matching_perpetrators(
    medications: Iterable[Medication],
    rules: PhenoconversionRules,
    exclude: Medication | None = None,
    medicines: MedicineVocabulary | None = None,
) -> dict[str, list[tuple[Medication, Perpetrator]]]:
    """Gene -> the medications on the list that inhibit or induce it (``exclude``: the drug under review)."""
    vocabulary = medicines or core_medicines()
    found: dict[str, list[tuple[Medication, Perpetrator]]] = {}
    excluded = set(medication_names(exclude, vocabulary)) if exclude is not None else set()
    for medication in medications:
        names = set(medication_names(medication, vocabulary))
        if names & excluded:
            continue
        for perpetrator in rules.perpetrators:
            if _is(medication, names, perpetrator):
                found.setdefault(perpetrator.gene, []).append((medication, perpetrator))
    return found


def phenoconvert(
    result: GenePhenotype,
    acting: list[tuple[Medication, Perpetrator]],
    rules: PhenoconversionRules,
    tables: PhenotypeKnowledge,
) -> tuple[GenePhenotype, Phenoconversion | None]:
    """The effective result of one gene given the perpetrators acting on it (unchanged if none applies).

    Perpetrators used locally (:func:`is_local`) are left out; the change names them, and names the applied ones
    whose route the record does not state."""
    conversion = rules.genes.get(result.gene)
    if conversion is None or not acting or not result.called or result.phenotype is None:
        return result, None
    local = [(m, p) for m, p in acting if is_local(m, p)]
    systemic = [(m, p) for m, p in acting if not is_local(m, p)]
    if not systemic:
        return result, _left_out(result, local)
    effective, change = _phenoconvert(result, systemic, rules, conversion, tables)
    notes = _route_notes(result.gene, local, [m for m, _ in systemic])
    if change is None:
        return result, _left_out(result, local) if local else None
    change = _with_notes(change, notes)
    if effective is not result and change is not None:
        effective = effective.model_copy(update={"phenoconversion": change.explanation})
    return effective, change


def _left_out(result: GenePhenotype, local: list[tuple[Medication, Perpetrator]]) -> Phenoconversion:
    """The gene's genotype result stands: every perpetrator on the list is used locally."""
    names = list(dict.fromkeys(m.name for m, _ in local))
    before = f"{result.phenotype}" + (f" (activity score {result.activity_score})" if result.activity_score else "")
    notes = _route_notes(result.gene, local, [])
    return Phenoconversion(
        gene=result.gene,
        genotype_phenotype=result.phenotype,
        genotype_activity_score=result.activity_score,
        effective_phenotype=result.phenotype,
        effective_activity_score=result.activity_score,
        perpetrators=names,
        effect=NOT_APPLIED_ROUTE,
        applied=False,
        explanation=f"{result.gene} {before} kept: {'; '.join(notes)}",
    )


#: ``Phenoconversion.effect`` of a change left out because every perpetrator is used locally.
NOT_APPLIED_ROUTE = "not applied: used locally"


def _phenoconvert(
    result: GenePhenotype,
    acting: list[tuple[Medication, Perpetrator]],
    rules: PhenoconversionRules,
    conversion: GeneConversion,
    tables: PhenotypeKnowledge,
) -> tuple[GenePhenotype, Phenoconversion | None]:
    unknown = [(m, p) for m, p in acting if rules.effect(p) is None]
    known = [(m, p) for m, p in acting if rules.effect(p) is not None]
    inhibitors_only = all(p.role == Role.INHIBITOR for _, p in acting)
    if inhibitors_only and _without_function(result):
        return result, None  # no function left to inhibit, whatever the inhibitors' strength
    if unknown and not (inhibitors_only and any(p.strength == Strength.STRONG for _, p in known)):
        cited = list(dict.fromkeys(rules.citation(c) for _, p in unknown for c in p.cites))
        return _unassessed(result, unknown, cited)
    acting = known  # a strong inhibitor already sets the lowest result
    names = list(dict.fromkeys(m.name for m, _ in acting))
    cites = [c for _, p in acting for part in (p, rules.effect(p), conversion) if part for c in part.cites]
    citations = list(dict.fromkeys(rules.citation(c) for c in cites))
    roles = {p.role for _, p in acting}
    unverified = list(dict.fromkeys(reason for _, p in acting for reason in rules.unverified(p)))
    if len(roles) > 1:
        note = (
            f"{result.gene}: inhibitor and inducer on the list together ({', '.join(names)}); the genotype "
            f"result {result.phenotype} is kept, monitor response"
        )
        return result, Phenoconversion(
            gene=result.gene,
            genotype_phenotype=result.phenotype,
            genotype_activity_score=result.activity_score,
            effective_phenotype=result.phenotype,
            perpetrators=names,
            effect="opposing inhibitor and inducer",
            applied=False,
            explanation=note,
            citations=citations,
            unverified=unverified,
        )
    strongest = min((p for _, p in acting), key=lambda p: 0 if p.strength == Strength.STRONG else 1)
    effect = rules.effect(strongest)
    assert effect is not None  # only perpetrators with a sourced effect are left
    drivers = [m.name for m, p in acting if p.strength == strongest.strength]
    # only the perpetrators that decide the conversion can leave it resting on an unverified rule
    unverified = list(
        dict.fromkeys(reason for _, p in acting if p.strength == strongest.strength for reason in rules.unverified(p))
    )
    label = f"{strongest.strength.value if strongest.strength else ''} {result.gene} {strongest.role.value}"
    converted = _convert_score(result, effect.activity_factor, conversion, tables)
    if converted is None:
        return result, None
    phenotype, score, lookup = converted
    if phenotype == result.phenotype and (lookup or score or result.activity_score) == result.activity_score:
        return result, None
    before = f"{result.phenotype}" + (f" (activity score {result.activity_score})" if result.activity_score else "")
    after = phenotype + (f" (activity score {score})" if score else "")
    if lookup is not None and lookup != score:
        after += f", looked up as activity score {lookup}"
    explanation = f"{result.gene} {before} -> {after}, because of {' and '.join(drivers)} ({label})"
    change = Phenoconversion(
        gene=result.gene,
        genotype_phenotype=result.phenotype,
        genotype_activity_score=result.activity_score,
        effective_phenotype=phenotype,
        effective_activity_score=score,
        lookup_activity_score=lookup,
        perpetrators=names,
        effect=label,
        applied=True,
        explanation=explanation,
        citations=citations,
        unverified=unverified,
    )
    possible = []
    for other in result.possible:
        value: tuple[str | None, str | None] = (None, None)
        scored = _convert_score(
            result.model_copy(update={"activity_score": other.activity_score}),
            effect.activity_factor,
            conversion,
            tables,
        )
        if scored is not None:
            value = (scored[0], scored[2] or scored[1])
        update = {"phenotype": value[0], "activity_score": value[1], "because": f"{other.because}, with {label}"}
        possible.append(other.model_copy(update=update))
    effective = result.model_copy(
        update={
            "phenotype": phenotype,
            "activity_score": lookup,
            "diplotype_alleles": None,
            "phenoconversion": explanation,
            "possible": possible,
        }
    )
    return effective, change


def _without_function(result: GenePhenotype) -> bool:
    """The genotype already gives the lowest result: a poor metabolizer, or an activity score of zero."""
    if result.phenotype == "Poor Metabolizer":
        return True
    return result.activity_score is not None and float(result.activity_score) == 0.0


def _unassessed(
    result: GenePhenotype, unknown: list[tuple[Medication, Perpetrator]], citations: list[str]
) -> tuple[GenePhenotype, Phenoconversion]:
    """The gene's effective result is not known: a drug on the list acts on its enzyme by an unstated amount (its
    strength is unknown, or no source read states what that strength does to the gene's result)."""
    names = list(dict.fromkeys(m.name for m, _ in unknown))
    kinds: dict[tuple[str, str], list[str]] = {}
    for medication, perpetrator in unknown:
        kinds.setdefault(_unknown_kind(result.gene, perpetrator), []).append(medication.name)
    before = f"{result.phenotype}" + (f" (activity score {result.activity_score})" if result.activity_score else "")
    reasons = " and ".join(
        f"{' and '.join(dict.fromkeys(drugs))} ({kind}: {why})" for (kind, why), drugs in kinds.items()
    )
    explanation = f"{result.gene} {before} -> cannot be assessed, because of {reasons}"
    change = Phenoconversion(
        gene=result.gene,
        genotype_phenotype=result.phenotype,
        genotype_activity_score=result.activity_score,
        effective_phenotype=None,
        perpetrators=names,
        effect=" and ".join(kind for kind, _ in kinds),
        applied=True,
        explanation=explanation,
        citations=citations,
    )
    effective = result.model_copy(
        update={
            "status": PhenotypeStatus.UNRESOLVED,
            "phenotype": None,
            "activity_score": None,
            "diplotype_alleles": None,
            "phenoconversion": explanation,
            "possible": [],
            "untested": [],
        }
    )
    return effective, change


def _unknown_kind(gene: str, perpetrator: Perpetrator) -> tuple[str, str]:
    """What kind of perpetrator leaves the gene unassessed, and why."""
    if perpetrator.strength is None:
        return (
            f"{gene} {perpetrator.role.value} of unknown strength",
            "no source read states how much it changes the enzyme",
        )
    return (
        f"{perpetrator.strength.value} {gene} {perpetrator.role.value} of unsourced effect",
        f"no source read states what a {perpetrator.strength.value} {perpetrator.role.value} does to the {gene} result",
    )


def effective_results(
    results: Mapping[str, GenePhenotype],
    medications: Iterable[Medication],
    rules: PhenoconversionRules,
    tables: PhenotypeKnowledge,
    exclude: Medication | None = None,
    medicines: MedicineVocabulary | None = None,
) -> tuple[dict[str, GenePhenotype], list[Phenoconversion]]:
    """All gene results after phenoconversion by ``medications`` (minus ``exclude``), and the changes made."""
    acting = matching_perpetrators(medications, rules, exclude, medicines)
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
    medicines: MedicineVocabulary | None = None,
    age_years: float | None = None,
) -> MedicationReview:
    """Genotype and effective (phenoconverted) guidance for each medication on the list, for a patient of
    ``age_years`` (None: not known, so rows a source writes for some ages only cannot be assessed).

    Each entry is resolved to its ingredients first (brand, product string, RxNorm or ATC code). A name nobody
    knows is reported as unrecognised; a known medicine with a CPIC level A/B pair whose guideline the bundle lacks
    is reported as not in this bundle; only the rest have no pharmacogenomic guidance.
    """
    vocabulary = medicines or core_medicines()
    _, overall = effective_results(results, medications, rules, tables, medicines=vocabulary)
    review = MedicationReview(phenoconversions=overall)
    for medication in medications:
        resolved = vocabulary.resolve(medication.name, medication.rxnorm, medication.atc)
        if resolved is None:
            genotype = recommend_drug(
                guidelines, results, medication.name, medication.rxnorm, medication.atc, age_years=age_years
            )
        else:
            genotype = [
                a
                for name in resolved.ingredients
                for a in recommend_drug(guidelines, results, name=name, age_years=age_years)
            ]
        if not genotype:
            _file_without(medication, resolved, vocabulary, review)
            continue
        effective, changes = effective_results(
            results, medications, rules, tables, exclude=medication, medicines=vocabulary
        )
        genes = {gene for answer in genotype for gene in answer.genes}
        relevant = [c for c in changes if c.gene in genes]
        recomputed = None
        if any(c.applied for c in relevant):
            acting = matching_perpetrators(medications, rules, medication, vocabulary)
            drugs = [answer.drug for answer in genotype]
            recomputed, relevant = effective_guidance(
                guidelines, drugs, results, effective, relevant, acting, rules, tables, age_years=age_years
            )
        review.medications.append(
            ReviewedMedication(
                medication=medication.name,
                status=medication.status.value,
                genotype_recommendations=genotype,
                effective_recommendations=recomputed,
                phenoconversions=relevant,
            )
        )
    return review


def effective_guidance(
    guidelines: GuidelineKnowledge,
    drugs: Iterable[str],
    results: Mapping[str, GenePhenotype],
    effective: Mapping[str, GenePhenotype],
    changes: list[Phenoconversion],
    acting: Mapping[str, list[tuple[Medication, Perpetrator]]],
    rules: PhenoconversionRules,
    tables: PhenotypeKnowledge,
    age_years: float | None = None,
) -> tuple[list[GuidelineResult], list[Phenoconversion]]:
    """Each drug's guidance with the ``effective`` results, and ``changes`` with what they mean for those drugs.

    A gene left unassessed by inhibitors alone (one of unknown strength among them) can only have a result
    between its genotype result and its lowest one (:func:`_reach`). A guideline that gives the same advice for
    every result in that reach is answered with it, saying the inhibitor cannot change it; otherwise the answer
    stays "cannot be assessed" and names the advice each result would get.
    """
    reaches: dict[str, list[tuple[str, GenePhenotype]]] = {}
    for change in changes:
        pairs = [(m, p) for m, p in acting.get(change.gene, []) if not is_local(m, p)]
        result = results.get(change.gene)
        conversion = rules.genes.get(change.gene)
        if not (change.applied and change.effective_phenotype is None and pairs and result and conversion):
            continue
        if all(p.role == Role.INHIBITOR for _, p in pairs):
            found = _reach(result, conversion, tables)
            if found is not None:
                reaches[change.gene] = found
    answers = []
    said: dict[str, list[str]] = {}
    for drug in dict.fromkeys(drugs):
        for answer in recommend_drug(guidelines, effective, name=drug, age_years=age_years):
            genes = [g for g in answer.genes if g in reaches]
            if genes and answer.status == RecommendationStatus.NOT_ASSESSED:
                answer = _over_reach(
                    guidelines, answer, effective, {g: reaches[g] for g in genes}, changes, said, age_years
                )
            answers.append(answer)
    if said:
        changes = [
            c.model_copy(update={"explanation": "; ".join([c.explanation, *said[c.gene]])}) if c.gene in said else c
            for c in changes
        ]
    return answers, changes


def _reach(
    result: GenePhenotype, conversion: GeneConversion, tables: PhenotypeKnowledge
) -> list[tuple[str, GenePhenotype]] | None:
    """The results an inhibitor of unknown strength could leave: the genotype result itself, then every lower
    phenotype of the gene's order or every lower activity score of its table, named by the gene's score bands
    (None when the result has no place in them). The highest of the results the genotype could still have
    (copy number not measured) bounds it."""
    lower = result.model_copy(
        update={
            "status": PhenotypeStatus.ASSIGNED,
            "diplotype_alleles": None,
            "phenoconversion": None,
            "possible": [],
            "untested": [],
        }
    )
    found: list[tuple[str, GenePhenotype]] = [(_named(result.phenotype, result.activity_score), result)]
    if conversion.phenotype_order:
        order = conversion.phenotype_order
        places = [
            order.index(name)
            for phenotype in [result.phenotype, *(p.phenotype for p in result.possible)]
            if phenotype is not None and (name := conversion.phenotype_aliases.get(phenotype, phenotype)) in order
        ]
        own = conversion.phenotype_aliases.get(result.phenotype or "", result.phenotype)
        if not places or own not in order:
            return None
        below = [p for p in reversed(order[: max(places) + 1]) if p != own]
        return found + [(p, lower.model_copy(update={"phenotype": p})) for p in below]
    own_score = _score(result.activity_score)
    table = tables.gene(result.gene)
    if not conversion.activity_bands or own_score is None or table is None:
        return None
    top = max([own_score, *(s for p in result.possible if (s := _score(p.activity_score)) is not None)])
    grid = {
        number for score in table.activity_scores if not score.startswith("≥") and (number := _score(score)) is not None
    }
    for number in sorted((n for n in grid if n <= top and n != own_score), reverse=True):
        phenotype = conversion.phenotype_for(number)
        if phenotype is None:
            return None
        score = format_score(number)
        found.append(
            (_named(phenotype, score), lower.model_copy(update={"phenotype": phenotype, "activity_score": score}))
        )
    return found


def _over_reach(
    guidelines: GuidelineKnowledge,
    answer: GuidelineResult,
    effective: Mapping[str, GenePhenotype],
    reaches: Mapping[str, list[tuple[str, GenePhenotype]]],
    changes: list[Phenoconversion],
    said: dict[str, list[str]],
    age_years: float | None,
) -> GuidelineResult:
    """``answer`` (not assessed) matched again for every combination of results in the genes' reaches."""
    genes = list(reaches)
    groups: dict[tuple[object, str], list[str]] = {}
    first: GuidelineResult | None = None
    for combination in product(*(reaches[g] for g in genes)):
        trial = {**effective, **{g: result for g, (_, result) in zip(genes, combination, strict=True)}}
        found = next(
            (
                a
                for a in recommend_drug(guidelines, trial, name=answer.drug, age_years=age_years)
                if a.guideline_id == answer.guideline_id
            ),
            None,
        )
        if found is None:
            return answer
        first = first or found
        label = " and ".join(
            name if len(genes) == 1 else f"{g} {name}" for g, (name, _) in zip(genes, combination, strict=True)
        )
        groups.setdefault((advice(found), _advice_text(found)), []).append(label)
    assert first is not None
    perpetrators = {g: " and ".join(p for c in changes if c.gene == g for p in c.perpetrators) for g in genes}
    kinds = {g: " and ".join(c.effect for c in changes if c.gene == g) for g in genes}
    because = "; ".join(f"{perpetrators[g]} ({kinds[g]})" for g in genes)
    if len(groups) == 1:
        (labels,) = groups.values()
        text = f"{because} cannot change this advice for {answer.drug}: it is the same for {', '.join(labels)}"
        for gene in genes:
            said.setdefault(gene, []).append(f"it cannot change the {answer.source} advice for {answer.drug}")
        named = {g: f"{summary} [{text}]" if g in reaches else summary for g, summary in first.gene_results.items()}
        note = text if first.range_note is None else f"{first.range_note}; {text}"
        return first.model_copy(update={"range_note": note, "gene_results": named})
    differs = "; ".join(f"{', '.join(labels)}: {text}" for (_, text), labels in groups.items())
    added = f"the {answer.source} advice for {answer.drug} differs: {differs}"
    for gene in genes:
        said.setdefault(gene, []).append(added)
    not_assessed = [
        NotAssessed(item=n.item, reason=f"{n.reason}; {added}") if n.item in reaches else n for n in answer.not_assessed
    ]
    return answer.model_copy(update={"not_assessed": not_assessed})


def _advice_text(answer: GuidelineResult) -> str:
    if not answer.rows:
        return "; ".join(n.reason for n in answer.not_assessed) or answer.status.value.replace("_", " ")
    lines = (
        row.headline + (f" ({row.population})" if row.population else "") for row in answer.rows
    )
    return " / ".join(dict.fromkeys(lines))


def _named(phenotype: str | None, score: str | None) -> str:
    return (phenotype or "no phenotype") + (f" (activity score {score})" if score else "")


def _file_without(
    medication: Medication, resolved: Resolution | None, vocabulary: MedicineVocabulary, review: MedicationReview
) -> None:
    if resolved is None:
        named = vocabulary.ambiguous_meanings(medication.name)
        if named is None:
            review.unrecognised.append(f"{medication.name}: not a known medicine")
        else:
            review.unrecognised.append(f"{medication.name}: ambiguous name ({named}); give the ingredient")
        return
    pairs = [
        f"{pair.gene} (CPIC level {pair.level})"
        for name in resolved.ingredients
        if (known := vocabulary.medicine(name)) is not None
        for pair in known.cpic_pairs
        if pair.level in ("A", "A/B", "B")
    ]
    if pairs:
        review.not_in_bundle.append(f"{medication.name}: {', '.join(pairs)} not in this knowledge bundle")
    else:
        review.without_guidance.append(medication.name)


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


def _score(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.removeprefix("≥"))
    except ValueError:
        return None


def _is(medication: Medication, names: set[str], perpetrator: Perpetrator) -> bool:
    """The medication is the perpetrator: same RxNorm or ATC code, or one of its ingredients bears its name."""
    if medication.rxnorm and perpetrator.rxnorm and medication.rxnorm == perpetrator.rxnorm:
        return True
    if medication.atc and perpetrator.atc and medication.atc == perpetrator.atc:
        return True
    return bool(names & {n.casefold() for n in perpetrator.names()})
