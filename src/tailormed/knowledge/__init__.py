"""The knowledge bundle: clinical facts as versioned data with provenance, and one importer per upstream format."""

from pathlib import Path

#: The curated core shipped in the package: a folder per source, listed in its ``manifest.yaml``.
CURATED_DIR = Path(__file__).resolve().parent / "curated"
