"""The curated oncology core (``curated/onco-core``): gene facts, OncoTree subset, disease crosswalks, evidence.

These files ship in the package, so tumour matching works without a built bundle; CIViC and CGI tables built by
``tailormed kb build`` are added next to the core's evidence (:mod:`tailormed.knowledge.onco.sources`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.files import parse_model
from tailormed.knowledge.onco.evidence import (
    PAN_CANCER,
    AmpLevel,
    BiomarkerEvidence,
    Direction,
    EvidenceTable,
    EvidenceType,
    Origin,
    Significance,
)
from tailormed.model.alteration import GenomicAllele, parse_alteration, parse_protein_change
from tailormed.model.base import Contract
from tailormed.model.genotype import GenomeBuild

SOURCE = "onco-core"
GENES_FILE = "genes.yaml"
ONCOTREE_FILE = "oncotree.yaml"
CROSSWALK_FILE = "crosswalk.yaml"
EVIDENCE_YAML = "evidence.yaml"


class GeneRole(StrEnum):
    ONCOGENE = "oncogene"
    TUMOUR_SUPPRESSOR = "tumour_suppressor"


Site = tuple[str, int, str, str]
Span = tuple[str, int, int]


class Hotspot(Contract):
    """A recurrent somatic allele with its protein change, in both builds."""

    protein: str
    grch37: Site | None = Field(default=None, alias="GRCh37")
    grch38: Site | None = Field(default=None, alias="GRCh38")

    def allele(self, build: GenomeBuild) -> GenomicAllele | None:
        site = self.grch37 if build is GenomeBuild.GRCH37 else self.grch38
        if site is None:
            return None
        return GenomicAllele(build=build, chrom=site[0], pos=site[1], ref=site[2], alt=site[3])

    def alleles(self) -> list[GenomicAllele]:
        return [a for a in (self.allele(GenomeBuild.GRCH37), self.allele(GenomeBuild.GRCH38)) if a is not None]


class GeneFacts(Contract):
    role: GeneRole
    transcript: str | None = None
    span: dict[GenomeBuild, Span] = Field(default_factory=dict)
    exons: dict[int, tuple[int, int]] = Field(default_factory=dict, description="Exon -> protein residue range")
    hotspots: list[Hotspot] = Field(default_factory=list)

    def exon_of(self, residue: int) -> int | None:
        return next((exon for exon, (first, last) in self.exons.items() if first <= residue <= last), None)


class GeneTable(Contract):
    genes: dict[str, GeneFacts]


class OncoTreeNode(Contract):
    code: str
    name: str
    parent: str | None


class OncoTree(Contract):
    """A subset of OncoTree: enough of the hierarchy to tell 'same type or descendant' from 'another type'."""

    nodes: list[OncoTreeNode]

    def node(self, code: str) -> OncoTreeNode | None:
        return self._index().get(code)

    def lineage(self, code: str) -> list[str]:
        """``code`` and its ancestors up to the root (just ``code`` when it is not in the subset)."""
        index = self._index()
        chain = [code]
        current = index.get(code)
        while current is not None and current.parent is not None and current.parent not in chain:
            chain.append(current.parent)
            current = index.get(current.parent)
        return chain

    def is_within(self, code: str, ancestor: str) -> bool:
        return ancestor in self.lineage(code)

    def name(self, code: str) -> str:
        if code == PAN_CANCER:
            return "any solid tumour (tumour-agnostic)"
        node = self._index().get(code)
        return node.name if node is not None else code

    def _index(self) -> dict[str, OncoTreeNode]:
        return {node.code: node for node in self.nodes}


class Crosswalk(Contract):
    """Disease ids of other sources mapped to OncoTree codes."""

    doid: dict[str, str] = Field(default_factory=dict)
    cgi: dict[str, str] = Field(default_factory=dict)

    @field_validator("doid", mode="before")
    @classmethod
    def _string_keys(cls, value: Any) -> Any:
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


class CuratedRow(Contract):
    """One row of ``evidence.yaml`` as written by hand (compact form)."""

    id: str
    biomarker: str
    tumour: str
    therapy: list[str]
    significance: Significance
    level: str = Field(pattern=r"^(FDA|guideline)$")
    origin: Origin = Origin.SOMATIC
    exclude: list[str] = Field(default_factory=list)
    cite: list[str] = Field(min_length=1)


class CuratedEvidence(Contract):
    rows: list[CuratedRow]


def gene_table(bundle: KnowledgeBundle) -> GeneTable:
    return parse_model(bundle.read_yaml(SOURCE, GENES_FILE), GeneTable, "gene table", bundle.path(SOURCE, GENES_FILE))


def oncotree(bundle: KnowledgeBundle) -> OncoTree:
    return parse_model(bundle.read_yaml(SOURCE, ONCOTREE_FILE), OncoTree, "OncoTree subset", SOURCE)


def crosswalk(bundle: KnowledgeBundle) -> Crosswalk:
    return parse_model(bundle.read_yaml(SOURCE, CROSSWALK_FILE), Crosswalk, "disease crosswalk", SOURCE)


def curated_evidence(bundle: KnowledgeBundle) -> EvidenceTable:
    """The curated rows as an :class:`EvidenceTable`, hotspot alleles attached, every biomarker parsed."""
    path = bundle.path(SOURCE, EVIDENCE_YAML)
    raw = parse_model(bundle.read_yaml(SOURCE, EVIDENCE_YAML), CuratedEvidence, "curated evidence", path)
    genes = gene_table(bundle).genes
    tree = oncotree(bundle)
    record = bundle.source(SOURCE)
    rows = []
    for number, row in enumerate(raw.rows):
        where = f"rows[{number}] ({row.id})"
        try:
            biomarker = parse_alteration(row.biomarker)
        except ValueError as exc:
            raise KnowledgeError(f"biomarker {row.biomarker!r}: {exc}", source=path, location=where) from exc
        if row.tumour != PAN_CANCER and tree.node(row.tumour) is None:
            raise KnowledgeError(f"tumour {row.tumour!r} is not in the OncoTree subset", source=path, location=where)
        rows.append(
            BiomarkerEvidence(
                id=f"{SOURCE}:{row.id}",
                biomarker=biomarker,
                alleles=hotspot_alleles(genes, biomarker.gene, biomarker.protein.text if biomarker.protein else None),
                disease=tree.name(row.tumour),
                oncotree=row.tumour,
                excluded_oncotree=row.exclude,
                therapies=row.therapy,
                evidence_type=EvidenceType.PREDICTIVE,
                direction=Direction.SUPPORTS,
                significance=row.significance,
                native_level=row.level,
                amp_level=AmpLevel.A,
                origin=row.origin,
                citations=row.cite,
            )
        )
    return EvidenceTable(source=SOURCE, release=record.version, licence=record.licence, redistributable=True, rows=rows)


def hotspot_alleles(genes: dict[str, GeneFacts], gene: str, protein: str | None) -> list[GenomicAllele]:
    facts = genes.get(gene)
    if facts is None or protein is None:
        return []
    return [a for spot in facts.hotspots if spot.protein == protein for a in spot.alleles()]


def check_gene_table(table: GeneTable) -> list[str]:
    """Problems in the gene table that the model cannot catch: unparsable hotspot proteins, bad spans."""
    problems = []
    for gene, facts in table.genes.items():
        for spot in facts.hotspots:
            try:
                change = parse_protein_change(spot.protein)
            except ValueError as exc:
                problems.append(f"{gene} {spot.protein}: {exc}")
                continue
            if change.text != spot.protein:
                problems.append(f"{gene} {spot.protein}: not normalized (expected {change.text})")
        for build, (_, start, end) in facts.span.items():
            if end <= start:
                problems.append(f"{gene} span in {build}: end before start")
    return problems
