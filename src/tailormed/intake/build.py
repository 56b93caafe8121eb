"""Which reference assembly a VCF's coordinates are in, and how sure we are.

The decision uses, in order of trust: the caller's word, the ``##reference=`` header line, the
lengths declared in ``##contig`` lines, their ``assembly=`` attribute, and finally the REF bases the
file holds at :class:`BuildMarker` sites (positions whose base is known in both builds). A header
whose sources disagree is an error rather than a guess; so is REF evidence that contradicts the
header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tailormed.errors import InputError
from tailormed.model.chrom import canonical_chrom
from tailormed.model.genotype import BuildDetection, BuildMarker, BuildSource, GenomeBuild

# Primary-assembly sequence lengths from the GRC assembly reports (GRCh37.p13, GCF_000001405.25;
# GRCh38.p14, GCF_000001405.40) and UCSC hg19's chrM (NC_001807). The rCRS mitochondrion (16569) is
# shared by b37 and GRCh38, so it decides nothing and is left out.
ASSEMBLY_LENGTHS: Mapping[GenomeBuild, Mapping[str, int]] = {
    GenomeBuild.GRCH37: {
        "chr1": 249250621, "chr2": 243199373, "chr3": 198022430, "chr4": 191154276, "chr5": 180915260,
        "chr6": 171115067, "chr7": 159138663, "chr8": 146364022, "chr9": 141213431, "chr10": 135534747,
        "chr11": 135006516, "chr12": 133851895, "chr13": 115169878, "chr14": 107349540, "chr15": 102531392,
        "chr16": 90354753, "chr17": 81195210, "chr18": 78077248, "chr19": 59128983, "chr20": 63025520,
        "chr21": 48129895, "chr22": 51304566, "chrX": 155270560, "chrY": 59373566, "chrM": 16571,
    },
    GenomeBuild.GRCH38: {
        "chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr4": 190214555, "chr5": 181538259,
        "chr6": 170805979, "chr7": 159345973, "chr8": 145138636, "chr9": 138394717, "chr10": 133797422,
        "chr11": 135086622, "chr12": 133275309, "chr13": 114364328, "chr14": 107043718, "chr15": 101991189,
        "chr16": 90338345, "chr17": 83257441, "chr18": 80373285, "chr19": 58617616, "chr20": 64444167,
        "chr21": 46709983, "chr22": 50818468, "chrX": 156040895, "chrY": 57227415,
    },
}  # fmt: skip

_BUILD_NAMES: Mapping[GenomeBuild, re.Pattern[str]] = {
    GenomeBuild.GRCH37: re.compile(r"(?<![a-z0-9])(grch37|hg19|b37|hs37d5|hs37|g1k_v37|assembly19)(?![0-9])", re.I),
    GenomeBuild.GRCH38: re.compile(r"(?<![a-z0-9])(grch38|hg38|b38|hs38dh|hs38|assembly38)(?![0-9])", re.I),
}

# REF evidence is accepted when at least this many marker sites agree with one build, at least this share of
# the sites seen for that build agree, and the other build agrees at fewer than half of its sites.
MIN_MARKER_AGREEMENT = 3
MIN_AGREEMENT_RATE = 0.8


@dataclass(frozen=True)
class Contig:
    """One ``##contig`` header line."""

    name: str
    length: int | None
    assembly: str | None


def build_named_in(text: str) -> GenomeBuild | None:
    """The build a free-text name points to (``GRCh38.p14``, ``hs37d5.fa.gz``), or None if none or both.

    >>> build_named_in("file:///ref/Homo_sapiens_assembly38.fasta"), build_named_in("hs37d5"), build_named_in("x")
    (<GenomeBuild.GRCH38: 'GRCh38'>, <GenomeBuild.GRCH37: 'GRCh37'>, None)
    """
    found = {build for build, pattern in _BUILD_NAMES.items() if pattern.search(text)}
    return found.pop() if len(found) == 1 else None


def _from_reference(references: Sequence[str]) -> BuildDetection | None:
    for value in references:
        build = build_named_in(value)
        if build is not None:
            return BuildDetection(build=build, source=BuildSource.HEADER_REFERENCE, detail=f"##reference={value}")
    return None


def _from_lengths(contigs: Sequence[Contig]) -> BuildDetection | None:
    votes: dict[GenomeBuild, list[str]] = {}
    for contig in contigs:
        canonical = canonical_chrom(contig.name)
        if canonical is None or contig.length is None:
            continue
        for build, lengths in ASSEMBLY_LENGTHS.items():
            if lengths.get(canonical) == contig.length:
                votes.setdefault(build, []).append(f"{contig.name} length {contig.length}")
    if len(votes) > 1:
        raise InputError(
            "contig lengths disagree on the genome build: "
            + "; ".join(f"{build}: {', '.join(evidence[:2])}" for build, evidence in votes.items())
        )
    for build, evidence in votes.items():
        return BuildDetection(build=build, source=BuildSource.CONTIG_LENGTHS, detail=", ".join(evidence[:3]))
    return None


