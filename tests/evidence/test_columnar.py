"""The columnar text reader gives the same score-position records as htslib's path, and refuses broken lines."""

from __future__ import annotations

import itertools
import mmap
import time
import zlib
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailormed import bgzf as tailormed_bgzf
from tailormed.errors import InputError
from tailormed.evidence import columnar, read_genomes
from tailormed.evidence.read import _Pass
from tailormed.evidence.site_set import SiteSet
from tailormed.model.dosage import MISSING_COPIES, SiteBlock, SiteGroup
from tailormed.model.evidence import GenomeRequest, ScoreSites
from tailormed.model.genotype import GenomeBuild

from ..conftest import bgzf_blocks


def _sites(positions: dict[str, set[int]]) -> SiteSet:
    return SiteSet.of_pairs((chrom, pos) for chrom, found in positions.items() for pos in found)


HEADER = (
    "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=chr1>\n##contig=<ID=chr2>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
)


def vcf_text(samples: list[str], rows: list[tuple[str, int, str, str, str, list[str]]]) -> str:
    lines = [HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]
    for chrom, pos, ref, alt, form, calls in rows:
        lines.append("\t".join([chrom, str(pos), f"v{pos}", ref, alt, ".", "PASS", ".", form, *calls]))
    return "\n".join(lines) + "\n"


def request(rows: list[tuple[str, int, str, str, str, list[str]]]) -> GenomeRequest:
    positions = ScoreSites.at([(chrom, pos) for chrom, pos, *_ in rows])
    return GenomeRequest(scores={GenomeBuild.GRCH38: positions})


def groups_of(path: Path, wanted: GenomeRequest, samples: list[str] | None, text: bool) -> list[SiteGroup]:
    """Score-position records read by the text reader (``text``) or by htslib's stream."""
    readable, stream, threshold = _Pass._text_readable, _Pass._read_stream, columnar.MIN_SAMPLES

    def refuse(self: _Pass, on_progress: object) -> None:
        raise AssertionError("the text reader was not used")

    try:
        if text:
            columnar.MIN_SAMPLES = 1
            _Pass._read_stream = refuse  # type: ignore[method-assign,assignment]
        else:
            _Pass._text_readable = lambda self: False  # type: ignore[method-assign]
        batch = read_genomes(path, wanted, samples=samples)
    finally:
        _Pass._text_readable, _Pass._read_stream, columnar.MIN_SAMPLES = readable, stream, threshold  # type: ignore[method-assign]
    assert batch.source.read.value == "stream"
    return batch.score_groups or []


def assert_same(ours: list[SiteGroup], htslib: list[SiteGroup]) -> None:
    assert [(g.chrom, g.pos, len(g.records)) for g in ours] == [(g.chrom, g.pos, len(g.records)) for g in htslib]
    for mine, theirs in zip(ours, htslib, strict=True):
        for a, b in zip(mine.records, theirs.records, strict=True):
            assert (a.id, a.ref, a.alts, a.location) == (b.id, b.ref, b.alts, b.location)
            assert a.alleles.dtype == b.alleles.dtype
            np.testing.assert_array_equal(a.alleles, b.alleles)


