"""The paper-style accuracy tables as Markdown, for the terminal and for docs/validation.md."""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.engines.response.conformal import Coverage
from tailormed.engines.response.warfarin.evaluation import PairedComparison, TableRow

_GROUPINGS = ("cohort", "measurements", "dose band", "race", "sex")


def accuracy_table(rows: Sequence[TableRow], groupings: Sequence[str] = _GROUPINGS) -> str:
    """One line per model and subgroup: n, MAE, % within 20%, R² and (extreme bands) % predicted in band."""
    lines = ["| model | subgroup | n | MAE mg/wk | within 20% | R² | predicted in band |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for group_by in groupings:
        for row in rows:
            if row.group_by != group_by:
                continue
            m = row.metrics
            r2 = f"{m.r2:.3f}" if m.r2 is not None else "–"
            band = f"{m.band_correct:.1%}" if m.band_correct is not None else ""
            label = row.group if group_by == "cohort" else f"{group_by}: {row.group}"
            lines.append(f"| {row.model} | {label} | {m.n} | {m.mae:.2f} | {m.pw20:.1%} | {r2} | {band} |")
    return "\n".join(lines)


def paired_table(comparisons: Sequence[PairedComparison]) -> str:
    lines = ["| model vs reference | n | Δ mean abs error mg/wk (95% CI, site bootstrap) | Δ within 20% (95% CI) "
             "| McNemar: only model / only reference hit, p |",
             "| --- | ---: | --- | --- | --- |"]
    for c in comparisons:
        d, w = c.abs_error_difference, c.pw20_difference
        lines.append(
            f"| {c.model} vs {c.reference} | {c.n} | {d.value:+.2f} ({d.low:+.2f} to {d.high:+.2f}) | "
            f"{w.value:+.1%} ({w.low:+.1%} to {w.high:+.1%}) | {c.mcnemar.only_first} / {c.mcnemar.only_second}, "
            f"p = {c.mcnemar.p_value:.3g} |"
        )
    return "\n".join(lines)


def coverage_table(rows: Sequence[Coverage], group_by: str) -> str:
    lines = [f"| level | {group_by} | n | coverage | median width mg/wk |", "| ---: | --- | ---: | ---: | ---: |"]
    lines += [f"| {r.level:.0%} | {'all' if r.group == '*' else r.group} | {r.n} | {r.coverage:.1%} | "
              f"{r.median_width:.1f} |" for r in rows]
    return "\n".join(lines)
