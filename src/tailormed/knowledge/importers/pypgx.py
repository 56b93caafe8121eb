"""Importer for PyPGx's data tables (``pypgx/api/data/*.csv``) into the ``pypgx`` bundle source.

Each CSV row is checked and turned into the typed models of ``knowledge.pypgx``; a malformed row stops
the build with the file and line. Star-allele core and tag variants must exist in the variant table, so
a truncated or mismatched release is caught here rather than as a silent miscall later.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from tailormed.errors import KnowledgeError
from tailormed.knowledge.checksums import combined_checksum, files_checksums
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.pypgx import (
    CPIC_FILE,
    CPIC_PAIRS,
    DIPLOTYPES,
    DIPLOTYPES_FILE,
    EQUATIONS,
    EQUATIONS_FILE,
    GENES,
    GENES_FILE,
    PHENOTYPE_PRIORITIES,
    PHENOTYPES_FILE,
    RECOMMENDATIONS,
    RECOMMENDATIONS_FILE,
    SOURCE,
    VARIANTS,
    VARIANTS_FILE,
    CpicGeneDrug,
    DrugRecommendation,
    Exon,
    GeneRegion,
    PypgxGene,
    PypgxVariant,
    ScoreRange,
    StarAllele,
    VariantAllele,
    parse_score_range,
)
from tailormed.knowledge.registry import Importer
from tailormed.tables import read_table

ALLELE_TABLE = "allele-table.csv"
VARIANT_TABLE = "variant-table.csv"
GENE_TABLE = "gene-table.csv"
DIPLOTYPE_TABLE = "diplotype-table.csv"
EQUATION_TABLE = "equation-table.csv"
PHENOTYPE_TABLE = "phenotype-table.csv"
CPIC_TABLE = "cpic-table.csv"
RECOMMENDATION_TABLE = "recommendation-table.csv"
CNV_TABLE = "cnv-table.csv"
TABLES = (
    ALLELE_TABLE,
    VARIANT_TABLE,
    GENE_TABLE,
    DIPLOTYPE_TABLE,
    EQUATION_TABLE,
    PHENOTYPE_TABLE,
    CPIC_TABLE,
    RECOMMENDATION_TABLE,
    CNV_TABLE,
)
# Where the tables sit relative to the folder given to ``kb build``: the folder itself, a data checkout
# (``pypgx/``, ``pgx/pypgx/``) or an unpacked wheel / site-packages (``pypgx/api/data``).
SEARCH_PATHS = (".", "pypgx", "pgx/pypgx", "api/data", "pypgx/api/data")

_MISSING = {"", "N/A", "NA", "None"}
_VARIANT_NAME = re.compile(r"^(?P<chrom>[0-9]{1,2}|X|Y|M)-(?P<pos>[0-9]+)-(?P<ref>[ACGTN]+)-(?P<alt>[ACGTN]+)$")
_REGION = re.compile(r"^(?P<chrom>(?:[0-9]{1,2}|X|Y|M)(?:_[A-Za-z0-9]+_alt)?):(?P<start>[0-9]+)-(?P<end>[0-9]+)$")
_BOOL = {"TRUE": True, "FALSE": False}

T = TypeVar("T")


class _RowError(ValueError):
    """A problem with one field of the current row; turned into a KnowledgeError with file and line."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def detect(upstream: Path) -> Path | None:
    """The folder under ``upstream`` that holds PyPGx's allele and variant tables, if any."""
    for relative in SEARCH_PATHS:
        folder = upstream / relative
        if (folder / ALLELE_TABLE).is_file() and (folder / VARIANT_TABLE).is_file():
            return folder.resolve()
    return None


