"""The column-wise ``.pvar`` reader finds the same chromosome and position per variant as pgenlib's own reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailormed.errors import InputError
from tailormed.evidence.pgen import pvar_sites
from tailormed.model.chrom import canonical_chrom

pgenlib = pytest.importorskip("pgenlib", reason="pgenlib is the optional cohort extra")

CHROMS = ["1", "2", "10", "22", "X", "Y", "MT", "chr7"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(CHROMS), st.integers(min_value=1, max_value=2_147_483_646)), min_size=1, max_size=40
    ),
    meta=st.integers(min_value=0, max_value=3),
    extra=st.booleans(),
    final_newline=st.booleans(),
)
def test_same_sites_as_pgenlib(
    tmp_path: Path, rows: list[tuple[str, int]], meta: int, extra: bool, final_newline: bool
) -> None:
    columns = ["#CHROM", "POS", "ID", "REF", "ALT"] + (["QUAL", "FILTER", "INFO"] if extra else [])
    lines = [f"##meta{i}=x" for i in range(meta)] + ["\t".join(columns)]
    for number, (chrom, pos) in enumerate(rows):
        fields = [chrom, str(pos), f"v{number}", "A", "G"] + ([".", "PASS", "AF=0.1"] if extra else [])
        lines.append("\t".join(fields))
    path = tmp_path / "t.pvar"
    path.write_text("\n".join(lines) + ("\n" if final_newline else ""))
    codes, names, pos = pvar_sites(path)
    reader = pgenlib.PvarReader(str(path).encode())
    assert reader.get_variant_ct() == len(rows) == len(pos)
    theirs = [
        (canonical_chrom(reader.get_variant_chrom(i).decode()), int(reader.get_variant_pos(i)))
        for i in range(len(rows))
    ]
    assert [(names[code], int(at)) for code, at in zip(codes.tolist(), pos.tolist(), strict=True)] == theirs


def test_headerless_pvar_is_read_in_bim_order(tmp_path: Path) -> None:
    path = tmp_path / "b.pvar"
    path.write_text("1\trs1\t0\t1500\tA\tG\n2\trs2\t0.1\t77\tC\tT\n")
    codes, names, pos = pvar_sites(path)
    assert [names[c] for c in codes.tolist()] == ["chr1", "chr2"]
    np.testing.assert_array_equal(pos, [1500, 77])


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("1\t100\ta\tA\tG\n1\t1x0\tb\tA\tG\n", "POS '1x0' is not a number", 3),
        ("1\t100\ta\tA\tG\n1\n", "1 columns, the position is column 2", 3),
        ("1\t\ta\tA\tG\n", "POS '' is not a number", 2),
    ],
)
def test_broken_lines_are_refused_with_their_line(tmp_path: Path, body: str, message: str, line: int) -> None:
    path = tmp_path / "broken.pvar"
    path.write_text("#CHROM\tPOS\tID\tREF\tALT\n" + body)
    with pytest.raises(InputError) as raised:
        pvar_sites(path)
    assert message in raised.value.message
    assert raised.value.location == f"line {line}"
