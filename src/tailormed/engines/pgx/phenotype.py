"""Phenotyper: a gene's diplotype call -> allele functions, phenotype, activity score and guideline lookup value.

Follows PharmCAT's phenotyper. Activity-score genes (CYP2C9, CYP2D6, DPYD) are looked up by their score, other
genes by phenotype term, HLA-A/HLA-B by allele status. A call with several equally good diplotypes gets a phenotype
only when every candidate gives the same one; otherwise the result says it is ambiguous and lists the candidates.
Lowest-function genes (DPYD) are the exception: unphased variants are assumed to lie on different copies, so the
two lowest-function alleles set the score, as CPIC's DPYD guideline asks; phased, each copy counts as the
lowest-function allele it carries (``[c.1905+1G>A (*2A) + c.2846A>T]`` counts as *2A), as PharmCAT and DPWG do.
Outside calls may give only a phenotype or an activity score; a stated score wins over one derived from a diplotype,
and a disagreement is noted.
Nothing here reads files: tables come in as :class:`GenePhenotypes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tailormed.knowledge.pgx.phenotypes import GenePhenotypes, PhenotypeKnowledge, diplotype_key
from tailormed.model.pgx import (
    AlleleFunction,
    CallStatus,
    Diplotype,
    GeneCall,
    GenePhenotype,
    PhenotypeMethod,
    PhenotypeStatus,
)

_PHENOTYPE_SYNONYMS = {
    "PM": "Poor Metabolizer",
    "IM": "Intermediate Metabolizer",
    "NM": "Normal Metabolizer",
    "EM": "Normal Metabolizer",
    "EXTENSIVE METABOLIZER": "Normal Metabolizer",
    "RM": "Rapid Metabolizer",
    "UM": "Ultrarapid Metabolizer",
}
_COMBINATION = re.compile(r"^\[(.+)\]$")
_SUBALLELE = re.compile(r"^(\*\d+)\.\d+$")
_COPIES = re.compile(r"^(.+)x(\d+)$")
_HLA_ALLELE = re.compile(r"^(?:HLA-[A-Z0-9]+)?(\*\d+:\d+)(?::\d+)*[A-Z]?$")
_HLA_STATUS = re.compile(r"^(\*\d+:\d+) (positive|negative)$", re.IGNORECASE)


def format_score(value: float) -> str:
    """An activity score the way the tables spell it.

    >>> format_score(1.0), format_score(0.5), format_score(1.25), format_score(0.625)
    ('1.0', '0.5', '1.25', '0.625')
    """
    text = f"{value:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def normalize_score(text: str) -> str:
    """``'2'`` -> ``'2.0'``, ``'≥3'`` -> ``'≥3.0'``; other text (``'n/a'``) unchanged."""
    stripped = text.strip()
    prefix = "≥" if stripped.startswith(("≥", ">=")) else ""
    number = stripped.removeprefix("≥").removeprefix(">=")
    try:
        return prefix + format_score(float(number))
    except ValueError:
        return stripped


def normalize_phenotype(text: str) -> str:
    """Outside-call phenotype spelling -> the tables' term (``PM`` -> ``Poor Metabolizer``)."""
    stripped = " ".join(text.split())
    return _PHENOTYPE_SYNONYMS.get(stripped.upper(), stripped)


def phenotype_gene(call: GeneCall, table: GenePhenotypes | None) -> GenePhenotype:
    """The phenotype of one gene call, using that gene's table (None when the knowledge has no table)."""
    base = GenePhenotype(
        gene=call.gene,
        sample=call.sample,
        status=PhenotypeStatus.NOT_CALLED,
        method=table.method if table else None,
        origin=call.origin,
        diplotypes=[d.name for d in call.diplotypes],
        phased=call.phased,
        table_version=table.version if table else None,
        missing_positions=list(call.missing_positions),
        notes=[*call.warnings, *([call.conflict] if call.conflict else [])],
        conflict=call.conflict,
    )
    has_outside = call.outside_phenotype is not None or call.outside_activity_score is not None
    if not call.diplotypes and not has_outside:
        return base
    if call.status == CallStatus.NO_CALL and not has_outside:
        return base
    if table is None:
        return base.model_copy(update={"status": PhenotypeStatus.NO_TABLE})
    if table.method == PhenotypeMethod.ALLELE_STATUS:
        return _allele_status(call, table, base)
    result = _from_diplotypes(call.diplotypes, table, base) if call.diplotypes else base
    return _apply_outside(call, table, result)


