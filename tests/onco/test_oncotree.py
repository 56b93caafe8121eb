"""The shipped OncoTree release: complete, consistent, and read from OncoTree's own release format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.onco import core
from tailormed.knowledge.onco.oncotree import parse_release, read_tree, write_tree


def test_shipped_release_is_whole_and_consistent(core_bundle: KnowledgeBundle) -> None:
    tree = core.oncotree(core_bundle)
    assert tree.release == "oncotree_2025_10_03" and len(tree.nodes) == 898
    assert core_bundle.source("oncotree").licence.startswith("CC-BY-4.0")
    roots = [n.code for n in tree.nodes if n.parent is None]
    assert roots == ["TISSUE"]
    assert tree.lineage("COAD") == ["COAD", "COADREAD", "BOWEL", "TISSUE"]
    assert tree.lineage("CUPNOS") == ["CUPNOS", "CUP", "OTHER", "TISSUE"]
    assert tree.is_within("APLPMLRARA", "MYELOID") and tree.is_within("FL", "LYMPH")
    assert tree.replacements("GBM") == ["GB"]  # a revoked code maps to its replacement


def test_every_code_the_knowledge_names_is_in_the_release(core_bundle: KnowledgeBundle) -> None:
    tree = core.oncotree(core_bundle)
    crosswalk = core.crosswalk(core_bundle)
    named = set(crosswalk.doid.values()) | set(crosswalk.cgi.values())
    named |= {c for codes in crosswalk.aliases.values() for c in codes}
    assert {c for c in named if c != "PANCANCER" and c not in tree} == set()
    rows = core.curated_evidence(core_bundle).rows
    assert all(r.oncotree == "PANCANCER" or r.oncotree in tree for r in rows)


def _node(code: str, name: str, parent: str | None, level: int, children: dict[str, object], **extra: object) -> dict:
    return {"code": code, "name": name, "mainType": None, "tissue": None, "parent": parent, "level": level,
            "children": children, "history": [], "precursors": [], "revocations": [], **extra}  # fmt: skip


def test_release_json_round_trip(tmp_path: Path) -> None:
    leaf = _node("GB", "Glioblastoma,  IDH-Wildtype", "BRAIN", 2, {}, revocations=["GBM"])
    release = {
        "TISSUE": _node("TISSUE", "Tissue", None, 0, {"BRAIN": _node("BRAIN", "CNS/Brain", "TISSUE", 1, {"GB": leaf})})
    }
    path = tmp_path / "oncotree_test.json"
    path.write_text(json.dumps(release), encoding="utf-8")
    nodes = parse_release(path)
    assert [(n.code, n.parent, n.former_codes) for n in nodes] == [
        ("TISSUE", None, []), ("BRAIN", "TISSUE", []), ("GB", "BRAIN", ["GBM"])
    ]  # fmt: skip
    assert nodes[2].name == "Glioblastoma, IDH-Wildtype"
    table = tmp_path / "tree.tsv"
    write_tree(nodes, table)
    tree = read_tree(table, "test")
    assert tree.lineage("GB") == ["GB", "BRAIN", "TISSUE"] and tree.suggest("GBM") == ["GB"]


def test_broken_release_and_table_are_knowledge_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"ROOT": {}}', encoding="utf-8")
    with pytest.raises(KnowledgeError, match="no TISSUE root"):
        parse_release(path)
    table = tmp_path / "tree.tsv"
    table.write_text("code\tname\tmain_type\ttissue\tparent\tlevel\tformer_codes\nX\tX\t\t\tMISSING\t1\t\n")
    with pytest.raises(KnowledgeError, match="without parents"):
        read_tree(table, "test")
