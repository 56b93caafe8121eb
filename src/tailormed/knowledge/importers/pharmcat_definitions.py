"""Importer ``pharmcat-definitions``: PharmCAT's named-allele definition files into our per-gene format.

Reads ``definition/alleles/<GENE>_translation.json`` and ``exemptions.json`` from a PharmCAT release (GRCh38,
data from PharmVar, CPIC and ClinPGx) and writes one :class:`~tailormed.knowledge.pgx.definitions.GeneDefinition`
JSON per gene plus ``genes.json`` (gene -> file). The two PharmCAT policies the matcher needs are recorded per
gene as data: genes whose undocumented variation is read as reference (toxicity genes, so that actionable variants
still give a recommendation) and genes called by their lowest-function variants (DPYD, RYR1); for the latter the
per-allele activity values are taken from PharmCAT's phenotype file of the gene when the release has one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tailormed.errors import KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.checksums import files_checksums, folder_checksums
from tailormed.knowledge.files import read_json
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.pgx.definitions import (
    INDEX_FILE,
    DefinitionVariant,
    GeneDefinition,
    GeneExemptions,
    NamedAlleleDefinition,
    UnphasedPriority,
)
from tailormed.knowledge.pharmcat_release import LOWEST_FUNCTION_GENES, find_release_root
from tailormed.knowledge.registry import Importer
from tailormed.model.genotype import GenomeBuild

NAME = "pharmcat-definitions"
_ALLELES_DIR = Path("definition") / "alleles"

# PharmCAT's documented matcher policies (NamedAlleleMatcher 201: "Undocumented Variations";
# Gene Definition Exceptions: DPYD), kept with the data they apply to.
_UNDOCUMENTED_AS_REFERENCE = frozenset({"CACNA1S", "DPYD", "G6PD", "NUDT15", "RYR1", "TPMT"})

_LICENCE = "CC-BY-SA-4.0 (ClinPGx/PharmGKB curation); CPIC content CC0-1.0; PharmVar definitions with citation"
_CITATION = (
    "PharmVar (Gaedigk et al., Clin Pharmacol Ther 2018;103:399); CPIC allele definition tables (cpicpgx.org); "
    "ClinPGx/PharmGKB; as packaged by PharmCAT (Sangkuhl et al., Clin Pharmacol Ther 2020;107:203)"
)


def detect(upstream: Path) -> Path | None:
    """The PharmCAT release root under ``upstream`` that holds ``definition/alleles/exemptions.json``."""
    return find_release_root(upstream, lambda root: (root / _ALLELES_DIR / "exemptions.json").is_file())


def build(upstream_root: Path, out_dir: Path) -> SourceRecord:
    alleles_dir = upstream_root / _ALLELES_DIR
    exemptions_path = alleles_dir / "exemptions.json"
    exemptions = read_json(exemptions_path)
    if not isinstance(exemptions, dict):
        raise KnowledgeError("expected an object keyed by gene", source=exemptions_path)
    files = sorted(alleles_dir.glob("*_translation.json"))
    if not files:
        raise KnowledgeError("no *_translation.json definition files", source=alleles_dir)

    out_dir.mkdir(parents=True, exist_ok=True)
    index: dict[str, str] = {}
    versions: set[str] = set()
    used = [exemptions_path]
    for path in files:
        raw = read_json(path)
        gene = _text(raw, "gene", path)
        activity_path = upstream_root / "phenotype" / f"{gene}.json"
        activity: dict[str, float] = {}
        if gene in LOWEST_FUNCTION_GENES and activity_path.is_file():
            activity = _activity_values(activity_path)
            used.append(activity_path)
        definition = _definition(raw, exemptions.get(gene), activity, path, exemptions_path)
        versions.add(definition.version)
        name = f"{gene}.json"
        write_text_atomic(out_dir / name, definition.model_dump_json(indent=1, exclude_defaults=True))
        index[gene] = name
        used.append(path)
    write_text_atomic(out_dir / INDEX_FILE, json.dumps({"genes": dict(sorted(index.items()))}, indent=1))
    return SourceRecord(
        name=NAME,
        title="PharmCAT named-allele definitions (GRCh38)",
        version=", ".join(sorted(versions)),
        licence=_LICENCE,
        citation=_CITATION,
        url="https://github.com/PharmGKB/PharmCAT",
        importer=NAME,
        files=folder_checksums(out_dir),
        upstream_files=files_checksums(upstream_root, used),
        notes=f"{len(index)} genes; positions GRCh38 only",
    )


def _definition(
    raw: Any, exemption: Any, activity: dict[str, float], path: Path, exemptions_path: Path
) -> GeneDefinition:
    gene = _text(raw, "gene", path)
    build_name = _text(raw, "genomeBuild", path)
    if not build_name.startswith("GRCh38"):
        raise KnowledgeError(f"unsupported genome build {build_name!r} (expected GRCh38)", source=path)
    try:
        variants = tuple(_variant(v) for v in raw["variants"])
        alleles = tuple(
            NamedAlleleDefinition(
                name=a["name"],
                id=a.get("id"),
                is_reference=bool(a.get("reference", False)),
                alleles=tuple(a["alleles"]),
                structural=bool(a.get("structuralVariant", False)),
            )
            for a in raw["namedAlleles"]
        )
        return GeneDefinition(
            gene=gene,
            chromosome=raw["chromosome"],
            build=GenomeBuild.GRCH38,
            version=str(raw["version"]),
            source=NAME,
            variants=variants,
            named_alleles=alleles,
            exemptions=_exemptions(exemption, exemptions_path),
            undocumented_as_reference=gene in _UNDOCUMENTED_AS_REFERENCE,
            lowest_function=gene in LOWEST_FUNCTION_GENES,
            allele_activity=activity,
        )
    except (KeyError, TypeError) as exc:
        raise KnowledgeError(f"malformed definition: missing or wrong field {exc}", source=path) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise KnowledgeError(f"invalid definition: {first['msg']}", source=path, location=where) from exc


def _variant(raw: dict[str, Any]) -> DefinitionVariant:
    return DefinitionVariant(
        chrom=raw["chromosome"],
        pos=raw["position"],
        rsid=raw.get("rsid"),
        ref=raw["ref"],
        alts=tuple(raw.get("alts") or ()),
        hgvs=raw.get("chromosomeHgvsName"),
        cpic_position=raw.get("cpicPosition"),
        cpic_alleles=tuple(raw.get("cpicAlleles") or ()),
        cpic_to_vcf=dict(raw.get("cpicToVcfAlleleMap") or {}),
    )


def _exemptions(raw: Any, path: Path) -> GeneExemptions:
    if raw is None:
        return GeneExemptions()
    try:
        return GeneExemptions(
            ignored_alleles=tuple(raw.get("ignoredAlleles") or ()),
            ignored_positions=tuple(_variant(v) for v in raw.get("ignoredPositions") or ()),
            extra_positions=tuple(_variant(v) for v in raw.get("extraPositions") or ()),
            required_positions=tuple(raw.get("requiredPositions") or ()),
            unphased_priorities=tuple(
                UnphasedPriority(candidates=tuple(p["list"]), pick=p["pick"])
                for p in raw.get("unphasedDiplotypePriorities") or ()
            ),
            amp1_alleles=tuple(raw.get("amp1Alleles") or ()),
            amp1_positions=tuple(raw.get("amp1Positions") or ()),
            all_hits=raw.get("allHits"),
        )
    except (KeyError, TypeError, AttributeError, ValidationError) as exc:
        raise KnowledgeError(f"malformed exemption: {exc}", source=path, location=str(raw.get("gene"))) from exc


def _activity_values(path: Path) -> dict[str, float]:
    raw = read_json(path)
    values = raw.get("activityValues") or raw.get("haplotypes") if isinstance(raw, dict) else None
    if not isinstance(values, dict):
        raise KnowledgeError("expected 'activityValues' or 'haplotypes' map", source=path)
    activity: dict[str, float] = {}
    for name, value in values.items():
        try:
            activity[name] = float(value)
        except (TypeError, ValueError):
            continue  # non-numeric function labels carry no activity value to rank by
    return activity


def _text(raw: Any, key: str, path: Path) -> str:
    value = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(value, str) or not value:
        raise KnowledgeError(f"missing {key!r}", source=path)
    return value


IMPORTER = Importer(
    name=NAME,
    description="PharmCAT named-allele definitions and exemptions (GRCh38) -> per-gene allele definitions",
    detect=detect,
    build=build,
)
