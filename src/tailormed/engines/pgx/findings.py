"""PGx results as :class:`Finding`s: gene results, drug recommendations, phenoconversions and the warfarin dose.

The patient's current and planned medications come first: their recommendations are looked up with the
phenoconverted gene results and are ``actionable`` when the applicable row changes therapy. Recommendations
for drugs the patient does not take are kept only when they would change therapy (pre-emptive guidance). Every
finding carries the knowledge source and version, the source's strength as ``level``, PMIDs, the genotype
facts used, and what could not be assessed (positions not called, genes not called).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from pydantic import Field

from tailormed.engines.pgx.copy_number import phenotype_calls
from tailormed.engines.pgx.dosing import iwpc_dose, warfarin_inputs
from tailormed.engines.pgx.recommend import recommend_all
from tailormed.engines.pgx.review import MedicationReview, review_medications
from tailormed.knowledge.medicines import MedicineVocabulary, core_medicines, medication_names
from tailormed.knowledge.pgx.copy_number import CopyNumberKnowledge
from tailormed.knowledge.pgx.dosing import WarfarinModel
from tailormed.knowledge.pgx.guidelines import GuidelineKnowledge
from tailormed.knowledge.pgx.interactions import PhenoconversionRules
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge
from tailormed.model.base import Contract
from tailormed.model.finding import Domain, Evidence, Finding, NotAssessed, Priority
from tailormed.model.patient import Patient
from tailormed.model.pgx import (
    GeneCall,
    GenePhenotype,
    GuidelineResult,
    Phenoconversion,
    PhenotypeStatus,
    RecommendationStatus,
    WarfarinDose,
)


class PgxKnowledge(Contract):
    """The knowledge the PGx engine reads, handed in whole so the engine never opens a file."""

    phenotypes: PhenotypeKnowledge
    guidelines: GuidelineKnowledge
    phenoconversion: PhenoconversionRules
    warfarin: WarfarinModel | None = None
    copy_number: CopyNumberKnowledge = Field(
        default_factory=CopyNumberKnowledge, description="Genes whose deletions and duplications a VCF cannot show"
    )
    medicines: MedicineVocabulary = Field(
        default_factory=core_medicines, description="Resolves medication entries to ingredients", exclude=True
    )


class PgxResult(Contract):
    """Everything the PGx engine worked out for one patient, before it is phrased as findings."""

    phenotypes: dict[str, GenePhenotype]
    review: MedicationReview
    other_recommendations: list[GuidelineResult] = Field(default_factory=list)
    warfarin: WarfarinDose | None = None


def analyze_pgx(
    patient: Patient,
    gene_calls: Sequence[GeneCall],
    knowledge: PgxKnowledge,
    *,
    on: date,
    rs12777823: tuple[str | None, ...] | None = None,
) -> PgxResult:
    """Phenotypes, medication review with phenoconversion, pre-emptive guidance and the warfarin dose."""
    phenotypes = phenotype_calls(gene_calls, knowledge.phenotypes, knowledge.copy_number)
    medications = patient.current_medications()
    age = patient.demographics.age_on(on)
    review = review_medications(
        medications,
        phenotypes,
        knowledge.guidelines,
        knowledge.phenoconversion,
        knowledge.phenotypes,
        knowledge.medicines,
        age_years=age,
    )
    reviewed = {(g.drug.casefold(), g.source) for m in review.medications for g in m.genotype_recommendations}
    others = [
        answer
        for answer in recommend_all(knowledge.guidelines, phenotypes, age)
        if (answer.drug.casefold(), answer.source) not in reviewed and answer.actionable
    ]
    dose = None
    takes_warfarin = any("warfarin" in medication_names(m, knowledge.medicines) for m in medications)
    if knowledge.warfarin is not None and takes_warfarin:
        inputs = warfarin_inputs(patient, phenotypes, knowledge.warfarin, on=on, rs12777823=rs12777823)
        dose = iwpc_dose(inputs, knowledge.warfarin)
    return PgxResult(phenotypes=phenotypes, review=review, other_recommendations=others, warfarin=dose)


def pgx_findings(
    patient: Patient,
    gene_calls: Sequence[GeneCall],
    knowledge: PgxKnowledge,
    *,
    on: date,
    variant_calls: Mapping[str, list[str]] | None = None,
    rs12777823: tuple[str | None, ...] | None = None,
) -> list[Finding]:
    """The PGx findings for one patient: medications first, then phenoconversions, dose, gene results, other drugs.

    ``variant_calls`` maps a gene to the variant genotypes its call rests on (``['rs4244285 A/A']``).
    """
    result = analyze_pgx(patient, gene_calls, knowledge, on=on, rs12777823=rs12777823)
    return findings_from_result(result, knowledge, variant_calls or {})


def findings_from_result(
    result: PgxResult, knowledge: PgxKnowledge, variant_calls: Mapping[str, list[str]]
) -> list[Finding]:
    findings: list[Finding] = []
    for medication in result.review.medications:
        for answer in medication.recommendations:
            changes = medication.phenoconversions
            findings.append(_recommendation(answer, result.phenotypes, variant_calls, changes, True))
    # genes the guidance of a drug on the list rests on: a co-medication's effect on any other gene matters for
    # later prescriptions, not for what to do now
    listed = {gene for m in result.review.medications for answer in m.recommendations for gene in answer.genes}
    for change in result.review.phenoconversions:
        findings.append(_phenoconversion(change, knowledge.phenoconversion, now=change.gene in listed))
    if result.warfarin is not None and knowledge.warfarin is not None:
        findings.append(_warfarin(result.warfarin, knowledge.warfarin, result.phenotypes, variant_calls))
    for gene in sorted(result.phenotypes):
        findings.append(_gene(result.phenotypes[gene], knowledge.phenotypes, variant_calls))
    for answer in result.other_recommendations:
        findings.append(_recommendation(answer, result.phenotypes, variant_calls, [], False))
    return findings


def _reference_only(result: GenePhenotype) -> bool:
    """The one resolved diplotype is the reference allele twice (VKORC1 -1639 GG: ``rs9923231 reference (C)`` on both
    copies): the usual result of a gene whose phenotypes are genotypes, not function classes, so not one to carry to a
    later prescription.

    >>> call = GenePhenotype(gene="VKORC1", sample="s", status="assigned", phenotype="-1639 GG",
    ...                      diplotype_alleles=("rs9923231 reference (C)", "rs9923231 reference (C)"))
    >>> _reference_only(call), _reference_only(call.model_copy(update={"diplotype_alleles": None}))
    (True, False)
    """
    alleles = result.diplotype_alleles
    return bool(alleles) and all(_REFERENCE.search(allele) for allele in alleles or ())


_REFERENCE = re.compile(r"\breference\b", re.IGNORECASE)


def _gene(
    result: GenePhenotype, tables: PhenotypeKnowledge, variant_calls: Mapping[str, list[str]]
) -> Finding:
    not_assessed = [
        NotAssessed(item=f"{result.gene} {position}", reason="position not called in the VCF")
        for position in result.missing_positions
    ]
    if not result.called:
        not_assessed.append(NotAssessed(item=result.gene, reason="gene not called"))
    elif result.status in (PhenotypeStatus.AMBIGUOUS, PhenotypeStatus.UNRESOLVED, PhenotypeStatus.NO_TABLE):
        not_assessed.append(NotAssessed(item=result.gene, reason="; ".join(result.notes) or result.status.value))
    if result.structural:
        listed = "; ".join(f"{p.described} if {p.because}" for p in result.possible)
        reason = result.structural + (f"; could also be {listed}" if listed else "")
        if result.resolving_test and listed:
            reason += f"; {result.resolving_test} resolves this"
        not_assessed.append(NotAssessed(item=f"{result.gene} copy number", reason=reason))
    normal = (result.phenotype or "").casefold().startswith("normal") or _reference_only(result)
    table = tables.gene(result.gene)
    flagged = table is not None and table.unverified is not None and result.called
    unverified = [f"{result.gene} phenotype: {table.unverified}"] if flagged and table is not None else []
    return Finding(
        id=f"pgx:gene:{result.gene}",
        domain=Domain.PGX,
        title=result.summary,
        summary=" ".join([result.summary + ".", *result.notes]).strip(),
        priority=Priority.INFORMATIONAL if normal or not result.called else Priority.ROUTINE,
        genes=[result.gene],
        data=result,
        evidence=[
            Evidence(
                source=tables.source,
                version=result.table_version or "n/a",
                inputs_used=_inputs(result, variant_calls),
                not_assessed=not_assessed,
                unverified=unverified,
            )
        ],
    )


def _recommendation(
    answer: GuidelineResult,
    phenotypes: Mapping[str, GenePhenotype],
    variant_calls: Mapping[str, list[str]],
    changes: list[Phenoconversion],
    on_list: bool,
) -> Finding:
    priority = recommendation_priority(answer, on_list)
    if answer.status == RecommendationStatus.MATCHED:
        first = answer.rows[0]
        text = first.headline
        population = f" ({first.population})" if first.population and first.population != "general" else ""
        summary = f"{answer.source}{population}: {first.text}"
        if len(answer.rows) > 1:
            summary += f" [{len(answer.rows)} rows apply, for populations: " + ", ".join(
                r.population or "unspecified" for r in answer.rows
            ) + "]"
    else:
        text = "cannot be assessed" if answer.status == RecommendationStatus.NOT_ASSESSED else "no matching row"
        summary = "; ".join(n.reason for n in answer.not_assessed)
    if answer.provisional:
        text = f"provisional: {text}"
    if answer.range_note:
        summary += f" [{answer.range_note}]"
    inputs = [f"{gene}: {value}" for gene, value in answer.gene_results.items()]
    inputs += [v for gene in answer.genes for v in variant_calls.get(gene, [])]
    inputs += [c.explanation for c in changes if c.gene in answer.genes]
    positions = [
        NotAssessed(item=f"{gene} {p}", reason="position not called in the VCF")
        for gene in answer.genes
        if (result := phenotypes.get(gene)) is not None
        for p in result.missing_positions
    ]
    return Finding(
        id=f"pgx:{answer.drug}:{answer.source.lower()}",
        domain=Domain.PGX,
        title=f"{answer.drug} ({answer.source}): {text}",
        summary=summary,
        priority=priority,
        genes=list(answer.genes),
        drugs=[answer.drug],
        data=answer,
        evidence=[
            Evidence(
                source=answer.source,
                version=answer.version,
                level=answer.rows[0].classification if answer.rows else None,
                citations=[*answer.citations, *([answer.url] if answer.url else [])],
                inputs_used=inputs,
                not_assessed=[*answer.not_assessed, *positions, *_copy_number(answer)],
                unverified=[reason for c in changes if c.gene in answer.genes for reason in c.unverified],
            )
        ],
    )


def recommendation_priority(answer: GuidelineResult, on_list: bool) -> Priority:
    """Actionable only for a drug the patient takes or plans to take and a row that changes therapy; routine for
    other matched rows (pre-emptive guidance); informational when nothing matched."""
    if answer.status != RecommendationStatus.MATCHED:
        return Priority.INFORMATIONAL
    return Priority.ACTIONABLE if answer.actionable and on_list else Priority.ROUTINE


def _copy_number(answer: GuidelineResult) -> list[NotAssessed]:
    if not answer.provisional or not answer.range_note:
        return []
    return [NotAssessed(item="gene copy number", reason=answer.range_note)]


def _phenoconversion(change: Phenoconversion, rules: PhenoconversionRules, *, now: bool) -> Finding:
    return Finding(
        id=f"pgx:phenoconversion:{change.gene}",
        domain=Domain.PGX,
        title=(
            f"{change.gene}: opposing inhibitor and inducer"
            if not change.applied and change.effect == "opposing inhibitor and inducer"
            else change.explanation
        ),
        summary=change.explanation,
        priority=Priority.ACTIONABLE if change.applied and now else Priority.ROUTINE,
        genes=[change.gene],
        drugs=list(change.perpetrators),
        data=change,
        evidence=[
            Evidence(
                source=rules.source,
                version=rules.version,
                level=change.effect,
                citations=list(change.citations),
                inputs_used=[f"{change.gene} genotype result {change.genotype_phenotype}"]
                + [f"medication: {name}" for name in change.perpetrators],
                unverified=list(change.unverified),
            )
        ],
    )


def _warfarin(
    dose: WarfarinDose,
    model: WarfarinModel,
    phenotypes: Mapping[str, GenePhenotype],
    variant_calls: Mapping[str, list[str]],
) -> Finding:
    if dose.weekly_mg is None or dose.daily_mg is None:
        title = "warfarin: no pharmacogenetic dose calculated"
        summary = "; ".join(n.reason for n in dose.not_assessed)
    elif dose.adjusted_weekly_mg is not None:
        low, high = dose.adjusted_weekly_mg
        applied = "; ".join(a.text for a in dose.adjustments if a.applies)
        title = (
            f"warfarin: CPIC-adjusted pharmacogenetic starting dose {low:.1f}-{high:.1f} mg/week "
            f"(IWPC algorithm with the CPIC 2017 adjustments)"
        )
        summary = f"CPIC 2017: {applied} -> {low:.1f}-{high:.1f} mg/week. IWPC: {dose.worked}"
    else:
        title = f"warfarin: IWPC pharmacogenetic dose {dose.weekly_mg:.1f} mg/week ({dose.daily_mg:.2f} mg/day)"
        summary = dose.worked
    inputs = [*(t.name + " " + t.value for t in dose.terms[1:]), *dose.inputs.notes]
    inputs += [v for gene in ("CYP2C9", "VKORC1") for v in variant_calls.get(gene, [])]
    inputs += [phenotypes[g].summary for g in ("CYP2C9", "VKORC1") if g in phenotypes]
    return Finding(
        id="pgx:warfarin:dose",
        domain=Domain.PGX,
        title=title,
        summary=summary,
        priority=Priority.ACTIONABLE if dose.weekly_mg is not None else Priority.INFORMATIONAL,
        genes=["CYP2C9", "VKORC1"],
        drugs=["warfarin"],
        data=dose,
        evidence=[
            Evidence(
                source=model.source,
                version=model.version,
                citations=list(dose.citations),
                inputs_used=inputs,
                not_assessed=list(dose.not_assessed),
                unverified=[
                    f"CPIC 2017 {a.id}: {reason}"
                    for a in dose.adjustments
                    if a.applies and (reason := model.adjustment_unverified(a.id)) is not None
                ],
            )
        ],
    )


def _inputs(result: GenePhenotype, variant_calls: Mapping[str, list[str]]) -> list[str]:
    calls = variant_calls.get(result.gene, [])
    detail = f" ({', '.join(calls)})" if calls else ""
    if result.diplotypes:
        return [f"{result.gene} {' or '.join(result.diplotypes)}{detail}", f"origin: {result.origin.value}"]
    if result.called:
        return [f"{result.gene} {result.phenotype or result.activity_score} (outside call)"]
    return []
