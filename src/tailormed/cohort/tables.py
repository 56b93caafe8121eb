"""Cohort results as Parquet (pyarrow): one file per partition under ``<table>.parquet/block=NNNNN/``.

The folder layout is Hive-style, so DuckDB, Spark or pandas read a whole table at once
(``SELECT * FROM read_parquet('out/prs_scores.parquet/*/*.parquet', hive_partitioning = true)``).
The PGx call and hereditary tables hold, per person, the rows of the ``pgx.tsv`` and ``hereditary.tsv`` a
single-patient analysis writes (same renderer, typed columns); recommendations and risks come from the typed
findings.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.parquet as pq

from tailormed.engines.prs.scoring import PrsRun
from tailormed.model.engine import EngineRun
from tailormed.model.finding import Priority
from tailormed.model.payloads import ClinicalRiskData
from tailormed.model.pgx import GuidelineResult, MatchedRow
from tailormed.report.tables import HEREDITARY_COLUMNS, PGX_COLUMNS

PRS_TABLE = "prs_scores.parquet"
PGX_CALLS_TABLE = "pgx_calls.parquet"
PGX_RECOMMENDATIONS_TABLE = "pgx_recommendations.parquet"
HEREDITARY_TABLE = "hereditary.parquet"
RISK_TABLE = "risk.parquet"

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


PGX_CALLS_SCHEMA = pa.schema([(name, pa.string()) for name in PGX_COLUMNS])

PGX_RECOMMENDATIONS_SCHEMA = pa.schema(
    [
        ("sample", pa.string()),
        ("drug", pa.string()),
        ("genes", pa.string()),
        ("guideline_id", pa.string()),
        ("source", pa.string()),
        ("status", pa.string()),
        ("gene_results", pa.string()),
        ("row_id", pa.string()),
        ("classification", pa.string()),
        ("recommendation", pa.string()),
        ("actionable", pa.bool_()),
        ("provisional", pa.bool_()),
        ("priority", pa.string()),
    ]
)

_HEREDITARY_TYPES = {"pos": pa.int64(), "review_stars": pa.int64(), "reportable": pa.bool_()}
HEREDITARY_SCHEMA = pa.schema(
    [("sample", pa.string())]
    + [(name, _HEREDITARY_TYPES.get(name, pa.string())) for name in HEREDITARY_COLUMNS if name != "sample"]
)

RISK_SCHEMA = pa.schema(
    [
        ("sample", pa.string()),
        ("model", pa.string()),
        ("outcome", pa.string()),
        ("horizon_years", pa.float64()),
        ("applicable", pa.bool_()),
        ("equation_risk", pa.float64()),
        ("integrated_risk", pa.float64()),
        ("integrated_low", pa.float64()),
        ("integrated_high", pa.float64()),
        ("category", pa.string()),
        ("polygenic_score", pa.string()),
        ("polygenic_relative_risk", pa.float64()),
        ("override_reason", pa.string()),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    PRS_TABLE: PRS_SCHEMA,
    PGX_CALLS_TABLE: PGX_CALLS_SCHEMA,
    PGX_RECOMMENDATIONS_TABLE: PGX_RECOMMENDATIONS_SCHEMA,
    HEREDITARY_TABLE: HEREDITARY_SCHEMA,
    RISK_TABLE: RISK_SCHEMA,
}

Rows = list[dict[str, object]]


def tsv_rows(text: str) -> Rows:
    """The rows of an engine's TSV table, by column name ("" cells stay "")."""
    return [dict(row) for row in csv.DictReader(io.StringIO(text), delimiter="\t")]


def pgx_call_rows(run: EngineRun) -> Rows:
    """One row per gene, exactly the ``pgx.tsv`` of the person's analysis."""
    from tailormed.pipeline.pgx import PGX_FILE

    return tsv_rows(run.tables[PGX_FILE]) if PGX_FILE in run.tables else []


def hereditary_rows(run: EngineRun) -> Rows:
    """One row per listed allele, exactly the ``hereditary.tsv`` of the person's analysis (typed)."""
    from tailormed.pipeline.hereditary import HEREDITARY_FILE

    return hereditary_tsv_rows(run.tables[HEREDITARY_FILE]) if HEREDITARY_FILE in run.tables else []


