"""Outside-call TSV: conventions normalized, bad lines rejected with file and line (or skipped when lenient)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.errors import InputError
from tailormed.intake.outside_calls import apply_outside_calls, parse_outside_calls, read_outside_calls
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall

GENES = ("CYP2D6", "CYP2C9", "CYP2C19", "HLA-B", "MT-RNR1", "SLCO1B1")


def parse(text: str, **kwargs: object) -> list[GeneCall]:
    return parse_outside_calls(text, source="calls.tsv", known_genes=GENES, **kwargs).calls  # type: ignore[arg-type]


def test_conventions() -> None:
    calls = parse(
        "# from Cyrius\n"
        "CYP2D6\t*4.024/*1×2\n"
        "HLA-B\tHLA-B*57:01:01/*07:02:01:127\n"
        "CYP2C9\t\t\t2\n"
        "cyp2c19\t\tPM\n"
        "MT-RNR1\t1555A>G\n"
        "SLCO1B1\t*45.001/*1\n",
        allele_names={"SLCO1B1": {"*45.001", "*1"}},
    )
    by_gene = {c.gene: c for c in calls}
    assert by_gene["CYP2D6"].diplotypes == [Diplotype(allele1="*1x2", allele2="*4")]
    assert by_gene["HLA-B"].diplotypes == [Diplotype(allele1="*07:02", allele2="*57:01")]
    assert by_gene["CYP2C9"].outside_activity_score == "2.0"
    assert by_gene["CYP2C9"].diplotypes == []
    assert by_gene["CYP2C19"].outside_phenotype == "Poor Metabolizer"
    assert by_gene["MT-RNR1"].diplotypes == [Diplotype(allele1="1555A>G", allele2="")]
    assert by_gene["SLCO1B1"].diplotypes == [Diplotype(allele1="*1", allele2="*45.001")]
    assert all(c.origin is CallOrigin.OUTSIDE_CALL and c.status is CallStatus.CALLED for c in calls)


def test_copy_number_and_tandem() -> None:
    (call,) = parse("CYP2D6\t*1>=3/*68+*4.013\n")
    assert call.diplotypes[0].name == "*1≥3/*68+*4"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CYP9Z9\t*1/*1\n", "unknown gene 'CYP9Z9'"),
        ("CYP2D6 *1/*4\n", "the columns must be separated by tabs, not spaces"),
        ("CYP2D6\t*1/*2\nCYP2D6\t*1/*1\n", "already called on line 2"),
        ("CYP2D6\n", "no diplotype, phenotype or activity score"),
        ("CYP2D6\t*1/*2/*3\n", "more than two alleles"),
        ("CYP2D6\t*1/\n", "empty allele"),
        ("CYP2C9\t\t\tfast\n", "not a number"),
        ("CYP2D6\t*1/*2\ta\tb\tc\n", "5 columns"),
    ],
)
def test_bad_lines(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        parse("# header\n" + text)
    assert info.value.source == "calls.tsv"
    assert info.value.location is not None and info.value.location.startswith("line ")


def test_bad_line_number_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "calls.tsv"
    path.write_text("CYP2D6\t*1/*2\n\nHLA-X\t*1/*1\n")
    with pytest.raises(InputError) as info:
        read_outside_calls(path, known_genes=GENES)
    assert str(info.value) == f"{path}, line 3: unknown gene 'HLA-X'"


def test_lenient_skips_bad_lines() -> None:
    result = parse_outside_calls("CYP2D6\t*1/*2\nBAD\t*1\n", source="c.tsv", known_genes=GENES, lenient=True)
    assert [c.gene for c in result.calls] == ["CYP2D6"]
    assert result.warnings == ["c.tsv, line 2: unknown gene 'BAD'; line skipped"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_outside_calls(tmp_path / "none.tsv", known_genes=GENES)


def test_outside_call_overrides_matcher() -> None:
    matched = [
        GeneCall(sample="s", gene="CYP2C9", status=CallStatus.NO_CALL),
        GeneCall(sample="s", gene="TPMT", status=CallStatus.CALLED, diplotypes=[Diplotype(allele1="*1", allele2="*1")]),
    ]
    outside = parse("CYP2C9\t*1/*3\nCYP2D6\t*1/*4\n")
    merged = apply_outside_calls(matched, outside)
    assert [(c.gene, c.origin) for c in merged] == [
        ("CYP2C9", CallOrigin.OUTSIDE_CALL),
        ("CYP2D6", CallOrigin.OUTSIDE_CALL),
        ("TPMT", CallOrigin.MATCHER),
    ]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("CYP2D6HLA-B*1234.:/x×≥>=+[] \t\n#PMabc")), max_size=80))
def test_fuzz_only_input_errors(text: str) -> None:
    with contextlib.suppress(InputError):
        parse(text)


@pytest.mark.parametrize(
    "typing",
    ["*57:01 positive", "HLA-B*57:01 positive", "positive", "*57:01 negative", "B57", "*57", "*5701", "*57:01/pos"],
)
def test_an_hla_diplotype_that_is_not_allele_names_is_refused(typing: str) -> None:
    """A lab's wording in the diplotype column ("*57:01 positive") was read as an allele no guideline row names, so
    CPIC's abacavir guidance fell to its non-carrier row ("Use abacavir per standard dosing guidelines") for a
    carrier. Only HLA allele names (two fields or more) are a typing; a test result goes in the phenotype column."""
    with pytest.raises(InputError) as caught:
        parse(f"HLA-B\t{typing}\n")
    assert caught.value.location == "line 1"
    assert "is not an HLA allele name" in caught.value.message
    assert "phenotype column" in caught.value.message
    (call,) = parse("HLA-B\t\t*57:01 positive\n")
    assert call.outside_phenotype == "*57:01 positive"
