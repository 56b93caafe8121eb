"""PGS Catalog scoring files (format 1.0, 2.0, harmonized ``hmPOS`` files and ``pgscatalog-format`` output).

A scoring file is a commented header (``#pgs_id=PGS000004`` in 2.0, ``# PGS ID = PGS000004`` in 1.0) and a TSV of
variants with an effect allele and a weight. Harmonized files add ``hm_chr``/``hm_pos`` in the ``#HmPOS_build`` build
next to the author's ``chr_name``/``chr_position`` in ``#genome_build``; :meth:`ScoringFile.positions` gives the
positions for the build a VCF is in. Weights apply additively unless ``is_dominant``/``is_recessive`` (or the
normalised ``effect_type`` column) say otherwise. Haplotype, diplotype and interaction rows (e.g. the HLA terms of
PGS000021) and dosage-specific weights cannot be scored as a dosage sum: such a file is rejected with the line of
the first such row, never scored partially.
"""

from __future__ import annotations

import gzip
import math
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

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


@dataclass(frozen=True)
class ScoringFile:
    """One score's variants as columns; row ``i`` of every column is the file's ``i``-th variant."""

    path: Path
    header: ScoringHeader
    lines: npt.NDArray[np.int64]
    rsid: tuple[str | None, ...]
    effect_allele: tuple[str, ...]
    other_allele: tuple[str | None, ...]
    weight: npt.NDArray[np.float64]
    effect_type: tuple[EffectType, ...]
    effect_allele_frequency: npt.NDArray[np.float64]  # NaN where the file gives none
    by_build: Mapping[GenomeBuild, Positions]

    @property
    def name(self) -> str:
        """The score's identifier: the PGS ID, else the file name without its suffixes."""
        return self.header.pgs_id or self.path.name.split(".")[0]

    def __len__(self) -> int:
        return len(self.effect_allele)

    @property
    def builds(self) -> tuple[GenomeBuild, ...]:
        return tuple(self.by_build)

    def positions(self, build: GenomeBuild) -> Positions:
        """Positions in ``build``; InputError when the file has none in that build."""
        found = self.by_build.get(build)
        if found is None:
            have = ", ".join(self.builds) or "none (no chromosome positions)"
            raise InputError(
                f"score {self.name} has no positions in {build} (it has: {have}); "
                f"use the PGS Catalog harmonized file for {build} (PGSxxxxxx_hmPOS_{build}.txt.gz)",
                source=self.path,
            )
        return found


def read_scoring_file(path: Path) -> ScoringFile:
    """Parse a scoring file; InputError naming the file and line for anything malformed or unsupported.

    The variants are parsed :data:`CHUNK` lines at a time into the columns, so parsing a score of millions of
    variants holds their columns, not every line split into fields. A file that raises any doubt is read again
    whole (:func:`_read_whole`), which gives the error (or the reading) it always gave.
    """
    path = Path(path)
    try:
        return _read_in_chunks(path)
    except InputError:
        return _read_whole(path)


#: Variant lines parsed together by :func:`_read_in_chunks`.
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


def _read_whole(path: Path) -> ScoringFile:
    """The file's lines all split, then checked and turned into columns (:func:`_build`)."""
    meta: dict[str, str] = {}
    columns: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, fields in _variant_lines(path, meta):
        if columns is None:
            columns = [name.strip() for name in fields]
            _check_columns(columns, path, number)
        else:
            rows.append((number, fields))
    if columns is None:
        raise InputError("no column header line: not a PGS Catalog scoring file", source=path)
    if not rows:
        raise InputError("the scoring file has no variants", source=path)
    return _build(path, meta, columns, rows)


