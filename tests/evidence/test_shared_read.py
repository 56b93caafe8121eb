"""Blocks cut out of one pass over all their samples are the blocks their own passes read."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tailormed.errors import InputError
from tailormed.evidence import read_genomes
from tailormed.evidence.read import GenomeBatch, read_shared
from tailormed.model.dosage import SiteBlock, SiteGroup
from tailormed.model.evidence import AbsentPolicy, BuildLoci, DeclaredBy, GenomeRequest, ScoreSites
from tailormed.model.genotype import GenomeBuild, Locus

SAMPLES = [f"S{i}" for i in range(1, 9)]
HEADER = (
    "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=chr1,length=248956422>\n"
    "##contig=<ID=chrX,length=156040895>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(SAMPLES) + "\n"
)
ROWS = [
    # phased calls with phase sets and depths: each sample's row differs, so blocks have different distinct calls
    ("chr1", 100, "A", "C", "GT:DP:PS", "0|1:10:5", "1|0:12:5", "0/0:9:.", "1|1:30:7", "0/1:.:.", "0|0:8:5",
     "./.:.:.", "0/1:10:5"),
    # one position split in two records: S7 calls more ALT alleles than its ploidy (its block alone warns)
    ("chr1", 200, "A", "G", "GT", "0/1", "0/0", "0/0", "0/0", "0/0", "0/1", "1/1", "0/0"),
    ("chr1", 200, "A", "T", "GT", "0/0", "0/0", "0/1", "0/0", "0/0", "0/0", "0/1", "0/0"),
    # a REF that disagrees with the site's
    ("chr1", 300, "G", "C", "GT", "0/1", "0/0", "0/0", "0/0", "0/0", "0/0", "0/0", "0/0"),
    # chrX: the first four haploid, the last four diploid (htslib pads a mixed block's haploid calls)
    ("chrX", 500, "C", "T", "GT", "0", "1", ".", "0", "0/1", "1/1", "0/0", "./."),
]
SITES = [
    Locus(chrom="chr1", pos=100, ref="A", alts=("C",)),
    Locus(chrom="chr1", pos=200, ref="A", alts=("G", "T")),
    Locus(chrom="chr1", pos=300, ref="A", alts=("C",)),
    Locus(chrom="chrX", pos=500, ref="C", alts=("T",)),
    Locus(chrom="chrX", pos=700, ref="G", alts=("A",)),  # no record: assumed reference, haploid where the file shows
]
BLOCKS = [SAMPLES[:4], SAMPLES[4:], ["S2", "S3", "S6"], ["S7", "S8"], SAMPLES]


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    path = tmp_path / "cohort.vcf"
    lines = ["\t".join([chrom, str(pos), ".", ref, alt, ".", "PASS", ".", *rest]) for chrom, pos, ref, alt, *rest
             in ROWS]  # fmt: skip
    path.write_text(HEADER + "\n".join(lines) + "\n")
    return path


def _same(cut: GenomeBatch, alone: GenomeBatch) -> None:
    assert cut.samples == alone.samples
    assert cut.build == alone.build and cut.source == alone.source
    assert cut.warnings == alone.warnings and cut.ref_mismatches == alone.ref_mismatches
    for sample in alone.samples:
        assert cut.evidence(sample) == alone.evidence(sample)
    mine, theirs = cut.call_columns("test"), alone.call_columns("test")
    assert mine is not None and theirs is not None
    assert list(mine.columns) == list(theirs.columns)
    for key, column in theirs.columns.items():
        assert mine.columns[key].calls == column.calls, key
        assert mine.columns[key].codes.tolist() == column.codes.tolist(), key


@pytest.mark.parametrize("assume", [False, True])
def test_each_block_cut_out_of_a_shared_pass_is_the_block_its_own_pass_reads(cohort: Path, assume: bool) -> None:
    request = GenomeRequest(loci={"test": {GenomeBuild.GRCH38: BuildLoci(loci=SITES)}})
    absent = AbsentPolicy(absent_is_reference=assume, declared_by=DeclaredBy.COMMAND_LINE) if assume else None
    shared = read_shared(cohort, request, SAMPLES, absent=absent)
    for block in BLOCKS:
        cut = shared.batch(block)
        _same(cut, read_genomes(cohort, request, samples=block, absent=absent))
    warned = [BLOCKS.index(block) for block in BLOCKS if shared.batch(block).warnings]
    assert warned == [1, 3, 4]  # the blocks holding S7's conflicting calls
    calls, codes = shared.batch(SAMPLES[:4]).genotypes["test"].by_site()[SITES[0].key]
    everyone, _ = shared.batch(SAMPLES).genotypes["test"].by_site()[SITES[0].key]
    assert len(everyone) == 8 and len(calls) == 4 and sorted(np.asarray(codes).tolist()) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="not in this pass: S9"):
        shared.batch(["S1", "S9"])


class _Kept:
    """A score sink that keeps what it is handed: each record's position and every sample's allele pair."""

    def __init__(self, build: GenomeBuild, samples: Sequence[str]) -> None:
        self.samples = list(samples)
        self.records: list[tuple[str, int, str, list[list[int]]]] = []

    def add(self, group: SiteGroup) -> None:
        self.records += [(r.chrom, r.pos, r.ref, r.alleles.tolist()) for r in group.records]

    def add_block(self, block: SiteBlock) -> None:
        for index in range(len(block)):
            self.add(SiteGroup(chrom=block.chrom[index], pos=int(block.pos[index]), records=(block.record(index),)))


def test_a_shared_pass_hands_every_samples_score_sites_to_its_sink_once(cohort: Path) -> None:
    """Scores are summed as read: the pass hands each score position's records, for all its samples, to the sink
    once (the last position too), and each block's rows of them are what the block's own pass hands over."""
    positions = ScoreSites.at([("chr1", 100), ("chr1", 200)])
    request = GenomeRequest(loci={"test": {GenomeBuild.GRCH38: BuildLoci(loci=SITES)}},
                            scores={GenomeBuild.GRCH38: positions})  # fmt: skip
    sinks: list[_Kept] = []

    def keep(build: GenomeBuild, samples: Sequence[str]) -> _Kept:
        sinks.append(_Kept(build, samples))
        return sinks[-1]

    shared = read_shared(cohort, request, SAMPLES, score_sink=keep)
    assert len(sinks) == 1 and sinks[0].samples == SAMPLES
    assert [(chrom, pos, ref) for chrom, pos, ref, _ in sinks[0].records] == [
        ("chr1", 100, "A"), ("chr1", 200, "A"), ("chr1", 200, "A")]  # fmt: skip
    everyone = sinks[0].records
    for block in BLOCKS:
        sinks.clear()
        alone = read_genomes(cohort, request, samples=block, score_sink=keep)
        rows = [SAMPLES.index(sample) for sample in alone.samples]
        assert sinks[0].records == [(c, p, r, [alleles[row] for row in rows]) for c, p, r, alleles in everyone]
        _same(shared.batch(block), alone)
    with pytest.raises(ValueError, match="score positions only through a score sink"):
        read_shared(cohort, request, SAMPLES)


def test_a_shared_pass_refuses_reference_mismatches_as_each_blocks_pass_does(tmp_path: Path) -> None:
    """Three knowledge sites whose REF is not the file's: the shared pass stops as a block's own pass does."""
    path = tmp_path / "wrong.vcf"
    rows = [f"chr1\t{pos}\t.\tG\tC\t.\tPASS\t.\tGT:DP:PS" + "\t0/1:5:." * len(SAMPLES) for pos in (100, 200, 300)]
    path.write_text(HEADER + "\n".join(rows) + "\n")
    request = GenomeRequest(loci={"test": {GenomeBuild.GRCH38: BuildLoci(loci=SITES)}})
    with pytest.raises(InputError) as alone:
        read_genomes(path, request, samples=SAMPLES[:4])
    with pytest.raises(InputError) as shared:
        read_shared(path, request, SAMPLES)
    assert "REF bases disagree with the knowledge at 3 sites" in str(alone.value)
    assert str(shared.value) == str(alone.value)


def test_a_call_of_one_allele_reads_alike_every_time(cohort: Path) -> None:
    """cyvcf2 gives a haploid call's phased flag from memory past the call when every selected sample is haploid
    (about one read in fifteen set it here): the reader gives it as unphased, every time, whatever else is read."""
    from tailormed.evidence import open_vcf

    seen = set()
    for turn in range(200):
        with open_vcf(cohort) as vcf:
            vcf.select_samples(SAMPLES[:4] if turn % 2 else SAMPLES)
            for record in vcf.records():
                if record.CHROM == "chrX":
                    gt = vcf.genotypes(record, "here")
                    seen.add((gt.shape[1], tuple(gt[:4, -1].tolist())))
    assert seen == {(2, (0, 0, 0, 0)), (3, (0, 0, 0, 0))}


def test_a_shared_pass_keeps_each_sites_codes_once_and_lets_the_records_genotypes_go(cohort: Path) -> None:
    """Once the pass is over, each read site's codes are its row of the pass's code table (one byte per sample, held
    once) and its records' genotype arrays are let go; every block is still cut as its own pass reads it."""
    request = GenomeRequest(loci={"test": {GenomeBuild.GRCH38: BuildLoci(loci=SITES)}})
    shared = read_shared(cohort, request, SAMPLES)
    collector = shared._reading.loci["test", GenomeBuild.GRCH38]
    table = collector.code_table()
    assert table.codes.dtype == np.uint8 and table.codes.shape == (len(table.numbers), len(SAMPLES))
    for row, number in enumerate(table.numbers):
        codes = collector.site_rows(number).codes
        assert np.shares_memory(codes, table.codes) and codes.tolist() == table.codes[row].tolist()
    records = [record for found in (*collector.records.values(), *collector.blocks.values()) for record in found]
    assert records and all(record.gt.size == 0 and record.depth is None for record in records)
    unread = next(number for number in range(len(SITES)) if number not in table.numbers)
    with pytest.raises(RuntimeError, match="released"):
        collector.site_rows(unread)
    for block in BLOCKS:
        alone = read_genomes(cohort, request, samples=block)
        _same(shared.batch(block), alone)
        kept = [r for found in alone.collected["test"].records.values() for r in found]  # a block's own pass too
        assert kept and all(record.gt.size == 0 for record in kept)


