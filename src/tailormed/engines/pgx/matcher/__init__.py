"""Named-allele matcher: a sample's genotypes at a gene's defining positions -> diplotype call (``GeneCall``).

Semantics follow PharmCAT's matcher: named alleles are matched on the positions the sample has (missing positions
are dropped, never assumed reference unless intake marked them ``assumed_reference`` by the user's choice), a
named allele scores one per defined position, unphased data are paired over every strand assignment the genotypes
allow, and only the top-scoring diplotypes are kept unless ``top_candidate_only=False`` (or the gene's exemption
asks for all hits). A gene with required positions (NAT2) is not called when one of them is missing; a gene with
unphased priorities (NAT2) keeps every diplotype unphased data fit, and where they include all of a listed set,
reports that set's pick. Genes flagged ``lowest_function`` (DPYD, RYR1) are called from the lowest-activity variant
per strand. ``find_combinations`` (research use) names combinations and partial alleles on phased data when no
defined diplotype fits. The engine is pure: it reads only its arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from tailormed.engines.pgx.matcher.diplotypes import (
    apply_unphased_priorities,
    haploid_fits,
    pair_fits,
    top_only,
)
from tailormed.engines.pgx.matcher.haplotypes import candidates, fits
from tailormed.engines.pgx.matcher.sample import SampleSites, read_sites
from tailormed.engines.pgx.matcher.strands import combination_call, lowest_function_call
from tailormed.knowledge.pgx.definitions import GeneDefinition
from tailormed.model.allele_names import name_key, ordered_pair
from tailormed.model.genotype import SampleGenotypes
from tailormed.model.pgx import CallStatus, Diplotype, GeneCall

__all__ = ["match_all", "match_gene", "match_sites", "name_key", "ordered_pair"]

_Result = Callable[[CallStatus, list[Diplotype]], GeneCall]


#: Added to every call that relied on positions absent from the VCF being reference (the user's declared choice).
ABSENT_AS_REFERENCE_NOTE = "positions absent from the VCF were read as reference (declared complete)"


def match_gene(
    definition: GeneDefinition,
    genotypes: SampleGenotypes,
    *,
    top_candidate_only: bool = True,
    find_combinations: bool = False,
    allele_activity: Mapping[str, float] | None = None,
) -> GeneCall:
    """Call one gene for one sample.

    ``allele_activity`` (allele -> activity value) overrides the definition's own values for lowest-function genes.
    """
    return match_sites(
        definition,
        read_sites(definition, genotypes),
        sample_name=genotypes.sample,
        absent_is_reference=genotypes.absent_is_reference,
        top_candidate_only=top_candidate_only,
        find_combinations=find_combinations,
        allele_activity=allele_activity,
    )


def match_sites(
    definition: GeneDefinition,
    sample: SampleSites,
    *,
    sample_name: str,
    absent_is_reference: bool,
    top_candidate_only: bool = True,
    find_combinations: bool = False,
    allele_activity: Mapping[str, float] | None = None,
) -> GeneCall:
    """Call one gene from the sample's usable sites at its positions (what :func:`match_gene` reads of them)."""
    warnings = list(sample.warnings)
    missing = [v.label for v in sample.missing]
    if absent_is_reference:
        warnings.append(ABSENT_AS_REFERENCE_NOTE)

    def result(status: CallStatus, diplotypes: list[Diplotype]) -> GeneCall:
        return GeneCall(
            sample=sample_name,
            gene=definition.gene,
            status=status,
            diplotypes=diplotypes,
            phased=sample.phased and bool(sample.sites),
            missing_positions=missing,
            warnings=[*warnings, *_read_in_part(definition, {v.pos: v.label for v in sample.missing}, diplotypes)],
            definition_version=definition.version,
        )

    if not sample.sites:
        warnings.append("no defining position could be read")
        return result(CallStatus.NO_CALL, [])
    required = {v.pos for v in sample.missing} & set(definition.exemptions.required_positions)
    if required:
        labels = [v.label for v in sample.missing if v.pos in required]
        warnings.append(f"required positions missing: {', '.join(labels)}")
        return result(CallStatus.NO_CALL, [])

    if definition.lowest_function:
        activity = dict(definition.allele_activity if allele_activity is None else allele_activity)
        return result(CallStatus.CALLED, [_lowest_function(definition, sample, activity, warnings)])

    found = fits(definition, sample)
    if sample.haploid:
        diplotypes = haploid_fits(found)
        if diplotypes:
            warnings.append("haploid genotypes: one haplotype reported")
    else:
        diplotypes = pair_fits(found)
    all_hits = definition.exemptions.all_hits
    # A gene with unphased priorities keeps every fitting diplotype of unphased data, whatever its score, so that
    # the priority list sees all of them (PharmCAT's unphased-priority mode).
    priority_mode = not sample.phased and bool(definition.exemptions.unphased_priorities)
    if (top_candidate_only if all_hits is None else not all_hits) and diplotypes and not priority_mode:
        diplotypes = top_only(diplotypes)
    if priority_mode and len(diplotypes) > 1:
        diplotypes = apply_unphased_priorities(definition, diplotypes, warnings)

    if not diplotypes and find_combinations:
        return _combination(definition, sample, warnings, result)
    if not diplotypes:
        warnings.append("no combination of named alleles fits the genotypes")
        return result(CallStatus.NO_CALL, [])
    if len(diplotypes) > 1:
        warnings.append(f"{len(diplotypes)} diplotypes fit the unphased genotypes equally well")
        return result(CallStatus.AMBIGUOUS, diplotypes)
    return result(CallStatus.CALLED, diplotypes)


