"""Inputs of pgsc_calc's ancestry adjustment: PC files (FRAPOSA ``.pcs``), score tables and reference labels.

* ``.pcs``: TSV with ``FID IID PC1 .. PCn`` (FRAPOSA output as pgsc_calc writes it);
* scores: TSV (plain or gzip) with ``IID PGS SUM`` and optionally ``sampleset`` and ``FID`` (pgsc_calc's
  ``aggregated_scores.txt.gz`` or ``tailormed prs score`` output);
* reference labels: a plink2 ``.psam`` (``#IID`` or ``#FID IID`` first) with a population column (``SuperPop``);
* related samples: one ID per line (``#IID`` header allowed), e.g. KING's ``.king.cutoff.out.id``.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tailormed.errors import InputError
from tailormed.tables import split_lines


@dataclass(frozen=True)
class PcTable:
    ids: list[str]
    pcs: npt.NDArray[np.float64]  # samples × PCs


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if not path.is_file():
        raise InputError("file not found", source=path)
    try:
        raw = path.read_bytes()
        text = gzip.decompress(raw).decode("utf-8") if raw[:2] == b"\x1f\x8b" else raw.decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise InputError(f"cannot read as text or gzip text ({exc})", source=path) from exc
    lines = list(split_lines(text.split("\n"), path, width="header", error=InputError))
    if not lines:
        raise InputError("file is empty", source=path)
    header = [name.strip() for name in lines[0][1]]
    return header, lines[1:]


def _float(text: str, column: str, path: Path, number: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{column} is not a number: {text[:30]!r}", source=path, location=f"line {number}") from None
    if not math.isfinite(value):
        raise InputError(f"{column} is not finite", source=path, location=f"line {number}")
    return value


def read_pcs(path: Path) -> PcTable:
    header, rows = _rows(path)
    pc_columns = [i for i, name in enumerate(header) if name.upper().startswith("PC") and name[2:].isdigit()]
    if "IID" not in header or not pc_columns:
        raise InputError("expected columns IID and PC1, PC2, ... (FRAPOSA .pcs)", source=path, location="line 1")
    iid = header.index("IID")
    values = np.array(
        [[_float(fields[i], header[i], path, number) for i in pc_columns] for number, fields in rows],
        dtype=np.float64,
    ).reshape(len(rows), len(pc_columns))
    ids = [fields[iid] for _, fields in rows]
    if len(set(ids)) != len(ids):
        raise InputError("a sample ID is listed twice", source=path)
    return PcTable(ids=ids, pcs=values)


def read_score_sums(path: Path, sampleset: str | None = None) -> dict[str, dict[str, float]]:
    """PGS -> IID -> SUM, keeping only rows of ``sampleset`` when the file has that column and it is given."""
    header, rows = _rows(path)
    for column in ("IID", "PGS", "SUM"):
        if column not in header:
            raise InputError(f"no {column} column (expected IID, PGS, SUM)", source=path, location="line 1")
    at = {name: header.index(name) for name in header}
    found: dict[str, dict[str, float]] = {}
    for number, fields in rows:
        if sampleset is not None and "sampleset" in at and fields[at["sampleset"]] != sampleset:
            continue
        score = found.setdefault(fields[at["PGS"]], {})
        score[fields[at["IID"]]] = _float(fields[at["SUM"]], "SUM", path, number)
    return found


def read_labels(path: Path, column: str) -> dict[str, str]:
    """IID -> population label from a plink2 .psam."""
    header, rows = _rows(path)
    names = [name.lstrip("#") for name in header]
    if "IID" not in names or column not in names:
        raise InputError(f"expected columns IID and {column}", source=path, location="line 1")
    iid, label = names.index("IID"), names.index(column)
    return {fields[iid]: fields[label] for _, fields in rows}


def read_ids(path: Path) -> set[str]:
    if not path.is_file():
        raise InputError("file not found", source=path)
    lines = path.read_text(encoding="utf-8").splitlines()
    return {fields[-1].strip() for _, fields in split_lines(lines, path, comments="all", error=InputError)}
