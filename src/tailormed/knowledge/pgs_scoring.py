"""PGS Catalog scoring files (format 1.0, 2.0, harmonized ``hmPOS`` files and ``pgscatalog-format`` output).

A scoring file is a commented header (``#pgs_id=PGS000004`` in 2.0, ``# PGS ID = PGS000004`` in 1.0) and a TSV of
variants with an effect allele and a weight. Harmonized files add ``hm_chr``/``hm_pos`` in the ``#HmPOS_build`` build
next to the author's ``chr_name``/``chr_position`` in ``#genome_build``; :meth:`ScoringFile.positions` gives the
positions for the build a VCF is in. Weights apply additively unless ``is_dominant``/``is_recessive`` (or the
normalised ``effect_type`` column) say otherwise. Haplotype, diplotype and interaction rows (e.g. the HLA terms of
PGS000021) and dosage-specific weights cannot be scored as a dosage sum: such a file is rejected with the line of
the first such row, never scored partially.

A parsed file keeps no column in memory: its rows are checked a chunk of lines at a time and spilled, per build, into
an unnamed temporary file (:class:`ScoringFile` reads them back a few pieces or a chunk at a time), so what a score
of millions of variants holds is its header, its distinct alleles and where each chunk's rows of a chromosome lie.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import tempfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import Field

from tailormed.errors import InputError
from tailormed.model.base import Contract
from tailormed.model.chrom import canonical_chrom
from tailormed.model.genotype import GenomeBuild
from tailormed.tables import split_lines

_ALLELE = re.compile(r"^[ACGTN]+$")
_BUILD_IN_NAME = re.compile(r"hmPOS_(GRCh3[78])", re.IGNORECASE)
_V1_KEYS = {
    "PGS ID": "pgs_id",
    "PGS Name": "pgs_name",
    "Reported Trait": "trait_reported",
    "Mapped Trait(s) (EFO label)": "trait_mapped",
    "Original Genome Build": "genome_build",
    "Number of Variants": "variants_number",
    "PGP ID": "pgp_id",
    "Citation": "citation",
}
_MISSING = frozenset({"", "NA", "NR", "None", "nan", "."})
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"}) | {value.lower() for value in _MISSING}
_MAX_POSITION = 2**62  # far beyond any chromosome, within numpy's int64
_COMPLEX_COLUMNS = ("is_haplotype", "is_diplotype", "is_interaction")
_DOSAGE_COLUMNS = ("dosage_0_weight", "dosage_1_weight", "dosage_2_weight")


class EffectType(StrEnum):
    """How a weight applies to the effect-allele dosage d (0, 1 or 2).

    * ``additive``: weight × d;
    * ``dominant``: weight × min(d, 1) — one copy has the full effect;
    * ``recessive``: weight × (d == 2) — only two copies count.
    """

    ADDITIVE = "additive"
    DOMINANT = "dominant"
    RECESSIVE = "recessive"


class ScoringHeader(Contract):
    """The metadata lines of a scoring file (absent keys are None)."""

    format_version: str = Field(description="'1.0', '2.0' or 'normalised' (pgscatalog-format output)")
    pgs_id: str | None = None
    pgs_name: str | None = None
    trait_reported: str | None = None
    trait_mapped: str | None = None
    trait_efo: str | None = None
    weight_type: str | None = None
    genome_build: GenomeBuild | None = Field(default=None, description="Build of chr_name/chr_position")
    genome_build_stated: str | None = Field(default=None, description="As written, e.g. 'GRCh37', 'hg19', 'NR'")
    hm_build: GenomeBuild | None = Field(default=None, description="Build of hm_chr/hm_pos (#HmPOS_build)")
    hm_date: str | None = None
    variants_number: int | None = None
    pgp_id: str | None = None
    citation: str | None = None


@dataclass(frozen=True)
class Positions:
    """Chromosome (canonical ``chrN``, None when unmapped) and position (0 when unmapped) per variant, one build."""

    chrom: tuple[str | None, ...]
    pos: npt.NDArray[np.int64]


_EFFECT_TYPES = tuple(EffectType)
_EFFECT_CODES = {kind: code for code, kind in enumerate(_EFFECT_TYPES)}
_EFFECT_ARRAY = np.array(_EFFECT_TYPES, dtype=object)
#: One spilled row: its number among the file's variants, line, position in the spill's build, weight, effect-allele
#: frequency (NaN when not given), effect and other allele (numbers in the file's list of distinct alleles; -1: none)
#: and effect type (its number in :class:`EffectType`): 49 bytes.
_RECORD = np.dtype(
    [
        ("row", "<i8"),
        ("line", "<i8"),
        ("pos", "<i8"),
        ("weight", "<f8"),
        ("frequency", "<f8"),
        ("effect", "<i4"),
        ("other", "<i4"),
        ("type", "i1"),
    ]
)


@dataclass(frozen=True)
class ScoreRows:
    """Some rows of a scoring file as columns: a chromosome's rows in one build by position (:meth:`ScoringFile.rows`)
    or a chunk of consecutive rows in file order (:meth:`ScoringFile.blocks`)."""

    rows: npt.NDArray[np.int64]  # each row's number among the file's variants (0 = the first)
    lines: npt.NDArray[np.int64]
    chrom: tuple[str | None, ...]
    pos: npt.NDArray[np.int64]
    effect_allele: tuple[str, ...]
    other_allele: tuple[str | None, ...]
    weight: npt.NDArray[np.float64]
    effect_type: tuple[EffectType, ...]
    effect_allele_frequency: npt.NDArray[np.float64]  # NaN where the file gives none

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Piece:
    """Where one chunk's rows on one chromosome lie in a spill, and the range of their positions."""

    chunk: int
    chrom: str | None
    first: int  # the first record's number in the spill
    count: int
    low: int  # the lowest and highest position (0 for rows without a position)
    high: int


