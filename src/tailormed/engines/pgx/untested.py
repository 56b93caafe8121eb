"""What a VCF-based call could not test: named alleles every defining position of which was not called.

The matcher, like PharmCAT's, drops an allele whose positions are all missing, so a ``*1/*1`` from a file without
CYP2C19's rs4244285 says nothing about ``*2``. Here each such allele is put in place of either called allele (and
of both): the results that differ from the called one are what the gene could still be, and the guideline step marks
advice provisional when any of them changes it.
"""

from __future__ import annotations

from tailormed.engines.pgx.phenotype import diplotype_phenotype
from tailormed.knowledge.pgx.phenotypes import GenePhenotypes
from tailormed.model.allele_names import ordered_pair
from tailormed.model.pgx import Diplotype, GeneCall, GenePhenotype, PossibleResult

#: Results listed in a note before the rest are counted ("and 12 more").
SHOWN = 2
#: Positions named in a note before the rest are counted.
SHOWN_POSITIONS = 3


def with_untested(result: GenePhenotype, call: GeneCall, table: GenePhenotypes | None) -> GenePhenotype:
    """The result with the other results its untested alleles could give, and the positions that settle them."""
    if not call.untested or table is None or not result.called or not call.diplotypes:
        return result
    called = {d.name for d in call.diplotypes}
    found: dict[str, PossibleResult] = {}
    positions: dict[str, None] = {}
    for diplotype in call.diplotypes:
        for allele, labels in call.untested.items():
            for other in _with_allele(diplotype, allele):
                alleles, phenotype, score = diplotype_phenotype(other, table)
                name = "/".join(alleles) if alleles else other.name
                if name in called or name in found:
                    continue
                if (phenotype, score) == (result.phenotype, result.activity_score) and phenotype is not None:
                    continue
                found[name] = PossibleResult(
                    diplotype=name,
                    phenotype=phenotype,
                    activity_score=score,
                    because=f"{allele} is present ({positions_text(labels)} not called)",
                )
                positions.update(dict.fromkeys(labels))
    if not found:
        return result
    listed = described(list(found.values()))
    note = f"could not test {positions_text(list(positions))}: could also be {listed}"
    return result.model_copy(
        update={"untested": list(found.values()), "untested_positions": list(positions), "notes": [*result.notes, note]}
    )


def positions_text(positions: list[str]) -> str:
    """``rs4244285, rs4986893`` (the first few, then how many more)."""
    shown = ", ".join(positions[:SHOWN_POSITIONS])
    return shown + (f" and {len(positions) - SHOWN_POSITIONS} more" if len(positions) > SHOWN_POSITIONS else "")


def described(results: list[PossibleResult]) -> str:
    """``*1/*2: Intermediate Metabolizer if *2 is present (rs4244285 not called); ...`` (the first few)."""
    shown = "; ".join(f"{p.described} if {p.because}" for p in results[:SHOWN])
    return shown + (f"; and {len(results) - SHOWN} more" if len(results) > SHOWN else "")


def _with_allele(diplotype: Diplotype, allele: str) -> list[Diplotype]:
    if not diplotype.allele2:  # one haplotype (a hemizygous X-linked call)
        return [Diplotype(allele1=allele, allele2="")]
    pairs = {ordered_pair(allele, diplotype.allele2), ordered_pair(diplotype.allele1, allele), (allele, allele)}
    return [Diplotype(allele1=first, allele2=second) for first, second in sorted(pairs)]
