"""Genotypes at knowledge sites from one reading pass, checked against what the files themselves say."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tailormed.errors import InputError
from tailormed.evidence import GenomeBatch, open_vcf
from tailormed.evidence import reader as reader_module
from tailormed.model.evidence import ReadMode
from tailormed.model.genotype import BuildSource, CallSource, CallState, GenomeBuild, Locus, SampleGenotypes

Extract = Callable[..., dict[str, SampleGenotypes]]
Batch = Callable[..., GenomeBatch]

G37, G38 = GenomeBuild.GRCH37, GenomeBuild.GRCH38
TINY = "risk/genotypes/tiny1000G.GRCh38.PGS001229_sites.vcf.gz"
CINECA = "risk/genotypes/cineca_synthetic_subset.GRCh37.chr22.vcf.gz"


def _positions_loci(shared_data: Path) -> list[Locus]:
    """Knowledge sites from PharmCAT's positions file (its representation is the knowledge's)."""
    loci = []
    for line in (shared_data / "pgx/pharmcat/pharmcat_positions.vcf").read_text().splitlines():
        if not line.startswith("#"):
            chrom, pos, rsid, ref, alt = line.split("\t")[:5]
            alts = tuple(a for a in alt.split(",") if a != ".")
            loci.append(Locus(chrom=chrom, pos=int(pos), ref=ref, alts=alts, id=rsid))
    return loci


def _zgrep(path: Path, chrom: str, pos: int) -> list[str]:
    with gzip.open(path, "rt") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if not line.startswith("#") and fields[0] == chrom and fields[1] == str(pos):
                return fields
    raise AssertionError(f"{chrom}:{pos} not in {path}")


def test_pharmcat_example2(shared_data: Path, extract: Extract) -> None:
    loci = _positions_loci(shared_data)
    result = extract(shared_data / "pgx/pharmcat/examples/pharmcat.example2.vcf", loci)
    sample = result["Sample_2"]
    assert sample.build.build is G38 and sample.build.source is BuildSource.CONTIG_ASSEMBLY
    states = [call.state for call in sample.calls.values()]
    assert len(states) == 1202
    assert states.count(CallState.VARIANT) == 5 and states.count(CallState.REFERENCE) == 1197
    # The file has rs4244285 (CYP2C19*2) 1/1 and rs3745274 (CYP2B6) 0/1.
    assert sample.calls["chr10:94781859"].alleles == ("A", "A")
    assert sample.calls["chr19:41006936"].alleles == ("G", "T")
    ugt = sample.calls["chr2:233760233"]
    assert ugt.state is CallState.REFERENCE and ugt.alleles == ("CAT", "CAT") and not ugt.phased


def test_pharmcat_duplicate_identical_records_are_read_once(shared_data: Path, extract: Extract) -> None:
    # s24s24.vcf repeats chr10:94949281 GA>G (once with an empty QUAL); identical genotypes are not an error.
    path = shared_data / "pgx/pharmcat/tests/vcf/cyp2c9/s24s24.vcf"
    site = Locus(chrom="chr10", pos=94949281, ref="GA", alts=("G",))
    call = extract(path, [site])["NA12878"].calls[site.key]
    assert call.state is CallState.REFERENCE and call.alleles == ("GA", "GA")


def test_tiny1000g_phased_haploid_and_no_chr_prefix(shared_data: Path, extract: Extract) -> None:
    path = shared_data / TINY
    auto = Locus(chrom="chr10", pos=418379, ref="G", alts=("A",))
    chrx = Locus(chrom="chrX", pos=3351938, ref="T", alts=("C",))
    result = extract(path, [auto, chrx], build=G38, samples=["HG00096", "HG00097", "HG00100"])
    assert set(result) == {"HG00096", "HG00097", "HG00100"}
    fields = _zgrep(path, "10", 418379)
    with open_vcf(path) as vcf:
        column = {name: 9 + i for i, name in enumerate(vcf.samples)}
    assert [fields[column[s]] for s in ("HG00096", "HG00097", "HG00100")] == ["0|1", "0|1", "1|0"]
    assert result["HG00096"].calls[auto.key].alleles == ("G", "A")
    assert result["HG00100"].calls[auto.key].alleles == ("A", "G")
    assert result["HG00100"].calls[auto.key].phased
    male = result["HG00096"].calls[chrx.key]  # haploid '0'
    assert male.alleles == ("T",) and male.state is CallState.REFERENCE and not male.phased
    assert result["HG00097"].calls[chrx.key].alleles == ("C", "T")
    assert result["HG00096"].build.source is BuildSource.USER


def test_index_queries_and_streaming_agree(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, extract: Extract, batch: Batch
) -> None:
    path = shared_data / TINY
    loci = [Locus(chrom="chr10", pos=418379, ref="G", alts=("A",)), Locus(chrom="chrX", pos=6738314, ref="G")]
    samples = ["HG00096", "HG00099", "NA12878"]
    with open_vcf(path) as vcf:
        assert vcf.indexed and vcf.prefers_index(2)
    assert batch(path, loci, build=G38, samples=samples).source.read is ReadMode.INDEX
    indexed = extract(path, loci, build=G38, samples=samples)
    monkeypatch.setattr(reader_module, "INDEX_QUERY_RATIO", 0.0)
    assert batch(path, loci, build=G38, samples=samples).source.read is ReadMode.STREAM
    streamed = extract(path, loci, build=G38, samples=samples)
    assert indexed == streamed
    fields = _zgrep(path, "X", 6738314)
    with open_vcf(path) as vcf:
        genotype = fields[9 + vcf.samples.index("NA12878")]
    assert genotype == "0|0"
    assert indexed["NA12878"].calls["chrX:6738314"].alleles == ("G", "G")
    assert indexed["HG00096"].calls["chrX:6738314"].alleles == ("G",)  # haploid male (first column '0')


def test_cineca_missing_genotype_and_build_check(shared_data: Path, extract: Extract, batch: Batch) -> None:
    path = shared_data / CINECA
    site = Locus(chrom="chr22", pos=44759519, ref="G", alts=("A",), id="rs9614823")
    samples = ["HG00097_HG00097", "HG00099_HG00099", "HG00100_HG00100"]
    result = extract(path, [site], loci_build=G37, build=G37, samples=samples)
    assert [result[s].calls[site.key].state for s in samples] == [
        CallState.VARIANT,
        CallState.NO_CALL,
        CallState.VARIANT,
    ]
    assert result["HG00099_HG00099"].calls[site.key].alleles == (None, None)
    assert result["HG00100_HG00100"].calls[site.key].alleles == ("A", "A")
    other_build = batch(path, [site], build=G37)  # loci known in GRCh38 only: this consumer gets nothing
    assert other_build.genotypes == {}
    assert other_build.warnings == ["test: the knowledge has GRCh38 positions only; the VCF is GRCh37"]


def test_cineca_without_build_information_names_the_fix(shared_data: Path, extract: Extract) -> None:
    site = Locus(chrom="chr22", pos=44759519, ref="G", alts=("A",))
    with pytest.raises(InputError, match="pass --build") as caught:
        extract(shared_data / CINECA, [site], loci_build=G37)
    assert CINECA.split("/")[-1] in str(caught.value)


def test_pcgr_tumour_vcf(shared_data: Path, extract: Extract) -> None:
    path = shared_data / "onco/pcgr_examples/T001-BRCA.grch38.vcf.gz"
    fields = _zgrep(path, "1", 1968826)
    site = Locus(chrom="chr1", pos=1968826, ref=fields[3], alts=(fields[4],))
    (sample,) = extract(path, [site], build=G38).values()
    call = sample.calls[site.key]
    assert call.alleles == ("C", "T") and call.state is CallState.VARIANT and call.filter is None


# --- synthetic files for the rules no shared file exercises -------------------------------------------------------

HEADER = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr1,length=248956422>
##contig=<ID=chrM,length=16569>
##INFO=<ID=END,Number=1,Type=Integer,Description="End">
##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">
##FILTER=<ID=q10,Description="Low quality">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3
"""