class _Spill:
    """One build's rows in an unnamed temporary file of :data:`_RECORD` records (the system frees it once closed,
    however the process ends), written a chunk at a time with each chunk's rows sorted by chromosome and position (a
    position's rows in file order); :attr:`pieces` lists each chunk's chromosomes in the order written."""

    def __init__(self) -> None:
        self.handle = tempfile.TemporaryFile(prefix="tailormed-score-")  # noqa: SIM115 (open as long as the score)
        self.pieces: list[Piece] = []
        self.records = 0

    def write(self, chunk: int, records: npt.NDArray[np.void], chroms: Sequence[str | None]) -> None:
        codes: dict[str | None, int] = {}
        numbers = np.fromiter((codes.setdefault(chrom, len(codes)) for chrom in chroms), np.int32, len(chroms))
        order = np.lexsort((records["pos"], numbers))  # stable: a position's rows stay in file order
        ordered = records[order]
        starts = np.searchsorted(numbers[order], np.arange(len(codes) + 1)).tolist()
        self.handle.write(ordered.tobytes())
        positions = ordered["pos"]
        for code, name in enumerate(codes):
            low, high = starts[code], starts[code + 1]
            self.pieces.append(
                Piece(chunk, name, self.records + low, high - low, int(positions[low]), int(positions[high - 1]))
            )
        self.records += len(records)

    def read(self, pieces: Sequence[Piece]) -> npt.NDArray[np.void]:
        """The records of ``pieces``, one after the other (read at their offsets: a forked process shares the file)."""
        self.handle.flush()
        size, descriptor = _RECORD.itemsize, self.handle.fileno()
        found = [
            np.frombuffer(os.pread(descriptor, piece.count * size, piece.first * size), dtype=_RECORD)
            for piece in pieces
        ]
        return np.concatenate(found) if found else np.zeros(0, dtype=_RECORD)


