"""Oxford BGEN genotype probabilities (``.bgen`` with its ``.sample``), the format of imputed biobank releases,
read as the VCF text the engines read.

A block's variants in the requested regions are decoded with the ``bgen`` reader (an optional extra: ``pip install
tailormed[cohort]``) and written as GT calls, so pgx and hereditary read a BGEN through the same reader, and the
same genotype rules, as a VCF. The variants are found through a bgenix ``.bgi`` index when there is one (or one a
cohort run builds once, :func:`indexed`), else from every variant's header. The first allele of each variant is
taken as the reference (``plink2 --export bgen-1.2 ref-first`` writes it so, and ``plink2 --bgen FILE ref-first``
reads it so). A BGEN names no genome build: the caller gives it.

Calls: the most probable genotype is called when its probability is at least :data:`CALL_THRESHOLD`, else the
genotype is missing (a missing call is reported as untested by the engines, never guessed); a phased variant's
haplotypes are called one by one, so its phase is kept (``a|b``).

Polygenic scores read the probabilities themselves (:func:`read_bgen_sites`), as ``plink2 --bgen`` scores them: a
variant whose genotypes are all hard calls gives its calls (scored exactly as the same calls in a VCF), any other its
expected allele copies (dosages: the probability of each genotype times its copies of the allele; a haplotype's
allele probabilities summed in a phased variant; a haploid sample's doubled, as a haploid call counts twice).
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from itertools import accumulate, combinations_with_replacement
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tailormed.errors import InputError
from tailormed.evidence.bed import inside_regions
from tailormed.evidence.written import WrittenVcf
from tailormed.model.chrom import canonical_chrom
from tailormed.model.dosage import SiteGroup, SiteRecord

#: Probability the most probable genotype (or allele of a phased haplotype) needs to be called; below it the call
#: is missing. 0.9 keeps a call at most one in ten times wrong by the file's own probabilities, so a PGx or
#: hereditary result never rests on a genotype the imputation could not tell apart from another.
CALL_THRESHOLD = 0.9
#: Distance from 0 or 1 within which a probability counts as a hard call for scoring (8-bit BGEN stores 0 and 1
#: exactly; an imputed probability is at least 1/255 away).
HARD = 1e-6


@dataclass(frozen=True)
class BgenInput:
    """A ``.bgen`` file, the ``.sample`` file naming its samples (None: the IDs stored in the ``.bgen``), and the
    samples in file order."""

    path: Path
    sample_file: Path | None
    samples: tuple[str, ...]
    #: The file as read: ``path`` itself, or a link to it beside a bgenix index built for the run (:func:`indexed`).
    opened: Path | None = None

    @property
    def label(self) -> str:
        return str(self.path)

    @property
    def index(self) -> Path | None:
        """The bgenix index (SQLite ``.bgi``) the file is read through, if any."""
        found = index_of(self.opened or self.path)
        return found if found.is_file() else None

    @classmethod
    def open(cls, path: Path, sample_file: Path | None = None, *, check: bool = True) -> BgenInput:
        """The file checked whole before any work: readable header, every variant's position (from its ``.bgi``
        index when one is beside it), the last variant's genotypes (a truncated file fails there), and as many
        samples in the ``.sample`` as the ``.bgen`` holds. ``check=False`` (a file checked before, in the same
        run) reads the header and samples only."""
        if not path.is_file():
            raise InputError("BGEN file not found", source=path)
        if sample_file is None and path.with_suffix(".sample").is_file():
            sample_file = path.with_suffix(".sample")
        if sample_file is not None and not sample_file.is_file():
            raise InputError(".sample file not found", source=sample_file)
        with _reader(path) as reader:
            try:
                count = reader.header.nsamples
                stored = reader.header.has_sample_ids
                ids = list(reader.samples) if stored else []
                variants = reader.header.nvariants
                if check:
                    variants = _count(index_of(path)) if index_of(path).is_file() else len(reader.positions())
                if variants != reader.header.nvariants:
                    raise InputError(f"{variants} variants, the header says {reader.header.nvariants}", source=path)
                if variants and check:
                    reader[variants - 1].probabilities  # noqa: B018 - decoding the last variant finds a truncation
            except (ValueError, RuntimeError, IndexError, OSError) as exc:
                raise InputError(f"not a readable BGEN file ({exc})", source=path) from None
        if sample_file is not None:
            ids = read_sample_file(sample_file)
            if len(ids) != count:
                raise InputError(f"{len(ids)} samples, the BGEN holds {count}", source=sample_file)
        elif not stored:
            raise InputError(
                "the BGEN stores no sample IDs and no .sample file is beside it: give --sample", source=path
            )
        if len(set(ids)) != len(ids):
            raise InputError("a sample ID is listed twice", source=sample_file or path)
        return cls(path=path, sample_file=sample_file, samples=tuple(ids))


def index_of(path: Path) -> Path:
    """Where bgenix (and the ``bgen`` package) keep a file's index: ``FILE.bgen.bgi``."""
    return Path(f"{path}.bgi")