@dataclass
class _Chunks:
    """The columns of the chunks parsed so far (:func:`_read_in_chunks`)."""

    lines: list[npt.NDArray[np.int64]] = field(default_factory=list)
    effect: list[str] = field(default_factory=list)
    other: list[str | None] = field(default_factory=list)
    weights: list[npt.NDArray[np.float64]] = field(default_factory=list)
    frequencies: list[npt.NDArray[np.float64]] = field(default_factory=list)
    types: list[EffectType] = field(default_factory=list)
    rsids: list[str | None] = field(default_factory=list)
    accessions: set[str] = field(default_factory=set)
    chrom: dict[str, list[str | None]] = field(default_factory=dict)  # by kind of position: "hm", "chr"
    pos: dict[str, list[npt.NDArray[np.int64]]] = field(default_factory=dict)
    alleles: dict[str, str] = field(default_factory=dict)  # one string per distinct allele

    def add(self, path: Path, index: dict[str, int], other_column: str | None, placed: dict[str, tuple[int, int]],
            rows: list[tuple[int, list[str]]]) -> None:  # fmt: skip
        """One chunk's columns, as :func:`_build` makes them; InputError for anything it would refuse."""
        _reject_complex(path, index, rows)
        self.lines.append(np.fromiter((number for number, _ in rows), dtype=np.int64, count=len(rows)))
        parsed = _columns(path, index, other_column, rows)
        if parsed is None:
            parsed = _rows(path, index, other_column, rows)
        effect, other, weights, frequencies, types, rsids, accessions = parsed
        self.effect += _shared(effect, self.alleles)
        self.other += _shared(other, self.alleles)
        self.weights.append(weights)
        self.frequencies.append(frequencies)
        self.types += types
        self.rsids += rsids
        self.accessions |= accessions
        for kind, (chrom_at, pos_at) in placed.items():
            found = _positions(path, rows, chrom_at, pos_at, kind)
            self.chrom.setdefault(kind, []).extend(found.chrom)
            self.pos.setdefault(kind, []).append(found.pos)

    def positions(self, kind: str) -> Positions:
        return Positions(chrom=tuple(self.chrom[kind]), pos=np.concatenate(self.pos[kind]))


def _read_in_chunks(path: Path) -> ScoringFile:
    """:func:`_read_whole`'s scoring file from chunks of :data:`CHUNK` lines; InputError where :func:`_build` might
    refuse the file or read it otherwise (the caller then reads it whole)."""
    meta: dict[str, str] = {}
    columns: list[str] | None = None
    index: dict[str, int] = {}
    other_column: str | None = None
    placed: dict[str, tuple[int, int]] = {}  # the position columns that may be used, by kind
    chunks = _Chunks()
    rows: list[tuple[int, list[str]]] = []
    for number, fields in _variant_lines(path, meta):
        if columns is not None:
            rows.append((number, fields))
            if len(rows) == CHUNK:
                chunks.add(path, index, other_column, placed, rows)
                rows = []
            continue
        columns = [name.strip() for name in fields]
        _check_columns(columns, path, number)
        index = {name: i for i, name in enumerate(columns)}
        other_column = next((name for name in ("other_allele", "reference_allele") if name in index), None)
        named = _BUILD_IN_NAME.search(path.name)
        stated = _build_of(meta.get("genome_build")) if meta else _build_of(named.group(1)) if named else None
        if _build_of(meta.get("HmPOS_build")) is not None and "hm_chr" in index and "hm_pos" in index:
            placed["hm"] = (index["hm_chr"], index["hm_pos"])
        if stated is not None and "chr_name" in index and "chr_position" in index:
            placed["chr"] = (index["chr_name"], index["chr_position"])
    if columns is None or (not rows and not chunks.lines):
        raise InputError("no column header line or no variants", source=path)  # read whole: its own error
    if rows:
        chunks.add(path, index, other_column, placed, rows)
    header = _header(path, meta, chunks.accessions)
    by_build: dict[GenomeBuild, Positions] = {}
    if header.hm_build is not None and "hm" in placed:
        by_build[header.hm_build] = chunks.positions("hm")
    has_chr = "chr_name" in index and "chr_position" in index
    if header.genome_build is not None and header.genome_build not in by_build and has_chr:
        if "chr" not in placed:
            raise InputError("positions in a build guessed otherwise", source=path)  # read whole
        by_build[header.genome_build] = chunks.positions("chr")
    if not by_build:
        raise InputError(_no_positions_message(header, index), source=path)
    return ScoringFile(
        path=path,
        header=header,
        lines=np.concatenate(chunks.lines),
        rsid=tuple(chunks.rsids),
        effect_allele=tuple(chunks.effect),
        other_allele=tuple(chunks.other),
        weight=np.concatenate(chunks.weights),
        effect_type=tuple(chunks.types),
        effect_allele_frequency=np.concatenate(chunks.frequencies),
        by_build=by_build,
    )


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


