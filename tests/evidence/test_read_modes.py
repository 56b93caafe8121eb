"""How a pass reads: a temporary index for a large unindexed file, and candidates without the whole file when they
cannot be weighed — each giving the same evidence as one stream."""

from __future__ import annotations

import gzip
import shutil
import struct
from pathlib import Path

import pytest

from tailormed.errors import InputError
from tailormed.evidence import index as index_module
from tailormed.evidence import read_genome, read_genomes
from tailormed.evidence import reader as reader_module
from tailormed.model.evidence import (
    AbsentPolicy,
    BuildLoci,
    CandidateRequest,
    DeclaredBy,
    GenomeRequest,
    ReadMode,
    gene_regions,
)
from tailormed.model.genotype import GenomeBuild, Locus

from ..conftest import bgzf_block, bgzf_blocks

CINECA = "risk/genotypes/cineca_synthetic_subset.GRCh37.chr22.vcf.gz"
G37 = GenomeBuild.GRCH37


def _request(path: Path) -> GenomeRequest:
    """Every 40th record of the file as a knowledge locus, a few that the file lacks, and one gene region each."""
    loci = []
    with gzip.open(path, "rt") as handle:
        rows = [line.split("\t")[:5] for line in handle if not line.startswith("#")]
    for chrom, pos, rsid, ref, alt in rows[::40]:
        loci.append(Locus(chrom=f"chr{chrom}", pos=int(pos), ref=ref, alts=tuple(alt.split(",")), id=rsid))
    loci.append(Locus(chrom="chr22", pos=int(rows[3][1]) + 1, ref="A", alts=("G",)))
    loci.append(Locus(chrom="chr22", pos=50_000_000, ref="C", alts=("T",)))
    regions = gene_regions([("early", loci[:3]), ("late", loci[-1:])])
    return GenomeRequest(loci={"test": {G37: BuildLoci(loci=loci, regions=regions)}})