def _count(index: Path) -> int:
    with closing(_connect(index)) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM Variant").fetchone()[0])


def _connect(index: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"{index.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputError(f"cannot read the BGEN index ({exc})", source=index) from None


def indexed(source: BgenInput, folder: Path) -> BgenInput:
    """``source`` read through a bgenix index: its own ``.bgi`` when one is beside it, else one built once in
    ``folder`` (beside a link to the file, where the ``bgen`` reader looks for it) from one walk over the variant
    headers, so the blocks of a run seek to their variants instead of each walking every header again. An index
    already built there for the same file (same size and modification time) is reused."""
    if source.index is not None:
        return source
    stat = source.path.stat()
    home = folder / f"{source.path.name}.{stat.st_size}.{stat.st_mtime_ns}"
    link = home / source.path.name
    if not index_of(link).is_file():
        from bgen.writer import Indexer

        home.mkdir(parents=True, exist_ok=True)
        draft = home / f".{source.path.name}.part"
        for stale in (draft, index_of(draft), link):
            stale.unlink(missing_ok=True)
        draft.symlink_to(source.path.resolve())
        indexer = Indexer(draft)
        try:
            with _reader(source.path) as reader:
                for variant in reader:
                    size = variant.next_variant_offset - variant.fileoffset
                    indexer.add_variant(variant.chrom, variant.pos, variant.rsid, variant.alleles, variant.fileoffset,
                                        size)  # fmt: skip
        except (ValueError, RuntimeError, IndexError, OSError) as exc:
            raise InputError(f"not a readable BGEN file ({exc})", source=source.path) from None
        finally:
            indexer.close()
        draft.replace(link)
        index_of(draft).replace(index_of(link))
    return replace(source, opened=link)


def _reader(path: Path) -> Any:
    from bgen import BgenReader

    try:
        return BgenReader(str(path), delay_parsing=True)
    except (ValueError, RuntimeError, OSError) as exc:
        raise InputError(f"not a readable BGEN file ({exc})", source=path) from None


def read_sample_file(path: Path) -> list[str]:
    """The ``ID_2`` column of an Oxford ``.sample`` file (two header lines: names, then types), in file order."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if len(lines) < 2 or not lines[0].split()[:2] == ["ID_1", "ID_2"]:
        raise InputError(
            "not an Oxford .sample file: the first line must name ID_1 ID_2", source=path, location="line 1"
        )
    names = lines[0].split()
    if len(lines[1].split()) != len(names) or lines[1].split()[:2] != ["0", "0"]:
        raise InputError(
            "the second line must give a type for each column, starting 0 0", source=path, location="line 2"
        )
    ids: list[str] = []
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != len(names):
            problem = f"{len(fields)} fields, the header names {len(names)}"
            raise InputError(problem, source=path, location=f"line {number}")
        ids.append(fields[1])
    return ids



def _columns(source: BgenInput, samples: Sequence[str] | None) -> npt.NDArray[np.intp]:
    """The file's sample columns of ``samples`` in their order (default: every sample); unknown names refused."""
    chosen = list(samples) if samples is not None else list(source.samples)
    where = {sample: i for i, sample in enumerate(source.samples)}
    unknown = [sample for sample in chosen if sample not in where]
    if unknown:
        raise InputError(
            f"sample(s) not in the BGEN: {', '.join(unknown[:5])}", source=source.sample_file or source.path
        )
    return np.asarray([where[sample] for sample in chosen], dtype=np.intp)

def write_bgen_vcf(
    source: BgenInput,
    regions: Sequence[tuple[str, int, int]],
    samples: Sequence[str],
    out: Path,
) -> WrittenVcf:
    """Write the BGEN's variants inside ``regions`` (canonical chromosome, start, end) for ``samples`` as VCF GT
    calls (see the module notes for the calls); which variant each record is."""
    columns = _columns(source, samples)
    written = WrittenVcf()
    with _reader(source.opened or source.path) as reader, out.open("w", encoding="utf-8") as stream:
        try:
            variants = list(_variants(source, reader, regions))
            used = sorted({variant.chrom for variant, _ in variants})
            head = ["##fileformat=VCFv4.2", *(f"##contig=<ID={name}>" for name in used)]
            head.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
            head.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]))
            stream.write("\n".join(head) + "\n")
            written.header_lines = len(head)
            for variant, location in variants:
                alleles = [allele.upper() for allele in variant.alleles]
                probabilities = np.asarray(variant.probabilities, dtype=np.float64)[columns]
                ploidy = np.asarray(variant.ploidy)[columns]
                calls = _calls(probabilities, ploidy, len(alleles), bool(variant.is_phased), source.path, location)
                identifier = variant.rsid or variant.varid or "."
                site = [variant.chrom, str(variant.pos), identifier, alleles[0], ",".join(alleles[1:]) or "."]
                stream.write("\t".join([*site, ".", ".", ".", "GT", *calls]) + "\n")
                written.variants.append(f"{location} {identifier}")
        except (ValueError, RuntimeError, IndexError, OSError) as exc:
            raise InputError(f"not a readable BGEN file ({exc})", source=source.path) from None
    return written