@dataclass(frozen=True, eq=False)
class ScoringFile:
    """One score's variants, spilled per build and chromosome (see the module); row ``i`` is the file's ``i``-th
    variant. :meth:`rows` gives a chromosome's rows, :meth:`blocks` every row a chunk at a time in file order."""

    path: Path
    header: ScoringHeader
    count: int
    alleles: npt.NDArray[np.object_]  # the distinct alleles as the spills number them, then None (a missing one: -1)
    spills: Mapping[GenomeBuild, _Spill]

    @property
    def name(self) -> str:
        """The score's identifier: the PGS ID, else the file name without its suffixes."""
        return self.header.pgs_id or self.path.name.split(".")[0]

    def __len__(self) -> int:
        return self.count

    @property
    def builds(self) -> tuple[GenomeBuild, ...]:
        return tuple(self.spills)

    def _spill(self, build: GenomeBuild) -> _Spill:
        """The rows in ``build``; InputError when the file has no positions in that build."""
        found = self.spills.get(build)
        if found is None:
            have = ", ".join(self.builds) or "none (no chromosome positions)"
            raise InputError(
                f"score {self.name} has no positions in {build} (it has: {have}); "
                f"use the PGS Catalog harmonized file for {build} (PGSxxxxxx_hmPOS_{build}.txt.gz)",
                source=self.path,
            )
        return found

    def chromosomes(self, build: GenomeBuild) -> tuple[str, ...]:
        """The chromosomes with rows in ``build``, in the order of their first row."""
        return tuple(dict.fromkeys(piece.chrom for piece in self._spill(build).pieces if piece.chrom is not None))

    def pieces(self, build: GenomeBuild, chrom: str | None) -> list[Piece]:
        """Where the rows on ``chrom`` in ``build`` lie (None: the rows without a position there), chunk by chunk."""
        return [piece for piece in self._spill(build).pieces if piece.chrom == chrom]

    def read(self, build: GenomeBuild, pieces: Sequence[Piece]) -> ScoreRows:
        """The rows of some of :meth:`pieces`' pieces of one chromosome, sorted by position (a position's rows in file
        order when the pieces are in chunk order)."""
        records = self._spill(build).read(pieces)
        records = records[np.argsort(records["pos"], kind="stable")] if len(pieces) > 1 else records
        return self._columns(records, (pieces[0].chrom,) * len(records) if pieces else ())

    def rows(self, build: GenomeBuild, chrom: str | None) -> ScoreRows:
        """Every row on ``chrom`` in ``build`` (None: the rows without a position there), sorted by position."""
        return self.read(build, self.pieces(build, chrom))

    def blocks(self, build: GenomeBuild) -> Iterator[ScoreRows]:
        """Every row in file order with its position in ``build``, one chunk of :data:`CHUNK` lines at a time."""
        spill = self._spill(build)
        start = 0
        while start < len(spill.pieces):
            stop = start
            while stop < len(spill.pieces) and spill.pieces[stop].chunk == spill.pieces[start].chunk:
                stop += 1
            pieces = spill.pieces[start:stop]
            records = spill.read(pieces)
            order = np.argsort(records["row"], kind="stable")
            names = np.array([piece.chrom for piece in pieces], dtype=object)
            chroms = names[np.repeat(np.arange(len(pieces)), [piece.count for piece in pieces])[order]]
            yield self._columns(records[order], tuple(chroms.tolist()))
            start = stop

    def table(self, build: GenomeBuild | None = None) -> ScoreRows:
        """Every row in file order (positions in ``build``, else in the file's first build), read back whole."""
        parts = list(self.blocks(build or self.builds[0]))
        return ScoreRows(
            rows=np.concatenate([part.rows for part in parts]),
            lines=np.concatenate([part.lines for part in parts]),
            chrom=tuple(chrom for part in parts for chrom in part.chrom),
            pos=np.concatenate([part.pos for part in parts]),
            effect_allele=tuple(allele for part in parts for allele in part.effect_allele),
            other_allele=tuple(allele for part in parts for allele in part.other_allele),
            weight=np.concatenate([part.weight for part in parts]),
            effect_type=tuple(kind for part in parts for kind in part.effect_type),
            effect_allele_frequency=np.concatenate([part.effect_allele_frequency for part in parts]),
        )

    def positions(self, build: GenomeBuild) -> Positions:
        """Positions in ``build`` (0 where unmapped); InputError when the file has none in that build."""
        self._spill(build)
        chroms: list[str | None] = []
        pos: list[npt.NDArray[np.int64]] = []
        for part in self.blocks(build):
            chroms += part.chrom
            pos.append(part.pos)
        return Positions(chrom=tuple(chroms), pos=np.concatenate(pos))

    def _columns(self, records: npt.NDArray[np.void], chroms: tuple[str | None, ...]) -> ScoreRows:
        alleles = self.alleles
        return ScoreRows(
            rows=records["row"].copy(),
            lines=records["line"].copy(),
            chrom=chroms,
            pos=records["pos"].copy(),
            effect_allele=tuple(alleles[records["effect"]].tolist()),
            other_allele=tuple(alleles[records["other"]].tolist()),
            weight=records["weight"].copy(),
            effect_type=tuple(_EFFECT_ARRAY[records["type"]].tolist()),
            effect_allele_frequency=records["frequency"].copy(),
        )


