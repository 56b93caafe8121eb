"""Genome-build detection: header lines, contig lengths, assembly names, REF bases at knowledge sites, score positions;
and the caller's override, which may settle a silent header but never overrule the header or the REF bases."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.errors import InputError
from tailormed.evidence import read_genomes
from tailormed.evidence.build import BuildVotes, Contig, VoteIndex, VoteKind, build_from_header, build_from_votes
from tailormed.model.evidence import GenomeRequest, ScoreSites
from tailormed.model.genotype import BuildDetection, BuildMarker, BuildSource, GenomeBuild

G37, G38 = GenomeBuild.GRCH37, GenomeBuild.GRCH38


def _detect(
    path: Path, markers: list[BuildMarker] | None = None, override: GenomeBuild | None = None, **wanted: object
) -> BuildDetection:
    request = GenomeRequest(markers=markers or [], **wanted)  # type: ignore[arg-type]
    return read_genomes(path, request, build=override).build


def test_reference_line_decides_first() -> None:
    found = build_from_header(["file:///refs/human_g1k_v37.fasta"], [Contig("1", None, None)])
    assert found is not None and (found.build, found.source) == (G37, BuildSource.HEADER_REFERENCE)


@pytest.mark.parametrize(
    ("contig", "build"),
    [
        (Contig("chr1", 249250621, None), G37),
        (Contig("1", 248956422, None), G38),
        (Contig("chrX", 156040895, None), G38),
    ],
)
def test_contig_lengths(contig: Contig, build: GenomeBuild) -> None:
    found = build_from_header([], [contig])
    assert found is not None and (found.build, found.source) == (build, BuildSource.CONTIG_LENGTHS)
    assert str(contig.length) in found.detail


def test_assembly_attribute_and_silence() -> None:
    found = build_from_header([], [Contig("chr1", None, "GRCh38.p14")])
    assert found is not None and (found.build, found.source) == (G38, BuildSource.CONTIG_ASSEMBLY)
    # A length that is neither build's (PLINK writes the last position) says nothing.
    assert build_from_header([], [Contig("22", 51174940, None)]) is None


def test_contradicting_header_is_an_error() -> None:
    with pytest.raises(InputError, match="inconsistent"):
        build_from_header(["hg19"], [Contig("chr1", 248956422, None)])
    with pytest.raises(InputError, match="disagree"):
        build_from_header([], [Contig("chr1", 248956422, None), Contig("chr2", 243199373, None)])


def _pypgx_markers(shared_data: Path, limit: int = 40) -> list[BuildMarker]:
    markers = []
    with (shared_data / "pgx/pypgx/variant-table.csv").open() as handle:
        for row in csv.DictReader(handle):
            ref37, ref38 = row["GRCh37Allele"], row["GRCh38Allele"]
            if len(ref37) == 1 and len(ref38) == 1 and row["Chromosome"] != "chrM" and ref37 in "ACGT":
                markers.append(
                    BuildMarker(
                        chrom="chr" + row["Chromosome"].removeprefix("chr"),
                        grch37_pos=int(row["GRCh37Position"]),
                        grch37_ref=ref37,
                        grch38_pos=int(row["GRCh38Position"]),
                        grch38_ref=ref38,
                        id=row["rsID"],
                    )
                )
    return markers[:limit]


def _vcf_at(path: Path, sites: list[tuple[str, int, str]]) -> Path:
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr7>", '##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">']
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1")
    for chrom, pos, ref in sorted(sites, key=lambda s: (s[0], s[1])):
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{'A' if ref != 'A' else 'C'}\t.\tPASS\t.\tGT\t0/0")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("build", [G37, G38])
def test_ref_bases_at_markers_reveal_the_build(shared_data: Path, tmp_path: Path, build: GenomeBuild) -> None:
    markers = _pypgx_markers(shared_data)
    sites = [
        (m.chrom, m.grch37_pos, m.grch37_ref) if build is G37 else (m.chrom, m.grch38_pos, m.grch38_ref)
        for m in markers
    ]
    path = _vcf_at(tmp_path / "bare.vcf", sites)
    found = _detect(path, markers)
    assert found.build is build and found.source is BuildSource.REF_ALLELES
    assert f"at {len({(c, p) for c, p, _ in sites})} of" in found.detail


def test_too_few_markers_is_a_clear_error(shared_data: Path, tmp_path: Path) -> None:
    markers = _pypgx_markers(shared_data)
    path = _vcf_at(tmp_path / "one.vcf", [(markers[0].chrom, markers[0].grch38_pos, markers[0].grch38_ref)])
    with pytest.raises(InputError, match="pass --build") as caught:
        _detect(path, markers)
    assert str(path) in str(caught.value)
    assert _detect(path, markers, override=G38).source is BuildSource.USER


def test_marker_votes_reject_mixed_evidence() -> None:
    marker = BuildMarker(chrom="chr1", grch37_pos=10, grch37_ref="A", grch38_pos=20, grch38_ref="C")
    index, votes = VoteIndex(), BuildVotes()
    index.add_markers([marker] * 4)
    index.finish()
    for _ in range(4):
        index.count(votes, "chr1", 10, "A")
        index.count(votes, "chr1", 20, "C")
    assert build_from_votes(votes) is None


def test_real_headers(shared_data: Path) -> None:
    found = _detect(shared_data / "pgx/pharmcat/examples/pharmcat.example.vcf")
    assert (found.build, found.source, found.detail) == (G38, BuildSource.CONTIG_ASSEMBLY, "chr1 assembly=GRCh38.p14")
    assert _detect(shared_data / "pgx/pharmcat/tests/vcf/cyp2c19/s1s2.vcf").source is BuildSource.HEADER_REFERENCE
    tiny = shared_data / "risk/genotypes/tiny1000G.GRCh38.PGS001229_sites.vcf.gz"
    with pytest.raises(InputError, match="cannot tell the genome build"):
        _detect(tiny)


def _with_header(path: Path, line: str) -> Path:
    text = path.read_text()
    path.write_text(text.replace("##fileformat=VCFv4.2\n", f"##fileformat=VCFv4.2\n{line}\n", 1))
    return path


def test_override_never_overrules_the_header(shared_data: Path, tmp_path: Path) -> None:
    markers = _pypgx_markers(shared_data)
    sites = [(m.chrom, m.grch37_pos, m.grch37_ref) for m in markers]
    stated = _with_header(_vcf_at(tmp_path / "b37.vcf", sites), "##reference=file:///ref/human_g1k_v37.fasta")
    assert _detect(stated, markers).build is G37
    with pytest.raises(InputError, match=r"--build GRCh38 contradicts the file's header, which says GRCh37") as caught:
        _detect(stated, markers, override=G38)
    assert "human_g1k_v37.fasta" in caught.value.message and str(stated) in str(caught.value)
    assert _detect(stated, markers, override=G37).source is BuildSource.HEADER_REFERENCE


def test_override_never_overrules_the_ref_bases(shared_data: Path, tmp_path: Path) -> None:
    markers = _pypgx_markers(shared_data)
    silent = _vcf_at(tmp_path / "silent.vcf", [(m.chrom, m.grch37_pos, m.grch37_ref) for m in markers])
    with pytest.raises(InputError, match=r"--build GRCh38 contradicts the file's own REF bases: REF matches GRCh37"):
        _detect(silent, markers, override=G38)
    settled = _detect(silent, markers, override=G37)
    assert settled.source is BuildSource.USER and settled.detail.startswith("given by the caller; REF matches GRCh37")


def test_header_contradicted_by_ref_bases_is_refused(shared_data: Path, tmp_path: Path) -> None:
    markers = _pypgx_markers(shared_data)
    sites = [(m.chrom, m.grch37_pos, m.grch37_ref) for m in markers]
    wrong = _with_header(_vcf_at(tmp_path / "wrong.vcf", sites), "##reference=GRCh38")
    with pytest.raises(
        InputError, match=r"the header says GRCh38 \(##reference=GRCh38\) but REF matches GRCh37"
    ) as caught:
        _detect(wrong, markers, override=G38)
    assert "an override cannot settle this" in caught.value.message


def test_score_positions_identify_a_silent_header(shared_data: Path) -> None:
    """A VCF extracted at a score's sites has no marker records; the score's own positions and alleles tell."""
    from tailormed.pipeline.prs import read_scores, score_request

    tiny = shared_data / "risk/genotypes/tiny1000G.GRCh38.PGS001229_sites.vcf.gz"
    scores = read_scores([shared_data / "risk/pgs/PGS001229_hmPOS_GRCh38.normalised.txt.gz"])
    found = _detect(tiny, scores=score_request(scores).scores)
    assert (found.build, found.source) == (G38, BuildSource.SCORE_POSITIONS)
    assert found.detail.startswith("records at 999 GRCh38 score positions, REF one of the score's alleles at 996")
    assert found.described.startswith("GRCh38 (scoring-file positions: records at 999 GRCh38 score positions")


@pytest.mark.parametrize("source", list(BuildSource))
def test_every_build_source_is_described_in_words(source: BuildSource) -> None:
    """Reports and the hereditary engine print how the build was found, whichever way it was."""
    found = BuildDetection(build=G38, source=source, detail="why")
    assert found.described.startswith("GRCh38 (") and found.described.endswith(": why)")


def test_votes_of_a_block_are_those_of_its_records_one_by_one() -> None:
    """A reader's block weighs each distinct expectation and REF once, times its records: the same votes."""
    rng = np.random.default_rng(4)
    index = VoteIndex()
    for pos in range(1, 60):
        index.add(VoteKind.SCORES, GenomeBuild.GRCH38, "chr1", pos, ("ACGT"[pos % 4], "G"))
        if pos % 3 == 0:
            index.add(VoteKind.MARKERS, GenomeBuild.GRCH37, "chr1", pos, ("AC"[pos % 2] + "T",))
        index.add(VoteKind.SCORES, GenomeBuild.GRCH37, "chr2", pos, ("ACGT"[pos % 4],))
    index.finish()
    chroms = [["chr1", "chr2", "chrX"][int(i)] for i in rng.integers(0, 3, size=300)]
    positions = [int(p) for p in rng.integers(1, 80, size=300)]
    refs = ["ACGTN"[int(i)] + ("" if rng.random() < 0.7 else "t") for i in rng.integers(0, 5, size=300)]
    one_by_one, together = BuildVotes(), BuildVotes()
    for chrom, pos, ref in zip(chroms, positions, refs, strict=True):
        index.count(one_by_one, chrom, pos, ref)
    index.count_all(together, chroms, positions, refs)
    assert together == one_by_one
    assert sum(together.seen.values()) > 300 // 3


