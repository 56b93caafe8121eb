"""Genotypes at knowledge loci: the records of one pass that concern a consumer's sites, turned into calls.

A :class:`LociCollector` keeps, for one consumer's loci in one build, the records that start at a site, the records
whose ALT (after normalization) is a site's ALT wherever they start, and gVCF reference blocks covering a site. After
the pass, :meth:`LociCollector.calls` makes one :class:`GenotypeCall` per sample and site, filed under the knowledge
locus (``report_as``) when the sites were read in another build. Absent sites become ``assumed_reference`` only when
the VCF was declared complete *and* the site's region holds at least one record; a record whose REF disagrees with
the site's REF is never a match (``no_call``, and a :class:`RefMismatch`).
"""

from __future__ import annotations

import copy
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import cyvcf2
import numpy as np
import numpy.typing as npt

from tailormed.errors import InputError
from tailormed.evidence.calls import MISSING, Record, site_call_codes, state_of
from tailormed.evidence.reader import VcfFile
from tailormed.evidence.sites import SiteIndex
from tailormed.model.alleles import is_sequence
from tailormed.model.evidence import AbsentSites, BuildLoci, GeneRegion, RefMismatch
from tailormed.model.genotype import CallSource, CallState, GenotypeCall, Locus

_REFERENCE_BLOCK_ALTS = frozenset({"<NON_REF>", "<*>"})
#: What a record's genotypes are once its collector let them go (:meth:`LociCollector.release`).
_RELEASED = np.empty((0, 0), dtype=np.int16)


def is_reference_block(record: cyvcf2.Variant, alts: Sequence[str]) -> bool:
    """A gVCF reference block: only ``<NON_REF>``/``<*>`` ALTs, or no ALT with an ``END`` past its REF."""
    if alts:
        return all(alt in _REFERENCE_BLOCK_ALTS for alt in alts)
    return bool(int(record.end) > record.POS + len(record.REF) - 1)


def _valid_alt(alt: str) -> bool:
    return (
        is_sequence(alt) or alt in ("*", ".") or (alt.startswith("<") and alt.endswith(">")) or "[" in alt or "]" in alt
    )


class Decoder:
    """Decodes a record's fields for the selected samples once, however many consumers want it."""

    def __init__(self, vcf: VcfFile) -> None:
        self.vcf = vcf
        self._decoded: dict[tuple[str, int, str, tuple[str, ...], int], Record] = {}
        self.haploid: dict[str, np.ndarray] = {}
        self._numeric = {name: vcf.header.format_types.get(name) == "Integer" for name in ("DP", "PS")}
        self._info_depth = len(vcf.samples) == 1 and vcf.header.info_types.get("DP") == "Integer"

    def _format(self, record: cyvcf2.Variant, name: str) -> np.ndarray | None:
        if not self._numeric[name]:
            return None
        values = record.format(name)
        if values is None:
            return None
        column = np.asarray(values, dtype=np.int64)[:, 0]
        return np.where(column < 0, MISSING, column)

    def decode(self, record: cyvcf2.Variant, chrom: str, alts: tuple[str, ...], where: str) -> Record | None:
        """The record's fields (decoded once for every consumer); None for a repeat of an identical record."""
        key = (chrom, record.POS, record.REF.upper(), alts, int(record.end))
        seen = self._decoded.get(key)
        if seen is not None and seen.where == where:
            return seen  # the same record, wanted by another consumer
        gt = self.vcf.genotypes(record, where)
        if seen is not None:
            if not np.array_equal(seen.gt, gt):
                raise InputError(
                    f"duplicate record {seen.label} with different genotypes (first at {seen.where})",
                    source=self.vcf.label,
                    location=where,
                )
            return None
        for alt in alts:
            if not _valid_alt(alt):
                raise InputError(
                    f"ALT '{alt[:40]}' is not a base sequence, '*', or a symbolic allele",
                    source=self.vcf.label,
                    location=where,
                )
        if gt.size and int(gt.max()) > len(alts) and int(gt[:, :-1].max()) > len(alts):  # whole array: contiguous
            sample = self.vcf.samples[int(np.argwhere(gt[:, :-1] > len(alts))[0][0])]
            raise InputError(
                f"genotype of sample {sample} refers to allele {int(gt[:, :-1].max())} but the record has "
                f"{len(alts)} ALT allele(s)",
                source=self.vcf.label,
                location=where,
            )
        if len(alts) < np.iinfo(np.int8).max:  # every index fits (checked above): half the memory a pass holds
            gt = gt.astype(np.int8)
        depth = self._format(record, "DP")
        if depth is None and self._info_depth:
            info = record.INFO.get("DP")
            depth = np.array([int(info) if isinstance(info, int) and info >= 0 else MISSING], dtype=np.int64)
        quality = record.QUAL
        decoded = Record(
            chrom=chrom,
            pos=record.POS,
            ref=record.REF.upper(),
            alts=tuple(alt.upper() if is_sequence(alt) else alt for alt in alts),
            end=int(record.end),
            gt=gt,
            filter=record.FILTER,
            quality=float(quality) if quality is not None else None,
            depth=depth,
            phase_set=self._format(record, "PS"),
            where=where,
        )
        self._decoded[key] = decoded
        if gt.size and chrom in ("chrX", "chrY"):
            haploid = gt[:, 1] == -2 if gt.shape[1] > 2 else np.ones(len(gt), dtype=bool)
            self.haploid[chrom] = self.haploid.get(chrom, np.zeros(len(gt), dtype=bool)) | haploid
        return decoded

    def release(self) -> None:
        """Forget the records decoded (kept to tell a repeated record during the pass), once the pass is over."""
        self._decoded = {}

    def subset(self, take: Callable[[npt.NDArray[Any]], npt.NDArray[Any]]) -> Decoder:
        """The decoder of a pass that read only some samples (``take`` cuts a per-sample array), after the pass."""
        view = copy.copy(self)
        view._decoded = {}
        view.haploid = {chrom: take(seen) for chrom, seen in self.haploid.items()}
        return view

    def ploidy(self, chrom: str, sample: int) -> int:
        if chrom == "chrM":
            return 1
        seen = self.haploid.get(chrom)
        if seen is not None:
            return 1 if bool(seen[sample]) else 2
        return 1 if chrom == "chrY" else 2