def read_scoring_file(path: Path) -> ScoringFile:
    """Parse a scoring file; InputError naming the file and line for anything malformed or unsupported.

    The variants are parsed :data:`CHUNK` lines at a time (:class:`_Reader`) and each chunk's rows spilled (see the
    module), so parsing a score of millions of variants holds one chunk, never every line or column. A chunk's
    error waits for the end of the file, where an error found at an earlier step wins (text that cannot be read, a
    complex row): the error is the one of checking the whole file step by step, whatever the chunk size.
    """
    path = Path(path)
    meta: dict[str, str] = {}
    reader: _Reader | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, fields in _variant_lines(path, meta):
        if reader is None:
            columns = [name.strip() for name in fields]
            _check_columns(columns, path, number)
            reader = _Reader(path, meta, columns)
            continue
        rows.append((number, fields))
        if len(rows) == CHUNK:
            reader.add(rows)
            rows = []
    if reader is None:
        raise InputError("no column header line: not a PGS Catalog scoring file", source=path)
    if rows:
        reader.add(rows)
    return reader.finish()


#: Variant lines parsed together by :class:`_Reader`.
CHUNK = 1 << 16


def _variant_lines(path: Path, meta: dict[str, str]) -> Iterator[tuple[int, list[str]]]:
    return split_lines(
        _lines(path),
        path,
        width="header",
        comments="leading",
        on_comment=lambda line: _header_line(line, meta),
        error=InputError,
    )