_ALLELES = st.text("ACGTNacgt", min_size=1, max_size=3)
_EXPECTATIONS = st.lists(
    st.tuples(
        st.sampled_from([VoteKind.MARKERS, VoteKind.LOCI]),
        st.sampled_from([G37, G38]),
        st.sampled_from(["chr1", "chr2"]),
        st.integers(1, 8),
        st.lists(_ALLELES, min_size=1, max_size=2).map(tuple),
    ),
    max_size=12,
)
_SCORE_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["chr1", "chr2"]),
        st.integers(1, 8),
        st.none() | _ALLELES,
        st.sampled_from([None, ""]) | _ALLELES,
    ),
    max_size=40,
)
_RECORDS = st.lists(st.tuples(st.sampled_from(["chr1", "chr2", "chrX"]), st.integers(0, 9), _ALLELES), max_size=60)


def _votes_by_definition(
    expected: list[tuple[VoteKind, GenomeBuild, str, int, tuple[str, ...]]], records: list[tuple[str, int, str]]
) -> tuple[BuildVotes, dict[tuple[str, int], list[tuple[VoteKind, GenomeBuild, tuple[str, ...]]]]]:
    """The votes of ``records`` read straight from the rule, and each position's expectations that vote: each
    expectation at a record's position counts, agreeing when the REF and an expected REF start alike, except one
    whose kind and REFs another build's expectation there shares."""
    at: dict[tuple[str, int], list[tuple[VoteKind, GenomeBuild, tuple[str, ...]]]] = {}
    for kind, build, chrom, pos, refs in expected:
        at.setdefault((chrom, pos), []).append((kind, build, tuple(ref.upper() for ref in refs)))
    kept = {
        site: [(k, b, r) for k, b, r in here if not any(k == k2 and b != b2 and r == r2 for k2, b2, r2 in here)]
        for site, here in at.items()
    }
    votes = BuildVotes()
    for chrom, pos, ref in records:
        upper = ref.upper()
        for kind, build, refs in kept.get((chrom, pos), []):
            votes.add(kind, build, any(upper.startswith(r) or r.startswith(upper) for r in refs))
    return votes, kept