def _write(tmp_path: Path, body: str, name: str = "x.vcf") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body.replace("|TAB|", "\t"))
    return path


def _row(*fields: object) -> str:
    return "\t".join(str(f) for f in fields) + "\n"


def test_split_multiallelic_records_are_merged(tmp_path: Path, extract: Extract) -> None:
    body = _row("chr1", 100, ".", "A", "G", 50, "PASS", ".", "GT:DP", "1/0:20", "0/0:30", "0/1:12") + _row(
        "chr1", 100, ".", "A", "T", 40, "q10", ".", "GT:DP", "0/1:20", "0/1:30", "./.:12"
    )
    site = Locus(chrom="chr1", pos=100, ref="A", alts=("G", "T"))
    result = extract(_write(tmp_path, body), [site])
    s1, s2, s3 = (result[s].calls[site.key] for s in ("S1", "S2", "S3"))
    assert sorted(s1.alleles) == ["G", "T"] and s1.state is CallState.VARIANT  # a 1/2 split by bcftools norm -m-
    assert s2.alleles == ("A", "T")
    assert s3.state is CallState.PARTIAL and set(s3.alleles) == {None, "G"}
    assert (s1.filter, s1.quality, s1.depth) == ("q10", 40.0, 20)


def test_indel_representations_and_other_alts(tmp_path: Path, extract: Extract) -> None:
    body = _row("chr1", 200, ".", "ATT", "AT,ATTT", ".", ".", ".", "GT", "0/1", "1/2", "0/0")
    site = Locus(chrom="chr1", pos=200, ref="AT", alts=("A",))
    result = extract(_write(tmp_path, body), [site])
    assert result["S1"].calls[site.key].alleles == ("AT", "A")
    assert result["S2"].calls[site.key].alleles == ("A", "ATT")  # ATTT is another ALT: actual sequence, no match
    assert result["S3"].calls[site.key].state is CallState.REFERENCE


