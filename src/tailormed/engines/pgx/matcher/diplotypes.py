"""Diplotypes from fitted named alleles: viable pairs, PharmCAT scores and order, top candidates, priorities."""

from __future__ import annotations

from tailormed.engines.pgx.matcher.haplotypes import Fit
from tailormed.knowledge.pgx.definitions import GeneDefinition
from tailormed.model.allele_names import name_key, ordered_pair
from tailormed.model.pgx import Diplotype


def pair_fits(found: list[Fit]) -> list[Diplotype]:
    """Every unordered pair (an allele with itself included) whose orientations complement each other."""
    ordered = sorted(found, key=lambda f: name_key(f.name))
    pairs: list[Diplotype] = []
    for i, first in enumerate(ordered):
        for second in ordered[i:]:
            if first.pairs_with(second):
                a1, a2 = ordered_pair(first.name, second.name)
                pairs.append(Diplotype(allele1=a1, allele2=a2, score=first.candidate.score + second.candidate.score))
    return sort_diplotypes(pairs)


def haploid_fits(found: list[Fit]) -> list[Diplotype]:
    """Hemizygous samples carry one haplotype; it is reported with an empty second allele."""
    calls = [Diplotype(allele1=f.name, allele2="", score=f.candidate.score) for f in found]
    return sort_diplotypes(calls)


def sort_diplotypes(diplotypes: list[Diplotype]) -> list[Diplotype]:
    return sorted(diplotypes, key=lambda d: (-d.score, name_key(d.allele1), name_key(d.allele2)))


def top_only(diplotypes: list[Diplotype]) -> list[Diplotype]:
    if not diplotypes:
        return diplotypes
    best = diplotypes[0].score
    return [d for d in diplotypes if d.score == best]


def apply_unphased_priorities(
    definition: GeneDefinition, diplotypes: list[Diplotype], warnings: list[str]
) -> list[Diplotype]:
    """Where the diplotypes unphased data fit include every one of a listed set, keep that set's pick.

    As PharmCAT's ResultBuilder does: the first listed set wholly among the fits wins (the list is in PharmCAT's
    order, by pick), and fits outside the set go too (the pick is the most frequent of the set, by PharmCAT's
    frequency data).
    """
    names = {d.name for d in diplotypes}
    for priority in definition.exemptions.unphased_priorities:
        if names.issuperset(priority.candidates):
            others = [d.name for d in diplotypes if d.name != priority.pick]
            warnings.append(
                f"unphased data fit {' or '.join(others)} as well; {priority.pick} reported as the more frequent"
                " (PharmCAT's unphased priority)"
            )
            return [d for d in diplotypes if d.name == priority.pick]
    return diplotypes