@settings(max_examples=300, deadline=None)
@given(_EXPECTATIONS, st.lists(st.tuples(st.sampled_from([G37, G38]), _SCORE_ROWS), max_size=3), _RECORDS)
def test_votes_follow_their_definition(
    expected: list[tuple[VoteKind, GenomeBuild, str, int, tuple[str, ...]]],
    scores: list[tuple[GenomeBuild, list[tuple[str, int, str | None, str | None]]]],
    records: list[tuple[str, int, str]],
) -> None:
    """Positions added one at a time and scoring-file columns (rows without an effect allele do not vote; an
    empty other allele is not given) vote as the rule says, a record at a time and a block at once."""
    index = VoteIndex()
    for kind, build, chrom, pos, refs in expected:
        index.add(kind, build, chrom, pos, refs)
    everything = list(expected)
    for build, rows in scores:
        chroms, positions, effect, other = (list(column) for column in zip(*rows, strict=True)) if rows else ([],) * 4
        index.add_alleles(VoteKind.SCORES, build, chroms, positions, effect, other)
        everything += [
            (VoteKind.SCORES, build, chrom, pos, (e, o) if o else (e,)) for chrom, pos, e, o in rows if e is not None
        ]
    index.finish()
    wanted, kept = _votes_by_definition(everything, records)
    one_by_one, together = BuildVotes(), BuildVotes()
    for chrom, pos, ref in records:
        index.count(one_by_one, chrom, pos, ref)
    index.count_all(together, [c for c, _, _ in records], [p for _, p, _ in records], [r for _, _, r in records])
    assert one_by_one == wanted and together == wanted
    assert index.positions() == sorted(site for site, here in kept.items() if here) and bool(index) == any(
        kept.values()
    )
    for kinds in [(kind,) for kind in VoteKind] + [(VoteKind.MARKERS, VoteKind.LOCI)]:
        assert index.positions(*kinds) == sorted(
            site for site, here in kept.items() if any(e[0] in kinds for e in here)
        )


