"""What a pass over a genome looks for, compiled once from a request: a :class:`ReadPlan`.

A plan holds each consumer's sites indexed by position and normalized ALT, the positions whose REF bases vote on the
build, and the positions, windows and regions that route records to the collectors. Compiling it walks every
knowledge site (ClinVar alone asks for about 11,000), which costs several times more than reading those sites through
an index. A plan depends only on the request and the builds still open, never on the file, and a pass never changes
it, so :class:`PlanCache` keeps compiled plans by the request's fingerprint: a few in memory (a service reads many
genomes against one knowledge bundle) and, given a private folder, on disk (each ``tailormed analyze`` run loads the
plan of an unchanged bundle instead of compiling it).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import pickle
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tailormed.evidence.build import VoteIndex, VoteKind
from tailormed.evidence.genotypes import LociPlan
from tailormed.evidence.site_set import SiteSet
from tailormed.model.evidence import GenomeRequest
from tailormed.model.genotype import GenomeBuild

#: Records this far before a knowledge indel's normalized position are checked for it (VCF writers pad indels
#: with shared bases; a longer padding than this is not seen in practice).
INDEL_PADDING = 50
#: Sites closer than this are read with one index query.
QUERY_GAP = 1000
#: Bumped whenever the compiled form changes, so older cache entries are never read.
FORMAT = 5
#: Plans kept on disk; the oldest beyond this are removed when a new one is written.
KEPT_ON_DISK = 8

Region = tuple[str, int, int]


@dataclass
class ReadPlan:
    """The indexes of one pass for one request and the builds it may settle on."""

    builds: tuple[GenomeBuild, ...]
    loci: dict[tuple[str, GenomeBuild], LociPlan]
    score_positions: dict[GenomeBuild, SiteSet]
    votes: VoteIndex
    exact: SiteSet  # positions a record must start at to be wanted
    windows: dict[str, tuple[list[int], list[int]]]  # merged (starts, ends) before knowledge indels
    regions: list[Region]  # index queries covering the positions, windows and gene regions

    def with_positions(self, extra: Iterable[tuple[str, int]]) -> tuple[SiteSet, list[Region]]:
        """The wanted positions and query regions once ``extra`` positions (known candidate alleles) are added."""
        exact = SiteSet.union([self.exact, SiteSet.of_pairs(extra)])
        return exact, _regions(exact, self.windows, self.loci.values())

    def without_scores(self) -> tuple[SiteSet, list[Region]]:
        """The wanted positions and query regions of the knowledge loci and build markers alone, as the plan of the
        request without its scores has them (a cohort's pass reads the scores' sites from the text instead)."""
        exact = SiteSet.of_pairs(
            itertools.chain(_loci_positions(self.loci.values()), self.votes.positions(VoteKind.MARKERS, VoteKind.LOCI))
        )
        return exact, _regions(exact, self.windows, self.loci.values())


def compile_plan(request: GenomeRequest, builds: Sequence[GenomeBuild], score_votes: bool = True) -> ReadPlan:
    """Index ``request`` for a pass that may settle on any of ``builds``; without ``score_votes`` the score positions
    do not vote on the build (see :func:`score_votes_needed`)."""
    loci = {
        (consumer, b): LociPlan.of(consumer, wanted)
        for consumer, per_build in request.loci.items()
        for b, wanted in per_build.items()
        if b in builds
    }
    scores = {b: SiteSet.of(sites.chrom, sites.pos) for b, sites in request.scores.items() if b in builds}
    votes = _vote_index(request, builds, score_votes)
    spans: dict[str, list[tuple[int, int]]] = {}
    for plan in loci.values():
        for site in plan.sites:
            if len(site.ref) > 1 or any(len(alt) != 1 for alt in site.alts):
                spans.setdefault(site.chrom, []).append((max(1, site.pos - INDEL_PADDING), site.end + INDEL_PADDING))
    # the scores' sites as their sorted arrays; their votes add no position of their own
    others = itertools.chain(_loci_positions(loci.values()), votes.positions(VoteKind.MARKERS, VoteKind.LOCI))
    exact = SiteSet.union([SiteSet.of_pairs(others), *scores.values()])
    windows: dict[str, tuple[list[int], list[int]]] = {}
    for chrom, found in spans.items():
        merged = _merge(sorted(found), 0)
        windows[chrom] = ([s for s, _ in merged], [e for _, e in merged])
    return ReadPlan(
        builds=tuple(builds),
        loci=loci,
        score_positions=scores,
        votes=votes,
        exact=exact,
        windows=windows,
        regions=_regions(exact, windows, loci.values()),
    )


def score_votes_needed(header: GenomeBuild | None, request: GenomeRequest) -> bool:
    """Whether a pass counts the REF votes of the score positions: not when the header names the build ``header``.

    The plan then holds that build's score positions only, whose votes can agree with the header or be inconclusive
    but never contradict it (marker and knowledge-locus votes can, and are still counted); the one message quoting
    them, the refusal of REF mismatches at knowledge loci, needs loci in the request, so they are kept then.
    """
    return header is None or bool(request.loci)


def query_regions(request: GenomeRequest, builds: Sequence[GenomeBuild]) -> list[Region]:
    """The (chromosome, start, end) regions a pass over an indexed file queries for ``request`` in ``builds``.

    Benchmarks give the same regions to ``bcftools view -R``.
    """
    return compile_plan(request, builds).regions


class PlanCache:
    """Compiled plans by request fingerprint: the last ``size`` in memory and, with a ``folder``, on disk.

    The folder must be private to this user (mode 0700, owned by the user), since entries are Python pickles; when
    it cannot be made so, or an entry cannot be read or written, plans are compiled as if there were no cache.
    """

    def __init__(self, folder: Path | None = None, size: int = 4) -> None:
        self.folder = _private(folder) if folder is not None else None
        self.size = size
        self._plans: OrderedDict[str, ReadPlan] = OrderedDict()

    def plan(self, request: GenomeRequest, builds: Sequence[GenomeBuild], score_votes: bool = True) -> ReadPlan:
        key = fingerprint(request, builds, score_votes)
        found = self._plans.get(key)
        if found is None:
            found = self._load(key)
        if found is None:
            found = compile_plan(request, builds, score_votes)
            self._store(key, found)
        self._plans[key] = found
        self._plans.move_to_end(key)
        while len(self._plans) > self.size:
            self._plans.popitem(last=False)
        return found

    def _load(self, key: str) -> ReadPlan | None:
        if self.folder is None:
            return None
        try:
            plan = pickle.loads((self.folder / f"{key}.pickle").read_bytes())  # a private folder
        except Exception:  # a damaged or foreign entry never fails a read: the plan is compiled again
            return None
        return plan if isinstance(plan, ReadPlan) else None

    def _store(self, key: str, plan: ReadPlan) -> None:
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            handle, name = tempfile.mkstemp(dir=self.folder, prefix=f".{key}.")
            temporary = Path(name)
            try:
                with os.fdopen(handle, "wb") as out:
                    pickle.dump(plan, out, protocol=pickle.HIGHEST_PROTOCOL)
                temporary.replace(self.folder / f"{key}.pickle")
            finally:
                temporary.unlink(missing_ok=True)
            kept = sorted(self.folder.glob("*.pickle"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
            for old in kept[KEPT_ON_DISK:]:
                old.unlink(missing_ok=True)


def fingerprint(request: GenomeRequest, builds: Sequence[GenomeBuild], score_votes: bool = True) -> str:
    """The identity of a plan: the request's loci, scores, markers and copy-number regions, the builds, whether
    score positions vote, the format.

    Candidates are not part of a plan (whether they route by position depends on the file's annotation).
    """
    votes = "" if score_votes else " no score votes"
    digest = hashlib.sha256(f"plan {FORMAT} {_CODE} {','.join(b.value for b in builds)}{votes}\n".encode())
    digest.update(request.model_dump_json(exclude={"candidates"}).encode())
    return digest.hexdigest()[:32]


def _code_version() -> str:
    """The modules whose classes a compiled plan holds (size and modification time), so a changed install never
    reads a plan pickled by another."""
    from tailormed.evidence import build, genotypes, site_set, sites

    parts: list[str] = []
    for module in (build, genotypes, site_set, sites):
        with contextlib.suppress(OSError, TypeError):
            status = Path(str(module.__file__)).stat()
            parts.append(f"{status.st_size}.{status.st_mtime_ns}")
    parts.append(f"{Path(__file__).stat().st_size}.{Path(__file__).stat().st_mtime_ns}")
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:16]


_CODE = _code_version()


def _private(folder: Path) -> Path | None:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = folder.stat()
    except OSError:
        return None
    return folder if status.st_uid == os.getuid() and not status.st_mode & 0o077 else None


def _loci_positions(loci: Iterable[LociPlan]) -> Iterator[tuple[str, int]]:
    """Each knowledge site's position as written and normalized."""
    for plan in loci:
        for site in plan.sites:
            yield site.chrom, site.pos
        yield from plan.sites.normalized_positions()


def _regions(exact: SiteSet, windows: dict[str, tuple[list[int], list[int]]], loci: Iterable[LociPlan]) -> list[Region]:
    """The index queries: the wanted positions, the windows and the gene regions, joined within :data:`QUERY_GAP`.

    The positions are joined first, a chromosome's sorted array at once: joining spans is the same whichever of
    them are joined first (a run of positions within the gap lies in one query either way)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for chrom, positions in exact.chroms().items():
        spans.setdefault(chrom, []).extend(_point_spans(positions))
    for chrom, (starts, ends) in windows.items():
        spans.setdefault(chrom, []).extend(zip(starts, ends, strict=True))
    for plan in loci:
        for region in plan.regions:
            spans.setdefault(region.chrom, []).append((region.start, region.end))
    return [(chrom, start, end) for chrom in sorted(spans) for start, end in _merge(sorted(spans[chrom]), QUERY_GAP)]


def _vote_index(request: GenomeRequest, builds: Sequence[GenomeBuild], score_votes: bool) -> VoteIndex:
    """Markers of both builds; knowledge loci and (with ``score_votes``) score positions of the builds still open."""
    index = VoteIndex()
    index.add_markers(request.markers)
    for per_build in request.loci.values():
        for b, wanted in per_build.items():
            if b in builds:
                for locus in wanted.loci:
                    index.add(VoteKind.LOCI, b, locus.chrom, locus.pos, (locus.ref,))
    for b, sites in request.scores.items() if score_votes else ():
        if b in builds and sites.effect:  # without alleles the rows do not vote
            index.add_alleles(VoteKind.SCORES, b, sites.chrom, sites.pos, sites.effect, sites.other)
    index.finish()
    return index


def _point_spans(positions: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """Sorted distinct positions as :func:`_merge` joins them with :data:`QUERY_GAP`.

    >>> _point_spans(np.array([5, 900, 2000, 5000], dtype=np.int64))
    [(5, 900), (2000, 2000), (5000, 5000)]
    """
    breaks = np.flatnonzero(np.diff(positions) > QUERY_GAP)
    starts = positions[np.concatenate(([0], breaks + 1))]
    ends = positions[np.concatenate((breaks, [len(positions) - 1]))]
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _merge(spans: Iterable[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Sorted (start, end) spans joined when they overlap or lie within ``gap`` of each other."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
