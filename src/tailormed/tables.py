"""Reading delimited tables (CSV/TSV) row by row, with every problem reported by file and line.

:func:`read_table` reads a quoted CSV/TSV file with a header line; :func:`split_lines` reads the unquoted TSV most
bioinformatics tools write (fields split at every tab, quotes kept as text, ``#`` metadata lines), from any source of
lines (plain or gzip text, or a list in a test). Upstream knowledge files fail as :class:`KnowledgeError`; readers of
the user's own tables pass ``error=InputError``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

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


def split_lines(
    lines: Iterable[str],
    source: Path | str,
    *,
    width: int | Literal["header"] | None = None,
    delimiter: str = "\t",
    comments: Literal["none", "leading", "all"] = "none",
    on_comment: Callable[[str], None] | None = None,
    error: type[TailormedError] = KnowledgeError,
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, fields)`` for each non-blank line of an unquoted delimited text.

    Fields are the line (without its line break) split at every ``delimiter``; lines holding only whitespace are
    skipped. Lines starting with ``#`` are comments before the first row with ``comments="leading"`` (a metadata
    preamble above a header) or anywhere with ``"all"``; each is handed to ``on_comment``. With ``width`` every row
    must have exactly that many fields (``"header"``: as many as the first row), else ``error`` names the line.
    """
    skip_comments = comments != "none"
    first = True
    expected = None if width == "header" else width
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if skip_comments and line[0] == "#":
            if on_comment is not None:
                on_comment(line)
            continue
        fields = line.split(delimiter)
        if first:
            first = False
            skip_comments = comments == "all"
            if width == "header":
                expected = len(fields)
                yield number, fields
                continue
        if expected is not None and len(fields) != expected:
            like = " like the header" if width == "header" else ""
            raise error(
                f"expected {expected} {_separated(delimiter)} fields{like}, found {len(fields)}",
                source=source,
                location=f"line {number}",
            )
        yield number, fields


def _separated(delimiter: str) -> str:
    return "tab-separated" if delimiter == "\t" else f"'{delimiter}'-separated"


def _is_comment(fields: Sequence[str]) -> bool:
    return not any(f.strip() for f in fields) or fields[0].startswith("#")


def _header(reader: Iterator[list[str]], path: Path, required: Sequence[str], error: type[TailormedError]) -> list[str]:
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
