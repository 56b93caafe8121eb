"""The cohort summary: what a biobank or health system wants to see first about a finished cohort run.

Per gene: allele, diplotype and phenotype frequencies (overall and per population group when a population file is
given); the share of people with at least one actionable PGx recommendation and the most frequent gene-drug actions;
polygenic score distributions per group; hereditary finding rates per gene. Written as ``summary.json`` (numbers)
and ``summary.html`` (the same numbers with plots as inline SVG: no network, works offline). Only called diplotypes
count towards frequencies; people whose gene was not called are counted separately, never as reference.
"""

from __future__ import annotations

import csv
import html
import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tailormed.cohort.tables import (
    HEREDITARY_TABLE,
    PGX_CALLS_TABLE,
    PGX_RECOMMENDATIONS_TABLE,
    PRS_TABLE,
    read_table,
)
from tailormed.errors import InputError
from tailormed.fileio import write_text_atomic

SUMMARY_JSON = "summary.json"
SUMMARY_HTML = "summary.html"
#: The group of people without a population in the population file.
UNKNOWN_GROUP = "unknown"
#: How many gene-drug actions the summary lists.
TOP_ACTIONS = 15


def read_populations(path: Path, column: str) -> dict[str, str]:
    """Sample -> population from a TSV with a sample column (``sample``, ``IID`` or ``#IID``) and ``column``."""
    if not path.is_file():
        raise InputError("population file not found", source=path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        fields = reader.fieldnames or []
        key = next((name for name in ("sample", "IID", "#IID") if name in fields), None)
        if key is None or column not in fields:
            raise InputError(
                f"needs a sample column (sample, IID or #IID) and a {column!r} column; found {', '.join(fields)}",
                source=path,
                location="line 1",
            )
        found: dict[str, str] = {}
        for number, row in enumerate(reader, start=2):
            sample, group = (row.get(key) or "").strip(), (row.get(column) or "").strip()
            if not sample:
                raise InputError("empty sample ID", source=path, location=f"line {number}")
            found[sample] = group or UNKNOWN_GROUP
    return found


def _group_of(populations: Mapping[str, str] | None, sample: str) -> str:
    if populations is None:
        return "all"
    return populations.get(sample) or populations.get(sample.split("_")[0]) or UNKNOWN_GROUP


def _share(count: int, total: int) -> float:
    return round(count / total, 6) if total else 0.0


def pgx_frequencies(calls: pa.Table, groups: Mapping[str, str]) -> dict[str, Any]:
    """Per gene and group: called people, not called, and allele, diplotype and phenotype frequencies.

    Counted on the table's columns, not on row objects (a cohort of 10,000 has 200,000 call rows); equal counts
    keep the order in which their values first appear, as a Counter's would."""
    genes = _encoded(calls.column("gene"))
    gene_of_row = _integers(genes.indices)
    samples = _encoded(calls.column("sample"))
    group_names = ["all", *sorted(set(groups.values()) - {"all"})]
    number = {group: index for index, group in enumerate(group_names)}
    group_of_sample = np.array([number[groups[str(s)]] for s in samples.dictionary.to_pylist()], dtype=np.int64)
    group_of_row = group_of_sample[_integers(samples.indices)]
    diplotype = calls.column("diplotype").combine_chunks()
    phenotype = calls.column("phenotype").combine_chunks()
    called_row = _where(_encoded(calls.column("status")), lambda status: status == "called") & _where(
        _encoded(calls.column("diplotype")), bool
    )
    result: dict[str, Any] = {}
    for code, gene in sorted(enumerate(genes.dictionary.to_pylist()), key=lambda item: str(item[1])):
        in_gene = gene_of_row == code
        per_group: dict[str, Any] = {}
        for index, group in enumerate(group_names):
            chosen = in_gene if group == "all" else in_gene & (group_of_row == index)
            rows = pa.array(np.flatnonzero(chosen & called_row))
            diplotypes = _most_common(diplotype.take(rows))
            phenotypes = _most_common(phenotype.take(rows), blank="no phenotype")
            alleles = _most_common(pc.list_flatten(pc.split_pattern(diplotype.take(rows), "/")))
            people, n, copies = int(np.count_nonzero(chosen)), len(rows), sum(alleles.values())
            per_group[group] = {
                "people": people,
                "called": n,
                "not_called": people - n,
                "alleles": {a: _share(c, copies) for a, c in alleles.items()},
                "diplotypes": {d: _share(c, n) for d, c in diplotypes.items()},
                "phenotypes": {p: _share(c, n) for p, c in phenotypes.items()},
            }
        result[str(gene)] = per_group
    return result


def _most_common(values: pa.Array, blank: str | None = None) -> dict[str, int]:
    """Each value's count, most frequent first, equal counts in order of first appearance (Counter.most_common);
    with ``blank``, null and empty values are counted under that name."""
    counted = pc.value_counts(values)
    found: dict[str, int] = {}
    for value, count in zip(
        counted.field("values").to_pylist(), _integers(counted.field("counts")).tolist(), strict=True
    ):
        name = str(value or blank) if blank is not None else str(value)
        found[name] = found.get(name, 0) + count
    return dict(sorted(found.items(), key=lambda item: -item[1]))


def _encoded(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """The column as distinct values and each row's index into them (a null is a value of its own)."""
    return pc.dictionary_encode(column.combine_chunks(), null_encoding="encode")


def _where(encoded: pa.DictionaryArray, test: Callable[[Any], bool]) -> np.ndarray[Any, Any]:
    """Each row: whether its value passes ``test`` (asked once per distinct value)."""
    passes = np.array([bool(test(value)) for value in encoded.dictionary.to_pylist()], dtype=bool)
    rows: np.ndarray[Any, Any] = passes[_integers(encoded.indices)]
    return rows


def _integers(array: pa.Array) -> np.ndarray[Any, Any]:
    """An integer array without nulls as numpy, read from its buffer (pyarrow's ``to_numpy`` would load pandas)."""
    dtype = np.dtype(f"int{array.type.bit_width}")
    if len(array) == 0:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def actionable_summary(recommendations: pa.Table, people: Sequence[str], groups: Mapping[str, str]) -> dict[str, Any]:
    """Share of people with >= 1 actionable recommendation (overall, per group) and the most frequent actions."""
    actionable = recommendations.filter(pa.array(_where(_encoded(recommendations.column("actionable")), bool)))
    with_action = {str(sample) for sample in pc.unique(actionable.column("sample")).to_pylist()}
    per_group = {}
    for group in sorted(set(groups.values())):
        members = [p for p in people if groups[p] == group]
        per_group[group] = {
            "people": len(members),
            "with_actionable": sum(1 for p in members if p in with_action),
            "share": _share(sum(1 for p in members if p in with_action), len(members)),
        }
    encoded = [_encoded(actionable.column(name)) for name in ("sample", "genes", "drug")]
    codes = np.stack([_integers(column.indices) for column in encoded], axis=1).reshape(-1, 3)
    pairs, counts = np.unique(np.unique(codes, axis=0)[:, 1:], axis=0, return_counts=True)
    genes, drugs = (column.dictionary.to_pylist() for column in encoded[1:])
    actions = {(str(genes[g]), str(drugs[d])): int(count) for (g, d), count in zip(pairs, counts, strict=True)}
    return {
        "people": len(people),
        "with_actionable": len(with_action),
        "share": _share(len(with_action), len(people)),
        "by_group": per_group,
        "top_actions": [
            {"genes": genes, "drug": drug, "people": count, "share": _share(count, len(people))}
            for (genes, drug), count in sorted(actions.items(), key=lambda item: (-item[1], item[0]))[:TOP_ACTIONS]
        ],
    }


def score_distributions(rows: Sequence[Mapping[str, Any]], groups: Mapping[str, str]) -> dict[str, Any]:
    """Per score and group: people, mean, SD and quantiles of the score sum."""
    found: dict[str, Any] = {}
    by_score: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        value = row["sum"]
        if value is not None and value == value:  # NaN: nothing called
            by_score[str(row["pgs_id"])][groups[str(row["sample"])]].append(float(value))
            by_score[str(row["pgs_id"])]["all"].append(float(value))
    for score, per_group in sorted(by_score.items()):
        found[score] = {}
        for group, values in sorted(per_group.items()):
            cuts = statistics.quantiles(values, n=20, method="inclusive") if len(values) > 1 else values * 19
            found[score][group] = {
                "people": len(values),
                "mean": statistics.fmean(values),
                "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
                "p5": cuts[0],
                "p25": cuts[4],
                "median": cuts[9],
                "p75": cuts[14],
                "p95": cuts[18],
            }
    return found


def hereditary_rates(
    rows: Sequence[Mapping[str, Any]], people: Sequence[str], groups: Mapping[str, str]
) -> dict[str, Any]:
    """Per gene: people with a reportable finding, and the rate among the people assessed."""
    carriers: dict[str, set[str]] = defaultdict(set)
    listed: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        listed[str(row["gene"])].add(str(row["sample"]))
        if row["reportable"]:
            carriers[str(row["gene"])].add(str(row["sample"]))
    return {
        gene: {
            "reportable_people": len(carriers[gene]),
            "rate": _share(len(carriers[gene]), len(people)),
            "listed_people": len(listed[gene]),
            "by_group": {
                group: _share(
                    sum(1 for p in carriers[gene] if groups[p] == group),
                    sum(1 for p in people if groups[p] == group),
                )
                for group in sorted(set(groups.values()))
            },
        }
        for gene in sorted(listed)
    }


#: The columns the summary reads of each table (turning only those into Python objects).
_READ = {
    PGX_CALLS_TABLE: ("sample", "gene", "diplotype", "phenotype", "status"),
    PGX_RECOMMENDATIONS_TABLE: ("sample", "genes", "drug", "actionable"),
    PRS_TABLE: ("sample", "pgs_id", "sum"),
    HEREDITARY_TABLE: ("sample", "gene", "reportable"),
}


def summarize(
    out: Path, manifest: Mapping[str, Any], people: Sequence[str], populations: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The summary of a finished run in ``out``: its manifest, its tables and everyone it analysed."""
    tables = {name: read_table(out, name, _READ[name]) for name in manifest.get("tables", {}) if name in _READ}
    loaded = {name: table.to_pylist() for name, table in tables.items() if name in (PRS_TABLE, HEREDITARY_TABLE)}
    groups = {p: _group_of(populations, p) for p in people}
    summary: dict[str, Any] = {
        "run": {"fingerprint": manifest["fingerprint"], "samples": manifest["samples"], "build": manifest["build"]},
        "groups": dict(sorted(Counter(groups.values()).items())),
        "knowledge": manifest.get("knowledge", {}),
    }
    if PGX_CALLS_TABLE in tables:
        summary["pgx"] = pgx_frequencies(tables[PGX_CALLS_TABLE], groups)
        summary["actionable"] = actionable_summary(tables[PGX_RECOMMENDATIONS_TABLE], people, groups)
    if PRS_TABLE in loaded:
        summary["scores"] = score_distributions(loaded[PRS_TABLE], groups)
    if HEREDITARY_TABLE in loaded:
        summary["hereditary"] = hereditary_rates(loaded[HEREDITARY_TABLE], people, groups)
    return summary


def write_summary(
    out: Path, manifest: Mapping[str, Any], people: Sequence[str], populations: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Write ``summary.json`` and ``summary.html`` beside the tables; returns the summary."""
    summary = summarize(out, manifest, people, populations)
    write_text_atomic(out / SUMMARY_JSON, json.dumps(summary, indent=1) + "\n")
    write_text_atomic(out / SUMMARY_HTML, summary_html(summary))
    return summary


#: A chart's value -> x position, and a row drawn from it and the row's centre.
Scale = Callable[[float], float]
Row = Callable[[Scale, float], str]
#: Plot geometry in SVG user units (px): label column per character, plot width, row height, font size.
_CHAR, _PLOT, _ROW, _FONT = 6.8, 380, 20, 11


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (1, 2 or 5 times a power of ten apart) covering ``low``..``high``."""
    span = high - low if high > low else abs(high) or 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    if last <= first:
        last = first + step
    return [first + i * step for i in range(round((last - first) / step) + 1)]


def _number(value: float) -> str:
    return f"{value:.4g}"


def _chart(labels: Sequence[str], ticks: Sequence[float], xlabel: str, body: Row) -> str:
    """An SVG chart with one row per label: ``body(x, y)`` draws a row (``x`` maps a value to a position, ``y`` is
    the row's centre); the x axis carries ``ticks`` and ``xlabel``. Plain SVG: no plotting library, drawn once."""
    left = 12 + _CHAR * max((len(label) for label in labels), default=0)
    top, low, high = 6, ticks[0], ticks[-1]
    bottom = top + _ROW * len(labels)
    width, height = left + _PLOT + 24, bottom + 38

    def x(value: float) -> float:
        return round(left + (value - low) / (high - low) * _PLOT, 2)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
        f'viewBox="0 0 {width:.0f} {height}" font-family="sans-serif" font-size="{_FONT}" role="img">',
        f"<title>{html.escape(xlabel)}</title>",
    ]
    for row, label in enumerate(labels):
        y = top + _ROW * row + _ROW / 2
        parts.append(f'<text x="{left - 6:.1f}" y="{y + 4}" text-anchor="end">{html.escape(label)}</text>')
        parts.append(body(x, y))
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{left + _PLOT}" y2="{bottom}" stroke="#1f2933"/>')
    for tick in ticks:
        parts.append(f'<line x1="{x(tick)}" y1="{bottom}" x2="{x(tick)}" y2="{bottom + 4}" stroke="#1f2933"/>')
        parts.append(f'<text x="{x(tick)}" y="{bottom + 15}" text-anchor="middle">{_number(tick)}</text>')
    parts.append(f'<text x="{left + _PLOT / 2}" y="{bottom + 32}" text-anchor="middle">{html.escape(xlabel)}</text>')
    return "".join(parts) + "</svg>"


def _bars(labels: Sequence[str], values: Sequence[float], xlabel: str) -> str:
    """Horizontal bars of shares, in percent."""
    percents = [v * 100 for v in values]
    ticks = _ticks(0.0, max(percents, default=0.0) or 1.0)
    row = iter(percents)

    def bar(x: Scale, y: float) -> str:
        value = next(row)
        return (
            f'<rect x="{x(0.0)}" y="{y - _ROW * 0.3}" width="{x(value) - x(0.0):.2f}" height="{_ROW * 0.6}" '
            f'fill="#2f6690"><title>{_number(value)}%</title></rect>'
        )

    return _chart(labels, ticks, xlabel, bar)


def _boxes(per_group: Mapping[str, Mapping[str, float]], xlabel: str) -> str:
    """Score distributions per group as boxes from their quantiles: box the quartiles, a line the median, whiskers
    the 5th and 95th percentiles."""
    names = list(per_group)
    labels = [f"{name} (n={int(per_group[name]['people'])})" for name in names]
    ticks = _ticks(min(q["p5"] for q in per_group.values()), max(q["p95"] for q in per_group.values()))
    row = iter(names)

    def box(x: Scale, y: float) -> str:
        q = per_group[next(row)]
        half = _ROW * 0.3
        return (
            f'<g stroke="#1f2933" fill="none"><line x1="{x(q["p5"])}" y1="{y}" x2="{x(q["p25"])}" y2="{y}"/>'
            f'<line x1="{x(q["p75"])}" y1="{y}" x2="{x(q["p95"])}" y2="{y}"/>'
            f'<line x1="{x(q["p5"])}" y1="{y - half / 2}" x2="{x(q["p5"])}" y2="{y + half / 2}"/>'
            f'<line x1="{x(q["p95"])}" y1="{y - half / 2}" x2="{x(q["p95"])}" y2="{y + half / 2}"/>'
            f'<rect x="{x(q["p25"])}" y="{y - half}" width="{x(q["p75"]) - x(q["p25"]):.2f}" height="{2 * half}" '
            f'fill="#dbe7f0"/><line x1="{x(q["median"])}" y1="{y - half}" x2="{x(q["median"])}" y2="{y + half}" '
            f'stroke="#c0392b" stroke-width="2"/></g>'
        )

    return _chart(labels, ticks, xlabel, box)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def summary_html(summary: Mapping[str, Any]) -> str:
    """The summary as one self-contained HTML page (inline SVG plots and CSS; nothing fetched)."""
    run = summary["run"]
    parts = [
        f"<h1>Cohort summary</h1><p>{run['samples']} people; genome build "
        f"{html.escape(str((run.get('build') or {}).get('build', 'not read')))}; run {run['fingerprint'][:12]}.</p>",
        "<h2>Groups</h2>" + _table(["group", "people"], list(summary["groups"].items())),
    ]
    actionable = summary.get("actionable")
    if actionable is not None:
        parts.append(
            f"<h2>Actionable pharmacogenomic results</h2><p>{actionable['with_actionable']} of "
            f"{actionable['people']} people ({_percent(actionable['share'])}) have at least one guideline "
            "recommendation that changes therapy for a non-normal result.</p>"
        )
        parts.append(
            _table(
                ["group", "people", "with ≥ 1 actionable", "share"],
                [
                    (group, v["people"], v["with_actionable"], _percent(v["share"]))
                    for group, v in actionable["by_group"].items()
                ],
            )
        )
        top = actionable["top_actions"]
        if top:
            parts.append("<h3>Most frequent gene–drug actions</h3>")
            parts.append(
                _bars(
                    [f"{a['genes']} – {a['drug']}" for a in top],
                    [a["share"] for a in top],
                    "people with an actionable recommendation (%)",
                )
            )
            parts.append(
                _table(
                    ["genes", "drug", "people", "share"],
                    [(a["genes"], a["drug"], a["people"], _percent(a["share"])) for a in top],
                )
            )
    for gene, per_group in (summary.get("pgx") or {}).items():
        overall = per_group["all"]
        parts.append(
            f"<h2>{html.escape(gene)}</h2><p>called in {overall['called']} of {overall['people']} people "
            f"({overall['not_called']} not called; they are not counted below).</p>"
        )
        if overall["phenotypes"]:
            parts.append(_bars(list(overall["phenotypes"]), list(overall["phenotypes"].values()), "phenotype (%)"))
        rows = []
        for group, found in per_group.items():
            for kind in ("alleles", "diplotypes", "phenotypes"):
                for name, share in found[kind].items():
                    rows.append((group, kind[:-1], name, _percent(share)))
        parts.append(_table(["group", "of", "result", "frequency"], rows))
    for score, per_group in (summary.get("scores") or {}).items():
        parts.append(f"<h2>Polygenic score {html.escape(score)}</h2>")
        parts.append(_boxes(per_group, "score sum (box: quartiles; whiskers: 5th-95th percentile)"))
        parts.append(
            _table(
                ["group", "people", "mean", "SD", "5th", "median", "95th"],
                [
                    (
                        g,
                        q["people"],
                        f"{q['mean']:.4g}",
                        f"{q['sd']:.4g}",
                        f"{q['p5']:.4g}",
                        f"{q['median']:.4g}",
                        f"{q['p95']:.4g}",
                    )
                    for g, q in per_group.items()
                ],
            )
        )
    hereditary = summary.get("hereditary")
    if hereditary is not None:
        parts.append("<h2>Hereditary findings (ACMG secondary findings) per gene</h2>")
        parts.append(
            _table(
                ["gene", "people with a reportable finding", "rate", "people with a listed allele"],
                [(g, v["reportable_people"], _percent(v["rate"]), v["listed_people"]) for g, v in hereditary.items()],
            )
        )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#1f2933}"
        "table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #cbd2d9;padding:.2rem .5rem;"
        "font-size:.85rem;text-align:left}svg{max-width:100%;height:auto}"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Cohort summary</title>'
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
    )
