"""The knowledge sites a scan looks for, indexed so each VCF record is tested in constant time.

A record concerns a site when it starts at the site's position, when one of its ALTs is (after
normalization) one of the site's ALTs wherever the record starts, or when it is a gVCF reference
block that covers the whole site.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from tailormed.model.alleles import is_sequence, merge_loci, normalize_variant
from tailormed.model.genotype import Locus

_BASES = frozenset("ACGTN")


@dataclass(eq=False)
class Site:
    """One knowledge locus and the last base its REF covers."""

    locus: Locus
    end: int


class SiteIndex:
    """Knowledge loci by start position, by normalized ALT, and sorted per chromosome for block lookups."""

    def __init__(self, loci: Sequence[Locus]) -> None:
        self.sites = [Site(locus, locus.pos + len(locus.ref) - 1) for locus in merge_loci(loci)]
        self._by_pos: dict[tuple[str, int], list[Site]] = {}
        self._by_variant: dict[tuple[str, tuple[int, str, str]], list[Site]] = {}
        self._sorted: dict[str, tuple[list[int], list[Site]]] = {}
        for site in sorted(self.sites, key=lambda s: (s.locus.chrom, s.locus.pos)):
            locus = site.locus
            self._by_pos.setdefault((locus.chrom, locus.pos), []).append(site)
            for alt in locus.alts:
                if len(locus.ref) == 1 and len(alt) == 1 and alt.upper() in _BASES:
                    key = (locus.chrom, (locus.pos, locus.ref.upper(), alt.upper()))  # minimal; hashes as its Variant
                elif is_sequence(alt):
                    key = (locus.chrom, normalize_variant(locus.pos, locus.ref, alt))
                else:
                    continue
                self._by_variant.setdefault(key, []).append(site)
            starts, sites = self._sorted.setdefault(locus.chrom, ([], []))
            starts.append(locus.pos)
            sites.append(site)

    def __len__(self) -> int:
        return len(self.sites)

    def normalized_positions(self) -> list[tuple[str, int]]:
        """Where each site's ALTs start once normalized (an indel's minimal form may start after the site)."""
        return [(chrom, variant[0]) for chrom, variant in self._by_variant]

    def for_record(self, chrom: str, pos: int, ref: str, alts: Sequence[str]) -> list[Site]:
        """Sites a variant record speaks about."""
        found = list(self._by_pos.get((chrom, pos), ()))
        if self._by_variant and (len(ref) > 1 or any(len(alt) != 1 for alt in alts)):
            for alt in alts:
                if is_sequence(alt):
                    for site in self._by_variant.get((chrom, normalize_variant(pos, ref, alt)), ()):
                        if site not in found:
                            found.append(site)
        return found

    def in_block(self, chrom: str, start: int, end: int) -> list[Site]:
        """Sites lying wholly inside a reference block from ``start`` to ``end``."""
        starts, sites = self._sorted.get(chrom, ([], []))
        low, high = bisect_left(starts, start), bisect_right(starts, end)
        return [site for site in sites[low:high] if site.end <= end]

    def regions(self, gap: int = 1000) -> list[tuple[str, int, int]]:
        """Sites joined into (chrom, start, end) query regions when closer than ``gap`` bases."""
        regions: list[tuple[str, int, int]] = []
        for chrom, (_, sites) in sorted(self._sorted.items()):
            start, end = sites[0].locus.pos, sites[0].end
            for site in sites[1:]:
                if site.locus.pos - end > gap:
                    regions.append((chrom, start, end))
                    start, end = site.locus.pos, site.end
                else:
                    end = max(end, site.end)
            regions.append((chrom, start, end))
        return regions
