"""OncoTree, the tumour-type ontology every oncology indication and patient tumour is coded in.

The curated source ``oncotree`` ships one whole OncoTree release (Memorial Sloan Kettering, CC BY 4.0) as a flat
table, ``tree.tsv``: code, name, main type, tissue, parent, level and the former codes that now point to the node
(renamed, split or revoked codes from the release's ``history``, ``precursors`` and ``revocations``).
:func:`parse_release` reads a release in OncoTree's own nested JSON form (``trees/oncotree_<date>.json`` in the
OncoTree repository, the same shape the OncoTree API returns for ``/api/tumorTypes/tree``); ``scripts/
generate_oncotree.py`` writes the table from it.

A tumour type given by a user must be a code of this release. Two values are not nodes but are accepted:
:data:`UNKNOWN_TUMOUR` (the tumour type is not known; only tumour-agnostic indications can be on-label) and the
knowledge side's pan-cancer code.

>>> tree = OncoTree(nodes=[
...     OncoTreeNode(code="TISSUE", name="Tissue", parent=None, level=0),
...     OncoTreeNode(code="BOWEL", name="Bowel", parent="TISSUE", level=1),
...     OncoTreeNode(code="COADREAD", name="Colorectal Adenocarcinoma", parent="BOWEL", level=2),
...     OncoTreeNode(code="COAD", name="Colon Adenocarcinoma", parent="COADREAD", level=3),
... ])
>>> tree.lineage("COAD")
['COAD', 'COADREAD', 'BOWEL', 'TISSUE']
>>> tree.overlaps("BOWEL", "COADREAD"), tree.overlaps("COAD", "COADREAD"), tree.is_within("BOWEL", "COADREAD")
(True, True, False)
>>> tree.suggest("COLON")
['COAD']
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field

from tailormed.errors import KnowledgeError
from tailormed.knowledge.onco.evidence import PAN_CANCER
from tailormed.model.base import Contract
from tailormed.tables import read_table

SOURCE = "oncotree"
TREE_FILE = "tree.tsv"
COLUMNS = ("code", "name", "main_type", "tissue", "parent", "level", "former_codes")
#: Tumour type for a tumour whose type is not known: tumour-agnostic indications only.
UNKNOWN_TUMOUR = "UNKNOWN"
_WORD = re.compile(r"[a-z0-9]+")


class OncoTreeNode(Contract):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_/-]*$")
    name: str
    main_type: str | None = None
    tissue: str | None = None
    parent: str | None
    level: int = Field(ge=0)
    former_codes: list[str] = Field(default_factory=list, description="Codes of earlier releases that map here")


class OncoTree(Contract):
    """One OncoTree release: the hierarchy, names and former codes, with lookups the matching needs."""

    release: str = "unspecified"
    nodes: list[OncoTreeNode]
    aliases: dict[str, list[str]] = Field(
        default_factory=dict, description="Common names that are not codes (CRC, COLON) -> codes to suggest"
    )

    @cached_property
    def _index(self) -> dict[str, OncoTreeNode]:
        return {node.code: node for node in self.nodes}

    @cached_property
    def _former(self) -> dict[str, list[str]]:
        former: dict[str, list[str]] = {}
        for node in self.nodes:
            for code in node.former_codes:
                if code not in self._index:
                    former.setdefault(code, []).append(node.code)
        return former

    def node(self, code: str) -> OncoTreeNode | None:
        return self._index.get(code)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._index

    def lineage(self, code: str) -> list[str]:
        """``code`` and its ancestors up to the root (just ``code`` when it is not a node)."""
        chain = [code]
        current = self._index.get(code)
        while current is not None and current.parent is not None and current.parent not in chain:
            chain.append(current.parent)
            current = self._index.get(current.parent)
        return chain

    def is_within(self, code: str, ancestor: str) -> bool:
        """Whether ``code`` is ``ancestor`` or one of its descendants."""
        return ancestor in self.lineage(code)

    def overlaps(self, code: str, other: str) -> bool:
        """Whether a tumour coded ``code`` may be of type ``other``: one contains the other."""
        return self.is_within(code, other) or self.is_within(other, code)

    def name(self, code: str) -> str:
        if code == PAN_CANCER:
            return "any tumour type (tumour-agnostic)"
        if code == UNKNOWN_TUMOUR:
            return "tumour type not known"
        node = self._index.get(code)
        return node.name if node is not None else code

    def replacements(self, code: str) -> list[str]:
        """Current codes that a former (renamed, split or revoked) code now maps to."""
        return list(self._former.get(code, []))

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """The valid codes nearest to ``text``: former-code replacements, name words, then similar codes."""
        wanted = text.strip().upper()
        found = [*self.aliases.get(wanted, []), *self.replacements(wanted)]
        words = set(_WORD.findall(text.lower()))
        stems = {w[:5] for w in words if len(w) >= 4}
        if words:
            for node in sorted(self.nodes, key=lambda n: (n.level, n.code)):
                name_words = set(_WORD.findall(node.name.lower()))
                if words <= name_words or (stems and stems <= {w[:5] for w in name_words}):
                    found.append(node.code)
        found += difflib.get_close_matches(wanted, list(self._index), n=limit, cutoff=0.6)
        return list(dict.fromkeys(c for c in found if c != wanted))[:limit]


def parse_release(path: Path) -> list[OncoTreeNode]:
    """Nodes of an OncoTree release in its nested JSON form (``{"TISSUE": {..., "children": {...}}}``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KnowledgeError(f"cannot read OncoTree release ({exc})", source=path) from exc
    if not isinstance(data, Mapping) or "TISSUE" not in data:
        raise KnowledgeError("not an OncoTree release: no TISSUE root", source=path)
    nodes = list(_walk(data["TISSUE"], path))
    codes = [n.code for n in nodes]
    if len(set(codes)) != len(codes):
        raise KnowledgeError("a code occurs twice in the tree", source=path)
    return nodes


def _walk(raw: Any, path: Path) -> Iterator[OncoTreeNode]:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("children", {}), Mapping):
        raise KnowledgeError("malformed node (expected an object with 'children')", source=path)
    former = [*(raw.get("history") or []), *(raw.get("precursors") or []), *(raw.get("revocations") or [])]
    try:
        yield OncoTreeNode(
            code=raw["code"],
            name=" ".join(str(raw["name"]).split()),
            main_type=raw.get("mainType"),
            tissue=raw.get("tissue"),
            parent=raw.get("parent"),
            level=raw.get("level", 0),
            former_codes=list(dict.fromkeys(str(c) for c in former)),
        )
    except (KeyError, ValueError) as exc:
        raise KnowledgeError(f"malformed node {raw.get('code')!r}: {exc}", source=path) from exc
    for child in raw.get("children", {}).values():
        yield from _walk(child, path)


