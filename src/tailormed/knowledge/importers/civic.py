"""Importer ``civic``: CIViC monthly TSV releases (v1 and v2 layouts) into one normalized ``evidence.json``.

* v1 (to 2022; e.g. ``01-Aug-2021-ClinicalEvidenceSummaries.tsv``): ``gene``, ``variant``, ``drugs``,
  ``drug_interaction_type``, ``clinical_significance`` and GRCh37 coordinates on every evidence row.
* v2 (2023+): ``molecular_profile`` (e.g. ``BRAF V600E``; compound "A AND B" profiles), ``therapies``,
  ``therapy_interaction_type``, ``significance``; coordinates come from ``MolecularProfileSummaries.tsv``
  (``variant_ids``) and ``VariantSummaries.tsv`` when those files sit beside the evidence file.

Only accepted predictive, prognostic and diagnostic evidence is kept. "Substitutes" drugs become one row per drug;
"Combination" and "Sequential" drugs stay together as one therapy. Diseases are mapped to OncoTree through the
curated crosswalk (Disease Ontology id); unmapped diseases keep ``oncotree = None``. Variant names the alteration
grammar does not cover (expression, methylation, compound profiles, ITD ...) are skipped and counted in the notes.
CIViC levels map to AMP levels A->A, B->B, C->C, D->D, E (inferential)->D.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
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
    Origin,
    Significance,
)
from tailormed.knowledge.registry import Importer
from tailormed.model.alteration import Alteration, AlterationKind, GenomicAllele, parse_alteration
from tailormed.model.genotype import GenomeBuild
from tailormed.tables import read_table, split_lines

SOURCE = "civic"
_EVIDENCE = "*ClinicalEvidenceSummaries.tsv"
_LEVELS = {"A": AmpLevel.A, "B": AmpLevel.B, "C": AmpLevel.C, "D": AmpLevel.D, "E": AmpLevel.D}
_TYPES = {
    "Predictive": EvidenceType.PREDICTIVE,
    "Prognostic": EvidenceType.PROGNOSTIC,
    "Diagnostic": EvidenceType.DIAGNOSTIC,
}
_SIGNIFICANCE = {
    "Sensitivity/Response": Significance.SENSITIVITY, "Sensitivity": Significance.SENSITIVITY,
    "Resistance": Significance.RESISTANCE, "Reduced Sensitivity": Significance.REDUCED_SENSITIVITY,
    "Adverse Response": Significance.ADVERSE_RESPONSE, "Poor Outcome": Significance.POOR_OUTCOME,
    "Better Outcome": Significance.BETTER_OUTCOME, "Positive": Significance.DIAGNOSTIC,
    "Negative": Significance.DIAGNOSTIC,
}  # fmt: skip
_ORIGINS = {"Somatic": Origin.SOMATIC, "Rare Germline": Origin.GERMLINE, "Common Germline": Origin.GERMLINE}
_V1 = ("gene", "variant", "disease", "doid", "drugs", "drug_interaction_type", "evidence_type", "evidence_direction",
       "evidence_level", "clinical_significance", "evidence_id", "evidence_status")  # fmt: skip
_V2 = (
    "molecular_profile", "molecular_profile_id", "disease", "doid", "therapies", "therapy_interaction_type",
    "evidence_type", "evidence_direction", "evidence_level", "significance", "evidence_id", "evidence_status",
)  # fmt: skip
_LICENCE = "CC0-1.0"
_CITATION = (
    "Griffith M et al., CIViC is a community knowledgebase for expert crowdsourcing the clinical interpretation of "
    "variants in cancer, Nat Genet 2017;49(2):170-174; Krysiak K et al., Nucleic Acids Res 2023;51(D1):D1230-D1241."
)


def detect(upstream: Path) -> Path | None:
    """The newest release folder holding a ``*ClinicalEvidenceSummaries.tsv`` under civic/ (or onco/civic/)."""
    candidates = []
    for base in (upstream, upstream / "civic", upstream / "onco" / "civic"):
        if not base.is_dir():
            continue
        for folder in [base, *sorted(p for p in base.iterdir() if p.is_dir())]:
            if any(folder.glob(_EVIDENCE)):
                candidates.append(folder.resolve())
    return max(candidates, key=_release_date) if candidates else None


def _release_date(folder: Path) -> datetime:
    try:
        return datetime.strptime(_release(folder), "%d-%b-%Y")
    except ValueError:
        return datetime.min


def _release(folder: Path) -> str:
    files = sorted(folder.glob(_EVIDENCE))
    prefix = (
        files[0].name.removesuffix("ClinicalEvidenceSummaries.tsv").removesuffix("Accepted").rstrip("-")
        if files
        else ""
    )
    return prefix or folder.name


def build(upstream_root: Path, out_dir: Path) -> SourceRecord:
    table, used, notes = compile_release(upstream_root)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / EVIDENCE_FILE, table.model_dump_json(exclude_defaults=True))
    return SourceRecord(
        name=SOURCE,
        title="CIViC clinical evidence (normalized biomarker -> evidence table)",
        version=table.release,
        licence=_LICENCE,
        citation=_CITATION,
        url="https://civicdb.org/releases",
        importer=SOURCE,
        files=folder_checksums(out_dir),
        upstream_files=files_checksums(upstream_root, used),
        notes=notes,
    )


def compile_release(folder: Path) -> tuple[EvidenceTable, list[Path], str]:
    """The release in ``folder`` as an evidence table, the files read, and a summary of what was skipped."""
    files = sorted(folder.glob(_EVIDENCE))
    if not files:
        raise KnowledgeError("no *ClinicalEvidenceSummaries.tsv here", source=folder)
    evidence = files[0]
    header = _header(evidence)
    crosswalk = core.crosswalk(KnowledgeBundle(None, None, curated_sources()))
    skipped: Counter[str] = Counter()
    used = [evidence]
    if "molecular_profile" in header:
        coordinates, extra = _v2_coordinates(folder)
        used += extra
        rows = list(_v2_rows(evidence, coordinates, crosswalk.doid, skipped))
        layout = "v2"
    elif "variant" in header and "drugs" in header:
        rows = list(_v1_rows(evidence, crosswalk.doid, skipped))
        layout = "v1"
    else:
        raise KnowledgeError("neither the CIViC v1 nor the v2 evidence layout", source=evidence, location="line 1")
    table = EvidenceTable(source=SOURCE, release=_release(folder), licence=_LICENCE, redistributable=True, rows=rows)
    unmapped = sum(1 for r in rows if r.oncotree is None)
    notes = (
        f"CIViC {layout} layout; {len(rows)} evidence rows ({unmapped} with a disease outside the OncoTree crosswalk); "
        f"skipped: {', '.join(f'{n} {why}' for why, n in skipped.most_common()) or 'none'}"
    )
    return table, used, notes


def _header(path: Path) -> list[str]:
    """The evidence table's column names (its first line), which tell the v1 and v2 layouts apart."""
    with path.open(encoding="utf-8") as handle:
        return next((fields for _, fields in split_lines(handle, path)), [])