class _Reader:
    """A scoring file's rows from its chunks of variant lines, spilled per build, and the first error of each checking
    step.

    The steps, in the order their errors win: complex rows (a True/False cell that is neither, else how many rows
    are complex), each variant's cells, the header (one score), the positions of the build used. A step's first
    error ends the reading of the steps after it, the chunks still count and are checked for complex rows.
    """

    def __init__(self, path: Path, meta: dict[str, str], columns: list[str]) -> None:
        self.path = path
        self.meta = meta
        self.index = {name: i for i, name in enumerate(columns)}
        self.other_column = next((name for name in ("other_allele", "reference_allele") if name in self.index), None)
        self.placed: dict[str, tuple[int, int]] = {}  # the position columns that may be used, by kind
        hm_build = _build_of(meta.get("HmPOS_build"))
        if hm_build is not None and "hm_chr" in self.index and "hm_pos" in self.index:
            self.placed["hm"] = (self.index["hm_chr"], self.index["hm_pos"])
        named = _BUILD_IN_NAME.search(path.name)
        stated = _build_of(meta.get("genome_build")) if meta else _build_of(named.group(1)) if named else None
        hm_used = hm_build if "hm" in self.placed else None
        if stated not in (None, hm_used) and "chr_name" in self.index and "chr_position" in self.index:
            self.placed["chr"] = (self.index["chr_name"], self.index["chr_position"])
        self.count = 0
        self.chunks = 0
        self.complex_error: InputError | None = None
        self.complex_count = 0
        self.first_complex: tuple[int, str] | None = None
        self.cell_error: InputError | None = None
        self.position_errors: dict[str, InputError] = {}
        self.accessions: set[str] = set()
        self.spills = {kind: _Spill() for kind in self.placed}
        self.alleles: dict[str, int] = {}  # each distinct allele's number

    def add(self, rows: list[tuple[int, list[str]]]) -> None:
        """One chunk of variant lines, in file order."""
        first = self.count
        self.count += len(rows)
        if self.complex_error is None:
            try:
                flagged = _complex_rows(self.path, self.index, rows)
            except InputError as exc:
                self.complex_error = exc
            else:
                self.complex_count += len(flagged)
                self.first_complex = self.first_complex or (flagged[0] if flagged else None)
        if self.complex_error is not None or self.complex_count or self.cell_error is not None:
            return
        try:
            parsed = _columns(self.path, self.index, self.other_column, rows)
            if parsed is None:  # some cell needs a closer look (or an error naming its line): row by row
                parsed = _rows(self.path, self.index, self.other_column, rows)
        except InputError as exc:
            self.cell_error = exc
            return
        effect, other, weights, frequencies, types, accessions = parsed
        self.accessions |= accessions
        records = np.zeros(len(rows), dtype=_RECORD)
        records["row"] = np.arange(first, self.count)
        records["line"] = np.fromiter((number for number, _ in rows), dtype=np.int64, count=len(rows))
        records["weight"] = weights
        records["frequency"] = frequencies
        codes = self.alleles
        records["effect"] = np.fromiter((codes.setdefault(a, len(codes)) for a in effect), np.int32, len(rows))
        records["other"] = np.fromiter(
            (codes.setdefault(a, len(codes)) if a is not None else -1 for a in other), np.int32, len(rows)
        )
        records["type"] = np.fromiter((_EFFECT_CODES[kind] for kind in types), np.int8, len(rows))
        for kind, (chrom_at, pos_at) in self.placed.items():
            if kind in self.position_errors:
                continue
            try:
                found = _positions(self.path, rows, chrom_at, pos_at, kind)
            except InputError as exc:
                self.position_errors[kind] = exc
                continue
            records["pos"] = found.pos
            self.spills[kind].write(self.chunks, records, found.chrom)
        self.chunks += 1

    def finish(self) -> ScoringFile:
        """The scoring file, or the error that wins (see the class)."""
        if not self.count:
            raise InputError("the scoring file has no variants", source=self.path)
        if self.complex_error is not None:
            raise self.complex_error
        if self.first_complex is not None:
            first_line, first_kind = self.first_complex
            raise InputError(
                f"{self.complex_count} of {self.count} rows are haplotype, diplotype or interaction terms "
                f"(first: {first_kind}); complex variants are not supported: they cannot be scored as a per-allele "
                "dosage sum",
                source=self.path,
                location=f"line {first_line}",
            )
        if self.cell_error is not None:
            raise self.cell_error
        header = _header(self.path, self.meta, self.accessions)
        spills: dict[GenomeBuild, _Spill] = {}
        if header.hm_build is not None and "hm" in self.placed:
            spills[header.hm_build] = self.spill("hm")
        has_chr = "chr_name" in self.index and "chr_position" in self.index
        if header.genome_build is not None and header.genome_build not in spills and has_chr:
            spills[header.genome_build] = self.spill("chr")
        if not spills:
            raise InputError(_no_positions_message(header, self.index), source=self.path)
        for spill in self.spills.values():
            if all(spill is not used for used in spills.values()):
                spill.handle.close()
        alleles = np.array([*self.alleles, None], dtype=object)
        return ScoringFile(path=self.path, header=header, count=self.count, alleles=alleles, spills=spills)

    def spill(self, kind: str) -> _Spill:
        if kind in self.position_errors:
            raise self.position_errors[kind]
        return self.spills[kind]


def _lines(path: Path) -> Iterator[str]:
    if not path.is_file():
        raise InputError("file not found" if not path.exists() else "not a regular file", source=path)
    try:
        with path.open("rb") as probe:
            compressed = probe.read(2) == b"\x1f\x8b"
        with gzip.open(path, "rt", encoding="utf-8") if compressed else path.open(encoding="utf-8") as handle:
            yield from handle
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", source=path) from exc
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputError(f"truncated or corrupt gzip data ({exc})", source=path) from exc
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", source=path) from exc