def write_tree(nodes: Iterable[OncoTreeNode], path: Path) -> None:
    lines = ["\t".join(COLUMNS)]
    for n in nodes:
        former = ",".join(n.former_codes)
        cells = (n.code, n.name, n.main_type or "", n.tissue or "", n.parent or "", str(n.level), former)
        lines.append("\t".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_tree(path: Path, release: str, aliases: Mapping[str, list[str]] | None = None) -> OncoTree:
    """The shipped table as an :class:`OncoTree`; every parent must be a node of the same table."""
    nodes = []
    for line, row in read_table(path, COLUMNS, delimiter="\t"):
        try:
            nodes.append(
                OncoTreeNode(
                    code=row["code"],
                    name=row["name"],
                    main_type=row["main_type"] or None,
                    tissue=row["tissue"] or None,
                    parent=row["parent"] or None,
                    level=int(row["level"]),
                    former_codes=[c for c in row["former_codes"].split(",") if c],
                )
            )
        except ValueError as exc:
            raise KnowledgeError(f"bad OncoTree row: {exc}", source=path, location=f"line {line}") from exc
    codes = {n.code for n in nodes}
    orphans = sorted(n.code for n in nodes if n.parent is not None and n.parent not in codes)
    if orphans or not nodes:
        raise KnowledgeError(f"OncoTree table is empty or has nodes without parents: {orphans[:5]}", source=path)
    unknown = sorted(c for codes in (aliases or {}).values() for c in codes if c not in codes_of(nodes))
    if unknown:
        raise KnowledgeError(f"aliases name codes that are not in the tree: {unknown}", source=path)
    return OncoTree(release=release, nodes=nodes, aliases=dict(aliases or {}))


def codes_of(nodes: Iterable[OncoTreeNode]) -> set[str]:
    return {n.code for n in nodes}
