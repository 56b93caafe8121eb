"""Which ClinVar alleles a sample carries: copies, zygosity and haplotype slots, from its calls at the loci.

Only the ClinVar allele itself counts: another ALT at the same position is a different variant. A PARTIAL call
(``A/.``) that shows the allele counts as one copy with the other allele unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from tailormed.engines.hereditary.sites import allele_in_locus
from tailormed.knowledge.hereditary.models import AcmgList, ClinvarVariant
from tailormed.model.base import Contract
from tailormed.model.genotype import CallState, GenotypeCall, Locus
from tailormed.model.patient import Sex


class Zygosity(StrEnum):
    HETEROZYGOUS = "heterozygous"
    HOMOZYGOUS = "homozygous"
    HEMIZYGOUS = "hemizygous"
    COMPOUND_HETEROZYGOUS = "compound_heterozygous"


class Observation(Contract):
    """A ClinVar allele found in the sample."""

    variant: ClinvarVariant
    gene: str
    genotype: str
    copies: int
    zygosity: Zygosity
    phased: bool = False
    phase_set: int | None = None
    slots: tuple[int, ...] = ()
    filter: str | None = None
    partial: bool = False

    @property
    def label(self) -> str:
        v = self.variant
        return v.hgvs or f"{v.chrom}:{v.pos} {v.ref}>{v.alt}"


def genotype_text(call: GenotypeCall, variant: ClinvarVariant | None = None, allele: str | None = None) -> str:
    """The call as text; with a variant, its REF and ALT are written as ClinVar writes them (not merged)."""
    separator = "|" if call.phased else "/"
    shown = []
    for called in call.alleles:
        if called is None:
            shown.append(".")
        elif variant is not None and called == allele:
            shown.append(variant.alt)
        elif variant is not None and called == call.ref:
            shown.append(variant.ref)
        else:
            shown.append(called)
    return separator.join(shown)


def _zygosity(call: GenotypeCall, copies: int, sex: Sex | None) -> Zygosity:
    if len(call.alleles) == 1:
        return Zygosity.HEMIZYGOUS
    if copies >= 2:
        return Zygosity.HEMIZYGOUS if sex is Sex.MALE and call.chrom in ("chrX", "chrY") else Zygosity.HOMOZYGOUS
    return Zygosity.HETEROZYGOUS


def observe(
    calls: Mapping[str, GenotypeCall],
    variants: Sequence[ClinvarVariant],
    loci: Mapping[str, Locus],
    acmg: AcmgList,
    sex: Sex | None = None,
) -> list[Observation]:
    """Every ClinVar allele of ``variants`` the sample's calls (Locus.key -> call) carry, in the order of
    ``variants`` (genome order)."""
    found = []
    for variant in variants:
        call = calls.get(variant.key)
        locus = loci.get(variant.key)
        if call is None or locus is None or call.state not in (CallState.VARIANT, CallState.PARTIAL):
            continue
        allele = allele_in_locus(variant, locus)
        slots = tuple(i for i, called in enumerate(call.alleles) if called == allele)
        if not slots:
            continue
        found.append(
            Observation(
                variant=variant,
                gene=acmg.judged_gene(variant),
                genotype=genotype_text(call, variant, allele),
                copies=len(slots),
                zygosity=_zygosity(call, len(slots), sex),
                phased=call.phased,
                phase_set=call.phase_set,
                slots=slots,
                filter=call.filter,
                partial=call.state is CallState.PARTIAL,
            )
        )
    return found
