"""Copy number of genes whose deletions and duplications SNV/indel calls cannot show (CYP2D6).

A call from a VCF names the alleles its SNVs and indels show, but not how many copies of the gene there are. A
deleted copy leaves the other one looking homozygous (``*4/*4`` may be ``*4/*5``); an extra copy changes no
genotype (``*1/*4`` may be ``*1x2/*4``); heterozygous positions rule a deletion out, since both alleles were seen.
So a VCF-based call keeps its own result and lists the results one deleted or one extra copy would give, for the
guideline lookup to tell whether the advice holds for all of them (:mod:`tailormed.engines.pgx.recommend`).

When the copy number was measured (an outside caller, or the VCF's own copy-number records), it is combined with
the SNV call into ``*5`` and ``xN`` alleles instead: one copy of a homozygous call is ``A/*5``, three copies of
``A/B`` are ``A x2/B`` or ``A/B x2`` (which allele is duplicated is not in the data). Nothing here reads files.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

from tailormed.engines.pgx.phenotype import diplotype_phenotype, phenotype_all
from tailormed.engines.pgx.untested import with_untested
from tailormed.knowledge.pgx.copy_number import CopyNumberKnowledge, GeneCopyNumber
from tailormed.knowledge.pgx.phenotypes import GenePhenotypes, PhenotypeKnowledge
from tailormed.model.allele_names import ordered_pair
from tailormed.model.genotype import CallState, GenotypeCall
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall, GenePhenotype, PossibleResult

#: Genotype states that come from a record of the VCF (not assumed, not absent, not a no-call).
READ_STATES = frozenset({CallState.REFERENCE, CallState.VARIANT, CallState.PARTIAL})


def not_assessed_text(gene: str, rules: GeneCopyNumber) -> str:
    """What every VCF-based call of such a gene says about itself."""
    return (
        f"structural variants not assessed: the {gene} call rests on SNVs and indels only; a deleted copy "
        f"({rules.deletion_allele}) would show as a homozygous call, and extra copies ({rules.copies_mark}N) or "
        f"hybrid genes do not show at all"
    )


def from_vcf(call: GeneCall) -> bool:
    """A matcher call (not an outside call) with at least one diplotype."""
    return call.origin is CallOrigin.MATCHER and call.status is not CallStatus.NO_CALL and bool(call.diplotypes)


def alternatives(diplotype: Diplotype, rules: GeneCopyNumber) -> list[tuple[Diplotype, str]]:
    """The diplotypes one deleted or one extra copy would make of an SNV-based call, each with why.

    >>> from tailormed.knowledge.pgx.copy_number import GeneCopyNumber
    >>> rules = GeneCopyNumber(sources=(), unverified={"reason": "an example"}, deletion_allele="*5",
    ...                        resolving_test="t")
    >>> [d.name for d, _ in alternatives(Diplotype(allele1="*4", allele2="*4"), rules)]
    ['*4/*5', '*4/*4x2']
    >>> [d.name for d, _ in alternatives(Diplotype(allele1="*1", allele2="*4"), rules)]
    ['*1x2/*4', '*1/*4x2']
    """
    first, second = diplotype.allele1, diplotype.allele2
    found: list[tuple[Diplotype, str]] = []
    if first == second:
        found.append((_pair(first, rules.deletion_allele), f"one copy deleted ({rules.deletion_allele})"))
    for allele in dict.fromkeys((first, second)):
        other = second if allele == first else first
        doubled = rules.copies(allele, 2)
        found.append((_pair(doubled, other), f"a second {allele} copy ({doubled})"))
    return found


def with_copies(diplotype: Diplotype, copies: int, rules: GeneCopyNumber) -> tuple[list[Diplotype], str | None]:
    """The SNV call combined with a measured total copy number; a problem when the two cannot both be true.

    >>> from tailormed.knowledge.pgx.copy_number import GeneCopyNumber
    >>> rules = GeneCopyNumber(sources=(), unverified={"reason": "an example"}, deletion_allele="*5",
    ...                        resolving_test="t")
    >>> [d.name for d in with_copies(Diplotype(allele1="*4", allele2="*4"), 1, rules)[0]]
    ['*4/*5']
    >>> [d.name for d in with_copies(Diplotype(allele1="*1", allele2="*4"), 3, rules)[0]]
    ['*1/*4x2', '*1x2/*4']
    >>> with_copies(Diplotype(allele1="*1", allele2="*4"), 1, rules)[1]
    'one copy measured, but the VCF shows two different alleles (*1/*4)'
    """
    first, second = diplotype.allele1, diplotype.allele2
    deleted = rules.deletion_allele
    if copies == 2:
        return [diplotype], None
    if copies == 0:
        return [_pair(deleted, deleted)], (
            None if first == second else f"no copy measured, but the VCF shows alleles {diplotype.name}"
        )
    if copies == 1:
        if first != second:
            return [diplotype], f"one copy measured, but the VCF shows two different alleles ({diplotype.name})"
        return [_pair(first, deleted)], None
    splits = [(n, copies - n) for n in range(1, copies)]
    if first == second:
        splits = [(n, m) for n, m in splits if n >= m]
    pairs = [_pair(rules.copies(first, n), rules.copies(second, m)) for n, m in splits]
    return list({p.name: p for p in pairs}.values()), None


def combine(call: GeneCall, copies: int, source: str, rules: GeneCopyNumber) -> GeneCall:
    """A VCF-based call with the measured copy number folded into its alleles (``*5``, ``xN``).

    No copy at all needs no SNV call: a gene deleted on both chromosomes has no genotype to read, so a matcher call
    that found none becomes the homozygous deletion.
    """
    if copies == 0 and call.origin is CallOrigin.MATCHER and not from_vcf(call):
        deleted = _pair(rules.deletion_allele, rules.deletion_allele)
        note = (
            f"{call.gene} copy number 0 ({source}): both copies deleted ({deleted.name}); no position of the gene "
            f"has a genotype, as a deleted gene has none"
        )
        return call.model_copy(
            update={
                "status": CallStatus.CALLED,
                "diplotypes": [deleted],
                "warnings": [*call.warnings, note],
                "copy_number": 0,
            }
        )
    if not from_vcf(call):
        return call
    combined: list[Diplotype] = []
    warnings = list(call.warnings)
    for diplotype in call.diplotypes:
        made, problem = with_copies(diplotype, copies, rules)
        combined += [d for d in made if d.name not in {c.name for c in combined}]
        if problem is not None:
            warnings.append(f"copy-number conflict: {problem} ({source})")
    warnings.append(f"{call.gene} copy number {copies} ({source}) combined with the SNV call")
    status = CallStatus.AMBIGUOUS if len(combined) > 1 else call.status
    if len(combined) > 1 and len(call.diplotypes) == 1:
        warnings.append("which allele carries the extra copies is not in the data")
    return call.model_copy(
        update={"diplotypes": combined, "status": status, "warnings": warnings, "copy_number": copies}
    )


def unread_reason(gene: str, rules: GeneCopyNumber) -> str:
    """Why a copy-number gene with no genotype read at any of its positions is not called."""
    return (
        f"not called: no {gene} position has a genotype in the VCF; both copies deleted "
        f"({rules.deletion_allele}/{rules.deletion_allele}) would look the same, so {gene} is neither taken as "
        f"reference nor as deleted without copy-number evidence ({rules.resolving_test} resolves this)"
    )


def without_reads(
    call: GeneCall, positions: Iterable[str], genotypes: Mapping[str, GenotypeCall], rules: GeneCopyNumber
) -> GeneCall:
    """A matcher call of a copy-number gene none of whose ``positions`` was read from a record: not called.

    A gene deleted on both chromosomes leaves no genotype at all, so absent positions (even ones a complete VCF lets
    us assume reference) cannot tell a reference gene from ``*5/*5``; only copy-number evidence can.
    """
    if call.origin is not CallOrigin.MATCHER or call.copy_number is not None:
        return call
    if any((found := genotypes.get(key)) is not None and found.state in READ_STATES for key in positions):
        return call
    reason = unread_reason(call.gene, rules)
    return call.model_copy(
        update={"status": CallStatus.NO_CALL, "diplotypes": [], "warnings": [*call.warnings, reason]}
    )


def with_range(
    result: GenePhenotype, call: GeneCall, table: GenePhenotypes | None, rules: GeneCopyNumber
) -> GenePhenotype:
    """A VCF-based result with what the copy number could still make of it: ``structural``, ``possible`` and the
    resolving test. A call whose copy number was measured is left as it is, with what it still does not show."""
    if not from_vcf(call) or table is None:
        return result
    if call.copy_number is not None:
        note = f"copy number {call.copy_number} measured; hybrid genes ({call.gene}/{call.gene[:-1]}7) not assessed"
        return result.model_copy(update={"structural": note, "copy_number": call.copy_number})
    called = {d.name for d in call.diplotypes}
    possible: dict[str, PossibleResult] = {}
    for diplotype in call.diplotypes:
        for other, because in alternatives(diplotype, rules):
            if other.name in called or other.name in possible:
                continue
            alleles, phenotype, score = diplotype_phenotype(other, table)
            possible[other.name] = PossibleResult(
                diplotype="/".join(alleles), phenotype=phenotype, activity_score=score, because=because
            )
    listed = "; ".join(f"{p.described} if {p.because}" for p in possible.values())
    notes = [*result.notes, not_assessed_text(call.gene, rules)]
    if listed:
        notes.append(f"could also be {listed}; {rules.resolving_test} resolves this")
    return result.model_copy(
        update={
            "structural": not_assessed_text(call.gene, rules),
            "possible": list(possible.values()),
            "resolving_test": rules.resolving_test,
            "notes": notes,
        }
    )


def phenotype_calls(
    calls: Iterable[GeneCall], tables: PhenotypeKnowledge, rules: CopyNumberKnowledge
) -> dict[str, GenePhenotype]:
    """Every call phenotyped, the VCF-based calls of copy-number genes with the results they could still be, and
    every call with the results the alleles it could not test would give."""
    calls = list(calls)
    results = phenotype_all(calls, tables)
    for call in calls:
        gene_rules = rules.gene(call.gene)
        if gene_rules is not None and call.gene in results:
            results[call.gene] = with_range(results[call.gene], call, tables.gene(call.gene), gene_rules)
        if call.untested and call.gene in results:
            results[call.gene] = with_untested(results[call.gene], call, tables.gene(call.gene))
    return results


def seen_by_snvs(name: str, known: Collection[str], rules: GeneCopyNumber) -> tuple[set[str], bool]:
    """The alleles of an outside call's allele name that SNVs and indels can show, and whether some part cannot be
    judged (a hybrid or another name the definition lacks): ``*68+*4`` -> ({'*4'}, True), ``*1x2`` -> ({'*1'},
    False), the deletion allele -> (set(), False)."""
    seen: set[str] = set()
    hidden = False
    for part in name.split("+"):
        base = re.sub(rf"{re.escape(rules.copies_mark)}(?:≥|>=)?\d+$", "", part.strip())
        base = re.sub(r"\.\d+$", "", base)
        if base == rules.deletion_allele:
            continue
        if base in known:
            seen.add(base)
        else:
            hidden = True
    return seen, hidden


def outside_conflict(outside: GeneCall, vcf: GeneCall, known: Collection[str], rules: GeneCopyNumber) -> str | None:
    """Why an outside call cannot be what the VCF's SNVs and indels show, or None when it can.

    Copy number and hybrids are what the outside call may add: ``*1/*5`` fits a VCF showing ``*1/*1`` (one copy
    left), ``*1x2/*4`` fits ``*1/*4``; ``*4/*4`` does not fit ``*1/*4``.
    """
    if not from_vcf(vcf) or not outside.diplotypes:
        return None
    for diplotype in outside.diplotypes:
        first, hidden_first = seen_by_snvs(diplotype.allele1, known, rules)
        second, hidden_second = seen_by_snvs(diplotype.allele2, known, rules)
        expected = first | second
        for shown in vcf.diplotypes:
            alleles = {shown.allele1, shown.allele2}
            if alleles == expected or ((hidden_first or hidden_second) and expected <= alleles):
                return None
    shown_names = " or ".join(d.name for d in vcf.diplotypes)
    told = " or ".join(d.name for d in outside.diplotypes)
    missing = f"; {len(vcf.missing_positions)} defining positions not in the VCF" if vcf.missing_positions else ""
    return (
        f"conflict: the outside call {outside.gene} {told} does not fit the VCF's SNVs and indels, which show "
        f"{shown_names}{missing}; the outside call is used"
    )


def _pair(first: str, second: str) -> Diplotype:
    one, two = ordered_pair(first, second)
    return Diplotype(allele1=one, allele2=two)
