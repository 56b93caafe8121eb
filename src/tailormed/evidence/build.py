"""Which reference assembly a genome's coordinates are in, and how sure we are: one decision, made here.

The header speaks first: the ``##reference=`` line, the lengths declared in ``##contig`` lines, their
``assembly=`` attribute (sources that disagree are an error, not a guess). The file's own REF bases speak in the
same reading pass: at :class:`BuildMarker` sites and at the knowledge's own loci (positions whose bases are known in
both builds), and, when nothing else is there, at a scoring file's positions (a record there whose REF is one of
the score's alleles). A caller's override settles a silent header but never overrules a header or REF bases that
say otherwise (:func:`decide_build`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from tailormed.errors import InputError
from tailormed.model.alteration import GenomicAllele
from tailormed.model.chrom import canonical_chrom, runs
from tailormed.model.enums import BUILD_ALIASES
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

# A header names its build in a file name or free text: the names ``--build`` accepts, plus fragments only file
# names use (Homo_sapiens_assembly38.fasta, human_g1k_v37.fasta).
_FILE_NAME_FRAGMENTS: Mapping[GenomeBuild, tuple[str, ...]] = {
    GenomeBuild.GRCH37: ("hs37", "g1k_v37", "assembly19"),
    GenomeBuild.GRCH38: ("hs38", "assembly38"),
}
_BUILD_NAMES: Mapping[GenomeBuild, re.Pattern[str]] = {
    build: re.compile(rf"(?<![a-z0-9])({'|'.join(map(re.escape, (*BUILD_ALIASES[build], *fragments)))})(?![0-9])", re.I)
    for build, fragments in _FILE_NAME_FRAGMENTS.items()
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


class VoteKind(StrEnum):
    """Which knowledge positions a REF vote comes from."""

    MARKERS = "build markers"
    LOCI = "knowledge loci"
    SCORES = "score positions"


@dataclass
class BuildVotes:
    """REF agreement per build at knowledge positions of that build, counted separately per kind of position."""

    agree: dict[tuple[VoteKind, GenomeBuild], int] = field(default_factory=dict)
    seen: dict[tuple[VoteKind, GenomeBuild], int] = field(default_factory=dict)

    def add(self, kind: VoteKind, build: GenomeBuild, agrees: bool, times: int = 1) -> None:
        key = (kind, build)
        self.seen[key] = self.seen.get(key, 0) + times
        if agrees:
            self.agree[key] = self.agree.get(key, 0) + times

    def counts(self, kinds: Sequence[VoteKind], build: GenomeBuild) -> tuple[int, int]:
        agree = sum(self.agree.get((kind, build), 0) for kind in kinds)
        return agree, sum(self.seen.get((kind, build), 0) for kind in kinds)

    def summary(self, kinds: Sequence[VoteKind] = tuple(VoteKind)) -> str:
        parts = []
        for kind in kinds:
            if any(self.seen.get((kind, build)) for build in GenomeBuild):
                counts = ", ".join(
                    f"{build} {self.agree.get((kind, build), 0)}/{self.seen.get((kind, build), 0)}"
                    for build in GenomeBuild
                )
                parts.append(f"{kind.value}: {counts}")
        return "; ".join(parts) or "no record at any knowledge position of either build"


#: One expectation of a position: the kind and build of the knowledge naming it and the REFs it accepts.
_Expectation = tuple[VoteKind, GenomeBuild, tuple[str, ...]]


class VoteIndex:
    """Knowledge positions of both builds with their expected REF alleles, so a pass tests a block of records at once.

    A position identical in both builds (same place, same bases) tells them apart at no site and is left out.
    Positions are added, then :meth:`finish` settles them into one sorted array of positions per chromosome beside
    the number of each position's set of expectations, about 12 bytes per position (a cohort's scoring files may add
    millions); each distinct set is one short string (each expectation's kind, build and REFs), and they are few, so a
    compiled read plan loads the index as a handful of objects.
    """

    def __init__(self) -> None:
        # while adding: each distinct expectation's number, and by number the expectation and its text
        self._codes: dict[_Expectation, int] = {}
        self._keys: list[_Expectation] = []
        self._texts: list[str] = []
        self._one: list[tuple[str, int, int]] = []  # (chromosome, position, expectation) added one at a time
        self._adding: dict[str, list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]]] = {}
        self._sets: dict[tuple[int, ...], int] = {}  # each set of expectations met, by its numbers
        # once finished: each settled set of expectations as text, and each chromosome's positions with their set's
        self._patterns: list[str] = []
        self._sites: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]] = {}

    def __bool__(self) -> bool:
        return bool(self._sites)

    def add(self, kind: VoteKind, build: GenomeBuild, chrom: str, pos: int, refs: tuple[str, ...]) -> None:
        self._one.append((chrom, pos, self._code(kind, build, refs)))

    def add_alleles(
        self,
        kind: VoteKind,
        build: GenomeBuild,
        chroms: Sequence[str],
        positions: Sequence[int],
        effect: Sequence[str | None],
        other: Sequence[str | None],
    ) -> None:
        """:meth:`add` for columns of rows (a scoring file's): row ``i`` expects ``(effect[i], other[i])``, or
        ``effect[i]`` alone when ``other[i]`` is empty; a row whose ``effect`` is None does not vote."""
        count = len(chroms)
        pairs: dict[tuple[str | None, str | None], int] = {}
        rows = np.fromiter(
            (pairs.setdefault(pair, len(pairs)) for pair in zip(effect, other, strict=True)), np.int32, count
        )
        codes = np.array(
            [-1 if e is None else self._code(kind, build, (e, o) if o else (e,)) for e, o in pairs], dtype=np.int32
        )[rows]
        names: dict[str, int] = {}
        named = np.fromiter((names.setdefault(chrom, len(names)) for chrom in chroms), np.int32, count)
        where = np.fromiter(positions, np.int64, count)
        voting = codes >= 0
        for chrom, number in names.items():
            keep = voting & (named == number)
            self._adding.setdefault(chrom, []).append((where[keep], codes[keep]))

    def add_markers(self, markers: Iterable[BuildMarker]) -> None:
        for marker in markers:
            if marker.grch37_pos == marker.grch38_pos and marker.grch37_ref == marker.grch38_ref:
                continue
            self.add(VoteKind.MARKERS, GenomeBuild.GRCH37, marker.chrom, marker.grch37_pos, (marker.grch37_ref,))
            self.add(VoteKind.MARKERS, GenomeBuild.GRCH38, marker.chrom, marker.grch38_pos, (marker.grch38_ref,))

    def finish(self) -> None:
        """Settle the positions added (once); drop the expectations another build has the same for the same kind,
        and the positions left with none; ready for :meth:`count`."""
        ones: dict[str, tuple[list[int], list[int]]] = {}
        for chrom, pos, code in self._one:
            listed, numbers = ones.setdefault(chrom, ([], []))
            listed.append(pos)
            numbers.append(code)
        for chrom, (listed, numbers) in ones.items():
            found = (np.array(listed, dtype=np.int64), np.array(numbers, dtype=np.int32))
            self._adding.setdefault(chrom, []).append(found)
        for chrom, parts in self._adding.items():
            where = np.concatenate([positions for positions, _ in parts])
            codes = np.concatenate([numbers for _, numbers in parts])
            if not len(where):
                continue
            order = np.lexsort((codes, where))  # a position's expectations together, in order of their numbers
            where, codes = where[order], codes[order]
            starts = np.flatnonzero(np.concatenate(([True], where[1:] != where[:-1])))
            sizes = np.diff(np.append(starts, len(where)))
            patterns = np.empty(len(starts), dtype=np.int32)
            for size in set(sizes.tolist()):
                sized = np.flatnonzero(sizes == size)
                patterns[sized] = self._settled(codes[starts[sized][:, None] + np.arange(size)])
            kept = patterns >= 0
            if kept.any():
                self._sites[chrom] = (where[starts[kept]], patterns[kept])
        self._codes, self._keys, self._texts, self._one, self._adding, self._sets = {}, [], [], [], {}, {}

    def positions(self, *kinds: VoteKind) -> list[tuple[str, int]]:
        """The positions that vote (with ``kinds``: those with an expectation of one of them)."""
        digits = {str(_KINDS.index(kind)) for kind in kinds or _KINDS}
        chosen = np.array(
            [any(entry[0] in digits for entry in pattern.split(";")) for pattern in self._patterns], dtype=np.bool_
        )
        return [
            (chrom, pos)
            for chrom in sorted(self._sites)
            for pos in self._sites[chrom][0][chosen[self._sites[chrom][1]]].tolist()
        ]

    def count(self, votes: BuildVotes, chrom: str, pos: int, ref: str) -> None:
        """Add one record's REF to the votes if it sits on a knowledge position."""
        found = self._sites.get(chrom)
        if found is not None:
            sites, patterns = found
            at = int(np.searchsorted(sites, pos))
            if at < len(sites) and int(sites[at]) == pos:
                self._vote(votes, self._patterns[int(patterns[at])], ref, 1)

    def count_all(
        self, votes: BuildVotes, chroms: Sequence[str], positions: Sequence[int], refs: Sequence[str]
    ) -> None:
        """:meth:`count` for many records (a reader's block): each distinct set of expectations and REF weighed
        once."""
        tally: dict[tuple[int, str], int] = {}
        wanted = np.asarray(positions, dtype=np.int64)
        for chrom, start, stop in runs(chroms):
            found = self._sites.get(chrom)
            if found is not None:
                sites, patterns = found
                here = wanted[start:stop]
                at = np.minimum(np.searchsorted(sites, here), len(sites) - 1)
                hits = np.flatnonzero(sites[at] == here)
                for row, pattern in zip((hits + start).tolist(), patterns[at[hits]].tolist(), strict=True):
                    key = (pattern, refs[row])
                    tally[key] = tally.get(key, 0) + 1
        for (pattern, ref), times in tally.items():
            self._vote(votes, self._patterns[pattern], ref, times)

    def _code(self, kind: VoteKind, build: GenomeBuild, refs: tuple[str, ...]) -> int:
        key = (kind, build, tuple(map(str.upper, refs)))
        code = self._codes.get(key)
        if code is None:
            code = self._codes[key] = len(self._keys)
            self._keys.append(key)
            self._texts.append(_PREFIX[kind, build] + ",".join(key[2]))
        return code

    def _settled(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
        """The number of each row's set of expectations (a position's, sorted), -1 for a set that drops them all;
        each distinct row is settled once."""
        order = np.lexsort(rows.T[::-1])
        ordered = rows[order]
        new = np.concatenate(([True], (ordered[1:] != ordered[:-1]).any(axis=1)))
        numbers = np.array([self._pattern(tuple(row)) for row in ordered[new].tolist()], dtype=np.int32)
        settled = np.empty(len(rows), dtype=np.int32)
        settled[order] = numbers[np.cumsum(new) - 1]
        return settled

    def _pattern(self, codes: tuple[int, ...]) -> int:
        number = self._sets.get(codes)
        if number is None:
            entries = [self._keys[code] for code in codes]
            kept = tuple(
                code
                for code, (kind, build, refs) in zip(codes, entries, strict=True)
                if not any(k == kind and b != build and r == refs for k, b, r in entries)
            )
            number = self._sets[codes] = len(self._patterns) if kept else -1
            if kept:
                self._patterns.append(";".join(self._texts[code] for code in kept))
        return number

    @staticmethod
    def _vote(votes: BuildVotes, pattern: str, ref: str, times: int) -> None:
        upper = ref.upper()
        for entry in pattern.split(";"):
            expected = entry[2:].split(",")
            agrees = any(_same_start(upper, v) for v in expected)
            votes.add(_KINDS[int(entry[0])], _BUILDS[int(entry[1])], agrees, times)


_KINDS = list(VoteKind)
_BUILDS = list(GenomeBuild)
#: Each expectation's kind and build as the two digits that start its text.
_PREFIX = {(kind, build): f"{_KINDS.index(kind)}{_BUILDS.index(build)}" for kind in _KINDS for build in _BUILDS}


def _same_start(ref: str, expected: str) -> bool:
    n = min(len(ref), len(expected))
    return ref[:n] == expected[:n]


def _conclusive(votes: BuildVotes, kinds: Sequence[VoteKind]) -> tuple[GenomeBuild, int, int] | None:
    for build in GenomeBuild:
        other = GenomeBuild.GRCH38 if build is GenomeBuild.GRCH37 else GenomeBuild.GRCH37
        agree, seen = votes.counts(kinds, build)
        other_agree, other_seen = votes.counts(kinds, other)
        other_rate = other_agree / other_seen if other_seen else 0.0
        if agree >= MIN_MARKER_AGREEMENT and agree / seen >= MIN_AGREEMENT_RATE and other_rate < 0.5:
            return build, agree, seen
    return None


def build_from_votes(votes: BuildVotes) -> BuildDetection | None:
    """The build whose REF bases the file reproduces, or None when the evidence is too thin or mixed.

    REF bases at build markers and at the knowledge's own loci decide first; a scoring file's positions and
    alleles decide when they are all there is (e.g. a VCF extracted at a score's sites).
    """
    ref_kinds = (VoteKind.MARKERS, VoteKind.LOCI)
    found = _conclusive(votes, ref_kinds)
    if found is not None:
        build, agree, seen = found
        return BuildDetection(
            build=build,
            source=BuildSource.REF_ALLELES,
            detail=f"REF matches {build} at {agree} of {seen} knowledge sites ({votes.summary(ref_kinds)})",
        )
    found = _conclusive(votes, (VoteKind.SCORES,))
    if found is not None:
        build, agree, seen = found
        return BuildDetection(
            build=build,
            source=BuildSource.SCORE_POSITIONS,
            detail=f"records at {seen} {build} score positions, REF one of the score's alleles at {agree} "
            f"({votes.summary((VoteKind.SCORES,))})",
        )
    return None


def candidate_builds(header: BuildDetection | None, override: GenomeBuild | None) -> list[GenomeBuild]:
    """The builds a pass must read positions for: the header's when it names one, else the override, else all."""
    if header is not None:
        return [header.build]
    return [override] if override is not None else list(GenomeBuild)


def decide_build(
    header: BuildDetection | None, override: GenomeBuild | None, votes: BuildVotes, *, source: str
) -> BuildDetection:
    """The one decision on a genome's build, from the header, the caller's override and the file's REF bases.

    The header decides when it states a build; an override or REF bases that say otherwise are refused, naming the
    evidence (a wrong override would silently misread every position). An override settles a silent header
    unless the REF bases contradict it. With neither, the REF bases must be conclusive.
    """
    evidence = build_from_votes(votes)
    if header is not None:
        if override is not None and override != header.build:
            raise InputError(
                f"--build {override} contradicts the file's header, which says {header.build} ({header.detail}); "
                "an override can only settle a header that names no build",
                source=source,
            )
        if evidence is not None and evidence.build != header.build:
            raise InputError(
                f"the header says {header.build} ({header.detail}) but {evidence.detail}; the header or the file "
                "is wrong (an override cannot settle this)",
                source=source,
            )
        return header
    if override is not None:
        if evidence is not None and evidence.build != override:
            raise InputError(
                f"--build {override} contradicts the file's own REF bases: {evidence.detail}", source=source
            )
        detail = "given by the caller" + (f"; {evidence.detail}" if evidence is not None else "")
        return BuildDetection(build=override, source=BuildSource.USER, detail=detail)
    if evidence is None:
        raise InputError(
            "cannot tell the genome build: the header has no ##reference, known contig lengths or assembly, "
            f"and REF bases at knowledge positions are not conclusive ({votes.summary()}); pass --build GRCh37|GRCh38",
            source=source,
        )
    return evidence


class HotspotSites:
    """Known cancer hotspot positions of both builds with their reference bases, and the records seen on them.

    A somatic VCF lists too few sites for REF votes (:func:`build_from_votes`), but a record on a recurrent cancer
    mutation's position with that build's reference base (BRAF V600 is chr7:140453136 A in GRCh37, chr7:140753336 A in
    GRCh38) places its coordinates: read in the other build, the mutation would be silently missed.
    """

    def __init__(self, hotspots: Iterable[tuple[str, GenomicAllele]]) -> None:
        proteins: dict[tuple[str, int, GenomeBuild, str], list[str]] = {}
        for label, allele in hotspots:
            named = proteins.setdefault((allele.chrom, allele.pos, allele.build, allele.ref.upper()), [])
            gene, _, protein = label.partition(" ")
            if not named:
                named.append(gene)
            if protein not in named[1:]:
                named.append(protein)
        self._sites: dict[tuple[str, int], list[tuple[GenomeBuild, str, str]]] = {}
        for (chrom, pos, build, ref), (gene, *changes) in proteins.items():
            self._sites.setdefault((chrom, pos), []).append((build, ref, f"{gene} {'/'.join(changes)}"))
        self.found: dict[GenomeBuild, list[str]] = {}

    def see(self, chrom: str, pos: int, ref: str, shown: str) -> None:
        """Note a record at ``chrom:pos`` (canonical name) with this REF; ``shown``: where it is, for a message."""
        for build, expected, label in self._sites.get((chrom, pos), ()):
            if _same_start(ref.upper(), expected):
                self.found.setdefault(build, []).append(f"{label} at {shown}")

    def hint(self) -> str:
        """What the hotspot positions seen suggest, for a refusal asking for the build (empty for none or both)."""
        if len(self.found) != 1:
            return ""
        ((build, seen),) = self.found.items()
        return f" (the records sit on {build} positions of known cancer hotspots: {_listed(seen)})"

    def check(self, detection: BuildDetection, *, source: str) -> None:
        """Refuse the file when its records sit on the other build's hotspot positions only."""
        other = GenomeBuild.GRCH38 if detection.build is GenomeBuild.GRCH37 else GenomeBuild.GRCH37
        seen = self.found.get(other)
        if not seen or self.found.get(detection.build):
            return
        if detection.source is BuildSource.USER:
            said, advice = "given by --build", f"if the file is {other}, pass --build {other}"
        else:
            said, advice = f"the header says so: {detection.detail}", "the header or the file is wrong"
        raise InputError(
            f"expected {detection.build} coordinates ({said}), but the records sit on {other} positions of known "
            f"cancer hotspots, with {other}'s reference base ({_listed(seen)}), and on no {detection.build} one; "
            f"read as {detection.build} they would be missed: {advice}",
            source=source,
        )


def _listed(seen: Sequence[str]) -> str:
    return ", ".join(seen[:3]) + (f" and {len(seen) - 3} more" if len(seen) > 3 else "")
