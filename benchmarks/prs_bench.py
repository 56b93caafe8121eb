"""Polygenic-score speed against ``plink2 --score`` on the same VCF input and the same matched variants.

Run: ``python benchmarks/prs_bench.py [DATA_DIR] [--variants N] [--samples N]`` (default data: $TAILORMED_SHARED_DATA
or ../shared/data; synthetic size 100,000 variants × 2,500 samples). Cases: the real 1000 Genomes VCF with the GRCh38
PGS001229 file, and a synthetic bgzipped VCF with a matching scoring file generated into a temporary folder. Both
tools read the VCF text; plink2 gets the variant list we matched, like pgsc_calc. Prints wall times (best of
``REPEATS``) and the ratio tailormed/plink2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tailormed.engines.prs.matching import MatchOptions
from tailormed.model.genotype import BuildDetection, BuildSource, GenomeBuild
from tailormed.pipeline.prs import read_scores, score_vcf

REPEATS = 3
BUILD = BuildDetection(build=GenomeBuild.GRCH38, source=BuildSource.USER, detail="benchmark")


def best_of(action: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic(folder: Path, variants: int, samples: int) -> tuple[Path, Path]:
    """A bgzipped VCF (unphased biallelic SNVs, 0.5% missing calls) and a scoring file for every second site."""
    rng = np.random.default_rng(7)
    vcf = folder / "synthetic.vcf"
    bases = np.array(list("ACGT"))
    calls = np.array(["0/0", "0/1", "1/1", "./."])
    with vcf.open("w") as handle:
        handle.write("##fileformat=VCFv4.2\n##contig=<ID=1,length=248956422>\n##reference=GRCh38\n")
        handle.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        handle.write("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]))
        handle.write("\t" + "\t".join(f"S{i}" for i in range(samples)) + "\n")
        for i in range(variants):
            ref, alt = rng.choice(bases, size=2, replace=False)
            while {ref, alt} in ({"A", "T"}, {"C", "G"}):  # keep sites strand-unambiguous, so all are scored
                ref, alt = rng.choice(bases, size=2, replace=False)
            p = rng.uniform(0.05, 0.5)
            genotype = rng.binomial(2, p, size=samples)
            genotype[rng.random(samples) < 0.005] = 3
            fields = ["1", str(1000 + 10 * i), f"1:{1000 + 10 * i}:{ref}:{alt}", ref, alt, ".", ".", ".", "GT"]
            handle.write("\t".join(fields) + "\t" + "\t".join(calls[genotype]) + "\n")
    subprocess.run(["bgzip", "-f", str(vcf)], check=True)
    scoring = folder / "PGS900000_hmPOS_GRCh38.txt"
    with scoring.open("w") as handle:
        handle.write("#format_version=2.0\n#pgs_id=PGS900000\n#genome_build=GRCh38\n")
        handle.write("chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n")
        with_alleles = []
        import gzip

        with gzip.open(str(vcf) + ".gz", "rt") as reader:
            for line in reader:
                if not line.startswith("#"):
                    chrom, pos, _, ref, alt = line.split("\t", 5)[:5]
                    with_alleles.append((chrom, pos, ref, alt))
        for chrom, pos, ref, alt in with_alleles[::2]:
            handle.write(f"{chrom}\t{pos}\t{alt}\t{ref}\t{rng.normal(0, 0.01):.6g}\n")
    return Path(str(vcf) + ".gz"), scoring


def compare(name: str, vcf: Path, scoring: Path, folder: Path) -> None:
    scores = read_scores([scoring])
    options = MatchOptions(min_overlap=0.0)
    ours = best_of(lambda: score_vcf(vcf, scores, None, build=BUILD.build, options=options))
    run = score_vcf(vcf, scores, None, build=BUILD.build, options=options)
    result = run.scores[0]
    alleles = {}
    for row in result.match.log:
        if row.target_id and row.status.value == "matched":
            _, _, ref, alts = row.target_id.split(":")
            alleles[row.target_id] = (ref, *alts.split(","))
    plink_scores = folder / f"{name}.plink.tsv"
    with plink_scores.open("w") as handle:
        handle.write("ID\tA1\tW\n")
        for chosen in result.match.selected:
            handle.write(f"{chosen.target_id}\t{alleles[chosen.target_id][chosen.allele]}\t{chosen.weight!r}\n")
    command = [
        "plink2", "--vcf", str(vcf), "--set-all-var-ids", "@:#:$r:$a", "--new-id-max-allele-len", "1000",
        "--score", str(plink_scores), "1", "2", "3", "header", "cols=+scoresums,+denom",
        "--threads", "2", "--out", str(folder / name),
    ]  # fmt: skip
    theirs = best_of(lambda: subprocess.run(command, check=True, capture_output=True))
    samples = len(result.samples)
    print(
        f"{name}: {result.match.matched:,} variants × {samples:,} samples — tailormed {ours:.2f} s, "
        f"plink2 {theirs:.2f} s, ratio {ours / theirs:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("TAILORMED_SHARED_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("data", nargs="?", default=default)
    parser.add_argument("--variants", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=2_500)
    args = parser.parse_args()
    if shutil.which("plink2") is None or shutil.which("bgzip") is None:
        raise SystemExit("plink2 and bgzip are needed on PATH")
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        data = Path(args.data)
        compare(
            "1000G GRCh38 PGS001229",
            data / "risk/genotypes/tiny1000G.GRCh38.PGS001229_sites.vcf.gz",
            data / "risk/pgs/PGS001229_hmPOS_GRCh38.normalised.txt.gz",
            folder,
        )
        vcf, scoring = synthetic(folder, args.variants, args.samples)
        compare(f"synthetic {args.variants:,}x{args.samples:,}", vcf, scoring, folder)


if __name__ == "__main__":
    main()