def test_a_large_unindexed_file_is_read_through_a_temporary_index_with_the_same_evidence(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "cineca.vcf.gz"
    shutil.copyfile(shared_data / CINECA, copy)
    request = _request(copy)
    absent = AbsentPolicy(absent_is_reference=True, declared_by=DeclaredBy.COMMAND_LINE)
    streamed = read_genomes(copy, request, build=G37, absent=absent)
    monkeypatch.setattr(index_module, "MIN_BYTES", 0)  # the file is small: let it count as large
    monkeypatch.setattr(reader_module, "INDEX_QUERY_RATIO", 1.0)
    indexed = read_genomes(copy, request, build=G37, absent=absent)
    assert streamed.source.read is ReadMode.STREAM and indexed.source.read is ReadMode.INDEX
    assert not indexed.source.indexed  # the file has no index of its own
    assert indexed.source.records_read < streamed.source.records_read
    assert [p.name for p in tmp_path.iterdir()] == ["cineca.vcf.gz"]  # nothing written beside the input
    for sample in streamed.samples[:5]:
        one, other = streamed.evidence(sample), indexed.evidence(sample)
        assert one.genotypes == other.genotypes and one.absent_sites == other.absent_sites
        assert len(one.calls("test")) == len(request.loci["test"][G37].loci)
        assert one.coverage == other.coverage and one.warnings == other.warnings
        assert one.build == other.build


def test_a_file_htslib_cannot_index_is_streamed_and_refused_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=chr1,length=248956422>\n"
    header += '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    header += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
    body = "".join(f"chr1\t{pos}\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n" for pos in (100, 300, 200, 400))
    path = tmp_path / "unsorted.vcf.gz"
    path.write_bytes(bgzf_blocks((header + body).encode()))
    monkeypatch.setattr(index_module, "MIN_BYTES", 0)
    request = GenomeRequest(
        loci={"test": {GenomeBuild.GRCH38: BuildLoci(loci=[Locus(chrom="chr1", pos=400, ref="A", alts=("G",))])}}
    )
    with pytest.raises(InputError, match="not sorted") as raised:
        read_genome(path, request)
    assert raised.value.location == "line 8"


def test_an_indexed_file_is_queried_on_contigs_only_its_index_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """htslib is handed the file where no index sits beside it (so its header reader does not load the index only
    to drop it); the contigs the header lacks come from the index's first block, and the index is loaded once."""
    header = "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=chr1,length=248956422>\n"
    header += '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    header += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
    rows = [(chrom, pos) for chrom in ("chr1", "chr2") for pos in (100, 200)]
    body = "".join(f"{chrom}\t{pos}\t.\tA\tG\t.\tPASS\t.\tGT\t0/1\n" for chrom, pos in rows)
    path = tmp_path / "genome.vcf.gz"
    path.write_bytes(bgzf_blocks((header + body).encode()))
    htslib = index_module._htslib()
    assert htslib is not None
    assert htslib.tabix(bytes(path), bytes(tmp_path / "genome.vcf.gz.tbi"), 0, htslib.vcf_conf) == 0
    assert index_module.tabix_names(tmp_path / "genome.vcf.gz.tbi") == ["chr1", "chr2"]
    opened: list[str] = []
    real = reader_module.cyvcf2.VCF

    def watched(name: str, **options: object) -> object:
        opened.append(name)
        return real(name, **options)

    monkeypatch.setattr(reader_module.cyvcf2, "VCF", watched)
    monkeypatch.setattr(reader_module, "INDEX_QUERY_RATIO", 1.0)
    request = GenomeRequest(
        loci={"test": {GenomeBuild.GRCH38: BuildLoci(loci=[Locus(chrom="chr2", pos=200, ref="A", alts=("G",))])}}
    )
    evidence = read_genome(path, request)
    assert evidence.source.read is ReadMode.INDEX and evidence.source.indexed
    assert evidence.genotypes["test"]["chr2:200"].alleles == ("A", "G")
    assert len(opened) == 1 and not Path(opened[0] + ".tbi").exists() and Path(opened[0]).name == path.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["genome.vcf.gz", "genome.vcf.gz.tbi"]


def test_tabix_names_come_from_the_first_block_only(tmp_path: Path) -> None:
    names = b"chr1\0chr2\0"
    head = b"TBI\x01" + struct.pack("<8i", 2, 2, 1, 2, 0, ord("#"), 0, len(names)) + names
    index = tmp_path / "x.tbi"
    index.write_bytes(bgzf_block(head) + b"not a block")  # what follows the names is never read
    assert index_module.tabix_names(index) == ["chr1", "chr2"]
    index.write_bytes(bgzf_block(b"CSI\x01" + head[4:]))
    assert index_module.tabix_names(index) is None


PLAIN = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr3,length=198295559>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1
chr3\t1000\t.\tC\tT\t50\tPASS\t.\tGT\t0/1
chr3\t38550989\t.\tA\tG\t50\tPASS\t.\tGT\t0/1
chr3\t38550989\t.\tA\tC\t50\tPASS\t.\tGT\t0/1
chr3\t40000000\t.\tG\tA\t50\tPASS\t.\tGT\t1/1
"""


def test_candidates_without_an_annotation_are_read_at_the_known_positions_only(tmp_path: Path) -> None:
    path = tmp_path / "plain.vcf"
    path.write_text(PLAIN)
    known = frozenset({("chr3", 38550989, "A", "G")})
    evidence = read_genome(path, GenomeRequest(candidates=CandidateRequest(known=known)))
    scan = evidence.candidates
    assert scan is not None and not scan.whole_file and scan.annotation is None
    assert scan.records == 2  # the two records at the known position, not the whole file
    assert [(a.pos, a.alt) for a in scan.alleles] == [(38550989, "G")]
    assert scan.unannotated == 1  # A>C at the known position, which ClinVar does not list
    assert any("no consequence annotation" in w and "1 positions" in w for w in evidence.warnings)


def test_candidates_with_an_annotation_read_every_record(tmp_path: Path) -> None:
    csq = '##INFO=<ID=CSQ,Number=.,Type=String,Description="Format: Allele|Consequence|IMPACT|SYMBOL">\n'
    path = tmp_path / "annotated.vcf"
    path.write_text(PLAIN.replace("##FORMAT", csq + "##FORMAT", 1))
    evidence = read_genome(path, GenomeRequest(candidates=CandidateRequest(known=frozenset())))
    scan = evidence.candidates
    assert scan is not None and scan.whole_file and scan.annotation == "CSQ"
    assert scan.records == 4 and scan.unannotated == 4
    assert evidence.source.read is ReadMode.STREAM
    assert not any("consequence annotation" in w for w in evidence.warnings)
