"""Regenerate the curated build markers (and the GRCh37 forms of the core genes' variants) from PyPGx's variant table.

Usage: python scripts/generate_build_markers.py [PYPGX_DIR]

PYPGX_DIR defaults to the PyPGx tables under $TAILORMED_SHARED_DATA (or ../shared/data). The output,
src/tailormed/knowledge/curated/build-markers/markers.json (and grch37-forms.json), is what tests compare against a
fresh derivation, so rerun this after changing the selection rule or the PyPGx release.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tailormed.knowledge.importers.pypgx import VARIANT_TABLE, detect, parse_variants
from tailormed.knowledge.markers import (
    FORMS_FILE,
    MARKERS_FILE,
    SOURCE,
    select_build_markers,
    select_grch37_forms,
    write_markers,
)

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "src" / "tailormed" / "knowledge" / "curated" / SOURCE / MARKERS_FILE
FORMS = TARGET.with_name(FORMS_FILE)


def main(argv: list[str]) -> int:
    given = (
        Path(argv[1])
        if len(argv) > 1
        else Path(os.environ.get("TAILORMED_SHARED_DATA", REPO.parent / "shared" / "data"))
    )
    folder = detect(given)
    if folder is None:
        print(f"no PyPGx {VARIANT_TABLE} under {given}", file=sys.stderr)
        return 2
    variants = parse_variants(folder / VARIANT_TABLE)
    markers = select_build_markers(variants)
    write_markers(markers, TARGET)
    print(f"wrote {len(markers)} markers from {folder / VARIANT_TABLE} to {TARGET.relative_to(REPO)}")
    forms = select_grch37_forms(variants)
    write_markers(forms, FORMS)
    print(f"wrote {len(forms)} GRCh37 forms from {folder / VARIANT_TABLE} to {FORMS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
