"""``tailormed pgx call`` end to end on PharmCAT's example VCFs, through the installed command."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tailormed.knowledge.importers import pharmcat_definitions

EXAMPLES = Path("pgx/pharmcat/examples")


@pytest.fixture(scope="module")
def kb(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tailormed.knowledge.bundle import build_bundle

    out = tmp_path_factory.mktemp("kb") / "bundle"
    build_bundle(shared_data, out, only=[pharmcat_definitions.NAME, "pharmcat-phenotypes"])
    return out


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from tailormed.cli import main; main()", "pgx", "call", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_example_with_outside_calls(kb: Path, shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / EXAMPLES
    out = tmp_path / "calls.tsv"
    result = run(
        str(folder / "pharmcat.example.vcf"),
        "--kb",
        str(kb),
        "--outside-calls",
        str(folder / "pharmcat.example.outsideCall.tsv"),
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open(), delimiter="\t"))
    assert list(rows[0]) == [
        "sample",
        "gene",
        "diplotype",
        "phenotype",
        "activity_score",
        "status",
        "missing_positions",
        "copy_number",
    ]
    by_gene = {r["gene"]: r for r in rows}
    assert by_gene["CYP2D6"]["copy_number"] == ""  # an outside call says nothing of what a VCF cannot show
    assert len(rows) == 22
    assert by_gene["CYP2D6"]["diplotype"] == "*1/*3"
    assert by_gene["HLA-B"]["diplotype"] == "*15:02/*57:01"
    assert by_gene["CYP2C19"]["diplotype"] == "*38/*38"
    assert by_gene["CYP2C9"]["activity_score"] == "2.0"
    assert by_gene["CYP2C9"]["phenotype"] == "Normal Metabolizer"
    assert {r["status"] for r in rows} == {"called"}
    assert {r["sample"] for r in rows} == {"Sample_1"}


def test_json_and_sample_selection(kb: Path, shared_data: Path) -> None:
    result = run(
        str(shared_data / EXAMPLES / "pharmcat.example2.vcf"),
        "--kb",
        str(kb),
        "--format",
        "json",
        "--sample",
        "Sample_2",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    (sample,) = data["samples"]
    assert sample["sample"] == "Sample_2"
    assert sample["build"]["build"] == "GRCh38"
    genes = {g["gene"]: g for g in sample["genes"]}
    assert genes["CYP2C19"]["diplotype"] == "*2/*2"
    assert genes["CYP2B6"]["diplotype"] == "*1/*6"
    cyp2d6 = genes["CYP2D6"]  # called from the VCF's SNVs and indels, with what its copy number could make of it
    assert (cyp2d6["diplotype"], cyp2d6["origin"], cyp2d6["activity_score"]) == ("*1/*1", "matcher", "2.0")
    assert cyp2d6["copy_number"].startswith(
        "structural variants not assessed; could also be *1/*5: Intermediate Metabolizer"
    )
    assert data["knowledge"]["pharmcat-definitions"] == "2025-11-05-00-25"


def test_missing_positions_and_no_call(kb: Path, shared_data: Path, tmp_path: Path) -> None:
    vcf = tmp_path / "few.vcf"
    lines = (shared_data / EXAMPLES / "pharmcat.example2.vcf").read_text().splitlines()
    kept = [line for line in lines if line.startswith("#") or "rs4244285" not in line]
    vcf.write_text("\n".join(kept) + "\n")
    result = run(str(vcf), "--kb", str(kb))
    assert result.returncode == 0, result.stderr
    rows = {r["gene"]: r for r in csv.DictReader(result.stdout.splitlines(), delimiter="\t")}
    assert "rs4244285" in rows["CYP2C19"]["missing_positions"].split(",")


def test_bad_outside_call_exit_code(kb: Path, shared_data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("CYP2D6\t*1/*3\nNOTAGENE\t*1/*1\n")
    out = tmp_path / "out.tsv"
    result = run(
        str(shared_data / EXAMPLES / "pharmcat.example.vcf"),
        "--kb",
        str(kb),
        "--outside-calls",
        str(bad),
        "-o",
        str(out),
    )
    assert result.returncode == 2
    assert f"{bad}, line 2: unknown gene 'NOTAGENE'" in result.stderr
    assert not out.exists()
    lenient = run(
        str(shared_data / EXAMPLES / "pharmcat.example.vcf"), "--kb", str(kb), "--outside-calls", str(bad), "--lenient"
    )
    assert lenient.returncode == 0
    assert "line skipped" in lenient.stderr


def test_unknown_sample(kb: Path, shared_data: Path) -> None:
    result = run(str(shared_data / EXAMPLES / "pharmcat.example.vcf"), "--kb", str(kb), "--sample", "nobody")
    assert result.returncode == 2
    assert "nobody" in result.stderr
