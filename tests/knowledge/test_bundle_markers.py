"""The curated build markers: checked against PyPGx's table, reproducible, and able to tell builds apart."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.importers.pypgx import parse_variants
from tailormed.knowledge.manifest import Manifest
from tailormed.knowledge.markers import (
    FORM_GENES,
    FORMS_FILE,
    build_markers,
    core_build_markers,
    select_build_markers,
    select_grch37_forms,
    write_markers,
)
from tailormed.model.genotype import BuildMarker


@pytest.fixture(scope="module")
def markers() -> list[BuildMarker]:
    """The shipped markers, read through a curated-only bundle (whatever bundle the user has built)."""
    return build_markers(KnowledgeBundle(None, None, curated_sources()))


def test_core_markers_are_every_bundles_markers(markers: list[BuildMarker], tmp_path: Path) -> None:
    """Read without a bundle, the markers are those of a curated-only bundle and of a built one beside the core (a
    built source cannot take the curated source's name)."""
    assert core_build_markers() == markers
    root = tmp_path / "kb"
    (root / "build-markers").mkdir(parents=True)
    (root / "build-markers" / "markers.json").write_text("[]", encoding="utf-8")
    record = {"name": "build-markers", "title": "t", "version": "x", "licence": "CC0-1.0", "citation": "c"}
    record |= {"importer": "build-markers", "files": {"markers.json": "0"}}
    manifest = Manifest.model_validate(
        {"format_version": 1, "created": "2026-01-01T00:00:00Z", "tailormed_version": "0", "sources": [record]}
    )
    with pytest.raises(KnowledgeError, match="name of a curated source"):
        KnowledgeBundle(root, manifest, curated_sources())


def test_markers_are_many_and_spread_over_chromosomes(markers: list[BuildMarker]) -> None:
    assert len(markers) >= 1000
    per_chrom = Counter(m.chrom for m in markers)
    assert len(per_chrom) >= 15
    assert max(per_chrom.values()) <= len(markers) // 4
    assert "chrM" not in per_chrom
    assert all(len(m.grch37_ref) == 1 and len(m.grch38_ref) == 1 for m in markers)


def test_markers_discriminate_builds(markers: list[BuildMarker]) -> None:
    assert not [m for m in markers if m.grch37_pos == m.grch38_pos and m.grch37_ref == m.grch38_ref]
    as37 = {(m.chrom, m.grch37_pos, m.grch37_ref) for m in markers}
    as38 = {(m.chrom, m.grch38_pos, m.grch38_ref) for m in markers}
    assert not as37 & as38
    assert len({(m.chrom, m.grch37_pos) for m in markers}) == len(markers)
    assert len({(m.chrom, m.grch38_pos) for m in markers}) == len(markers)


def test_every_marker_matches_the_pypgx_variant_table(markers: list[BuildMarker], shared_data: Path) -> None:
    rows: dict[tuple[str, int], list[tuple[int, str, str, str | None]]] = {}
    with (shared_data / "pgx" / "pypgx" / "variant-table.csv").open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            rsid = r["rsID"].strip()
            rows.setdefault((f"chr{r['Chromosome']}", int(r["GRCh37Position"])), []).append(
                (int(r["GRCh38Position"]), r["GRCh37Allele"], r["GRCh38Allele"], None if rsid == "N/A" else rsid)
            )
    for marker in markers:
        as_table = (marker.grch38_pos, marker.grch37_ref, marker.grch38_ref, marker.id)
        assert as_table in rows[(marker.chrom, marker.grch37_pos)], marker


def test_markers_agree_with_pharmcat_grch38_reference(markers: list[BuildMarker], shared_data: Path) -> None:
    """An independent check of the GRCh38 bases: PharmCAT's positions file gives REF at its sites."""
    refs = {}
    for line in (shared_data / "pgx" / "pharmcat" / "pharmcat_positions.vcf").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            chrom, pos, _, ref = line.split("\t")[:4]
            refs[(chrom, int(pos))] = ref
    overlapping = [m for m in markers if (m.chrom, m.grch38_pos) in refs]
    assert len(overlapping) >= 20
    assert [m for m in overlapping if refs[(m.chrom, m.grch38_pos)] != m.grch38_ref] == []


def test_shipped_markers_are_reproducible(shared_data: Path, tmp_path: Path) -> None:
    from tailormed.knowledge.bundle import CURATED_DIR

    variants = parse_variants(shared_data / "pgx" / "pypgx" / "variant-table.csv")
    regenerated = tmp_path / "markers.json"
    write_markers(select_build_markers(variants), regenerated)
    shipped = CURATED_DIR / "build-markers" / "markers.json"
    assert regenerated.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


def test_shipped_grch37_forms_are_reproducible_and_match_the_table(shared_data: Path, tmp_path: Path) -> None:
    """The core's GRCh37 forms of its genes' variants are the PyPGx variant table's own rows (and synonyms)."""
    from tailormed.knowledge.bundle import CURATED_DIR

    variants = parse_variants(shared_data / "pgx" / "pypgx" / "variant-table.csv")
    regenerated = tmp_path / FORMS_FILE
    forms = select_grch37_forms(variants)
    write_markers(forms, regenerated)
    shipped = CURATED_DIR / "build-markers" / FORMS_FILE
    assert regenerated.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
    rows = {(v.grch38.pos, v.grch38.ref, v.grch37.pos, v.grch37.ref) for v in variants if v.gene in FORM_GENES}
    assert len(forms) >= len({r[:2] for r in rows}) > 100
    assert rows <= {(f.grch38_pos, f.grch38_ref, f.grch37_pos, f.grch37_ref) for f in forms}
    assert {"chr2", "chr7", "chr10", "chr13", "chr22"} <= {f.chrom for f in forms}  # UGT1A1 CYP3A5 CYP2C9 NUDT15 CYP2D6


def test_grch37_forms_cover_every_core_gene() -> None:
    from tailormed.knowledge.bundle import load_bundle
    from tailormed.knowledge.pgx.definitions import load_definitions

    assert set(FORM_GENES) == set(load_definitions(load_bundle(), "pgx-core-definitions"))


def test_selection_respects_limit_and_skips_non_discriminating(shared_data: Path) -> None:
    variants = parse_variants(shared_data / "pgx" / "pypgx" / "variant-table.csv")
    assert len(select_build_markers(variants, limit=30)) == 30
    mito = [v for v in variants if v.grch37.chrom == "chrM"]
    assert mito and select_build_markers(mito) == []


class _StubBundle:
    def __init__(self, data: object) -> None:
        self.data = data

    def read_json(self, source: str, file: str) -> object:
        return self.data

    def path(self, source: str, file: str) -> Path:
        return Path("curated") / source / file


@pytest.mark.parametrize(
    ("data", "message", "location"),
    [
        ({"chrom": "chr1"}, "expected a JSON list", None),
        (
            [{"chrom": "chr1", "grch37_pos": 5, "grch37_ref": "A", "grch38_pos": 0, "grch38_ref": "A"}],
            "grch38_pos",
            "marker 0",
        ),
        ([{"chrom": "1", "grch37_pos": 5, "grch37_ref": "A", "grch38_pos": 6, "grch38_ref": "A"}], "chrom", "marker 0"),
        (
            [
                {"chrom": "chr1", "grch37_pos": 5, "grch37_ref": "A", "grch38_pos": 6, "grch38_ref": "A"},
                {"chrom": "chr1", "grch37_pos": 7, "grch37_ref": "A", "grch38_pos": 8},
                {"chrom": "chr2"},
            ],
            "invalid marker: grch38_ref: Field required",
            "marker 1",
        ),
    ],
)
def test_invalid_markers_are_knowledge_errors(data: object, message: str, location: str | None) -> None:
    with pytest.raises(KnowledgeError, match=message) as caught:
        build_markers(_StubBundle(data))  # type: ignore[arg-type]
    assert caught.value.location == location
    assert caught.value.source == str(Path("curated/build-markers/markers.json"))


def test_sources_file_describes_the_forms_it_ships() -> None:
    """The build-markers sources file names every gene whose GRCh37 forms the core holds and how many rows there are."""
    from tailormed.knowledge.bundle import CURATED_DIR

    folder = CURATED_DIR / "build-markers"
    header = " ".join(
        line.lstrip("# ").strip()
        for line in (folder / "sources.yaml").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    )
    forms = json.loads((folder / FORMS_FILE).read_text(encoding="utf-8"))
    assert f"{len(forms)} rows" in header
    named = set(re.findall(r"\b[A-Z][A-Z0-9]{2,}\b", header.split(FORMS_FILE, 1)[1]))
    assert set(FORM_GENES) <= named, sorted(set(FORM_GENES) - named)
    assert "every CYP2D6 row" not in header
