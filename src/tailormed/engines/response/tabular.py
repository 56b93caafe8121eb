"""The rows of a user's table for a response model: header names matched loosely, errors as :class:`InputError`.

Column names are compared with runs of whitespace collapsed and case ignored, because the IWPC spreadsheet and
its CSV conversions differ exactly there (``VKORC1     -1639 consensus`` vs ``VKORC1 -1639 consensus``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from tailormed.errors import InputError


def column_key(name: str) -> str:
    """The form two column names are compared in."""
    return " ".join(name.split()).casefold()


class Row:
    """One data row: values looked up by any spelling of a column name; the line it starts on, for errors."""

    __slots__ = ("_names", "_values", "line")

    def __init__(self, line: int, values: dict[str, str]) -> None:
        self.line = line
        self._values = {column_key(k): v for k, v in values.items()}
        self._names = {column_key(k): k for k in values}

    def get(self, *names: str) -> tuple[str, str] | None:
        """``(column as the file spells it, stripped value)`` of the first of ``names`` present, else None."""
        for name in names:
            key = column_key(name)
            value = self._values.get(key)
            if value is not None:
                return self._names[key], value.strip()
        return None


Records = Iterable[tuple[int, dict[str, str]]]


def table_rows(records: Records, required: Sequence[Sequence[str]], source: Path | str) -> Iterator[Row]:
    """The data rows of a table read from ``source`` as (line, column -> cell) records; each entry of ``required``
    lists the accepted spellings of one needed column."""
    path = source
    header_checked = False
    for line, raw in records:
        row = Row(line, raw)
        if not header_checked:
            _check_header(path, [column_key(k) for k in raw], required, len(raw))
            header_checked = True
        yield row
    if not header_checked:
        raise InputError("the table has no data rows", source=path)


def _check_header(path: Path | str, keys: Iterable[str], required: Sequence[Sequence[str]], width: int) -> None:
    present = set(keys)
    if len(present) != width:
        raise InputError("two header names differ only in spacing or case", source=path, location="line 1")
    missing = [names[0] for names in required if not any(column_key(n) in present for n in names)]
    if missing:
        raise InputError(f"header lacks column(s): {'; '.join(missing)}", source=path, location="line 1")