CALLS = st.sampled_from(
    [
        "0/0",
        "0/1",
        "1/1",
        "1|0",
        "0|1",
        "./.",
        ".|.",
        "./1",
        "0/.",
        "1",
        "0",
        ".",
        "2/1",
        "1/2",
        "10/3",
        "3|11",
        "0/0/1",
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    samples=st.integers(min_value=1, max_value=7),
    data=st.data(),
    compressed=st.booleans(),
    subset=st.booleans(),
    piece=st.sampled_from([1 << 20, 7, 301]),
    head=st.sampled_from([512, 3, 25]),
    ring=st.sampled_from([None, (97, 2), (300, 3)]),
)
def test_same_records_as_htslib(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    samples: int,
    data: st.DataObject,
    compressed: bool,
    subset: bool,
    piece: int,
    head: int,
    ring: tuple[int, int] | None,
) -> None:
    """Any records, read in pieces of any size (lines split between pieces), their fixed fields split at once or
    searched tab by tab (``head``), a BGZF file inflated by threads or ahead in a child process (``ring``: its slots'
    size and number; two slots of one block each are reused as soon as released): the same groups as htslib's."""
    monkeypatch.setattr(columnar, "JOB_BYTES", piece)
    monkeypatch.setattr(tailormed_bgzf, "JOB_BYTES", piece)
    monkeypatch.setattr(columnar, "FIXED_FIELDS_BYTES", head)
    names = [f"S{i}" for i in range(samples)]
    rows = []
    pos = 100
    for _ in range(data.draw(st.integers(min_value=1, max_value=12))):
        pos += data.draw(st.integers(min_value=0, max_value=3))  # duplicates: split multi-allelic sites
        simple = data.draw(st.booleans())
        calls = [
            data.draw(st.sampled_from(["0/0", "0/1", "1|1", "./."])) if simple else data.draw(CALLS) for _ in names
        ]
        alts = ",".join("CGTA"[: data.draw(st.integers(min_value=1, max_value=3))]) if not simple else "G"
        if not simple and any(c[:2].rstrip("/|") in {"10", "11", "12"} or "3" in c for c in calls):
            alts = ",".join(["C"] * 12)
        form = data.draw(st.sampled_from(["GT", "GT:DP"]))
        if form == "GT:DP":
            calls = [f"{c}:{i}" for i, c in enumerate(calls)]
        rows.append((data.draw(st.sampled_from(["chr1", "chr1", "chr2"])), pos, "A", alts, form, calls))
    rows.sort(key=lambda row: (row[0], row[1]))
    text = vcf_text(names, rows).encode()
    path = tmp_path / ("c.vcf.gz" if compressed else "c.vcf")
    path.write_bytes(bgzf_blocks(text, size=97) if compressed else text)
    chosen = [names[i] for i in range(samples) if i % 2 == 0] if subset else None
    assert columnar.supports(path)
    htslib = groups_of(path, request(rows), chosen, False)
    monkeypatch.setattr(tailormed_bgzf, "MIN_AHEAD_BYTES", 0 if ring else 1 << 40)
    monkeypatch.setattr(tailormed_bgzf, "COHORT_SAMPLES", 1)
    slot_bytes, slots = ring or (0, 0)
    with tailormed_bgzf.inflating(path, slot_bytes=slot_bytes, slots=slots):
        assert_same(groups_of(path, request(rows), chosen, True), htslib)
        assert not tailormed_bgzf._started  # the reader took the child's text when there was one
    with tailormed_bgzf.inflating(path, slot_bytes=slot_bytes, slots=slots, decoder=columnar.ChildDecoder):
        assert_same_copies(path, rows, chosen or names, names, htslib)


def assert_same_copies(
    path: Path,
    rows: list[tuple[str, int, str, str, str, list[str]]],
    chosen: list[str],
    names: list[str],
    htslib: list[SiteGroup],
) -> None:
    """Read for a sum (ALT copies where a piece allows): each allele's copies per sample as htslib's calls have
    them."""
    wanted = SiteSet.of_pairs((chrom, pos) for chrom, pos, *_ in rows)
    scan = columnar.TextScan(path, str(path), wanted, names, chosen, alt_counts=True)
    ours = [(block, i) for block in scan.blocks() for i in range(len(block))]
    theirs = [record for group in htslib for record in group.records]
    assert len(ours) == len(theirs)
    for (block, i), record in zip(ours, theirs, strict=True):
        for allele in range(len(record.alts) + 1):
            expected = np.count_nonzero(record.alleles == allele, axis=1).astype(np.int8)
            expected[record.alleles[:, 0] < 0] = MISSING_COPIES
            np.testing.assert_array_equal(block.copies([i], [allele])[0], expected)


@pytest.mark.parametrize("order", ["subset", "reversed"])
def test_fixed_width_lines_decoded_in_blocks(tmp_path: Path, order: str) -> None:
    """Many fixed-width lines (the batch path) with a sample subset, or every sample in another order: same allele
    matrices as htslib."""
    rng = np.random.default_rng(3)
    names = [f"S{i}" for i in range(300)]
    calls = np.array(["0/0", "0/1", "1/1", "./.", "1|0"])
    rows = [("chr1", 1000 + i, "A", "G", "GT", list(calls[rng.integers(0, 5, len(names))])) for i in range(700)]
    path = tmp_path / "fixed.vcf.gz"
    path.write_bytes(bgzf_blocks(vcf_text(names, rows).encode()))
    chosen = names[::3] if order == "subset" else names[::-1]
    ours = groups_of(path, request(rows), chosen, True)
    assert len(ours) == 700
    assert_same(ours, groups_of(path, request(rows), chosen, False))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("chr1\t90\tv\tA\tG\t.\t.\t.\tGT\t0/1\t0/0", "not sorted"),
        ("chr1\tx\tv\tA\tG\t.\t.\t.\tGT\t0/1\t0/0", "POS 'x' is not a number"),
        ("chr1\t200\tv\tAZ\tG\t.\t.\t.\tGT\t0/1\t0/0", "REF 'AZ'"),
        ("chr1\t200\tv\tA\tG\t.\t.\t.\tDP\t3\t4", "no readable GT"),
        ("chr1\t200\tv\tA\tG\t.\t.\t.\tGT\t0/1", "1 sample columns, the header names 2"),
        ("chr1\t200\tv\tA\tG\t.\t.\t.\tGT\t0/x\t0/0", "GT '0/x' is not a genotype"),
        ("chr1\t200\tv\tA\tG", "too few columns"),
    ],
)
def test_broken_lines_are_refused_with_their_line(tmp_path: Path, line: str, message: str) -> None:
    rows = [("chr1", 100, "A", "G", "GT", ["0/1", "1/1"])]
    text = vcf_text(["S0", "S1"], rows) + line + "\n"
    path = tmp_path / "broken.vcf"
    path.write_text(text)
    wanted = GenomeRequest(scores={GenomeBuild.GRCH38: ScoreSites.at([("chr1", p) for p in (100, 200, 90)])})
    scan = columnar.TextScan(path, str(path), _sites({"chr1": {100, 200, 90}}), ["S0", "S1"], ["S0", "S1"])
    with pytest.raises(InputError) as raised:
        list(scan.blocks())
    assert message in raised.value.message
    assert raised.value.location == f"line {text.count(chr(10))}"
    assert wanted.scores


