"""Genotype extraction speed against bcftools on the same files and sites.

Run: ``python benchmarks/vcf_bench.py [DATA_DIR]`` (default: $TAILORMED_SHARED_DATA or ../shared/data).
Needs ``bcftools`` on PATH for the comparison; prints wall times and the ratio tailormed/bcftools.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tailormed.evidence import read_genomes
from tailormed.model.chrom import canonical_chrom
from tailormed.model.evidence import BuildLoci, GenomeRequest
from tailormed.model.genotype import GenomeBuild, Locus

CASES = [
    ("risk/genotypes/tiny1000G.GRCh38.PGS001229_sites.vcf.gz", GenomeBuild.GRCH38),
    ("risk/genotypes/cineca_synthetic_subset.GRCh37.chr22.vcf.gz", GenomeBuild.GRCH37),
]
REPEATS = 3


def _sites(path: Path) -> list[Locus]:
    loci = []
    with gzip.open(path, "rt") as handle:
        for line in handle:
            if not line.startswith("#"):
                chrom, pos, _, ref, alt = line.split("\t", 5)[:5]
                canonical = canonical_chrom(chrom)
                if canonical is not None:
                    loci.append(Locus(chrom=canonical, pos=int(pos), ref=ref, alts=tuple(alt.split(","))))
    return loci


def _best(run: list[str] | None, action: object = None) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        if run is not None:
            subprocess.run(run, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elif callable(action):
            action()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TAILORMED_SHARED_DATA", "../shared/data"))
    bcftools = shutil.which("bcftools")
    print(f"{'file':58} {'samples x sites':>16} {'tailormed s':>12} {'bcftools s':>11} {'ratio':>6}")
    for relative, build in CASES:
        path = data / relative
        loci = _sites(path)
        with tempfile.TemporaryDirectory() as folder:
            regions = Path(folder) / "sites.tsv"
            with gzip.open(path, "rt") as handle:
                rows = [line.split("\t", 2)[:2] for line in handle if not line.startswith("#")]
            regions.write_text("".join(f"{chrom}\t{pos}\n" for chrom, pos in rows))
            request = GenomeRequest(loci={"sites": {build: BuildLoci(loci=loci)}})
            mine = _best(None, lambda p=path, r=request, b=build: read_genomes(p, r, build=b))
            calls = read_genomes(path, request, build=build).samples
            theirs = float("nan")
            if bcftools:
                command = [bcftools, "query", "-T", str(regions), "-f", "%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n", str(path)]
                theirs = _best(command)
            size = f"{len(calls)} x {len(loci)}"
            print(f"{relative:58} {size:>16} {mine:12.3f} {theirs:11.3f} {mine / theirs:6.2f}")
    if not bcftools:
        print("bcftools not found: only tailormed times shown (apt-get install bcftools)")


if __name__ == "__main__":
    main()
