"""Named alleles reduced to the positions a sample has, and which strand orientations each one fits.

A named allele's undefined cells take the reference allele's base (a wobble reference cell takes the VCF REF),
and its score is the number of *defined* cells among the available positions; alleles left with no defined
position cannot be called. Instead of listing every haplotype sequence the unphased genotypes allow (2^k for k
heterozygous positions), each allele records, per phase group, the orientations it fits (0: the strand carries
the first allele of every site of the group, 1: the second); two alleles form a diplotype when in every group
some orientation of one is complemented by the other. Cells are kept sparse: an allele is checked at the
positions it defines and at the few positions where the sample differs from the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tailormed.engines.pgx.matcher.sample import SampleSites, Site
from tailormed.knowledge.pgx.definitions import GeneDefinition, allele_matches, is_wobble

Group = tuple[str, int]


@dataclass(frozen=True)
class Candidate:
    """A named allele on the sample's sites: ``cells`` maps a site index to the allele's defined cell.

    ``score`` counts defined cells; a wobble (IUPAC) cell counts only where the sample shows a non-reference
    allele, since at a reference site it distinguishes nothing (PharmCAT scores CYP2C19 ``*2/*2`` as 6, not 8).
    """

    name: str
    is_reference: bool
    score: int
    cells: Mapping[int, str]


@dataclass(frozen=True)
class Fit:
    """A candidate that fits the sample, and the orientations it allows per phase group."""

    candidate: Candidate
    orientations: dict[Group, frozenset[int]]

    @property
    def name(self) -> str:
        return self.candidate.name

    def pairs_with(self, other: Fit) -> bool:
        return all(
            any(1 - o in other.orientations[group] for o in allowed) for group, allowed in self.orientations.items()
        )


@dataclass(frozen=True)
class Layout:
    """What every candidate of one sample and gene is checked against."""

    sites: list[Site]
    groups: list[Group]
    reference_cells: list[str]
    constraining: list[int]

    def cell(self, candidate: Candidate, index: int) -> str:
        return candidate.cells.get(index, self.reference_cells[index])


def layout(definition: GeneDefinition, sample: SampleSites) -> Layout:
    reference = dict(definition.reference.defined)
    cells = []
    for site in sample.sites:
        cell = reference[site.index]
        cells.append(site.variant.ref if is_wobble(cell) else cell)
    constraining = [
        i for i, site in enumerate(sample.sites) if not all(allele_matches(cells[i], a) for a in site.alleles)
    ]
    return Layout(sample.sites, sample.groups, cells, constraining)


def candidates(definition: GeneDefinition, sample: SampleSites) -> list[Candidate]:
    ignored = set(definition.exemptions.ignored_alleles)
    site_of = {site.index: i for i, site in enumerate(sample.sites)}
    sites = sample.sites
    result: list[Candidate] = []
    for allele in definition.named_alleles:
        if allele.name in ignored:
            continue
        cells = {site_of[j]: cell for j, cell in allele.defined if j in site_of}
        if not cells:
            continue
        # A wobble (IUPAC) cell counts only where the sample has a non-reference allele.
        score = len(cells) - sum(
            1 for j in allele.wobbles if j in site_of and not _non_reference(sites[site_of[j]])
        )
        result.append(Candidate(allele.name, allele.is_reference, score, cells))
    return result


def _non_reference(site: Site) -> bool:
    return any(allele != site.variant.ref for allele in site.alleles)


def fit(candidate: Candidate, frame: Layout) -> Fit | None:
    """How ``candidate`` fits the sample's strands, or None when no strand can carry it."""
    allowed: dict[Group, set[int]] = {group: {0, 1} for group in frame.groups}
    checked = [*candidate.cells, *(i for i in frame.constraining if i not in candidate.cells)]
    for index in checked:
        site = frame.sites[index]
        cell = frame.cell(candidate, index)
        if site.group is None or not site.heterozygous:
            if not allele_matches(cell, site.alleles[0]):
                return None
            continue
        options = allowed[site.group]
        options.intersection_update(o for o in (0, 1) if allele_matches(cell, site.alleles[o]))
        if not options:
            return None
    return Fit(candidate, {group: frozenset(options) for group, options in allowed.items()})


def fits(definition: GeneDefinition, sample: SampleSites) -> list[Fit]:
    frame = layout(definition, sample)
    found = (fit(c, frame) for c in candidates(definition, sample))
    return [f for f in found if f is not None]


def strand_alleles(sites: list[Site], orientation: int) -> list[str]:
    """The alleles one strand carries when every phase group takes ``orientation``."""
    return [s.alleles[orientation] if s.heterozygous else s.alleles[0] for s in sites]


def carried_on(candidate: Candidate, strand: list[str]) -> bool:
    """Every position the candidate defines shows its allele on this strand (undefined positions are free)."""
    return all(allele_matches(cell, strand[i]) for i, cell in candidate.cells.items())
