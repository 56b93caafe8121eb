"""``distinct_rows``: the first row of each distinct row and each row's number among them, numbered in the sorted
order of the rows, whichever way it finds them (counted keys for a few genotypes, sorted keys, whole rows)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.evidence.calls import distinct_rows


def _sorted_rows(table: npt.NDArray[np.integer]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    if len(table) < 2:
        return np.zeros(len(table), dtype=np.intp), np.zeros(len(table), dtype=np.intp)
    _, first, inverse = np.unique(table.astype(np.int64), axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


@st.composite
def tables(draw: st.DrawFn) -> npt.NDArray[np.integer]:
    """Rows drawn from a few distinct ones (as a site's genotypes are), in value ranges from allele indices to
    phase sets, so each way of finding them is taken."""
    width = draw(st.integers(1, 5))
    high = draw(st.sampled_from([2, 3, 40, 70_000, 2**40]))
    kinds = draw(st.lists(st.lists(st.integers(-2, high), min_size=width, max_size=width), min_size=1, max_size=12))
    picks = draw(st.lists(st.integers(0, len(kinds) - 1), max_size=300))
    dtype = draw(st.sampled_from([np.int16, np.int32, np.int64]))
    if high > np.iinfo(dtype).max:
        dtype = np.int64
    return np.array([kinds[i] for i in picks], dtype=dtype).reshape(len(picks), width)


@settings(max_examples=400, deadline=None)
@given(tables())
def test_distinct_rows_are_the_sorted_distinct_rows_and_their_first_rows(table: npt.NDArray[np.integer]) -> None:
    first, inverse = distinct_rows(table)
    expected_first, expected_inverse = _sorted_rows(table)
    assert first.dtype == inverse.dtype == np.intp
    assert first.tolist() == expected_first.tolist()
    assert inverse.tolist() == expected_inverse.tolist()
