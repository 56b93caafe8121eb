"""PGx calling speed: per-sample latency on a single-sample VCF, throughput on a synthetic cohort.

Reading (one pass over the VCF for all samples) and matching (every gene per sample) are timed separately;
the cohort comes from ``make_pgx_cohort.py``.

    python benchmarks/pgx_bench.py --kb KB_DIR --single VCF --cohort cohort.vcf
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from tailormed.engines.pgx.matcher import match_all
from tailormed.evidence import read_genomes
from tailormed.knowledge.bundle import load_bundle
from tailormed.knowledge.pgx.definitions import load_definitions
from tailormed.model.evidence import BuildLoci, GenomeRequest
from tailormed.model.genotype import GenomeBuild, SampleGenotypes


def read_samples(path: Path, request: GenomeRequest) -> list[SampleGenotypes]:
    batch = read_genomes(path, request, build=GenomeBuild.GRCH38)
    return [batch.evidence(name).sample_genotypes("pgx") for name in batch.samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--single", type=Path, required=True, help="single-sample GRCh38 VCF")
    parser.add_argument("--cohort", type=Path, required=True, help="multi-sample VCF from make_pgx_cohort.py")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    definitions = load_definitions(load_bundle(args.kb))
    loci = [locus for d in definitions.values() for locus in d.loci()]
    request = GenomeRequest(loci={"pgx": {GenomeBuild.GRCH38: BuildLoci(loci=loci)}})

    latencies = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for genotypes in read_samples(args.single, request):
            match_all(definitions, genotypes)
        latencies.append(time.perf_counter() - start)
    print(
        f"single sample ({args.single.name}): median {statistics.median(latencies) * 1000:.1f} ms "
        f"(read + {len(definitions)} genes), min {min(latencies) * 1000:.1f} ms"
    )

    start = time.perf_counter()
    cohort = read_samples(args.cohort, request)
    read = time.perf_counter() - start
    start = time.perf_counter()
    calls = sum(len(match_all(definitions, genotypes)) for genotypes in cohort)
    matched = time.perf_counter() - start
    n = len(cohort)
    print(f"cohort ({n} samples, {len(loci)} sites): read {read:.2f} s, match {matched:.2f} s ({calls} gene calls)")
    print(f"throughput: {n / (read + matched):.0f} samples/s overall, {n / matched:.0f} samples/s matching only")


if __name__ == "__main__":
    main()
