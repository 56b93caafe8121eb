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
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from tailormed.knowledge.pgs_scoring import EffectType, ScoringFile
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
    """A kept match: the target variant, which of its alleles carries the effect, the weight and its effect type.

    A named tuple, immutable like a frozen dataclass but built several times faster (one per scored variant)."""

    row: int
    target_id: str
    allele: int  # allele index in the record (0 = REF); for an assumed-reference site, the effect-allele dosage
    weight: float
    effect_type: EffectType
    assumed_reference: bool = False


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


@dataclass
class ScoreMatch:
    """All rows of one score and their outcome."""

    score: ScoringFile
    log: list[LogRow] = field(default_factory=list)
    selected: list[Selected] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.score)

    @property
    def matched(self) -> int:
        return len(self.selected)

    @property
    def match_rate(self) -> float:
        return self.matched / self.total if self.total else 0.0

    def count(self, reason: Reason) -> int:
        return sum(1 for row in self.log if row.reason == reason)

    def counts_by_reason(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self.log:
            if row.reason is not None:
                found[row.reason.name.lower()] = found.get(row.reason.name.lower(), 0) + 1
        return found

    @property
    def assumed_reference(self) -> int:
        kept = (row for row in self.log if row.status == MatchStatus.MATCHED)
        return sum(1 for row in kept if row.match_type == MatchType.ASSUMED_REFERENCE)

    @property
    def flipped(self) -> int:
        return sum(1 for row in self.log if row.status == MatchStatus.MATCHED and "flip" in (row.match_type or ""))


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


class Matcher:
    """Matches several scores against a VCF read position by position (see :meth:`add_group`)."""

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
        self.results = [ScoreMatch(score=score) for score in scores]
        self._at: dict[tuple[str, int], list[tuple[int, int]]] = {}
        self._done: set[tuple[str, int]] = set()
        self._outcomes: dict[tuple[str, str | None, str, str], _Outcome] = {}
        self._positions = [score.positions(build) for score in scores]
        self._pos_lists: list[list[int]] = [positions.pos.tolist() for positions in self._positions]
        self._weights: list[list[float]] = [score.weight.tolist() for score in scores]  # as float(weight[row])
        for score_index, positions in enumerate(self._positions):
            for row, (chrom, pos) in enumerate(zip(positions.chrom, self._pos_lists[score_index], strict=True)):
                if chrom is not None:
                    self._at.setdefault((chrom, pos), []).append((score_index, row))

    def positions(self) -> set[tuple[str, int]]:
        """The (canonical chromosome, position) sites the VCF must be read at."""
        return set(self._at)

    def add_group(self, group: SiteGroup) -> list[Hit]:
        """Match every scoring row at this position against the group's records; returns the kept matches."""
        hits: list[Hit] = []
        key = (group.chrom, group.pos)
        rows = self._at.get(key)
        if not rows or key in self._done:
            return hits
        self._done.add(key)
        return self._match_group(rows, group)

    def _match_group(self, rows: list[tuple[int, int]], group: SiteGroup) -> list[Hit]:
        hits: list[Hit] = []
        best: dict[tuple[int, int], tuple[Candidate, int]] = {}
        for score_index, row in rows:
            score = self.results[score_index].score
            found = candidates(score.effect_allele[row], score.other_allele[row], group)
            if not found:
                self._log(score_index, row, MatchStatus.UNMATCHED, reason=Reason.ALLELES_DIFFER)
                continue
            best[(score_index, row)] = (best_candidate(found), len(found))
        claimed: dict[tuple[int, int], int] = {}
        for (score_index, _row), (top, _count) in best.items():
            claimed[(score_index, top.record)] = claimed.get((score_index, top.record), 0) + 1
        for (score_index, row), (top, count) in best.items():
            record = group.records[top.record]
            target_id = record.target_id
            target = (score_index, top.record)
            duplicate = claimed[target] > 1
            reason = Reason.DUPLICATE if duplicate else self._excluded(top)
            status = MatchStatus.EXCLUDED if reason else MatchStatus.MATCHED
            self._log(
                score_index,
                row,
                status,
                match_type=top.match_type,
                target_id=target_id,
                reason=reason,
                ambiguous=top.ambiguous,
                multiallelic=top.multiallelic,
                duplicate=duplicate,
                candidates=count,
            )
            if status == MatchStatus.MATCHED:
                score = self.results[score_index].score
                chosen = Selected(row, target_id, top.allele, float(score.weight[row]), score.effect_type[row])
                self.results[score_index].selected.append(chosen)
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
        chroms, positions, refs, alts = block.chrom, block.pos, block.refs, block.alts
        at, done, outcomes, results = self._at, self._done, self._outcomes, self.results
        count = len(positions)
        i = 0
        while i < count:
            chrom, pos = chroms[i], positions[i]
            end = i + 1
            while end < count and positions[end] == pos and chroms[end] == chrom:
                end += 1
            start, i = i, end
            key = (chrom, pos)
            rows = at.get(key)
            if rows is None or key in done:
                continue
            done.add(key)
            if end - start > 1 or len(rows) > 1 or len(alts[start]) != 1:
                group = SiteGroup(chrom=chrom, pos=pos, records=tuple(block.record(k) for k in range(start, end)))
                for score_index, chosen, record in self._match_group(rows, group):
                    number = next(k for k, seen in enumerate(group.records) if seen is record)
                    hits = found.get(score_index) or found.setdefault(score_index, BlockHits(score_index, block))
                    hits.add(start + number, chosen)
                continue
            score_index, row = rows[0]
            result = results[score_index]
            score = result.score
            effect, other = score.effect_allele[row], score.other_allele[row]
            outcome_key = (effect, other, refs[start], alts[start][0])
            outcome = outcomes.get(outcome_key)
            if outcome is None:
                outcome = outcomes[outcome_key] = self._outcome(*outcome_key)
            top, reason, number = outcome
            if top is None:
                self._log(score_index, row, MatchStatus.UNMATCHED, reason=Reason.ALLELES_DIFFER)
                continue
            target_id = block.target_id(start)
            weight = self._weights[score_index][row]
            result.log.append(  # _log's row, built here: most of a score passes this way
                LogRow(
                    row,
                    chrom,
                    pos,
                    effect,
                    other,
                    weight,
                    MatchStatus.EXCLUDED if reason else MatchStatus.MATCHED,
                    top.match_type,
                    target_id,
                    reason,
                    top.ambiguous,
                    False,
                    False,
                    number,
                )
            )
            if reason is None:
                chosen = Selected(row, target_id, top.allele, weight, score.effect_type[row])
                result.selected.append(chosen)
                kept = found.get(score_index)
                if kept is None:
                    kept = found[score_index] = BlockHits(score_index, block)
                kept.records.append(start)
                kept.selected.append(chosen)
        return list(found.values())

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
        for key, rows in self._at.items():
            if key in self._done:
                continue
            for score_index, row in rows:
                hit = self._absent(score_index, row, key)
                if hit is not None:
                    hits.append(hit)
        for score_index, result in enumerate(self.results):
            for row, chrom in enumerate(self._positions[score_index].chrom):
                if chrom is None:
                    self._log(score_index, row, MatchStatus.UNMATCHED, reason=Reason.NO_POSITION)
            result.log.sort(key=lambda entry: entry.row)
            result.selected.sort(key=lambda entry: entry.row)
        return hits

    def _absent(self, score_index: int, row: int, key: tuple[str, int]) -> Hit | None:
        if not self.options.absent_is_reference:
            self._log(score_index, row, MatchStatus.UNMATCHED, reason=Reason.ABSENT)
            return None
        ref = self.reference_alleles.get(key)
        score = self.results[score_index].score
        effect, other = score.effect_allele[row], score.other_allele[row]
        if ref is None:
            self._log(score_index, row, MatchStatus.UNMATCHED, reason=Reason.ABSENT_REF_UNKNOWN)
            return None
        dosage = reference_dosage(ref, effect, other, flips=not self.options.skip_flip)
        if dosage is None:
            self._log(score_index, row, MatchStatus.UNMATCHED, reason=Reason.ABSENT_REF_OTHER)
            return None
        ambiguous = other is not None and is_ambiguous(effect, other)
        reason = Reason.AMBIGUOUS if ambiguous and not self.options.keep_ambiguous else None
        target_id = f"{key[0].removeprefix('chr')}:{key[1]}:{ref}:."
        self._log(
            score_index,
            row,
            MatchStatus.EXCLUDED if reason else MatchStatus.MATCHED,
            match_type=MatchType.ASSUMED_REFERENCE,
            target_id=target_id,
            reason=reason,
            ambiguous=ambiguous,
        )
        if reason is not None:
            return None
        chosen = Selected(row, target_id, dosage, float(score.weight[row]), score.effect_type[row], True)
        self.results[score_index].selected.append(chosen)
        return (score_index, chosen, None)

    def _log(
        self,
        score_index: int,
        row: int,
        status: MatchStatus,
        *,
        match_type: MatchType | None = None,
        target_id: str | None = None,
        reason: Reason | None = None,
        ambiguous: bool = False,
        multiallelic: bool = False,
        duplicate: bool = False,
        candidates: int = 0,
    ) -> None:
        result = self.results[score_index]
        score = result.score
        result.log.append(
            LogRow(
                row=row,
                chrom=self._positions[score_index].chrom[row],
                pos=self._pos_lists[score_index][row],
                effect_allele=score.effect_allele[row],
                other_allele=score.other_allele[row],
                weight=float(score.weight[row]),
                status=status,
                match_type=match_type,
                target_id=target_id,
                reason=reason,
                ambiguous=ambiguous,
                multiallelic=multiallelic,
                duplicate=duplicate,
                candidates=candidates,
            )
        )
