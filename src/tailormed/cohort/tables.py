"""Cohort results as Parquet (pyarrow): one file per partition under ``<table>.parquet/block=NNNNN/``.

The folder layout is Hive-style, so DuckDB, Spark or pandas read a whole table at once
(``SELECT * FROM read_parquet('out/prs_scores.parquet/*/*.parquet', hive_partitioning = true)``).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tailormed.engines.prs.scoring import PrsRun

PRS_SCHEMA = pa.schema(
    [
        ("sample", pa.string()),
        ("pgs_id", pa.string()),
        ("sum", pa.float64()),
        ("denom", pa.float64()),
        ("avg", pa.float64()),
        ("missing_genotypes", pa.int64()),
        ("variants_matched", pa.int64()),
        ("variants_total", pa.int64()),
        ("match_rate", pa.float64()),
    ]
)


def prs_table(run: PrsRun) -> pa.Table:
    """One row per sample and score (NaN AVG where nothing was called)."""
    columns: dict[str, list[object]] = {field.name: [] for field in PRS_SCHEMA}
    for result in run.scores:
        count = len(result.samples)
        match = result.match
        columns["sample"].extend(result.samples)
        columns["pgs_id"].extend([match.score.name] * count)
        columns["sum"].extend(result.sums.tolist())
        columns["denom"].extend(result.denom.tolist())
        columns["avg"].extend(result.avg.tolist())
        columns["missing_genotypes"].extend(result.missing.tolist())
        columns["variants_matched"].extend([match.matched] * count)
        columns["variants_total"].extend([match.total] * count)
        columns["match_rate"].extend([match.match_rate] * count)
    return pa.table(columns, schema=PRS_SCHEMA)


def write_parquet_atomic(table: pa.Table, path: Path) -> Path:
    """Write beside the target and rename: a reader (or a resumed run) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, temporary)
    temporary.replace(path)
    return path


def read_table(out: Path, table: str) -> pa.Table:
    """Every partition of a table, in partition order."""
    files = sorted((out / table).glob("block=*/part-0.parquet"))
    return pa.concat_tables([pq.read_table(file) for file in files]) if files else PRS_SCHEMA.empty_table()
