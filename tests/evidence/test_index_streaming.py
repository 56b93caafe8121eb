"""An index pass holds one record at a time: a region's records are handed on as htslib reads them, never listed, so
a pass over a cohort's whole chromosome does not keep every record's genotypes (memory flat in the records read)."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cyvcf2
import pytest

from tailormed.evidence import index as index_module
from tailormed.evidence import read as read_module
from tailormed.evidence import read_genomes
from tailormed.evidence import reader as reader_module
from tailormed.model.evidence import BuildLoci, GenomeRequest, ReadMode, gene_regions
from tailormed.model.genotype import GenomeBuild, Locus

CINECA = "risk/genotypes/cineca_synthetic_subset.GRCh37.chr22.vcf.gz"
G37 = GenomeBuild.GRCH37


class _CountingReader:
    """htslib's reader, counting the records its index queries have produced."""

    def __init__(self, reader: cyvcf2.VCF, produced: list[int]) -> None:
        self._reader = reader
        self._produced = produced

    def __call__(self, query: str) -> Iterator[cyvcf2.Variant]:
        for record in self._reader(query):
            self._produced[0] += 1
            yield record

    def __iter__(self) -> Iterator[cyvcf2.Variant]:
        return iter(self._reader)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def _whole_chromosome(path: Path) -> GenomeRequest:
    """Every record of the file as a knowledge locus, in one gene region spanning them all (one index query)."""
    with gzip.open(path, "rt") as handle:
        rows = [line.split("\t")[:5] for line in handle if not line.startswith("#")]
    loci = [
        Locus(chrom=f"chr{chrom}", pos=int(pos), ref=ref, alts=tuple(alt.split(",")), id=rsid)
        for chrom, pos, rsid, ref, alt in rows
    ]
    return GenomeRequest(loci={"test": {G37: BuildLoci(loci=loci, regions=gene_regions([("all", loci)]))}})


def test_an_index_pass_hands_each_record_on_before_reading_the_next(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "cineca.vcf.gz"
    shutil.copyfile(shared_data / CINECA, copy)
    request = _whole_chromosome(copy)
    streamed = read_genomes(copy, request, build=G37)
    produced = [0]
    ahead: list[int] = []  # at each record handed to the collectors: how many htslib had produced beyond it
    opened = reader_module._open_path
    monkeypatch.setattr(
        reader_module, "_open_path", lambda path, **how: _CountingReader(opened(path, **how), produced)
    )
    dispatch = read_module._Pass._dispatch

    def counted(self: Any, record: cyvcf2.Variant, chrom: str, where: str) -> None:
        ahead.append(produced[0] - len(ahead) - 1)
        dispatch(self, record, chrom, where)

    monkeypatch.setattr(read_module._Pass, "_dispatch", counted)
    monkeypatch.setattr(index_module, "MIN_BYTES", 0)  # a small file: let it be read through a temporary index
    monkeypatch.setattr(reader_module, "INDEX_QUERY_RATIO", 1.0)
    indexed = read_genomes(copy, request, build=G37)
    assert indexed.source.read is ReadMode.INDEX
    assert len(ahead) == produced[0] == streamed.source.records_read > 800  # every record read once, handed on
    assert max(ahead) == 0  # none read before the one before it was handed on: no region's records are kept
    for sample in streamed.samples[:5]:
        assert streamed.evidence(sample).genotypes == indexed.evidence(sample).genotypes


def test_a_record_two_regions_return_is_handed_on_once() -> None:
    """Regions out of order or overlapping (a region partition's range with the markers around it) are the ones
    whose records are remembered; a pass's own regions, in order and apart, remember none but those sticking out."""
    regions = [("22", 100, 200), ("22", 150, 300), ("1", 5, 10), ("1", 20, 30), ("2", 50, 60), ("2", 10, 20)]
    assert read_module._revisited(regions) == {("22", 100, 200), ("22", 150, 300), ("2", 50, 60), ("2", 10, 20)}