def _v1_rows(path: Path, doids: dict[str, str], skipped: Counter[str]) -> Iterator[BiomarkerEvidence]:
    for line, row in read_table(path, _V1, delimiter="\t"):
        if not _keep(row, row["clinical_significance"], skipped):
            continue
        alleles = _allele(row)
        for biomarker in _biomarkers(row["gene"], row["variant"], skipped):
            yield from _rows(row, biomarker, alleles, row["drugs"], row["drug_interaction_type"],
                             row["clinical_significance"], doids, path, line)  # fmt: skip


def _v2_rows(
    path: Path, coordinates: dict[str, list[GenomicAllele]], doids: dict[str, str], skipped: Counter[str]
) -> Iterator[BiomarkerEvidence]:
    for line, row in read_table(path, _V2, delimiter="\t"):
        if not _keep(row, row["significance"], skipped):
            continue
        profile = row["molecular_profile"].strip()
        if re.search(r"\b(AND|OR|NOT)\b", profile):
            skipped["compound molecular profiles"] += 1
            continue
        gene, _, variant = profile.partition(" ")
        alleles = coordinates.get(row["molecular_profile_id"].strip(), [])
        for biomarker in _biomarkers(gene, variant or profile, skipped):
            yield from _rows(row, biomarker, alleles, row["therapies"], row["therapy_interaction_type"],
                             row["significance"], doids, path, line)  # fmt: skip


def _keep(row: dict[str, str], significance: str, skipped: Counter[str]) -> bool:
    if row["evidence_status"].strip().lower() not in ("accepted", ""):
        skipped["not accepted"] += 1
        return False
    if row["evidence_type"] not in _TYPES:
        skipped[f"{row['evidence_type'] or 'untyped'} evidence"] += 1
        return False
    if significance not in _SIGNIFICANCE:
        skipped[f"significance {significance or 'empty'}"] += 1
        return False
    if row["evidence_level"] not in _LEVELS:
        skipped["unknown level"] += 1
        return False
    return True


def _biomarkers(gene: str, variant: str, skipped: Counter[str]) -> list[Alteration]:
    """The alterations a CIViC variant name stands for; alternatives such as ``G12/G13`` or ``Q157P/R`` expand."""
    name = re.sub(r"\s*\((c\.|p\.)[^)]*\)\s*$", "", variant.strip())
    name = re.sub(r"^[A-Z0-9]+-[A-Z0-9]+ (?=[A-Z]\d)", "", name)  # "BCR-ABL T315I" is ABL1 T315I in the fusion
    name = re.sub(r"^([A-Z0-9]+-[A-Z0-9]+) [A-Z]\d+;[A-Z]\d+$", r"\1", name)  # "EML4-ALK E6;A20": the fusion
    name = re.sub(
        r"^([A-Z0-9]+-)([A-Z0-9]+)$", lambda m: m.group(1) + ("ABL1" if m.group(2) == "ABL" else m.group(2)), name
    )
    options = [name]
    alternative = re.match(r"^([A-Z])(\d+)([A-Z*])/([A-Z*])$", name)
    codons = re.match(r"^([A-Z])(\d+)/([A-Z])(\d+)$", name)
    if alternative:
        options = [f"{alternative.group(1)}{alternative.group(2)}{a}" for a in alternative.group(3, 4)]
    elif codons:
        options = [f"{codons.group(1)}{codons.group(2)}", f"{codons.group(3)}{codons.group(4)}"]
    found = []
    for option in options:
        try:
            parsed = parse_alteration(option, gene=gene.strip() if gene.strip() != "ABL" else "ABL1")
        except ValueError:
            skipped["variant names outside the alteration grammar"] += 1
            return []
        if parsed.kind is AlterationKind.WILD_TYPE:  # the curated core holds the wild-type labels
            skipped["wild-type variants"] += 1
            return []
        found.append(parsed)
    return found


