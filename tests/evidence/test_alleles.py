"""Variant normalization and writing VCF alleles in a knowledge site's representation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.model.alleles import Variant, allele_at_locus, normalize_variant, refs_agree, same_variant, trim
from tailormed.model.genotype import Locus


@pytest.mark.parametrize(
    ("pos", "ref", "alt", "expected"),
    [
        (100, "ATT", "AT", Variant(100, "AT", "A")),  # shared suffix trimmed
        (99, "CT", "CTA", Variant(100, "T", "TA")),  # shared prefix trimmed to one anchor
        (100, "A", "G", Variant(100, "A", "G")),  # SNV unchanged
        (100, "GCAT", "GCAT", Variant(100, "G", "G")),  # REF allele collapses to one base
        (5, "catt", "cat", Variant(6, "AT", "A")),  # upper-cased, then suffix and prefix trimmed
    ],
)
def test_normalize_variant(pos: int, ref: str, alt: str, expected: Variant) -> None:
    assert normalize_variant(pos, ref, alt) == expected


def test_trim_keeps_a_multiallelic_record_together() -> None:
    # UGT1A1 rs3064744 as PharmCAT writes it: nothing can be trimmed without breaking an allele.
    assert trim(233760233, "CAT", ("C", "CATAT", "CATATAT")) == (233760233, "CAT", ("C", "CATAT", "CATATAT"))
    assert trim(10, "GCAT", ("GC", "GCATAT")) == (11, "CAT", ("C", "CATAT"))


def test_same_variant_across_representations() -> None:
    assert same_variant(Variant(100, "AT", "A"), Variant(100, "ATT", "AT"))
    assert not same_variant(Variant(100, "AT", "A"), Variant(100, "ATT", "A"))


DELETION = Locus(chrom="chr1", pos=100, ref="AT", alts=("A",))
INSERTION = Locus(chrom="chr7", pos=99652770, ref="T", alts=("TA",))
SNV = Locus(chrom="chr10", pos=94781859, ref="G", alts=("A",))


@pytest.mark.parametrize(
    ("record_pos", "record_ref", "allele", "locus", "expected"),
    [
        (100, "ATT", "AT", DELETION, "A"),  # knowledge AT>A vs VCF ATT>AT: the knowledge ALT
        (100, "ATT", "ATT", DELETION, "AT"),  # VCF REF allele: the knowledge REF
        (100, "ATT", "A", DELETION, "A" + ""),  # a 2-base deletion starting at the site is written in the site span
        (100, "ATT", "ATTT", DELETION, "ATT"),  # an insertion inside the site: actual sequence, not the ALT
        (102, "T", "G", DELETION, "AT"),  # change past the site: site keeps its REF
        (99652769, "CT", "CTA", INSERTION, "TA"),  # left-padded spelling of the knowledge insertion
        (99652770, "T", "TAA", INSERTION, "TAA"),  # another insertion at the same point: actual sequence
        (99652770, "T", "C", INSERTION, "C"),  # SNV at the anchor base
        (94781859, "G", "T", SNV, "T"),  # another ALT at the position is not the knowledge ALT
        (94781859, "G", "GA", SNV, "G"),  # an insertion after the SNV's base leaves the base alone
    ],
)
def test_allele_at_locus(record_pos: int, record_ref: str, allele: str, locus: Locus, expected: str) -> None:
    assert allele_at_locus(record_pos, record_ref, allele, locus) == expected


def test_change_reaching_past_the_site_is_written_over_the_wider_stretch() -> None:
    # CTT>C deletes the T after the anchor and the next base; the SNV site at 101 is inside the deletion.
    site = Locus(chrom="chr1", pos=101, ref="T", alts=("G",))
    allele = allele_at_locus(100, "CTT", "C", site)
    assert allele == "C"  # the stretch 100..102 'CTT' becomes 'C'
    assert allele not in (site.ref, *site.alts)


def test_refs_agree() -> None:
    assert refs_agree(100, "ATT", 101, "T")
    assert not refs_agree(100, "ATT", 101, "G")
    assert refs_agree(100, "N", 100, "G")


@settings(max_examples=300, deadline=None)
@given(ref=st.text("ACGT", min_size=1, max_size=8), alt=st.text("ACGT", min_size=1, max_size=8))
def test_normalization_keeps_the_haplotype_and_is_idempotent(ref: str, alt: str) -> None:
    """The trimmed form, applied to the original REF stretch, gives the original ALT; trimming again changes nothing."""
    pos = 1000
    variant = normalize_variant(pos, ref, alt)
    offset = variant.pos - pos
    assert ref[offset : offset + len(variant.ref)] == variant.ref
    assert ref[:offset] + variant.alt + ref[offset + len(variant.ref) :] == alt
    assert normalize_variant(*variant) == variant
    assert min(len(variant.ref), len(variant.alt)) >= 1
