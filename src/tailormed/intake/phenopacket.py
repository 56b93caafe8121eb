"""Reader for GA4GH Phenopacket v2 JSON: the HPO terms (observed and excluded), diagnoses and causal variants.

Only what diagnosis ranking uses is read: ``phenotypicFeatures`` (``type.id``, ``excluded``, ``onset``),
``interpretations[].diagnosis.disease.id`` and ``diseases[].term.id`` (the known diagnosis, for evaluation), and
``genomicInterpretations[].variantInterpretation.variationDescriptor`` (gene, ``vcfRecord``, allelic state, ACMG
class) for variant mode. Anything malformed is an :class:`~tailormed.errors.InputError` naming the file and the
JSON path of the bad value; unknown fields elsewhere are ignored, as the schema allows many we do not use.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import Field

from tailormed.errors import InputError
from tailormed.model.base import Contract
from tailormed.model.patient import PhenotypeTerm

_HPO = re.compile(r"^HP:\d{7}$")
_CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*:\S+$")
#: GENO allelic states -> our zygosity words.
_ZYGOSITY = {
    "heterozygous": "heterozygous",
    "homozygous": "homozygous",
    "hemizygous": "hemizygous",
    "GENO:0000135": "heterozygous",
    "GENO:0000136": "homozygous",
    "GENO:0000134": "hemizygous",
}


class PhenopacketVariant(Contract):
    """A variant a phenopacket's interpretation names, as a VCF-like allele when it gives one."""

    gene: str | None = None
    gene_id: str | None = Field(default=None, description="e.g. HGNC:10593")
    assembly: str | None = None
    chrom: str | None = None
    pos: int | None = None
    ref: str | None = None
    alt: str | None = None
    zygosity: str | None = Field(default=None, description="heterozygous, homozygous or hemizygous")
    acmg_class: str | None = Field(default=None, description="e.g. PATHOGENIC, LIKELY_PATHOGENIC")
    status: str | None = Field(default=None, description="interpretationStatus, e.g. CAUSATIVE")
    hgvs: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        where = f"{self.chrom}:{self.pos}:{self.ref}:{self.alt}" if self.chrom else (self.hgvs or ("?",))[0]
        return f"{self.gene or '?'} {where} ({self.zygosity or 'zygosity not stated'})"


class Phenopacket(Contract):
    """What one phenopacket says about one individual."""

    id: str
    subject: str | None = None
    sex: str | None = None
    phenotypes: tuple[PhenotypeTerm, ...] = ()
    diagnoses: tuple[str, ...] = Field(default=(), description="Disease ids of the interpretations' diagnoses")
    diseases: tuple[str, ...] = Field(default=(), description="Disease ids of the diseases element")
    variants: tuple[PhenopacketVariant, ...] = ()
    source: str


def read_phenopacket(path: Path) -> Phenopacket:
    """The phenopacket in ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read phenopacket ({exc.strerror or exc})", source=path) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", source=path) from exc
    return parse_phenopacket(text, path)


def parse_phenopacket(text: str, source: Path | str) -> Phenopacket:
    """The phenopacket in ``text``; ``source`` names it in errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", source=source, location=f"line {exc.lineno}") from exc
    except RecursionError as exc:
        raise InputError("JSON nested too deeply", source=source) from exc
    reader = _Reader(source)
    root = reader.obj(data, "$")
    ident = reader.text(root.get("id"), "id") or Path(str(source)).stem
    subject = reader.obj(root.get("subject", {}), "subject")
    phenotypes = tuple(
        reader.feature(item, f"phenotypicFeatures[{n}]")
        for n, item in enumerate(reader.array(root.get("phenotypicFeatures", []), "phenotypicFeatures"))
    )
    diagnoses: list[str] = []
    variants: list[PhenopacketVariant] = []
    for n, item in enumerate(reader.array(root.get("interpretations", []), "interpretations")):
        where = f"interpretations[{n}]"
        diagnosis = reader.obj(reader.obj(item, where).get("diagnosis", {}), f"{where}.diagnosis")
        disease = reader.obj(diagnosis.get("disease", {}), f"{where}.diagnosis.disease")
        if "id" in disease:
            diagnoses.append(reader.curie(disease["id"], f"{where}.diagnosis.disease.id"))
        genomic = reader.array(diagnosis.get("genomicInterpretations", []), f"{where}.diagnosis.genomicInterpretations")
        for m, interpretation in enumerate(genomic):
            found = reader.variant(interpretation, f"{where}.diagnosis.genomicInterpretations[{m}]")
            if found is not None:
                variants.append(found)
    diseases = []
    for n, item in enumerate(reader.array(root.get("diseases", []), "diseases")):
        term = reader.obj(reader.obj(item, f"diseases[{n}]").get("term", {}), f"diseases[{n}].term")
        if "id" in term:
            diseases.append(reader.curie(term["id"], f"diseases[{n}].term.id"))
    return Phenopacket(
        id=ident,
        subject=reader.text(subject.get("id"), "subject.id"),
        sex=reader.text(subject.get("sex"), "subject.sex"),
        phenotypes=phenotypes,
        diagnoses=tuple(dict.fromkeys(diagnoses)),
        diseases=tuple(dict.fromkeys(diseases)),
        variants=tuple(variants),
        source=str(source),
    )


