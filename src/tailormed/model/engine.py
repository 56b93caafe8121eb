"""What one engine contributed to an analysis: findings, limitations, knowledge versions, input facts, tables.

An :class:`EngineRun` serialises to JSON (``runs.json`` beside the care plan), so a stored analysis can be re-planned
and re-rendered without re-running any engine. ``tables`` are the engine's own result tables (``pgx.tsv`` ...), as
rendered by :mod:`tailormed.report.tables`.
"""

from __future__ import annotations

from pydantic import Field

from tailormed.model.base import Contract
from tailormed.model.finding import Finding, NotAssessed


class EngineRun(Contract):
    """One engine's contribution to a care plan, or why it did not apply (``skipped``)."""

    engine: str = ""
    findings: list[Finding] = Field(default_factory=list)
    limitations: list[NotAssessed] = Field(default_factory=list)
    versions: dict[str, str] = Field(default_factory=dict, description="Knowledge source name -> version")
    inputs: dict[str, str] = Field(default_factory=dict, description="Facts about the inputs, for the plan")
    tables: dict[str, str] = Field(default_factory=dict, description="Result table file name -> text")
    skipped: str | None = None

    @classmethod
    def skip(cls, item: str, reason: str) -> EngineRun:
        """An engine that does not apply to this patient, and why (listed among the plan's limitations)."""
        return cls(limitations=[NotAssessed(item=item, reason=reason)], skipped=reason)

    def named(self, engine: str) -> EngineRun:
        return self.model_copy(update={"engine": engine})
