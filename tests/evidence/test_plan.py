"""Compiled read plans (kept in memory and in a private cache folder) and absent sites kept compact: the evidence is
the same as a pass that compiles its request and writes one call per site."""

from __future__ import annotations

import gc
import gzip
import pickle
from pathlib import Path

import pytest

from tailormed.evidence import plan as plan_module
from tailormed.evidence import read_genomes
from tailormed.evidence.plan import PlanCache, compile_plan
from tailormed.model.evidence import AbsentPolicy, AbsentSites, BuildLoci, GenomeEvidence, GenomeRequest, gene_regions
from tailormed.model.genotype import CallSource, CallState, GenomeBuild, GenotypeCall, Locus

CINECA = "risk/genotypes/cineca_synthetic_subset.GRCh37.chr22.vcf.gz"
G37 = GenomeBuild.GRCH37


def _request(path: Path) -> GenomeRequest:
    """Every 25th record as a knowledge locus, two positions the file lacks (one inside a region without records)."""
    with gzip.open(path, "rt") as handle:
        rows = [line.split("\t")[:5] for line in handle if not line.startswith("#")]
    loci = [
        Locus(chrom=f"chr{chrom}", pos=int(pos), ref=ref, alts=tuple(alt.split(",")), id=rsid)
        for chrom, pos, rsid, ref, alt in rows[::25]
    ]
    loci += [
        Locus(chrom="chr22", pos=int(rows[3][1]) + 1, ref="A", alts=("G",)),
        Locus(chrom="chr22", pos=50_000_000, ref="C", alts=("T",)),
    ]
    regions = gene_regions([("early", loci[:3]), ("late", loci[-1:])])
    return GenomeRequest(loci={"test": {G37: BuildLoci(loci=loci, regions=regions)}})


def _evidence(path: Path, request: GenomeRequest, plans: PlanCache | None) -> list[GenomeEvidence]:
    batch = read_genomes(path, request, build=G37, absent=AbsentPolicy(absent_is_reference=True), plans=plans)
    return [batch.evidence(sample) for sample in batch.samples]


def test_a_plan_from_memory_or_the_cache_folder_gives_the_same_evidence(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = shared_data / CINECA
    request = _request(path)
    compiled = _evidence(path, request, None)
    cache = PlanCache(tmp_path / "plans")
    assert _evidence(path, request, cache) == compiled
    assert len(list((tmp_path / "plans").glob("*.pickle"))) == 1
    plan = cache.plan(request, [G37])
    before = pickle.dumps(plan)
    assert _evidence(path, request, cache) == compiled  # from memory
    assert pickle.dumps(plan) == before  # a pass never changes the plan it reads

    def refuse(*_: object) -> None:
        raise AssertionError("compiled again")

    monkeypatch.setattr(plan_module, "compile_plan", refuse)
    assert _evidence(path, request, PlanCache(tmp_path / "plans")) == compiled  # from disk, in a new cache
    absent = compiled[0].absent_sites["test"]
    assert [group.assumed_reference for group in absent] == [True, False]  # no record in the 'late' region
    assert len(compiled[0].calls("test")) == len({locus.key for locus in request.loci["test"][G37].loci})


def test_a_compiled_plan_loads_as_columns_not_an_object_per_site(shared_data: Path) -> None:
    """Loading a plan from the cache builds a handful of containers and one tuple per query region, however many
    sites it holds (so it is cheap, and leaves the cycle collector little to walk); lookups give the knowledge loci."""
    path = shared_data / CINECA
    with gzip.open(path, "rt") as handle:
        rows = [line.split("\t")[:5] for line in handle if not line.startswith("#")]
    loci = [Locus(chrom=f"chr{c}", pos=int(p), ref=r, alts=tuple(a.split(","))) for c, p, _, r, a in rows]
    request = GenomeRequest(loci={"test": {G37: BuildLoci(loci=loci)}})
    raw = pickle.dumps(compile_plan(request, [G37]), protocol=pickle.HIGHEST_PROTOCOL)
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        plan = pickle.loads(raw)
        made = len(gc.get_objects()) - before
    finally:
        gc.enable()
    sites = plan.loci[("test", G37)].sites
    assert len(sites) > 800 and made - len(plan.regions) < 50
    indel = next(locus for locus in loci if len(locus.ref) > 1 or any(len(alt) > 1 for alt in locus.alts))
    for locus in (loci[0], loci[-1], indel):
        (number,) = sites.for_record(locus.chrom, locus.pos, locus.ref, locus.alts)
        found = sites.site(number)
        assert (found.chrom, found.pos, found.ref, found.alts) == (locus.chrom, locus.pos, locus.ref, locus.alts)


def test_a_cache_folder_others_can_write_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    cache = PlanCache(folder)
    assert cache.folder is None
    request = GenomeRequest(loci={"test": {G37: BuildLoci(loci=[Locus(chrom="chr1", pos=5, ref="A", alts=("G",))])}})
    assert cache.plan(request, [G37]).regions == compile_plan(request, [G37]).regions == [("chr1", 5, 5)]
    assert not list(folder.iterdir())


def test_absent_sites_expand_to_one_call_per_site() -> None:
    assumed = AbsentSites(
        assumed_reference=True, sites={"chrX:100": "A", "chr1:5": "C"}, read_as={"chr1:5": "T"}, haploid=["chrX"]
    )
    absent = AbsentSites(sites={"chr2:7": "G"})
    given = {"source": CallSource.ASSUMED, "state": CallState.ASSUMED_REFERENCE}
    assert assumed.expand() == {
        "chrX:100": GenotypeCall(chrom="chrX", pos=100, ref="A", alleles=("A",), **given),
        "chr1:5": GenotypeCall(chrom="chr1", pos=5, ref="C", alleles=("T", "T"), **given),
    }
    assert absent.expand() == {"chr2:7": GenotypeCall(chrom="chr2", pos=7, ref="G", state=CallState.ABSENT)}


def test_evidence_files_with_a_call_for_every_site_still_read(shared_data: Path) -> None:
    path = shared_data / CINECA
    evidence = _evidence(path, _request(path), None)[0]
    again = GenomeEvidence.model_validate_json(evidence.model_dump_json())
    assert again == evidence and again.calls("test") == evidence.calls("test")
    written = evidence.model_dump(mode="json", exclude={"absent_sites"})
    written["genotypes"] = {"test": {k: v.model_dump(mode="json") for k, v in evidence.calls("test").items()}}
    old = GenomeEvidence.model_validate(written)
    assert old.calls("test") == evidence.calls("test")
    assert old.sample_genotypes("test") == evidence.sample_genotypes("test")
