"""PLINK 2 binary genotypes (``.pgen``/``.pvar``/``.psam``), the format biobanks ship, read as columnar site groups.

The ``.pvar`` is read column-wise with numpy (chromosome codes and positions of every variant without a Python
step per line) to find the requested sites; the PLINK 2 reader (pgenlib, an optional extra: ``pip install
tailormed[cohort]``) then decodes every selected sample's two allele codes of a block of those variants straight
into one integer matrix (a range read when the block is contiguous); no per-genotype Python object is made. The
result is the same :class:`~tailormed.model.dosage.SiteBlock` stream the VCF text reader gives the PRS matcher, so
a pgen fileset scores exactly as the VCF it was converted from. A ``.pgen`` names no genome build: the caller gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from tailormed.errors import InputError
from tailormed.evidence.bed import inside_regions
from tailormed.evidence.written import WrittenVcf
from tailormed.model.chrom import canonical_chrom
from tailormed.model.dosage import SiteBlock

#: Variants decoded per pgenlib call (bounds memory to this many x 2 x samples int32 values).
VARIANT_BLOCK = 4096
_NEWLINE, _CR, _TAB, _ZERO = 10, 13, 9, 48
_MAX_CHROM = 64
_MAX_DIGITS = 10


@dataclass(frozen=True)
class PgenFileset:
    """The three files of a PLINK 2 fileset and the samples its ``.psam`` lists, in file order."""

    prefix: Path
    samples: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.prefix}.pgen"

    @classmethod
    def open(cls, prefix: Path) -> PgenFileset:
        for suffix in (".pgen", ".pvar", ".psam"):
            if not Path(f"{prefix}{suffix}").is_file():
                raise InputError(f"PLINK 2 fileset incomplete: {prefix}{suffix} not found", source=prefix)
        return cls(prefix=prefix, samples=tuple(_psam_ids(Path(f"{prefix}.psam"))))


def _psam_ids(path: Path) -> list[str]:
    """IIDs of a ``.psam`` (or a headerless ``.fam``-like file), in file order."""
    lines = path.read_text().splitlines()
    if not lines:
        raise InputError("empty .psam", source=path)
    header = lines[0].lstrip("#").split() if lines[0].startswith("#") else ["FID", "IID"]
    if "IID" not in header:
        raise InputError("the .psam header has no IID column", source=path, location="line 1")
    column = header.index("IID")
    ids: list[str] = []
    for number, line in enumerate(lines[1:] if lines[0].startswith("#") else lines, start=2):
        fields = line.split()
        if not fields:
            continue
        if len(fields) <= column:
            problem = f"{len(fields)} fields, the IID is column {column + 1}"
            raise InputError(problem, source=path, location=f"line {number}")
        ids.append(fields[column])
    return ids


def pvar_sites(path: Path) -> tuple[npt.NDArray[np.intp], list[str | None], npt.NDArray[np.int64]]:
    """Each variant's chromosome (a code into the canonical names returned with it) and position, read column-wise
    from the ``.pvar`` text with numpy (no Python per line).

    Columns follow the ``#CHROM`` header line; a file without one is in ``.bim`` order (CHROM, ID, CM, POS, ...).
    """
    data = path.read_bytes()
    offset, header_lines = 0, 0
    while data.startswith(b"##", offset):
        offset = data.index(b"\n", offset) + 1
        header_lines += 1
    position_column = 3
    if data.startswith(b"#", offset):
        end = data.index(b"\n", offset)
        columns = data[offset + 1 : end].rstrip(b"\r").split(b"\t")
        if columns[0] != b"CHROM" or b"POS" not in columns:
            raise InputError("the .pvar header does not start with #CHROM or has no POS column", source=path)
        position_column = columns.index(b"POS")
        offset = end + 1
        header_lines += 1
    if not data.endswith(b"\n"):
        data += b"\n"
    body = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(body == _NEWLINE)
    ends = ends[ends >= offset]
    starts = np.empty_like(ends)
    starts[0:1] = offset
    starts[1:] = ends[:-1] + 1
    tabs = np.flatnonzero(body == _TAB)
    first = np.searchsorted(tabs, starts)
    fields = np.searchsorted(tabs, ends) - first + 1
    short = np.flatnonzero(fields <= position_column)
    if len(short):
        line = header_lines + int(short[0]) + 1
        problem = f"{int(fields[short[0]])} columns, the position is column {position_column + 1}"
        raise InputError(problem, source=path, location=f"line {line}")
    chrom_end = tabs[first]
    pos_start = tabs[first + position_column - 1] + 1
    following = np.minimum(first + position_column, len(tabs) - 1)
    pos_end = np.where(fields > position_column + 1, tabs[following], ends)
    pos_end = np.where(body[np.maximum(pos_end - 1, 0)] == _CR, pos_end - 1, pos_end)
    return (
        *_chromosomes(body, starts, chrom_end, path, header_lines),
        _numbers(body, pos_start, pos_end, path, header_lines),
    )


def _chromosomes(
    body: npt.NDArray[np.uint8], starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp], path: Path, skipped: int
) -> tuple[npt.NDArray[np.intp], list[str | None]]:
    """The CHROM fields as codes into their distinct values (canonical names; None for contigs outside the genome)."""
    lengths = ends - starts
    if len(lengths) and (lengths.min() < 1 or lengths.max() > _MAX_CHROM):
        bad = int(np.flatnonzero((lengths < 1) | (lengths > _MAX_CHROM))[0])
        raise InputError("empty or overlong CHROM", source=path, location=f"line {skipped + bad + 1}")
    width = int(lengths.max()) if len(lengths) else 1
    offsets = np.arange(width)
    index = np.minimum(starts[:, None] + offsets, len(body) - 1)
    names = np.where(offsets < lengths[:, None], body[index], 0).astype(np.uint8)
    distinct, codes = np.unique(names.view(f"S{width}").ravel(), return_inverse=True)
    return codes.astype(np.intp), [canonical_chrom(name.decode()) for name in distinct.tolist()]


def _numbers(
    body: npt.NDArray[np.uint8], starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp], path: Path, skipped: int
) -> npt.NDArray[np.int64]:
    """The POS fields as integers (1 to 10 digits each)."""
    lengths = ends - starts
    offsets = np.arange(_MAX_DIGITS)
    used = offsets >= _MAX_DIGITS - lengths[:, None]
    index = np.clip(ends[:, None] - _MAX_DIGITS + offsets, 0, len(body) - 1)
    digits = np.where(used, body[index].astype(np.int64) - _ZERO, 0)
    broken = (lengths < 1) | (lengths > _MAX_DIGITS) | ((digits < 0) | (digits > 9)).any(axis=1)
    if broken.any():
        bad = int(np.flatnonzero(broken)[0])
        shown = body[starts[bad] : ends[bad]].tobytes().decode(errors="replace")[:20]
        raise InputError(f"POS '{shown}' is not a number", source=path, location=f"line {skipped + bad + 1}")
    numbers: npt.NDArray[np.int64] = digits @ (10 ** np.arange(_MAX_DIGITS - 1, -1, -1, dtype=np.int64))
    return numbers


def read_pgen_blocks(
    fileset: PgenFileset, positions: Iterable[tuple[str, int]], samples: Sequence[str] | None = None
) -> Iterator[SiteBlock]:
    """Every variant at the requested (canonical chromosome, position) sites with the selected samples' alleles,
    in file order, a block of variants at a time as they are decoded.

    Allele indices are -1 where a call is missing (both columns, as the VCF reader gives them); samples come in the
    order of ``samples`` (default: the ``.psam`` order).
    """
    chosen = _sample_indices(fileset, samples)
    pvar_path = Path(f"{fileset.prefix}.pvar")
    codes, names, pos = pvar_sites(pvar_path)
    wanted: dict[str, set[int]] = {}
    for chrom, at in positions:
        wanted.setdefault(chrom, set()).add(at)
    keep_mask = np.zeros(len(pos), dtype=np.bool_)
    for code, name in enumerate(names):
        if name is not None and name in wanted:
            rows = np.flatnonzero(codes == code)
            sites = np.sort(np.fromiter(wanted[name], dtype=np.int64, count=len(wanted[name])))
            found = np.minimum(np.searchsorted(sites, pos[rows]), len(sites) - 1)  # (np.isin loads numpy.ma)
            keep_mask[rows[sites[found] == pos[rows]]] = True
    keep = np.flatnonzero(keep_mask).astype(np.uint32)
    pvar, reader, back = _open(fileset, len(pos), chosen)
    count = len(chosen)
    reorder = bool((back != np.arange(count)).any())
    location = f"{pvar_path} variant "
    try:
        for start in range(0, len(keep), VARIANT_BLOCK):
            block = keep[start : start + VARIANT_BLOCK]
            variants = block.tolist()
            contiguous = bool(count) and variants[-1] - variants[0] + 1 == len(variants)
            allele_counts = [pvar.get_allele_ct(variant) for variant in variants]
            alleles: npt.NDArray[np.int16] | None = None
            alt_counts: npt.NDArray[np.int8] | None = None
            if max(allele_counts) <= 2:
                alt_counts = _alt_counts(reader, block, count, contiguous)
                if reorder:
                    alt_counts = np.take(alt_counts, back, axis=1)
            else:
                alleles = _alleles(reader, block, count, contiguous)
                if reorder:
                    alleles = np.take(alleles, back, axis=1)
            chroms = [names[code] for code in codes[block].tolist()]
            code_of = pvar.get_allele_code
            refs: list[str] = []
            alts: list[tuple[str, ...]] = []
            for variant, number in zip(variants, allele_counts, strict=True):
                refs.append(code_of(variant, 0).decode().upper())
                alts.append(tuple(code_of(variant, a).decode().upper() for a in range(1, number)))
            yield SiteBlock(
                chrom=cast(list[str], chroms),
                pos=pos[block].tolist(),
                ids=[pvar.get_variant_id(variant).decode() or "." for variant in variants],
                refs=refs,
                alts=alts,
                locations=[f"{location}{variant + 1}" for variant in variants],
                alleles=alleles,
                alt_counts=alt_counts,
            )
    finally:
        reader.close()


def _alt_counts(reader: Any, block: npt.NDArray[np.uint32], count: int, contiguous: bool) -> npt.NDArray[np.int8]:
    """ALT copies (variants x samples: 0, 1, 2, 3 when missing) of biallelic variants from pgenlib's one-byte ALT
    counts, several times cheaper to read than its allele pairs and all a sum needs."""
    genotypes = np.empty((len(block), count), dtype=np.int8)
    if contiguous:
        reader.read_range(int(block[0]), int(block[-1]) + 1, genotypes)
    elif count:
        reader.read_list(block, genotypes)
    genotypes &= 3  # -9 (missing) & 3 is 3
    return genotypes


def _alleles(reader: Any, block: npt.NDArray[np.uint32], count: int, contiguous: bool) -> npt.NDArray[np.int16]:
    """Allele pairs (variants x samples x 2) of any variants, -1 for both alleles of a missing call."""
    raw = np.empty((len(block), 2 * count), dtype=np.int32)
    if contiguous:
        reader.read_alleles_range(int(block[0]), int(block[-1]) + 1, raw)
    elif count:
        reader.read_alleles_list(block, raw)
    alleles = raw.reshape(len(block), count, 2).astype(np.int16)
    alleles[(alleles[:, :, 0] < 0) | (alleles[:, :, 1] < 0)] = -1
    return alleles


def _open(fileset: PgenFileset, variants: int, chosen: Sequence[int]) -> tuple[Any, Any, npt.NDArray[np.intp]]:
    """pgenlib's ``.pvar`` and ``.pgen`` readers over the chosen samples (``.psam`` indices, in the caller's order),
    and for each chosen sample its column in what the reader returns: pgenlib reads a subset in file order.
    ``variants``: the ``.pvar`` lines numpy counted, which pgenlib must agree with."""
    import pgenlib

    pvar_path = Path(f"{fileset.prefix}.pvar")
    try:
        pvar = pgenlib.PvarReader(str(pvar_path).encode())
    except RuntimeError as exc:
        raise InputError(f"cannot read the .pvar: {exc}", source=pvar_path) from exc
    if pvar.get_variant_ct() != variants:
        raise InputError(f"{variants} variant lines, pgenlib reads {pvar.get_variant_ct()}", source=pvar_path)
    order = np.argsort(chosen, kind="stable")
    subset = np.ascontiguousarray(np.asarray(chosen, dtype=np.uint32)[order])
    try:
        reader = pgenlib.PgenReader(
            str(fileset.prefix).encode() + b".pgen",
            raw_sample_ct=len(fileset.samples),
            pvar=pvar,
            sample_subset=subset if len(subset) < len(fileset.samples) else None,
        )
    except RuntimeError as exc:
        raise InputError(f"cannot read the .pgen: {exc}", source=Path(f"{fileset.prefix}.pgen")) from exc
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return pvar, reader, back


def _sample_indices(fileset: PgenFileset, samples: Sequence[str] | None) -> list[int]:
    if samples is None:
        return list(range(len(fileset.samples)))
    where = {sample: i for i, sample in enumerate(fileset.samples)}
    missing = [sample for sample in samples if sample not in where]
    if missing:
        raise InputError(f"sample(s) not in the .psam: {', '.join(missing[:5])}", source=Path(f"{fileset.prefix}.psam"))
    return [where[sample] for sample in samples]


#: The columns of a ``.pvar`` without a ``#CHROM`` line (``.bim`` order).
_BIM_COLUMNS = ("CHROM", "ID", "CM", "POS", "ALT", "REF")
#: The VCF columns a ``.pvar`` line may carry before the genotypes, in VCF order.
_VCF_COLUMNS = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")


def write_pgen_vcf(
    fileset: PgenFileset, regions: Sequence[tuple[str, int, int]], samples: Sequence[str], out: Path
) -> WrittenVcf:
    """Write the fileset's variants inside ``regions`` (canonical chromosome, start, end) for ``samples`` as VCF text,
    so the engines read a fileset through the same reader (and the same genotype rules) as a VCF; which ``.pvar``
    line each record comes from.

    The ``.pvar`` gives each line's fields (its ``##`` header lines are kept, so a build it states is kept too;
    contigs are named as its variants name them) and pgenlib the genotypes: a heterozygous call is phased (``0|1``)
    when the fileset stores its phase, else unphased (``0/1``), as the VCF path reads either; homozygous calls are
    written phased in a fileset that holds phase (phase says nothing there; phased VCFs write them so) and unphased
    otherwise; a missing call is ``./.``. Only GT is kept: a ``.pgen`` holds no other FORMAT field.
    """
    pvar_path = Path(f"{fileset.prefix}.pvar")
    codes, names, pos = pvar_sites(pvar_path)
    keep = np.flatnonzero(inside_regions(codes, names, pos, regions)).astype(np.uint32)
    header, columns, lines, first_line = _pvar_text(pvar_path)
    missing = [name for name in ("CHROM", "POS", "ID", "REF", "ALT") if name not in columns]
    if missing:
        raise InputError(f"the .pvar has no {', '.join(missing)} column", source=pvar_path)
    chosen = _sample_indices(fileset, samples)
    _, reader, back = _open(fileset, len(pos), chosen)
    count = len(chosen)
    used = {str(lines[int(row)].split(b"\t", 1)[0], "utf-8") for row in keep.tolist()}
    written = WrittenVcf()
    with out.open("w", encoding="utf-8") as stream:
        kept = [_renamed_contig(line, used) for line in header if not _skipped(line)]
        declared = {_contig_id(line) for line in header if line.startswith("##contig=")}
        added = [f"##contig=<ID={name}>" for name in sorted(used - declared)]
        head = ["##fileformat=VCFv4.2", *kept, *added, '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']
        head.append("\t".join(["#CHROM", *_VCF_COLUMNS[1:], "FORMAT", *samples]))
        stream.write("\n".join(head) + "\n")
        written.header_lines = len(head)
        try:
            phase = bool(reader.hardcall_phase_present())
            for start in range(0, len(keep), VARIANT_BLOCK):
                block = np.ascontiguousarray(keep[start : start + VARIANT_BLOCK])
                raw = np.empty((len(block), 2 * count), dtype=np.int32)
                phased = np.zeros((len(block), count), dtype=np.uint8)
                if count:
                    reader.read_alleles_and_phasepresent_list(block, raw, phased)
                pairs = np.take(raw.reshape(len(block), count, 2), back, axis=1)
                phased = np.take(phased, back, axis=1)
                for offset, variant in enumerate(block.tolist()):
                    fields = lines[variant].rstrip(b"\r").split(b"\t")
                    by_name = dict(zip(columns, fields, strict=False))
                    site = [str(by_name.get(name, b"."), "utf-8") for name in _VCF_COLUMNS]
                    written.variants.append(f"{pvar_path} line {first_line + variant} ({site[0]}:{site[1]} {site[2]})")
                    stream.write("\t".join([*site, "GT"]) + "\t" + _genotypes(pairs[offset], phased[offset], phase))
                    stream.write("\n")
        finally:
            reader.close()
    return written


def _genotypes(pairs: npt.NDArray[np.int32], phased: npt.NDArray[np.uint8], phase: bool) -> str:
    """One variant's GT column per sample: ``a|b`` or ``a/b``, ``./.`` when missing."""
    first, second = pairs[:, 0], pairs[:, 1]
    called = (first >= 0) & (second >= 0)
    separator = np.where((first != second) & (phased == 0) | (first == second) & (not phase), "/", "|")
    return "\t".join(
        f"{a}{s}{b}" if ok else "./."
        for a, s, b, ok in zip(first.tolist(), separator.tolist(), second.tolist(), called.tolist(), strict=True)
    )