def _rows(
    row: dict[str, str], biomarker: Alteration, alleles: list[GenomicAllele], drugs: str, interaction: str,
    significance: str, doids: dict[str, str], path: Path, line: int,
) -> Iterator[BiomarkerEvidence]:  # fmt: skip
    names = [d.strip() for d in drugs.split(",") if d.strip()]
    therapies = [[d] for d in names] if interaction == "Substitutes" or len(names) <= 1 else [names]
    evidence_type = _TYPES[row["evidence_type"]]
    if evidence_type is EvidenceType.PREDICTIVE and not names:
        return
    doid = row["doid"].strip() or None
    citation = row.get("citation_id", "").strip()
    citations = (
        [f"PMID:{citation}" if row.get("source_type", "PubMed") in ("PubMed", "") else citation] if citation else []
    )
    citations += [n.strip() for n in row.get("nct_ids", "").split(",") if n.strip()]
    try:
        for therapy in therapies or [[]]:
            yield BiomarkerEvidence(
                id=f"{SOURCE}:EID{row['evidence_id'].strip()}",
                biomarker=biomarker,
                alleles=alleles if biomarker.protein is not None else [],
                disease=row["disease"].strip() or "unspecified",
                oncotree=doids.get(doid) if doid else None,
                doid=f"DOID:{doid}" if doid else None,
                therapies=therapy,
                evidence_type=evidence_type,
                direction=Direction.DOES_NOT_SUPPORT
                if row["evidence_direction"] == "Does Not Support"
                else Direction.SUPPORTS,
                significance=_SIGNIFICANCE[significance],
                native_level=f"CIViC {row['evidence_level']}",
                amp_level=_LEVELS[row["evidence_level"]],
                origin=_ORIGINS.get(row.get("variant_origin", "").strip(), Origin.ANY),
                citations=citations,
                url=row.get("evidence_civic_url") or None,
            )
    except ValueError as exc:
        raise KnowledgeError(f"cannot normalize evidence row ({exc})", source=path, location=f"line {line}") from exc


def _allele(row: dict[str, str]) -> list[GenomicAllele]:
    """The row's GRCh37/38 allele when it is a VCF-style SNV/MNV (CIViC writes indels without an anchor base)."""
    chrom, start = row.get("chromosome", "").strip(), row.get("start", "").strip()
    ref, alt = row.get("reference_bases", "").strip().upper(), row.get("variant_bases", "").strip().upper()
    build = {"GRCh37": GenomeBuild.GRCH37, "GRCh38": GenomeBuild.GRCH38}.get(row.get("reference_build", "").strip())
    if not (chrom and start.isdigit() and ref and alt and build) or len(ref) != len(alt):
        return []
    if not re.fullmatch(r"[ACGT]+", ref + alt) or not re.fullmatch(r"[0-9XY]{1,2}", chrom):
        return []
    return [GenomicAllele(build=build, chrom=f"chr{chrom}", pos=int(start), ref=ref, alt=alt)]


def _v2_coordinates(folder: Path) -> tuple[dict[str, list[GenomicAllele]], list[Path]]:
    """Molecular profile id -> alleles of its single variant, from the v2 profile and variant summaries."""
    profiles_file = next(iter(sorted(folder.glob("*MolecularProfileSummaries.tsv"))), None)
    variants_file = next(iter(sorted(folder.glob("*VariantSummaries.tsv"))), None)
    if profiles_file is None or variants_file is None:
        return {}, []
    alleles: dict[str, list[GenomicAllele]] = {}
    for _line, row in read_table(variants_file, ("variant_id",), delimiter="\t"):
        found = _allele(row)
        if found:
            alleles[row["variant_id"].strip()] = found
    by_profile = {}
    for _line, row in read_table(profiles_file, ("molecular_profile_id", "variant_ids"), delimiter="\t"):
        ids = [v.strip() for v in row["variant_ids"].split(",") if v.strip()]
        if len(ids) == 1 and ids[0] in alleles:
            by_profile[row["molecular_profile_id"].strip()] = alleles[ids[0]]
    return by_profile, [profiles_file, variants_file]


IMPORTER = Importer(
    name=SOURCE,
    description="CIViC monthly TSVs (v1 or v2 layout) -> evidence.json (normalized biomarker evidence)",
    detect=detect,
    build=build,
)
