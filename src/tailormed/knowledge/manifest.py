"""Provenance of every knowledge source: what it is, which version, under which licence, and its checksum."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from tailormed.model.base import Contract


class SourceRecord(Contract):
    """One source in the bundle, as ``tailormed kb info`` shows it and every finding cites it."""

    name: str = Field(description="Stable source name, e.g. 'pharmcat-definitions'")
    title: str
    version: str = Field(description="Upstream release or data date, e.g. '2025-11-05'")
    licence: str = Field(description="SPDX id or licence name, e.g. 'CC0-1.0', 'CC-BY-SA-4.0'")
    citation: str
    url: str | None = None
    importer: str = Field(description="Importer that produced it, or 'curated' for our own files")
    files: dict[str, str] = Field(default_factory=dict, description="Bundle file name -> sha256 of its content")
    upstream_files: dict[str, str] = Field(
        default_factory=dict, description="Upstream file -> sha256 it was built from"
    )
    notes: str | None = None


class Manifest(Contract):
    format_version: int = 1
    created: datetime
    tailormed_version: str
    sources: list[SourceRecord] = Field(default_factory=list)

    def source(self, name: str) -> SourceRecord | None:
        return next((s for s in self.sources if s.name == name), None)
