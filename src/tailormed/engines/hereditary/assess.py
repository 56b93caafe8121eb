"""One sample's hereditary assessment with what it could not see and the provenance of its genotypes."""

from __future__ import annotations

from tailormed.engines.hereditary.coverage import not_assessed
from tailormed.engines.hereditary.rules import HereditaryResult, assess_hereditary
from tailormed.knowledge.hereditary.load import HereditaryKnowledge
from tailormed.model.base import Contract
from tailormed.model.finding import NotAssessed
from tailormed.model.genotype import SampleGenotypes
from tailormed.model.patient import Sex


class SampleHereditary(Contract):
    """One sample's assessment with its limits and the genotypes' provenance."""

    result: HereditaryResult
    limits: list[NotAssessed]
    build: str
    absent_is_reference: bool
    warnings: list[str]


def assess_sample(
    genotypes: SampleGenotypes, knowledge: HereditaryKnowledge, *, sex: Sex | None = None, min_stars: int = 0
) -> SampleHereditary:
    result = assess_hereditary(genotypes, knowledge, sex=sex, min_stars=min_stars)
    limits = not_assessed(result.coverage, knowledge, absent_is_reference=genotypes.absent_is_reference)
    return SampleHereditary(
        result=result,
        limits=limits,
        build=genotypes.build.described,
        absent_is_reference=genotypes.absent_is_reference,
        warnings=list(genotypes.warnings),
    )
