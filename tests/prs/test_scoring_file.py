"""Reading PGS Catalog scoring files: real files of each format, complex rows rejected, bad files fuzzed."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tailormed.errors import InputError
from tailormed.knowledge import pgs_scoring
from tailormed.knowledge.pgs_scoring import EffectType, ScoreRows, ScoringFile, read_scoring_file
from tailormed.model.genotype import GenomeBuild

HEADER = "#format_version=2.0\n#pgs_id=PGS999999\n#genome_build=GRCh38\n"
COLUMNS = "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"


def _write(tmp_path: Path, text: str, name: str = "score.txt") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.shared
def test_format_1_0_with_frequencies(pgs_dir: Path) -> None:
    score = read_scoring_file(pgs_dir / "PGS000004.txt")
    assert (score.name, score.header.format_version, len(score)) == ("PGS000004", "1.0", 313)
    assert score.builds == (GenomeBuild.GRCH37,)
    table = score.table()
    assert table.effect_allele[0] == "T" and table.other_allele[0] == "A"  # 1.0 calls it reference_allele
    assert table.effect_allele_frequency[0] == pytest.approx(0.4097)
    assert not np.isnan(table.effect_allele_frequency).any()


@pytest.mark.shared
def test_harmonized_file_gives_both_builds(pgs_dir: Path) -> None:
    score = read_scoring_file(pgs_dir / "PGS000004_hmPOS_GRCh38.txt")
    assert set(score.builds) == {GenomeBuild.GRCH37, GenomeBuild.GRCH38}
    assert int(score.positions(GenomeBuild.GRCH38).pos[0]) == 100414772
    assert int(score.positions(GenomeBuild.GRCH37).pos[0]) == 100880328
    assert score.header.hm_date == "2022-07-29"


@pytest.mark.shared
def test_gzipped_harmonized_and_normalised_files(pgs_dir: Path) -> None:
    hm = read_scoring_file(pgs_dir / "PGS000001_hmPOS_GRCh37.txt.gz")
    assert (hm.name, len(hm), hm.builds) == ("PGS000001", 77, (GenomeBuild.GRCH37,))
    normalised = read_scoring_file(pgs_dir / "PGS001229_hmPOS_GRCh38.normalised.txt.gz")
    assert (normalised.name, normalised.header.format_version, len(normalised)) == ("PGS001229", "normalised", 51209)
    assert normalised.builds == (GenomeBuild.GRCH38,)  # from the file name, as pgsc_calc names it


@pytest.mark.shared
def test_complex_variants_are_rejected_with_the_line(pgs_dir: Path) -> None:
    with pytest.raises(InputError, match=r"line 2: 8 of 33 rows are haplotype, diplotype or interaction") as caught:
        read_scoring_file(pgs_dir / "complex_variants_PGS000021.txt")
    assert "not supported" in str(caught.value)


@pytest.mark.shared
def test_rsid_only_file_asks_for_the_harmonized_file(pgs_dir: Path) -> None:
    with pytest.raises(InputError, match="rsIDs only"):
        read_scoring_file(pgs_dir / "PGS000001.txt.gz")


def test_dominant_recessive_and_inferred_other_allele(tmp_path: Path) -> None:
    text = (
        "#format_version=2.0\n#pgs_id=PGS000123\n#HmPOS_build=GRCh38\n"
        "effect_allele\tother_allele\teffect_weight\tis_dominant\tis_recessive\thm_chr\thm_pos\thm_inferOtherAllele\n"
        "A\tG\t0.1\tTrue\tFalse\t1\t100\t\n"
        "C\t\t0.2\tFalse\tTRUE\t2\t200\tT\n"
        "G\t\t0.3\tFalse\tFalse\t\t\tA/C\n"
    )
    score = read_scoring_file(_write(tmp_path, text))
    table = score.table()
    assert table.effect_type == (EffectType.DOMINANT, EffectType.RECESSIVE, EffectType.ADDITIVE)
    assert table.other_allele == ("G", "T", None)  # an ambiguous inferred allele (A/C) is not used
    positions = score.positions(GenomeBuild.GRCH38)
    assert positions.chrom == ("chr1", "chr2", None)
    with pytest.raises(InputError, match="no positions in GRCh37"):
        score.positions(GenomeBuild.GRCH37)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("1\t100\tA\tG\tabc\n", r"line 5: effect_weight is not a number: 'abc'"),
        ("1\t100\tA\tG\n", r"line 5: expected 5 tab-separated fields"),
        ("1\tx\tA\tG\t0.1\n", r"line 5: chr position is not a whole number"),
        ("1\t0\tA\tG\t0.1\n", r"line 5: chr position 0 is less than 1"),
        ("1\t99999999999999999999\tA\tG\t0.1\n", r"line 5: chr position 99999999999999999999 is too large"),
        ("1\t100\t\tG\t0.1\n", r"line 5: effect_allele is empty"),
        ("1\t100\tA\tG\tinf\n", r"line 5: effect_weight is not a finite number"),
        ("", "has no variants"),
    ],
)
def test_bad_rows_name_the_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_scoring_file(_write(tmp_path, HEADER + COLUMNS + body))


def test_unknown_build_and_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="genome build of the positions is unknown"):
        read_scoring_file(_write(tmp_path, "#genome_build=NR\n" + COLUMNS + "1\t100\tA\tG\t0.1\n"))
    with pytest.raises(InputError, match="no 'effect_weight' column"):
        read_scoring_file(_write(tmp_path, HEADER + "chr_name\tchr_position\teffect_allele\n1\t2\tA\n"))
    with pytest.raises(InputError, match="dosage-specific weights"):
        read_scoring_file(_write(tmp_path, HEADER + "effect_allele\teffect_weight\tdosage_0_weight\nA\t1\t0\n"))


def test_corrupt_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "score.txt.gz"
    path.write_bytes(gzip.compress((HEADER + COLUMNS + "1\t100\tA\tG\t0.1\n").encode())[:-12])
    with pytest.raises(InputError, match="gzip"):
        read_scoring_file(path)


_cell = st.sampled_from(["", "A", "G", "AT", "1", "22", "100", "-0.5", "1e-3", "True", "x", "NA", "nan", "P", "0"])
_line = st.lists(_cell, min_size=0, max_size=8).map("\t".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.lists(st.sampled_from([HEADER, "# PGS ID = PGS1\n", "#HmPOS_build=GRCh37\n", "##x\n", "#a=b\n"])),
    columns=st.sampled_from(
        [
            COLUMNS,
            "rsID\teffect_allele\teffect_weight\n",
            "hm_chr\thm_pos\teffect_allele\teffect_weight\tis_haplotype\n",
            "chr_name\tchr_position\teffect_allele\teffect_weight\teffect_type\taccession\n",
            "",
        ]
    ),
    body=st.lists(_line, max_size=6),
    raw=st.binary(max_size=40),
)
def test_fuzz_bad_files_raise_input_error_only(
    tmp_path: Path, header: list[str], columns: str, body: list[str], raw: bytes
) -> None:
    path = tmp_path / "fuzz.txt"
    path.write_bytes("".join(header).encode() + columns.encode() + "\n".join(body).encode() + raw)
    try:
        score = read_scoring_file(path)
    except InputError:
        return
    assert len(score) > 0 and score.builds


def _both(path: Path) -> tuple[object, object]:
    """The file read column-wise (as read_scoring_file does) and with every cell checked row by row."""
    try:
        fast: object = read_scoring_file(path)
    except InputError as exc:
        fast = str(exc)
    columns, rows, positions = pgs_scoring._columns, pgs_scoring._rows, pgs_scoring._positions
    try:
        pgs_scoring._columns = lambda path, index, other, found: rows(path, index, other, found)  # type: ignore[assignment]
        pgs_scoring._positions = pgs_scoring._positions_by_row
        try:
            slow: object = read_scoring_file(path)
        except InputError as exc:
            slow = str(exc)
    finally:
        pgs_scoring._columns, pgs_scoring._positions = columns, positions
    return fast, slow


def _same(fast: object, slow: object) -> None:
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
        return
    assert isinstance(fast, ScoringFile) and isinstance(slow, ScoringFile)
    assert (fast.header, fast.builds, len(fast)) == (slow.header, slow.builds, len(slow))
    for build in fast.builds:
        mine, theirs = fast.table(build), slow.table(build)
        for name in ("chrom", "effect_allele", "other_allele", "effect_type"):
            assert getattr(mine, name) == getattr(theirs, name)
        for name in ("rows", "lines", "pos", "weight", "effect_allele_frequency"):
            np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name))
        assert fast.chromosomes(build) == slow.chromosomes(build)
        for chrom in (*fast.chromosomes(build), None):
            _same_rows(fast.rows(build, chrom), slow.rows(build, chrom))
            _same_rows(fast.rows(build, chrom), _by_position(mine, chrom))


def _same_rows(mine: ScoreRows, theirs: ScoreRows) -> None:
    for name in ("chrom", "effect_allele", "other_allele", "effect_type"):
        assert getattr(mine, name) == getattr(theirs, name)
    for name in ("rows", "lines", "pos", "weight", "effect_allele_frequency"):
        np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name))


def _by_position(table: ScoreRows, chrom: str | None) -> ScoreRows:
    """The rows of ``table`` on ``chrom``, sorted by position (a position's rows in file order)."""
    rows = [row for row, name in enumerate(table.chrom) if name == chrom]
    rows.sort(key=lambda row: int(table.pos[row]))
    return ScoreRows(
        rows=table.rows[rows],
        lines=table.lines[rows],
        chrom=tuple(table.chrom[row] for row in rows),
        pos=table.pos[rows],
        effect_allele=tuple(table.effect_allele[row] for row in rows),
        other_allele=tuple(table.other_allele[row] for row in rows),
        weight=table.weight[rows],
        effect_type=tuple(table.effect_type[row] for row in rows),
        effect_allele_frequency=table.effect_allele_frequency[rows],
    )


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "PGS000001_hmPOS_GRCh38.txt.gz",
        "PGS000004.txt",
        "PGS000004_hmPOS_GRCh38.txt",
        "PGS001229_22.GRCh37.txt",
        "PGS001229_hmPOS_GRCh38.normalised.txt.gz",
    ],
)
def test_column_wise_reading_equals_row_by_row_on_real_files(pgs_dir: Path, name: str) -> None:
    _same(*_both(pgs_dir / name))


