"""Where a PharmCAT release sits under an upstream folder, and PharmCAT policies its importers share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: Folders under ``kb build --from DIR`` that may hold a PharmCAT release (its root, or the shared-data layout).
RELEASE_CANDIDATES = (Path(), Path("pharmcat"), Path("pgx") / "pharmcat")

#: Genes PharmCAT calls and phenotypes by their lowest-function alleles (Gene Definition Exceptions: DPYD, RYR1).
LOWEST_FUNCTION_GENES = frozenset({"DPYD", "RYR1"})


def find_release_root(upstream: Path, holds: Callable[[Path], bool]) -> Path | None:
    """The first candidate release root under ``upstream`` for which ``holds(root)`` is true."""
    for candidate in RELEASE_CANDIDATES:
        root = upstream / candidate
        if holds(root):
            return root.resolve()
    return None