def test_left_padded_insertion_found_at_another_position(tmp_path: Path, extract: Extract) -> None:
    body = _row("chr1", 299, ".", "CT", "CTA", ".", ".", ".", "GT", "0/1", "1/1", "0/0")
    site = Locus(chrom="chr1", pos=300, ref="T", alts=("TA",))
    calls = {s: g.calls[site.key] for s, g in extract(_write(tmp_path, body), [site]).items()}
    assert calls["S1"].alleles == ("T", "TA") and calls["S2"].alleles == ("TA", "TA")
    assert calls["S3"].state is CallState.REFERENCE


def test_gvcf_blocks_no_call_blocks_and_absent_sites(tmp_path: Path, extract: Extract) -> None:
    body = _row("chr1", 1000, ".", "G", "<NON_REF>", ".", ".", "END=2000", "GT:DP", "0/0:31", "./.:0", "0/0:8")
    body += _row("chr1", 1500, ".", "C", "T,<NON_REF>", 99, "PASS", ".", "GT:DP", "0/1:30", "0/0:1", "1/1:9")
    inside = Locus(chrom="chr1", pos=1200, ref="A", alts=("G",))
    variant = Locus(chrom="chr1", pos=1500, ref="C", alts=("T",))
    outside = Locus(chrom="chr1", pos=5000, ref="C", alts=("T",))
    path = _write(tmp_path, body)
    result = extract(path, [inside, variant, outside])
    block = result["S1"].calls[inside.key]
    assert (block.state, block.source, block.alleles, block.depth) == (
        CallState.REFERENCE,
        CallSource.GVCF_BLOCK,
        ("A", "A"),
        31,
    )
    assert result["S2"].calls[inside.key].state is CallState.NO_CALL
    assert result["S1"].calls[variant.key].alleles == ("C", "T")  # the variant record wins over the block
    assert result["S1"].calls[outside.key].state is CallState.ABSENT and not result["S1"].absent_is_reference
    assumed = extract(path, [outside], absent_is_reference=True)["S1"]
    call = assumed.calls[outside.key]
    assert (call.state, call.source, call.alleles) == (CallState.ASSUMED_REFERENCE, CallSource.ASSUMED, ("C", "C"))
    assert assumed.absent_is_reference


