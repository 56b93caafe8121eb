"""Per-strand allele composition, for lowest-function genes and the research combination mode.

When the data are phased (or effectively phased), each strand's alleles are known, so the variant alleles it
carries can be listed: ``[*6 + *14]`` when several named alleles share a strand, and defining-position variants no
named allele explains as partials (``g.94781859G>A``). Lowest-function genes (DPYD, RYR1) are called from these
lists. Phased, a copy is named by every named allele it carries (``[c.1905+1G>A (*2A) + c.2846A>T]``), as PharmCAT
lists them, and the phenotyper scores each copy by its lowest-function allele; unphased, the two lowest-activity
alleles the genotypes allow are called.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tailormed.engines.pgx.matcher.haplotypes import Candidate, carried_on, strand_alleles
from tailormed.engines.pgx.matcher.sample import SampleSites
from tailormed.knowledge.pgx.definitions import allele_matches
from tailormed.model.allele_names import name_key, ordered_pair
from tailormed.model.pgx import Diplotype


@dataclass(frozen=True)
class Strand:
    alleles: tuple[Candidate, ...]
    partials: tuple[str, ...]


def _variant_cells(candidate: Candidate, reference: Candidate) -> set[int]:
    if candidate is reference:
        return set()
    return {i for i, cell in candidate.cells.items() if cell != reference.cells[i]}


def compose_strand(strand: list[str], variants: list[Candidate], reference: Candidate, sample: SampleSites) -> Strand:
    """Named alleles carried on one strand, non-overlapping, most specific first; leftover variants as partials."""
    carried = [c for c in variants if carried_on(c, strand)]
    carried.sort(key=lambda c: (-len(_variant_cells(c, reference)), name_key(c.name)))
    chosen: list[Candidate] = []
    covered: set[int] = set()
    for candidate in carried:
        cells = _variant_cells(candidate, reference)
        if cells and not cells & covered:
            chosen.append(candidate)
            covered |= cells
    partials = [
        _hgvs(sample, i, base)
        for i, base in enumerate(strand)
        if i not in covered and not allele_matches(reference.cells[i], base)
    ]
    chosen.sort(key=lambda c: name_key(c.name))
    return Strand(tuple(chosen), tuple(partials))


def _hgvs(sample: SampleSites, index: int, base: str) -> str:
    variant = sample.sites[index].variant
    if len(base) == 1 and len(variant.ref) == 1:
        return f"g.{variant.pos}{variant.ref}>{base}"
    return variant.hgvs or f"g.{variant.pos}{variant.ref}>{base}"


_TANDEM = re.compile(r"^\*[^+]+(?:\+\*[^+]+)+$")


def _parts(name: str) -> list[str]:
    """A tandem star allele (``*80+*28``) as its parts; any other name whole (``c.1905+1G>A (*2A)`` is one variant)."""
    return name.split("+") if _TANDEM.match(name) else [name]


def strand_name(strand: Strand, reference: Candidate, *, partials: bool = True) -> str:
    """One allele by its name; several as ``[*6 + *28 + *80]``, where a tandem allele such as ``*80+*28`` is listed
    as its parts, as PharmCAT prints combinations. ``partials=False`` names the named alleles only."""
    named = [c.name for c in strand.alleles]
    leftover = list(strand.partials) if partials else []
    if not named and not leftover:
        return reference.name
    if len(named) + len(leftover) == 1:
        return (named or leftover)[0]
    parts = sorted({part for name in named for part in _parts(name)}, key=name_key) + leftover
    return "[" + " + ".join(parts) + "]"


def phased_strands(sample: SampleSites, variants: list[Candidate], reference: Candidate) -> tuple[Strand, Strand]:
    first, second = (strand_alleles(sample.sites, o) for o in (0, 1))
    return (
        compose_strand(first, variants, reference, sample),
        compose_strand(second, variants, reference, sample),
    )


def combination_call(sample: SampleSites, variants: list[Candidate], reference: Candidate) -> Diplotype:
    one, two = phased_strands(sample, variants, reference)
    a1, a2 = ordered_pair(strand_name(one, reference), strand_name(two, reference))
    score = sum(c.score for c in (*one.alleles, *two.alleles))
    return Diplotype(allele1=a1, allele2=a2, score=score)


def unphased_variants(sample: SampleSites, variants: list[Candidate]) -> list[Candidate]:
    """Variant alleles whose defining bases are all present in unphased data (in any arrangement)."""
    return [
        candidate
        for candidate in variants
        if all(any(allele_matches(cell, a) for a in sample.sites[i].alleles) for i, cell in candidate.cells.items())
    ]


def _fits_together(first: Candidate, second: Candidate, sample: SampleSites, reference: Candidate) -> bool:
    """Whether the sample's two alleles at every site can be split so each candidate gets its variant bases.

    One heterozygous copy of a base cannot serve two alleles: a heterozygous HapB3 is not also the single-position
    allele it contains on the other strand.
    """
    one, two = _variant_cells(first, reference), _variant_cells(second, reference)
    for index in one | two:
        site = sample.sites[index].alleles
        pair = (site[0], site[0]) if len(site) == 1 else (site[0], site[1])
        need = (first.cells.get(index) if index in one else None, second.cells.get(index) if index in two else None)
        if not any(
            (need[0] is None or allele_matches(need[0], x)) and (need[1] is None or allele_matches(need[1], y))
            for x, y in (pair, pair[::-1])
        ):
            return False
    return True


def _activity(candidate: Candidate, activity: Mapping[str, float]) -> float:
    return activity.get(candidate.name, 1.0)


def lowest_function_call(
    sample: SampleSites,
    variants: list[Candidate],
    reference: Candidate,
    activity: Mapping[str, float],
    warnings: list[str],
) -> Diplotype:
    """Every named allele of each strand (phased; the phenotyper scores a strand by its lowest-function allele) or
    the two lowest-activity alleles the genotypes allow (unphased)."""
    unknown = sorted({c.name for c in variants if c.name not in activity}, key=name_key)
    if sample.phased:
        strands = phased_strands(sample, variants, reference)
        described = [strand_name(s, reference) for s in strands]
        warnings.append(f"variants per strand: {described[0]} / {described[1]}")
        carried = [c for s in strands for c in s.alleles]
        a1, a2 = ordered_pair(*(strand_name(s, reference, partials=False) for s in strands))
        return Diplotype(allele1=a1, allele2=a2, score=sum(c.score for c in carried))
    found = sorted(unphased_variants(sample, variants), key=lambda c: (_activity(c, activity), name_key(c.name)))
    options = [*found, reference]
    pairs = [
        (a, b)
        for i, a in enumerate(options)
        for b in options[i:]
        if not (a.is_reference and b.is_reference) or not found
    ]
    # The lowest-activity pair the genotypes allow: pairs in ranking order (a stable sort keeps the listing order
    # among equals), the first that fits; fitting is the costly test, so most pairs are never tried.
    ranked = sorted(
        pairs, key=lambda p: (_activity(p[0], activity) + _activity(p[1], activity), -(p[0].score + p[1].score))
    )
    best = next((p for p in ranked if _fits_together(p[0], p[1], sample, reference)), (reference, reference))
    chosen = [best[0], best[1]]
    if found:
        listed = ", ".join(c.name for c in found)
        warnings.append(
            f"unphased data: variants found {listed}; the lowest-function pair the genotypes allow is reported"
        )
    used_unknown = [c.name for c in chosen if c.name in unknown and not c.is_reference]
    if used_unknown:
        warnings.append(f"no activity value for {', '.join(used_unknown)}; ranked as normal function")
    a1, a2 = ordered_pair(chosen[0].name, chosen[1].name)
    return Diplotype(allele1=a1, allele2=a2, score=chosen[0].score + chosen[1].score)
