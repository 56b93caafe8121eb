"""The cohort summary's plots: plain SVG drawn once from the summary's numbers (no plotting library)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tailormed.cohort.summary import _bars, _boxes, _ticks


def _numbers(svg: str, name: str) -> list[float]:
    return [float(value) for value in re.findall(rf' {name}="([-0-9.]+)"', svg)]


def test_bars_are_as_long_as_their_shares_on_a_labelled_axis() -> None:
    svg = _bars(["CYP2C19 – clopidogrel", "a <b> & c"], [0.5, 0.125], "people (%)")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    assert len(widths) == 2 and abs(widths[0] / widths[1] - 4) < 1e-3
    assert "a &lt;b&gt; &amp; c" in svg and "<title>50%</title>" in svg and ">people (%)</text>" in svg
    assert re.findall(r'text-anchor="middle">([0-9.]+)</text>', svg) == ["0", "10", "20", "30", "40", "50"]


def test_boxes_place_quartiles_median_and_whiskers_in_order() -> None:
    groups = {
        "EUR": {"people": 12, "p5": -1.0, "p25": -0.25, "median": 0.1, "p75": 0.5, "p95": 2.0},
        "AFR": {"people": 3, "p5": 0.0, "p25": 0.2, "median": 0.3, "p75": 0.4, "p95": 0.6},
    }
    svg = _boxes(groups, "score sum")
    assert "EUR (n=12)" in svg and "AFR (n=3)" in svg
    first = svg[svg.index("<g ") : svg.index("</g>")]
    x = sorted(set(_numbers(first, "x1") + _numbers(first, "x2")))
    assert len(x) == 5  # 5th, 25th, median, 75th, 95th percentiles at distinct increasing positions
    assert _ticks(-1.0, 2.0) == [-1.0, 0.0, 1.0, 2.0] and _ticks(0.0, 0.37) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert _ticks(0.0, 0.0) == [0.0, 0.2]  # a single value still gets an axis


def test_the_summary_page_draws_without_matplotlib() -> None:
    code = (
        "import sys; from tailormed.cohort.summary import summary_html; "
        "page = summary_html({'run': {'samples': 1, 'fingerprint': 'f' * 12}, 'groups': {'all': 1}, "
        "'actionable': {'people': 1, 'with_actionable': 1, 'share': 1.0, 'by_group': {}, 'top_actions': "
        "[{'genes': 'TPMT', 'drug': 'azathioprine', 'people': 1, 'share': 1.0}]}}); "
        "assert page.count('<svg') == 1, page; assert 'matplotlib' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