def _variants(source: BgenInput, reader: Any, regions: Sequence[tuple[str, int, int]]) -> Iterator[tuple[Any, str]]:
    """The file's variants inside ``regions`` (canonical chromosome, start, end; both ends included), in file order,
    each with the words that name it in an error: through the index when there is one (one query per region), else
    from every variant's header."""
    index = source.index
    if index is not None:
        yield from _indexed_variants(reader, index, regions)
        return
    chroms, positions = reader.chroms(), np.asarray(reader.positions(), dtype=np.int64)
    distinct, codes = np.unique(np.asarray(chroms, dtype=object).astype(str), return_inverse=True)
    names = [canonical_chrom(name) for name in distinct.tolist()]
    keep = inside_regions(codes.astype(np.intp), names, positions, regions)
    for index_in_file in np.flatnonzero(keep).tolist():
        variant = reader[index_in_file]
        yield variant, f"variant {index_in_file + 1} ({variant.chrom}:{variant.pos})"


def _indexed_variants(reader: Any, index: Path, regions: Sequence[tuple[str, int, int]]) -> Iterator[tuple[Any, str]]:
    """:func:`_variants` through a bgenix index: chromosomes in file order, each region's variants by file offset."""
    with closing(_connect(index)) as connection:
        try:
            spelled: dict[str, list[tuple[int, str]]] = {}
            name = connection.execute("SELECT MIN(chromosome) FROM Variant").fetchone()[0]
            while name is not None:  # each distinct chromosome in one index lookup, never a scan of every variant
                first = connection.execute(
                    "SELECT MIN(file_start_position) FROM Variant WHERE chromosome = ?", (name,)
                ).fetchone()[0]
                canonical = canonical_chrom(str(name))
                if canonical is not None:
                    spelled.setdefault(canonical, []).append((int(first), str(name)))
                name = connection.execute(
                    "SELECT MIN(chromosome) FROM Variant WHERE chromosome > ?", (name,)
                ).fetchone()[0]
        except sqlite3.Error as exc:
            raise InputError(f"not a bgenix index ({exc})", source=index) from None
    wanted: dict[str, list[tuple[int, int]]] = {}
    for chrom, start, end in regions:
        wanted.setdefault(chrom, []).append((start, end))
    order = sorted((first, name, chrom) for chrom in wanted for first, name in spelled.get(chrom, []))
    for _, name, chrom in order:
        spans = sorted(wanted[chrom])
        starts = [start for start, _ in spans]
        reach = list(accumulate((end for _, end in spans), max))
        seen: set[int] = set()
        for start, end in _merged(spans):
            found = sorted(reader.fetch(name, start, end), key=lambda variant: int(variant.fileoffset))
            for variant in found:
                at = bisect_right(starts, int(variant.pos)) - 1  # inside a requested region, not just the query's
                if at >= 0 and int(variant.pos) <= reach[at] and int(variant.fileoffset) not in seen:
                    seen.add(int(variant.fileoffset))
                    yield variant, f"variant at byte {variant.fileoffset} ({variant.chrom}:{variant.pos})"


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans joined where they overlap or lie within 1,000 bases (one index query each)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1000:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def read_bgen_sites(
    source: BgenInput, positions: Iterable[tuple[str, int]], samples: Sequence[str] | None = None
) -> Iterator[SiteGroup]:
    """Every variant at the requested (canonical chromosome, position) sites with the samples' calls or dosages
    (see the module notes), grouped by position in file order; samples in the order of ``samples`` (default: the
    file's)."""
    columns = _columns(source, samples)
    regions = sorted({(chrom, pos, pos) for chrom, pos in positions})
    current: list[SiteRecord] = []
    with _reader(source.opened or source.path) as reader:
        try:
            for variant, name in _variants(source, reader, regions):
                chrom = canonical_chrom(variant.chrom)
                assert chrom is not None  # inside a requested region
                record = _site_record(variant, chrom, columns, source.path, name)
                if current and (current[0].chrom, current[0].pos) != (record.chrom, record.pos):
                    yield SiteGroup(chrom=current[0].chrom, pos=current[0].pos, records=tuple(current))
                    current = []
                current.append(record)
        except (ValueError, RuntimeError, IndexError, OSError) as exc:
            raise InputError(f"not a readable BGEN file ({exc})", source=source.path) from None
    if current:
        yield SiteGroup(chrom=current[0].chrom, pos=current[0].pos, records=tuple(current))


