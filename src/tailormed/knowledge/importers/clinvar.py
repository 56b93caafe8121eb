"""Importer ``clinvar``: NCBI's ClinVar VCF (GRCh38) -> the alleles the hereditary engine can report.

Kept: records whose germline classification (CLNSIG before any ``|``) is Pathogenic, Likely_pathogenic or
Pathogenic/Likely_pathogenic (``plp``), such a classification including a low-penetrance term (``low_penetrance``),
and conflicting classifications in which some submitter said P or LP (CLNSIGCONF, ``conflicting``). Dropped and
counted: everything else (benign, VUS, risk factors, somatic/oncogenicity-only records without CLNSIG), records
off the primary chromosomes, and records without a sequence ALT. The release date comes from ``##fileDate``.
"""

from __future__ import annotations

import re
from pathlib import Path

import cyvcf2

from tailormed.errors import KnowledgeError
from tailormed.knowledge.checksums import files_checksums
from tailormed.knowledge.hereditary.clinvar import (
    LOCI_FILE,
    RELEASE_FILE,
    SOURCE,
    VARIANTS_FILE,
    compiled_loci,
    compiled_variants,
    review_stars,
)
from tailormed.knowledge.hereditary.load import clinvar_loci
from tailormed.knowledge.hereditary.models import ClinvarRelease, ClinvarVariant, Significance
from tailormed.knowledge.importers.vcf import open_vcf, vcf_records
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.registry import Importer
from tailormed.model.chrom import canonical_chrom

SEARCH_PATHS = (".", "clinvar", "risk/clinvar")
_PLP = frozenset({"Pathogenic", "Likely_pathogenic"})
_LOW_PENETRANCE = frozenset({"Pathogenic,_low_penetrance", "Likely_pathogenic,_low_penetrance"})
_CONFLICTING = ("Conflicting_classifications_of_pathogenicity", "Conflicting_interpretations_of_pathogenicity")
_CONFLICT_PLP = re.compile(r"(^|\|)(Pathogenic|Likely_pathogenic)\(")
_SEQUENCE = re.compile(r"^[ACGTN]+$")
_HIDDEN_CONDITIONS = frozenset({"not provided", "not specified"})
_LICENCE = "Public domain (NCBI ClinVar; no restrictions on use)"
_CITATION = (
    "Landrum MJ et al. ClinVar: improvements to accessing data. Nucleic Acids Res 2020;48(D1):D835-D844 "
    "(PMID 31777943); NCBI ClinVar VCF release"
)


def detect(upstream: Path) -> Path | None:
    """The ClinVar VCF under ``upstream`` (``clinvar*.vcf.gz`` in ., clinvar/ or risk/clinvar/); newest name wins."""
    for relative in SEARCH_PATHS:
        found = sorted((upstream / relative).glob("clinvar*.vcf.gz"))
        if found:
            return found[-1].resolve()
    return None


def significance(clnsig: str, conflicts: str | None) -> Significance | None:
    """How a CLNSIG value is treated, or None when the record is not kept.

    >>> significance("Pathogenic/Likely_pathogenic|risk_factor", None)
    <Significance.PLP: 'plp'>
    >>> significance("Conflicting_classifications_of_pathogenicity", "Likely_benign(2)|Uncertain_significance(1)")
    >>> significance("Pathogenic/Likely_pathogenic/Pathogenic,_low_penetrance", None)
    <Significance.LOW_PENETRANCE: 'low_penetrance'>
    """
    primary = clnsig.split("|")[0]
    terms = set(primary.split("/"))
    if terms <= _PLP:
        return Significance.PLP
    if terms <= _PLP | _LOW_PENETRANCE:
        return Significance.LOW_PENETRANCE
    if primary in _CONFLICTING and conflicts is not None and _CONFLICT_PLP.search(conflicts):
        return Significance.CONFLICTING
    return None


