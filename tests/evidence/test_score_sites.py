"""A request's score positions are columns: merging requests keeps each row with its own alleles (a row without
alleles still casts no build vote), and columns of different lengths are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tailormed.evidence.site_set import SiteSet
from tailormed.model.evidence import GenomeRequest, ScoreSites
from tailormed.model.genotype import GenomeBuild

G38 = GenomeBuild.GRCH38


def test_merged_requests_keep_each_rows_alleles() -> None:
    voting = ScoreSites(chrom=("chr1", "chr2"), pos=(10, 20), effect=("A", "C"), other=("G", None))
    silent = ScoreSites.at([("chr3", 30)])
    merged = GenomeRequest(scores={G38: silent}).merged(GenomeRequest(scores={G38: voting}))
    sites = merged.scores[G38]
    assert sites.sites() == [("chr3", 30), ("chr1", 10), ("chr2", 20)]
    assert (sites.effect, sites.other) == ((None, "A", "C"), (None, "G", None))
    taken = sites.take([2, 0])
    assert (taken.effect, taken.other) == (("C", None), (None, None))
    assert (silent.joined(silent).effect, silent.joined(silent).other) == ((), ())


def test_a_build_without_sites_is_left_out() -> None:
    merged = GenomeRequest(scores={G38: ScoreSites()}).merged(GenomeRequest())
    assert merged.scores == {}


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValidationError, match="one value per row"):
        ScoreSites(chrom=("chr1", "chr2"), pos=(10,))
    with pytest.raises(ValidationError, match="one value per row"):
        ScoreSites(chrom=("chr1",), pos=(10,), effect=("A",), other=())
    with pytest.raises(ValidationError):
        ScoreSites(chrom=("1",), pos=(10,))  # not a canonical chromosome


def test_a_site_set_answers_for_a_block_of_records_as_one_at_a_time() -> None:
    sites = SiteSet.of_pairs([("chr1", 100), ("chr1", 300), ("chr2", 100), ("chr1", 100)])
    chroms = ["chr1", "chr1", "chr1", "chr2", "chr2", "chr3", "chr1"]
    positions = [50, 100, 400, 100, 300, 100, 300]
    assert sites.contains(chroms, positions).tolist() == [site in sites for site in zip(chroms, positions, strict=True)]
    assert sites.contains(chroms, positions).tolist() == [False, True, False, True, False, False, True]
    assert len(sites) == 3 and sorted(sites) == [("chr1", 100), ("chr1", 300), ("chr2", 100)]
    assert sorted(sites.where(lambda chrom, pos: pos > 100)) == [("chr1", 300)]
    both = SiteSet.union([sites, SiteSet.of_pairs([("chr2", 100), ("chr3", 7)])])
    assert sorted(both) == [("chr1", 100), ("chr1", 300), ("chr2", 100), ("chr3", 7)]
    assert not SiteSet.of_pairs([]) and not SiteSet.of_pairs([]).contains([], []).size
