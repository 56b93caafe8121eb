"""Tumour inputs: somatic VCF records (with VEP ``CSQ`` / SnpEff ``ANN`` when present), copy-number segments,
fusion lists and the batch cases table. Readers only; interpretation happens in the oncology engine.

Formats follow PCGR's examples: CNA ``Chromosome Start End nMajor nMinor`` (allele-specific copy number; a
``CopyNumber``/``Total`` column is accepted instead of nMajor/nMinor), fusions ``FusionGene`` as ``A--B`` (also
``A::B``), batch cases ``case_id gene alteration feature_type tumor_type``. Every problem is an InputError naming
the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated

import cyvcf2
from pydantic import Field

from tailormed.errors import InputError
from tailormed.intake.reader import open_vcf
from tailormed.model.alteration import GenomicAllele
from tailormed.model.base import Contract
from tailormed.model.chrom import canonical_chrom
from tailormed.model.genotype import BuildDetection, GenomeBuild
from tailormed.tables import read_table

_BASES = re.compile(r"^[ACGTN]+$")
_GENE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$")


class VariantAnnotation(Contract):
    """The protein-level facts a VEP/SnpEff annotation gives for one ALT allele."""

    gene: str
    hgvsp: str | None = None
    consequence: str | None = None
    exon: int | None = None


class SomaticRecord(Contract):
    allele: GenomicAllele
    vaf: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    annotation: VariantAnnotation | None = None
    where: str


class TumourVcf(Contract):
    build: BuildDetection
    records: list[SomaticRecord]
    filtered: int = Field(description="Records skipped because FILTER is not PASS")
    annotation_field: str | None = Field(description="CSQ or ANN when the VCF carries one")


class CnaSegment(Contract):
    chrom: str
    start: Annotated[int, Field(ge=0)]
    end: Annotated[int, Field(ge=1)]
    total: Annotated[int, Field(ge=0)]
    minor: Annotated[int, Field(ge=0)] | None = None
    line: int


class FusionCall(Contract):
    five_prime: str
    three_prime: str
    line: int


class CaseRow(Contract):
    case_id: str
    gene: str
    alteration: str
    feature_type: str
    tumor_type: str
    line: int


def read_somatic_vcf(path: Path, build: GenomeBuild | None) -> TumourVcf:
    """Every PASS record's ALT alleles; the build from ``build`` or the header (never guessed from a somatic VCF)."""
    with open_vcf(path) as opened:
        detection = opened.detect_build(override=build) if build is not None else opened.header_build()
        if detection is None:
            raise opened.undetermined_build("a somatic VCF has too few sites to infer it from REF bases")
        field_name, columns = _annotation_format(opened.header.info_types, _raw_header(path))
        records: list[SomaticRecord] = []
        filtered = 0
        for record in opened.records():
            where = opened.last_location
            if record.FILTER not in (None, "PASS", "."):
                filtered += 1
                continue
            chrom = canonical_chrom(record.CHROM)
            if chrom is None:
                continue
            annotations = _annotations(record.INFO.get(field_name), columns, field_name) if field_name else {}
            vafs = _vafs(record.INFO.get("TVAF"), len(record.ALT))
            for index, alt in enumerate(record.ALT):
                if not alt or not _BASES.match(alt):
                    continue  # symbolic and breakend alleles are not sequence variants
                allele = GenomicAllele(build=detection.build, chrom=chrom, pos=record.POS, ref=record.REF, alt=alt)
                records.append(
                    SomaticRecord(allele=allele, vaf=vafs[index], annotation=annotations.get(alt), where=where)
                )
    return TumourVcf(build=detection, records=records, filtered=filtered, annotation_field=field_name)


def _raw_header(path: Path) -> str:
    reader = cyvcf2.VCF(str(path))
    try:
        return str(reader.raw_header)
    finally:
        reader.close()


def _annotation_format(info_types: dict[str, str], raw: str) -> tuple[str | None, list[str]]:
    for name in ("CSQ", "ANN"):
        if name in info_types:
            match = re.search(rf'##INFO=<ID={name},[^\n]*Format: ?([^"\n]+)"', raw)
            if match is None:
                match = re.search(rf"##INFO=<ID={name},[^\n]*'([^'\n]+)'", raw)
            if match is not None:
                return name, [c.strip() for c in match.group(1).split("|")]
    return None, []