@dataclass
class RegionCounter:
    """Records per region, counted as a sorted pass goes by (or per queried record)."""

    regions: list[GeneRegion]
    counts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.regions)
        self._by_chrom: dict[str, list[int]] = {}
        for index, region in enumerate(self.regions):
            self._by_chrom.setdefault(region.chrom, []).append(index)

    def add(self, chrom: str, pos: int) -> None:
        for index in self._by_chrom.get(chrom, ()):
            region = self.regions[index]
            if region.start <= pos <= region.end:
                self.counts[index] += 1

    def add_all(self, chrom: str, positions: list[int]) -> None:
        """:meth:`add` for many records of one chromosome at once."""
        indices = self._by_chrom.get(chrom)
        if not indices or not positions:
            return
        ordered = sorted(positions)
        for index in indices:
            region = self.regions[index]
            self.counts[index] += bisect_right(ordered, region.end) - bisect_left(ordered, region.start)

    def covered(self, chrom: str, pos: int) -> bool | None:
        """Whether the regions around a position hold a record (None when it lies in no region)."""
        found = [
            self.counts[i] > 0
            for i in self._by_chrom.get(chrom, ())
            if self.regions[i].start <= pos <= self.regions[i].end
        ]
        return any(found) if found else None


@dataclass
class LociPlan:
    """One consumer's loci in one build, indexed for a pass; never changed by a pass, so one plan serves many."""

    consumer: str
    sites: SiteIndex
    report_as: dict[str, Locus]
    regions: list[GeneRegion]

    @classmethod
    def of(cls, consumer: str, wanted: BuildLoci) -> LociPlan:
        return cls(consumer, SiteIndex(wanted.loci), dict(wanted.report_as), list(wanted.regions))


