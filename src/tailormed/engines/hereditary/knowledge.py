"""Everything the hereditary engine reads, handed in as one object so the engine never touches the bundle."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from tailormed.engines.hereditary.sites import clinvar_loci
from tailormed.knowledge.hereditary.models import AcmgList, ClinvarRelease, ClinvarVariant, HereditaryCurated
from tailormed.model.genotype import Locus


@dataclass(frozen=True)
class HereditaryKnowledge:
    """ClinVar alleles, one ACMG SF list, the curated rules and management, and the versions they came from."""

    clinvar: list[ClinvarVariant]
    release: ClinvarRelease
    acmg: AcmgList
    curated: HereditaryCurated
    versions: dict[str, str] = field(default_factory=dict)
    clinvar_citation: str = "ClinVar (Landrum MJ et al., Nucleic Acids Res 2020;48:D835-D844)"

    @cached_property
    def loci(self) -> dict[str, Locus]:
        """The ClinVar alleles merged into one knowledge locus per position (computed once)."""
        return clinvar_loci(self.clinvar)