class _Reader:
    """Type checks that fail with the JSON path of the offending value."""

    def __init__(self, source: Path | str) -> None:
        self.source = source

    def fail(self, message: str, where: str) -> InputError:
        return InputError(message, source=self.source, location=where)

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"expected an object, got {type(value).__name__}", where)
        return value

    def array(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(f"expected an array, got {type(value).__name__}", where)
        return value

    def text(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"expected text, got {type(value).__name__}", where)
        return value.strip() or None

    def curie(self, value: Any, where: str) -> str:
        text = self.text(value, where)
        if text is None or not _CURIE.match(text):
            raise self.fail(f"expected a CURIE such as OMIM:601144, got {value!r}", where)
        return text

    def feature(self, value: Any, where: str) -> PhenotypeTerm:
        item = self.obj(value, where)
        kind = self.obj(item.get("type"), f"{where}.type")
        term = self.text(kind.get("id"), f"{where}.type.id")
        if term is None or not _HPO.match(term):
            raise self.fail(f"expected an HPO id such as HP:0001250, got {kind.get('id')!r}", f"{where}.type.id")
        excluded = item.get("excluded", False)
        if not isinstance(excluded, bool):
            raise self.fail(f"expected true or false, got {excluded!r}", f"{where}.excluded")
        return PhenotypeTerm(
            id=term,
            label=self.text(kind.get("label"), f"{where}.type.label"),
            excluded=excluded,
            onset=self.onset(item.get("onset"), f"{where}.onset"),
        )

    def onset(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        onset = self.obj(value, where)
        age = onset.get("age")
        if age is not None:
            return self.text(self.obj(age, f"{where}.age").get("iso8601duration"), f"{where}.age.iso8601duration")
        term = onset.get("ontologyClass")
        if term is not None:
            return self.text(self.obj(term, f"{where}.ontologyClass").get("id"), f"{where}.ontologyClass.id")
        return None

    def variant(self, value: Any, where: str) -> PhenopacketVariant | None:
        item = self.obj(value, where)
        status = self.text(item.get("interpretationStatus"), f"{where}.interpretationStatus")
        interpretation = item.get("variantInterpretation")
        if interpretation is None:
            return None  # a gene descriptor only: no allele to use
        interpretation = self.obj(interpretation, f"{where}.variantInterpretation")
        acmg = self.text(
            interpretation.get("acmgPathogenicityClassification"),
            f"{where}.variantInterpretation.acmgPathogenicityClassification",
        )
        base = f"{where}.variantInterpretation.variationDescriptor"
        descriptor = self.obj(interpretation.get("variationDescriptor"), base)
        gene = self.obj(descriptor.get("geneContext", {}), f"{base}.geneContext")
        record = self.obj(descriptor.get("vcfRecord", {}), f"{base}.vcfRecord")
        state = self.obj(descriptor.get("allelicState", {}), f"{base}.allelicState")
        zygosity_key = self.text(state.get("label"), f"{base}.allelicState.label") or self.text(
            state.get("id"), f"{base}.allelicState.id"
        )
        pos = record.get("pos")
        if pos is not None and (isinstance(pos, bool) or not isinstance(pos, int | str) or not str(pos).isdigit()):
            raise self.fail(f"expected a position, got {pos!r}", f"{base}.vcfRecord.pos")
        if pos is not None and int(pos) < 1:
            raise self.fail(f"position must be 1 or more, got {pos!r}", f"{base}.vcfRecord.pos")
        expressions = self.array(descriptor.get("expressions", []), f"{base}.expressions")
        hgvs = tuple(
            text
            for n, e in enumerate(expressions)
            if (text := self.text(self.obj(e, f"{base}.expressions[{n}]").get("value"), f"{base}.expressions[{n}]"))
        )
        return PhenopacketVariant(
            gene=self.text(gene.get("symbol"), f"{base}.geneContext.symbol"),
            gene_id=self.text(gene.get("valueId"), f"{base}.geneContext.valueId"),
            assembly=self.text(record.get("genomeAssembly"), f"{base}.vcfRecord.genomeAssembly"),
            chrom=self.text(record.get("chrom"), f"{base}.vcfRecord.chrom"),
            pos=int(pos) if pos is not None else None,
            ref=self.text(record.get("ref"), f"{base}.vcfRecord.ref"),
            alt=self.text(record.get("alt"), f"{base}.vcfRecord.alt"),
            zygosity=_ZYGOSITY.get(zygosity_key or "", zygosity_key),
            acmg_class=acmg,
            status=status,
            hgvs=hgvs,
        )
