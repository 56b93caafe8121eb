"""``tailormed kb``: run as a user would, checking stdout, stderr and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

_RUN = "import sys; from tailormed.cli import main; sys.argv[0] = 'tailormed'; main()"


def tailormed(*args: str | Path, kb: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TAILORMED_KB": str(kb), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", _RUN, *map(str, args)], capture_output=True, text=True, env=env, timeout=120
    )


def test_importers_lists_pypgx_as_json(tmp_path: Path) -> None:
    result = tailormed("kb", "importers", "--format", "json", kb=tmp_path / "kb")
    assert result.returncode == 0, result.stderr
    listed = {item["name"]: item["description"] for item in json.loads(result.stdout)}
    assert "PyPGx" in listed["pypgx"]


def test_info_without_built_bundle_shows_curated_core(tmp_path: Path) -> None:
    result = tailormed("kb", "info", kb=tmp_path / "absent")
    assert result.returncode == 0, result.stderr
    assert "curated knowledge core (no built bundle)" in result.stdout
    assert "build-markers" in result.stdout and "curated" in result.stdout
    tsv = tailormed("kb", "info", "--format", "tsv", kb=tmp_path / "absent")
    lines = tsv.stdout.splitlines()
    assert lines[0] == "name\tversion\tlicence\timporter\tfiles\tcitation"
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:]}
    assert rows["build-markers"][1:5] == ["2026-12-03", "MIT", "curated", "3"]  # grch37-forms, markers, sources
    assert "PyPGx" in rows["build-markers"][5]


def test_build_then_info_verify_then_corruption(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    built = tailormed("kb", "build", "--from", shared_data, "-o", out, "--only", "pypgx", kb=tmp_path / "unused")
    assert built.returncode == 0, built.stderr
    assert f"Built 1 source(s) into {out}" in built.stdout
    assert (out / "manifest.json").is_file()

    info = tailormed("kb", "info", "--kb", out, "--verify", "--format", "json", kb=tmp_path / "unused")
    assert info.returncode == 0, info.stderr
    payload = json.loads(info.stdout)
    assert payload["verified_files"] == 7
    sources = {s["name"]: s for s in payload["manifest"]["sources"]}
    assert {"build-markers", "pypgx"} <= set(sources)
    assert all(s["importer"] == "curated" for name, s in sources.items() if name != "pypgx")
    assert sources["pypgx"]["licence"] == "MIT AND CC0-1.0 AND CC-BY-SA-4.0"
    assert sources["build-markers"]["importer"] == "curated"
    assert "verified 7 built file(s)" in info.stderr

    text = tailormed("kb", "info", kb=out)  # the default folder, via TAILORMED_KB
    assert text.returncode == 0 and "pypgx" in text.stdout and "ClinPharmSeq" in text.stdout

    genes = out / "pypgx" / "genes.json"
    genes.write_bytes(genes.read_bytes().replace(b'"No Function"', b'"Normal Function"', 1))
    broken = tailormed("kb", "info", "--kb", out, "--verify", kb=tmp_path / "unused")
    assert broken.returncode == 3
    assert "checksum mismatch for source 'pypgx'" in broken.stderr
    assert str(genes) in broken.stderr
    assert broken.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--only", "no-such-importer"), "unknown importer(s) no-such-importer"),
        ((), "no importer found its upstream files here"),
    ],
)
def test_build_errors_exit_2_and_write_nothing(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = tailormed("kb", "build", "--from", empty, "-o", tmp_path / "kb", *args, kb=tmp_path / "unused")
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "kb").exists()
