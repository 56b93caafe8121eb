"""The curated conditions on guideline rows that share a lookup value, read by every path that builds guideline rows.

``curated/pgx-core-guidelines/row-conditions.yaml`` names each condition by guideline source, gene and the
annotation's lookup value (DPWG DPYD ``"1.0 (Phenotyping)"`` and ``"1.0 (Intermediate Metabolizer)"``). The
curation script attaches them to the curated core; the ``pharmcat-guidelines`` importer attaches the same ones to a
bundle built from PharmCAT's export, so both pick one DPYD row at activity score 1.0 the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from pydantic import Field

from tailormed.errors import KnowledgeError
from tailormed.knowledge.files import parse_model, read_yaml
from tailormed.knowledge.pgx.guidelines import RowCondition, ScoreOrigin
from tailormed.knowledge.sourcing import SourceQuote
from tailormed.model.base import Contract

ROW_CONDITIONS_FILE = Path(__file__).resolve().parents[1] / "curated" / "pgx-core-guidelines" / "row-conditions.yaml"


class RowConditionEntry(Contract):
    """One condition as written: which rows it belongs to (source, gene, lookup value) and what it requires."""

    source: str
    gene: str
    lookup: str
    score_from: ScoreOrigin
    sources: tuple[SourceQuote, ...] = Field(min_length=1)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.gene, self.lookup)

    def condition(self) -> RowCondition:
        return RowCondition(gene=self.gene, score_from=self.score_from, sources=self.sources)


class RowConditions(Contract):
    version: str
    conditions: tuple[RowConditionEntry, ...]


def read_row_conditions(path: Path = ROW_CONDITIONS_FILE) -> dict[tuple[str, str, str], RowConditionEntry]:
    """The conditions of ``path`` keyed by (source, gene, lookup value); a key given twice is an error."""
    parsed = parse_model(read_yaml(path, "row conditions"), RowConditions, "row conditions", path)
    found: dict[tuple[str, str, str], RowConditionEntry] = {}
    for entry in parsed.conditions:
        if entry.key in found:
            raise KnowledgeError(f"condition for {' '.join(entry.key)} is given twice", source=path)
        found[entry.key] = entry
    return found


@cache
def curated_row_conditions() -> Mapping[tuple[str, str, str], RowConditionEntry]:
    """The conditions shipped with the curated core (read once)."""
    return read_row_conditions()
