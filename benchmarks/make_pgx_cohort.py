"""Write a synthetic multi-sample VCF at every PharmCAT allele-defining position, for ``pgx_bench.py``.

Each sample gets random unphased genotypes: mostly reference, with the defined alternate alleles at a small
rate at every position independently (no linkage: the worst case for sharing genotype patterns). With ``--linked``
each sample instead carries two named alleles per gene (the reference allele on 80% of chromosomes) plus rare
ALTs, as haplotypes make genotypes repeat in people. Seeded: the same arguments give the same file.

    python benchmarks/make_pgx_cohort.py --kb KB_DIR --samples 2000 -o cohort.vcf
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from tailormed.knowledge.bundle import load_bundle
from tailormed.knowledge.pgx.definitions import GeneDefinition, allele_matches, load_definitions


def write_cohort(
    kb: Path, samples: int, out: Path, *, alt_rate: float = 0.02, seed: int = 1, linked: bool = False
) -> int:
    """Write the cohort; ``linked``: each sample carries two named alleles per gene (the reference allele on 80% of
    chromosomes; on the rest another named allele, the k-th in the definition's order with weight 1/k^1.5, so a few
    are common and most rare) plus a rare ALT (``alt_rate`` / 100) anywhere, so genotypes repeat the way haplotypes
    make them repeat in people."""
    definitions = load_definitions(load_bundle(kb))
    rng = random.Random(seed)
    variants = sorted(
        {v.key: v for d in definitions.values() for v in d.variants}.values(), key=lambda v: (v.chrom, v.pos)
    )
    names = [f"S{i:06d}" for i in range(samples)]
    carried = _haplotypes(definitions, samples, rng) if linked else {}
    noise = alt_rate / 100 if linked else alt_rate
    with out.open("w", encoding="utf-8") as stream:
        stream.write("##fileformat=VCFv4.2\n##reference=GRCh38\n")
        for chrom in sorted({v.chrom for v in variants}):
            stream.write(f"##contig=<ID={chrom},assembly=GRCh38>\n")
        stream.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        stream.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n")
        for variant in variants:
            alts = variant.alts or ("N",)
            given = carried.get(variant.key)
            genotypes = []
            for index in range(samples):
                pair = given[index] if given is not None else (0, 0)
                a = 1 + rng.randrange(len(alts)) if rng.random() < noise else pair[0]
                b = 1 + rng.randrange(len(alts)) if rng.random() < noise else pair[1]
                genotypes.append(f"{a}/{b}")
            fields = [variant.chrom, str(variant.pos), variant.rsid or ".", variant.ref, ",".join(alts)]
            stream.write("\t".join([*fields, ".", "PASS", ".", "GT", *genotypes]) + "\n")
    return len(variants)


def _haplotypes(
    definitions: dict[str, GeneDefinition], samples: int, rng: random.Random
) -> dict[str, list[tuple[int, int]]]:
    """Position key -> per sample the two allele indices its named alleles give there."""
    found: dict[str, list[tuple[int, int]]] = {}
    for definition in definitions.values():
        others = [a for a in definition.named_alleles if not a.is_reference]
        reference = definition.reference
        weights = [1 / (rank + 1) ** 1.5 for rank in range(len(others))]
        for index in range(samples):
            strands = [
                reference if not others or rng.random() < 0.8 else rng.choices(others, weights)[0] for _ in range(2)
            ]
            for j, variant in enumerate(definition.variants):
                codes = tuple(_code(variant.ref, variant.alts, allele.alleles[j]) for allele in strands)
                pair = found.setdefault(variant.key, [(0, 0)] * samples)
                if codes != (0, 0):
                    pair[index] = (codes[0], codes[1])
    return found


def _code(ref: str, alts: tuple[str, ...], cell: str | None) -> int:
    """The VCF allele index for a definition cell (an IUPAC cell takes the first ALT it stands for)."""
    if cell is None or cell == ref:
        return 0
    for index, alt in enumerate(alts, start=1):
        if allele_matches(cell, alt):
            return index
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, required=True, help="knowledge bundle with pharmcat-definitions")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--alt-rate", type=float, default=0.02)
    parser.add_argument("--linked", action="store_true", help="named-allele haplotypes instead of independent ALTs")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    sites = write_cohort(args.kb, args.samples, args.output, alt_rate=args.alt_rate, linked=args.linked)
    print(f"wrote {args.samples} samples x {sites} sites to {args.output}")


if __name__ == "__main__":
    main()