def _site_record(variant: Any, chrom: str, columns: npt.NDArray[np.intp], path: Path, name: str) -> SiteRecord:
    """One variant for scoring: its calls when every genotype is a hard call, else its expected allele copies."""
    alleles = [allele.upper() for allele in variant.alleles]
    location = f"{path} {name}"
    probabilities = np.asarray(variant.probabilities, dtype=np.float64)[columns]
    ploidy = np.asarray(variant.ploidy)[columns]
    dosages = _dosages(probabilities, ploidy, len(alleles), bool(variant.is_phased), path, location)
    finite = probabilities[np.isfinite(probabilities)]
    hard = not ((finite > HARD) & (finite < 1 - HARD)).any() and len(alleles) == 2 and bool((ploidy <= 2).all())
    pairs = np.full((len(columns), 2), -1, dtype=np.int16)
    if hard:  # whole copies of ALT: 0, 1, 2 as allele pairs (a haploid call counts twice, as in a VCF)
        alt = np.rint(np.nan_to_num(dosages[:, 1], nan=-1.0)).astype(np.int16)
        pairs[alt >= 0] = np.array([[0, 0], [0, 1], [1, 1]], dtype=np.int16)[alt[alt >= 0]]
    return SiteRecord(
        chrom=chrom,
        pos=int(variant.pos),
        id=variant.rsid or variant.varid or ".",
        ref=alleles[0],
        alts=tuple(alleles[1:]),
        alleles=pairs,
        location=location,
        dosages=None if hard else dosages,
    )