def _from_assembly(contigs: Sequence[Contig]) -> BuildDetection | None:
    votes: dict[GenomeBuild, str] = {}
    for contig in contigs:
        if contig.assembly:
            build = build_named_in(contig.assembly)
            if build is not None:
                votes.setdefault(build, f"{contig.name} assembly={contig.assembly}")
    if len(votes) > 1:
        raise InputError(f"contig assembly attributes disagree on the genome build: {'; '.join(votes.values())}")
    for build, evidence in votes.items():
        return BuildDetection(build=build, source=BuildSource.CONTIG_ASSEMBLY, detail=evidence)
    return None


def build_from_header(references: Sequence[str], contigs: Sequence[Contig]) -> BuildDetection | None:
    """The build the header states, or None when it does not say; InputError when its sources disagree."""
    found = [
        detection
        for detection in (_from_reference(references), _from_lengths(contigs), _from_assembly(contigs))
        if detection is not None
    ]
    for other in found[1:]:
        if other.build != found[0].build:
            raise InputError(
                f"header is inconsistent about the genome build: {found[0].detail} says {found[0].build}, "
                f"but {other.detail} says {other.build}"
            )
    return found[0] if found else None


@dataclass
class MarkerTally:
    """REF agreement at marker sites, counted separately for each build's coordinates."""

    agree: dict[GenomeBuild, int]
    seen: dict[GenomeBuild, int]

    @classmethod
    def empty(cls) -> MarkerTally:
        return cls(agree=dict.fromkeys(GenomeBuild, 0), seen=dict.fromkeys(GenomeBuild, 0))

    def summary(self) -> str:
        return ", ".join(f"{build} {self.agree[build]}/{self.seen[build]}" for build in GenomeBuild)


class MarkerIndex:
    """Marker sites by (chrom, pos) in each build, so a scan can test every record it reads in O(1)."""

    def __init__(self, markers: Iterable[BuildMarker]) -> None:
        self.sites: dict[tuple[str, int], list[tuple[GenomeBuild, str]]] = {}
        for marker in markers:
            if marker.grch37_pos == marker.grch38_pos and marker.grch37_ref == marker.grch38_ref:
                continue  # identical in both builds: tells them apart at no site
            self.sites.setdefault((marker.chrom, marker.grch37_pos), []).append((GenomeBuild.GRCH37, marker.grch37_ref))
            self.sites.setdefault((marker.chrom, marker.grch38_pos), []).append((GenomeBuild.GRCH38, marker.grch38_ref))

    def __bool__(self) -> bool:
        return bool(self.sites)

    def positions(self) -> list[tuple[str, int]]:
        return sorted(self.sites, key=lambda site: (site[0], site[1]))

    def count(self, tally: MarkerTally, chrom: str, pos: int, ref: str) -> None:
        """Add one record's REF to the tally if it sits on a marker site."""
        for build, expected in self.sites.get((chrom, pos), ()):
            n = min(len(expected), len(ref))
            tally.seen[build] += 1
            if ref[:n].upper() == expected[:n].upper():
                tally.agree[build] += 1


def build_from_markers(tally: MarkerTally) -> BuildDetection | None:
    """The build whose marker REF bases the file reproduces, or None when the evidence is too thin or mixed."""
    for build in GenomeBuild:
        other = GenomeBuild.GRCH38 if build is GenomeBuild.GRCH37 else GenomeBuild.GRCH37
        agree, seen = tally.agree[build], tally.seen[build]
        other_rate = tally.agree[other] / tally.seen[other] if tally.seen[other] else 0.0
        if agree >= MIN_MARKER_AGREEMENT and agree / seen >= MIN_AGREEMENT_RATE and other_rate < 0.5:
            return BuildDetection(
                build=build,
                source=BuildSource.REF_ALLELES,
                detail=f"REF matches {build} at {agree} of {seen} marker sites ({tally.summary()})",
            )
    return None


def check_against_markers(header: BuildDetection, tally: MarkerTally) -> None:
    """Refuse a header build that the file's own REF bases contradict."""
    evidence = build_from_markers(tally)
    if evidence is not None and evidence.build != header.build:
        raise InputError(
            f"header says {header.build} ({header.detail}) but {evidence.detail}; pass --build to override"
        )