def _pvar_text(path: Path) -> tuple[list[str], list[str], list[bytes], int]:
    """A ``.pvar``'s ``##`` lines, its column names (``.bim`` order without a ``#CHROM`` line), variant lines, and
    the line number of the first variant."""
    data = path.read_bytes().split(b"\n")
    if data and not data[-1]:
        data.pop()
    header: list[str] = []
    at = 0
    while at < len(data) and data[at].startswith(b"##"):
        header.append(str(data[at].rstrip(b"\r"), "utf-8"))
        at += 1
    if at < len(data) and data[at].startswith(b"#"):
        columns = data[at].rstrip(b"\r")[1:].split(b"\t")
        at += 1
    else:
        return header, list(_BIM_COLUMNS), data[at:], at + 1
    return header, [str(name, "utf-8") for name in columns], data[at:], at + 1


def _skipped(line: str) -> bool:
    """Header lines the written VCF states itself (its format, GT) or that plink2 adds about its own columns."""
    return line.startswith(("##fileformat=", "##FORMAT=<ID=GT,"))


def _contig_id(line: str) -> str:
    inner = line.removeprefix("##contig=<").rstrip(">")
    return next((part[3:] for part in inner.split(",") if part.startswith("ID=")), "")


def _renamed_contig(line: str, used: set[str]) -> str:
    """A ``##contig`` line under the name the variants use (plink2 writes ``1`` where the header kept ``chr1``)."""
    if not line.startswith("##contig="):
        return line
    name = _contig_id(line)
    if name in used:
        return line
    canonical = canonical_chrom(name)
    if canonical is None:
        return line
    match = next((other for other in sorted(used) if canonical_chrom(other) == canonical), None)
    return line.replace(f"ID={name}", f"ID={match}", 1) if match is not None else line