def build(upstream: Path, out: Path) -> SourceRecord:
    """Compile the nine PyPGx tables in ``upstream`` into normalized JSON files in ``out``."""
    missing = [name for name in TABLES if not (upstream / name).is_file()]
    if missing:
        raise KnowledgeError(f"PyPGx table(s) missing: {', '.join(missing)}", source=upstream)
    variants = parse_variants(upstream / VARIANT_TABLE)
    known = {v.grch37.name for v in variants} | {v.grch38.name for v in variants}
    alleles = parse_alleles(upstream / ALLELE_TABLE, known)
    cnvs = parse_cnv_calls(upstream / CNV_TABLE)
    genes = parse_genes(upstream / GENE_TABLE, alleles, cnvs)
    _write(out / GENES_FILE, GENES, genes)
    _write(out / VARIANTS_FILE, VARIANTS, variants)
    _write(out / DIPLOTYPES_FILE, DIPLOTYPES, parse_diplotypes(upstream / DIPLOTYPE_TABLE))
    _write(out / EQUATIONS_FILE, EQUATIONS, parse_equations(upstream / EQUATION_TABLE))
    _write(out / PHENOTYPES_FILE, PHENOTYPE_PRIORITIES, parse_phenotype_priorities(upstream / PHENOTYPE_TABLE))
    _write(out / CPIC_FILE, CPIC_PAIRS, parse_cpic(upstream / CPIC_TABLE))
    _write(out / RECOMMENDATIONS_FILE, RECOMMENDATIONS, parse_recommendations(upstream / RECOMMENDATION_TABLE))
    upstream_files = files_checksums(upstream, [upstream / name for name in TABLES])
    return SourceRecord(
        name=SOURCE,
        title="PyPGx pharmacogenomic tables: star alleles, variants (GRCh37+GRCh38), phenotypes, CPIC catalogue",
        version=release_version(upstream, upstream_files),
        licence="MIT AND CC0-1.0 AND CC-BY-SA-4.0",
        citation=(
            "Lee S-B, Shin J-Y, Kwon N-J, Kim C, Seo J-S. ClinPharmSeq: a targeted sequencing panel for "
            "clinical pharmacogenetics implementation. PLoS One. 2022;17(7):e0272129. "
            "PyPGx, https://github.com/sbslee/pypgx"
        ),
        url="https://github.com/sbslee/pypgx",
        importer=SOURCE,
        upstream_files=upstream_files,
        notes=(
            "PyPGx code and tables: MIT. CPIC-derived content (allele function, diplotype phenotypes, "
            "recommendations, gene-drug levels): CC0-1.0. PharmGKB-derived content (PharmGKB levels): CC-BY-SA-4.0."
        ),
    )


def release_version(upstream: Path, upstream_files: dict[str, str]) -> str:
    """The PyPGx release, from an installed package's ``pypgx-X.dist-info`` next to it; else a content digest.

    The tables themselves carry no version, so a loose copy is identified by the digest of its files.
    """
    package_parent = upstream.parent.parent.parent if upstream.parts[-3:] == ("pypgx", "api", "data") else None
    if package_parent is not None:
        for info in sorted(package_parent.glob("pypgx-*.dist-info")):
            version = info.name.removeprefix("pypgx-").removesuffix(".dist-info")
            if version:
                return version
    return f"sha256:{combined_checksum(upstream_files)[:12]}"


def parse_variants(path: Path) -> list[PypgxVariant]:
    required = (
        "Gene",
        "GRCh37Name",
        "GRCh38Name",
        "rsID",
        "Chromosome",
        "GRCh37Position",
        "GRCh38Position",
        "GRCh37Allele",
        "GRCh38Allele",
        "Variant",
        "Impact",
        "GRCh37Synonym",
        "GRCh38Synonym",
    )

    def convert(row: dict[str, str]) -> PypgxVariant:
        grch37 = _variant_name(row, "GRCh37Name")
        grch38 = _variant_name(row, "GRCh38Name")
        for build, allele in (("GRCh37", grch37), ("GRCh38", grch38)):
            if allele.chrom != _chrom(row, "Chromosome") or str(allele.pos) != row[f"{build}Position"]:
                raise _RowError(f"{build}Name", f"{allele.name} disagrees with Chromosome/{build}Position")
            if allele.ref != row[f"{build}Allele"]:
                raise _RowError(f"{build}Allele", f"{row[f'{build}Allele']!r} is not the REF of {allele.name}")
        return PypgxVariant(
            gene=_required(row, "Gene"),
            rsid=_optional(row["rsID"]),
            grch37=grch37,
            grch38=grch38,
            variant_allele=row["Variant"],
            impact=_optional(row["Impact"]),
            grch37_synonyms=_variant_list(row, "GRCh37Synonym"),
            grch38_synonyms=_variant_list(row, "GRCh38Synonym"),
        )

    return list(_rows(path, required, convert))