class LociCollector:
    """The records one consumer's loci (in one build) need, gathered during a pass; sites by their number in the
    plan's :class:`SiteIndex`."""

    def __init__(self, plan: LociPlan) -> None:
        self.consumer = plan.consumer
        self.sites = plan.sites
        self.report_as = plan.report_as
        self.regions = RegionCounter(plan.regions)
        self.records: dict[int, list[Record]] = {}
        self.blocks: dict[int, list[Record]] = {}
        self._rows: dict[int, SiteRows] = {}
        self._codes: _CodeTable | None = None
        self._released = False

    def add(self, record: cyvcf2.Variant, chrom: str, alts: tuple[str, ...], decoder: Decoder, where: str) -> None:
        block = is_reference_block(record, alts)
        found = (
            self.sites.in_block(chrom, record.POS, int(record.end))
            if block
            else self.sites.for_record(chrom, record.POS, record.REF, alts)
        )
        if not found:
            return
        decoded = decoder.decode(record, chrom, alts, where)
        if decoded is None:
            return
        target = self.blocks if block else self.records
        for number in found:
            target.setdefault(number, []).append(decoded)

    def subset(self, take: Callable[[npt.NDArray[Any]], npt.NDArray[Any]]) -> LociCollector:
        """This collector as a pass over only some samples would have filled it (``take`` cuts a per-sample array
        to them): the same records and region counts; each read site's calls those of this pass the samples have
        (:class:`_SubsetCollector`)."""
        return _SubsetCollector(self, take)

    def code_table(self) -> _CodeTable:
        """Every read site's sample codes as one :class:`_CodeTable` (made once; each site's rows worked out, then
        holding their row of the table as their codes, so a pass holds each sample's code at a site once)."""
        if self._codes is None:
            numbers = self.read_sites()
            counts = np.zeros(len(numbers), dtype=np.intp)
            codes: npt.NDArray[np.integer[Any]] = np.empty((len(numbers), 0), dtype=np.uint8)
            for site, number in enumerate(numbers):
                rows = self.site_rows(number)
                counts[site] = len(rows.calls)
                if site == 0:
                    codes = np.empty((len(numbers), len(rows.codes)), dtype=rows.codes.dtype)
                elif rows.codes.dtype.itemsize > codes.dtype.itemsize:  # more than 256 calls at a site: wider codes
                    codes = codes.astype(rows.codes.dtype)
                    for earlier in range(site):
                        self._rows[numbers[earlier]] = replace(self._rows[numbers[earlier]], codes=codes[earlier])
                codes[site] = rows.codes
                self._rows[number] = replace(rows, codes=codes[site])
            self._codes = _CodeTable(numbers, codes, counts)
        return self._codes

    def release(self) -> None:
        """Every read site's rows worked out, then its records' per-sample arrays let go: a batch or a pass cut into
        many blocks holds each site's codes, not its records' genotypes as well."""
        for number in self.read_sites():
            self.site_rows(number)
        for found in (*self.records.values(), *self.blocks.values()):
            for record in found:
                record.gt, record.depth, record.phase_set = _RELEASED, None, None
        self._released = True

    def read_sites(self) -> list[int]:
        """Numbers of the sites some record or reference block speaks about, in knowledge order."""
        return sorted(self.records.keys() | self.blocks.keys())

    def site_rows(self, number: int) -> SiteRows:
        """A read site's calls (:func:`~tailormed.evidence.calls.site_call_codes`, filed under the knowledge locus),
        worked out once per pass: each sample's evidence and a block's columns take the same calls."""
        found = self._rows.get(number)
        if found is not None:
            return found
        if self._released:
            raise RuntimeError(f"site {number} was not read before its records were released")
        site = self.sites.site(number)
        records, blocks = self.records.get(number), self.blocks.get(number)
        target = self.report_as.get(site.key) if self.report_as else None
        warnings: list[str] = []
        mismatched: list[Record] = []
        conflicts: list[int] = []
        if records:
            calls, codes = site_call_codes(site, records, CallSource.RECORD, warnings, mismatched, conflicts)
        else:
            assert blocks is not None
            calls, codes = site_call_codes(site, blocks[:1], CallSource.GVCF_BLOCK, warnings, mismatched, conflicts)
        key = (target or site).key
        mismatches = [
            RefMismatch(consumer=self.consumer, key=key, vcf_ref=r.ref, knowledge_ref=site.ref, where=r.where)
            for r in mismatched
        ]
        if target is not None:
            calls = [_refiled(call, target) for call in calls]
        found = SiteRows(key, calls, _small(codes, len(calls)), mismatches, warnings, frozenset(conflicts))
        self._rows[number] = found
        return found

    def calls(
        self, samples: Sequence[str], decoder: Decoder, absent_is_reference: bool
    ) -> tuple[SampleCalls, list[list[AbsentSites]], list[RefMismatch], list[str]]:
        """Per sample: knowledge Locus.key -> call for the sites records speak about, and the absent sites; the REF
        mismatches found; warnings."""
        warnings: list[str] = []
        mismatches: list[RefMismatch] = []
        per_site: list[tuple[str, list[GenotypeCall], npt.NDArray[np.integer[Any]]]] = []
        read = self.read_sites()
        for number in read:
            rows = self.site_rows(number)
            warnings += rows.warnings
            mismatches += rows.mismatches
            per_site.append((rows.key, rows.calls, rows.codes))
        absent, read_as, assumed_chroms = self._absent(set(read), absent_is_reference)
        per_sample_absent: list[list[AbsentSites]] = []
        for index in range(len(samples)):
            groups = []
            if absent[True]:
                haploid = sorted(c for c in assumed_chroms if decoder.ploidy(c, index) == 1)
                groups.append(
                    AbsentSites.model_construct(
                        assumed_reference=True, sites=absent[True], read_as=read_as, haploid=haploid
                    )
                )
            if absent[False]:
                groups.append(
                    AbsentSites.model_construct(assumed_reference=False, sites=absent[False], read_as={}, haploid=[])
                )
            per_sample_absent.append(groups)
        return SampleCalls(len(samples), per_site), per_sample_absent, mismatches, warnings

    def _absent(
        self, read: set[int], absent_is_reference: bool
    ) -> tuple[dict[bool, dict[str, str]], dict[str, str], set[str]]:
        """The sites no record speaks about, key -> REF, split by whether they are assumed reference; the REF read
        where it differs from the key's (sites filed under another build's locus); the chromosomes assumed on."""
        chroms, keys, refs = self.sites.chroms, self.sites.keys, self.sites.refs
        numbers = [number for number in range(len(keys)) if number not in read]
        # Only a region without a single record can deny the assumption: test sites on those chromosomes only.
        empty = {region.chrom for region, n in zip(self.regions.regions, self.regions.counts, strict=True) if not n}
        denied: set[int] = set()
        if absent_is_reference and empty:
            covered, positions = self.regions.covered, self.sites.positions
            denied = {n for n in numbers if chroms[n] in empty and covered(chroms[n], int(positions[n])) is False}
        assumed = [n for n in numbers if n not in denied] if absent_is_reference else []
        groups = {True: assumed, False: [n for n in numbers if n in denied] if absent_is_reference else numbers}
        absent: dict[bool, dict[str, str]] = {}
        read_as: dict[str, str] = {}
        report_as = self.report_as
        for assume, group in groups.items():
            if not report_as:
                absent[assume] = {keys[n]: refs[n] for n in group}
                continue
            absent[assume] = {}
            for n in group:
                target = report_as.get(keys[n])
                if target is None:
                    absent[assume][keys[n]] = refs[n]
                else:
                    absent[assume][target.key] = target.ref
                    if assume and target.ref != refs[n]:
                        read_as[target.key] = refs[n]
        return absent, read_as, set(map(chroms.__getitem__, assumed))

    def uncovered_regions(self) -> list[GeneRegion]:
        return [region for region, count in zip(self.regions.regions, self.regions.counts, strict=True) if not count]