def _text(value: object) -> str:
    """An INFO value as ClinVar wrote it (htslib gives a Flag or a typed number for keys the header lacks)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def _variant(record: cyvcf2.Variant, chrom: str, ref: str, alt: str, kind: Significance) -> ClinvarVariant:
    info = record.INFO
    conditions = tuple(
        dict.fromkeys(
            name.replace("_", " ")
            for name in _text(info.get("CLNDN")).split("|")
            if name and name.replace("_", " ") not in _HIDDEN_CONDITIONS
        )
    )
    consequences = tuple(dict.fromkeys(term.split("|", 1)[-1] for term in _text(info.get("MC")).split(",") if term))
    review = _text(info.get("CLNREVSTAT"))
    rsid = _text(info.get("RS"))
    return ClinvarVariant(
        chrom=chrom,
        pos=record.POS,
        ref=ref,
        alt=alt,
        variation_id=record.ID or ".",
        genes=_genes(_text(info.get("GENEINFO"))),
        clnsig=_text(info.get("CLNSIG")),
        significance=kind,
        review_status=review,
        stars=review_stars(review),
        conflicts=_text(info.get("CLNSIGCONF")) or None,
        conditions=conditions,
        hgvs=_text(info.get("CLNHGVS")) or None,
        rsid=f"rs{rsid}" if rsid else None,
        consequences=consequences,
    )


def _genes(geneinfo: str) -> tuple[str, ...]:
    return tuple(pair.split(":")[0] for pair in geneinfo.split("|") if pair)


def _header_value(raw_header: str, key: str) -> str | None:
    prefix = f"##{key}="
    return next((line[len(prefix) :].strip() for line in raw_header.splitlines() if line.startswith(prefix)), None)


def read_clinvar_vcf(path: Path) -> tuple[list[ClinvarVariant], ClinvarRelease, dict[str, int]]:
    """The kept alleles, the release summary and counts of what was dropped and why."""
    reader, lines = open_vcf(path)
    kept: list[ClinvarVariant] = []
    genes: set[str] = set()
    dropped = {"classification": 0, "no_clnsig": 0, "not_primary_chromosome": 0, "no_sequence_alt": 0}
    records = 0
    try:
        file_date = _header_value(reader.raw_header, "fileDate")
        reference = _header_value(reader.raw_header, "reference")
        for number, record in vcf_records(reader, path, lines):
            records += 1
            info = record.INFO
            genes.update(_genes(_text(info.get("GENEINFO"))))
            clnsig = _text(info.get("CLNSIG"))
            if not clnsig:
                dropped["no_clnsig"] += 1
                continue
            kind = significance(clnsig, _text(info.get("CLNSIGCONF")) or None)
            if kind is None:
                dropped["classification"] += 1
                continue
            chrom = canonical_chrom(record.CHROM)
            if chrom is None:
                dropped["not_primary_chromosome"] += 1
                continue
            ref, alts = record.REF.upper(), record.ALT
            alt = alts[0].upper() if len(alts) == 1 else ""
            if not _SEQUENCE.match(alt) or not _SEQUENCE.match(ref):
                dropped["no_sequence_alt"] += 1
                continue
            try:
                kept.append(_variant(record, chrom, ref, alt, kind))
            except ValueError as exc:
                raise KnowledgeError(f"invalid ClinVar record ({exc})", source=path, location=f"line {number}") from exc
    finally:
        reader.close()
    if file_date is None:
        raise KnowledgeError("no ##fileDate line: cannot tell the ClinVar release", source=path)
    if reference is not None and "38" not in reference:
        raise KnowledgeError(f"ClinVar VCF is for {reference}; only the GRCh38 release is supported", source=path)
    release = ClinvarRelease(file_date=file_date, records_read=records, kept=len(kept), genes=tuple(sorted(genes)))
    return kept, release, dropped


def build(upstream_vcf: Path, out_dir: Path) -> SourceRecord:
    variants, release, dropped = read_clinvar_vcf(upstream_vcf)
    variants.sort(key=lambda v: (_chrom_order(v.chrom), v.pos, v.ref, v.alt))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / VARIANTS_FILE).write_bytes(compiled_variants(variants))
    (out_dir / LOCI_FILE).write_bytes(compiled_loci(list(clinvar_loci(variants).values())))
    (out_dir / RELEASE_FILE).write_text(release.model_dump_json(indent=1) + "\n", encoding="utf-8")
    counts = {kind: sum(v.significance is kind for v in variants) for kind in Significance}
    notes = (
        f"{release.records_read} records read; kept {counts[Significance.PLP]} P/LP, "
        f"{counts[Significance.LOW_PENETRANCE]} low-penetrance P/LP and {counts[Significance.CONFLICTING]} "
        f"conflicting-with-P/LP alleles; dropped {dropped['classification']} other classifications, "
        f"{dropped['no_clnsig']} without a germline classification, {dropped['not_primary_chromosome']} off the "
        f"primary chromosomes, {dropped['no_sequence_alt']} without a sequence ALT; {len(release.genes)} genes"
    )
    return SourceRecord(
        name=SOURCE,
        title="ClinVar germline classifications (P/LP and conflicting alleles), GRCh38",
        version=release.file_date,
        licence=_LICENCE,
        citation=_CITATION,
        url="https://ftp.ncbi.nlm.nih.gov/pub/clinvar/vcf_GRCh38/",
        importer=SOURCE,
        upstream_files=files_checksums(upstream_vcf.parent, [upstream_vcf]),
        notes=notes,
    )


def _chrom_order(chrom: str) -> int:
    name = chrom[3:]
    return int(name) if name.isdigit() else {"X": 23, "Y": 24, "M": 25}.get(name, 26)


IMPORTER = Importer(
    name=SOURCE,
    description="NCBI ClinVar VCF (GRCh38) -> P/LP and conflicting alleles with review stars",
    detect=detect,
    build=build,
)
