"""Importer ``pharmcat-phenotypes``: PharmCAT's per-gene phenotype files into one ``phenotypes.json``.

Reads ``phenotype/<GENE>.json`` (allele function and activity value, diplotype -> phenotype, activity score and
lookup key; CPIC and ClinPGx data) and, when the release lacks ``phenotype/CYP2D6.json``, the CPIC CYP2D6 table
kept in ``phenotype_fallback/CYP2D6.cpic.json``. Allele-status genes (HLA-A, HLA-B) have no table; their alleles
of interest come from ``phenotypes.tsv``. Each gene keeps its own data version, so reports can show which table
gave a phenotype.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tailormed.errors import KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.checksums import files_checksums, folder_checksums
from tailormed.knowledge.files import read_json
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.pgx.phenotypes import (
    PHENOTYPES_FILE,
    SOURCE,
    DiplotypePhenotype,
    GenePhenotypes,
    PhenotypeKnowledge,
    diplotype_key,
)
from tailormed.knowledge.pharmcat_release import LOWEST_FUNCTION_GENES, find_release_root
from tailormed.knowledge.registry import Importer
from tailormed.model.pgx import AlleleFunction, PhenotypeMethod
from tailormed.tables import split_lines

_PHENOTYPE_DIR = Path("phenotype")
_FALLBACKS = {"CYP2D6": Path("phenotype_fallback") / "CYP2D6.cpic.json"}
_GENE_SUMMARY = Path("phenotypes.tsv")

# PharmCAT's phenotyper rules kept with the data they apply to: DPYD is phenotyped from its two lowest-function
# alleles when unphased; HLA-A/HLA-B results are allele statuses ("*57:01 positive") from outside calls.
_ALLELE_STATUS_GENES = ("HLA-A", "HLA-B")

_LICENCE = "CPIC content CC0-1.0; ClinPGx/PharmGKB curation CC-BY-SA-4.0"
_CITATION = (
    "CPIC gene-specific allele function and diplotype-phenotype tables (cpicpgx.org; Caudle et al., Genet Med "
    "2017;19:215); ClinPGx/PharmGKB; as packaged by PharmCAT (Sangkuhl et al., Clin Pharmacol Ther 2020;107:203)"
)


def detect(upstream: Path) -> Path | None:
    """The PharmCAT release root under ``upstream`` whose ``phenotype/`` folder holds gene tables."""
    return find_release_root(
        upstream, lambda root: (root / _PHENOTYPE_DIR).is_dir() and any((root / _PHENOTYPE_DIR).glob("*.json"))
    )


def build(upstream_root: Path, out_dir: Path) -> SourceRecord:
    files = sorted((upstream_root / _PHENOTYPE_DIR).glob("*.json"))
    if not files:
        raise KnowledgeError("no gene phenotype files (*.json)", source=upstream_root / _PHENOTYPE_DIR)
    genes: dict[str, GenePhenotypes] = {}
    used: list[Path] = []
    fallbacks: list[str] = []
    for path in files:
        table = _gene_table(path)
        genes[table.gene] = table
        used.append(path)
    for gene, relative in _FALLBACKS.items():
        path = upstream_root / relative
        if gene not in genes and path.is_file():
            genes[gene] = _gene_table(path)
            used.append(path)
            fallbacks.append(f"{gene} from {relative.as_posix()} ({genes[gene].version})")
    summary = upstream_root / _GENE_SUMMARY
    if summary.is_file():
        for gene, alleles in _allele_status_genes(summary).items():
            genes.setdefault(
                gene, GenePhenotypes(gene=gene, version="n/a", method=PhenotypeMethod.ALLELE_STATUS,
                                     alleles_of_interest=alleles)
            )
        used.append(summary)
    knowledge = PhenotypeKnowledge(genes=dict(sorted(genes.items())))
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / PHENOTYPES_FILE, knowledge.model_dump_json(exclude_defaults=True))
    versions = sorted({t.version for t in genes.values() if t.method != PhenotypeMethod.ALLELE_STATUS})
    notes = f"{len(genes)} genes"
    if fallbacks:
        notes += "; fallback tables: " + ", ".join(fallbacks)
    return SourceRecord(
        name=SOURCE,
        title="PharmCAT gene phenotype tables (allele function, activity scores, diplotype phenotypes)",
        version=", ".join(versions),
        licence=_LICENCE,
        citation=_CITATION,
        url="https://github.com/PharmGKB/PharmCAT",
        importer=SOURCE,
        files=folder_checksums(out_dir),
        upstream_files=files_checksums(upstream_root, used),
        notes=notes,
    )


def _gene_table(path: Path) -> GenePhenotypes:
    raw = read_json(path)
    if not isinstance(raw, dict):
        raise KnowledgeError("expected a JSON object", source=path)
    gene = raw.get("gene")
    if not isinstance(gene, str) or not gene:
        raise KnowledgeError("missing 'gene'", source=path)
    try:
        alleles = {
            a["name"]: AlleleFunction(
                name=a["name"], function=a.get("functionValue"), activity_value=_value(a.get("activityValue"))
            )
            for a in raw.get("namedAlleles") or ()
        }
        rows = [_diplotype(row) for row in raw.get("diplotypes") or ()]
        scored = any(row.activity_score is not None for row in rows)
        return GenePhenotypes(
            gene=gene,
            version=str(raw["version"]),
            method=PhenotypeMethod.ACTIVITY_SCORE if scored else PhenotypeMethod.PHENOTYPE,
            alleles=alleles,
            diplotypes=rows,
            haploid=bool(rows) and all(len(row.alleles) == 1 for row in rows),
            lowest_function=gene in LOWEST_FUNCTION_GENES,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise KnowledgeError(f"malformed phenotype table: missing or wrong field {exc}", source=path) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise KnowledgeError(f"invalid phenotype table: {first['msg']}", source=path, location=where) from exc


def _diplotype(row: dict[str, Any]) -> DiplotypePhenotype:
    counts = row["diplotypekey"]
    alleles = [name for name, copies in counts.items() for _ in range(int(copies))]
    return DiplotypePhenotype(
        alleles=diplotype_key(alleles),
        phenotype=_value(row.get("phenotype")),
        activity_score=_value(row.get("activityScore")),
        lookup_key=_value(row.get("lookupkey")),
    )


def _value(value: object) -> str | None:
    """Upstream writes missing values as null or empty; keep 'n/a' since guidelines look it up."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _allele_status_genes(path: Path) -> dict[str, list[str]]:
    """Gene -> named alleles from ``phenotypes.tsv``; its rows drop empty trailing columns, so read by position."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"cannot read gene summary ({exc})", source=path) from exc
    rows = split_lines(lines, path)
    number, header = next(rows, (1, []))
    if header[:2] != ["Gene", "Named Alleles"]:
        raise KnowledgeError("expected columns 'Gene', 'Named Alleles' first", source=path, location=f"line {number}")
    found: dict[str, list[str]] = {}
    for number, fields in rows:
        if len(fields) < 2:
            raise KnowledgeError("expected at least 2 tab-separated fields", source=path, location=f"line {number}")
        if fields[0] in _ALLELE_STATUS_GENES:
            found[fields[0]] = [name.strip() for name in fields[1].split(";") if name.strip()]
    return found


IMPORTER = Importer(
    name=SOURCE,
    description="PharmCAT gene phenotype tables (+ CPIC CYP2D6 fallback) -> phenotypes.json",
    detect=detect,
    build=build,
)