def _dosages(
    probabilities: npt.NDArray[np.float64],
    ploidy: npt.NDArray[Any],
    alleles: int,
    phased: bool,
    path: Path,
    location: str,
) -> npt.NDArray[np.float64]:
    """Expected copies of each allele (samples x alleles), NaN where missing; a haploid sample's doubled."""
    if not phased and alleles == 2 and probabilities.shape[1] == 3 and bool((ploidy == 2).all()):
        hom_ref, het, hom_alt = probabilities[:, 0], probabilities[:, 1], probabilities[:, 2]
        return np.stack([2.0 * hom_ref + het, het + 2.0 * hom_alt], axis=1)  # the usual case, without the loop
    dosages = np.full((len(ploidy), alleles), np.nan)
    for copies in np.unique(ploidy).tolist():
        if copies == 0:
            continue
        rows = np.flatnonzero(ploidy == copies)
        if phased:
            table = probabilities[rows, : copies * alleles].reshape(len(rows), copies, alleles)
            expected = table.sum(axis=1)
        else:
            genotypes = list(combinations_with_replacement(range(alleles), copies))
            genotypes.sort(key=lambda genotype: tuple(reversed(genotype)))  # BGEN's colex order
            if probabilities.shape[1] < len(genotypes):
                problem = f"{probabilities.shape[1]} probabilities for {len(genotypes)} genotypes of ploidy {copies}"
                raise InputError(problem, source=path, location=location)
            counts = np.array([[genotype.count(a) for a in range(alleles)] for genotype in genotypes], dtype=np.float64)
            expected = probabilities[rows, : len(genotypes)] @ counts
        dosages[rows] = expected * 2.0 if copies == 1 else expected
    return dosages


def _calls(
    probabilities: npt.NDArray[np.float64],
    ploidy: npt.NDArray[Any],
    alleles: int,
    phased: bool,
    path: Path,
    location: str,
) -> list[str]:
    """Each sample's GT: the most probable genotype (or, phased, each haplotype's most probable allele) when its
    probability reaches :data:`CALL_THRESHOLD`, else missing."""
    calls = ["./."] * len(ploidy)
    for copies in np.unique(ploidy).tolist():
        rows = np.flatnonzero(ploidy == copies)
        if copies == 0:
            continue
        if phased:
            table = probabilities[rows, : copies * alleles].reshape(len(rows), copies, alleles)
            best = np.argmax(np.nan_to_num(table, nan=-1.0), axis=2)
            sure: npt.NDArray[np.bool_] = np.take_along_axis(table, best[:, :, None], axis=2)[:, :, 0] >= CALL_THRESHOLD
            whole = [bool(ok) for ok in np.all(sure, axis=1)]
            for row, picks, ok in zip(rows.tolist(), best.tolist(), whole, strict=True):
                calls[row] = "|".join(map(str, picks)) if ok else "|".join("." * copies)
            continue
        genotypes = list(combinations_with_replacement(range(alleles), copies))
        genotypes.sort(key=lambda genotype: tuple(reversed(genotype)))  # BGEN's colex order
        if probabilities.shape[1] < len(genotypes):
            problem = f"{probabilities.shape[1]} probabilities for {len(genotypes)} genotypes of ploidy {copies}"
            raise InputError(problem, source=path, location=location)
        table = probabilities[rows, : len(genotypes)]
        best = np.argmax(np.nan_to_num(table, nan=-1.0), axis=1)
        sure = table[np.arange(len(rows)), best] >= CALL_THRESHOLD
        text = ["/".join(map(str, genotype)) for genotype in genotypes]
        missing = "/".join("." * copies)
        for row, pick, ok in zip(rows.tolist(), best.tolist(), sure.tolist(), strict=True):
            calls[row] = text[pick] if ok else missing
    return calls
