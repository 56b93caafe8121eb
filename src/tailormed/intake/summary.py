"""What a VCF holds, from one checked pass: samples, records, contigs, phasing, gVCF blocks and the build."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import Field

from tailormed.errors import InputError
from tailormed.intake.build import MarkerIndex, MarkerTally, build_from_markers, check_against_markers
from tailormed.intake.reader import open_vcf
from tailormed.intake.vcf import is_reference_block
from tailormed.model.base import Contract
from tailormed.model.chrom import canonical_chrom
from tailormed.model.genotype import BuildDetection, BuildMarker, BuildSource, GenomeBuild


class ContigCount(Contract):
    name: str
    canonical: str | None = Field(description="UCSC-style name, None for alt/decoy/unplaced contigs")
    records: int


class VcfSummary(Contract):
    """The facts ``tailormed vcf info`` reports."""

    path: str
    format: str = Field(description="vcf, vcf.gz or bcf")
    indexed: bool
    samples: list[str]
    records: int
    contigs: list[ContigCount]
    multiallelic_records: int
    phased: bool = Field(description="At least one genotype is phased ('|')")
    haploid_calls: bool = Field(description="At least one genotype has a single allele (chrX males, chrM)")
    gvcf: bool = Field(description="The file has gVCF reference blocks (<NON_REF>/<*> or END=)")
    build: BuildDetection | None
    build_problem: str | None = Field(default=None, description="Why the build could not be decided")


def expected_records(path: Path) -> int | None:
    """The record count an index states, for a progress bar total; None without an index."""
    with open_vcf(path) as vcf:
        return vcf.indexed_record_count()


def summarize_vcf(
    path: Path,
    *,
    build: GenomeBuild | None = None,
    markers: Sequence[BuildMarker] = (),
    on_progress: Callable[[int], None] | None = None,
) -> VcfSummary:
    """Read every record once (checking it) and report what the file holds and which build it is in."""
    with open_vcf(Path(path)) as vcf:
        stated = None if build is not None else vcf.header_build()
        index = MarkerIndex(markers if build is None else ())
        tally = MarkerTally.empty()
        counts: dict[str, int] = {}
        records = multiallelic = 0
        phased = haploid = gvcf = False
        for record in vcf.records(on_progress):
            records += 1
            counts[record.CHROM] = counts.get(record.CHROM, 0) + 1
            alts = record.ALT
            chrom = canonical_chrom(record.CHROM)
            if index and chrom is not None:
                index.count(tally, chrom, record.POS, record.REF)
            if len(alts) > 1:
                multiallelic += 1
            gvcf = gvcf or is_reference_block(record, alts)
            if vcf.samples:
                gt = vcf.genotypes(record, vcf.last_location)
                if gt.size and int(gt[:, :-1].max()) > len(alts):
                    raise InputError(
                        f"a genotype refers to allele {int(gt[:, :-1].max())} but the record has {len(alts)} ALT(s)",
                        source=vcf.path,
                        location=vcf.last_location,
                    )
                if gt.shape[1] > 2:
                    diploid = gt[:, 1] != -2
                    phased = phased or bool((gt[diploid, -1] == 1).any())
                    haploid = haploid or bool((~diploid).any())
                else:
                    haploid = True
        detection: BuildDetection | None
        problem: str | None = None
        if build is not None:
            detection = BuildDetection(build=build, source=BuildSource.USER, detail="given by the caller")
        elif stated is not None:
            try:
                check_against_markers(stated, tally)
            except InputError as exc:
                raise InputError(exc.message, source=vcf.path) from exc
            detection = stated
        else:
            detection = build_from_markers(tally)
            if detection is None:
                problem = (
                    "the header has no ##reference, known contig lengths or assembly, and REF bases at marker sites "
                    f"are not conclusive ({tally.summary()}); pass --build"
                    if index
                    else "the header has no ##reference, known contig lengths or assembly; pass --build"
                )
        return VcfSummary(
            path=str(vcf.path),
            format=vcf.header.kind,
            indexed=vcf.indexed,
            samples=vcf.samples,
            records=records,
            contigs=[ContigCount(name=name, canonical=canonical_chrom(name), records=n) for name, n in counts.items()],
            multiallelic_records=multiallelic,
            phased=phased,
            haploid_calls=haploid,
            gvcf=gvcf,
            build=detection,
            build_problem=problem,
        )
