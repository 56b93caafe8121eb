"""An outside-call TSV exported from a spreadsheet starts with a header line naming its columns: it is read, while a
header naming other columns, a header that is not the first line and malformed rows are refused with file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tailormed.demo import demo_record
from tailormed.errors import InputError
from tailormed.intake.outside_calls import read_outside_calls

GENES = ("CYP2D6", "CYP2C19", "HLA-B")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calls.tsv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "header",
    [
        "gene\tdiplotype\tphenotype\tactivity score",
        "Gene\tDiplotype\tPhenotype\tActivity_Score",
        "gene\tdiplotype",
        "GENE\tDIPLOTYPE\tPHENOTYPE\t",
    ],
)
def test_the_documented_header_is_read(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, f"# exported 2026-11-30\n{header}\nCYP2D6\t*1/*4\nHLA-B\t*57:01/*58:01\n")
    calls = read_outside_calls(path, known_genes=GENES).calls
    assert [(c.gene, c.diplotypes[0].allele1, c.diplotypes[0].allele2) for c in calls] == [
        ("CYP2D6", "*1", "*4"),
        ("HLA-B", "*57:01", "*58:01"),
    ]


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            "gene\tgenotype\nCYP2D6\t*1/*4\n",
            "line 1",
            "header names the columns gene, genotype; expected gene, diplotype",
        ),
        ("CYP2D6\t*1/*4\ngene\tdiplotype\n", "line 2", "a header line may only be the first line"),
        ("gene\tdiplotype\nCYP2D6\t*1/*4/*2\n", "line 2", "has more than two alleles"),
        ("gene\tdiplotype\nCYP2C19\t*2/*2\tPM\t0\textra\n", "line 2", "5 columns"),
    ],
)
def test_bad_headers_and_rows_are_refused_naming_file_and_line(
    tmp_path: Path, text: str, line: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError, match=problem) as caught:
        read_outside_calls(path, known_genes=GENES)
    assert caught.value.location == line and str(path) in str(caught.value)


def test_a_file_with_a_header_reaches_the_call_table(tmp_path: Path) -> None:
    path = write(tmp_path, "gene\tdiplotype\tphenotype\tactivity score\nCYP2D6\t*1/*4\n")
    vcf = demo_record("demo-01-hale").with_name("demo-01-hale.vcf")
    code = "import sys; from tailormed.cli import main; sys.argv = ['tailormed', *sys.argv[1:]]; main()"
    result = subprocess.run(
        [sys.executable, "-c", code, "pgx", "call", str(vcf), "--outside-calls", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert any(row[1:4] == ["CYP2D6", "*1/*4", "Intermediate Metabolizer"] for row in rows), result.stdout