@pytest.mark.parametrize("inflater", ["installed", "zlib"])
def test_corrupt_block_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inflater: str) -> None:
    """With ISA-L's inflater (the cohort extra) or zlib's: the same text, and a damaged block refused."""
    if inflater == "zlib":
        monkeypatch.setattr(tailormed_bgzf, "_decompress", zlib.decompress)
        monkeypatch.setattr(tailormed_bgzf, "_crc32", zlib.crc32)
        monkeypatch.setattr(tailormed_bgzf, "_INFLATE_ERRORS", (zlib.error,))
    rows = [("chr1", 100 + i, "A", "G", "GT", ["0/1", "1/1"]) for i in range(50)]
    text = vcf_text(["S0", "S1"], rows).encode()
    whole = tmp_path / "whole.vcf.gz"
    whole.write_bytes(bgzf_blocks(text, size=400))
    chunks = list(columnar.text_chunks(whole, str(whole)))
    assert b"".join(bytes(data[begin:stop]) for data, begin, stop, *_ in chunks) == text
    for data, begin, stop, ends, *_ in chunks:  # each piece's line ends, found block by block as it was inflated
        assert ends.tolist() == [i for i in range(begin, stop) if data[i] == 10]
    data = bytearray(bgzf_blocks(text, size=400))
    data[len(data) // 2] ^= 0xFF
    path = tmp_path / "corrupt.vcf.gz"
    path.write_bytes(bytes(data))
    scan = columnar.TextScan(path, str(path), _sites({"chr1": {100}}), ["S0", "S1"], ["S0", "S1"])
    with pytest.raises(InputError, match="corrupt BGZF block"):
        list(scan.blocks())


def test_plain_gzip_is_left_to_htslib(tmp_path: Path) -> None:
    plain_gzip = tmp_path / "g.vcf.gz"
    plain_gzip.write_bytes(zlib.compress(b"##fileformat=VCFv4.2\n", wbits=31))
    assert not columnar.supports(plain_gzip)
    assert not columnar.supports(None)


@settings(max_examples=300, deadline=None)
@given(
    calls=st.lists(
        st.one_of(
            st.sampled_from(["0/0", "0/1", "1|0", "1|1", "./.", ".|1", "2/1", "9|0"]),
            CALLS,
            st.text(alphabet="0123./|:", min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=9,
    ),
    suffix=st.sampled_from(["", ":7", ":35:.", ":"]),
    chosen=st.data(),
    crlf=st.booleans(),
)
def test_fixed_width_decoding_equals_the_general_decoder(
    calls: list[str], suffix: str, chosen: st.DataObject, crlf: bool
) -> None:
    """On any line of sample columns that the byte-matrix path accepts, it gives the general decoder's alleles;
    lines of fixed-width calls are accepted."""
    fields = [call + suffix for call in calls]
    segment = "\t".join(fields).encode()
    text = segment + (b"\r\n" if crlf else b"\n")
    buffer = np.frombuffer(text, dtype=np.uint8)
    count = len(fields)
    columns = np.asarray(
        chosen.draw(st.lists(st.integers(min_value=0, max_value=count - 1), min_size=1, max_size=count)),
        dtype=np.intp,
    )
    general = columnar.decode_calls(buffer[: len(segment)], columns, count)
    width = columnar.fixed_width(len(segment), count)
    simple = all(len(c) == 3 and c[0] in "0123456789." and c[1] in "/|" and c[2] in "0123456789." for c in calls)
    if not width:
        assert not simple or len({len(f) for f in fields}) > 1
        return
    alleles, ok = columnar.decode_fixed(buffer, np.array([0]), width, columns, count)
    if simple and len({len(f) for f in fields}) == 1:
        assert ok[0]
    if ok[0]:
        assert not isinstance(general, str)
        np.testing.assert_array_equal(alleles[0], general)


@pytest.mark.parametrize("text", [True, False])
def test_score_groups_handed_to_a_sink_as_read(tmp_path: Path, text: bool) -> None:
    """With a score sink the pass keeps no score groups and hands over exactly those it would have kept."""
    rng = np.random.default_rng(5)
    names = [f"S{i}" for i in range(60)]
    calls = np.array(["0/0", "0/1", "1/1", "./.", "1|0"])
    rows = [("chr1", 1000 + i // 2, "A", "GC"[i % 2], "GT", list(calls[rng.integers(0, 5, 60)])) for i in range(80)]
    path = tmp_path / "sink.vcf.gz"
    path.write_bytes(bgzf_blocks(vcf_text(names, rows).encode(), size=3000))
    kept = groups_of(path, request(rows), None, text)
    handed = Handed()
    opened: list[tuple[GenomeBuild, list[str]]] = []

    def sink(build: GenomeBuild, samples: Sequence[str]) -> Handed:
        opened.append((build, list(samples)))
        return handed

    readable = _Pass._text_readable
    if not text:
        _Pass._text_readable = lambda self: False  # type: ignore[method-assign]
    try:
        batch = read_genomes(path, request(rows), score_sink=sink)
    finally:
        _Pass._text_readable = readable  # type: ignore[method-assign]
    assert batch.score_groups == []
    assert opened == [(GenomeBuild.GRCH38, names)]
    assert len(handed.groups) == len(kept) == 40
    assert [(g.chrom, g.pos, len(g.records)) for g in handed.groups] == [(g.chrom, g.pos, len(g.records)) for g in kept]
    for mine, theirs in zip(handed.groups, kept, strict=True):  # the text reader hands ALT copies: same dosages
        for a, b in zip(mine.records, theirs.records, strict=True):
            assert (a.id, a.ref, a.alts, a.location) == (b.id, b.ref, b.alts, b.location)
            for allele in range(len(a.alts) + 1):
                np.testing.assert_array_equal(a.dosage(allele), b.dosage(allele))
    assert handed.blocks == (1 if text else 0)  # the text reader's one piece, but for its last position


class Handed:
    """A score sink keeping what it is handed as position groups (a block's records grouped by position)."""

    def __init__(self) -> None:
        self.groups: list[SiteGroup] = []
        self.blocks = 0

    def add(self, group: SiteGroup) -> None:
        self.groups.append(group)

    def add_block(self, block: SiteBlock) -> None:
        self.blocks += 1
        records = [block.record(i) for i in range(len(block))]
        for (chrom, pos), run in itertools.groupby(records, key=lambda record: (record.chrom, record.pos)):
            self.groups.append(SiteGroup(chrom=chrom, pos=pos, records=tuple(run)))


def test_a_line_of_fixed_length_but_mixed_forms_is_left_to_the_general_decoder() -> None:
    """``0/1``, ``1``, ``0/0/1`` span three 4-byte columns, but the third column's bytes are not its call: every
    column must pass before any is read at a fixed offset, also when only one is selected."""
    segment = b"0/1\t1\t0/0/1"
    buffer = np.frombuffer(segment + b"\n", dtype=np.uint8)
    assert columnar.fixed_width(len(segment), 3) == 4
    _, ok = columnar.decode_fixed(buffer, np.array([0]), 4, np.array([2]), 3)
    assert not ok[0]
    general = columnar.decode_calls(buffer[: len(segment)], np.array([2]), 3)
    assert not isinstance(general, str)
    assert general.tolist() == [[0, 0]]


def test_the_first_broken_line_is_named_when_pieces_are_decoded_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad genotype in one piece of text is reported before an unsorted line in the next piece (one line per piece
    here), although that piece is scanned while the first is still being decoded."""
    monkeypatch.setattr(columnar, "JOB_BYTES", 1)
    rows = [("chr1", 100 + i, "A", "G", "GT", ["0/1", "1/1"]) for i in range(30)]
    rows[3] = ("chr1", 103, "A", "G", "GT", ["0/x", "1/1"])
    rows[4] = ("chr1", 10, "A", "G", "GT", ["0/1", "1/1"])
    text = vcf_text(["S0", "S1"], rows)
    path = tmp_path / "pieces.vcf"
    path.write_text(text)
    positions = {100 + i for i in range(30)} | {10}
    scan = columnar.TextScan(path, str(path), _sites({"chr1": positions}), ["S0", "S1"], ["S0", "S1"])
    with pytest.raises(InputError) as raised:
        list(scan.blocks())
    assert "GT '0/x' is not a genotype" in raised.value.message
    header_lines = text.count("\n") - len(rows)
    assert raised.value.location == f"line {header_lines + 4}"


def _found(scan: columnar.TextScan) -> list[tuple[str, int, str, int, int, str]]:
    return [(w.chrom, w.pos, w.id, w.start, w.stop, w.where) for _, _, found, *_ in scan._scan(None) for w in found]


@pytest.mark.parametrize("piece", [1, 120, 400, 1 << 20])
def test_positions_read_a_piece_at_a_time_equal_the_line_by_line_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int
) -> None:
    """A piece's CHROM and POS are read together when its lines continue one chromosome at plain sorted positions;
    the wanted lines, their places and line numbers are those the line-by-line scan finds, whatever the pieces."""
    monkeypatch.setattr(columnar, "JOB_BYTES", piece)
    chroms = ["chr1"] * 12 + ["chr2"] * 6 + ["chrUn_KI270742v1_with_a_name_longer_than_the_head"] * 3 + ["chr2x"] * 3
    rows = [(chrom, 100 + 7 * i, "A", "G", "GT", ["0/1", "1/1"]) for i, chrom in enumerate(chroms)]
    text = vcf_text(["S0", "S1"], rows).replace("\tv156\t", "\tv156\t").replace("chr1\t170\t", "chr1\t0000170\t")
    text = text.replace("chr1\t177\t", "chr1\t+177\t")  # int() reads a sign: left to the line-by-line scan
    path = tmp_path / "scan.vcf"
    path.write_text(text)
    wanted = _sites({"chr1": {100, 121, 170, 177, 176}, "chr2": {184, 212, 999}, "chr2x": {268}})
    fast = columnar.TextScan(path, str(path), wanted, ["S0", "S1"], ["S0"])
    found = _found(fast)
    monkeypatch.setattr(columnar.TextScan, "_same_chromosome", staticmethod(lambda *_: None))
    slow = columnar.TextScan(path, str(path), wanted, ["S0", "S1"], ["S0"])
    assert found == _found(slow)
    assert [(chrom, pos) for chrom, pos, *_ in found] == [
        ("chr1", 100),
        ("chr1", 121),
        ("chr1", 170),
        ("chr1", 177),
        ("chr2", 184),
        ("chr2", 212),
    ]
    assert fast.records_read == slow.records_read == len(rows)


def test_a_piece_of_one_chromosome_is_read_together() -> None:
    lines = b"chr1\t5\tx\nchr1\t0012\ty\nchr1\t12\tz\n"
    buffer = np.frombuffer(lines, dtype=np.uint8)
    ends = np.flatnonzero(buffer == 10)
    read = columnar.TextScan._same_chromosome(buffer, 0, ends, b"chr1", 5)
    assert read is not None
    assert read[1].tolist() == [5, 12, 12]
    assert [lines[i : i + 1] for i in read[0].tolist()] == [b"\t"] * 3
    assert columnar.TextScan._same_chromosome(buffer, 0, ends, b"chr1", 6) is None  # unsorted after the last piece
    assert columnar.TextScan._same_chromosome(buffer, 0, ends, b"chr", 1) is None
    for other in (b"chr1\t5\tx\nchr10\t6\ty\n", b"chr1\t5\tx\nchr1\t4\ty\n", b"chr1\t5\tx\n\n", b"chr1\t-5\tx\n"):
        buffer = np.frombuffer(other, dtype=np.uint8)
        assert columnar.TextScan._same_chromosome(buffer, 0, np.flatnonzero(buffer == 10), b"chr1", 1) is None


@pytest.mark.parametrize(("line", "message"), [("chr1\t150\t", "not sorted"), ("chr1\tx50\t", "is not a number")])
def test_a_broken_position_in_a_later_piece_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, message: str
) -> None:
    monkeypatch.setattr(columnar, "JOB_BYTES", 200)
    rows = [("chr1", 100 + 10 * i, "A", "G", "GT", ["0/1", "1/1"]) for i in range(40)]
    text = vcf_text(["S0", "S1"], rows).replace("chr1\t350\t", line)
    path = tmp_path / "late.vcf"
    path.write_text(text)
    scan = columnar.TextScan(path, str(path), _sites({"chr1": {100, 400}}), ["S0", "S1"], ["S0", "S1"])
    with pytest.raises(InputError) as raised:
        list(scan.blocks())
    assert message in raised.value.message
    assert raised.value.location == f"line {text.count(chr(10)) - len(rows) + 26}"  # the 26th record


def _copies(blocks: list[SiteBlock]) -> list[tuple[str, int, list[int]]]:
    return [(b.chrom[i], b.pos[i], b.copies([i], [1])[0].tolist()) for b in blocks for i in range(len(b))]


@pytest.mark.parametrize(("order", "line_end"), [("all", "\n"), ("subset", "\n"), ("reversed", "\r\n")])
def test_lines_the_inflating_child_decoded_are_its_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: str, line_end: str
) -> None:
    """Every piece waits until the inflating child has decoded all its lines it can (the child decodes while it
    waits for a slot), so the reader takes the child's rows wherever it can: the same ALT copies as the reader's own
    decoding, for fixed-width lines of two widths, missing and half calls, lines the child leaves (an allele 2, a
    multi-allelic line, a FORMAT without GT first, a wider column) and a line split between two slots."""
    rng = np.random.default_rng(5)
    names = [f"S{i}" for i in range(40)]
    calls = np.array(["0/0", "0/1", "1/1", "./.", "1|0", "./1", "0|."])
    rows: list[tuple[str, int, str, str, str, list[str]]] = []
    for i in range(120):
        line_calls = [str(c) for c in calls[rng.integers(0, len(calls), len(names))]]
        alt, form = "G", "GT"
        if i % 4 == 1:
            form, line_calls = "GT:DP", [f"{c}:{i % 10}" for c in line_calls]
        elif i % 17 == 3:
            line_calls[7] = "1/2"  # not biallelic after all: the piece is read as allele pairs
        elif i % 19 == 5:
            alt = "G,T"
        elif i % 23 == 7:
            line_calls[3] = "0/1:9"  # a wider column: not fixed-width
        rows.append(("chr1", 1000 + 2 * i, "A", alt, form, line_calls))
    text = vcf_text(names, rows).replace("\n", line_end).encode()
    path = tmp_path / "c.vcf.gz"
    path.write_bytes(bgzf_blocks(text, size=700))
    chosen = {"all": names, "subset": names[::3], "reversed": names[::-1]}[order]
    wanted = SiteSet.of_pairs(("chr1", pos) for _, pos, *_ in rows[::2] + rows[1::7])
    expected = _copies(list(columnar.TextScan(path, "c", wanted, names, chosen, threads=1, alt_counts=True).blocks()))

    chunks, taken = columnar.text_chunks, []
    region_lines = columnar.ChildDecoder(len(names)).lines(2000 // 4)

    def decoded_first(path: Path, label: str, threads: int = 1, focus: bytes | None = None) -> Iterator[columnar.Chunk]:
        for chunk in chunks(path, label, threads, focus):
            data, _, _, ends, _, decoded = chunk
            if isinstance(data, mmap.mmap):
                for _ in range(3000):  # the child decodes a held slot's lines as soon as it waits: within seconds
                    found = decoded()
                    if min(len(ends), region_lines) <= 1 or (
                        found is not None and found[2] == min(len(ends), region_lines)
                    ):
                        break
                    time.sleep(0.01)
            yield chunk

    from_child = columnar.TextScan._from_child

    def counted(self: columnar.TextScan, data: object, child: object, found: list) -> object:
        result = from_child(self, data, child, found)  # type: ignore[arg-type]
        if result is not None:
            taken.append(len(result[0]))
        return result

    monkeypatch.setattr(columnar, "text_chunks", decoded_first)
    monkeypatch.setattr(columnar.TextScan, "_from_child", counted)
    monkeypatch.setattr(tailormed_bgzf, "MIN_AHEAD_BYTES", 0)
    monkeypatch.setattr(tailormed_bgzf, "COHORT_SAMPLES", 1)
    with tailormed_bgzf.inflating(path, slot_bytes=2000, slots=3, decoder=columnar.ChildDecoder):
        scan = columnar.TextScan(path, "c", wanted, names, chosen, alt_counts=True)
        ours = _copies(list(scan.blocks()))
    assert ours == expected
    assert sum(taken) > len(expected) // 3  # most pieces' wanted lines came from the child


def test_the_childs_decoding_equals_the_readers() -> None:
    """A slot's lines decoded by :class:`ChildDecoder` into its region: rows equal to
    :func:`decode_fixed_alt_counts` for every sample, keys the lines' sample columns (or, left undecoded, their
    ends); once the reader has said which positions it wants, only lines at those."""
    lines = [b"##x\n", b"chr1\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\t./.\t1|1\n", b"chr1\t6\t.\tA\tG\t.\t.\t.\tDP\t1\t2\t3\n"]
    lines += [
        b"chr1\t7\t.\tA\tG\t.\t.\t.\tGT:DP\t0/1:3\t1/1:4\t./1:5\r\n",
        b"chr1\t8\t.\tA\tG\t.\t.\t.\tGT\t0/2\t0/0\t0/0\n",
    ]
    text = b"".join(lines)
    ring = mmap.mmap(-1, 4096)
    ring[: len(text)] = text
    ends = array("q", [i for i, byte in enumerate(text) if byte == 10])
    decoder = columnar.ChildDecoder(3)
    region = 2048
    decoder.decode(ring, ends, 1, len(ends), region, 1024)
    keys = np.frombuffer(ring, dtype=np.int64, count=1 + len(ends), offset=region).tolist()
    starts = [text.index(b"0/1\t./."), text.index(b"0/1:3")]
    assert keys == [3, ends[0], starts[0], ends[2], starts[1], ends[4]]
    rows = columnar.ChildDecoder.rows(ring, region, 1024, 3, len(ends))
    assert rows[1].tolist() == [1, 3, 2] and rows[3].tolist() == [1, 2, 3]
    del rows
    decoder.focus(np.array([2, 7, 9], dtype="<i8").tobytes())  # the positions the reader wants: not 5
    decoder.decode(ring, ends, 1, len(ends), region, 1024)
    keys = np.frombuffer(ring, dtype=np.int64, count=1 + len(ends), offset=region).tolist()
    assert keys == [3, ends[0], ends[1], ends[2], starts[1], ends[4]]
    ring.close()
