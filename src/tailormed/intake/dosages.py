"""Columnar genotype reading for scoring: all samples' allele indices at chosen positions, one array per record.

Polygenic scores read thousands to millions of sites for thousands of samples, so this reader never builds an
object per call: each VCF record at a wanted position becomes a :class:`SiteRecord` holding an ``int16`` array of
allele indices (samples × 2). Missing alleles are -1 and a half-call (``./1``) is missing as a whole, as in plink2.
Haploid calls (chrX/Y of males) are stored with the allele repeated, which is plink2's convention for scoring
(a hemizygous allele counts as dosage 2 and two alleles in the denominator). Records at one position come together
in a :class:`SiteGroup`, so callers can see multi-allelic sites and split duplicates in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tailormed.intake.reader import VcfFile
from tailormed.model.chrom import canonical_chrom

HAPLOID_PAD = -2  # cyvcf2's marker for "no second allele" in a haploid call


@dataclass(frozen=True)
class SiteRecord:
    """One VCF record: alleles and each selected sample's two allele indices (-1 = missing)."""

    chrom: str
    pos: int
    id: str
    ref: str
    alts: tuple[str, ...]
    alleles: npt.NDArray[np.int16]  # shape (samples, 2)
    location: str

    @property
    def target_id(self) -> str:
        """``chrom:pos:ref:alts`` without the ``chr`` prefix, like pgsc_calc's target variant IDs."""
        return f"{self.chrom.removeprefix('chr')}:{self.pos}:{self.ref}:{','.join(self.alts)}"

    def dosage(self, allele: int) -> npt.NDArray[np.float64]:
        """Copies of allele index ``allele`` per sample, NaN where the genotype is missing."""
        first, second = self.alleles[:, 0], self.alleles[:, 1]
        counts: npt.NDArray[np.float64] = (first == allele).astype(np.float64) + (second == allele)
        counts[first < 0] = np.nan  # allele_indices marks a missing call with -1 in both columns
        return counts


@dataclass(frozen=True)
class SiteGroup:
    """All records of the VCF at one (canonical chromosome, position)."""

    chrom: str
    pos: int
    records: tuple[SiteRecord, ...]


def allele_indices(raw: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """cyvcf2's ``genotype.array()`` (allele, allele, phased) to two allele columns with haploid calls doubled.

    >>> allele_indices(np.array([[0, -2, 1], [1, 0, 1], [-1, 1, 0]], dtype=np.int16)).tolist()
    [[0, 0], [1, 0], [-1, -1]]
    """
    if raw.shape[1] < 3:  # every call haploid: (allele, phased)
        first = raw[:, 0].astype(np.int16)
        alleles = np.stack([first, first], axis=1)
    else:
        alleles = raw[:, :2].astype(np.int16, copy=True)
        haploid = alleles[:, 1] == HAPLOID_PAD
        alleles[haploid, 1] = alleles[haploid, 0]
    alleles[(alleles < 0).any(axis=1)] = -1
    return alleles


def read_site_groups(
    opened: VcfFile,
    wanted: Collection[tuple[str, int]],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[SiteGroup]:
    """The records at ``wanted`` (canonical chromosome, position) sites, grouped by position, in file order.

    Uses index queries when the file is indexed and the sites are few compared with its records, else one
    streaming pass; records elsewhere are skipped before their genotypes are decoded.
    """
    wanted_set = set(wanted)
    if not wanted_set:
        return
    use_index = opened.prefers_index(len(wanted_set))
    if use_index:
        regions: Sequence[tuple[str, int, int]] = sorted((chrom, pos, pos) for chrom, pos in wanted_set)
        records = opened.query(regions, on_progress=on_progress)
    else:
        records = opened.records(on_progress=on_progress)
    seen: set[tuple[str, int, str, str]] = set()
    chrom_names: dict[str, str | None] = {}
    current: list[SiteRecord] = []
    current_key: tuple[str, int] | None = None
    for record in records:
        name = record.CHROM
        chrom = chrom_names.get(name)
        if chrom is None and name not in chrom_names:
            chrom = chrom_names[name] = canonical_chrom(name)
        if chrom is None:
            continue
        key = (chrom, int(record.POS))
        if key not in wanted_set:
            continue
        if use_index:
            identity = (chrom, key[1], record.REF, ",".join(record.ALT))
            if identity in seen:
                continue  # a deletion spanning several queried positions comes back once per query
            seen.add(identity)
        where = f"record {name}:{key[1]}" if use_index else opened.last_location
        site = SiteRecord(
            chrom=chrom,
            pos=key[1],
            id=record.ID or ".",
            ref=record.REF.upper(),
            alts=tuple(alt.upper() for alt in record.ALT),
            alleles=allele_indices(opened.genotypes(record, where).astype(np.int16)),
            location=where,
        )
        if current_key is not None and key != current_key:
            yield SiteGroup(chrom=current_key[0], pos=current_key[1], records=tuple(current))
            current = []
        current_key = key
        current.append(site)
    if current_key is not None:
        yield SiteGroup(chrom=current_key[0], pos=current_key[1], records=tuple(current))