@dataclass(frozen=True)
class SiteRows:
    """One read site's calls: one per distinct genotype row (``calls``), each sample's row (``codes``), the
    records whose REF disagrees with the site's, and warnings (only about the calls numbered in ``conflicts``);
    ``key`` is the knowledge locus it is filed under."""

    key: str
    calls: list[GenotypeCall]
    codes: npt.NDArray[np.integer[Any]]
    mismatches: list[RefMismatch]
    warnings: list[str]
    conflicts: frozenset[int] = frozenset()


class _SubsetCollector(LociCollector):
    """A collector of a pass over many samples seen as if the pass had read only some of them: each read site's rows
    cut out of the whole pass's, which are worked out once for every subset. A site's rows for some samples are those
    their own pass gives: the distinct calls they have, in the same order (distinct rows are ordered by value, see
    :func:`~tailormed.evidence.calls.site_call_codes`), numbered anew; the warnings only when one of those calls
    caused them."""

    def __init__(self, whole: LociCollector, take: Callable[[npt.NDArray[Any]], npt.NDArray[Any]]) -> None:
        self.consumer = whole.consumer
        self.sites = whole.sites
        self.report_as = whole.report_as
        self.regions = whole.regions
        self.records = whole.records
        self.blocks = whole.blocks
        self._rows = {}
        self._codes = None
        self._released = False
        self._whole = whole
        self._take = take

    def site_rows(self, number: int) -> SiteRows:
        if not self._rows:
            self._cut_every_site()
        return self._rows[number]

    def _cut_every_site(self) -> None:
        """Every read site's rows, with a few array operations over the pass's :meth:`LociCollector.code_table`."""
        table = self._whole.code_table()
        if not table.numbers:
            return
        cut = self._take(table.codes.T).T  # sites x these samples
        if cut.shape == table.codes.shape:  # every sample of the pass
            self._rows = {number: self._whole.site_rows(number) for number in table.numbers}
            return
        sites = np.arange(len(table.numbers))[:, None]
        present = np.zeros((len(table.numbers), int(table.counts.max())), dtype=np.bool_)
        present[sites, cut] = True
        renumbered = (np.cumsum(present, axis=1, dtype=np.int32) - 1)[sites, cut].astype(table.codes.dtype)
        complete = present.sum(axis=1) == table.counts
        for column, number in enumerate(table.numbers):
            whole = self._whole.site_rows(number)
            if complete[column]:
                found = SiteRows(whole.key, whole.calls, renumbered[column], whole.mismatches, whole.warnings,
                                 whole.conflicts)  # fmt: skip
            else:
                used = np.flatnonzero(present[column]).tolist()
                conflicts = frozenset(new for new, old in enumerate(used) if old in whole.conflicts)
                found = SiteRows(whole.key, [whole.calls[i] for i in used], renumbered[column], whole.mismatches,
                                 whole.warnings if conflicts else [], conflicts)  # fmt: skip
            self._rows[number] = found