_value_cell = st.sampled_from(
    ["", " ", "NA", "nan", "NaN", ".", "A", " g ", "AT", "1", "0", "-3", "22", "X", "chr7", "1e-3", "-0.5", "0.5 ",
     "1.5", "inf", "x", "True", "false", "rs12", "1_0", "+5", "99999999999999999999999"]
)  # fmt: skip


#: Column sets with a plain row of each (every cell valid), which the test then changes a cell or two at a time.
_LAYOUTS = [
    ("chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tallelefrequency_effect\trsID",
     ["1", "100", "A", "G", "0.25", "0.5", "rs1"]),
    ("chr_name\tchr_position\teffect_allele\treference_allele\teffect_weight\tis_dominant\tis_recessive",
     ["1", "100", "A", "G", "0.25", "False", "False"]),
    ("hm_chr\thm_pos\teffect_allele\thm_inferOtherAllele\teffect_weight\thm_rsID\trsID",
     ["1", "100", "A", "G", "0.25", "rs1", "."]),
    ("chr_name\tchr_position\teffect_allele\teffect_weight\teffect_type\taccession\tallelefrequency_effect",
     ["1", "100", "A", "0.25", "additive", "PGS999999", "0.1"]),
    ("chr_name\tchr_position\teffect_allele\teffect_weight\tis_haplotype\tis_diplotype\taccession",
     ["1", "100", "A", "0.25", "False", "False", "PGS999999"]),
]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    layout=st.sampled_from(_LAYOUTS),
    changes=st.lists(st.lists(st.tuples(st.integers(0, 6), _value_cell), max_size=2), min_size=1, max_size=4),
)
@example(layout=_LAYOUTS[0], changes=[[], [(5, "NaN")]])  # a stated NaN frequency is an error, not a missing one
@example(layout=_LAYOUTS[2], changes=[[(3, "")]])  # the other allele inferred where none is given
def test_column_wise_reading_equals_row_by_row(
    tmp_path: Path, layout: tuple[str, list[str]], changes: list[list[tuple[int, str]]]
) -> None:
    """Whatever the cells (missing, padded, not numbers, out of range), reading a column at a time gives the values
    of the row-by-row reading, or its error naming the same line."""
    columns, plain = layout
    body = []
    for number, changed in enumerate(changes):
        row = [*plain[:1], str(100 + number), *plain[2:]]
        for column, text in changed:
            row[column] = text
        body.append("\t".join(row))
    header = "#pgs_id=PGS999999\n#genome_build=GRCh38\n#HmPOS_build=GRCh38\n"
    path = tmp_path / "score.txt"
    path.write_text(header + columns + "\n" + "\n".join(body) + "\n")
    _same(*_both(path))


