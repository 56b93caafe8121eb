"""Everything the hereditary engine reads, loaded from the bundle into one object so the engine never touches it.

ClinVar lists each allele of a position as its own record (an SNV and a deletion can start at the same base).
Genome readers collect one locus per ``chrom:pos``, so :attr:`HereditaryKnowledge.loci` merges the alleles the way
``bcftools norm -m+`` does; the engine then writes each ClinVar allele in its merged locus's representation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hereditary import acmg, clinvar, management
from tailormed.knowledge.hereditary.models import AcmgList, ClinvarRelease, ClinvarVariant, HereditaryCurated
from tailormed.model.alleles import merge_loci
from tailormed.model.genotype import Locus

NO_CLINVAR = "ClinVar not in the knowledge bundle; build it with `tailormed kb build --from DIR`"


@dataclass(frozen=True)
class HereditaryKnowledge:
    """ClinVar alleles, one ACMG SF list, the curated rules and management, and the versions they came from."""

    clinvar: list[ClinvarVariant]
    release: ClinvarRelease
    acmg: AcmgList
    curated: HereditaryCurated
    versions: dict[str, str] = field(default_factory=dict)
    clinvar_citation: str = "ClinVar (Landrum MJ et al., Nucleic Acids Res 2020;48:D835-D844)"
    #: ``clinvar`` merged per position, as ``kb build`` compiled it (None: merged here on first use).
    merged: list[Locus] | None = None

    @cached_property
    def loci(self) -> dict[str, Locus]:
        """The ClinVar alleles merged into one knowledge locus per position (compiled at ``kb build``)."""
        merged = self.merged if self.merged is not None else clinvar_loci(self.clinvar).values()
        return {locus.key: locus for locus in merged}

    @cached_property
    def judged_genes(self) -> list[str]:
        """The gene each ClinVar allele is judged under (:meth:`AcmgList.judged_genes`), in ``clinvar`` order: found
        once per knowledge, since the genome request and the coverage per gene both group the alleles by it."""
        return self.acmg.judged_genes(self.clinvar)

    @cached_property
    def variants_at(self) -> dict[str, tuple[int, ...]]:
        """Site key -> the indices in ``clinvar`` of the alleles there, ascending (genome order)."""
        found: dict[str, list[int]] = {}
        for index, variant in enumerate(self.clinvar):
            found.setdefault(variant.key, []).append(index)
        return {key: tuple(indices) for key, indices in found.items()}

    @cached_property
    def sites_by_gene(self) -> dict[str, frozenset[str]]:
        """ClinVar site keys per gene the variants are judged under, grouped once per knowledge rather than per
        sample (a cohort assesses thousands of samples against the same grouping)."""
        keys: dict[str, set[str]] = {}
        for variant, gene in zip(self.clinvar, self.judged_genes, strict=True):
            keys.setdefault(gene, set()).add(variant.key)
        return {gene: frozenset(sites) for gene, sites in keys.items()}


def clinvar_loci(variants: Sequence[ClinvarVariant]) -> dict[str, Locus]:
    """One merged locus per ``chrom:pos`` covering every ClinVar allele there."""
    loci = [Locus(chrom=v.chrom, pos=v.pos, ref=v.ref, alts=(v.alt,), id=f"clinvar:{v.variation_id}") for v in variants]
    return {locus.key: locus for locus in merge_loci(loci)}


def load_hereditary(bundle: KnowledgeBundle, acmg_version: str = acmg.DEFAULT_VERSION) -> HereditaryKnowledge:
    """ClinVar, the chosen ACMG SF list and the curated rules; KnowledgeError when ClinVar is not built."""
    if not clinvar.has_clinvar(bundle):
        raise KnowledgeError(NO_CLINVAR, source=bundle.location)
    sources = (clinvar.SOURCE, acmg.SOURCE, management.SOURCE)
    return HereditaryKnowledge(
        clinvar=clinvar.load_clinvar(bundle),
        merged=clinvar.load_loci(bundle),
        release=clinvar.load_release(bundle),
        acmg=acmg.load_acmg(bundle, acmg_version),
        curated=management.load_management(bundle),
        versions={name: bundle.source(name).version for name in sources} | {acmg.SOURCE: acmg_version},
        clinvar_citation=bundle.source(clinvar.SOURCE).citation,
    )
