"""The somatic (tumour) VCF as its own evidence: every PASS record's sequence ALT alleles, with the protein-level
facts of its VEP ``CSQ`` / SnpEff ``ANN`` annotation and the tumour allele fraction (``TVAF``) when present. A record
with the VCF's reserved ``SOMATIC`` flag is somatic; otherwise its origin is unknown (a tumour-only caller also
reports inherited variants).

The build comes from the header or the caller (a somatic VCF has too few sites to infer it from REF bases); an
override never overrules a header that says otherwise (:func:`tailormed.evidence.build.decide_build`). Records that
sit on known hotspot positions of the other build only, with its reference bases, refuse the file rather than let it
match nothing (:class:`tailormed.evidence.build.HotspotSites`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from tailormed.errors import InputError
from tailormed.evidence.build import BuildVotes, HotspotSites, decide_build
from tailormed.evidence.reader import GenomeInput, open_vcf
from tailormed.model.alteration import GenomicAllele, VariantOrigin
from tailormed.model.chrom import canonical_chrom
from tailormed.model.evidence import GenomeSource, ReadMode, SomaticRecord, TumourEvidence, VariantAnnotation
from tailormed.model.genotype import GenomeBuild

_BASES = re.compile(r"^[ACGTN]+$")
_GENE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$")


def read_tumour(
    source: GenomeInput | Path | str | int,
    *,
    build: GenomeBuild | None = None,
    hotspots: Sequence[tuple[str, GenomicAllele]] = (),
    on_progress: Callable[[int], None] | None = None,
) -> TumourEvidence:
    """Every PASS record's ALT alleles, in one stream; InputError when the build is neither stated nor given, or when
    the records sit on the other build's positions of ``hotspots`` (labelled alleles of both builds) only."""
    sites = HotspotSites(hotspots)
    with open_vcf(source) as opened:
        header = opened.header_build()
        # with neither, the records are still read (for the hotspot positions they sit on, named in the refusal)
        stated = header is not None or build is not None
        detection = decide_build(header, build, BuildVotes(), source=opened.label) if stated else None
        field_name, columns = _annotation_format(opened.header.info_types, opened.raw_header)
        records: list[SomaticRecord] = []
        filtered = read = 0
        for record in opened.records(on_progress):
            read += 1
            where = opened.last_location
            if record.FILTER not in (None, "PASS", "."):
                filtered += 1
                continue
            chrom = canonical_chrom(record.CHROM)
            if chrom is None:
                continue
            opened.check(record, where)
            sites.see(chrom, record.POS, record.REF, f"{record.CHROM}:{record.POS} ({where})")
            if detection is None:
                continue
            annotations = _annotations(record.INFO.get(field_name), columns, field_name) if field_name else {}
            vafs = _vafs(record.INFO.get("TVAF"), len(record.ALT))
            origin = VariantOrigin.SOMATIC if record.INFO.get("SOMATIC") is True else VariantOrigin.UNKNOWN
            for index, alt in enumerate(record.ALT):
                if not alt or not _BASES.match(alt):
                    continue  # symbolic and breakend alleles are not sequence variants
                allele = GenomicAllele(build=detection.build, chrom=chrom, pos=record.POS, ref=record.REF, alt=alt)
                records.append(
                    SomaticRecord(
                        allele=allele, vaf=vafs[index], annotation=annotations.get(alt), origin=origin, where=where
                    )
                )
        if detection is None:
            raise InputError(
                "cannot tell the genome build: the header has no ##reference, known contig lengths or assembly, "
                "and a somatic VCF has too few sites to infer it from REF bases; pass --build GRCh37|GRCh38"
                + sites.hint(),
                source=opened.label,
            )
        sites.check(detection, source=opened.label)
        source_facts = GenomeSource(
            label=opened.label,
            format=opened.header.kind,
            indexed=opened.indexed,
            read=ReadMode.STREAM,
            records_read=read,
            samples_in_file=len(opened.samples),
        )
    return TumourEvidence(
        source=source_facts, build=detection, records=records, filtered=filtered, annotation_field=field_name
    )


def _annotation_format(info_types: dict[str, str], raw: str) -> tuple[str | None, list[str]]:
    for name in ("CSQ", "ANN"):
        if name in info_types:
            match = re.search(rf'##INFO=<ID={name},[^\n]*Format: ?([^"\n]+)"', raw)
            if match is None:
                match = re.search(rf"##INFO=<ID={name},[^\n]*'([^'\n]+)'", raw)
            if match is not None:
                return name, [c.strip() for c in match.group(1).split("|")]
    return None, []


def _annotations(value: object, columns: Sequence[str], field_name: str) -> dict[str, VariantAnnotation]:
    """ALT allele -> annotation of its first transcript with a protein change (canonical first for VEP)."""
    if not isinstance(value, str) or not columns:
        return {}
    names = {
        "CSQ": ("Allele", "SYMBOL", "HGVSp", "Consequence", "EXON", "CANONICAL"),
        "ANN": ("Allele", "Gene_Name", "HGVS.p", "Annotation", "Rank", ""),
    }[field_name]
    index = {name: i for i, name in enumerate(columns)}
    found: dict[str, tuple[int, VariantAnnotation]] = {}
    for entry in value.split(","):
        cells = entry.split("|")

        def cell(name: str, cells: list[str] = cells) -> str:
            position = index.get(name)
            return cells[position].strip() if position is not None and position < len(cells) else ""

        allele, gene, hgvsp = cell(names[0]), cell(names[1]), cell(names[2])
        if not gene or not _GENE.match(gene):
            continue
        exon_text = cell(names[4]).split("/")[0]
        annotation = VariantAnnotation(
            gene=gene.upper(),
            hgvsp=hgvsp.split(":")[-1] or None,
            consequence=cell(names[3]) or None,
            exon=int(exon_text) if exon_text.isdigit() and int(exon_text) > 0 else None,
        )
        rank = (0 if annotation.hgvsp else 2) + (0 if cell(names[5]) == "YES" else 1)
        if allele not in found or rank < found[allele][0]:
            found[allele] = (rank, annotation)
    return {allele: annotation for allele, (_, annotation) in found.items()}


def _vafs(value: object, count: int) -> list[float | None]:
    values = list(value) if isinstance(value, tuple) else [value] * count
    out: list[float | None] = []
    for item in (values + [None] * count)[:count]:
        out.append(float(item) if isinstance(item, (int, float)) and 0.0 <= float(item) <= 1.0 else None)
    return out
