"""Regenerate the curated OncoTree table from an OncoTree release file.

Usage: python scripts/generate_oncotree.py RELEASE.json

RELEASE.json is a release in OncoTree's nested JSON form, e.g. ``trees/oncotree_2025_10_03.json`` from the
OncoTree repository (CC BY 4.0). The output, src/tailormed/knowledge/curated/oncotree/tree.tsv, is what the
oncology matching reads; update the ``oncotree`` entry of curated/manifest.yaml (version, sha256) with it.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from tailormed.knowledge.onco.oncotree import SOURCE, TREE_FILE, parse_release, write_tree

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "src" / "tailormed" / "knowledge" / "curated" / SOURCE / TREE_FILE


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    release = Path(argv[1])
    nodes = parse_release(release)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    write_tree(nodes, TARGET)
    digest = hashlib.sha256(release.read_bytes()).hexdigest()
    print(f"wrote {len(nodes)} nodes from {release.name} (sha256 {digest}) to {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
