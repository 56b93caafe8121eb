"""Tumour inputs besides the somatic VCF (read by :mod:`tailormed.evidence.tumour`): copy-number segments, fusion
lists and the batch cases table. Readers only; interpretation happens in the oncology engine.

Formats follow PCGR's examples: CNA ``Chromosome Start End nMajor nMinor`` (allele-specific copy number; a
``CopyNumber``/``Total`` column is accepted instead of nMajor/nMinor), fusions ``FusionGene`` as ``A--B`` (also
``A::B``), batch cases ``case_id gene alteration feature_type tumor_type`` with optional ``origin`` (germline,
somatic or unknown; empty = unknown), ``extent`` (early, locally_advanced or metastatic; empty = not stated) and
``stage`` (AJCC stage group, as the record's ``tumour.stage``; empty = not stated) columns. Every problem is an
InputError naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated

from pydantic import Field

from tailormed.errors import InputError
from tailormed.model.alteration import VariantOrigin
from tailormed.model.base import Contract
from tailormed.model.chrom import canonical_chrom
from tailormed.model.enums import DiseaseExtent
from tailormed.model.patient import stage_group_problem
from tailormed.tables import read_table

_GENE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$")


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
    origin: VariantOrigin = VariantOrigin.UNKNOWN
    extent: DiseaseExtent | None = None
    stage: str | None = None
    line: int


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
        origin = (row.get("origin") or "").strip().lower() or VariantOrigin.UNKNOWN.value
        if origin not in {o.value for o in VariantOrigin}:
            raise InputError(
                f"origin {origin!r} is not germline, somatic or unknown", source=path, location=f"line {line}"
            )
        extent = (row.get("extent") or "").strip().lower() or None
        if extent is not None and extent not in {e.value for e in DiseaseExtent}:
            raise InputError(
                f"extent {extent!r} is not early, locally_advanced or metastatic", source=path, location=f"line {line}"
            )
        stage = (row.get("stage") or "").strip() or None
        problem = stage_group_problem(stage) if stage is not None else None
        if problem is not None:
            raise InputError(problem, source=path, location=f"line {line}")
        rows.append(
            CaseRow(
                **values,
                origin=VariantOrigin(origin),
                extent=DiseaseExtent(extent) if extent else None,
                stage=stage,
                line=line,
            )
        )
    return rows


def _rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    return read_table(path, required, delimiter="\t", error=InputError, comments=True)


def _int(text: str, column: str, path: Path, line: int) -> int:
    value = text.strip()
    if not value.isdigit():
        raise InputError(f"{column} {text!r} is not a whole number", source=path, location=f"line {line}")
    return int(value)
