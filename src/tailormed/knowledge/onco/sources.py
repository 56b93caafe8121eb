"""Which oncology evidence a run reads: the curated core always, plus every built table (CIViC, CGI) the bundle has.

The curated core comes first so its FDA/guideline rows lead in ties; built tables add the breadth of CIViC and CGI.
"""

from __future__ import annotations

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.files import parse_model
from tailormed.knowledge.onco import core
from tailormed.knowledge.onco.evidence import EVIDENCE_FILE, EvidenceTable

#: Built sources that hold an ``evidence.json`` table, in the order they are read.
BUILT_SOURCES = ("civic", "cgi-biomarkers")


def evidence_tables(bundle: KnowledgeBundle, *, include_built: bool = True) -> list[EvidenceTable]:
    """The curated core's table, then each built table the bundle has."""
    tables = [core.curated_evidence(bundle)]
    if include_built:
        for name in BUILT_SOURCES:
            if bundle.has(name):
                path = bundle.path(name, EVIDENCE_FILE)
                tables.append(parse_model(bundle.read_json(name, EVIDENCE_FILE), EvidenceTable, "evidence table", path))
    return tables