def test_genotypes_are_kept_as_bytes_unless_an_allele_index_needs_more(tmp_path: Path) -> None:
    """A record's genotypes take one byte per allele while its ALT count fits in one, two bytes past that, and the
    calls are the same either way (here allele 130 of 130)."""
    from tailormed.evidence import open_vcf
    from tailormed.evidence.genotypes import Decoder

    alts = ["A" * (i + 2) for i in range(130)]
    path = tmp_path / "many.vcf"
    path.write_text(HEADER + "\n".join([
        "\t".join(["chr1", "100", ".", "A", "C", ".", "PASS", ".", "GT", *(["0/1"] * len(SAMPLES))]),
        "\t".join(["chr1", "200", ".", "A", ",".join(alts), ".", "PASS", ".", "GT", *(["0/130"] * len(SAMPLES))]),
    ]) + "\n")  # fmt: skip
    with open_vcf(path) as vcf:
        decoder = Decoder(vcf)
        found = [decoder.decode(record, "chr1", tuple(record.ALT), f"line {line}")
                 for line, record in enumerate(vcf.records())]  # fmt: skip
    assert [(r.gt.dtype, r.gt[0, :2].tolist()) for r in found if r is not None] == [
        (np.int8, [0, 1]), (np.int16, [0, 130])]  # fmt: skip
    site = Locus(chrom="chr1", pos=200, ref="A", alts=(alts[-1],))
    request = GenomeRequest(loci={"test": {GenomeBuild.GRCH38: BuildLoci(loci=[site])}})
    call = read_genomes(path, request, samples=["S1"]).evidence("S1").genotypes["test"][site.key]
    assert call.alleles == ("A", alts[-1])
