"""Variant normalization: the one place where two spellings of a variant are decided to be the same.

VCF writers spell one indel several ways (``ATT>AT`` and ``AT>A`` are the same deletion of a T), and
PharmCAT's issues #63/#128/#173 show how often that breaks matching. Without a reference genome we
cannot left-align, so the rule is VCF's own minimal form: trim the shared suffix, then the shared
prefix while keeping one anchor base. Knowledge loci and VCF records are both put through it before
they are compared, and a VCF allele is then written out in the locus's own representation.

>>> trim(100, "ATT", ("AT",))
(100, 'AT', ('A',))
>>> normalize_variant(100, "ATT", "AT")
Variant(pos=100, ref='AT', alt='A')
>>> normalize_variant(99, "CT", "CTA")
Variant(pos=100, ref='T', alt='TA')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from tailormed.errors import KnowledgeError
from tailormed.model.genotype import Locus


class Variant(NamedTuple):
    """One REF>ALT change at a 1-based position."""

    pos: int
    ref: str
    alt: str


def trim(pos: int, ref: str, alts: tuple[str, ...]) -> tuple[int, str, tuple[str, ...]]:
    """Trim a record's alleles jointly: shared suffix first, then shared prefix keeping one anchor base.

    Trimming jointly keeps a multi-allelic record one record; to compare single alleles use
    :func:`normalize_variant`, which trims one REF/ALT pair as far as it goes.

    >>> trim(10, "CAT", ("C", "CATAT"))
    (10, 'CAT', ('C', 'CATAT'))
    >>> trim(10, "GCAT", ("GC", "GCATAT"))
    (11, 'CAT', ('C', 'CATAT'))
    """
    alleles = [ref, *alts]
    while all(len(a) > 1 for a in alleles) and len({a[-1] for a in alleles}) == 1:
        alleles = [a[:-1] for a in alleles]
    while all(len(a) > 1 for a in alleles) and len({a[0] for a in alleles}) == 1:
        alleles = [a[1:] for a in alleles]
        pos += 1
    return pos, alleles[0], tuple(alleles[1:])


def normalize_variant(pos: int, ref: str, alt: str) -> Variant:
    """The minimal VCF-style form of one REF>ALT pair (upper case)."""
    ref, alt = ref.upper(), alt.upper()
    end_ref, end_alt = len(ref), len(alt)  # the same trimming as trim(), on two strings without copies
    while end_ref > 1 and end_alt > 1 and ref[end_ref - 1] == alt[end_alt - 1]:
        end_ref, end_alt = end_ref - 1, end_alt - 1
    start = 0
    while end_ref - start > 1 and end_alt - start > 1 and ref[start] == alt[start]:
        start += 1
    return Variant(pos + start, ref[start:end_ref], alt[start:end_alt])


def is_sequence(allele: str) -> bool:
    """True for a plain base sequence; False for ``*``, symbolic (``<DEL>``, ``<NON_REF>``) and breakend alleles."""
    return bool(allele) and not allele.upper().strip("ACGTN")


def _change_span(variant: Variant) -> tuple[int, int]:
    """The stretch a variant changes, in doubled coordinates (base b is 2b; the gap after b is 2b+1).

    The anchor base of an indel is not changed, so an insertion after a SNP's base does not touch
    the SNP, while an insertion at a knowledge insertion site does.
    """
    pos, ref, alt = variant
    if ref == alt:
        return 2 * pos, 2 * (pos + len(ref) - 1)
    if len(ref) == 1 and len(alt) > 1 and ref[0] == alt[0]:
        return 2 * pos + 1, 2 * pos + 1
    if len(alt) == 1 and len(ref) > 1 and ref[0] == alt[0]:
        return 2 * (pos + 1), 2 * (pos + len(ref) - 1)
    return 2 * pos, 2 * (pos + len(ref) - 1)


def locus_span(locus: Locus) -> tuple[int, int]:
    """What a knowledge site covers, in doubled coordinates: its REF bases and every change its ALTs make."""
    low, high = 2 * locus.pos, 2 * (locus.pos + len(locus.ref) - 1)
    for alt in locus.alts:
        if is_sequence(alt):
            start, end = _change_span(normalize_variant(locus.pos, locus.ref, alt))
            low, high = min(low, start), max(high, end)
    return low, high


def refs_agree(pos_a: int, ref_a: str, pos_b: int, ref_b: str) -> bool:
    """Whether two REF strings agree on the bases where they overlap (``N`` matches any base)."""
    start, end = max(pos_a, pos_b), min(pos_a + len(ref_a), pos_b + len(ref_b))
    for at in range(start, end):
        a, b = ref_a[at - pos_a].upper(), ref_b[at - pos_b].upper()
        if a != b and "N" not in (a, b):
            return False
    return True


def same_variant(a: Variant, b: Variant) -> bool:
    """Two REF>ALT pairs describe the same change (compared in minimal form)."""
    return normalize_variant(*a) == normalize_variant(*b)


def allele_at_locus(record_pos: int, record_ref: str, allele: str, locus: Locus) -> str:
    """Write a VCF allele as the sequence it puts over a knowledge site, in the site's representation.

    A record allele equal to one of the locus ALTs (after normalization) is that ALT, so ``ATT>AT``
    read at knowledge site ``AT>A`` is ``A``. A change that does not touch the site leaves the site's
    REF. Any other change is written as the actual sequence: inside the site's REF span when it fits,
    otherwise over the smallest stretch that holds both (longer than the site's REF, so it can never
    be mistaken for a knowledge allele). The caller has checked that the two REFs agree.

    >>> site = Locus(chrom="chr1", pos=100, ref="AT", alts=("A",))
    >>> allele_at_locus(100, "ATT", "AT", site), allele_at_locus(100, "ATT", "ATTT", site)
    ('A', 'ATT')
    >>> allele_at_locus(101, "T", "C", site), allele_at_locus(102, "T", "G", site)
    ('AC', 'AT')
    """
    ref = record_ref.upper()
    variant = normalize_variant(record_pos, ref, allele)
    for alt in locus.alts:
        if is_sequence(alt) and normalize_variant(locus.pos, locus.ref, alt) == variant:
            return alt
    if variant.ref == variant.alt:
        return locus.ref
    low, high = locus_span(locus)
    start, end = _change_span(variant)
    if end < low or start > high:
        return locus.ref
    locus_end = locus.pos + len(locus.ref) - 1
    variant_end = variant.pos + len(variant.ref) - 1
    window_start, window_end = min(locus.pos, variant.pos), max(locus_end, variant_end)
    window = [""] * (window_end - window_start + 1)
    for offset, base in enumerate(locus.ref.upper()):
        window[locus.pos - window_start + offset] = base
    for offset, base in enumerate(variant.ref):
        window[variant.pos - window_start + offset] = window[variant.pos - window_start + offset] or base
    before = "".join(window[: variant.pos - window_start])
    after = "".join(window[variant.pos - window_start + len(variant.ref) :])
    return before + variant.alt + after


def merge_loci(loci: Sequence[Locus]) -> list[Locus]:
    """One locus per ``chrom:pos``, as ``bcftools norm -m+`` joins records: the longer REF is kept and the
    other locus's ALTs are extended by the REF bases they lacked (``C>T`` beside ``CAT>C`` becomes ``CAT>TAT``).
    REFs that are not one a prefix of the other are a knowledge error.
    """
    merged: dict[str, Locus] = {}
    for locus in loci:
        seen = merged.get(locus.key)
        if seen is None:
            merged[locus.key] = locus
            continue
        longer, shorter = (seen, locus) if len(seen.ref) >= len(locus.ref) else (locus, seen)
        if not longer.ref.upper().startswith(shorter.ref.upper()):
            raise KnowledgeError(
                f"two knowledge sites at {locus.key} with incompatible REF ('{seen.ref}', '{locus.ref}')"
            )
        extra = longer.ref[len(shorter.ref) :]
        extended = tuple(alt + extra if is_sequence(alt) else alt for alt in shorter.alts)
        alts = longer.alts + tuple(alt for alt in extended if alt not in longer.alts)
        merged[locus.key] = longer.model_copy(update={"alts": alts, "id": seen.id or locus.id})
    return list(merged.values())
