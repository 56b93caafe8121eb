"""The counts the README and docs give for the curated oncology core are the data's, counted here from
``evidence.yaml`` (and the label inventory's groups from that test's own table), so a row or group added or removed
without the docs following fails."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.onco.core import CuratedRow, curated_rows, oncotree
from tailormed.knowledge.onco.oncotree import OncoTree

from .test_label_inventory import INVENTORY

ROOT = Path(__file__).resolve().parents[2]
BLOOD = ("MYELOID", "LYMPH")  # OncoTree's haematological tissues
CIVIC = re.compile(r"https://civic\.genome\.wustl\.edu/links/evidence_items/\d+")  # as the inventory test reads it


def text(name: str) -> str:
    """A document with its line breaks and runs of spaces read as one space."""
    return re.sub(r"\s+", " ", (ROOT / name).read_text(encoding="utf-8"))


def category(row: CuratedRow, tree: OncoTree) -> str:
    codes = row.tumour if isinstance(row.tumour, list) else [row.tumour]
    if codes == ["PANCANCER"]:
        return "tumour-agnostic"
    if any(tree.is_within(code, tissue) for code in codes for tissue in BLOOD):
        return "haematological"
    return "solid-tumour"


def coverage(core: KnowledgeBundle) -> dict[str, int]:
    evidence = curated_rows(core)
    tree = oncotree(core)
    rows = evidence.rows
    levels = Counter(row.level for row in rows)
    sensitivity = Counter(category(row, tree) for row in rows if row.significance.value == "sensitivity")
    years = [row.year for row in rows if row.level == "FDA" and row.year is not None]
    return {
        "rows": len(rows),
        "solid": sensitivity["solid-tumour"],
        "blood": sensitivity["haematological"],
        "agnostic": sensitivity["tumour-agnostic"],
        "resistance": sum(row.significance.value != "sensitivity" for row in rows),
        "fda": levels["FDA"],
        "guideline": levels["guideline"],
        "clinical": levels["clinical"],
        "limited": levels["limited"],
        "first": min(years),
        "last": max(years),
        "recent": sum(year >= 2023 for year in years),
        "withdrawn": len(evidence.withdrawn),
        "extent": sum(bool(row.extent) for row in rows),
        "civic": sum(bool(CIVIC.fullmatch(source.cite)) for row in rows for source in row.sources),
    }


def test_the_counts_cover_every_row(core: KnowledgeBundle) -> None:
    n = coverage(core)
    assert n["solid"] + n["blood"] + n["agnostic"] + n["resistance"] == n["rows"]
    assert n["fda"] + n["guideline"] + n["clinical"] + n["limited"] == n["rows"]
    assert n["blood"] > 0 and n["agnostic"] > 0 and n["recent"] > 0


def test_validation_counts_the_core_as_the_data_does(core: KnowledgeBundle) -> None:
    n = coverage(core)
    said = (
        f"Coverage of the curated core ({n['rows']} rows): {n['solid']} solid-tumour, {n['blood']} haematological "
        f"and {n['agnostic']} tumour-agnostic sensitivity rows and {n['resistance']} resistance rows; {n['fda']} FDA "
        f"rows (approval years {n['first']}–{n['last']}, {n['recent']} of them from 2023 on), {n['guideline']} "
        f"guideline, {n['clinical']} clinical (AMP level B) and {n['limited']} limited (level C"
    )
    assert said in text("docs/validation.md")


def test_validation_counts_the_label_inventory_s_groups_and_civic_quotes_as_the_test_and_data_do(
    core: KnowledgeBundle,
) -> None:
    groups = len(INVENTORY)
    said = f"`tests/onco/test_label_inventory.py`: the inventory of approvals (below) as a test — {groups} groups of"
    page = text("docs/validation.md")
    assert f"{said} biomarker-naming FDA approvals" in page
    civic = coverage(core)["civic"]
    assert f"a check that each of the {civic} quotes cited to a CIViC evidence item is in that" in page


def test_data_sources_counts_the_core_as_the_data_does(core: KnowledgeBundle) -> None:
    n = coverage(core)
    page = text("docs/data-sources.md")
    assert (
        f"| `onco-core` | {n['rows']} rows ({n['fda']} FDA, {n['guideline']} guideline, {n['clinical']} clinical, "
        f"{n['limited']} limited (AMP level C: never above Tier II-C) evidence; approval years "
        f"{n['first']}–{n['last']}, stated by the source;"
    ) in page
    assert f") and {n['withdrawn']} withdrawn indications (" in page
    assert f", {n['extent']} indications with the extents of disease their quotes name (" in page


def test_readme_gives_the_core_s_approval_years_and_leaves_its_counts_to_validation(core: KnowledgeBundle) -> None:
    n = coverage(core)
    readme = text("README.md")
    assert (
        "Works from the curated core alone (FDA, guideline and resistance rows, solid and haematological, approval "
        f"years {n['first']}–{n['last']}, each with its source sentence; [docs/validation.md]"
        "(docs/validation.md#oncology-targeted-therapy-matching) counts them)"
    ) in readme
    stated = re.findall(r"\b(\d+) (?:FDA|curated|evidence)(?:,| rows| indications)", readme)
    assert not stated, stated