def _build(path: Path, meta: dict[str, str], columns: list[str], rows: list[tuple[int, list[str]]]) -> ScoringFile:
    index = {name: i for i, name in enumerate(columns)}
    other_column = next((name for name in ("other_allele", "reference_allele") if name in index), None)
    _reject_complex(path, index, rows)
    lines = np.fromiter((number for number, _ in rows), dtype=np.int64, count=len(rows))
    parsed = _columns(path, index, other_column, rows)
    if parsed is None:  # some cell needs a closer look (or an error naming its line): row by row
        parsed = _rows(path, index, other_column, rows)
    effect, other, weights, frequencies, types, rsids, accessions = parsed
    header = _header(path, meta, accessions)
    by_build: dict[GenomeBuild, Positions] = {}
    if header.hm_build is not None and "hm_chr" in index and "hm_pos" in index:
        by_build[header.hm_build] = _positions(path, rows, index["hm_chr"], index["hm_pos"], "hm")
    has_chr = "chr_name" in index and "chr_position" in index
    if header.genome_build is not None and header.genome_build not in by_build and has_chr:
        by_build[header.genome_build] = _positions(path, rows, index["chr_name"], index["chr_position"], "chr")
    if not by_build:
        raise InputError(_no_positions_message(header, index), source=path)
    return ScoringFile(
        path=path,
        header=header,
        lines=lines,
        rsid=tuple(rsids),
        effect_allele=tuple(_shared(effect, {})),
        other_allele=tuple(_shared(other, {})),
        weight=weights,
        effect_type=tuple(types),
        effect_allele_frequency=frequencies,
        by_build=by_build,
    )


_Allele = TypeVar("_Allele", str, str | None)


def _shared(alleles: list[_Allele], seen: dict[str, str]) -> list[_Allele]:
    """The alleles with one string object per distinct allele (``seen``: those met so far): a score of millions of
    variants has few distinct alleles, and a string each would take about 50 bytes a variant."""
    return [seen.setdefault(allele, allele) if allele is not None else None for allele in alleles]


_Columns = tuple[
    list[str],
    list[str | None],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    list[EffectType],
    list[str | None],
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
    rsids: list[str | None] = [None if text in _MISSING else text for text in column("rsID") or [""] * count]
    harmonized = column("hm_rsID")
    if harmonized is not None:
        rsids = [rsid or (None if text in _MISSING else text) for rsid, text in zip(rsids, harmonized, strict=True)]
    accessions = set(column("accession") or ()) - _MISSING
    return effect, other, weights, frequencies, types, rsids, accessions


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
    rsids: list[str | None] = []
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
        rsids.append(get(fields, "rsID") or get(fields, "hm_rsID"))
        accession = get(fields, "accession")
        if accession is not None:
            accessions.add(accession)
    return effect, other, weights, frequencies, types, rsids, accessions


def _reject_complex(path: Path, index: dict[str, int], rows: list[tuple[int, list[str]]]) -> None:
    present = [(name, index[name]) for name in _COMPLEX_COLUMNS if name in index]
    if not present:
        return
    flagged: list[tuple[int, str]] = []
    for number, fields in rows:
        for name, position in present:
            if _flag(fields[position], name, path, number):
                flagged.append((number, name))
                break
    if flagged:
        first_line, first_kind = flagged[0]
        raise InputError(
            f"{len(flagged)} of {len(rows)} rows are haplotype, diplotype or interaction terms (first: {first_kind}); "
            "complex variants are not supported: they cannot be scored as a per-allele dosage sum",
            source=path,
            location=f"line {first_line}",
        )


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
