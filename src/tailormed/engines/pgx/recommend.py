"""CPIC and DPWG recommendations for a patient's gene results, matched across every gene a guideline needs.

A guideline row applies when each of its criteria holds for that gene's result (see
:mod:`tailormed.knowledge.pgx.guidelines`). Several rows may apply, for different populations. A gene the
guideline needs but which was not called is never taken as normal: only rows the guideline wrote for "no result"
can match it, and the result always says which gene could not be assessed. When a DPWG row names the exact
diplotype, it is preferred over the same guideline's row for the phenotype. A row with a ``condition`` also asks
how the score arose: DPWG gives DPYD activity score 1.0 a 50 % dose row and a "measure DPD activity" row, and
the second applies only when two different decreased-function variants of unknown phase give that score. A row with
an ``age`` range (a label's adult and paediatric sentences) applies only to a patient of those ages: with no age
known, such rows are left out and the answer says the advice could not be assessed without the patient's age.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable, Mapping
from functools import lru_cache

from tailormed.engines.pgx.phenotype import normalize_score
from tailormed.engines.pgx.untested import described, positions_text
from tailormed.knowledge.pgx.guidelines import (
    AgeRange,
    Criterion,
    CriterionKind,
    Guideline,
    GuidelineKnowledge,
    RecommendationRow,
    RowCondition,
    ScoreOrigin,
)
from tailormed.model.finding import NotAssessed
from tailormed.model.pgx import (
    GenePhenotype,
    GuidelineResult,
    MatchedRow,
    PhenotypeStatus,
    PossibleResult,
    QuotedSource,
    RecommendationStatus,
)


def criterion_holds(criterion: Criterion, result: GenePhenotype | None) -> bool:
    """Whether one gene's result satisfies one criterion of a row."""
    called = result is not None and result.called
    if criterion.kind == CriterionKind.NO_RESULT:
        return not called
    if result is None or not called:
        return False
    if criterion.kind == CriterionKind.ACTIVITY_SCORE:
        return result.activity_score is not None and _score(result.activity_score) in _scores(criterion.values)
    if criterion.kind == CriterionKind.PHENOTYPE:
        return result.phenotype is not None and result.phenotype.casefold() in _folded(criterion.values)
    if criterion.kind == CriterionKind.ALLELE_STATUS:
        for value in criterion.values:
            allele, _, state = value.partition(" ")
            if result.allele_statuses.get(allele) is not (state == "positive"):
                return False
        return True
    return result.diplotype_alleles is not None and result.diplotype_alleles == tuple(criterion.values)


def rows_key(guideline: Guideline, gene: str, result: GenePhenotype | None) -> Hashable:
    """What the guideline's rows are matched on in one gene's result: whether it was called, the values its
    criteria on the gene compare (activity score, phenotype, allele statuses, diplotype), the phenotype where a row
    asks whether the result is abnormal, and how the score arose where a row's condition asks.

    Results with equal keys match the same rows of the guideline (:func:`criterion_holds`, :func:`condition_holds`,
    whether a row changes therapy), so its answers to them are actionable alike; the rest of an answer (the results
    it names, notes on ranges and untested alleles) rests on the whole result.
    """
    if result is None or not result.called:
        return None
    kinds, condition = _kept(guideline).criteria.get(gene, (frozenset(), False))
    return (
        result.activity_score if CriterionKind.ACTIVITY_SCORE in kinds else None,
        result.phenotype if kinds - {CriterionKind.NO_RESULT, CriterionKind.ALLELE_STATUS} else None,
        tuple(sorted(result.allele_statuses.items())) if CriterionKind.ALLELE_STATUS in kinds else None,
        result.diplotype_alleles if CriterionKind.DIPLOTYPE in kinds else None,
        score_origins(result) if condition else None,
    )


def named_key(guideline: Guideline, gene: str, result: GenePhenotype | None) -> Hashable:
    """What a matched answer of the guideline rests on in one gene's result, when no result of its genes is
    :func:`ranged`: the :func:`rows_key`, and for the guideline's own genes the result as the answer names it.

    Matched answers (those with rows) to results with equal keys are equal: their rows, what they name and what they
    say could not be assessed (only genes not called, for a matched answer) are the same.
    """
    key = rows_key(guideline, gene, result)
    return (key, _summary(result)) if gene in guideline.genes else key


