"""Importer ``cgi-biomarkers``: the Cancer Genome Interpreter biomarkers (per-variant TSV, hg19) into evidence.json.

Rows: ``Alteration`` (``EGFR:T790M``, ``ERBB2:amp``, ``ALK__.``, ``BCR__ABL1``), ``individual_mutation`` (one row
per variant of a grouped biomarker), ``Association`` (Responsive / Resistant / No Responsive / Increased
Toxicity...), ``Evidence level`` and ``Primary Tumor acronym`` (``;``-separated, mapped to OncoTree through the
curated crosswalk). Levels map to AMP: FDA/NCCN/ELN/CPIC guidelines -> A, late and clinical trials -> B, early
trials and case reports -> C, pre-clinical -> D. Expression, biallelic and multi-alteration biomarkers are skipped.

Licence flag: CGI's biomarkers are CC0 only according to a third-party registry (reusabledata.org, 2020), not
verified against the CGI site; the table is marked ``redistributable = false`` and every match carries the note.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from tailormed.errors import KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.checksums import files_checksums, folder_checksums
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.onco import core
from tailormed.knowledge.onco.evidence import (
    EVIDENCE_FILE,
    AmpLevel,
    BiomarkerEvidence,
    Direction,
    EvidenceTable,
    EvidenceType,
    Significance,
)
from tailormed.knowledge.registry import Importer
from tailormed.model.alteration import Alteration, AlterationKind, GenomicAllele, parse_alteration
from tailormed.model.genotype import GenomeBuild
from tailormed.tables import read_table

SOURCE = "cgi-biomarkers"
FILE = "cgi_biomarkers_per_variant.tsv"
RELEASE = "2018-01 (last CGI biomarkers update)"
LICENCE = "CC0-1.0 (per reusabledata.org, unverified)"
LICENCE_NOTE = "CGI biomarkers: CC0 per a third-party registry (reusabledata.org, 2020), not verified with CGI"
_REQUIRED = (
    "Alteration", "Alteration type", "Association", "Biomarker", "Drug", "Drug family", "Evidence level", "Gene",
    "Primary Tumor acronym", "Primary Tumor type", "Source", "gDNA", "individual_mutation",
)  # fmt: skip
_LEVELS = {
    "FDA guidelines": AmpLevel.A, "NCCN guidelines": AmpLevel.A, "NCCN/CAP guidelines": AmpLevel.A,
    "European LeukemiaNet guidelines": AmpLevel.A, "CPIC guidelines": AmpLevel.A, "Late trials": AmpLevel.B,
    "Clinical trials": AmpLevel.B, "Early trials": AmpLevel.C, "Case report": AmpLevel.C,
    "Early Trials,Case Report": AmpLevel.C, "Late trials,Pre-clinical": AmpLevel.B, "Pre-clinical": AmpLevel.D,
}  # fmt: skip
_GDNA = re.compile(r"^chr([0-9XY]{1,2}):g\.(\d+)([ACGT])>([ACGT])$")


def detect(upstream: Path) -> Path | None:
    for folder in (upstream, upstream / "cgi", upstream / "onco" / "cgi"):
        if (folder / FILE).is_file():
            return folder.resolve()
    return None


def build(upstream_root: Path, out_dir: Path) -> SourceRecord:
    table, notes = compile_table(upstream_root / FILE)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / EVIDENCE_FILE, table.model_dump_json(exclude_defaults=True))
    return SourceRecord(
        name=SOURCE,
        title="Cancer Genome Interpreter: Cancer Biomarkers database (normalized biomarker -> evidence table)",
        version=RELEASE,
        licence=LICENCE,
        citation="Tamborero D et al., Cancer Genome Interpreter annotates the biological and clinical relevance of "
        "tumor alterations, Genome Med 2018;10(1):25.",
        url="https://www.cancergenomeinterpreter.org/biomarkers",
        importer=SOURCE,
        files=folder_checksums(out_dir),
        upstream_files=files_checksums(upstream_root, [upstream_root / FILE]),
        notes=notes,
    )


def compile_table(path: Path) -> tuple[EvidenceTable, str]:
    cgi_codes = core.crosswalk(KnowledgeBundle(None, None, curated_sources())).cgi
    skipped: Counter[str] = Counter()
    rows: list[BiomarkerEvidence] = []
    for line, row in read_table(path, _REQUIRED, delimiter="\t"):
        biomarker = _biomarker(row, skipped)
        if biomarker is None:
            continue
        level = _LEVELS.get(row["Evidence level"].strip())
        significance = _significance(row["Association"])
        if level is None or significance is None:
            skipped["unknown level or association"] += 1
            continue
        drugs = [d.strip() for d in row["Drug"].strip("[]").split(",") if d.strip()]
        therapy = drugs or [f"{f.strip()} (drug class)" for f in row["Drug family"].strip("[]").split(",") if f.strip()]
        acronyms = [a.strip() for a in row["Primary Tumor acronym"].split(";") if a.strip()] or [""]
        names = [n.strip() for n in row["Primary Tumor type"].split(";")]
        allele = _allele(row["gDNA"]) if biomarker.protein is not None else []
        citations = [c.strip() for c in row["Source"].split(";") if c.strip()]
        for index, acronym in enumerate(acronyms):
            try:
                rows.append(
                    BiomarkerEvidence(
                        id=f"{SOURCE}:line{line}" + (f".{index + 1}" if len(acronyms) > 1 else ""),
                        biomarker=biomarker,
                        alleles=allele,
                        disease=names[index] if index < len(names) and names[index] else acronym or "unspecified",
                        oncotree=cgi_codes.get(acronym),
                        therapies=therapy,
                        evidence_type=EvidenceType.PREDICTIVE,
                        direction=Direction.SUPPORTS,
                        significance=significance,
                        native_level=f"CGI {row['Evidence level'].strip()}",
                        amp_level=level,
                        citations=citations,
                    )
                )
            except ValueError as exc:
                raise KnowledgeError(f"cannot normalize row ({exc})", source=path, location=f"line {line}") from exc
    table = EvidenceTable(
        source=SOURCE, release=RELEASE, licence=LICENCE, redistributable=False, licence_note=LICENCE_NOTE, rows=rows
    )
    notes = (
        f"{len(rows)} evidence rows; skipped: {', '.join(f'{n} {why}' for why, n in skipped.most_common()) or 'none'}"
    )
    return table, notes


def _significance(association: str) -> Significance | None:
    text = association.strip()
    if text == "Responsive":
        return Significance.SENSITIVITY
    if text in ("Resistant", "No Responsive"):
        return Significance.RESISTANCE
    if text.startswith("Increased Toxicity"):
        return Significance.ADVERSE_RESPONSE
    return None


def _biomarker(row: dict[str, str], skipped: Counter[str]) -> Alteration | None:
    kind, gene, alteration = row["Alteration type"].strip(), row["Gene"].strip(), row["Alteration"].strip()
    try:
        if kind == "MUT":
            single = row["individual_mutation"].strip()
            if single:
                return parse_alteration(single.split(":", 1)[1], gene=single.split(":", 1)[0])
            rest = row["Biomarker"].strip().removeprefix(gene).strip().removeprefix("-")  # FLT3-ITD
            exon = re.match(r"^exon (\d+) (deletion|insertion)s?$", rest)
            if exon:
                return parse_alteration(f"exon {exon.group(1)} {exon.group(2)}", gene=gene)
            parsed = parse_alteration(rest.strip("()"), gene=gene)
            if parsed.kind is AlterationKind.WILD_TYPE:  # the curated core holds the wild-type labels
                skipped["wild-type biomarkers"] += 1
                return None
            return parsed
        if kind == "CNA" and alteration.endswith((":amp", ":del")):
            return parse_alteration("amplification" if alteration.endswith("amp") else "deletion", gene=gene)
        if kind == "FUS" and "__" in alteration:
            five, three = alteration.split("__", 1)
            if three == ".":
                return Alteration(gene=five, kind=AlterationKind.FUSION, label=f"{five} fusion")
            return parse_alteration(f"{five}::{three}")
    except ValueError:
        skipped["biomarkers outside the alteration grammar"] += 1
        return None
    skipped[f"{kind or 'untyped'} biomarkers"] += 1
    return None


def _allele(gdna: str) -> list[GenomicAllele]:
    match = _GDNA.match(gdna.strip())
    if match is None:
        return []
    chrom, pos, ref, alt = match.groups()
    return [GenomicAllele(build=GenomeBuild.GRCH37, chrom=f"chr{chrom}", pos=int(pos), ref=ref, alt=alt)]


IMPORTER = Importer(
    name=SOURCE,
    description="CGI cancer biomarkers (per-variant TSV) -> evidence.json, licence flag kept",
    detect=detect,
    build=build,
)
