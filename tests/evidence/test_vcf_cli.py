"""``tailormed vcf info`` through the real entry point: output, exit codes, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tailormed.cli import main; main()", "vcf", "info", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_info_json_on_phased_biobank_file(shared_data: Path) -> None:
    path = shared_data / "risk/genotypes/tiny1000G.GRCh38.PGS001229_sites.vcf.gz"
    done = _run(str(path), "--build", "grch38", "--format", "json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["records"], len(summary["samples"]), summary["format"], summary["indexed"]) == (
        1004,
        3202,
        "vcf.gz",
        True,
    )
    assert summary["phased"] and summary["haploid_calls"] and not summary["gvcf"]
    assert {c["name"]: c["records"] for c in summary["contigs"]}["X"] == 36
    assert summary["build"] == {"build": "GRCh38", "source": "user", "detail": "given by the caller"}


def test_info_text_detects_build_from_header(shared_data: Path) -> None:
    done = _run(str(shared_data / "pgx/pharmcat/examples/pharmcat.example.vcf"))
    assert done.returncode == 0, done.stderr
    assert "GRCh38 (from contig_assembly: chr1 assembly=GRCh38.p14)" in done.stdout
    assert "1202" in done.stdout and "multi-allelic  54" in done.stdout


def test_info_reads_the_build_markers_without_opening_a_bundle(shared_data: Path) -> None:
    """The markers that vote on a silent header's build are the curated core's, whatever bundle is installed."""
    loaded = "import atexit, sys; from tailormed.cli import main; "
    loaded += "atexit.register(lambda: print('tailormed.knowledge.bundle' in sys.modules, file=sys.stderr)); main()"
    path = shared_data / "risk/genotypes/cineca_synthetic_subset.GRCh37.chr22.vcf.gz"
    command = [sys.executable, "-c", loaded, "vcf", "info", str(path), "-f", "json"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "False"
    assert json.loads(done.stdout)["records"] == 829


def test_info_reports_an_undetermined_build(shared_data: Path) -> None:
    done = _run(str(shared_data / "risk/genotypes/cineca_synthetic_subset.GRCh37.chr22.vcf.gz"), "-f", "json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["build"] is None and "pass --build" in summary["build_problem"]
    assert summary["records"] == 829


def test_info_bad_input_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.vcf"
    path.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t0\t.\tA\tG\t.\t.\t.\n")
    done = _run(str(path))
    assert done.returncode == 2
    assert f"{path}, line 3: position 0 is less than 1" in done.stderr
    assert done.stdout == ""