def _read_in_part(definition: GeneDefinition, missing: Mapping[int, str], diplotypes: list[Diplotype]) -> list[str]:
    """A warning per called allele that was named without one of its defining positions (not in the data): such an
    allele rests on the positions that were read (DPYD HapB3 on c.1236G>A alone when c.1129-5923C>G is absent)."""
    if not missing:
        return []
    named = {allele.name: allele for allele in definition.named_alleles if not allele.is_reference}
    called = dict.fromkeys(name for d in diplotypes for name in (d.allele1, d.allele2) if name in named)
    notes = []
    for name in called:
        unread = [
            missing[variant.pos]
            for variant, cell in zip(definition.variants, named[name].alleles, strict=True)
            if cell is not None and variant.pos in missing
        ]
        if unread:
            notes.append(f"{name} called without {', '.join(unread)} (not in the data); it rests on the positions read")
    return notes


def _lowest_function(
    definition: GeneDefinition, sample: SampleSites, activity: dict[str, float], warnings: list[str]
) -> Diplotype:
    pool = candidates(definition, sample)
    reference = next(c for c in pool if c.is_reference)
    variants = [c for c in pool if not c.is_reference]
    if sample.phased:
        exact = pair_fits(fits(definition, sample))
        if len(exact) == 1:
            return exact[0]
    return lowest_function_call(sample, variants, reference, activity, warnings)


def _combination(definition: GeneDefinition, sample: SampleSites, warnings: list[str], result: _Result) -> GeneCall:
    if not sample.phased:
        warnings.append("no defined diplotype fits; combinations are only searched on phased data")
        return result(CallStatus.NO_CALL, [])
    pool = candidates(definition, sample)
    reference = next(c for c in pool if c.is_reference)
    call = combination_call(sample, [c for c in pool if not c.is_reference], reference)
    warnings.append("research mode: combination/partial alleles, not for clinical use")
    return result(CallStatus.CALLED, [call])


def match_all(
    definitions: Mapping[str, GeneDefinition],
    genotypes: SampleGenotypes,
    *,
    genes: Collection[str] | None = None,
    top_candidate_only: bool = True,
    find_combinations: bool = False,
) -> list[GeneCall]:
    """Call every gene (or ``genes``) for one sample, in gene-name order.

    CYP2D6 is called like every other gene (PharmCAT's research mode); what its SNVs and indels cannot show (copy
    number, hybrids) is stated by the phenotyper (:mod:`tailormed.engines.pgx.copy_number`).
    """
    wanted = sorted(definitions if genes is None else genes)
    return [
        match_gene(
            definitions[gene],
            genotypes,
            top_candidate_only=top_candidate_only,
            find_combinations=find_combinations,
        )
        for gene in wanted
    ]