def _annotations(value: object, columns: Sequence[str], field_name: str) -> dict[str, VariantAnnotation]:
    """ALT allele -> annotation of its first transcript with a protein change (canonical first for VEP)."""
    if not isinstance(value, str) or not columns:
        return {}
    names = {
        "CSQ": ("Allele", "SYMBOL", "HGVSp", "Consequence", "EXON", "CANONICAL"),
        "ANN": ("Allele", "Gene_Name", "HGVS.p", "Annotation", "Rank", ""),
    }[field_name]
    index = {name: i for i, name in enumerate(columns)}
    found: dict[str, tuple[int, VariantAnnotation]] = {}
    for entry in value.split(","):
        cells = entry.split("|")

        def cell(name: str, cells: list[str] = cells) -> str:
            position = index.get(name)
            return cells[position].strip() if position is not None and position < len(cells) else ""

        allele, gene, hgvsp = cell(names[0]), cell(names[1]), cell(names[2])
        if not gene or not _GENE.match(gene):
            continue
        exon_text = cell(names[4]).split("/")[0]
        annotation = VariantAnnotation(
            gene=gene.upper(),
            hgvsp=hgvsp.split(":")[-1] or None,
            consequence=cell(names[3]) or None,
            exon=int(exon_text) if exon_text.isdigit() and int(exon_text) > 0 else None,
        )
        rank = (0 if annotation.hgvsp else 2) + (0 if cell(names[5]) == "YES" else 1)
        if allele not in found or rank < found[allele][0]:
            found[allele] = (rank, annotation)
    return {allele: annotation for allele, (_, annotation) in found.items()}


def _vafs(value: object, count: int) -> list[float | None]:
    values = list(value) if isinstance(value, tuple) else [value] * count
    out: list[float | None] = []
    for item in (values + [None] * count)[:count]:
        out.append(float(item) if isinstance(item, (int, float)) and 0.0 <= float(item) <= 1.0 else None)
    return out


def read_cna(path: Path) -> list[CnaSegment]:
    """Copy-number segments with total (and minor) copy number per segment."""
    segments = []
    for line, row in _rows(path, ("Chromosome", "Start", "End")):
        chrom = canonical_chrom(row["Chromosome"].strip())
        if chrom is None:
            raise InputError(f"unknown chromosome {row['Chromosome']!r}", source=path, location=f"line {line}")
        start, end = _int(row["Start"], "Start", path, line), _int(row["End"], "End", path, line)
        if end < start:
            raise InputError(f"End {end} is before Start {start}", source=path, location=f"line {line}")
        if "nMajor" in row and "nMinor" in row:
            major, minor = _int(row["nMajor"], "nMajor", path, line), _int(row["nMinor"], "nMinor", path, line)
            total: int = major + minor
        else:
            column = next((c for c in ("CopyNumber", "Total", "total_cn") if c in row), None)
            if column is None:
                raise InputError("needs nMajor and nMinor, or a CopyNumber column", source=path, location="line 1")
            total, minor = _int(row[column], column, path, line), None
        segments.append(CnaSegment(chrom=chrom, start=start, end=max(end, 1), total=total, minor=minor, line=line))
    return segments


def read_fusions(path: Path) -> list[FusionCall]:
    """Fusions as 5' and 3' partner genes from a ``FusionGene`` column (``A--B`` or ``A::B``)."""
    calls = []
    for line, row in _rows(path, ("FusionGene",)):
        text = row["FusionGene"].strip()
        parts = re.split(r"--|::", text)
        if len(parts) != 2 or not all(_GENE.match(p) for p in parts) or parts[0].upper() == parts[1].upper():
            raise InputError(
                f"FusionGene {text!r} is not 'GENE--GENE' or 'GENE::GENE'", source=path, location=f"line {line}"
            )
        calls.append(FusionCall(five_prime=parts[0].upper(), three_prime=parts[1].upper(), line=line))
    return calls


def read_cases(path: Path) -> list[CaseRow]:
    """The batch table: one alteration per row; several rows share a case_id."""
    rows = []
    for line, row in _rows(path, ("case_id", "gene", "alteration", "feature_type", "tumor_type")):
        values = {key: row[key].strip() for key in ("case_id", "gene", "alteration", "feature_type", "tumor_type")}
        empty = [key for key in ("case_id", "alteration", "feature_type", "tumor_type") if not values[key]]
        if empty:
            raise InputError(f"empty {', '.join(empty)}", source=path, location=f"line {line}")
        if not re.match(r"^[A-Za-z0-9_]+$", values["tumor_type"]):
            raise InputError(
                f"tumor_type {values['tumor_type']!r} is not an OncoTree code", source=path, location=f"line {line}"
            )
        rows.append(CaseRow(**values, line=line))
    return rows


def _rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    return read_table(path, required, delimiter="\t", error=InputError, comments=True)


def _int(text: str, column: str, path: Path, line: int) -> int:
    value = text.strip()
    if not value.isdigit():
        raise InputError(f"{column} {text!r} is not a whole number", source=path, location=f"line {line}")
    return int(value)
