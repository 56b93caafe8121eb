"""Reading delimited tables (CSV/TSV) row by row, with every problem reported by file and line.

Upstream knowledge files fail as :class:`KnowledgeError`; readers of the user's own tables pass ``error=InputError``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

from tailormed.errors import KnowledgeError, TailormedError


def read_table(
    path: Path,
    required: Sequence[str],
    *,
    delimiter: str = ",",
    error: type[TailormedError] = KnowledgeError,
    comments: bool = False,
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` for each data row of a delimited file with a header line.

    The header must contain every ``required`` column; each row must have exactly as many fields as the
    header. Blank lines are skipped, and with ``comments`` also whitespace-only rows and rows starting with ``#``.
    ``line_number`` is the line where the row starts, as an editor shows it. Problems raise ``error``.
    """
    start = 1
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            header = _header(reader, path, required, error)
            start = reader.line_num + 1
            for fields in reader:
                if fields and not (comments and _is_comment(fields)):
                    if len(fields) != len(header):
                        raise error(
                            f"expected {len(header)} fields ({delimiter.join(header)}), found {len(fields)}",
                            source=path,
                            location=f"line {start}",
                        )
                    yield start, dict(zip(header, fields, strict=True))
                start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=path) from exc
    except csv.Error as exc:
        raise error(f"malformed {_kind(delimiter)} ({exc})", source=path, location=f"line {start}") from exc
    except OSError as exc:
        raise error(f"cannot read file ({exc.strerror or exc})", source=path) from exc


def _is_comment(fields: Sequence[str]) -> bool:
    return not any(f.strip() for f in fields) or fields[0].startswith("#")


def _header(
    reader: Iterator[list[str]], path: Path, required: Sequence[str], error: type[TailormedError]
) -> list[str]:
    header = next(reader, None)
    if header is None:
        raise error("empty file, expected a header line", source=path, location="line 1")
    header = [name.strip().lstrip("\ufeff") for name in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise error(f"header lacks column(s) {', '.join(missing)}", source=path, location="line 1")
    if len(set(header)) != len(header):
        raise error("header repeats a column name", source=path, location="line 1")
    return header


def _kind(delimiter: str) -> str:
    return "TSV" if delimiter == "\t" else "CSV"
