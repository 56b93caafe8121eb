"""What a VCF holds, from one checked pass: samples, records, contigs, phasing, gVCF blocks and the build."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import Field

from tailormed.errors import InputError
from tailormed.evidence.build import BuildVotes, VoteIndex, build_from_votes, decide_build
from tailormed.evidence.genotypes import is_reference_block
from tailormed.evidence.reader import GenomeInput, open_vcf
from tailormed.model.base import Contract
from tailormed.model.chrom import canonical_chrom
from tailormed.model.genotype import BuildDetection, BuildMarker, GenomeBuild


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


def summarize_vcf(
    source: GenomeInput | Path | str | int,
    *,
    build: GenomeBuild | None = None,
    markers: Sequence[BuildMarker] = (),
    on_progress: Callable[[int], None] | None = None,
    on_start: Callable[[int | None], None] | None = None,
) -> VcfSummary:
    """Read every record once (checking it) and report what the file holds and which build it is in.

    ``on_start`` is called with the record count the index states (None without one), before the pass.
    """
    with open_vcf(source) as vcf:
        if on_start is not None:
            on_start(vcf.indexed_record_count())
        header = vcf.header_build()
        index = VoteIndex()
        index.add_markers(markers)
        index.finish()
        votes = BuildVotes()
        counts: dict[str, int] = {}
        records = multiallelic = 0
        phased = haploid = gvcf = False
        for record in vcf.records(on_progress):
            where = vcf.last_location
            vcf.check(record, where)
            records += 1
            counts[record.CHROM] = counts.get(record.CHROM, 0) + 1
            alts = record.ALT
            chrom = canonical_chrom(record.CHROM)
            if index and chrom is not None:
                index.count(votes, chrom, record.POS, record.REF)
            if len(alts) > 1:
                multiallelic += 1
            gvcf = gvcf or is_reference_block(record, alts)
            if vcf.samples:
                gt = vcf.genotypes(record, where)
                if gt.size and int(gt[:, :-1].max()) > len(alts):
                    raise InputError(
                        f"a genotype refers to allele {int(gt[:, :-1].max())} but the record has {len(alts)} ALT(s)",
                        source=vcf.label,
                        location=where,
                    )
                if gt.shape[1] > 2:
                    diploid = gt[:, 1] != -2
                    phased = phased or bool((gt[diploid, -1] == 1).any())
                    haploid = haploid or bool((~diploid).any())
                else:
                    haploid = True
        detection: BuildDetection | None = None
        problem: str | None = None
        if header is None and build is None and build_from_votes(votes) is None:
            problem = (
                "the header has no ##reference, known contig lengths or assembly, and REF bases at marker sites "
                f"are not conclusive ({votes.summary()}); pass --build"
                if index
                else "the header has no ##reference, known contig lengths or assembly; pass --build"
            )
        else:
            detection = decide_build(header, build, votes, source=vcf.label)
        return VcfSummary(
            path=vcf.label,
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