def parse_alleles(path: Path, known_variants: set[str]) -> dict[str, list[StarAllele]]:
    required = (
        "Gene",
        "StarAllele",
        "ActivityScore",
        "Function",
        "GRCh37Core",
        "GRCh37Tag",
        "GRCh38Core",
        "GRCh38Tag",
        "SV",
    )

    def convert(row: dict[str, str]) -> tuple[str, StarAllele]:
        lists = {}
        for column in ("GRCh37Core", "GRCh37Tag", "GRCh38Core", "GRCh38Tag"):
            lists[column] = _variant_list(row, column)
            unknown = [v.name for v in lists[column] if v.name not in known_variants]
            if unknown:
                raise _RowError(column, f"variant(s) {', '.join(unknown)} not in the variant table")
        allele = StarAllele(
            name=_required(row, "StarAllele"),
            function=_optional(row["Function"]),
            activity_score=_float(row, "ActivityScore"),
            grch37_core=lists["GRCh37Core"],
            grch37_tag=lists["GRCh37Tag"],
            grch38_core=lists["GRCh38Core"],
            grch38_tag=lists["GRCh38Tag"],
            structural=_bool(row, "SV"),
        )
        return _required(row, "Gene"), allele

    by_gene: dict[str, list[StarAllele]] = defaultdict(list)
    for line, (gene, allele) in _numbered_rows(path, required, convert):
        if any(existing.name == allele.name for existing in by_gene[gene]):
            raise KnowledgeError(f"{gene} {allele.name} is listed twice", source=path, location=f"line {line}")
        by_gene[gene].append(allele)
    return dict(by_gene)


def parse_cnv_calls(path: Path) -> dict[str, list[str]]:
    calls: dict[str, list[str]] = defaultdict(list)
    for gene, name in _rows(path, ("Gene", "Name"), lambda row: (_required(row, "Gene"), _required(row, "Name"))):
        calls[gene].append(name)
    return dict(calls)


def parse_genes(path: Path, alleles: dict[str, list[StarAllele]], cnvs: dict[str, list[str]]) -> dict[str, PypgxGene]:
    required = (
        "Gene",
        "Target",
        "Control",
        "Paralog",
        "Variants",
        "SV",
        "PhenotypeMethod",
        "RefAllele",
        "GRCh37Default",
        "GRCh38Default",
        "Strand",
        "GRCh37Region",
        "GRCh38Region",
        "GRCh37ExonStarts",
        "GRCh37ExonEnds",
        "GRCh38ExonStarts",
        "GRCh38ExonEnds",
    )

    def convert(row: dict[str, str]) -> PypgxGene:
        gene = _required(row, "Gene")
        return PypgxGene.model_validate(
            {
                "gene": gene,
                "target": _bool(row, "Target"),
                "control": _bool(row, "Control"),
                "paralog": _optional(row["Paralog"]),
                "has_variants": _bool(row, "Variants"),
                "structural_variation": _bool(row, "SV"),
                "phenotype_method": _optional(row["PhenotypeMethod"]),
                "reference_allele": _optional(row["RefAllele"]),
                "grch37_default_allele": _optional(row["GRCh37Default"]),
                "grch38_default_allele": _optional(row["GRCh38Default"]),
                "strand": row["Strand"].strip(),
                "grch37_region": _region(row, "GRCh37Region"),
                "grch38_region": _region(row, "GRCh38Region"),
                "grch37_exons": _exons(row, "GRCh37"),
                "grch38_exons": _exons(row, "GRCh38"),
                "alleles": alleles.get(gene, []),
                "cnv_calls": cnvs.get(gene, []),
            }
        )

    genes: dict[str, PypgxGene] = {}
    for line, gene in _numbered_rows(path, required, convert):
        if gene.gene in genes:
            raise KnowledgeError(f"gene {gene.gene} is listed twice", source=path, location=f"line {line}")
        genes[gene.gene] = gene
    orphans = sorted((set(alleles) | set(cnvs)) - set(genes))
    if orphans:
        raise KnowledgeError(f"allele or CNV rows for gene(s) not in {GENE_TABLE}: {', '.join(orphans)}", source=path)
    return genes


