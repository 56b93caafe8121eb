"""What a VCF-based call could not test: named alleles every defining position of which was not called.

The matcher, like PharmCAT's, drops an allele whose positions are all missing, so a ``*1/*1`` from a file without
CYP2C19's rs4244285 says nothing about ``*2``. Such an allele reads as the reference at every called position, so it
can stand only where the call has an allele that does too (``GeneCall.replaceable``, typically the reference
allele): an allele seen through an ALT stays, so a heterozygous ``*2A`` keeps its haplotype and only the other one
could be an untested allele. Each way of filling those places is phenotyped as a real call would be; the results
that differ from the called one are what the gene could still be, and the guideline step marks advice provisional
when any of them changes it.
"""

from __future__ import annotations

from itertools import combinations

from tailormed.engines.pgx.phenotype import diplotype_phenotype, lowest_phenotype
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
    seen: set[tuple[str | None, str | None]] = set()
    options = [(i, o, put) for i, d in enumerate(call.diplotypes) for o, put in _with_untested(d, call, table)]
    # A lowest-function gene's call with several candidates takes the lowest of them, so with untested alleles
    # present it is the lowest of every candidate holding them: an alternative is never above the call.
    joint = table.lowest_function and len(call.diplotypes) > 1
    holding: dict[tuple[str, ...], list[tuple[int, Diplotype]]] = {}
    for i, other, put in options:
        holding.setdefault(tuple(put), []).append((i, other))
    for i, other, put in options:
        if joint:
            group = [other, *(o for j, o in holding[tuple(put)] if j != i)]
            alleles, phenotype, score = lowest_phenotype(group, table, phased=call.phased)
        else:
            alleles, phenotype, score = diplotype_phenotype(other, table, phased=call.phased)
        name = "/".join(alleles) if alleles else other.name
        if name in called or name in found:
            continue
        if (phenotype, score) == (result.phenotype, result.activity_score) and phenotype is not None:
            continue
        if len(put) > 1 and (phenotype, score) in seen:
            continue  # two untested alleles that give nothing one alone does not
        seen.add((phenotype, score))
        present = list(dict.fromkeys(put))
        labels = [label for allele in present for label in call.untested[allele]]
        verb = "is" if len(present) == 1 else "are"
        found[name] = PossibleResult(
            diplotype=name,
            phenotype=phenotype,
            activity_score=score,
            because=f"{' and '.join(present)} {verb} present ({positions_text(labels)} not called)",
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


def _with_untested(diplotype: Diplotype, call: GeneCall, table: GenePhenotypes) -> list[tuple[Diplotype, list[str]]]:
    """Every diplotype with one or two untested alleles present, and the alleles put in (twice when on both copies).

    An untested allele takes a replaceable place; in a lowest-function gene (DPYD) one with no place left is added
    beside a called allele (``[*2A + *13]``) instead: unphased, the score counts every allele found as if on its own
    copy, so one copy will do; phased, a copy counts as its lowest-function allele, so each copy is tried.
    """
    haplotypes = [diplotype.allele1, diplotype.allele2] if diplotype.allele2 else [diplotype.allele1]
    open_places = [i for i, name in enumerate(haplotypes) if name in call.replaceable]
    out: list[tuple[Diplotype, list[str]]] = []
    untested = list(call.untested)
    tried: list[tuple[str, ...]] = [put for allele in untested for put in ((allele,), (allele, allele))]
    tried += combinations(_one_per_function(untested, table), 2)
    for alleles in tried:
        places = open_places[: len(alleles)]
        if len(places) < len(alleles) and not table.lowest_function:
            continue
        filled = list(haplotypes)
        for place, allele in zip(places, alleles, strict=False):
            filled[place] = allele
        beside = list(alleles[len(places) :])
        kept = [i for i in range(len(filled)) if i not in places]
        if beside and not kept:
            continue
        targets = (range(len(filled)) if call.phased else kept[:1]) if beside else [None]
        for target in targets:
            copies = list(filled)
            if target is not None:
                copies[target] = _beside(copies[target], beside)
            first, second = ordered_pair(copies[0], copies[1]) if len(copies) > 1 else (copies[0], "")
            out.append((Diplotype(allele1=first, allele2=second), list(alleles)))
    return out


def _beside(name: str, added: list[str]) -> str:
    """``[*2A + *13]``: a called allele (or a copy already named as several) with untested alleles on its copy."""
    inner = name[1:-1].split(" + ") if name.startswith("[") and name.endswith("]") else [name]
    return f"[{' + '.join([*inner, *added])}]"


def _one_per_function(alleles: list[str], table: GenePhenotypes) -> list[str]:
    """The first allele of each function (and activity value) in the table: two at once give the same results for
    any of a function's alleles, so pairs need not be tried for all (DPYD has some eighty)."""
    first: dict[tuple[str | None, str | None] | str, str] = {}
    for name in alleles:
        row = table.allele(name)
        first.setdefault((row.function, row.activity_value) if row is not None else name, name)
    return list(first.values())