def hereditary_tsv_rows(text: str) -> Rows:
    """The rows of a ``hereditary.tsv`` text, typed as the table holds them."""
    rows = tsv_rows(text)
    for row in rows:
        row["pos"] = int(str(row["pos"]))
        row["review_stars"] = int(str(row["review_stars"]))
        row["reportable"] = row["reportable"] == "yes"
    return rows


def recommendation_rows(sample: str, run: EngineRun) -> Rows:
    """One row per guideline row that applies to the person (or one row saying why none does), per drug."""
    rows: Rows = []
    for finding in run.findings:
        if isinstance(finding.data, GuidelineResult):
            rows += guideline_rows(sample, finding.data, finding.priority)
    return rows


def guideline_rows(sample: str, data: GuidelineResult, priority: Priority) -> Rows:
    """The rows of one drug's guideline answer: one per matched row, or one saying why none matched."""
    common: dict[str, object] = {
        "sample": sample,
        "drug": data.drug,
        "genes": ",".join(data.genes),
        "guideline_id": data.guideline_id,
        "source": data.source,
        "status": data.status.value,
        "gene_results": "; ".join(f"{gene}={result}" for gene, result in sorted(data.gene_results.items())),
        "provisional": data.provisional,
        "priority": priority.value,
    }
    matched: list[MatchedRow | None] = list(data.rows) or [None]
    return [
        {
            **common,
            "row_id": row.row_id if row is not None else None,
            "classification": row.classification if row is not None else None,
            "recommendation": row.text if row is not None else None,
            "actionable": row.actionable if row is not None else False,
        }
        for row in matched
    ]


def risk_rows(sample: str, run: EngineRun) -> Rows:
    """One row per risk equation the person's record allowed, with the genetically integrated risk."""
    rows: Rows = []
    for finding in run.findings:
        data = finding.data
        if isinstance(data, ClinicalRiskData):
            rows.append(
                {
                    "sample": sample,
                    "model": data.model,
                    "outcome": data.outcome,
                    "horizon_years": data.horizon_years,
                    "applicable": data.applicable,
                    "equation_risk": data.equation_risk,
                    "integrated_risk": data.integrated_risk,
                    "integrated_low": data.integrated_low,
                    "integrated_high": data.integrated_high,
                    "category": data.category,
                    "polygenic_score": data.polygenic_score,
                    "polygenic_relative_risk": data.polygenic_relative_risk,
                    "override_reason": data.override_reason,
                }
            )
    return rows


def rows_table(name: str, rows: Iterable[Mapping[str, object]]) -> pa.Table:
    """A table of ``name``'s schema from row dicts (columns in schema order)."""
    return pa.Table.from_pylist([dict(row) for row in rows], schema=SCHEMAS[name])


def write_parquet_atomic(table: pa.Table, path: Path) -> Path:
    """Write beside the target and rename: a reader (or a resumed run) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, temporary)
    temporary.replace(path)
    return path


def read_parquet(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """One Parquet file (only ``columns`` when given), read without ``pyarrow.dataset`` (whose import loads pandas)."""
    with pq.ParquetFile(path) as handle:
        return handle.read(columns=list(columns) if columns is not None else None)


def read_table(out: Path, table: str, columns: Sequence[str] | None = None) -> pa.Table:
    """Every partition of a table (only ``columns`` when given, in that order), in partition order."""
    files = sorted((out / table).glob("block=*/part-0.parquet"))
    if not files:
        empty = SCHEMAS[table].empty_table()
        return empty.select(list(columns)) if columns is not None else empty
    return pa.concat_tables([read_parquet(file, columns) for file in files])


class _NoPandas:
    """An import finder that refuses pandas (used only while pyarrow looks for it)."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == "pandas":
            raise ModuleNotFoundError("pandas is not used by cohort tables", name=name)
        return None


def arrow_without_pandas() -> None:
    """Settle, before pyarrow's first conversion, that this process has no pandas: pyarrow otherwise imports it
    (~0.45 s per process) to ask whether each list or array is a pandas object, which cohort values never are.
    A later ``to_pandas`` still imports pandas; nothing changes once pandas is loaded."""
    shim = getattr(pa.lib, "_pandas_api", None)
    if shim is None or "pandas" in sys.modules:
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        _ = shim.have_pandas  # asking makes pyarrow try the import once, now refused
    finally:
        sys.meta_path.remove(finder)