def phenotype_all(calls: Iterable[GeneCall], knowledge: PhenotypeKnowledge) -> dict[str, GenePhenotype]:
    """Every gene call phenotyped, keyed by gene."""
    return {call.gene: phenotype_gene(call, knowledge.gene(call.gene)) for call in calls}


def _from_diplotypes(diplotypes: list[Diplotype], table: GenePhenotypes, base: GenePhenotype) -> GenePhenotype:
    candidates = [_alleles(d, table) for d in diplotypes]
    results = [_diplotype_result(alleles, table) for alleles in candidates]
    if table.lowest_function and (len(candidates) > 1 or any(_has_combination(c) for c in candidates)):
        return _lowest_function(candidates, table, base, phased=base.phased)
    if len(set(results)) == 1:
        phenotype, score = results[0]
        if phenotype is None and score is None:
            names = ", ".join(a for a in candidates[0] if table.allele(a) is None) or "/".join(candidates[0])
            return base.model_copy(
                update={
                    "status": PhenotypeStatus.UNRESOLVED,
                    "notes": [*base.notes, f"no phenotype in the {table.gene} table for {names}"],
                }
            )
        single = candidates[0] if len(candidates) == 1 else None
        notes = list(base.notes)
        if len(candidates) > 1:
            notes.append(f"{len(candidates)} possible diplotypes, all with the same phenotype")
        return base.model_copy(
            update={
                "status": PhenotypeStatus.ASSIGNED,
                "alleles": _functions(candidates[0], table) if single else [],
                "diplotype_alleles": single,
                "phenotype": phenotype,
                "activity_score": score,
                "notes": notes,
            }
        )
    described = "; ".join(
        f"{'/'.join(c)}: {p or 'unknown'}{f' ({s})' if s else ''}"
        for c, (p, s) in zip(candidates, results, strict=True)
    )
    return base.model_copy(
        update={
            "status": PhenotypeStatus.AMBIGUOUS,
            "notes": [*base.notes, f"possible diplotypes disagree on the phenotype: {described}"],
        }
    )


def _lowest_function(
    candidates: list[tuple[str, ...]], table: GenePhenotypes, base: GenePhenotype, *, phased: bool
) -> GenePhenotype:
    """The lowest score over the candidates: phased, the sum of each copy's lowest-function allele; unphased, of the
    two lowest-function alleles found wherever they are named (taken as on different copies)."""
    lowest, unknown = _lowest_scored(candidates, table, phased=phased)
    if lowest is None:
        note = f"no activity value in the {table.gene} table for {', '.join(sorted(unknown))}"
        return base.model_copy(update={"status": PhenotypeStatus.UNRESOLVED, "notes": [*base.notes, note]})
    value, alleles, deciding = lowest
    score = format_score(value)
    if phased:
        together = [a for a in alleles if _has_combination((a,))]
        shared = "".join(
            f"; {' and '.join(_components(a))} are on one copy, which counts as its lowest-function allele"
            for a in together
        )
        note = f"{table.gene} phenotype from the lowest-function allele of each copy (phased){shared}: "
        note += f"activity score {score}"
        shown = deciding
    else:
        note = (
            f"{table.gene} phenotype from the two lowest-function alleles found, assuming they lie on different "
            f"copies (phase unknown): activity score {score}"
        )
        shown = alleles
    return base.model_copy(
        update={
            "status": PhenotypeStatus.ASSIGNED,
            "alleles": _functions(shown, table),
            "phenotype": table.phenotype_for_score(score),
            "activity_score": score,
            "notes": [*base.notes, note],
        }
    )


