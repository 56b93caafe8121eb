"""From what the tumour data gives to what matching needs: protein changes for genomic alleles, and oncogenicity.

A genomic allele gets a protein change only from an annotation the caller passed in (VEP ``CSQ`` / SnpEff ``ANN``)
or from the curated hotspot table; nothing is guessed from coordinates alone.

Predicted oncogenic (the gate for gene-level "any mutation" evidence, following PCGR's conservative rule):
1. the allele or protein change is a curated hotspot;
2. the exact protein change is named by allele- or protein-level evidence in the knowledge (a known variant);
3. a truncating change (nonsense, frameshift, canonical splice site) in a tumour suppressor;
4. an internal tandem duplication: an in-frame insertion or duplication inside the gene's curated ITD region
   (FLT3 juxtamembrane domain), or an ITD stated by the user;
5. the alteration was stated at gene-class level by the user (e.g. ``BRCA1 loss-of-function mutation``).
Missense changes that meet none of these are variants of unknown significance: protein-, codon- and exon-level
evidence still applies to them, gene-level evidence does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tailormed.knowledge.onco.core import GeneFacts, GeneRole
from tailormed.knowledge.onco.evidence import BiomarkerEvidence
from tailormed.model.alteration import (
    Alteration,
    AlterationKind,
    ExonEvent,
    GenomicAllele,
    ProteinChangeKind,
    parse_protein_change,
)


@dataclass(frozen=True)
class HotspotIndex:
    """Hotspot alleles per (build, chrom, pos, ref, alt) -> (gene, protein change)."""

    by_allele: dict[tuple[str, str, int, str, str], tuple[str, str]]
    by_protein: frozenset[tuple[str, str]]

    @classmethod
    def build(cls, genes: dict[str, GeneFacts]) -> HotspotIndex:
        alleles: dict[tuple[str, str, int, str, str], tuple[str, str]] = {}
        proteins = set()
        for gene, facts in genes.items():
            for spot in facts.hotspots:
                proteins.add((gene, spot.protein))
                for allele in spot.alleles():
                    alleles[allele_key(allele)] = (gene, spot.protein)
        return cls(alleles, frozenset(proteins))

    def lookup(self, allele: GenomicAllele) -> tuple[str, str] | None:
        return self.by_allele.get(allele_key(allele))


def allele_key(allele: GenomicAllele) -> tuple[str, str, int, str, str]:
    """Key after trimming shared suffix then prefix bases, so padded and minimal indel forms compare equal."""
    ref, alt, pos = allele.ref, allele.alt, allele.pos
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return (allele.build.value, allele.chrom, pos, ref, alt)


def known_protein_changes(rows: Iterable[BiomarkerEvidence]) -> frozenset[tuple[str, str]]:
    """(gene, protein change) pairs the evidence names exactly: known variants for oncogenicity rule 2."""
    known = set()
    for row in rows:
        change = row.biomarker.protein
        if change is not None and change.kind is not ProteinChangeKind.CODON:
            known.add((row.biomarker.gene, change.text))
    return frozenset(known)


def with_hotspot_protein(alteration: Alteration, hotspots: HotspotIndex) -> Alteration:
    """The alteration with the protein change of the hotspot its allele is, when it has none yet."""
    if alteration.protein is not None or alteration.allele is None:
        return alteration
    hit = hotspots.lookup(alteration.allele)
    if hit is None or hit[0] != alteration.gene:
        return alteration
    change = parse_protein_change(hit[1])
    return alteration.model_copy(update={"protein": change, "label": f"{alteration.gene} {change.text}"})


def current_names(genes: dict[str, GeneFacts]) -> dict[str, str]:
    """Former HGNC symbols -> the current symbol the knowledge uses (``H3F3A`` -> ``H3-3A``)."""
    return {former: gene for gene, facts in genes.items() for former in facts.former_symbols}


def with_current_names(alteration: Alteration, genes: dict[str, GeneFacts], former: dict[str, str]) -> Alteration:
    """The alteration under the gene's current symbol and in HGVS protein numbering, where the gene table says how.

    Histone changes are reported in histone numbering (``H3F3A K27M``); HGVS and VEP count the initiator methionine
    (``H3-3A p.K28M``). The label keeps what the report said, so the output can be traced back to it.
    """
    gene = former.get(alteration.gene, alteration.gene)
    facts = genes.get(gene)
    protein = alteration.protein
    legacy = facts.legacy_protein_changes.get(protein.text) if facts is not None and protein is not None else None
    if gene == alteration.gene and legacy is None:
        return alteration
    update: dict[str, object] = {"gene": gene}
    label = f"{gene} {legacy or (protein.text if protein else alteration.label.split(' ', 1)[-1])}"
    if legacy is not None:
        update["protein"] = parse_protein_change(legacy)
    update["label"] = f"{label} ({alteration.label})"
    return alteration.model_copy(update=update)


@dataclass(frozen=True)
class Oncogenicity:
    oncogenic: bool
    reason: str


def oncogenicity(
    alteration: Alteration,
    genes: dict[str, GeneFacts],
    hotspots: HotspotIndex,
    known: frozenset[tuple[str, str]],
) -> Oncogenicity:
    """Whether gene-level evidence may apply to this alteration, and why (see the module rules)."""
    if alteration.kind is not AlterationKind.MUTATION:
        return Oncogenicity(True, f"{alteration.kind.value} (not a sequence variant)")
    if alteration.gene_class is not None:
        return Oncogenicity(True, "stated at gene-class level")
    if alteration.allele is not None and hotspots.lookup(alteration.allele) is not None:
        return Oncogenicity(True, "curated hotspot allele")
    protein = alteration.protein.text if alteration.protein is not None else None
    if protein is not None and (alteration.gene, protein) in hotspots.by_protein:
        return Oncogenicity(True, "curated hotspot")
    if protein is not None and (alteration.gene, protein) in known:
        return Oncogenicity(True, "variant named by protein-level evidence")
    facts = genes.get(alteration.gene)
    if alteration.truncating and facts is not None and facts.role is GeneRole.TUMOUR_SUPPRESSOR:
        return Oncogenicity(True, "truncating variant in a tumour suppressor")
    if internal_tandem_duplication(alteration, facts):
        return Oncogenicity(True, "internal tandem duplication in the gene's ITD region")
    if alteration.exon is not None:
        return Oncogenicity(True, "exon-level alteration stated by the user")
    return Oncogenicity(False, "not a hotspot, not a known variant, not truncating in a tumour suppressor")


def internal_tandem_duplication(alteration: Alteration, facts: GeneFacts | None) -> bool:
    """Whether the alteration is an internal tandem duplication: stated as one, or an in-frame insertion or
    duplication (a delins that adds residues included) lying inside the gene's curated ITD region."""
    if alteration.kind is not AlterationKind.MUTATION:
        return False
    if alteration.exon_event is ExonEvent.TANDEM_DUPLICATION:
        return True
    change = alteration.protein
    if change is None or facts is None or facts.itd_region is None:
        return False
    first, last = facts.itd_region
    if not (first <= change.start and change.last <= last):
        return False
    span = change.last - change.start + 1
    return change.kind in (ProteinChangeKind.INSERTION, ProteinChangeKind.DUPLICATION) or (
        change.kind is ProteinChangeKind.DELINS and len(change.alt) > span
    )
