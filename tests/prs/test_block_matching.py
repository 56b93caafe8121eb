"""Blocks of records are matched and summed exactly as the same records one position at a time: the same match log,
kept matches and sums to the last bit, however the records are cut into blocks and whether a block holds allele
pairs or ALT copies."""

from __future__ import annotations

import gc
import itertools
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailormed.engines.prs.matching import Matcher, MatchOptions
from tailormed.engines.prs.scoring import Imputation, Scorer, ScoreSums
from tailormed.errors import InputError
from tailormed.evidence.scores import ScoreCollector
from tailormed.evidence.site_set import SiteSet
from tailormed.knowledge import pgs_scoring
from tailormed.knowledge.pgs_scoring import ScoringFile, read_scoring_file
from tailormed.model.dosage import MISSING_COPIES, SiteBlock, SiteGroup, SiteRecord
from tailormed.model.evidence import ScoreSites
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.prs import score_request, score_sites

SAMPLES = 12
BASES = "ACGT"
#: Allele pairs of biallelic records (half-calls are missing as a whole, as the readers give them).
PAIRS = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [-1, -1]], dtype=np.int16)


def records(rng: np.random.Generator, positions: int) -> list[SiteRecord]:
    """Records at ``positions`` sites: mostly one biallelic SNV, some split duplicates, multi-allelic records,
    strand-ambiguous pairs and alleles that match nothing."""
    found: list[SiteRecord] = []
    for site in range(positions):
        for _ in range(int(rng.choice([1, 1, 1, 1, 2, 3]))):
            ref = BASES[int(rng.integers(4))]
            alts = tuple(BASES[int(i)] for i in rng.choice(4, size=int(rng.choice([1, 1, 1, 2])), replace=False))
            alts = tuple(alt if alt != ref else ref + "T" for alt in alts)
            if len(alts) == 1:
                alleles = PAIRS[rng.integers(len(PAIRS), size=SAMPLES)]
            else:
                alleles = rng.integers(-1, len(alts) + 1, size=(SAMPLES, 2)).astype(np.int16)
                alleles[(alleles < 0).any(axis=1)] = -1
            location = f"line {len(found) + 1}"
            found.append(SiteRecord("chr1", 100 + site, f"v{site}", ref, alts, alleles, location))
    return found


def scoring_file(tmp_path: Path, rng: np.random.Generator, positions: int, name: str) -> ScoringFile:
    """Rows at most positions, some positions twice, some without an other allele; every effect type."""
    rows = ["chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_dominant\tis_recessive"]
    for site in range(positions):
        for _ in range(int(rng.choice([0, 1, 1, 1, 1, 2]))):
            effect, other = (BASES[int(i)] for i in rng.choice(4, size=2, replace=False))
            shown_other = "" if rng.random() < 0.1 else other
            kind = int(rng.integers(3))
            weight = float(rng.normal(0, 0.2))
            rows.append(f"1\t{100 + site}\t{effect}\t{shown_other}\t{weight!r}\t{kind == 1}\t{kind == 2}")
    path = tmp_path / f"{name}.txt"
    path.write_text(f"#pgs_id={name}\n#genome_build=GRCh38\n" + "\n".join(rows) + "\n")
    return read_scoring_file(path)


def by_groups(
    scores: list[ScoringFile], found: list[SiteRecord], options: MatchOptions, imputation: Imputation
) -> tuple[Matcher, list[ScoreSums]]:
    matcher = Matcher(scores, GenomeBuild.GRCH38, options)
    scorer = Scorer(matcher.results, [f"S{i}" for i in range(SAMPLES)], imputation)
    for (chrom, pos), run in itertools.groupby(found, key=lambda record: (record.chrom, record.pos)):
        scorer.add(matcher.add_group(SiteGroup(chrom=chrom, pos=pos, records=tuple(run))))
    scorer.add(matcher.finish())
    return matcher, scorer.results()


class Stream:
    """A score sink over a matcher and a scorer, as the pipeline's score stream."""

    def __init__(self, scores: list[ScoringFile], options: MatchOptions, imputation: Imputation) -> None:
        self.matcher = Matcher(scores, GenomeBuild.GRCH38, options)
        self.scorer = Scorer(self.matcher.results, [f"S{i}" for i in range(SAMPLES)], imputation)

    def add(self, group: SiteGroup) -> None:
        self.scorer.add(self.matcher.add_group(group))

    def add_block(self, block: SiteBlock) -> None:
        self.scorer.add_block(self.matcher.add_block(block))