def test_phase_sets_haploid_chrm_and_partial(tmp_path: Path, extract: Extract) -> None:
    body = _row("chr1", 10, ".", "A", "C", ".", ".", ".", "GT:PS", "0|1:777", "1|0:.", "0/.:.")
    body += _row("chrM", 73, ".", "A", "G", ".", ".", ".", "GT", "1", "0", ".")
    snv = Locus(chrom="chr1", pos=10, ref="A", alts=("C",))
    mito = Locus(chrom="chrM", pos=73, ref="A", alts=("G",))
    result = extract(_write(tmp_path, body), [snv, mito])
    first = result["S1"].calls[snv.key]
    assert first.phased and first.phase_set == 777 and first.alleles == ("A", "C")
    assert result["S2"].calls[snv.key].phase_set is None and result["S2"].calls[snv.key].phased
    assert result["S3"].calls[snv.key].state is CallState.PARTIAL
    assert result["S1"].calls[mito.key].alleles == ("G",)
    assert result["S3"].calls[mito.key].state is CallState.NO_CALL


def test_ref_mismatch_is_never_a_match(tmp_path: Path, extract: Extract, batch: Batch) -> None:
    body = _row("chr1", 10, ".", "T", "C", ".", ".", ".", "GT", "0/1", "0/0", "1/1")
    body += _row("chr1", 20, ".", "GTT", "G", ".", ".", ".", "GT", "0/1", "0/0", "1/1")
    swapped = Locus(chrom="chr1", pos=10, ref="C", alts=("T",))
    conflict = Locus(chrom="chr1", pos=20, ref="CT", alts=("C",))
    path = _write(tmp_path, body)
    result = extract(path, [swapped, conflict])["S2"]
    # The VCF's REF T is the knowledge's ALT: reading it as "T/T" would report the variant. It is not a call.
    assert result.calls[swapped.key].state is CallState.NO_CALL and result.calls[swapped.key].alleles == (None, None)
    assert result.calls[conflict.key].state is CallState.NO_CALL
    assert any("chr1:10" in w for w in result.warnings) and any("chr1:20" in w for w in result.warnings)
    found = batch(path, [swapped, conflict]).ref_mismatches
    assert [(m.key, m.vcf_ref, m.knowledge_ref, m.where) for m in found] == [
        ("chr1:10", "T", "C", "line 12"),
        ("chr1:20", "GTT", "CT", "line 13"),
    ]


def test_bgzipped_copy_and_progress(shared_data: Path, tmp_path: Path, extract: Extract) -> None:
    copy = tmp_path / "cineca.vcf.gz"
    shutil.copyfile(shared_data / CINECA, copy)
    seen: list[int] = []
    site = Locus(chrom="chr22", pos=17080378, ref="G", alts=("A",))
    result = extract(copy, [site], loci_build=G37, build=G37, samples=["HG00099_HG00099"], on_progress=seen.append)
    assert sum(seen) == 829
    assert result["HG00099_HG00099"].calls[site.key].alleles == ("G", "A")  # third sample column is 0/1


def test_snv_and_indel_at_one_position_share_one_site(tmp_path: Path, extract: Extract) -> None:
    body = _row("chr1", 400, ".", "C", "T", ".", ".", ".", "GT", "0/1", "0/0", "0/0")
    body += _row("chr1", 400, ".", "CAT", "C", ".", ".", ".", "GT", "0/0", "0/1", "0/0")
    snv = Locus(chrom="chr1", pos=400, ref="C", alts=("T",))
    deletion = Locus(chrom="chr1", pos=400, ref="CAT", alts=("C",))
    result = extract(_write(tmp_path, body), [snv, deletion])
    assert result["S1"].calls[snv.key].ref == "CAT"
    assert result["S1"].calls[snv.key].alleles == ("CAT", "TAT")
    assert result["S2"].calls[snv.key].alleles == ("CAT", "C")
    assert result["S3"].calls[snv.key].state is CallState.REFERENCE


