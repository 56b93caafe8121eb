"""Matching scoring-file variants to VCF records with the default rules of pgsc_calc (pgscatalog-match).

For each scoring variant, every record at its position in the target build is a candidate, tried against each ALT:

* match types in priority order ``refalt`` (effect allele = REF, other = ALT) > ``altref`` > ``refalt_flip`` >
  ``altref_flip`` (alleles complemented, i.e. the other strand) > ``no_oa_ref`` > ``no_oa_alt`` > ``no_oa_ref_flip``
  > ``no_oa_alt_flip`` (the ``no_oa`` types only for variants without an other allele);
* the best type wins; several records with that type: the first in file order (the rest are ``not_best``);
* excluded by default: strand-ambiguous records (REF complement = ALT: A/T, C/G), multi-allelic sites, and records
  that are the best match of more than one row of the same score (all those rows are excluded);
* strand flips are allowed by default.

A record is multi-allelic when it lists several ALTs (as in pgscatalog-match, which reads plink2's pvar); a site
split into biallelic records (``bcftools norm -m-``) is matched record by record, each ALT on its own. A score
passes when the share of its variants with a kept match is at least ``min_overlap`` (0.75 by default).

With ``absent_is_reference`` (a complete, WGS-style VCF), a variant whose position has no record is scored as
homozygous reference when the reference allele at the site is known (``reference_alleles``: from the knowledge
bundle or a reference FASTA); the match is ``assumed_reference`` and reported separately, on the other strand when the
reference is an allele's complement. A site whose reference is neither allele is unmatched, as a record with other
alleles would be. Otherwise absent positions are unmatched and counted; the pipeline refuses a declared-complete VCF
whose absent sites have an unknown reference rather than score them as missing.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple, cast

import numpy as np
import numpy.typing as npt

from tailormed.knowledge.pgs_scoring import EffectType, Piece, ScoreRows, ScoringFile
from tailormed.model.chrom import runs
from tailormed.model.dosage import SiteBlock, SiteGroup, SiteRecord
from tailormed.model.genotype import GenomeBuild

DEFAULT_MIN_OVERLAP = 0.75
_DNA = re.compile(r"^[ACGT]+$")
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


class MatchType(StrEnum):
    REFALT = "refalt"
    ALTREF = "altref"
    REFALT_FLIP = "refalt_flip"
    ALTREF_FLIP = "altref_flip"
    NO_OA_REF = "no_oa_ref"
    NO_OA_ALT = "no_oa_alt"
    NO_OA_REF_FLIP = "no_oa_ref_flip"
    NO_OA_ALT_FLIP = "no_oa_alt_flip"
    ASSUMED_REFERENCE = "assumed_reference"


_PRIORITY = {kind: rank for rank, kind in enumerate(MatchType)}


class MatchStatus(StrEnum):
    MATCHED = "matched"
    EXCLUDED = "excluded"
    UNMATCHED = "unmatched"


class Reason(StrEnum):
    """Why a variant has no usable match."""

    NO_POSITION = "no position in the target build"
    ABSENT = "position absent from the VCF"
    ABSENT_REF_UNKNOWN = "position absent from the VCF; reference base unknown, so it cannot be assumed reference"
    ABSENT_REF_OTHER = "position absent from the VCF; its reference allele is neither the effect nor the other allele"
    ALLELES_DIFFER = "a record exists at the position but its alleles differ"
    AMBIGUOUS = "strand-ambiguous (A/T or C/G)"
    MULTIALLELIC = "multi-allelic site"
    DUPLICATE = "the target variant is the best match of several rows of this score"
    FLIP_SKIPPED = "strand flip (flips not allowed)"


@dataclass(frozen=True)
class MatchOptions:
    """pgsc_calc's matching parameters; the defaults are pgsc_calc's defaults."""

    min_overlap: float = DEFAULT_MIN_OVERLAP
    keep_ambiguous: bool = False
    keep_multiallelic: bool = False
    skip_flip: bool = False
    absent_is_reference: bool = False


@dataclass(frozen=True)
class Candidate:
    record: int  # index within the site group
    allele: int  # allele index of the effect allele in the record (0 = REF)
    match_type: MatchType
    ambiguous: bool
    multiallelic: bool


@dataclass(slots=True)
class LogRow:
    """One scoring variant's outcome, as in pgsc_calc's match log (one per scoring-file row: slots keep it small)."""

    row: int
    chrom: str | None
    pos: int
    effect_allele: str
    other_allele: str | None
    weight: float
    status: MatchStatus
    match_type: MatchType | None = None
    target_id: str | None = None
    reason: Reason | None = None
    ambiguous: bool = False
    multiallelic: bool = False
    duplicate: bool = False
    candidates: int = 0


class Selected(NamedTuple):
    """A kept match: the target variant, which of its alleles carries the effect, the weight, its effect type and
    the effect allele's frequency the file gives (None when it gives none).

    A named tuple, immutable like a frozen dataclass but built several times faster (one per scored variant)."""

    row: int
    target_id: str
    allele: int  # allele index in the record (0 = REF); for an assumed-reference site, the effect-allele dosage
    weight: float
    effect_type: EffectType
    assumed_reference: bool = False
    frequency: float | None = None


def _frequency(value: float) -> float | None:
    return None if value != value else value  # NaN: not given


#: A kept match with the record it points to (None for an assumed-reference site), for the scorer.
Hit = tuple[int, Selected, SiteRecord | None]


@dataclass
class BlockHits:
    """One score's kept matches among a block's records, in file order: which records, and the matches."""

    score: int
    block: SiteBlock
    records: list[int] = field(default_factory=list)
    selected: list[Selected] = field(default_factory=list)

    def add(self, record: int, chosen: Selected) -> None:
        self.records.append(record)
        self.selected.append(chosen)


#: A log column's code for "none" (no match type, no reason).
_NONE = -1
_STATUSES = tuple(MatchStatus)
_TYPES = tuple(MatchType)
_REASONS = tuple(Reason)
_STATUS_CODE = {status: code for code, status in enumerate(_STATUSES)}
_TYPE_CODE = {kind: code for code, kind in enumerate(_TYPES)}
_REASON_CODE = {reason: code for code, reason in enumerate(_REASONS)}
_FLIPPED = [_TYPE_CODE[kind] for kind in _TYPES if "flip" in kind]
#: Bits of a row's flags.
_AMBIGUOUS, _MULTIALLELIC, _DUPLICATE = 1, 2, 4


class ScoreMatch:
    """All rows of one score and their outcome, kept as columns of a few bytes a row (status, match type, reason,
    flags, candidates, the effect allele's index and the target's alleles), so a cohort's scores of millions of
    variants hold no object per variant; :attr:`log` and :attr:`selected` give the rows as objects when asked,
    reading the score's rows back a chunk at a time."""

    def __init__(self, score: ScoringFile, build: GenomeBuild, targets: list[str]) -> None:
        count = len(score)
        self.score = score
        self.build = build
        self._targets = targets  # the matcher's distinct ``ref:alts`` of target variants, shared by its scores
        self._status = array("b", [_NONE]) * count  # every row is set by the time the matcher finishes
        self._type = array("b", [_NONE]) * count
        self._reason = array("b", [_NONE]) * count
        self._flags = array("B", bytes(count))
        self._candidates = array("i", bytes(4 * count))
        self._allele = array("h", bytes(2 * count))
        self._target = array("i", [_NONE]) * count

    def set(
        self,
        row: int,
        status: MatchStatus,
        match_type: MatchType | None = None,
        reason: Reason | None = None,
        *,
        target: int = _NONE,
        flags: int = 0,
        candidates: int = 0,
        allele: int = 0,
    ) -> None:
        """Row ``row``'s outcome (``target``: the number of its target's ``ref:alts`` in the matcher's list)."""
        self._status[row] = _STATUS_CODE[status]
        self._type[row] = _TYPE_CODE[match_type] if match_type is not None else _NONE
        self._reason[row] = _REASON_CODE[reason] if reason is not None else _NONE
        self._target[row] = target
        self._flags[row] = flags
        self._candidates[row] = candidates
        self._allele[row] = allele

    def set_many(self, rows: npt.NDArray[np.intp], status: MatchStatus, reason: Reason) -> None:
        """The same outcome without a match for every row of ``rows``."""
        _column(self._status)[rows] = _STATUS_CODE[status]
        _column(self._reason)[rows] = _REASON_CODE[reason]

    def unset(self) -> npt.NDArray[np.intp]:
        """The rows without an outcome yet."""
        return np.flatnonzero(_column(self._status) == _NONE)

    def is_set(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether each of ``rows`` has its outcome."""
        result: npt.NDArray[np.bool_] = _column(self._status)[rows] != _NONE
        return result

    @property
    def total(self) -> int:
        return len(self.score)

    @property
    def matched(self) -> int:
        return int(np.count_nonzero(_column(self._status) == _STATUS_CODE[MatchStatus.MATCHED]))

    @property
    def match_rate(self) -> float:
        return self.matched / self.total if self.total else 0.0

    def count(self, reason: Reason) -> int:
        return int(np.count_nonzero(_column(self._reason) == _REASON_CODE[reason]))

    def counts_by_reason(self) -> dict[str, int]:
        """Rows per reason, the reasons in the order of their first row."""
        reasons = _column(self._reason)
        counts = np.bincount(reasons + 1, minlength=len(_REASONS) + 1)[1:].tolist()  # (no reason is -1)
        found = [(int(np.argmax(reasons == code)), code) for code, count in enumerate(counts) if count]
        return {_REASONS[code].name.lower(): counts[code] for _, code in sorted(found)}

    @property
    def assumed_reference(self) -> int:
        kept = _column(self._status) == _STATUS_CODE[MatchStatus.MATCHED]
        return int(np.count_nonzero(kept & (_column(self._type) == _TYPE_CODE[MatchType.ASSUMED_REFERENCE])))

    @property
    def flipped(self) -> int:
        kept = _column(self._status) == _STATUS_CODE[MatchStatus.MATCHED]
        types = _column(self._type)
        return sum(int(np.count_nonzero(kept & (types == code))) for code in _FLIPPED)

    def _target_id(self, row: int, chrom: str | None, pos: int) -> str | None:
        """Row ``row``'s target variant as ``chrom:pos:ref:alts`` (:attr:`SiteRecord.target_id`), if it has one."""
        target = self._target[row]
        if target == _NONE:
            return None
        assert chrom is not None  # a row with a target has a position
        return f"{chrom.removeprefix('chr')}:{pos}:{self._targets[target]}"

    @property
    def log(self) -> list[LogRow]:
        """Every row's outcome in row order, as in pgsc_calc's match log."""
        return list(self.log_rows())

    def log_rows(self) -> Iterator[LogRow]:
        """:attr:`log` a row at a time, so a writer holds one chunk of a score of millions, not all of its rows."""
        for part in self.score.blocks(self.build):
            positions, weights = part.pos.tolist(), part.weight.tolist()
            for i, row in enumerate(part.rows.tolist()):
                match_type, reason, flags = self._type[row], self._reason[row], self._flags[row]
                yield LogRow(
                    row=row,
                    chrom=part.chrom[i],
                    pos=positions[i],
                    effect_allele=part.effect_allele[i],
                    other_allele=part.other_allele[i],
                    weight=weights[i],
                    status=_STATUSES[self._status[row]],
                    match_type=_TYPES[match_type] if match_type != _NONE else None,
                    target_id=self._target_id(row, part.chrom[i], positions[i]),
                    reason=_REASONS[reason] if reason != _NONE else None,
                    ambiguous=bool(flags & _AMBIGUOUS),
                    multiallelic=bool(flags & _MULTIALLELIC),
                    duplicate=bool(flags & _DUPLICATE),
                    candidates=self._candidates[row],
                )

    @property
    def selected(self) -> list[Selected]:
        """The kept matches in row order."""
        assumed = _TYPE_CODE[MatchType.ASSUMED_REFERENCE]
        found: list[Selected] = []
        status = _column(self._status)
        for part in self.score.blocks(self.build):
            kept = np.flatnonzero(status[part.rows] == _STATUS_CODE[MatchStatus.MATCHED]).tolist()
            positions, weights = part.pos.tolist(), part.weight.tolist()
            frequencies = part.effect_allele_frequency.tolist()
            for i in kept:
                row = int(part.rows[i])
                found.append(
                    Selected(
                        row,
                        cast(str, self._target_id(row, part.chrom[i], positions[i])),
                        self._allele[row],
                        weights[i],
                        part.effect_type[i],
                        self._type[row] == assumed,
                        _frequency(frequencies[i]),
                    )
                )
        return found


def _column(values: array[int]) -> npt.NDArray[np.generic]:
    """A log column as a numpy array (a view: writing to it writes the column)."""
    kinds = {"b": np.int8, "B": np.uint8, "h": np.int16, "i": np.int32}
    return np.frombuffer(values, dtype=kinds[values.typecode])


@lru_cache(maxsize=1 << 16)
def complement(allele: str) -> str:
    """The allele on the other strand, base by base (non-DNA alleles unchanged, as in pgscatalog-match).

    Cached: a score has tens of thousands of variants but few distinct alleles.

    >>> complement("CAAT"), complement("P")
    ('GTTA', 'P')
    """
    return allele.translate(_COMPLEMENT) if _DNA.match(allele) else allele


@lru_cache(maxsize=1 << 16)
def is_ambiguous(ref: str, alt: str) -> bool:
    """Strand-ambiguous: the complement of REF is ALT (A/T, C/G, and e.g. AT/TA).

    >>> is_ambiguous("A", "T"), is_ambiguous("C", "G"), is_ambiguous("A", "G")
    (True, True, False)
    """
    return bool(_DNA.match(ref)) and complement(ref) == alt


def reference_dosage(ref: str, effect: str, other: str | None, *, flips: bool = True) -> int | None:
    """Effect-allele copies of a homozygous-reference genotype; None when the reference is neither allele.

    >>> reference_dosage("C", "C", "T"), reference_dosage("T", "C", "T"), reference_dosage("G", "C", "T")
    (2, 0, 2)
    >>> reference_dosage("A", "C", "G") is None, reference_dosage("A", "G", None)
    (True, 0)
    """
    if ref == effect:
        return 2
    if ref == other:
        return 0
    if flips and ref == complement(effect):
        return 2
    if flips and other is not None and ref == complement(other):
        return 0
    return 0 if other is None else None


def candidates(effect: str, other: str | None, group: SiteGroup) -> list[Candidate]:
    """Every (record, ALT, match type) under which the variant's alleles fit a record at its position."""
    found: list[Candidate] = []
    for number, record in enumerate(group.records):
        found.extend(record_candidates(effect, other, number, record.ref, record.alts))
    return found


def record_candidates(effect: str, other: str | None, number: int, ref: str, alts: tuple[str, ...]) -> list[Candidate]:
    """The candidates of one record (number ``number`` at its position) with these REF and ALTs."""
    found: list[Candidate] = []
    effect_flip, other_flip = complement(effect), complement(other) if other is not None else None
    multiallelic = len(alts) > 1
    for alt_index, alt in enumerate(alts, start=1):
        ambiguous = is_ambiguous(ref, alt)
        tried: list[tuple[MatchType, int]] = []
        if other is not None:
            if effect == ref and other == alt:
                tried.append((MatchType.REFALT, 0))
            if effect == alt and other == ref:
                tried.append((MatchType.ALTREF, alt_index))
            if effect_flip == ref and other_flip == alt:
                tried.append((MatchType.REFALT_FLIP, 0))
            if effect_flip == alt and other_flip == ref:
                tried.append((MatchType.ALTREF_FLIP, alt_index))
        else:
            if effect == ref:
                tried.append((MatchType.NO_OA_REF, 0))
            if effect == alt:
                tried.append((MatchType.NO_OA_ALT, alt_index))
            if effect_flip == ref:
                tried.append((MatchType.NO_OA_REF_FLIP, 0))
            if effect_flip == alt:
                tried.append((MatchType.NO_OA_ALT_FLIP, alt_index))
        found.extend(Candidate(number, allele, kind, ambiguous, multiallelic) for kind, allele in tried)
    return found


def best_candidate(found: list[Candidate]) -> Candidate:
    """The candidate of the best match type, the first record among equals."""
    return found[0] if len(found) == 1 else min(found, key=lambda c: (_PRIORITY[c.match_type], c.record))


_Outcome = tuple[Candidate | None, Reason | None, int]


class _Sites:
    """The scored positions of a window of one chromosome (the loaded rows of several scores), sorted, and the
    (score, row) entries at each, as arrays: site ``k``'s entries are ``starts[k]`` to ``starts[k + 1]``, in score
    then row order; ``rows`` are numbers in each score's loaded :class:`ScoreRows`."""

    def __init__(self, loaded: Sequence[ScoreRows]) -> None:
        empty = np.zeros(0, dtype=np.int32)
        where = np.concatenate([part.pos for part in loaded]) if loaded else np.zeros(0, dtype=np.int64)
        scores = np.concatenate([empty] + [np.full(len(part), i, dtype=np.int32) for i, part in enumerate(loaded)])
        rows = np.concatenate([empty] + [np.arange(len(part), dtype=np.int32) for part in loaded])
        order = np.argsort(where, kind="stable")  # a score's rows are by position, then in file order
        where = where[order]
        self.scores: npt.NDArray[np.int32] = scores[order]
        self.rows: npt.NDArray[np.int32] = rows[order]
        new = np.ones(len(where), dtype=np.bool_)  # where a site starts
        np.not_equal(where[1:], where[:-1], out=new[1:])
        first = np.flatnonzero(new)
        self.starts: npt.NDArray[np.int32] = np.append(first, len(where)).astype(np.int32)
        self.positions: npt.NDArray[np.int64] = where[first]

    def __len__(self) -> int:
        return len(self.starts) - 1

    def find(self, positions: npt.NDArray[np.int64]) -> list[int]:
        """The site number of each position, -1 where no loaded row has it."""
        if not len(self.positions):
            return [-1] * len(positions)
        at = np.minimum(np.searchsorted(self.positions, positions), len(self.positions) - 1)
        found: list[int] = np.where(self.positions[at] == positions, at, -1).tolist()
        return found

    def entries(self, site: int) -> list[tuple[int, int]]:
        """Site ``site``'s (score, row) entries."""
        start, stop = int(self.starts[site]), int(self.starts[site + 1])
        return list(zip(self.scores[start:stop].tolist(), self.rows[start:stop].tolist(), strict=True))


class _Window:
    """The scoring rows loaded for a range of one chromosome: every piece (of every score) whose positions meet
    the range, and the range over which no other piece is needed (``low`` to ``high``)."""

    def __init__(self, chrom: str, pieces: list[list[Piece]], position: int) -> None:
        self.chrom = chrom
        self.pieces = [[piece for piece in mine if piece.low <= position <= piece.high] for mine in pieces]
        every = [piece for mine in pieces for piece in mine]
        self.low = max([piece.high + 1 for piece in every if piece.high < position], default=0)
        self.high = min([piece.low - 1 for piece in every if piece.low > position], default=1 << 62)

    def holds(self, chrom: str, position: int) -> bool:
        return chrom == self.chrom and self.low <= position <= self.high


class Matcher:
    """Matches several scores against a VCF read position by position (see :meth:`add_group`).

    What it holds grows with the scores' rows by a few bytes each (their outcomes, :class:`ScoreMatch`), plus the
    rows of the window of positions being read (see the module) and the distinct alleles of the target variants.
    """

    def __init__(
        self,
        scores: list[ScoringFile],
        build: GenomeBuild,
        options: MatchOptions | None = None,
        reference_alleles: Mapping[tuple[str, int], str] | None = None,
    ) -> None:
        self.options = options or MatchOptions()
        self.build = build
        self.reference_alleles = reference_alleles or {}
        self.scores = scores
        self._targets: list[str] = []
        self._target_codes: dict[tuple[str, tuple[str, ...]], int] = {}
        self.results = [ScoreMatch(score, build, self._targets) for score in scores]
        self._pieces: dict[str, list[list[Piece]]] = {}  # each chromosome's pieces, per score
        self._window: _Window | None = None
        self._loaded: list[ScoreRows] = []
        self._sites = _Sites([])
        self._done = bytearray()
        self._outcomes: dict[tuple[str, str | None, str, str], _Outcome] = {}

    def _target(self, ref: str, alts: tuple[str, ...]) -> int:
        """The number of a target's ``ref:alts`` in :attr:`_targets` (each distinct one listed once)."""
        key = (ref, alts)
        code = self._target_codes.get(key)
        if code is None:
            code = self._target_codes[key] = len(self._targets)
            self._targets.append(f"{ref}:{','.join(alts)}")
        return code

    def _at(self, chrom: str, position: int) -> _Window:
        """The window holding ``position`` on ``chrom``, its rows loaded (a site whose rows all have an outcome is
        done)."""
        window = self._window
        if window is not None and window.holds(chrom, position):
            return window
        pieces = self._pieces.get(chrom)
        if pieces is None:
            pieces = self._pieces[chrom] = [score.pieces(self.build, chrom) for score in self.scores]
        window = self._window = _Window(chrom, pieces, position)
        self._load([score.read(self.build, mine) for score, mine in zip(self.scores, window.pieces, strict=True)])
        return window

    def _load(self, loaded: list[ScoreRows]) -> None:
        self._loaded = loaded
        sites = self._sites = _Sites(loaded)
        done = np.zeros(len(sites), dtype=np.bool_)
        first = sites.starts[:-1]
        for score_index, part in enumerate(loaded):
            mine = np.flatnonzero(sites.scores[first] == score_index)
            done[mine] = self.results[score_index].is_set(part.rows[sites.rows[first[mine]]])
        self._done = bytearray(done.tobytes())

    def add_group(self, group: SiteGroup) -> list[Hit]:
        """Match every scoring row at this position against the group's records; returns the kept matches."""
        self._at(group.chrom, group.pos)
        site = self._sites.find(np.array([group.pos], dtype=np.int64))[0]
        if site < 0 or self._done[site]:
            return []
        self._done[site] = 1
        return self._match_group(self._sites.entries(site), group)

    def _match_group(self, rows: list[tuple[int, int]], group: SiteGroup) -> list[Hit]:
        hits: list[Hit] = []
        best: dict[tuple[int, int], tuple[Candidate, int]] = {}
        loaded = self._loaded
        for score_index, row in rows:
            part = loaded[score_index]
            found = candidates(part.effect_allele[row], part.other_allele[row], group)
            if not found:
                self.results[score_index].set(int(part.rows[row]), MatchStatus.UNMATCHED, reason=Reason.ALLELES_DIFFER)
                continue
            best[(score_index, row)] = (best_candidate(found), len(found))
        claimed: dict[tuple[int, int], int] = {}
        for (score_index, _row), (top, _count) in best.items():
            claimed[(score_index, top.record)] = claimed.get((score_index, top.record), 0) + 1
        for (score_index, row), (top, count) in best.items():
            record = group.records[top.record]
            duplicate = claimed[(score_index, top.record)] > 1
            reason = Reason.DUPLICATE if duplicate else self._excluded(top)
            status = MatchStatus.EXCLUDED if reason else MatchStatus.MATCHED
            result = self.results[score_index]
            flags = (
                (_AMBIGUOUS if top.ambiguous else 0)
                | (_MULTIALLELIC if top.multiallelic else 0)
                | (_DUPLICATE if duplicate else 0)
            )
            part = loaded[score_index]
            number = int(part.rows[row])
            result.set(
                number,
                status,
                top.match_type,
                reason,
                target=self._target(record.ref, record.alts),
                flags=flags,
                candidates=count,
                allele=top.allele,
            )
            if status == MatchStatus.MATCHED:
                chosen = Selected(
                    number,
                    record.target_id,
                    top.allele,
                    float(part.weight[row]),
                    part.effect_type[row],
                    False,
                    _frequency(float(part.effect_allele_frequency[row])),
                )
                hits.append((score_index, chosen, record))
        return hits

    def _excluded(self, top: Candidate) -> Reason | None:
        """Why the options exclude a variant's best match (a duplicate aside); None when it is kept."""
        if top.ambiguous and not self.options.keep_ambiguous:
            return Reason.AMBIGUOUS
        if top.multiallelic and not self.options.keep_multiallelic:
            return Reason.MULTIALLELIC
        if "flip" in top.match_type and self.options.skip_flip:
            return Reason.FLIP_SKIPPED
        return None

    def add_block(self, block: SiteBlock) -> list[BlockHits]:
        """:meth:`add_group` for every position of a block of records in file order (a position's records
        together, none of them in an earlier block); returns the kept matches of each score, in file order.

        A position with one record of one ALT and one scoring row (most of a score) is matched from the outcome
        of its four alleles, worked out once per combination; any other position as a group.
        """
        found: dict[int, BlockHits] = {}
        if not len(block.pos):
            return []
        wanted = np.asarray(block.pos, dtype=np.int64)
        for chrom, start, stop in runs(block.chrom):
            while start < stop:
                window = self._at(chrom, int(wanted[start]))
                outside = np.flatnonzero((wanted[start:stop] < window.low) | (wanted[start:stop] > window.high))
                end = start + int(outside[0]) if len(outside) else stop
                self._add_run(block, chrom, start, end, self._sites.find(wanted[start:end]), found)
                start = end
        return list(found.values())

    def _add_run(
        self, block: SiteBlock, chrom: str, begin: int, finish: int, numbers: list[int], found: dict[int, BlockHits]
    ) -> None:
        """:meth:`add_block` for records ``begin`` to ``finish`` of the block, all on ``chrom`` and in the window
        loaded (``numbers``: their site numbers)."""
        positions, refs, alts = block.pos, block.refs, block.alts
        sites, done, outcomes, results, loaded = self._sites, self._done, self._outcomes, self.results, self._loaded
        starts = sites.starts
        i = begin
        while i < finish:
            pos = positions[i]
            end = i + 1
            while end < finish and positions[end] == pos:
                end += 1
            start, i = i, end
            site = numbers[start - begin]
            if site < 0 or done[site]:
                continue
            done[site] = 1
            first = int(starts[site])
            if end - start > 1 or int(starts[site + 1]) - first > 1 or len(alts[start]) != 1:
                group = SiteGroup(chrom=chrom, pos=pos, records=tuple(block.record(k) for k in range(start, end)))
                for score_index, chosen, record in self._match_group(sites.entries(site), group):
                    number = next(k for k, seen in enumerate(group.records) if seen is record)
                    hits = found.get(score_index) or found.setdefault(score_index, BlockHits(score_index, block))
                    hits.add(start + number, chosen)
                continue
            score_index, local = int(sites.scores[first]), int(sites.rows[first])
            result, part = results[score_index], loaded[score_index]
            row = int(part.rows[local])
            effect, other = part.effect_allele[local], part.other_allele[local]
            outcome_key = (effect, other, refs[start], alts[start][0])
            outcome = outcomes.get(outcome_key)
            if outcome is None:
                outcome = outcomes[outcome_key] = self._outcome(*outcome_key)
            top, reason, count = outcome
            if top is None:
                result.set(row, MatchStatus.UNMATCHED, reason=Reason.ALLELES_DIFFER)
                continue
            result.set(
                row,
                MatchStatus.EXCLUDED if reason else MatchStatus.MATCHED,
                top.match_type,
                reason,
                target=self._target(refs[start], alts[start]),
                flags=_AMBIGUOUS if top.ambiguous else 0,
                candidates=count,
                allele=top.allele,
            )
            if reason is None:
                weight = float(part.weight[local])
                frequency = _frequency(float(part.effect_allele_frequency[local]))
                chosen = Selected(
                    row, block.target_id(start), top.allele, weight, part.effect_type[local], False, frequency
                )
                kept = found.get(score_index)
                if kept is None:
                    kept = found[score_index] = BlockHits(score_index, block)
                kept.records.append(start)
                kept.selected.append(chosen)

    def _outcome(self, effect: str, other: str | None, ref: str, alt: str) -> _Outcome:
        """The best candidate of one scoring row against one record with one ALT, why it is excluded and the number
        of candidates."""
        found = record_candidates(effect, other, 0, ref, (alt,))
        if not found:
            return None, None, 0
        top = best_candidate(found)
        return top, self._excluded(top), len(found)

    def finish(self) -> list[Hit]:
        """Log the rows whose position had no record; returns the assumed-reference matches among them.

        Call once, after the last :meth:`add_group`; :attr:`results` is then complete.
        """
        hits: list[Hit] = []
        if not self.options.absent_is_reference:
            for result in self.results:
                result.set_many(result.unset(), MatchStatus.UNMATCHED, Reason.ABSENT)
        else:  # in the order the sites were first named (by score, then row), as their matches are summed
            named: list[tuple[tuple[int, int], list[Hit]]] = []
            chroms = dict.fromkeys(chrom for score in self.scores for chrom in score.chromosomes(self.build))
            for chrom in chroms:
                self._window = None
                self._load([score.rows(self.build, chrom) for score in self.scores])
                named += self._absent_sites(chrom)
            named.sort(key=lambda item: item[0])
            hits = [hit for _, found in named for hit in found]
        for score, result in zip(self.scores, self.results, strict=True):
            unplaced = score.rows(self.build, None).rows
            result.set_many(unplaced.astype(np.intp), MatchStatus.UNMATCHED, Reason.NO_POSITION)
        return hits

    def _absent_sites(self, chrom: str) -> list[tuple[tuple[int, int], list[Hit]]]:
        """The loaded sites of ``chrom`` no record was read for, each with its first (score, row) and its
        assumed-reference matches."""
        found: list[tuple[tuple[int, int], list[Hit]]] = []
        sites, loaded = self._sites, self._loaded
        for site in np.flatnonzero(np.frombuffer(self._done, dtype=np.uint8) == 0).tolist():
            entries = sites.entries(site)
            score_index, local = entries[0]
            hits: list[Hit] = []
            for score_index_here, row in entries:
                hit = self._absent(chrom, score_index_here, row)
                if hit is not None:
                    hits.append(hit)
            found.append(((score_index, int(loaded[score_index].rows[local])), hits))
        return found

    def _absent(self, chrom: str, score_index: int, local: int) -> Hit | None:
        """An absent row's outcome with absent-is-reference: its reference allele's dosage when known."""
        result, part = self.results[score_index], self._loaded[score_index]
        row = int(part.rows[local])
        key = (chrom, int(part.pos[local]))
        ref = self.reference_alleles.get(key)
        effect, other = part.effect_allele[local], part.other_allele[local]
        if ref is None:
            result.set(row, MatchStatus.UNMATCHED, reason=Reason.ABSENT_REF_UNKNOWN)
            return None
        dosage = reference_dosage(ref, effect, other, flips=not self.options.skip_flip)
        if dosage is None:
            result.set(row, MatchStatus.UNMATCHED, reason=Reason.ABSENT_REF_OTHER)
            return None
        ambiguous = other is not None and is_ambiguous(effect, other)
        reason = Reason.AMBIGUOUS if ambiguous and not self.options.keep_ambiguous else None
        target = self._target(ref, (".",))
        result.set(
            row,
            MatchStatus.EXCLUDED if reason else MatchStatus.MATCHED,
            MatchType.ASSUMED_REFERENCE,
            reason,
            target=target,
            flags=_AMBIGUOUS if ambiguous else 0,
            allele=dosage,
        )
        if reason is not None:
            return None
        target_id = f"{key[0].removeprefix('chr')}:{key[1]}:{self._targets[target]}"
        frequency = _frequency(float(part.effect_allele_frequency[local]))
        chosen = Selected(row, target_id, dosage, float(part.weight[local]), part.effect_type[local], True, frequency)
        return (score_index, chosen, None)