def _lowest_scored(
    candidates: list[tuple[str, ...]], table: GenePhenotypes, *, phased: bool
) -> tuple[tuple[float, tuple[str, ...], tuple[str, ...]] | None, set[str]]:
    """The lowest-scoring candidate (score, its alleles, the alleles that set the score), and the alleles with no
    activity value (a candidate with one is left out)."""
    scored: list[tuple[float, tuple[str, ...], tuple[str, ...]]] = []
    unknown: set[str] = set()
    reference = _reference_activity(table)
    for alleles in candidates:
        named = [_components(allele) for allele in alleles]
        copies = named if phased else [[part] for allele in named for part in allele]
        found = {part: _activity(part, table) for parts in copies for part in parts}
        values = {part: value for part, value in found.items() if value is not None}
        if len(values) < len(found):
            unknown |= set(found) - set(values)
            continue
        picks = sorted((min(parts, key=values.__getitem__) for parts in copies), key=values.__getitem__)[:2]
        scored.append((sum([*(values[p] for p in picks), reference, reference][:2]), alleles, tuple(picks)))
    return (min(scored) if scored else None), unknown


def _apply_outside(call: GeneCall, table: GenePhenotypes, result: GenePhenotype) -> GenePhenotype:
    notes = list(result.notes)
    score = result.activity_score
    phenotype = result.phenotype
    if call.outside_activity_score is not None:
        stated = normalize_score(call.outside_activity_score)
        if score is not None and score != stated:
            notes.append(f"outside activity score {stated} differs from {score} derived from the diplotype; "
                         f"using {stated}")
        score = stated
        phenotype = table.phenotype_for_score(stated) or phenotype
    if call.outside_phenotype is not None:
        stated_phenotype = normalize_phenotype(call.outside_phenotype)
        if phenotype is not None and phenotype.casefold() != stated_phenotype.casefold():
            notes.append(
                f"outside phenotype {stated_phenotype} differs from {phenotype} derived from the call; "
                f"using {stated_phenotype}"
            )
        phenotype = stated_phenotype
        if call.outside_activity_score is None and table.method == PhenotypeMethod.ACTIVITY_SCORE:
            scores = [s for s, p in table.activity_scores.items() if p.casefold() == stated_phenotype.casefold()]
            if len(scores) == 1:
                score = scores[0]
                notes.append(f"activity score {score} is the only score the {table.gene} table gives {phenotype}")
            elif score is None or (result.phenotype or "").casefold() != stated_phenotype.casefold():
                score = None
                notes.append(f"outside call gave a phenotype but no activity score; {table.gene} guidelines looked "
                             "up by activity score cannot use it")
    if call.outside_phenotype is None and call.outside_activity_score is None:
        return result
    return result.model_copy(
        update={
            "status": PhenotypeStatus.ASSIGNED if (phenotype or score) else result.status,
            "phenotype": phenotype,
            "activity_score": score,
            "notes": notes,
        }
    )


def _allele_status(call: GeneCall, table: GenePhenotypes, base: GenePhenotype) -> GenePhenotype:
    statuses: dict[str, bool] = {}
    notes = list(base.notes)
    if call.diplotypes:
        candidates = [{_hla(d.allele1), _hla(d.allele2)} for d in call.diplotypes]
        interest = dict.fromkeys([*table.alleles_of_interest, *sorted(set().union(*candidates))])
        for allele in interest:
            carried = [allele in c for c in candidates]
            if all(carried) or not any(carried):
                statuses[allele] = all(carried)
            else:
                notes.append(f"{allele} carried in some possible diplotypes only: status unknown")
    if call.outside_phenotype is not None:
        for part in re.split(r"[;,]", call.outside_phenotype):
            match = _HLA_STATUS.match(part.strip())
            if match is None:
                notes.append(f"outside phenotype {part.strip()!r} is not an allele status like '*57:01 positive'")
                continue
            statuses[match.group(1)] = match.group(2).lower() == "positive"
    if not statuses:
        return base.model_copy(update={"status": PhenotypeStatus.UNRESOLVED, "notes": notes})
    positives = [f"{a} positive" for a, carried in statuses.items() if carried]
    return base.model_copy(
        update={
            "status": PhenotypeStatus.ASSIGNED,
            "allele_statuses": statuses,
            "phenotype": ", ".join(positives) if positives else "no allele of interest",
            "notes": notes,
        }
    )