def alt_counts(alleles: npt.NDArray[np.int16]) -> npt.NDArray[np.int8]:
    counts = (alleles == 1).sum(axis=2).astype(np.int8)
    counts[alleles[:, :, 0] < 0] = MISSING_COPIES
    return counts


def by_blocks(
    scores: list[ScoringFile],
    found: list[SiteRecord],
    cuts: list[int],
    options: MatchOptions,
    imputation: Imputation,
    counted: bool,
) -> tuple[Matcher, list[ScoreSums]]:
    stream = Stream(scores, options, imputation)
    positions = SiteSet.of_pairs((record.chrom, record.pos) for record in found)
    collector = ScoreCollector(positions, stream)
    bounds = [0, *sorted(set(cuts)), len(found)]
    for start, stop in itertools.pairwise(bounds):
        if start >= stop:
            continue
        part = found[start:stop]
        alleles = np.stack([record.alleles for record in part])
        biallelic = counted and all(len(record.alts) == 1 for record in part)
        collector.add_block(
            SiteBlock(
                chrom=[record.chrom for record in part],
                pos=[record.pos for record in part],
                ids=[record.id for record in part],
                refs=[record.ref for record in part],
                alts=[record.alts for record in part],
                locations=[record.location for record in part],
                alleles=None if biallelic else alleles,
                alt_counts=alt_counts(alleles) if biallelic else None,
            )
        )
    collector.finish()
    stream.scorer.add(stream.matcher.finish())
    return stream.matcher, stream.scorer.results()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1),
    cuts=st.lists(st.integers(0, 120), max_size=12),
    keep_ambiguous=st.booleans(),
    keep_multiallelic=st.booleans(),
    skip_flip=st.booleans(),
    mean=st.booleans(),
    counted=st.booleans(),
)
def test_blocks_match_and_sum_as_position_groups(
    tmp_path: Path,
    seed: int,
    cuts: list[int],
    keep_ambiguous: bool,
    keep_multiallelic: bool,
    skip_flip: bool,
    mean: bool,
    counted: bool,
) -> None:
    rng = np.random.default_rng(seed)
    positions = 40
    found = records(rng, positions)
    scores = [scoring_file(tmp_path, rng, positions, "PGS000001"), scoring_file(tmp_path, rng, positions, "PGS000002")]
    options = MatchOptions(keep_ambiguous=keep_ambiguous, keep_multiallelic=keep_multiallelic, skip_flip=skip_flip)
    imputation = Imputation.MEAN if mean else Imputation.NONE
    cut = [c for c in cuts if c <= len(found)]
    expected_matcher, expected = by_groups(scores, found, options, imputation)
    matcher, got = by_blocks(scores, found, cut, options, imputation, counted)
    for mine, theirs in zip(matcher.results, expected_matcher.results, strict=True):
        assert mine.log == theirs.log
        assert mine.selected == theirs.selected
    for mine_sums, their_sums in zip(got, expected, strict=True):
        for field in ("sums", "denom", "missing", "expected_mean", "expected_variance"):
            np.testing.assert_array_equal(getattr(mine_sums, field), getattr(their_sums, field))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**32 - 1),
    chunk=st.integers(1, 9),
    cuts=st.lists(st.integers(0, 120), max_size=6),
    mean=st.booleans(),
)
def test_a_score_spilled_in_small_shuffled_chunks_matches_and_sums_as_one_chunk(
    tmp_path: Path, seed: int, chunk: int, cuts: list[int], mean: bool
) -> None:
    """The matcher holds a window of the spill's pieces: with chunks of a few rows in shuffled order (pieces that
    overlap, so windows hold several, and records cut into blocks across them) the log, the kept matches and the
    sums are those of the same file read as one chunk."""
    rng = np.random.default_rng(seed)
    found = records(rng, 40)
    whole: list[ScoringFile] = []
    shuffled: list[ScoringFile] = []
    for score in (scoring_file(tmp_path, rng, 40, "PGS000001"), scoring_file(tmp_path, rng, 40, "PGS000002")):
        head, *rows = score.path.read_text().splitlines()[2:]
        order = rng.permutation(len(rows)).tolist()
        path = tmp_path / f"shuffled_{score.path.name}"
        path.write_text(f"#pgs_id={score.name}\n#genome_build=GRCh38\n{head}\n" + "\n".join(rows[i] for i in order))
        kept = pgs_scoring.CHUNK
        try:
            pgs_scoring.CHUNK = chunk
            shuffled.append(read_scoring_file(path))
        finally:
            pgs_scoring.CHUNK = kept
        assert len(shuffled[-1].pieces(GenomeBuild.GRCH38, "chr1")) == -(-len(rows) // chunk)
        whole.append(read_scoring_file(path))
    options = MatchOptions(keep_multiallelic=bool(seed % 2))
    imputation = Imputation.MEAN if mean else Imputation.NONE
    expected_matcher, expected = by_groups(whole, found, options, imputation)
    matcher, got = by_blocks(shuffled, found, [c for c in cuts if c <= len(found)], options, imputation, False)
    for mine, theirs in zip(matcher.results, expected_matcher.results, strict=True):
        assert mine.log == theirs.log
        assert mine.selected == theirs.selected
    for mine_sums, their_sums in zip(got, expected, strict=True):
        for field in ("sums", "denom", "missing", "expected_mean", "expected_variance"):
            np.testing.assert_array_equal(getattr(mine_sums, field), getattr(their_sums, field))


def _open_files() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")
def test_a_scoring_files_spill_goes_with_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows are spilled to an unnamed temporary file, closed (and so freed) once the scoring file is no longer
    used, or at once when the file is refused; nothing is left in the temporary folder either way."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    before = _open_files()
    score = scoring_file(tmp_path, np.random.default_rng(1), 10, "PGS000001")
    assert _open_files() == before + 1
    del score
    gc.collect()
    assert _open_files() == before
    bad = tmp_path / "bad.txt"
    bad.write_text("#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\teffect_weight\n1\t5\tA\tx\n")
    with pytest.raises(InputError, match="effect_weight is not a number"):
        read_scoring_file(bad)
    gc.collect()
    assert _open_files() == before
    assert not any(private.iterdir())


@pytest.mark.parametrize("effect", [0, 1])
def test_copies_of_alt_counts_equal_those_of_allele_pairs(effect: int) -> None:
    rng = np.random.default_rng(effect)
    alleles = PAIRS[rng.integers(len(PAIRS), size=(6, SAMPLES))]
    common = {"chrom": ["chr1"] * 6, "pos": list(range(6)), "ids": ["."] * 6, "refs": ["A"] * 6}
    pairs = SiteBlock(**common, alts=[("G",)] * 6, locations=[""] * 6, alleles=alleles)
    counts = SiteBlock(**common, alts=[("G",)] * 6, locations=[""] * 6, alt_counts=alt_counts(alleles))
    rows, chosen = [0, 2, 3, 5], [effect, 1 - effect, effect, effect]
    np.testing.assert_array_equal(counts.copies(rows, chosen), pairs.copies(rows, chosen))
    every = list(range(6))
    np.testing.assert_array_equal(counts.copies(every, [effect] * 6), pairs.copies(every, [effect] * 6))
    np.testing.assert_array_equal(counts.record(4).alleles, np.sort(alleles[4], axis=1))
    for block in (pairs, counts):  # the copies are the caller's: changing them leaves the block as it was
        before = block.copies(every, [1] * 6)
        block.copies(every, [1] * 6)[:] = 0
        np.testing.assert_array_equal(block.copies(every, [1] * 6), before)


def test_score_sites_are_the_requests_positions(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    scores = [scoring_file(tmp_path, rng, 30, "PGS000001"), scoring_file(tmp_path, rng, 50, "PGS000002")]
    request = score_request(scores)
    for build in GenomeBuild:
        found = request.scores.get(build)
        expected = set(found.sites()) if found is not None else set()
        assert score_sites(scores, build) == expected
        if found is not None:  # built from the parsed columns without validation: what validation would give
            assert ScoreSites.model_validate(found.model_dump()) == found
    assert len(score_sites(scores, GenomeBuild.GRCH38)) > 30


def test_a_request_leaves_out_the_rows_without_a_primary_position(tmp_path: Path) -> None:
    path = tmp_path / "placed.txt"
    rows = ["chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight", "1\t100\tA\tG\t0.1"]
    rows += ["\t\tC\tT\t0.2", "GL000192.1\t5\tC\tT\t0.3", "x\t7\tG\t\t0.4", "chr22\t2\tT\tC\t0.5"]
    path.write_text("#pgs_id=PGS000003\n#genome_build=GRCh37\n" + "\n".join(rows) + "\n")
    found = score_request([read_scoring_file(path)]).scores[GenomeBuild.GRCH37]
    assert found.sites() == [("chr1", 100), ("chrX", 7), ("chr22", 2)]
    assert (found.effect, found.other) == (("A", "G", "T"), ("G", None, "C"))
    assert ScoreSites.model_validate(found.model_dump()) == found
