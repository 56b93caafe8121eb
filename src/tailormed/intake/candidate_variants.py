"""Candidate variants for diagnosis from a VCF: the sample's non-reference alleles with a gene and a reason to
suspect them, either a ClinVar P/LP classification (when the bundle has ClinVar) or a predicted consequence from
the VEP ``CSQ`` or snpEff ``ANN`` INFO field.

The consequence weight stands in for the pathogenicity scores LIRICAL takes from Exomiser, which we do not have:
HIGH impact (stop gained, frameshift, splice site, start lost) 1.0, MODERATE (missense, in-frame indel) 0.6, LOW
0.1; MODIFIER alleles are not candidates. Records whose FILTER is not PASS are skipped and counted (a frequent
surprise in Exomiser, issue #468), as are alleles with neither annotation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import cyvcf2

from tailormed.errors import InputError
from tailormed.intake.reader import open_vcf
from tailormed.model.candidate import CandidateVariant
from tailormed.model.chrom import canonical_chrom

IMPACT_WEIGHT = {"HIGH": 1.0, "MODERATE": 0.6, "LOW": 0.1, "MODIFIER": 0.0}
#: (annotation INFO key, field names of allele, consequence, impact and gene symbol)
_LAYOUTS = (
    ("CSQ", ("Allele", "Consequence", "IMPACT", "SYMBOL")),
    ("ANN", ("Allele", "Annotation", "Annotation_Impact", "Gene_Name")),
)

AlleleKey = tuple[str, int, str, str]


@dataclass(frozen=True)
class ClinvarCall:
    genes: tuple[str, ...]
    significance: str
    variation_id: str


@dataclass
class CandidateScan:
    """What a VCF scan found, and what it left out."""

    sample: str
    variants: list[CandidateVariant] = field(default_factory=list)
    records: int = 0
    not_pass: int = 0
    unannotated: int = 0
    annotation: str | None = None


def read_candidates(
    path: Path, *, sample: str | None = None, clinvar: Mapping[AlleleKey, ClinvarCall] | None = None
) -> CandidateScan:
    """Scan the VCF once for one sample's candidate alleles."""
    layout = _annotation_layout(path)
    with open_vcf(path) as vcf:
        chosen = vcf.select_samples([sample] if sample else None)
        if len(chosen) != 1:
            raise InputError(f"the VCF has {len(chosen)} samples; name one with --sample", source=path)
        scan = CandidateScan(sample=chosen[0], annotation=layout[0] if layout else None)
        for record in vcf.records():
            scan.records += 1
            where = vcf.last_location
            if record.FILTER not in (None, "PASS", "."):
                scan.not_pass += 1
                continue
            calls = [int(a) for a in vcf.genotypes(record, where)[0][:-1] if int(a) > 0]
            chrom = canonical_chrom(record.CHROM) or record.CHROM
            for allele in sorted(set(calls)):
                if allele > len(record.ALT):
                    raise InputError(f"GT allele {allele} but only {len(record.ALT)} ALT", source=path, location=where)
                alt = record.ALT[allele - 1]
                copies = 2 if calls.count(allele) >= 2 or (len(calls) == 1 and _haploid(record)) else 1
                found = _candidate(record, chrom, alt, copies, layout, clinvar)
                if found is None:
                    scan.unannotated += 1
                else:
                    scan.variants.append(found)
    return scan


def _haploid(record: cyvcf2.Variant) -> bool:
    return bool(record.ploidy == 1)


def _candidate(
    record: cyvcf2.Variant,
    chrom: str,
    alt: str,
    copies: int,
    layout: tuple[str, dict[str, int]] | None,
    clinvar: Mapping[AlleleKey, ClinvarCall] | None,
) -> CandidateVariant | None:
    zygosity = "homozygous/hemizygous" if copies == 2 else "heterozygous"
    label = f"{chrom}:{record.POS}:{record.REF}:{alt} ({zygosity})"
    known = clinvar.get((chrom, record.POS, record.REF, alt)) if clinvar else None
    consequence = _consequence(record, alt, layout) if layout else None
    gene = consequence[0] if consequence else (known.genes[0] if known and known.genes else None)
    if gene is None:
        return None
    if known is not None and known.significance in ("plp", "low_penetrance"):
        return CandidateVariant(
            gene=gene,
            label=f"{gene} {label}",
            copies=copies,
            pathogenic=True,
            weight=1.0,
            basis=f"ClinVar {known.variation_id} ({known.significance})",
        )
    if consequence is None or consequence[2] <= 0.0:
        return None
    return CandidateVariant(
        gene=gene,
        label=f"{gene} {label}",
        copies=copies,
        pathogenic=False,
        weight=consequence[2],
        basis=f"predicted {consequence[1]}",
    )


def _consequence(record: cyvcf2.Variant, alt: str, layout: tuple[str, dict[str, int]]) -> tuple[str, str, float] | None:
    """(gene, consequence, weight) of the most severe annotation of this ALT allele."""
    key, columns = layout
    raw = record.INFO.get(key)
    if not isinstance(raw, str):
        return None
    best: tuple[str, str, float] | None = None
    for entry in raw.split(","):
        fields = entry.split("|")
        if len(fields) <= max(columns.values()):
            continue
        if fields[columns["allele"]] not in (alt, "-") and len(alt) == len(record.REF):
            continue
        gene = fields[columns["gene"]]
        weight = IMPACT_WEIGHT.get(fields[columns["impact"]].upper(), 0.0)
        if gene and (best is None or weight > best[2]):
            best = (gene, fields[columns["consequence"]], weight)
    return best


def _annotation_layout(path: Path) -> tuple[str, dict[str, int]] | None:
    """Which annotation field the VCF has and where its columns are, from the header's Format description."""
    try:
        reader = cyvcf2.VCF(str(path))
    except OSError as exc:
        raise InputError(f"cannot open VCF ({exc})", source=path) from exc
    try:
        for key, names in _LAYOUTS:
            try:
                description = reader.get_header_type(key).get("Description", "")
            except KeyError:
                continue
            listed = [part.strip().strip("'\" ") for part in description.split(":", 1)[-1].split("|")]
            if all(name in listed for name in names):
                roles = ("allele", "consequence", "impact", "gene")
                return key, {role: listed.index(name) for role, name in zip(roles, names, strict=True)}
    finally:
        reader.close()
    return None
