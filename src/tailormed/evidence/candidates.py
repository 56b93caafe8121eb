"""Diagnosis candidates: a sample's non-reference alleles of PASS records, with the gene and consequence their VEP
``CSQ`` or snpEff ``ANN`` annotation gives, or known to the knowledge (ClinVar keys the request lists).

The impact weight stands in for the pathogenicity scores LIRICAL takes from Exomiser, which we do not have: HIGH
impact (stop gained, frameshift, splice site, start lost) 1.0, MODERATE (missense, in-frame indel) 0.6, LOW 0.1,
MODIFIER 0. Records whose FILTER is not PASS are skipped and counted (a frequent surprise in Exomiser, issue #468),
as are alleles with neither annotation nor a known key. Turning alleles into ranked candidates is the diagnosis
engine's work.
"""

from __future__ import annotations

import cyvcf2

from tailormed.errors import InputError
from tailormed.evidence.reader import VcfFile
from tailormed.model.evidence import AlleleKey, CandidateAllele, CandidateScan

IMPACT_WEIGHT = {"HIGH": 1.0, "MODERATE": 0.6, "LOW": 0.1, "MODIFIER": 0.0}
#: (annotation INFO key, field names of allele, consequence, impact and gene symbol)
_LAYOUTS = (
    ("CSQ", ("Allele", "Consequence", "IMPACT", "SYMBOL")),
    ("ANN", ("Allele", "Annotation", "Annotation_Impact", "Gene_Name")),
)
_ROLES = ("allele", "consequence", "impact", "gene")


def annotation_columns(vcf: VcfFile, key: str) -> list[str] | None:
    """The ``|``-separated field names a CSQ/ANN INFO description lists, or None when the header lacks the key."""
    description = vcf.header_description(key)
    if description is None:
        return None
    return [part.strip().strip("'\" ") for part in description.split(":", 1)[-1].split("|")]


class CandidateCollector:
    """Records of one pass, for one sample: their non-reference alleles worth a diagnosis engine's look.

    With a CSQ/ANN annotation the pass hands it every record; without one only records at the known alleles'
    positions (the others could not become candidates)."""

    def __init__(self, vcf: VcfFile, known: frozenset[AlleleKey]) -> None:
        self.vcf = vcf
        self.known = known
        self.layout = self._layout()
        self.records = self.not_pass = self.unannotated = 0
        self.alleles: list[CandidateAllele] = []

    @property
    def whole_file(self) -> bool:
        """Whether every record must be read: only a consequence annotation can make an unknown allele a candidate."""
        return self.layout is not None

    def result(self) -> CandidateScan:
        return CandidateScan(
            whole_file=self.whole_file,
            records=self.records,
            not_pass=self.not_pass,
            unannotated=self.unannotated,
            annotation=self.layout[0] if self.layout else None,
            alleles=self.alleles,
        )

    def _layout(self) -> tuple[str, dict[str, int]] | None:
        for key, names in _LAYOUTS:
            listed = annotation_columns(self.vcf, key)
            if listed is not None and all(name in listed for name in names):
                return key, {role: listed.index(name) for role, name in zip(_ROLES, names, strict=True)}
        return None

    def add(self, record: cyvcf2.Variant, chrom: str, where: str) -> None:
        self.records += 1
        if record.FILTER not in (None, "PASS", "."):
            self.not_pass += 1
            return
        calls = [int(a) for a in self.vcf.genotypes(record, where)[0][:-1] if int(a) > 0]
        for allele in sorted(set(calls)):
            if allele > len(record.ALT):
                raise InputError(
                    f"GT allele {allele} but only {len(record.ALT)} ALT", source=self.vcf.label, location=where
                )
            alt = record.ALT[allele - 1]
            copies = 2 if calls.count(allele) >= 2 or (len(calls) == 1 and record.ploidy == 1) else 1
            consequence = self._consequence(record, alt) if self.layout else None
            if consequence is None and (chrom, record.POS, record.REF, alt) not in self.known:
                self.unannotated += 1
                continue
            gene, effect, weight = consequence if consequence else (None, None, None)
            self.alleles.append(
                CandidateAllele(
                    chrom=chrom,
                    pos=record.POS,
                    ref=record.REF,
                    alt=alt,
                    copies=copies,
                    gene=gene,
                    consequence=effect,
                    weight=weight,
                )
            )

    def _consequence(self, record: cyvcf2.Variant, alt: str) -> tuple[str, str, float] | None:
        """(gene, consequence, weight) of the most severe annotation of this ALT allele."""
        assert self.layout is not None
        key, columns = self.layout
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