def _read(path: Path, reader: Callable[[Path], object]) -> object:
    try:
        return reader(path)
    except InputError as exc:
        return str(exc)


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "PGS000001_hmPOS_GRCh38.txt.gz",
        "PGS000004.txt",
        "PGS000004_hmPOS_GRCh38.txt",
        "PGS001229_hmPOS_GRCh38.normalised.txt.gz",
        "complex_variants_PGS000021.txt",
        "PGS000002.txt.gz",
    ],
)
def test_reading_in_chunks_equals_reading_in_one_on_real_files(
    pgs_dir: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _read(pgs_dir / name, read_scoring_file)
    monkeypatch.setattr(pgs_scoring, "CHUNK", 7)
    _same(_read(pgs_dir / name, read_scoring_file), whole)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    layout=st.sampled_from(_LAYOUTS),
    changes=st.lists(st.lists(st.tuples(st.integers(0, 6), _value_cell), max_size=2), min_size=1, max_size=6),
    chunk=st.integers(1, 3),
)
def test_reading_in_chunks_equals_reading_in_one(
    tmp_path: Path, layout: tuple[str, list[str]], changes: list[list[tuple[int, str]]], chunk: int
) -> None:
    """Chunks of a few lines give the values of reading the file as one chunk, or its error: the first bad line of
    the file, even when a later chunk holds an error found at an earlier step (a complex row, several scores)."""
    columns, plain = layout
    body = []
    for number, changed in enumerate(changes):
        row = [*plain[:1], str(100 + number), *plain[2:]]
        for column, text in changed:
            row[column] = text
        body.append("\t".join(row))
    path = tmp_path / "score.txt"
    path.write_text("#pgs_id=PGS999999\n#genome_build=GRCh38\n" + columns + "\n" + "\n".join(body) + "\n")
    kept = pgs_scoring.CHUNK
    try:
        pgs_scoring.CHUNK = chunk
        chunked = _read(path, read_scoring_file)
    finally:
        pgs_scoring.CHUNK = kept
    _same(chunked, _read(path, read_scoring_file))


def test_an_unreadable_line_after_a_bad_chunk_is_the_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad cell in an early chunk waits: a later line of the wrong width, or a complex row, is the error."""
    monkeypatch.setattr(pgs_scoring, "CHUNK", 1)
    bad_weight = "1\t100\tA\tG\tx\n"
    with pytest.raises(InputError, match=r"line 7: expected 5 tab-separated fields like the header, found 4"):
        read_scoring_file(_write(tmp_path, HEADER + COLUMNS + bad_weight + "1\t101\tA\tG\t0.1\n1\t102\tA\tG\n"))
    columns = "chr_name\tchr_position\teffect_allele\teffect_weight\tis_haplotype\n"
    rows = "1\t100\tA\tx\tFalse\n1\t101\tA\t0.1\tFalse\n1\t102\tA\t0.1\tTrue\n"
    with pytest.raises(InputError, match=r"line 7: 1 of 3 rows are haplotype, diplotype or interaction terms"):
        read_scoring_file(_write(tmp_path, HEADER + columns + rows))
