"""The unquoted table reader (`split_lines`) and each format read through it: HGNC gene table, PGS scoring file,
PGS ancestry tables (labels, sample ids), CIViC evidence header."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tailormed.errors import InputError, KnowledgeError
from tailormed.intake.pgs_ancestry import read_ids, read_labels
from tailormed.knowledge.genes import parse_symbols
from tailormed.knowledge.importers.civic import compile_release
from tailormed.knowledge.pgs_scoring import read_scoring_file
from tailormed.tables import split_lines

_LINE = st.text(alphabet=st.sampled_from("ab #\t\"'\r"), max_size=12).map(lambda s: s.replace("\r", "") + "\r")


@given(st.lists(_LINE, max_size=12))
def test_rows_are_lines_split_at_every_tab(lines: list[str]) -> None:
    expected = [
        (n, line.rstrip("\r\n").split("\t"))
        for n, line in enumerate(lines, start=1)
        if line.strip() and not line.startswith("#")
    ]
    assert list(split_lines(lines, "t.tsv", comments="all")) == expected


def test_quotes_are_text_and_blank_lines_are_skipped() -> None:
    rows = list(split_lines(['"a b"\tc\n', "  \t \n", "d\t'e'\r\n"], "t.tsv"))
    assert rows == [(1, ['"a b"', "c"]), (3, ["d", "'e'"])]


def test_leading_comments_go_to_the_callback_and_later_ones_are_rows() -> None:
    seen: list[str] = []
    lines = ["#k=v\n", "#x\n", "h1\th2\n", "#1\t2\n"]
    rows = list(split_lines(lines, "t.tsv", comments="leading", on_comment=seen.append))
    assert seen == ["#k=v", "#x"]
    assert rows == [(3, ["h1", "h2"]), (4, ["#1", "2"])]


def test_width_is_checked_with_the_line() -> None:
    with pytest.raises(InputError, match=r"t.tsv, line 3: expected 2 tab-separated fields like the header, found 3"):
        list(split_lines(["a\tb", "1\t2", "1\t2\t3"], "t.tsv", width="header", error=InputError))
    with pytest.raises(KnowledgeError, match=r"line 2: expected 3 tab-separated fields, found 2"):
        list(split_lines(["a\tb\tc", "1\t2"], "t.tsv", width=3))


def test_gene_table_skips_comments_and_repeated_headers() -> None:
    header = "hgnc_id\tsymbol\tncbi_gene_id\tprevious_symbols\talias_symbols"
    lines = ["# HGNC", header, "HGNC:1100\tBRCA1\t672\t\tRNF53", "", header, "HGNC:1101\tBRCA2\t675\tFANCD1\t"]
    symbols = parse_symbols(lines, "genes.tsv")
    assert symbols.by_hgnc_id == {"HGNC:1100": "BRCA1", "HGNC:1101": "BRCA2"}
    assert symbols.alias == {"RNF53": "BRCA1"} and symbols.previous == {"FANCD1": "BRCA2"}
    with pytest.raises(KnowledgeError, match=r"genes.tsv, line 2: expected 5 columns, got 4"):
        parse_symbols([header, "HGNC:1\tA\t1\t"], "genes.tsv")


def test_scoring_file_metadata_preamble_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "score.txt.gz"
    text = (
        "#format_version=2.0\n#pgs_id=PGS999999\n#genome_build=GRCh38\n\n"
        "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
        "1\t100\tA\tG\t0.5\n\n2\t200\tC\tT\t-0.25\r\n"
    )
    path.write_bytes(gzip.compress(text.encode()))
    score = read_scoring_file(path)
    assert (score.name, score.header.format_version, len(score)) == ("PGS999999", "2.0", 2)
    table = score.table()
    assert list(table.weight) == [0.5, -0.25] and list(table.lines) == [6, 8]
    bad = tmp_path / "bad.txt"
    bad.write_text(text.replace("2\t200\tC\tT\t-0.25", "#2\t200\tC\tT"))
    with pytest.raises(InputError, match=r"line 8: expected 5 tab-separated fields like the header, found 4"):
        read_scoring_file(bad)


def test_ancestry_tables(tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv.gz"
    labels.write_bytes(gzip.compress(b"IID\tSuperPop\r\nS1\tEUR\n\nS2\tAFR\n"))
    assert read_labels(labels, "SuperPop") == {"S1": "EUR", "S2": "AFR"}
    broken = tmp_path / "broken.tsv"
    broken.write_text("IID\tSuperPop\nS1\tEUR\tx\n")
    with pytest.raises(InputError, match=r"broken.tsv, line 2: expected 2 tab-separated fields like the header"):
        read_labels(broken, "SuperPop")
    ids = tmp_path / "ids.txt"
    ids.write_text("#FID\tIID\nF1\tS1 \nS2\n\n")
    assert read_ids(ids) == {"S1", "S2"}


def test_civic_layout_is_told_by_the_header_line(tmp_path: Path) -> None:
    (tmp_path / "01-Jan-2024-ClinicalEvidenceSummaries.tsv").write_text("\n\ngene\tvariant\n")
    with pytest.raises(KnowledgeError, match=r"line 1: neither the CIViC v1 nor the v2 evidence layout"):
        compile_release(tmp_path)
