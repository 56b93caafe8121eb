"""Importers, one per upstream format, registered by name so ``kb build`` can find them.

An importer looks for its upstream files under a folder (``detect``) and compiles them into normalized
bundle files (``build``), returning the provenance record for the manifest. Engines never read upstream
formats; they read what importers wrote.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
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


_IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    if importer.name in _IMPORTERS:
        raise ValueError(f"importer {importer.name!r} registered twice")
    _IMPORTERS[importer.name] = importer
    return importer


def importers() -> list[Importer]:
    """All importers, after importing every module of ``knowledge.importers`` (each registers its own)."""
    from tailormed.knowledge import importers as package

    for module in pkgutil.iter_modules(package.__path__, prefix=f"{package.__name__}."):
        import_module(module.name)
    return sorted(_IMPORTERS.values(), key=lambda i: i.name)


def get_importer(name: str) -> Importer | None:
    """The importer registered under ``name``, if any."""
    return next((i for i in importers() if i.name == name), None)