def parse_diplotypes(path: Path) -> dict[str, dict[str, str]]:
    def convert(row: dict[str, str]) -> tuple[str, str, str]:
        return _required(row, "Gene"), _required(row, "Diplotype"), _required(row, "Phenotype")

    table: dict[str, dict[str, str]] = defaultdict(dict)
    for line, (gene, diplotype, phenotype) in _numbered_rows(path, ("Gene", "Diplotype", "Phenotype"), convert):
        if table[gene].get(diplotype, phenotype) != phenotype:
            raise KnowledgeError(f"{gene} {diplotype} has two phenotypes", source=path, location=f"line {line}")
        table[gene][diplotype] = phenotype
    return dict(table)


def parse_equations(path: Path) -> dict[str, list[ScoreRange]]:
    def convert(row: dict[str, str]) -> tuple[str, ScoreRange]:
        try:
            return _required(row, "Gene"), parse_score_range(_required(row, "Phenotype"), row["Equation"])
        except ValueError as exc:
            raise _RowError("Equation", str(exc)) from exc

    ranges: dict[str, list[ScoreRange]] = defaultdict(list)
    for gene, score_range in _rows(path, ("Gene", "Phenotype", "Equation"), convert):
        ranges[gene].append(score_range)
    return dict(ranges)


def parse_phenotype_priorities(path: Path) -> dict[str, dict[str, str | None]]:
    def convert(row: dict[str, str]) -> tuple[str, str, str | None]:
        return _required(row, "Gene"), _required(row, "Phenotype"), _optional(row["Priority"])

    table: dict[str, dict[str, str | None]] = defaultdict(dict)
    for line, (gene, phenotype, priority) in _numbered_rows(path, ("Gene", "Phenotype", "Priority"), convert):
        if phenotype in table[gene]:
            raise KnowledgeError(f"{gene} {phenotype} is listed twice", source=path, location=f"line {line}")
        table[gene][phenotype] = priority
    return dict(table)


def parse_cpic(path: Path) -> list[CpicGeneDrug]:
    required = (
        "Gene",
        "Drug",
        "RxNorm",
        "ATC",
        "Guideline",
        "CPICLevel",
        "CPICLevelStatus",
        "PharmGKBLevel",
        "FDALabel",
        "PMID",
    )

    def convert(row: dict[str, str]) -> CpicGeneDrug:
        rxnorm = _optional(row["RxNorm"])
        if rxnorm is not None and not rxnorm.isdigit():
            raise _RowError("RxNorm", f"{rxnorm!r} is not an RxNorm concept id")
        pmids = [p.strip() for p in row["PMID"].split(";") if p.strip()]
        if not all(p.isdigit() for p in pmids):
            raise _RowError("PMID", f"{row['PMID']!r} is not a ';'-separated list of PubMed ids")
        return CpicGeneDrug(
            gene=_required(row, "Gene"),
            drug=_required(row, "Drug"),
            rxnorm=rxnorm,
            atc=[code.strip() for code in row["ATC"].split(",") if _optional(code.strip())],
            guideline_url=_optional(row["Guideline"]),
            cpic_level=_required(row, "CPICLevel"),
            cpic_level_status=_optional(row["CPICLevelStatus"]),
            pharmgkb_level=_optional(row["PharmGKBLevel"]),
            fda_label=_optional(row["FDALabel"]),
            pmids=pmids,
        )

    return list(_rows(path, required, convert))


def parse_recommendations(path: Path) -> list[DrugRecommendation]:
    required = ("Drug", "Gene1", "Phenotype1", "Gene2", "Phenotype2", "Recommendation")

    def convert(row: dict[str, str]) -> DrugRecommendation:
        phenotypes = {_required(row, "Gene1"): _optional(row["Phenotype1"])}
        second = _optional(row["Gene2"])
        if second is None:
            if _optional(row["Phenotype2"]) is not None:
                raise _RowError("Phenotype2", "given without Gene2")
        elif second in phenotypes:
            raise _RowError("Gene2", f"{second} repeats Gene1")
        else:
            phenotypes[second] = _optional(row["Phenotype2"])
        return DrugRecommendation(
            drug=_required(row, "Drug"), phenotypes=phenotypes, recommendation=_optional(row["Recommendation"])
        )

    return list(_rows(path, required, convert))