def _header_line(line: str, meta: dict[str, str]) -> None:
    body = line.lstrip("#").strip()
    if "=" not in body:
        return
    key, value = (part.strip() for part in body.split("=", 1))
    if line.startswith("# ") and key in _V1_KEYS:  # format 1.0: '# PGS ID = PGS000004'
        meta.setdefault("format_version", "1.0")
        meta[_V1_KEYS[key]] = value
    elif re.fullmatch(r"[A-Za-z_]+", key):
        meta[key] = value


def _check_columns(columns: list[str], path: Path, number: int) -> None:
    where = f"line {number}"
    if len(set(columns)) != len(columns):
        raise InputError("the column header repeats a column name", source=path, location=where)
    for required in ("effect_allele", "effect_weight"):
        if required not in columns:
            raise InputError(
                f"no '{required}' column (columns: {', '.join(columns[:12])}): not a PGS Catalog scoring file",
                source=path,
                location=where,
            )
    dosage = [name for name in _DOSAGE_COLUMNS if name in columns]
    if dosage:
        raise InputError(
            f"dosage-specific weights ({', '.join(dosage)}) are not supported; only additive, dominant and "
            "recessive per-allele weights can be scored",
            source=path,
            location=where,
        )


def _value(text: str) -> str | None:
    stripped = text.strip()
    return None if stripped in _MISSING else stripped


def _flag(text: str, column: str, path: Path, number: int) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InputError(f"{column} must be True or False, not {text.strip()!r}", source=path, location=f"line {number}")


_Columns = tuple[
    list[str],
    list[str | None],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    list[EffectType],
    set[str],
]


def _columns(
    path: Path, index: dict[str, int], other_column: str | None, rows: list[tuple[int, list[str]]]
) -> _Columns | None:
    """The variants' columns a column at a time, when every cell is plainly valid; None when a cell is missing or
    not a number where one must be, or an other allele must be inferred: :func:`_rows` then says which."""
    table = list(zip(*(fields for _, fields in rows), strict=True))
    count = len(rows)

    def column(name: str) -> list[str] | None:
        position = index.get(name)
        return [text.strip() for text in table[position]] if position is not None else None

    alleles = column("effect_allele")
    if alleles is None or _MISSING.intersection(alleles):
        return None
    effect = [allele.upper() for allele in alleles]
    other: list[str | None]
    if other_column is not None:
        others = column(other_column)
        if others is None or _MISSING.intersection(others):
            return None
        other = [allele.upper() for allele in others]
    elif "hm_inferOtherAllele" in index:
        return None
    else:
        other = [None] * count
    texts = column("effect_weight")
    try:
        weights = np.array([float(text) for text in texts or ()], dtype=np.float64)
    except ValueError:
        return None
    if len(weights) != count or not np.isfinite(weights).all():
        return None
    frequencies = np.full(count, np.nan, dtype=np.float64)
    stated = column("allelefrequency_effect")
    if stated is not None:
        given = np.array([text not in _MISSING for text in stated], dtype=np.bool_)
        try:
            frequencies = np.array([float(text) if text not in _MISSING else np.nan for text in stated])
        except ValueError:
            return None
        known = frequencies[given]
        if not ((known >= 0.0) & (known <= 1.0)).all():  # NaN (a stated 'NaN') fails too
            return None
    types = (
        [_effect_type(fields, index, path, number) for number, fields in rows]
        if any(name in index for name in ("is_dominant", "is_recessive", "effect_type"))
        else [EffectType.ADDITIVE] * count
    )
    accessions = set(column("accession") or ()) - _MISSING
    return effect, other, weights, frequencies, types, accessions


