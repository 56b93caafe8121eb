"""PLINK 2 binary genotypes (``.pgen``/``.pvar``/``.psam``), the format biobanks ship, read as columnar site groups.

The PLINK 2 reader (pgenlib, an optional extra: ``pip install tailormed[cohort]``) decodes every selected sample's
two allele codes of a list of variants straight into one integer matrix; no per-genotype Python object is made.
The result is the same :class:`~tailormed.model.dosage.SiteGroup` list the VCF reader gives the PRS matcher, so a
pgen fileset scores exactly as the VCF it was converted from. A ``.pgen`` names no genome build: the caller gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tailormed.errors import InputError
from tailormed.model.chrom import canonical_chrom
from tailormed.model.dosage import SiteGroup, SiteRecord

#: pgenlib's code for a missing allele.
PGEN_MISSING = -9
#: Variants decoded per pgenlib call (bounds memory to this many x 2 x samples int32 values).
VARIANT_BLOCK = 4096


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


def read_pgen_sites(
    fileset: PgenFileset, positions: Iterable[tuple[str, int]], samples: Sequence[str] | None = None
) -> list[SiteGroup]:
    """Every variant at the requested (canonical chromosome, position) sites with the selected samples' alleles.

    Allele indices are -1 where a call is missing (both columns, as the VCF reader gives them); samples come in the
    order of ``samples`` (default: the ``.psam`` order).
    """
    import pgenlib

    chosen = _sample_indices(fileset, samples)
    wanted = set(positions)
    try:
        pvar = pgenlib.PvarReader(str(fileset.prefix).encode() + b".pvar")
    except RuntimeError as exc:
        raise InputError(f"cannot read the .pvar: {exc}", source=Path(f"{fileset.prefix}.pvar")) from exc
    keep: list[int] = []
    sites: list[tuple[str, int]] = []
    for index in range(pvar.get_variant_ct()):
        chrom = canonical_chrom(pvar.get_variant_chrom(index).decode())
        pos = int(pvar.get_variant_pos(index))
        if chrom is not None and (chrom, pos) in wanted:
            keep.append(index)
            sites.append((chrom, pos))
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
    records: list[SiteRecord] = []
    count = len(subset)
    for start in range(0, len(keep), VARIANT_BLOCK):
        block = np.asarray(keep[start : start + VARIANT_BLOCK], dtype=np.uint32)
        raw = np.empty((len(block), 2 * count), dtype=np.int32)
        if count:
            reader.read_alleles_list(block, raw)
        for offset, variant in enumerate(block.tolist()):
            alleles = raw[offset].reshape(count, 2)[back].astype(np.int16)
            alleles[(alleles < 0).any(axis=1)] = -1
            chrom, pos = sites[start + offset]
            codes = [pvar.get_allele_code(variant, a).decode().upper() for a in range(pvar.get_allele_ct(variant))]
            records.append(
                SiteRecord(
                    chrom=chrom,
                    pos=pos,
                    id=pvar.get_variant_id(variant).decode() or ".",
                    ref=codes[0],
                    alts=tuple(codes[1:]),
                    alleles=alleles,
                    location=f"{fileset.prefix}.pvar variant {variant + 1}",
                )
            )
    reader.close()
    return _grouped(records)


def _sample_indices(fileset: PgenFileset, samples: Sequence[str] | None) -> list[int]:
    if samples is None:
        return list(range(len(fileset.samples)))
    where = {sample: i for i, sample in enumerate(fileset.samples)}
    missing = [sample for sample in samples if sample not in where]
    if missing:
        raise InputError(f"sample(s) not in the .psam: {', '.join(missing[:5])}", source=Path(f"{fileset.prefix}.psam"))
    return [where[sample] for sample in samples]


def _grouped(records: list[SiteRecord]) -> list[SiteGroup]:
    """Records of one position together, positions in file order."""
    groups: list[SiteGroup] = []
    current: list[SiteRecord] = []
    for record in records:
        if current and (current[0].chrom, current[0].pos) != (record.chrom, record.pos):
            groups.append(SiteGroup(chrom=current[0].chrom, pos=current[0].pos, records=tuple(current)))
            current = []
        current.append(record)
    if current:
        groups.append(SiteGroup(chrom=current[0].chrom, pos=current[0].pos, records=tuple(current)))
    return groups
