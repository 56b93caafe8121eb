"""The bundle mechanism: building atomically, checksums, curated core, lookups and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tailormed.errors import InputError, InternalError, KnowledgeError
from tailormed.knowledge.bundle import (
    MANIFEST_FILE,
    build_bundle,
    curated_sources,
    default_bundle_dir,
    load_bundle,
    plan_build,
)
from tailormed.knowledge.checksums import sha256_file
from tailormed.knowledge.manifest import Manifest, SourceRecord
from tailormed.knowledge.registry import Importer, importers


def _record(name: str) -> SourceRecord:
    return SourceRecord(
        name=name, title=f"{name} test data", version="7", licence="CC0-1.0", citation="none", importer="ignored"
    )


def _writer(name: str, payload: object, marker: str = "upstream.txt") -> Importer:
    """An importer that finds ``marker`` in the upstream folder and writes ``payload`` as data.json."""

    def build(upstream: Path, out: Path) -> SourceRecord:
        (out / "data.json").write_text(json.dumps(payload), encoding="utf-8")
        (out / "nested").mkdir()
        (out / "nested" / "notes.yaml").write_text("answer: 42\n", encoding="utf-8")
        return _record(name)

    return Importer(
        name=name,
        description=f"writes {name}",
        detect=lambda up: up if (up / marker).is_file() else None,
        build=build,
    )


def _failing(name: str) -> Importer:
    def build(upstream: Path, out: Path) -> SourceRecord:
        (out / "half.json").write_text("{", encoding="utf-8")
        raise KnowledgeError("broken upstream row", source=upstream / "table.csv", location="line 3")

    return Importer(name=name, description="fails", detect=lambda up: up, build=build)


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    folder = tmp_path / "upstream"
    folder.mkdir()
    (folder / "upstream.txt").write_text("release 7\n", encoding="utf-8")
    return folder


def test_build_writes_manifest_with_checksums_and_loads(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    seen: list[str] = []
    manifest = build_bundle(upstream, out, importers=[_writer("alpha", {"x": 1})], on_progress=seen.append)

    assert seen == ["alpha"]
    assert [s.name for s in manifest.sources] == ["alpha"]
    record = manifest.sources[0]
    assert record.importer == "alpha"  # set by the mechanism, whatever the importer said
    assert record.files == {
        "data.json": sha256_file(out / "alpha" / "data.json"),
        "nested/notes.yaml": sha256_file(out / "alpha" / "nested" / "notes.yaml"),
    }
    on_disk = Manifest.model_validate_json((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert on_disk == manifest

    bundle = load_bundle(out)
    assert bundle.root == out
    assert bundle.read_json("alpha", "data.json") == {"x": 1}
    assert bundle.read_yaml("alpha", "nested/notes.yaml") == {"answer": 42}
    assert bundle.path("alpha", "data.json") == out / "alpha" / "data.json"
    assert bundle.versions()["alpha"] == "7"
    assert "build-markers" in bundle.versions()  # the curated core is always there
    assert bundle.is_curated("build-markers") and not bundle.is_curated("alpha")
    assert bundle.verify() == 2
    assert not list(tmp_path.glob(".kb.*"))  # no staging folder left behind


def test_failing_importer_leaves_previous_bundle_intact(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    build_bundle(upstream, out, importers=[_writer("alpha", {"release": 1})])
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    with pytest.raises(KnowledgeError, match="line 3: broken upstream row"):
        build_bundle(upstream, out, importers=[_writer("alpha", {"release": 2}), _failing("broken")])

    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert load_bundle(out).read_json("alpha", "data.json") == {"release": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb", "upstream"]  # staging cleaned up


def test_successful_rebuild_replaces_previous_bundle(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    build_bundle(upstream, out, importers=[_writer("alpha", {"release": 1})])
    build_bundle(upstream, out, importers=[_writer("beta", {"release": 2})])
    bundle = load_bundle(out)
    assert not bundle.has("alpha")
    assert bundle.read_json("beta", "data.json") == {"release": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb", "upstream"]


def test_corrupted_file_is_a_checksum_error(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    build_bundle(upstream, out, importers=[_writer("alpha", {"dose": 10})])
    (out / "alpha" / "data.json").write_text(json.dumps({"dose": 100}), encoding="utf-8")

    with pytest.raises(KnowledgeError, match="checksum mismatch for source 'alpha'") as caught:
        load_bundle(out).read_json("alpha", "data.json")
    assert caught.value.source == str(out / "alpha" / "data.json")
    with pytest.raises(KnowledgeError, match="checksum mismatch"):
        load_bundle(out, verify=True)
    # the untouched file still reads
    assert load_bundle(out).read_yaml("alpha", "nested/notes.yaml") == {"answer": 42}


def test_file_missing_from_bundle_is_reported_on_load(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    build_bundle(upstream, out, importers=[_writer("alpha", {})])
    (out / "alpha" / "data.json").unlink()
    with pytest.raises(KnowledgeError, match=r"'data\.json' of source 'alpha' is listed in the manifest but missing"):
        load_bundle(out)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid"),
        ('{"format_version": 1, "tailormed_version": "0.1.0", "sources": []}', "created"),
        ('{"format_version": 9, "created": "2026-01-01T00:00:00Z", "tailormed_version": "x"}', "format 9"),
    ],
)
def test_bad_manifest_is_a_knowledge_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / MANIFEST_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message) as caught:
        load_bundle(tmp_path)
    assert caught.value.source == str(tmp_path / MANIFEST_FILE)


def test_corrupt_json_content_names_file_and_line(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"

    def build(up: Path, folder: Path) -> SourceRecord:
        (folder / "data.json").write_text('{\n"a": 1,\n}', encoding="utf-8")
        return _record("alpha")

    build_bundle(upstream, out, importers=[Importer("alpha", "bad json", lambda up: up, build)])
    with pytest.raises(KnowledgeError, match=r"data.json, line 3: invalid JSON"):
        load_bundle(out).read_json("alpha", "data.json")


def test_lookup_errors_name_source_and_bundle(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    build_bundle(upstream, out, importers=[_writer("alpha", {})])
    bundle = load_bundle(out)
    with pytest.raises(KnowledgeError, match=r"source 'clinvar' is not available \(available: alpha, ") as missing:
        bundle.source("clinvar")
    assert "build-markers" in missing.value.message
    with pytest.raises(KnowledgeError, match="kb build") as caught:
        bundle.read_json("clinvar", "x.json")
    assert caught.value.source == str(out)
    with pytest.raises(KnowledgeError, match=r"source 'alpha' has no file 'other\.json'"):
        bundle.path("alpha", "other.json")
    with pytest.raises(KnowledgeError, match="has no file"):
        bundle.path("alpha", "../manifest.json")


def test_read_json_is_parsed_once(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    build_bundle(upstream, out, importers=[_writer("alpha", [1, 2])])
    bundle = load_bundle(out)
    assert bundle.read_json("alpha", "data.json") is bundle.read_json("alpha", "data.json")


def test_no_matching_importer_is_an_input_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no importer found its upstream files here") as caught:
        build_bundle(empty, tmp_path / "kb", importers=[_writer("alpha", {})])
    assert caught.value.source == str(empty)
    assert not (tmp_path / "kb").exists()


def test_only_selects_and_validates_importers(upstream: Path, tmp_path: Path) -> None:
    available = [_writer("alpha", {}), _writer("beta", {}), _writer("gamma", {}, marker="absent.txt")]
    assert [p.importer.name for p in plan_build(upstream, importers=available)] == ["alpha", "beta"]
    assert [p.importer.name for p in plan_build(upstream, only=["beta"], importers=available)] == ["beta"]
    with pytest.raises(InputError, match=r"unknown importer\(s\) delta \(available: alpha, beta, gamma\)"):
        plan_build(upstream, only=["delta"], importers=available)
    with pytest.raises(InputError, match="importer 'gamma' found none of its files"):
        plan_build(upstream, only=["gamma"], importers=available)
    with pytest.raises(InputError, match="does not exist"):
        plan_build(tmp_path / "nowhere", importers=available)


def test_refuses_to_replace_a_folder_that_is_not_a_bundle(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(InputError, match="refusing to replace"):
        build_bundle(upstream, out, importers=[_writer("alpha", {})])
    assert (out / "thesis.txt").read_text(encoding="utf-8") == "precious"


def test_importer_returning_wrong_name_is_internal_error(upstream: Path, tmp_path: Path) -> None:
    def build(up: Path, out: Path) -> SourceRecord:
        (out / "data.json").write_text("{}", encoding="utf-8")
        return _record("beta")

    importer = Importer("alpha", "misnamed", lambda up: up, build)
    with pytest.raises(InternalError, match="returned a record named 'beta'"):
        build_bundle(upstream, tmp_path / "kb", importers=[importer])
    assert not (tmp_path / "kb").exists()


def test_curated_source_name_clash_is_rejected(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    build_bundle(upstream, out, importers=[_writer("build-markers", {})])
    with pytest.raises(KnowledgeError, match="have the name of a curated source"):
        load_bundle(out)


def test_curated_core_only_without_built_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILORMED_KB", str(tmp_path / "no-bundle-here"))
    bundle = load_bundle()
    assert bundle.root is None
    assert "curated" in bundle.location
    assert all(s.importer == "curated" for s in bundle.manifest.sources)
    assert bundle.has("build-markers") and not bundle.has("pypgx")
    assert bundle.verify() == 0  # nothing built to verify


def test_load_bundle_uses_default_folder_when_it_holds_a_bundle(
    upstream: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "kb"
    build_bundle(upstream, out, importers=[_writer("alpha", {})])
    monkeypatch.setenv("TAILORMED_KB", str(out))
    assert load_bundle().has("alpha")


def test_explicit_root_without_manifest_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="not a knowledge bundle"):
        load_bundle(tmp_path)


def test_default_bundle_dir_respects_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAILORMED_KB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_bundle_dir() == tmp_path / "xdg" / "tailormed" / "kb"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_bundle_dir() == tmp_path / "home" / ".local" / "share" / "tailormed" / "kb"
    monkeypatch.setenv("TAILORMED_KB", str(tmp_path / "mine"))
    assert default_bundle_dir() == tmp_path / "mine"


def test_curated_checksums_are_computed_from_shipped_files() -> None:
    from tailormed.knowledge.bundle import CURATED_DIR

    sources = {s.name: s for s in curated_sources()}
    markers = sources["build-markers"]
    assert markers.files == {
        name: sha256_file(CURATED_DIR / "build-markers" / name)
        for name in ("grch37-forms.json", "markers.json", "sources.yaml")
    }
    assert markers.licence == "MIT"
    assert "PyPGx" in markers.citation


def test_registry_lists_pypgx_importer() -> None:
    assert "pypgx" in [i.name for i in importers()]


def test_build_from_shared_data_with_pypgx(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    manifest = build_bundle(shared_data, out, only=["pypgx"])
    record = manifest.source("pypgx")
    assert record is not None
    assert set(record.files) == {
        "genes.json", "variants.json", "diplotypes.json", "equations.json",
        "phenotypes.json", "cpic.json", "recommendations.json",
    }  # fmt: skip
    assert record.upstream_files["allele-table.csv"] == sha256_file(shared_data / "pgx/pypgx/allele-table.csv")
    bundle = load_bundle(out, verify=True)
    assert bundle.source("pypgx").licence == "MIT AND CC0-1.0 AND CC-BY-SA-4.0"


def test_built_bundle_fixture_has_pypgx_and_curated(built_bundle: object) -> None:
    from tailormed.knowledge.bundle import KnowledgeBundle

    assert isinstance(built_bundle, KnowledgeBundle)
    assert built_bundle.has("pypgx") and built_bundle.has("build-markers")
    assert built_bundle.verify() >= 7
