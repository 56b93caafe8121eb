"""Importer ``plausible-ranges``: a site's own plausibility ranges (``plausible-ranges/ranges.yaml``) into the bundle.

The curated core ships the NCD-RisC data-cleaning ranges; a site whose records need other limits writes a file of
the same form (every band quoting the table cell it is read from) and builds it into its bundle, which then replaces
the core's ranges for every command and the service given that bundle. The file is validated as it is built (the
same model intake's ranges are read with) and copied byte for byte; its checksum is its version.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tailormed.knowledge.checksums import files_checksums, sha256_file
from tailormed.knowledge.files import read_yaml
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.plausible import RANGES_FILE, SOURCE, read_plausible_ranges
from tailormed.knowledge.registry import Importer


def detect(upstream: Path) -> Path | None:
    """``upstream/plausible-ranges`` when it holds a ``ranges.yaml``."""
    folder = upstream / SOURCE
    return folder.resolve() if (folder / RANGES_FILE).is_file() else None


def build(upstream_root: Path, out_dir: Path) -> SourceRecord:
    path = upstream_root / RANGES_FILE
    ranges = read_plausible_ranges(read_yaml(path), path)
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, out_dir / RANGES_FILE)
    cites = dict.fromkeys(source.cite for entry in ranges.ranges for band in entry.bands for source in band.sources)
    bands = sum(len(entry.bands) for entry in ranges.ranges)
    return SourceRecord(
        name=SOURCE,
        title="Measurement ranges outside which a value is a data-entry error (the site's own file)",
        version=f"site file sha256 {sha256_file(path)[:12]}",
        licence="as the site states (not shipped with tailormed)",
        citation="; ".join(cites),
        importer=SOURCE,
        upstream_files=files_checksums(upstream_root, [path]),
        notes=f"{len(ranges.ranges)} measurements, {bands} bands; replaces the curated core's ranges",
    )


IMPORTER = Importer(
    name=SOURCE,
    description="A site's own plausibility ranges (plausible-ranges/ranges.yaml), replacing the curated core's",
    detect=detect,
    build=build,
)