def _rows(path: Path, required: tuple[str, ...], convert: Callable[[dict[str, str]], T]) -> Iterator[T]:
    for _, item in _numbered_rows(path, required, convert):
        yield item


def _numbered_rows(
    path: Path, required: tuple[str, ...], convert: Callable[[dict[str, str]], T]
) -> Iterator[tuple[int, T]]:
    """Convert each row, turning field problems into a KnowledgeError naming file, line and column."""
    for line, row in read_table(path, required):
        try:
            yield line, convert(row)
        except _RowError as exc:
            raise KnowledgeError(f"column {exc.column}: {exc}", source=path, location=f"line {line}") from exc
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = ".".join(str(part) for part in problem["loc"])
            raise KnowledgeError(
                f"field {field}: {problem['msg']} (value {problem.get('input')!r})",
                source=path,
                location=f"line {line}",
            ) from exc


def _write(path: Path, adapter: TypeAdapter[Any], value: Any) -> None:
    path.write_bytes(adapter.dump_json(value, indent=1) + b"\n")


def _optional(value: str) -> str | None:
    value = value.strip()
    return None if value in _MISSING else value


def _required(row: dict[str, str], column: str) -> str:
    value = _optional(row[column])
    if value is None:
        raise _RowError(column, "is empty")
    return value


def _bool(row: dict[str, str], column: str) -> bool:
    try:
        return _BOOL[row[column].strip().upper()]
    except KeyError:
        raise _RowError(column, f"{row[column]!r} is not TRUE or FALSE") from None


def _float(row: dict[str, str], column: str) -> float | None:
    value = _optional(row[column])
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise _RowError(column, f"{value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _RowError(column, f"{value!r} is not a finite number")
    return number


def _chrom(row: dict[str, str], column: str) -> str:
    value = row[column].strip()
    if not re.fullmatch(r"[0-9]{1,2}|X|Y|M", value):
        raise _RowError(column, f"{value!r} is not a chromosome")
    return f"chr{value}"


def _parse_variant(text: str, column: str) -> VariantAllele:
    match = _VARIANT_NAME.match(text.strip())
    if match is None:
        raise _RowError(column, f"{text!r} is not CHROM-POS-REF-ALT")
    return VariantAllele(chrom=f"chr{match['chrom']}", pos=int(match["pos"]), ref=match["ref"], alt=match["alt"])


def _variant_name(row: dict[str, str], column: str) -> VariantAllele:
    return _parse_variant(row[column], column)


def _variant_list(row: dict[str, str], column: str) -> list[VariantAllele]:
    value = _optional(row[column])
    return [] if value is None else [_parse_variant(part, column) for part in value.split(",")]


def _region(row: dict[str, str], column: str) -> GeneRegion:
    match = _REGION.match(row[column].strip())
    if match is None:
        raise _RowError(column, f"{row[column]!r} is not CHROM:START-END")
    return GeneRegion(chrom=f"chr{match['chrom']}", start=int(match["start"]), end=int(match["end"]))


def _exons(row: dict[str, str], build: str) -> list[Exon]:
    starts = _int_list(row, f"{build}ExonStarts")
    ends = _int_list(row, f"{build}ExonEnds")
    if len(starts) != len(ends):
        raise _RowError(f"{build}ExonEnds", f"{len(starts)} exon starts but {len(ends)} ends")
    return [Exon(start=start, end=end) for start, end in zip(starts, ends, strict=True)]


def _int_list(row: dict[str, str], column: str) -> list[int]:
    parts = [part.strip() for part in row[column].split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise _RowError(column, f"{row[column]!r} is not a comma-separated list of positions")
    return [int(part) for part in parts]


PYPGX = Importer(
    name=SOURCE,
    description="PyPGx tables (star alleles, GRCh37+GRCh38 variants, phenotypes, CPIC gene-drug catalogue)",
    detect=detect,
    build=build,
)
