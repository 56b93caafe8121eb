"""docs/supported-inputs.md says what the shipped knowledge holds: its generated section is current."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.medicines import core_medicines

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "supported-inputs.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("supported_inputs", ROOT / "scripts" / "supported_inputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_drug_and_gene_section_matches_the_knowledge() -> None:
    generator = _generator()
    text = DOC.read_text(encoding="utf-8")
    assert generator.replaced(text, generator.core_section()) == text, (
        "docs/supported-inputs.md is out of date: run python scripts/supported_inputs.py"
    )


def test_every_drug_with_guidance_is_listed_and_nothing_else(core: KnowledgeBundle) -> None:
    generator = _generator()
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(generator.START) : text.index(generator.END)]
    listed = [d for d in re.findall(r"^\| ([a-z][^|]*?) \|", section, flags=re.MULTILINE) if d != "drug"]
    assert sorted(listed) == sorted(generator.guidance_by_drug(core))
    for drug in ("tamoxifen", "clopidogrel", "gentamicin", "omeprazole", "celecoxib", "warfarin"):
        assert drug in listed


def test_the_section_changes_when_the_knowledge_does(core: KnowledgeBundle) -> None:
    generator = _generator()
    vocabulary = core_medicines()
    dropped = vocabulary.medicines[0]
    smaller = type(vocabulary)(version=vocabulary.version, medicines=vocabulary.medicines[1:])
    section = generator.drug_section(core, smaller)
    assert section != generator.drug_section(core, vocabulary)
    assert f"| {dropped.ingredient} |" not in section or "not in the vocabulary" in section


def test_the_readme_links_the_page() -> None:
    assert "docs/supported-inputs.md" in (ROOT / "README.md").read_text(encoding="utf-8")
