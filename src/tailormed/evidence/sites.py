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


@dataclass(eq=False, slots=True)
class Site:
    """One knowledge locus as plain fields (cheap to keep and to load from a compiled plan) and the last base its REF
    covers."""

    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    end: int

    @classmethod
    def of(cls, locus: Locus) -> Site:
        return cls(locus.chrom, locus.pos, locus.ref, tuple(locus.alts), locus.pos + len(locus.ref) - 1)

    @property
    def key(self) -> str:
        """``chrom:pos``, as :attr:`Locus.key`."""
        return f"{self.chrom}:{self.pos}"

    @property
    def locus(self) -> Locus:
        return Locus(chrom=self.chrom, pos=self.pos, ref=self.ref, alts=self.alts)


class SiteIndex:
    """Knowledge loci by start position, by normalized ALT, and sorted per chromosome for block lookups."""

    def __init__(self, loci: Sequence[Locus]) -> None:
        self.sites = [Site.of(locus) for locus in merge_loci(loci)]
        self._by_pos: dict[tuple[str, int], list[Site]] = {}
        self._by_variant: dict[tuple[str, tuple[int, str, str]], list[Site]] = {}
        self._sorted: dict[str, tuple[list[int], list[Site]]] | None = None
        for site in sorted(self.sites, key=lambda s: (s.chrom, s.pos)):
            self._by_pos.setdefault((site.chrom, site.pos), []).append(site)
            for alt in site.alts:
                if len(site.ref) == 1 and len(alt) == 1 and alt.upper() in _BASES:
                    key = (site.chrom, (site.pos, site.ref.upper(), alt.upper()))  # minimal; hashes as its Variant
                elif is_sequence(alt):
                    key = (site.chrom, normalize_variant(site.pos, site.ref, alt))
                else:
                    continue
                self._by_variant.setdefault(key, []).append(site)

    def __getstate__(self) -> dict[str, object]:
        """What a compiled plan keeps: the per-chromosome lists for blocks are rebuilt when a block is first seen."""
        return {**self.__dict__, "_sorted": None}

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
        if self._sorted is None:
            by_chrom: dict[str, tuple[list[int], list[Site]]] = {}
            for site in sorted(self.sites, key=lambda s: (s.chrom, s.pos)):
                starts, sites = by_chrom.setdefault(site.chrom, ([], []))
                starts.append(site.pos)
                sites.append(site)
            self._sorted = by_chrom  # assigned whole: a plan may serve passes in several threads
        starts, sites = self._sorted.get(chrom, ([], []))
        low, high = bisect_left(starts, start), bisect_right(starts, end)
        return [site for site in sites[low:high] if site.end <= end]
