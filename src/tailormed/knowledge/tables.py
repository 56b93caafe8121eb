"""Reading upstream delimited tables (CSV/TSV) row by row, with every problem reported by file and line."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from tailormed.errors import KnowledgeError


def read_table(path: Path, required: Sequence[str], *, delimiter: str = ",") -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` for each data row of a delimited file with a header line.

    The header must contain every ``required`` column; each row must have exactly as many fields as the
    header. Blank lines are skipped. ``line_number`` is the line where the row starts, as an editor shows it.
    """
    start = 1
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            header = _header(reader, path, required)
            start = reader.line_num + 1
            for fields in reader:
                if fields:
                    if len(fields) != len(header):
                        raise KnowledgeError(
                            f"expected {len(header)} fields ({delimiter.join(header)}), found {len(fields)}",
                            source=path,
                            location=f"line {start}",
                        )
                    yield start, dict(zip(header, fields, strict=True))
                start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=path) from exc
    except csv.Error as exc:
        raise KnowledgeError(f"malformed {_kind(delimiter)} ({exc})", source=path, location=f"line {start}") from exc
    except OSError as exc:
        raise KnowledgeError(f"cannot read file ({exc.strerror or exc})", source=path) from exc


def _header(reader: Iterator[list[str]], path: Path, required: Sequence[str]) -> list[str]:
    header = next(reader, None)
    if header is None:
        raise KnowledgeError("empty file, expected a header line", source=path, location="line 1")
    header = [name.strip().lstrip("\ufeff") for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise KnowledgeError(f"header lacks column(s) {', '.join(missing)}", source=path, location="line 1")
    if len(set(header)) != len(header):
        raise KnowledgeError("header repeats a column name", source=path, location="line 1")
    return header


def _kind(delimiter: str) -> str:
    return "TSV" if delimiter == "\t" else "CSV"
