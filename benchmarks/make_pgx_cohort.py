"""Write a synthetic multi-sample VCF at every PharmCAT allele-defining position, for ``pgx_bench.py``.

Each sample gets random unphased genotypes: mostly reference, with the defined alternate alleles at a small
rate, so the matcher sees realistic mixes of homozygous and heterozygous positions. Seeded: the same arguments
give the same file.

    python benchmarks/make_pgx_cohort.py --kb KB_DIR --samples 2000 -o cohort.vcf
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from tailormed.knowledge.bundle import load_bundle
from tailormed.knowledge.pgx.definitions import load_definitions


def write_cohort(kb: Path, samples: int, out: Path, *, alt_rate: float = 0.02, seed: int = 1) -> int:
    definitions = load_definitions(load_bundle(kb))
    rng = random.Random(seed)
    variants = sorted(
        {v.key: v for d in definitions.values() for v in d.variants}.values(), key=lambda v: (v.chrom, v.pos)
    )
    names = [f"S{i:06d}" for i in range(samples)]
    with out.open("w", encoding="utf-8") as stream:
        stream.write("##fileformat=VCFv4.2\n##reference=GRCh38\n")
        for chrom in sorted({v.chrom for v in variants}):
            stream.write(f"##contig=<ID={chrom},assembly=GRCh38>\n")
        stream.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        stream.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n")
        for variant in variants:
            alts = variant.alts or ("N",)
            genotypes = []
            for _ in names:
                a = 1 + rng.randrange(len(alts)) if rng.random() < alt_rate else 0
                b = 1 + rng.randrange(len(alts)) if rng.random() < alt_rate else 0
                genotypes.append(f"{a}/{b}")
            fields = [variant.chrom, str(variant.pos), variant.rsid or ".", variant.ref, ",".join(alts)]
            stream.write("\t".join([*fields, ".", "PASS", ".", "GT", *genotypes]) + "\n")
    return len(variants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, required=True, help="knowledge bundle with pharmcat-definitions")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--alt-rate", type=float, default=0.02)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    sites = write_cohort(args.kb, args.samples, args.output, alt_rate=args.alt_rate)
    print(f"wrote {args.samples} samples x {sites} sites to {args.output}")


if __name__ == "__main__":
    main()
