"""Importers, one per upstream format, listed here by name so ``kb build`` can find them.

An importer looks for its upstream files under a folder (``detect``) and compiles them into normalized
bundle files (``build``), returning the provenance record for the manifest. Engines never read upstream
formats; they read what importers wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tailormed.knowledge.manifest import SourceRecord


@dataclass(frozen=True)
class Importer:
    """``detect(upstream_dir)`` returns the upstream root it would import from, or None if absent;
    ``build(upstream_root, bundle_dir)`` writes files into ``bundle_dir`` and returns their record."""

    name: str
    description: str
    detect: Callable[[Path], Path | None]
    build: Callable[[Path, Path], SourceRecord]


def importers() -> list[Importer]:
    """Every importer, by name (each module of ``knowledge.importers`` defines one; imported here, on first use)."""
    from tailormed.knowledge.importers import (
        acmg_sf,
        cgi,
        civic,
        clinvar,
        hpo,
        pgs_catalog,
        pharmcat_definitions,
        pharmcat_guidelines,
        pharmcat_phenotypes,
        plausible_ranges,
        pypgx,
    )

    return sorted(
        [
            acmg_sf.IMPORTER,
            cgi.IMPORTER,
            civic.IMPORTER,
            clinvar.IMPORTER,
            hpo.IMPORTER,
            pgs_catalog.IMPORTER,
            pharmcat_definitions.IMPORTER,
            pharmcat_guidelines.IMPORTER,
            pharmcat_phenotypes.IMPORTER,
            plausible_ranges.IMPORTER,
            pypgx.PYPGX,
        ],
        key=lambda i: i.name,
    )
