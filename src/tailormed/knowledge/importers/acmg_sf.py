"""Importer ``acmg-sf``: the ACMG secondary-findings gene tables (VarFish layout) -> one list per version.

Reads every ``acmg_sf_v<version>*.tsv`` (columns hgnc_id, ncbi_gene_id, gene_symbol, disease_phenotype, disorder_mim,
phenotype_category, inheritance, sf_list_version, variants_to_report), joins a gene's rows into one gene with several
conditions, and checks every 'variants to report' phrase against the rules the curated ``hereditary-management``
source defines, so a new list with a new rule fails at build time instead of being misread later. The version is
the file name's; a table whose genes entered a later version than its name says is an error.
"""

from __future__ import annotations

import re
from pathlib import Path

from tailormed.errors import KnowledgeError
from tailormed.knowledge.checksums import files_checksums
from tailormed.knowledge.hereditary.acmg import SOURCE, list_file
from tailormed.knowledge.hereditary.management import load_curated_file
from tailormed.knowledge.hereditary.models import AcmgCondition, AcmgGene, AcmgList
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.registry import Importer
from tailormed.tables import read_table

SEARCH_PATHS = (".", "acmg_sf", "risk/acmg_sf")
_FILE = re.compile(r"^acmg_sf_v(\d+\.\d+)[^/]*\.tsv$")
_COLUMNS = (
    "gene_symbol",
    "disease_phenotype",
    "disorder_mim",
    "phenotype_category",
    "inheritance",
    "sf_list_version",
    "variants_to_report",
)
_INHERITANCE = frozenset({"AD", "AR", "XL"})
#: The ACMG policy statements, by list version.
CITATIONS = {
    "3.1": "Miller DT et al. ACMG SF v3.1 list. Genet Med 2022;24(7):1407-1414 (PMID 35802134)",
    "3.2": "Miller DT et al. ACMG SF v3.2 list. Genet Med 2023;25(8):100866 (PMID 37347242)",
    "3.3": "Lee K et al. ACMG SF v3.3 list. Genet Med 2025 (PMID 40568962)",
}


def detect(upstream: Path) -> Path | None:
    """The folder holding ``acmg_sf_v*.tsv`` tables under ``upstream``."""
    for relative in SEARCH_PATHS:
        folder = upstream / relative
        if folder.is_dir() and any(_FILE.match(p.name) for p in folder.glob("acmg_sf_v*.tsv")):
            return folder.resolve()
    return None


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def read_acmg_table(path: Path, version: str) -> AcmgList:
    """One ACMG SF table as a list of genes, each with all its conditions."""
    curated = load_curated_file()
    rows: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in read_table(path, _COLUMNS, delimiter="\t"):
        symbol = row["gene_symbol"].strip()
        if not symbol:
            raise KnowledgeError("empty gene_symbol", source=path, location=f"line {line}")
        rows.setdefault(symbol, []).append((line, row))
    genes = []
    for symbol, gene_rows in rows.items():
        line, first = gene_rows[0]
        inheritance = first["inheritance"].strip()
        phrase = " ".join(first["variants_to_report"].split())
        for other_line, other in gene_rows[1:]:
            if other["inheritance"].strip() != inheritance or " ".join(other["variants_to_report"].split()) != phrase:
                raise KnowledgeError(
                    f"{symbol}: rows disagree on inheritance or variants to report",
                    source=path,
                    location=f"line {other_line}",
                )
        if inheritance not in _INHERITANCE:
            raise KnowledgeError(f"{symbol}: unknown inheritance {inheritance!r}", source=path, location=f"line {line}")
        if curated.rule(phrase) is None:
            raise KnowledgeError(
                f"{symbol}: 'variants to report' {phrase!r} has no rule in the curated hereditary-management source",
                source=path,
                location=f"line {line}",
            )
        since = first["sf_list_version"].strip() or None
        if since is not None and re.fullmatch(r"\d+(\.\d+)*", since) and _version_key(since) > _version_key(version):
            raise KnowledgeError(
                f"{symbol} entered the list in v{since}, after this table's v{version}",
                source=path,
                location=f"line {line}",
            )
        conditions = tuple(
            AcmgCondition(
                name=row["disease_phenotype"].strip(),
                mim=row["disorder_mim"].strip() or None,
                category=row["phenotype_category"].strip() or None,
            )
            for _, row in gene_rows
        )
        genes.append(
            AcmgGene(
                gene=symbol,
                hgnc_id=first.get("hgnc_id", "").strip() or None,
                ncbi_gene_id=first.get("ncbi_gene_id", "").strip() or None,
                conditions=conditions,
                inheritance=inheritance,
                variants_to_report=phrase,
                since=since,
            )
        )
    if not genes:
        raise KnowledgeError("the table has no genes", source=path)
    citation = CITATIONS.get(version, f"ACMG SF v{version} policy statement (Genet Med)")
    return AcmgList(version=version, citation=citation, genes=tuple(sorted(genes, key=lambda g: g.gene)))


def build(upstream: Path, out_dir: Path) -> SourceRecord:
    tables: dict[str, Path] = {}
    for path in sorted(upstream.glob("acmg_sf_v*.tsv")):
        match = _FILE.match(path.name)
        if match is None:
            continue
        if match.group(1) in tables:
            raise KnowledgeError(f"two tables for v{match.group(1)}: {tables[match.group(1)].name}", source=path)
        tables[match.group(1)] = path
    if not tables:
        raise KnowledgeError("no acmg_sf_v<version>*.tsv tables", source=upstream)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = []
    for version in sorted(tables, key=_version_key):
        acmg = read_acmg_table(tables[version], version)
        (out_dir / list_file(version)).write_text(acmg.model_dump_json(indent=1) + "\n", encoding="utf-8")
        summary.append(f"v{version}: {len(acmg.genes)} genes")
    versions = sorted(tables, key=_version_key)
    return SourceRecord(
        name=SOURCE,
        title="ACMG secondary-findings gene lists (genes, conditions, inheritance, variants to report)",
        version=", ".join(versions),
        licence="Gene lists are facts from the ACMG policy statements; table layout from VarFish (MIT)",
        citation="; ".join(CITATIONS.get(v, f"ACMG SF v{v}") for v in versions),
        url="https://www.ncbi.nlm.nih.gov/clinvar/docs/acmg/",
        importer=SOURCE,
        upstream_files=files_checksums(upstream, list(tables.values())),
        notes="; ".join(summary) + ". Default list v3.2; choose another with --acmg-version.",
    )


IMPORTER = Importer(
    name=SOURCE,
    description="ACMG SF gene tables (VarFish TSV) -> one JSON list per version with checked reporting rules",
    detect=detect,
    build=build,
)
