"""Report plots drawn with matplotlib as inline SVG: risk what-if bars, score percentiles, predictions with intervals.

Figures are made without pyplot (no global state, no display needed). Text stays text in the SVG so the HTML's
fonts apply and PDFs stay small; each plot gets its own id salt so several inline SVGs on one page never share ids.
matplotlib is imported by the first plot drawn, so a plan with nothing to plot never loads it.
"""

from __future__ import annotations

import io
import re
from statistics import NormalDist
from typing import TYPE_CHECKING

from tailormed.model.payloads import ClinicalRiskData, DosePredictionData, PolygenicScoreData

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_INK = "#1f2933"
_MUTED = "#9aa5b1"
_ACCENT = "#c0392b"
_BETTER = "#1e8449"
_WIDTH_IN = 6.2
_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def risk_whatif_svg(data: ClinicalRiskData, salt: str) -> str | None:
    """Horizontal bars: the current risk, then each what-if scenario's risk, in percent over the horizon."""
    now = data.integrated_risk if data.integrated_risk is not None else data.equation_risk
    if now is None:
        return None
    labels = ["Now"] + [s.title for s in data.scenarios]
    values = [now * 100] + [s.risk_after * 100 for s in data.scenarios]
    colours = [_ACCENT] + [_BETTER if s.risk_after < s.risk_before else _MUTED for s in data.scenarios]
    height = 0.9 + 0.38 * len(labels)
    fig = _figure(height)
    ax = fig.add_subplot()
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, values, color=colours, height=0.6)
    if data.integrated_low is not None and data.integrated_high is not None:
        low, high = data.integrated_low * 100, data.integrated_high * 100
        ax.errorbar(
            [now * 100],
            [positions[0]],
            xerr=[[now * 100 - low], [high - now * 100]],
            fmt="none",
            ecolor=_INK,
            capsize=3,
            lw=1,
        )
    for y, value in zip(positions, values, strict=True):
        ax.text(value, y, f" {value:.1f}%", va="center", fontsize=8, color=_INK)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_xlim(0, max([*values, 1.0]) * 1.25)
    ax.set_xlabel(f"{data.outcome}: risk over {data.horizon_years:g} years (%)", fontsize=8)
    _tidy(ax)
    return _svg(fig, salt)


def percentile_svg(data: PolygenicScoreData, salt: str) -> str | None:
    """The reference distribution of the score (standard normal) with the patient's position and percentile."""
    z = data.z
    if z is None and data.percentile is not None:
        z = NormalDist().inv_cdf(min(max(data.percentile / 100, 0.001), 0.999))
    if z is None:
        return None
    dist = NormalDist()
    xs = [-4 + i * 0.04 for i in range(201)]
    ys = [dist.pdf(x) for x in xs]
    percentile = data.percentile if data.percentile is not None else dist.cdf(z) * 100
    fig = _figure(1.7)
    ax = fig.add_subplot()
    ax.plot(xs, ys, color=_INK, lw=1)
    below = [(x, y) for x, y in zip(xs, ys, strict=True) if x <= z]
    if below:
        ax.fill_between([x for x, _ in below], [y for _, y in below], color=_MUTED, alpha=0.5)
    ax.axvline(z, color=_ACCENT, lw=1.5)
    ax.text(
        z,
        max(ys) * 1.02,
        f" {percentile:.0f}th percentile (z = {z:.2f})",
        fontsize=8,
        color=_ACCENT,
        ha="left" if z < 1.5 else "right",
    )
    ax.set_yticks([])
    ax.set_xlim(-4, 4)
    ax.set_ylim(0, max(ys) * 1.2)
    reference = f" ({data.reference})" if data.reference else ""
    ax.set_xlabel(f"{data.pgs_id} {data.trait}: standard deviations from the reference mean{reference}", fontsize=8)
    _tidy(ax)
    return _svg(fig, salt)


def prediction_svg(data: DosePredictionData, salt: str) -> str:
    """The predicted value as a point with its interval, on the prediction's own scale."""
    fig = _figure(1.1)
    ax = fig.add_subplot()
    ax.errorbar(
        [data.predicted],
        [0],
        xerr=[[data.predicted - data.interval_low], [data.interval_high - data.predicted]],
        fmt="o",
        color=_ACCENT,
        ecolor=_INK,
        capsize=4,
        lw=1.5,
    )
    ax.text(data.predicted, 0.25, f"{data.predicted:.1f} {data.unit}", ha="center", fontsize=8, color=_INK)
    span = max(data.interval_high - data.interval_low, abs(data.predicted) * 0.2, 1e-6)
    ax.set_xlim(data.interval_low - span * 0.4, data.interval_high + span * 0.4)
    ax.set_ylim(-0.5, 0.6)
    ax.set_yticks([])
    ax.set_xlabel(
        f"{data.task} ({data.unit}); bar: {data.level:.0%} interval {data.interval_low:.1f}-{data.interval_high:.1f}",
        fontsize=8,
    )
    _tidy(ax)
    return _svg(fig, salt)


def _figure(height: float) -> Figure:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fig = Figure(figsize=(_WIDTH_IN, height), layout="constrained")
    FigureCanvasSVG(fig)
    return fig


def _tidy(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors=_INK)


def _svg(fig: Figure, salt: str) -> str:
    from matplotlib import rc_context

    buffer = io.StringIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": salt, "font.family": "DejaVu Sans"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _XML_HEAD.sub("", buffer.getvalue(), count=1)