def key_shape(guideline: Guideline, gene: str) -> Hashable:
    """All that :func:`rows_key` and :func:`named_key` read of the guideline for one gene: guidelines with equal
    shapes give every result of the gene equal keys (many guidelines ask the same of a gene)."""
    return _kept(guideline).criteria.get(gene, (frozenset(), False)), gene in guideline.genes


def ranged(result: GenePhenotype | None) -> bool:
    """A called result that lists other results it could still be (copy number, alleles the VCF could not test):
    a guideline's answer is then also matched for those, and may be provisional."""
    return result is not None and result.called and bool(result.possible or result.untested)


@lru_cache(maxsize=4096)
def _score(text: str) -> str:
    return normalize_score(text)


@lru_cache(maxsize=4096)
def _scores(values: tuple[str, ...]) -> frozenset[str]:
    """A criterion's activity scores as the tables spell them (worked out once, not for every person)."""
    return frozenset(normalize_score(value) for value in values)


@lru_cache(maxsize=4096)
def _folded(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(value.casefold() for value in values)


def condition_holds(condition: RowCondition | None, result: GenePhenotype | None) -> bool:
    """Whether a row's condition on how the gene's score arose holds (a row without one always passes)."""
    if condition is None:
        return True
    return result is not None and result.called and condition.score_from in score_origins(result)


def score_origins(result: GenePhenotype) -> frozenset[ScoreOrigin]:
    """How the result's score arose, in both ways guidelines part it (see :class:`ScoreOrigin`).

    By phase: two different variant alleles from unphased genotypes, or alleles whose copies are known (a score
    given by an outside call without its alleles counts as known: the laboratory stated it). By function: one
    no-function allele beside normal ones, or two or more reduced-function alleles; a score given without its
    alleles is either, so rows for both apply (the guideline's whole advice is shown).
    """
    variants = [a for a in result.alleles if not (a.function or "normal").casefold().startswith("normal")]
    unphased = not result.phased and len(result.alleles) == 2 and len({a.name for a in variants}) == 2
    origins = {ScoreOrigin.TWO_UNPHASED_VARIANTS if unphased else ScoreOrigin.KNOWN_ALLELES}
    if not result.alleles:
        origins |= {ScoreOrigin.ONE_NO_FUNCTION_ALLELE, ScoreOrigin.REDUCED_FUNCTION_VARIANTS}
    elif len(variants) == 1 and (variants[0].function or "").casefold().startswith("no function"):
        origins.add(ScoreOrigin.ONE_NO_FUNCTION_ALLELE)
    elif len(variants) >= 2:
        origins.add(ScoreOrigin.REDUCED_FUNCTION_VARIANTS)
    return frozenset(origins)


#: Answers kept over every guideline (per drug and gene results) before all are forgotten and kept anew: a
#: cohort's common results come back at once, and memory stays bounded (a rare result's answer is seldom reused).
ANSWERS_KEPT = 10_000


def result_keys(results: Mapping[str, GenePhenotype]) -> dict[str, str]:
    """Gene -> everything its result says except whose it is: equal keys get equal answers from every guideline."""
    return {gene: result.model_dump_json(exclude={"sample"}) for gene, result in results.items()}


def match_guideline(
    guideline: Guideline,
    drug: str,
    results: Mapping[str, GenePhenotype],
    keys: Mapping[str, str] | None = None,
    age_years: float | None = None,
) -> GuidelineResult:
    """The rows of one guideline that apply to these gene results, and what could not be assessed.

    When a gene's result lists other results it could still have (a VCF-based CYP2D6 call, whose copy number was
    not measured), the guideline is matched for each of them too: the answer is firm when all give the same
    advice, else provisional, naming the results that differ and the test that resolves them.

    The answer rests only on the results of the genes the guideline reads, never on whose they are, so it is
    kept on the guideline by those results (``keys``: :func:`result_keys`, when the caller has them): people
    with the same results for a guideline's genes (a cohort, a service's requests) are answered once. A guideline
    with rows for some ages only reads ``age_years`` too (unknown: those rows cannot be assessed), by the age ranges
    it holds.
    """
    keys = keys if keys is not None else result_keys(results)
    kept = _kept(guideline)
    answers = kept.answers
    key = (drug, tuple(keys.get(gene, "") for gene in kept.reads), kept.age_key(age_years))
    answer = answers.get(key)
    if answer is None:
        answer = _answer(guideline, drug, results, age_years)
        if sum(len(other.answers) for other in _KEPT.values()) >= ANSWERS_KEPT:
            for other in _KEPT.values():
                other.answers.clear()
        answers[key] = answer
    return answer


class _Kept:
    """What is worked out once per guideline: the genes its rows read (its genes, every criterion's and
    condition's), its rows per drug, and its answers."""

    def __init__(self, guideline: Guideline) -> None:
        genes = dict.fromkeys(guideline.genes)
        for row in guideline.recommendations:
            genes.update(dict.fromkeys(row.genes))
            if row.condition is not None:
                genes[row.condition.gene] = None
        self.reads = tuple(genes)
        kinds: dict[str, set[CriterionKind]] = {}
        conditioned = set()
        for row in guideline.recommendations:
            for criterion in row.criteria:
                kinds.setdefault(criterion.gene, set()).add(criterion.kind)
            if row.condition is not None:
                conditioned.add(row.condition.gene)
        #: gene -> (the kinds of the criteria on it, whether a row's condition reads it)
        self.criteria = {gene: (frozenset(kinds.get(gene, ())), gene in conditioned) for gene in self.reads}
        self.rows: dict[str, tuple[RecommendationRow, ...]] = {}
        #: (drug, gene, rows key of its result) -> the numbers of the drug's rows whose criteria on it hold
        self.fitting: dict[tuple[str, str, Hashable], frozenset[int]] = {}
        #: the distinct age ranges of its rows (none for most guidelines: their answers do not read the age)
        self.ages: tuple[AgeRange, ...] = tuple(
            dict.fromkeys(row.age for row in guideline.recommendations if row.age is not None)
        )
        self.answers: dict[tuple[str, tuple[str, ...], Hashable], GuidelineResult] = {}
        self.advice: dict[tuple[str, tuple[Hashable, ...], Hashable], tuple[str, tuple[tuple[str, str, str], ...]]] = {}
        self.guideline = weakref.ref(guideline, lambda _: _KEPT.pop(id(guideline), None))

    def age_key(self, age_years: float | None) -> Hashable:
        """What an answer reads of the patient's age: which of the rows' age ranges hold (None when no row has one)."""
        if not self.ages:
            return None
        return "unknown" if age_years is None else tuple(age.holds(age_years) for age in self.ages)

    def rows_for(self, guideline: Guideline, drug: str) -> tuple[RecommendationRow, ...]:
        found = self.rows.get(drug)
        if found is None:
            found = self.rows[drug] = tuple(row for row in guideline.recommendations if row.applies_to(drug))
        return found


#: id(guideline) -> what is kept for it, dropped when the guideline is.
_KEPT: dict[int, _Kept] = {}


def _kept(guideline: Guideline) -> _Kept:
    held = _KEPT.get(id(guideline))
    if held is None or held.guideline() is not guideline:
        held = _KEPT[id(guideline)] = _Kept(guideline)
    return held


def _answer(
    guideline: Guideline, drug: str, results: Mapping[str, GenePhenotype], age_years: float | None
) -> GuidelineResult:
    answer = _match_guideline(guideline, drug, results, age_years)
    for gene in guideline.genes:
        result = results.get(gene)
        if result is not None and result.called and result.possible:
            answer = _over_range(answer, guideline, drug, results, result, age_years)
        if result is not None and result.called and result.untested:
            answer = _over_untested(answer, guideline, drug, results, result, age_years)
    return answer


def _differing(
    answer: GuidelineResult,
    guideline: Guideline,
    drug: str,
    results: Mapping[str, GenePhenotype],
    result: GenePhenotype,
    possibles: list[PossibleResult],
    age_years: float | None,
) -> list[PossibleResult]:
    """The possible results of ``result`` under which the guideline gives other advice."""
    given = advice(answer)
    differ = []
    for possible in possibles:
        other = result.model_copy(
            update={
                "status": PhenotypeStatus.ASSIGNED if possible.phenotype else PhenotypeStatus.UNRESOLVED,
                "phenotype": possible.phenotype,
                "activity_score": possible.activity_score,
                "diplotype_alleles": tuple(possible.diplotype.split("/")),
                "possible": [],
                "untested": [],
            }
        )
        if _advice_for(guideline, drug, {**results, result.gene: other}, age_years) != given:
            differ.append(possible)
    return differ


def _advice_for(
    guideline: Guideline, drug: str, results: Mapping[str, GenePhenotype], age_years: float | None
) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """The guideline's advice for these results, kept on the guideline by what it rests on in each gene's result:
    the rows matched (:func:`rows_key`) and the status, which also asks whether a result is ambiguous, has no
    phenotype or lacks the value looked up (a copy-number range is answered over many results that share these)."""
    kept = _kept(guideline)
    key = (drug, tuple(_advice_key(guideline, gene, results.get(gene)) for gene in kept.reads), kept.age_key(age_years))
    found = kept.advice.get(key)
    if found is None:
        if sum(len(other.advice) for other in _KEPT.values()) >= ANSWERS_KEPT:
            for other in _KEPT.values():
                other.advice.clear()
        found = kept.advice[key] = advice(_match_guideline(guideline, drug, results, age_years))
    return found


def _advice_key(guideline: Guideline, gene: str, result: GenePhenotype | None) -> Hashable:
    if result is None:
        return None
    return rows_key(guideline, gene, result), result.status, _value(result) == "unknown"


def _over_untested(
    answer: GuidelineResult,
    guideline: Guideline,
    drug: str,
    results: Mapping[str, GenePhenotype],
    result: GenePhenotype,
    age_years: float | None,
) -> GuidelineResult:
    """Provisional when an allele the VCF could not test would change the advice (its positions not called)."""
    differ = _differing(answer, guideline, drug, results, result, result.untested, age_years)
    if not differ:
        return answer
    positions = positions_text(result.untested_positions)
    test = f"genotyping {positions}"
    note = (
        f"provisional: based on {result.summary}, which assumes alleles the VCF could not test are absent "
        f"({positions} not called); the advice differs for {described(differ)}; {test} resolves this"
    )
    return _provisional(answer, note, _join(answer.resolving_test, test, " and "))


def _provisional(answer: GuidelineResult, note: str, resolving_test: str | None) -> GuidelineResult:
    """``answer`` marked provisional, with ``note`` added to what its range says."""
    return answer.model_copy(
        update={"provisional": True, "range_note": _join(answer.range_note, note), "resolving_test": resolving_test}
    )


def _over_range(
    answer: GuidelineResult,
    guideline: Guideline,
    drug: str,
    results: Mapping[str, GenePhenotype],
    result: GenePhenotype,
    age_years: float | None,
) -> GuidelineResult:
    differ = _differing(answer, guideline, drug, results, result, result.possible, age_years)
    called = result.summary
    if not differ:
        listed = "; ".join(p.described for p in result.possible)
        note = f"{result.gene}: the same advice holds for every result its copy number could give ({listed})"
        return answer.model_copy(update={"range_note": _join(answer.range_note, note)})
    listed = "; ".join(f"{p.described} if {p.because}" for p in differ)
    note = (
        f"provisional: based on {called}; the advice differs for {listed}; "
        f"{result.resolving_test or 'copy-number testing'} resolves this"
    )
    return _provisional(answer, note, result.resolving_test)


def advice(answer: GuidelineResult) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """What a guideline tells the prescriber, whatever the lookup value that led there."""
    rows = sorted((row.text, row.classification or "", row.population or "") for row in answer.rows)
    return answer.status.value, tuple(rows)


def _join(first: str | None, second: str, separator: str = "; ") -> str:
    return second if not first else f"{first}{separator}{second}"


def actionable(
    guideline: Guideline, drug: str, results: Mapping[str, GenePhenotype], age_years: float | None = None
) -> bool:
    """Whether :func:`match_guideline`'s answer is actionable (a matched row changes therapy for an abnormal
    result), decided from the rows it matches without working out the answer."""
    return any(
        row.changes_therapy and any(_is_abnormal(c, results.get(c.gene)) for c in row.criteria)
        for row in _for_age(_matched(guideline, drug, results), age_years)
    )


def _for_age(rows: list[RecommendationRow], age_years: float | None) -> list[RecommendationRow]:
    """The rows for a patient of ``age_years``: rows without an age range, and those whose range holds (none of
    those with a range when the age is unknown)."""
    return [row for row in rows if row.age is None or (age_years is not None and row.age.holds(age_years))]


def _matched(guideline: Guideline, drug: str, results: Mapping[str, GenePhenotype]) -> list[RecommendationRow]:
    """The drug's rows whose criteria and condition hold for the results (only those naming a diplotype, if any
    does). A row holds when it holds gene by gene, so per gene read the rows that hold for its result are kept by
    the result's :func:`rows_key` (equal keys hold alike): a cohort's answers look rows up, not test them."""
    kept = _kept(guideline)
    rows = kept.rows_for(guideline, drug)
    chosen: frozenset[int] | None = None
    for gene in kept.reads:
        result = results.get(gene)
        key = (drug, gene, rows_key(guideline, gene, result))
        fits = kept.fitting.get(key)
        if fits is None:
            if sum(len(other.fitting) for other in _KEPT.values()) >= ANSWERS_KEPT:
                for other in _KEPT.values():
                    other.fitting.clear()
            fits = kept.fitting[key] = frozenset(
                number
                for number, row in enumerate(rows)
                if all(criterion_holds(c, result) for c in row.criteria if c.gene == gene)
                and (row.condition is None or row.condition.gene != gene or condition_holds(row.condition, result))
            )
        chosen = fits if chosen is None else chosen & fits
    matched = [row for number, row in enumerate(rows) if chosen is None or number in chosen]
    if any(_names_diplotype(row) for row in matched):
        matched = [row for row in matched if _names_diplotype(row)]
    # One written row keyed both by activity score and by phenotype (DPWG phenytoin: "1.0", "1.5" and
    # "Intermediate Metabolizer" give the same advice) is two compiled rows; a result with both is given it once.
    unique: dict[RecommendationRow, RecommendationRow] = {}
    for row in matched:
        unique.setdefault(row.model_copy(update={"id": "", "criteria": ()}), row)
    return list(unique.values())


def _match_guideline(
    guideline: Guideline, drug: str, results: Mapping[str, GenePhenotype], age_years: float | None
) -> GuidelineResult:
    by_genes = _matched(guideline, drug, results)
    matched = _for_age(by_genes, age_years)
    not_assessed = _not_assessed(guideline, results, matched)
    if age_years is None and (aged := [row for row in by_genes if row.age is not None]):
        ranges = "; ".join(dict.fromkeys(f"{_row_population(row)}: {row.text}" for row in aged))
        not_assessed.append(
            NotAssessed(
                item="age",
                reason=f"cannot be assessed: the {guideline.source} advice for this result depends on the patient's "
                f"age, which is not recorded ({ranges})",
            )
        )
    if matched:
        status = RecommendationStatus.MATCHED
    elif not_assessed:
        status = RecommendationStatus.NOT_ASSESSED
    else:
        status = RecommendationStatus.NO_MATCHING_ROW
        values = ", ".join(f"{g} {_value(results.get(g))}" for g in guideline.genes)
        not_assessed.append(NotAssessed(item=guideline.name, reason=f"the guideline has no row for {values}"))
    return GuidelineResult(
        drug=drug,
        guideline_id=guideline.id,
        guideline_name=guideline.name,
        source=guideline.source,
        version=guideline.version,
        url=guideline.url,
        genes=list(guideline.genes),
        citations=guideline.pmids,
        status=status,
        rows=[_matched_row(row, results) for row in matched],
        gene_results={g: _summary(results.get(g)) for g in guideline.genes},
        not_assessed=not_assessed,
    )


def recommend_drug(
    knowledge: GuidelineKnowledge,
    results: Mapping[str, GenePhenotype],
    name: str | None = None,
    rxnorm: str | None = None,
    atc: str | None = None,
    age_years: float | None = None,
) -> list[GuidelineResult]:
    """Every guideline's answer for one drug, found by name (case-insensitive), RxNorm or ATC code, for a patient
    of ``age_years`` (None: not known)."""
    answers = []
    keys = result_keys(results)
    for guideline in knowledge.for_drug(name, rxnorm, atc):
        drug = guideline.covers(name, rxnorm, atc)
        if drug is not None and guideline.recommendations:
            answers.append(match_guideline(guideline, drug.name, results, keys, age_years))
    return answers


def recommend_all(
    knowledge: GuidelineKnowledge, results: Mapping[str, GenePhenotype], age_years: float | None = None
) -> list[GuidelineResult]:
    """Every drug of every guideline that has rows, for a full report (``age_years``: None when not known)."""
    keys = result_keys(results)
    return [match_guideline(guideline, drug, results, keys, age_years) for guideline, drug in every_drug(knowledge)]


def every_drug(knowledge: GuidelineKnowledge) -> list[tuple[Guideline, str]]:
    """(guideline, drug name) of every drug of every guideline that has rows, in the order of a full report."""
    return [
        (guideline, drug.name)
        for guideline in knowledge.guidelines
        if guideline.recommendations
        for drug in guideline.drugs
    ]


def genes_read(guideline: Guideline) -> tuple[str, ...]:
    """The genes whose results a guideline's answer rests on: its genes, every criterion's and condition's."""
    return _kept(guideline).reads


def _names_diplotype(row: RecommendationRow) -> bool:
    return any(c.kind == CriterionKind.DIPLOTYPE for c in row.criteria)


def _row_population(row: RecommendationRow) -> str:
    """Whom the row is for: its population and, for a row chosen by age, the ages."""
    if row.age is None:
        return row.population or "general"
    return f"{row.population} ({row.age.described})" if row.population else row.age.described


def _matched_row(row: RecommendationRow, results: Mapping[str, GenePhenotype]) -> MatchedRow:
    matched_on = {c.gene: _criterion_text(c, results.get(c.gene)) for c in row.criteria}
    abnormal = any(_is_abnormal(c, results.get(c.gene)) for c in row.criteria)
    return MatchedRow(
        row_id=row.id,
        population=_row_population(row) if row.age is not None else row.population,
        classification=row.classification,
        implications=list(row.implications),
        text=row.text,
        dosing_information=row.dosing_information,
        alternate_drug_available=row.alternate_drug_available,
        other_prescribing_guidance=row.other_prescribing_guidance,
        matched_on=matched_on,
        actionable=row.changes_therapy and abnormal,
        sources=[
            QuotedSource(cite=q.cite, at=q.at, quote=q.quote)
            for q in (
                *row.sources,
                *(row.condition.sources if row.condition else ()),
                *(row.age.sources if row.age else ()),
            )
        ],
    )


def _is_abnormal(criterion: Criterion, result: GenePhenotype | None) -> bool:
    """A result that is neither 'normal' nor an absent risk allele, nor a gene that was not tested."""
    if criterion.kind == CriterionKind.NO_RESULT or result is None:
        return False
    if criterion.kind == CriterionKind.ALLELE_STATUS:
        return any(value.endswith("positive") for value in criterion.values)
    return not (result.phenotype or "").casefold().startswith("normal")


def _criterion_text(criterion: Criterion, result: GenePhenotype | None) -> str:
    """The value that matched: the patient's score or phenotype (a row may list several), the diplotype, statuses."""
    if criterion.kind == CriterionKind.NO_RESULT:
        return "no result"
    if criterion.kind == CriterionKind.DIPLOTYPE:
        return "/".join(criterion.values)
    if criterion.kind == CriterionKind.ACTIVITY_SCORE:
        score = result.activity_score if result is not None and result.activity_score else criterion.values[0]
        return f"activity score {normalize_score(score)}"
    if criterion.kind == CriterionKind.PHENOTYPE:
        return result.phenotype if result is not None and result.phenotype else criterion.values[0]
    return " and ".join(criterion.values)


def _not_assessed(
    guideline: Guideline, results: Mapping[str, GenePhenotype], matched: list[RecommendationRow]
) -> list[NotAssessed]:
    items = []
    for gene in guideline.genes:
        result = results.get(gene)
        if result is None or not result.called:
            used_without = any(
                c.gene == gene and c.kind == CriterionKind.NO_RESULT for row in matched for c in row.criteria
            )
            reason = (
                f"{gene} not called; the recommendation shown is the guideline's advice without a {gene} result"
                if used_without
                else f"cannot be assessed: {gene} not called"
            )
            items.append(NotAssessed(item=gene, reason=reason))
        elif not matched and result.status == PhenotypeStatus.AMBIGUOUS:
            items.append(NotAssessed(item=gene, reason=f"{gene} phenotype is ambiguous: {'; '.join(result.notes)}"))
        elif not matched and result.status == PhenotypeStatus.UNRESOLVED and result.phenoconversion:
            items.append(NotAssessed(item=gene, reason=result.phenoconversion))
        elif not matched and result.status in (PhenotypeStatus.UNRESOLVED, PhenotypeStatus.NO_TABLE):
            items.append(NotAssessed(item=gene, reason=f"{gene} {' or '.join(result.diplotypes)} has no phenotype"))
        elif not matched and _value(result) == "unknown":
            items.append(NotAssessed(item=gene, reason=f"{gene} result lacks the value this guideline looks up"))
    return items


def _value(result: GenePhenotype | None) -> str:
    if result is None or not result.called:
        return "not called"
    if result.allele_statuses:
        statuses = result.allele_statuses.items()
        return ", ".join(f"{a} {'positive' if carried else 'negative'}" for a, carried in statuses)
    return result.lookup_value or result.phenotype or "unknown"


def _summary(result: GenePhenotype | None) -> str:
    if result is None:
        return "not called"
    text = result.summary
    return f"{text} [{result.phenoconversion}]" if result.phenoconversion else text