@dataclass(frozen=True)
class _CodeTable:
    """Every read site's sample codes of a pass as one sites x samples matrix, and each site's number of calls."""

    numbers: list[int]
    codes: npt.NDArray[np.integer[Any]]
    counts: npt.NDArray[np.intp]


class SampleCalls:
    """Every sample's calls, kept per site as columns (the site's key, one call per distinct genotype row, each
    sample's row number) and made into one sample's mapping (Locus.key -> call, in site order) only when that
    sample's evidence is asked for: a cohort block that reads its calls as columns never builds a mapping per person.
    """

    def __init__(self, samples: int, sites: list[tuple[str, list[GenotypeCall], npt.NDArray[np.integer[Any]]]]) -> None:
        self._samples = samples
        self._sites = [(key, calls, _small(codes, len(calls))) for key, calls, codes in sites]

    def __len__(self) -> int:
        return self._samples

    def __getitem__(self, index: int) -> dict[str, GenotypeCall]:
        if not -self._samples <= index < self._samples:
            raise IndexError(index)
        return {key: calls[codes[index]] for key, calls, codes in self._sites}

    def by_site(self) -> dict[str, tuple[list[GenotypeCall], npt.NDArray[np.integer[Any]]]]:
        """Site key -> its distinct calls and each sample's number among them; of a key filed twice, the last, as a
        sample's mapping keeps it. A cohort finds the few samples with a call of interest site by site."""
        return {key: (calls, codes) for key, calls, codes in self._sites}


def _small(codes: npt.NDArray[np.integer[Any]], distinct: int) -> npt.NDArray[np.integer[Any]]:
    """Row numbers in the narrowest integer type that holds them (a site's calls for every sample of a block)."""
    return codes.astype(np.uint8 if distinct <= 256 else np.int32, copy=False)


def _refiled(call: GenotypeCall, target: Locus) -> GenotypeCall:
    """A call read in another build, filed under the knowledge locus (its position, its REF, state against it)."""
    state = call.state
    if state in (CallState.REFERENCE, CallState.VARIANT, CallState.PARTIAL, CallState.NO_CALL):
        state = state_of(call.alleles, target.ref)
    return call.model_copy(update={"chrom": target.chrom, "pos": target.pos, "ref": target.ref, "state": state})