def test_calls_filed_under_another_builds_locus_are_made_once_per_distinct_call(shared_data: Path) -> None:
    """A GRCh37 read filed under the GRCh38 definition positions: each distinct call of a site is refiled once and
    shared by the samples that have it, and a sample's mapping is built only when asked for (2,504 samples here)."""
    from tailormed.evidence import read_genomes
    from tailormed.model.evidence import BuildLoci, GenomeRequest

    read37 = Locus(chrom="chr22", pos=44759519, ref="G", alts=("A",), id="rs9614823")
    filed38 = Locus(chrom="chr22", pos=44363639, ref="G", alts=("A",), id="rs9614823")
    request = GenomeRequest(loci={"pgx": {G37: BuildLoci(loci=[read37], report_as={read37.key: filed38})}})
    batch = read_genomes(shared_data / CINECA, request, build=G37)
    calls = batch.genotypes["pgx"]
    assert len(calls) == len(batch.samples) == 2504
    mine = [calls[i][filed38.key] for i in range(len(calls))]
    assert {call.pos for call in mine} == {filed38.pos} and read37.key not in calls[0]
    assert len({id(call) for call in mine}) == len({(c.state, c.alleles, c.phased) for c in mine}) < 10
    assert batch.evidence(batch.samples[7]).genotypes["pgx"] == calls[7] == calls[7 - len(calls)]
    with pytest.raises(IndexError):
        calls[len(calls)]


def test_each_sample_gets_its_own_calls_whatever_its_name_resembles_or_the_order_asked(
    tmp_path: Path, batch: Batch
) -> None:
    names = ("NA1", "NA10", "na1", "NA1.1", "1")
    genotypes = ("0/0", "0/1", "1/1", "./.", "1|0")
    header = HEADER.replace("\tS1\tS2\tS3\n", "\t" + "\t".join(names) + "\n")
    path = tmp_path / "names.vcf"
    path.write_text(header + _row("chr1", 10, ".", "A", "C", ".", ".", ".", "GT", *genotypes))
    site = Locus(chrom="chr1", pos=10, ref="A", alts=("C",))
    truth = {"0/0": ("A", "A"), "0/1": ("A", "C"), "1/1": ("C", "C"), "./.": (None, None), "1|0": ("C", "A")}
    wanted = ["1", "na1", "NA10"]  # a subset, asked in reverse file order
    found = batch(path, [site], samples=wanted)
    assert found.samples == ["NA10", "na1", "1"]  # file order
    for name in reversed(found.samples):
        calls = found.evidence(name).sample_genotypes("test")
        assert calls.sample == name
        assert calls.calls[site.key].alleles == truth[genotypes[names.index(name)]]
    with pytest.raises(ValueError, match="'NA1' is not among this pass's 3 samples"):
        found.evidence("NA1")


def test_a_blocks_columns_are_the_calls_its_evidence_gives_worked_out_once_per_site(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-sample evidence and a block's columns take each read site's calls from one working-out per pass: the
    columns hold the very call objects each sample's evidence gives, filed under the knowledge locus, and no site's
    records are turned into calls twice (2,504 samples, one site refiled from GRCh37)."""
    from tailormed.evidence import genotypes, read_genomes
    from tailormed.model.evidence import BuildLoci, GenomeRequest

    sites = [
        Locus(chrom="chr22", pos=17080378, ref="G", alts=("A",)),
        Locus(chrom="chr22", pos=21075537, ref="A", alts=("C",)),
        Locus(chrom="chr22", pos=44759519, ref="G", alts=("A",)),
        Locus(chrom="chr22", pos=1000, ref="A", alts=("C",)),  # no record
    ]
    filed = Locus(chrom="chr22", pos=44363639, ref="G", alts=("A",))
    worked: list[int] = []
    original = genotypes.site_call_codes
    monkeypatch.setattr(genotypes, "site_call_codes", lambda *a: worked.append(1) or original(*a))
    loci = BuildLoci(loci=sites, report_as={sites[2].key: filed})
    batch = read_genomes(shared_data / CINECA, GenomeRequest(loci={"pgx": {G37: loci}}), build=G37)
    columns = batch.call_columns("pgx")
    assert columns is not None and len(columns.samples) == 2504
    assert set(columns.columns) == {sites[0].key, sites[1].key, filed.key, sites[3].key}
    for index in (0, 7, 2503):
        mine = batch.evidence(batch.samples[index]).genotypes["pgx"]
        assert set(mine) == {sites[0].key, sites[1].key, filed.key}
        for key, call in mine.items():
            column = columns.columns[key]
            assert column.calls[int(column.codes[index])] is call
    assert mine[filed.key].pos == filed.pos
    assert len(worked) == 3
    assert batch.call_columns("pgx") is not None and len(worked) == 3
