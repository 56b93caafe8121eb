"""Genotypes at knowledge sites from a VCF/BCF: one pass (or index queries) for all samples at once.

The pass collects the records that concern each knowledge site and, on the side, the REF bases at
build-marker sites, so the build can be inferred from the same read when the header does not state
it. The build is settled (and checked against the build of the knowledge positions) before any call
is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import cyvcf2
import numpy as np

from tailormed.errors import InputError
from tailormed.intake.build import MarkerIndex, MarkerTally, build_from_markers, check_against_markers
from tailormed.intake.calls import MISSING, Record, absent_call, site_calls
from tailormed.intake.reader import VcfFile, open_vcf
from tailormed.intake.sites import Site, SiteIndex
from tailormed.model.alleles import is_sequence
from tailormed.model.chrom import canonical_chrom
from tailormed.model.genotype import (
    BuildDetection,
    BuildMarker,
    BuildSource,
    CallSource,
    GenomeBuild,
    GenotypeCall,
    Locus,
    SampleGenotypes,
)

__all__ = ["VcfFile", "extract_genotypes", "open_vcf"]

_REFERENCE_BLOCK_ALTS = frozenset({"<NON_REF>", "<*>"})


def is_reference_block(record: cyvcf2.Variant, alts: Sequence[str]) -> bool:
    """A gVCF reference block: only ``<NON_REF>``/``<*>`` ALTs, or no ALT with an ``END`` past its REF."""
    if alts:
        return all(alt in _REFERENCE_BLOCK_ALTS for alt in alts)
    return bool(int(record.end) > record.POS + len(record.REF) - 1)


def _valid_alt(alt: str) -> bool:
    return (
        is_sequence(alt) or alt in ("*", ".") or (alt.startswith("<") and alt.endswith(">")) or "[" in alt or "]" in alt
    )


class _Collector:
    """Keeps the records that concern knowledge sites, decoded once for every selected sample."""

    def __init__(self, vcf: VcfFile, sites: SiteIndex, markers: MarkerIndex) -> None:
        self.vcf = vcf
        self.sites = sites
        self.markers = markers
        self.tally = MarkerTally.empty()
        self.records: dict[Site, list[Record]] = {}
        self.blocks: dict[Site, list[Record]] = {}
        self._decoded: dict[tuple[str, int, str, tuple[str, ...], int], Record] = {}
        self.haploid: dict[str, np.ndarray] = {}
        self._numeric = {name: vcf.header.format_types.get(name) == "Integer" for name in ("DP", "PS")}
        self._info_depth = len(vcf.samples) == 1 and vcf.header.info_types.get("DP") == "Integer"

    def add(self, record: cyvcf2.Variant, where: str) -> None:
        chrom = canonical_chrom(record.CHROM)
        if chrom is None:
            return
        pos, ref = record.POS, record.REF
        if self.markers:
            self.markers.count(self.tally, chrom, pos, ref)
        alts = tuple(record.ALT)
        block = is_reference_block(record, alts)
        found = (
            self.sites.in_block(chrom, pos, int(record.end)) if block else self.sites.for_record(chrom, pos, ref, alts)
        )
        if not found:
            return
        decoded = self._decode(record, chrom, alts, where)
        if decoded is None:
            return
        target = self.blocks if block else self.records
        for site in found:
            target.setdefault(site, []).append(decoded)

    def _format(self, record: cyvcf2.Variant, name: str) -> np.ndarray | None:
        if not self._numeric[name]:
            return None
        values = record.format(name)
        if values is None:
            return None
        column = np.asarray(values, dtype=np.int64)[:, 0]
        return np.where(column < 0, MISSING, column)

    def _decode(self, record: cyvcf2.Variant, chrom: str, alts: tuple[str, ...], where: str) -> Record | None:
        for alt in alts:
            if not _valid_alt(alt):
                raise InputError(
                    f"ALT '{alt[:40]}' is not a base sequence, '*', or a symbolic allele",
                    source=self.vcf.path,
                    location=where,
                )
        gt = self.vcf.genotypes(record, where)
        if gt.size and int(gt[:, :-1].max()) > len(alts):
            sample = self.vcf.samples[int(np.argwhere(gt[:, :-1] > len(alts))[0][0])]
            raise InputError(
                f"genotype of sample {sample} refers to allele {int(gt[:, :-1].max())} but the record has "
                f"{len(alts)} ALT allele(s)",
                source=self.vcf.path,
                location=where,
            )
        key = (chrom, record.POS, record.REF.upper(), alts, int(record.end))
        seen = self._decoded.get(key)
        if seen is not None:
            if not np.array_equal(seen.gt, gt):
                raise InputError(
                    f"duplicate record {seen.label} with different genotypes (first at {seen.where})",
                    source=self.vcf.path,
                    location=where,
                )
            return None
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


def _decide_build(
    vcf: VcfFile, build: GenomeBuild | None, stated: BuildDetection | None, collector: _Collector
) -> BuildDetection:
    if build is not None:
        return BuildDetection(build=build, source=BuildSource.USER, detail="given by the caller")
    if stated is not None:
        try:
            check_against_markers(stated, collector.tally)
        except InputError as exc:
            raise InputError(exc.message, source=vcf.path) from exc
        return stated
    detected = build_from_markers(collector.tally)
    if detected is None:
        raise vcf.undetermined_build(f"REF bases at marker sites are not conclusive ({collector.tally.summary()})")
    return detected


def _check_loci_build(vcf: VcfFile, detection: BuildDetection, loci_build: GenomeBuild) -> None:
    if detection.build != loci_build:
        how = "as given" if detection.source is BuildSource.USER else f"from {detection.source.value.replace('_', ' ')}"
        raise InputError(
            f"VCF is {detection.build} ({how}: {detection.detail}) but the knowledge positions are {loci_build}; "
            "pass --build to override if the detection is wrong",
            source=vcf.path,
        )


def _ploidy(chrom: str, sample: int, haploid: dict[str, np.ndarray]) -> int:
    if chrom == "chrM":
        return 1
    seen = haploid.get(chrom)
    if seen is not None:
        return 1 if bool(seen[sample]) else 2
    return 1 if chrom == "chrY" else 2


def extract_genotypes(
    path: Path,
    loci: Sequence[Locus],
    *,
    loci_build: GenomeBuild,
    samples: Sequence[str] | None = None,
    build: GenomeBuild | None = None,
    markers: Sequence[BuildMarker] = (),
    absent_is_reference: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, SampleGenotypes]:
    """Each sample's calls at the knowledge loci, keyed by sample name.

    ``build`` overrides detection; otherwise the header decides, and REF bases at ``markers`` decide
    when the header is silent (read in the same pass). A VCF in another build than ``loci_build`` is
    an InputError. ``absent_is_reference`` turns sites no record covers into ASSUMED_REFERENCE calls
    and is recorded on every result. ``on_progress`` is called with the number of records read since
    its previous call.
    """
    with open_vcf(Path(path)) as vcf:
        chosen = vcf.select_samples(samples)
        sites = SiteIndex(loci)
        stated = None if build is not None else vcf.header_build()
        early = BuildDetection(build=build, source=BuildSource.USER, detail="given by the caller") if build else stated
        if early is not None:
            _check_loci_build(vcf, early, loci_build)
        marker_index = MarkerIndex(markers if build is None else ())
        if early is None and not marker_index:
            raise vcf.undetermined_build("no build-marker sites were supplied")
        collector = _Collector(vcf, sites, marker_index)
        regions = sites.regions() + [(chrom, pos, pos) for chrom, pos in marker_index.positions()]
        if vcf.prefers_index(len(regions)):
            for record in vcf.query(sorted(regions), on_progress):
                collector.add(record, f"record {record.CHROM}:{record.POS}")
        else:
            for record in vcf.records(on_progress):
                collector.add(record, vcf.last_location)
        detection = _decide_build(vcf, build, stated, collector)
        _check_loci_build(vcf, detection, loci_build)
        return _assemble(vcf.path, chosen, sites, collector, detection, absent_is_reference)


def _assemble(
    path: Path,
    samples: list[str],
    sites: SiteIndex,
    collector: _Collector,
    detection: BuildDetection,
    absent_is_reference: bool,
) -> dict[str, SampleGenotypes]:
    warnings: list[str] = []
    per_sample: list[dict[str, GenotypeCall]] = [{} for _ in samples]
    for site in sites.sites:
        key = site.locus.key
        records, blocks = collector.records.get(site), collector.blocks.get(site)
        calls: Iterable[GenotypeCall]
        if records:
            calls = site_calls(site, records, CallSource.RECORD, warnings)
        elif blocks:
            calls = site_calls(site, blocks[:1], CallSource.GVCF_BLOCK, warnings)
        else:
            cache: dict[int, GenotypeCall] = {}
            calls = [
                cache.setdefault(p, absent_call(site, absent_is_reference, p))
                for p in (_ploidy(site.locus.chrom, i, collector.haploid) for i in range(len(samples)))
            ]
        for sample_calls, call in zip(per_sample, calls, strict=True):
            sample_calls[key] = call
    return {
        name: SampleGenotypes(
            sample=name,
            source=str(path),
            build=detection,
            absent_is_reference=absent_is_reference,
            calls=calls,
            warnings=list(warnings),
        )
        for name, calls in zip(samples, per_sample, strict=True)
    }