def _alleles(diplotype: Diplotype, table: GenePhenotypes) -> tuple[str, ...]:
    names = [_known_name(diplotype.allele1, table)]
    second = diplotype.allele2.strip()
    if not (table.haploid and (not second or second == diplotype.allele1)):
        names.append(_known_name(second, table))
    return diplotype_key(names)


def _known_name(name: str, table: GenePhenotypes) -> str:
    """The table's spelling of an allele: suballeles truncated (``*4.024`` -> ``*4``), MT-RNR1 ``m.`` prefix,
    three or more copies as the table's ``x≥3`` allele (``*1x3`` -> ``*1x≥3``)."""
    stripped = name.strip()
    if table.allele(stripped) is not None or _COMBINATION.match(stripped):
        return stripped
    sub = _SUBALLELE.match(stripped)
    if sub and table.allele(sub.group(1)) is not None:
        return sub.group(1)
    if table.allele(f"m.{stripped}") is not None:
        return f"m.{stripped}"
    copies = _COPIES.match(stripped)
    if copies and int(copies.group(2)) >= 3 and table.allele(f"{copies.group(1)}x≥3") is not None:
        return f"{copies.group(1)}x≥3"  # the table has one row for three or more copies
    return stripped


def _diplotype_result(alleles: tuple[str, ...], table: GenePhenotypes) -> tuple[str | None, str | None]:
    row = table.lookup(alleles)
    if row is not None:
        return row.phenotype, row.activity_score
    if table.method != PhenotypeMethod.ACTIVITY_SCORE or len(alleles) != 2:
        return None, None
    values = [_activity(a, table) for a in alleles]
    if any(v is None for v in values):
        known = all(table.allele(a) is not None for a in alleles)
        return ("Indeterminate", "n/a") if known else (None, None)
    score = format_score(sum(v for v in values if v is not None))
    return table.phenotype_for_score(score), score


def _activity(name: str, table: GenePhenotypes) -> float | None:
    allele = table.allele(name)
    if allele is None or allele.activity_value is None:
        return None
    try:
        return float(allele.activity_value.removeprefix("≥"))
    except ValueError:
        return None


def _reference_activity(table: GenePhenotypes) -> float:
    values = [_activity(name, table) for name in table.alleles]
    return max((v for v in values if v is not None), default=1.0)


def _components(name: str) -> list[str]:
    match = _COMBINATION.match(name.strip())
    return [part.strip() for part in match.group(1).split(" + ")] if match else [name]


def _has_combination(alleles: tuple[str, ...]) -> bool:
    return any(_COMBINATION.match(a) for a in alleles)


def _functions(alleles: tuple[str, ...], table: GenePhenotypes) -> list[AlleleFunction]:
    return [table.allele(a) or AlleleFunction(name=a) for a in alleles]


def _hla(name: str) -> str:
    match = _HLA_ALLELE.match(name.strip())
    return match.group(1) if match else name.strip()


def diplotype_phenotype(
    diplotype: Diplotype, table: GenePhenotypes, *, phased: bool = False
) -> tuple[tuple[str, ...], str | None, str | None]:
    """One diplotype in the table's spelling, with its phenotype and activity score (None when the table has none),
    worked out as a call of that diplotype would be (a lowest-function gene's combination allele by its parts: on
    one copy when ``phased``, else wherever they are)."""
    alleles = _alleles(diplotype, table)
    if table.lowest_function and _has_combination(alleles):
        base = GenePhenotype(gene=table.gene, sample="", status=PhenotypeStatus.NOT_CALLED)
        result = _lowest_function([alleles], table, base, phased=phased)
        return alleles, result.phenotype, result.activity_score
    phenotype, score = _diplotype_result(alleles, table)
    return alleles, phenotype, score


def lowest_phenotype(
    diplotypes: list[Diplotype], table: GenePhenotypes, *, phased: bool = False
) -> tuple[tuple[str, ...], str | None, str | None]:
    """Several possible diplotypes of a lowest-function gene (DPYD) scored as a call listing them all is: by the
    lowest of them, which is returned in the table's spelling with its phenotype and activity score."""
    lowest, _ = _lowest_scored([_alleles(d, table) for d in diplotypes], table, phased=phased)
    if lowest is None:
        return (), None, None
    score = format_score(lowest[0])
    return lowest[1], table.phenotype_for_score(score), score