def _rows(
    path: Path, index: dict[str, int], other_column: str | None, rows: list[tuple[int, list[str]]]
) -> _Columns:
    """The variants' columns row by row, each cell checked; InputError naming the line of the first bad one."""

    def get(fields: list[str], column: str) -> str | None:
        position = index.get(column)
        return _value(fields[position]) if position is not None else None

    effect: list[str] = []
    other: list[str | None] = []
    weights = np.empty(len(rows), dtype=np.float64)
    frequencies = np.full(len(rows), np.nan, dtype=np.float64)
    types: list[EffectType] = []
    accessions: set[str] = set()
    for i, (number, fields) in enumerate(rows):
        where = f"line {number}"
        allele = get(fields, "effect_allele")
        if allele is None:
            raise InputError("effect_allele is empty", source=path, location=where)
        effect.append(allele.upper())
        second = get(fields, other_column) if other_column else None
        if second is None:
            inferred = get(fields, "hm_inferOtherAllele")
            second = inferred if inferred is not None and "/" not in inferred else None
        other.append(second.upper() if second is not None else None)
        weights[i] = _number(get(fields, "effect_weight"), "effect_weight", path, where)
        frequency = get(fields, "allelefrequency_effect")
        if frequency is not None:
            frequencies[i] = _frequency(frequency, path, where)
        types.append(_effect_type(fields, index, path, number))
        accession = get(fields, "accession")
        if accession is not None:
            accessions.add(accession)
    return effect, other, weights, frequencies, types, accessions


def _complex_rows(path: Path, index: dict[str, int], rows: list[tuple[int, list[str]]]) -> list[tuple[int, str]]:
    """The line and kind of each haplotype, diplotype or interaction row; InputError for a flag that is not one."""
    present = [(name, index[name]) for name in _COMPLEX_COLUMNS if name in index]
    flagged: list[tuple[int, str]] = []
    for number, fields in rows if present else ():
        for name, position in present:
            if _flag(fields[position], name, path, number):
                flagged.append((number, name))
                break
    return flagged


def _number(text: str | None, column: str, path: Path, where: str) -> float:
    if text is None:
        raise InputError(f"{column} is empty", source=path, location=where)
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{column} is not a number: {text[:40]!r}", source=path, location=where) from None
    if not math.isfinite(value):
        raise InputError(f"{column} is not a finite number: {text[:40]!r}", source=path, location=where)
    return value


def _frequency(text: str, path: Path, where: str) -> float:
    value = _number(text, "allelefrequency_effect", path, where)
    if not 0.0 <= value <= 1.0:
        raise InputError(f"allelefrequency_effect {value} is outside [0, 1]", source=path, location=where)
    return value


def _effect_type(fields: list[str], index: dict[str, int], path: Path, number: int) -> EffectType:
    dominant = "is_dominant" in index and _flag(fields[index["is_dominant"]], "is_dominant", path, number)
    recessive = "is_recessive" in index and _flag(fields[index["is_recessive"]], "is_recessive", path, number)
    if "effect_type" in index:
        stated = fields[index["effect_type"]].strip().lower()
        try:
            return EffectType(stated)
        except ValueError:
            raise InputError(
                f"effect_type must be additive, dominant or recessive, not {stated!r}",
                source=path,
                location=f"line {number}",
            ) from None
    if dominant and recessive:
        raise InputError("a variant cannot be both dominant and recessive", source=path, location=f"line {number}")
    return EffectType.DOMINANT if dominant else EffectType.RECESSIVE if recessive else EffectType.ADDITIVE


def _positions(path: Path, rows: list[tuple[int, list[str]]], chrom_at: int, pos_at: int, kind: str) -> Positions:
    names = [fields[chrom_at].strip() for _, fields in rows]
    texts = [fields[pos_at].strip() for _, fields in rows]
    if not _MISSING.intersection(names) and not _MISSING.intersection(texts):  # every variant placed
        try:
            positions = np.array([int(text) for text in texts], dtype=np.int64)
        except (ValueError, OverflowError):
            positions = np.zeros(0, dtype=np.int64)
        if len(positions) == len(rows) and ((positions >= 1) & (positions <= _MAX_POSITION)).all():
            canonical = {name: canonical_chrom(name) for name in set(names)}
            return Positions(chrom=tuple([canonical[name] for name in names]), pos=positions)
    return _positions_by_row(path, rows, chrom_at, pos_at, kind)


