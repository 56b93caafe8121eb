"""Importer ``pgs-catalog``: PGS Catalog scoring files and the Catalog's score metadata into the bundle.

Reads a folder holding scoring files (``PGS*.txt[.gz]``: author files, ``_hmPOS_GRCh37/38`` harmonized files,
``pgscatalog-format`` output) and the "all metadata – scores" export (``pgs_all_metadata_scores.csv[.gz]``). Each
scoring file that parses and holds the whole score is copied unchanged; files that cannot be scored by position
(rsIDs only), that hold complex (haplotype/interaction) terms or only part of a score (fewer rows than
``#variants_number``, e.g. a one-chromosome excerpt) are left out and listed in the source notes. ``scores.json``
indexes the files per build with the Catalog's trait, method, ancestry distributions and **licence of each score**
(most scores use the EBI terms, some are research-only). VCF renderings of a score that carry a cohort's SUM
percentiles (``##percentiles=``, as megSAP ships them) add a reference distribution and the reference bases at the
scored sites (``reference_alleles.json``).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
from pathlib import Path

from tailormed.errors import InputError, KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.checksums import files_checksums, folder_checksums
from tailormed.knowledge.importers.vcf import header_lines, open_vcf, vcf_records
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.pgs_catalog import (
    INDEX_FILE,
    REFERENCE_ALLELES_FILE,
    SOURCE,
    CatalogIndex,
    CatalogScore,
    ReferenceDistribution,
    ScoreFileRef,
)
from tailormed.knowledge.pgs_scoring import read_scoring_file
from tailormed.knowledge.registry import Importer
from tailormed.model.chrom import canonical_chrom
from tailormed.model.genotype import GenomeBuild

SEARCH_PATHS = (Path("risk") / "pgs", Path("pgs"), Path())
METADATA_NAMES = ("pgs_all_metadata_scores.csv.gz", "pgs_all_metadata_scores.csv")
_SCORING = re.compile(r"^PGS\d{6}.*\.txt(\.gz)?$")
_ANCESTRY = re.compile(r"^(.+?):([0-9.]+)$")
_CITATION = (
    "Lambert SA et al., The Polygenic Score Catalog as an open database for reproducibility and systematic "
    "evaluation, Nat Genet 2021;53(4):420-425; each score cites its own publication (scores.json)"
)
_LICENCE = "EMBL-EBI Terms of Use; per-score terms in scores.json (e.g. PGS000013-17 research use only)"
_NGSD = "Tübingen NGSD cohort (megSAP), genomes"


def detect(upstream: Path) -> Path | None:
    """The folder holding the PGS Catalog metadata export and scoring files, if any."""
    for relative in SEARCH_PATHS:
        folder = upstream / relative
        if any((folder / name).is_file() for name in METADATA_NAMES) and any(_scoring_files(folder)):
            return folder.resolve()
    return None


def _scoring_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob("PGS*") if _SCORING.match(path.name) and path.is_file())


def build(upstream: Path, out: Path) -> SourceRecord:
    metadata_path = next((upstream / n for n in METADATA_NAMES if (upstream / n).is_file()), None)
    if metadata_path is None:
        raise KnowledgeError("no pgs_all_metadata_scores.csv[.gz]", source=upstream)
    catalog = _read_metadata(metadata_path)
    out.mkdir(parents=True, exist_ok=True)
    used = [metadata_path]
    skipped: list[str] = []
    for path in _scoring_files(upstream):
        try:
            scoring = read_scoring_file(path)
        except InputError as exc:
            skipped.append(f"{path.name} ({exc.message.split(';')[0]})")
            continue
        expected = scoring.header.variants_number
        if expected is not None and len(scoring) < expected:
            skipped.append(f"{path.name} (only {len(scoring)} of {expected} variants: part of the score)")
            continue
        entry = catalog.setdefault(scoring.name, CatalogScore(pgs_id=scoring.name))
        reference = ScoreFileRef(
            file=path.name,
            builds=list(scoring.builds),
            variants=len(scoring),
            harmonized=scoring.header.hm_build is not None or scoring.header.format_version == "normalised",
        )
        catalog[scoring.name] = entry.model_copy(update={"files": [*entry.files, reference]})
        shutil.copyfile(path, out / path.name)
        used.append(path)
    references: dict[str, dict[str, str]] = {}
    for path in sorted(upstream.glob("PGS*.vcf")):
        found = _vcf_rendering(path, references)
        if found is not None:
            pgs_id, distribution = found
            entry = catalog.setdefault(pgs_id, CatalogScore(pgs_id=pgs_id))
            update = {"reference_distributions": [*entry.reference_distributions, distribution]}
            catalog[pgs_id] = entry.model_copy(update=update)
            used.append(path)
    with_files = {key: value for key, value in catalog.items() if value.files}
    if not with_files:
        raise KnowledgeError("no usable scoring file (see the PGS Catalog harmonized downloads)", source=upstream)
    dates = sorted(s.release_date for s in catalog.values() if s.release_date)
    version = f"metadata to {dates[-1]}" if dates else "unknown"
    index = CatalogIndex(version=version, scores=dict(sorted(catalog.items())))
    write_text_atomic(out / INDEX_FILE, index.model_dump_json(exclude_defaults=True))
    write_text_atomic(out / REFERENCE_ALLELES_FILE, json.dumps(references, sort_keys=True))
    notes = (
        f"{len(with_files)} scores with files ({', '.join(sorted(with_files))}), metadata for {len(catalog)} scores; "
        f"left out: {'; '.join(skipped) if skipped else 'none'}"
    )
    return SourceRecord(
        name=SOURCE,
        title="PGS Catalog scoring files and score metadata",
        version=version,
        licence=_LICENCE,
        citation=_CITATION,
        url="https://www.pgscatalog.org/",
        importer=SOURCE,
        files=folder_checksums(out),
        upstream_files=files_checksums(upstream, used),
        notes=notes,
    )


def _read_metadata(path: Path) -> dict[str, CatalogScore]:
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode("utf-8") if raw[:2] == b"\x1f\x8b" else raw.decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    required = ("Polygenic Score (PGS) ID", "License/Terms of Use")
    if reader.fieldnames is None or any(name not in reader.fieldnames for name in required):
        raise KnowledgeError(f"metadata table lacks column(s) {', '.join(required)}", source=path, location="line 1")
    found: dict[str, CatalogScore] = {}
    for number, row in enumerate(reader, start=2):
        pgs_id = row["Polygenic Score (PGS) ID"].strip()
        if not pgs_id:
            raise KnowledgeError("empty PGS ID", source=path, location=f"line {number}")
        count = (row.get("Number of Variants") or "").strip()
        found[pgs_id] = CatalogScore(
            pgs_id=pgs_id,
            pgs_name=row.get("PGS Name") or None,
            trait_reported=row.get("Reported Trait") or None,
            trait_mapped=row.get("Mapped Trait(s) (EFO label)") or None,
            method=row.get("PGS Development Method") or None,
            variants_number=int(count) if count.isdigit() else None,
            weight_type=row.get("Type of Variant Weight") or None,
            publication_pmid=row.get("Publication (PMID)") or None,
            publication_doi=row.get("Publication (doi)") or None,
            ancestry_gwas=_ancestry(row.get("Ancestry Distribution (%) - Source of Variant Associations (GWAS)")),
            ancestry_development=_ancestry(row.get("Ancestry Distribution (%) - Score Development/Training")),
            ancestry_evaluation=_ancestry(row.get("Ancestry Distribution (%) - PGS Evaluation")),
            licence=row["License/Terms of Use"].strip() or None,
            release_date=row.get("Release Date") or None,
        )
    return found


def _ancestry(text: str | None) -> dict[str, float]:
    """'European:77.8|African:2.2' -> {'European': 77.8, 'African': 2.2}."""
    found: dict[str, float] = {}
    for part in (text or "").split("|"):
        match = _ANCESTRY.match(part.strip())
        if match:
            found[match.group(1).strip()] = float(match.group(2))
    return found


def _vcf_rendering(path: Path, references: dict[str, dict[str, str]]) -> tuple[str, ReferenceDistribution] | None:
    reader, lines = open_vcf(path)
    try:
        meta = header_lines(reader)
        sites: dict[str, str] = {}
        for _, record in vcf_records(reader, path, lines):
            chrom = canonical_chrom(record.CHROM)
            if chrom is not None:
                sites[f"{chrom}:{record.POS}"] = record.REF.upper()
    finally:
        reader.close()
    build = {"GRCh38": GenomeBuild.GRCH38, "GRCh37": GenomeBuild.GRCH37}.get(meta.get("build", ""))
    if "pgs_id" not in meta or "percentiles" not in meta or build is None:
        return None
    values = [float(value) for value in meta["percentiles"].split(",")]
    references.setdefault(build.value, {}).update(sites)
    distribution = ReferenceDistribution(
        cohort=_NGSD,
        ancestry="European",
        samples=int(meta.get("sample_count", "0") or 0),
        build=build,
        levels=[100.0 * (i + 1) / len(values) for i in range(len(values))],
        values=values,
        source_file=path.name,
    )
    return meta["pgs_id"], distribution


IMPORTER = Importer(
    name=SOURCE,
    description="PGS Catalog scoring files + score metadata (licence, ancestry) -> scores.json and the files",
    detect=detect,
    build=build,
)
