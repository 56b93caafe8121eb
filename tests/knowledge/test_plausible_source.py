"""The plausibility ranges have one reader (``knowledge.plausible``), which holds every band to its quoted cell, and a
built bundle may carry a site's own ranges file in place of the curated core's, recorded in its manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import CURATED_DIR, build_bundle, load_bundle
from tailormed.knowledge.files import read_yaml
from tailormed.knowledge.importers.plausible_ranges import IMPORTER
from tailormed.knowledge.plausible import load_plausible_ranges, read_plausible_ranges

CORE_FILE = CURATED_DIR / "plausible-ranges" / "ranges.yaml"


def _upstream(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "upstream" / "plausible-ranges"
    folder.mkdir(parents=True)
    (folder / "ranges.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "upstream"


def test_a_band_without_its_quoted_cell_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    changed = tmp_path / "ranges.yaml"
    changed.write_text(CORE_FILE.read_text(encoding="utf-8").replace("high: 250\n", "high: 260\n", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        read_plausible_ranges(read_yaml(changed), changed)
    message = str(caught.value)
    assert message.startswith(f"{changed}, ranges.0.bands.2: invalid plausibility ranges: ")
    assert "the band 100-260 quotes no table cell holding it" in message


def test_a_site_file_whose_band_quotes_no_cell_is_not_built(tmp_path: Path) -> None:
    text = CORE_FILE.read_text(encoding="utf-8").replace("high: 270\n", "high: 300\n", 1)  # quote still 70-270
    with pytest.raises(KnowledgeError, match=r"ranges\.4\.bands\.0: .*the band 70-300 quotes no table cell"):
        build_bundle(_upstream(tmp_path, text), tmp_path / "kb", importers=[IMPORTER])
    assert not (tmp_path / "kb").exists()


def test_a_built_site_file_replaces_the_core_ranges_and_the_manifest_says_so(tmp_path: Path) -> None:
    text = CORE_FILE.read_text(encoding="utf-8").replace("high: 270\n", "high: 300\n", 1)
    text = text.replace("| 70-270", "| 70-300")
    build_bundle(_upstream(tmp_path, text), tmp_path / "kb", importers=[IMPORTER])
    bundle = load_bundle(tmp_path / "kb")
    (record,) = [s for s in bundle.manifest.sources if s.name == "plausible-ranges"]
    assert record.importer == "plausible-ranges" and not bundle.is_curated("plausible-ranges")
    assert record.version.startswith("site file sha256 ") and record.files
    assert bundle.path("plausible-ranges", "ranges.yaml") == tmp_path / "kb" / "plausible-ranges" / "ranges.yaml"
    (pressure,) = [r for r in load_plausible_ranges(bundle).ranges if r.name == "systolic blood pressure"]
    assert (pressure.bands[0].low, pressure.bands[0].high) == (70, 300)
    assert bundle.verify() == 1  # the site file is checksum-checked like every built file