def _positions_by_row(
    path: Path, rows: list[tuple[int, list[str]]], chrom_at: int, pos_at: int, kind: str
) -> Positions:
    """:func:`_positions` a row at a time, each cell checked; InputError naming the line of the first bad one."""
    chroms: list[str | None] = []
    positions = np.zeros(len(rows), dtype=np.int64)
    for i, (number, fields) in enumerate(rows):
        chrom_text, pos_text = _value(fields[chrom_at]), _value(fields[pos_at])
        if chrom_text is None or pos_text is None:
            chroms.append(None)
            continue
        try:
            position = int(pos_text)
        except ValueError:
            raise InputError(
                f"{kind} position is not a whole number: {pos_text[:40]!r}", source=path, location=f"line {number}"
            ) from None
        if position < 1:
            raise InputError(f"{kind} position {position} is less than 1", source=path, location=f"line {number}")
        if position > _MAX_POSITION:
            raise InputError(f"{kind} position {pos_text[:40]} is too large", source=path, location=f"line {number}")
        chroms.append(canonical_chrom(chrom_text))
        positions[i] = position
    return Positions(chrom=tuple(chroms), pos=positions)


def _build_of(text: str | None) -> GenomeBuild | None:
    if text is None:
        return None
    lowered = text.strip().lower()
    if lowered in ("grch37", "hg19", "grch37/hg19", "b37"):
        return GenomeBuild.GRCH37
    if lowered in ("grch38", "hg38", "grch38/hg38", "b38"):
        return GenomeBuild.GRCH38
    return None


def _header(path: Path, meta: dict[str, str], accessions: set[str]) -> ScoringHeader:
    if len(accessions) > 1:
        shown = ", ".join(sorted(accessions)[:5])
        raise InputError(f"the file holds several scores ({shown}); give one scoring file per score", source=path)
    version = meta.get("format_version", "1.0") if meta else "normalised" if accessions else "unknown"
    genome_build = _build_of(meta.get("genome_build"))
    hm_build = _build_of(meta.get("HmPOS_build"))
    if not meta and accessions:
        named = _BUILD_IN_NAME.search(path.name)
        genome_build = _build_of(named.group(1)) if named else None
    count = meta.get("variants_number")
    pgs_id = meta.get("pgs_id") or (next(iter(accessions)) if accessions else None)
    return ScoringHeader(
        format_version=version,
        pgs_id=pgs_id.split("_")[0] if pgs_id else None,
        pgs_name=meta.get("pgs_name"),
        trait_reported=meta.get("trait_reported"),
        trait_mapped=meta.get("trait_mapped"),
        trait_efo=meta.get("trait_efo"),
        weight_type=meta.get("weight_type"),
        genome_build=genome_build,
        genome_build_stated=meta.get("genome_build"),
        hm_build=hm_build,
        hm_date=meta.get("HmPOS_date"),
        variants_number=int(count) if count and count.isdigit() else None,
        pgp_id=meta.get("pgp_id"),
        citation=meta.get("citation"),
    )


def _no_positions_message(header: ScoringHeader, index: dict[str, int]) -> str:
    if "chr_position" not in index and "hm_pos" not in index:
        return (
            "the file gives no chromosome positions (rsIDs only); use the PGS Catalog harmonized file "
            "(PGSxxxxxx_hmPOS_GRCh38.txt.gz or _GRCh37)"
        )
    stated = header.genome_build_stated or "not stated"
    return (
        f"the genome build of the positions is unknown (#genome_build={stated}, no #HmPOS_build); "
        "use the PGS Catalog harmonized file for your VCF's build"
    )


def is_standard_allele(allele: str) -> bool:
    """Whether an allele is a DNA sequence (ACGTN), as opposed to e.g. an HLA marker 'P'/'N' or '-'.

    >>> is_standard_allele("CAAA"), is_standard_allele("P")
    (True, False)
    """
    return bool(_ALLELE.match(allele)) and allele not in ("N",)