def test_score_positions_vote_only_when_the_header_names_no_build(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under a header that names the build, the plan holds that build's score positions only, whose votes could
    agree with the header or be inconclusive, never contradict it: they are not counted (marker votes still are, and
    still refuse a wrong header). A silent header's pass counts them: they may settle or describe the build."""
    from tailormed.evidence import read as read_module
    from tailormed.evidence.plan import compile_plan, score_votes_needed

    markers = _pypgx_markers(shared_data)
    sites = [(m.chrom, m.grch37_pos, m.grch37_ref) for m in markers]
    position = ScoreSites(chrom=(markers[0].chrom,), pos=(1,), effect=("A",), other=("G",))
    request = GenomeRequest(markers=markers, scores={G37: position})
    assert (markers[0].chrom, 1) in compile_plan(request, [G37]).votes.positions()
    plan = compile_plan(request, [G37], score_votes=False)
    chrom = markers[0].chrom
    assert (chrom, 1) not in plan.votes.positions() and (chrom, 1) in plan.exact
    assert not score_votes_needed(G37, request) and score_votes_needed(None, request)
    compiled: list[bool] = []

    def spy(wanted: GenomeRequest, builds: list[GenomeBuild], score_votes: bool = True) -> object:
        compiled.append(score_votes)
        return compile_plan(wanted, builds, score_votes)

    monkeypatch.setattr(read_module, "compile_plan", spy)
    stated = _with_header(_vcf_at(tmp_path / "b37.vcf", sites), "##reference=GRCh37")
    assert read_genomes(stated, request).build.source is BuildSource.HEADER_REFERENCE
    assert read_genomes(_vcf_at(tmp_path / "silent.vcf", sites), request, build=G37).build.source is BuildSource.USER
    assert compiled == [False, True]
    wrong = _with_header(_vcf_at(tmp_path / "wrong.vcf", sites), "##reference=GRCh38")
    with pytest.raises(InputError, match=r"the header says GRCh38 \(##reference=GRCh38\) but REF matches GRCh37"):
        read_genomes(wrong, request)
