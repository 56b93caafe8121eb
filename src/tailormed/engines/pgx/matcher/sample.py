"""A sample's alleles at one gene's defining positions, reduced to what the matcher may use.

Absent, no-call and reference-partial (``0/.``) positions are *missing*: never read as reference. Only calls the
user declared complete (``ASSUMED_REFERENCE``) stand in for reference. Heterozygous positions are grouped by
phase: phased positions sharing a phase set move together, every unphased heterozygous position is its own group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tailormed.knowledge.pgx.definitions import DefinitionVariant, GeneDefinition
from tailormed.model.genotype import CallState, GenotypeCall, SampleGenotypes

#: Stands for an allele the caller did not call in a partial genotype (``1/.``); it matches no definition.
UNCALLED = "."


@dataclass(frozen=True)
class Site:
    """One usable position: the sample's two alleles (one when haploid) and its phase group (het sites only)."""

    variant: DefinitionVariant
    index: int
    alleles: tuple[str, ...]
    group: tuple[str, int] | None

    @property
    def heterozygous(self) -> bool:
        return len(self.alleles) == 2 and self.alleles[0] != self.alleles[1]


@dataclass
class SampleSites:
    sites: list[Site] = field(default_factory=list)
    missing: list[DefinitionVariant] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def haploid(self) -> bool:
        return bool(self.sites) and all(len(s.alleles) == 1 for s in self.sites)

    @property
    def groups(self) -> list[tuple[str, int]]:
        """Phase groups of heterozygous sites, in position order."""
        seen: dict[tuple[str, int], None] = {}
        for site in self.sites:
            if site.group is not None and site.heterozygous:
                seen.setdefault(site.group)
        return list(seen)

    @property
    def phased(self) -> bool:
        """Phased or effectively phased: at most one group of heterozygous sites to orient."""
        return len(self.groups) <= 1


def read_sites(definition: GeneDefinition, genotypes: SampleGenotypes) -> SampleSites:
    result = SampleSites()
    ignored = definition.ignored_allele_positions
    for index, variant in enumerate(definition.variants):
        if variant.key in ignored:
            continue
        site = read_site(definition, index, genotypes.calls.get(variant.key), result.warnings)
        if site is None:
            result.missing.append(variant)
        else:
            result.sites.append(site)
    return result


def read_site(definition: GeneDefinition, index: int, call: GenotypeCall | None, warnings: list[str]) -> Site | None:
    """The usable site at the definition's position ``index``, or None when it is missing (notes go to ``warnings``)."""
    variant = definition.variants[index]
    alleles = None if call is None else _usable_alleles(call, variant, definition, warnings)
    if call is None or alleles is None:
        return None
    group: tuple[str, int] | None = None
    if len(alleles) == 2 and alleles[0] != alleles[1]:
        group = ("ps", call.phase_set or 0) if call.phased else ("unphased", index)
    return Site(variant=variant, index=index, alleles=alleles, group=group)


def _usable_alleles(
    call: GenotypeCall, variant: DefinitionVariant, definition: GeneDefinition, warnings: list[str]
) -> tuple[str, ...] | None:
    if call.state in (CallState.ABSENT, CallState.NO_CALL):
        return None
    raw = call.alleles
    if call.state == CallState.ASSUMED_REFERENCE and not raw:
        raw = (variant.ref, variant.ref)
    if call.state == CallState.PARTIAL or any(a is None for a in raw):
        known = [a.upper() for a in raw if a is not None]
        if not known or all(a == variant.ref for a in known):
            return None  # a partial reference call says nothing about the other chromosome
        raw = (*known, UNCALLED) if len(raw) > 1 else tuple(known)
    if not raw:
        return None
    if len(raw) > 2:
        warnings.append(f"{variant.label}: {len(raw)} alleles called, only the first two used")
        raw = raw[:2]
    alleles = tuple(a.upper() if a is not None else UNCALLED for a in raw)
    documented = variant.documented
    fixed: list[str] = []
    for allele in alleles:
        if allele != UNCALLED and allele not in documented:
            if definition.undocumented_as_reference:
                warnings.append(f"{variant.label}: undocumented allele {allele} read as reference {variant.ref}")
                allele = variant.ref
            else:
                warnings.append(f"{variant.label}: undocumented allele {allele} matches no named allele")
        fixed.append(allele)
    return tuple(fixed)
