"""Write a synthetic multi-sample GRCh38 VCF at every ClinVar position of a bundle, for ``cohort_bench.py``.

Every position the hereditary engine asks for is written (REF and ALTs as the bundle merges ClinVar's alleles),
so each person is called at every site. Most people carry none of the ClinVar alleles, as in a population: a
share ``carrier_rate`` carries one heterozygous allele (any P/LP or conflicting allele, uniformly), a few of them
a second allele of the same gene (a possible compound heterozygote) or the first one twice (homozygous); a small
share of genotypes are missing calls. Seeded: the same arguments give the same file.

    python benchmarks/make_hereditary_cohort.py --kb KB_DIR --samples 2000 -o cohort.vcf
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from tailormed.engines.hereditary.sites import allele_in_locus
from tailormed.knowledge.bundle import load_bundle
from tailormed.pipeline.hereditary import load_hereditary


def _order(key: tuple[str, int]) -> tuple[int, str, int]:
    name = key[0].removeprefix("chr")
    return (int(name), "", key[1]) if name.isdigit() else (100, name, key[1])


def write_cohort(
    kb: Path,
    samples: int,
    out: Path,
    *,
    carrier_rate: float = 0.03,
    second_rate: float = 0.1,
    missing_rate: float = 0.001,
    seed: int = 5,
) -> tuple[int, int]:
    """Write the cohort; returns (positions, people carrying at least one ClinVar allele). ``second_rate``: the
    share of carriers with a second copy (half: another allele of the gene, half: the same allele again)."""
    knowledge = load_hereditary(load_bundle(kb))
    loci = sorted(knowledge.loci.values(), key=lambda locus: _order((locus.chrom, locus.pos)))
    rng = random.Random(seed)
    by_gene: dict[str, list[int]] = {}
    for index, gene in enumerate(knowledge.judged_genes):
        by_gene.setdefault(gene, []).append(index)
    carried: dict[str, dict[int, list[int]]] = {}  # locus key -> sample -> allele codes carried there
    carriers = 0
    for sample in range(samples):
        if rng.random() >= carrier_rate:
            continue
        carriers += 1
        first = rng.randrange(len(knowledge.clinvar))
        alleles = [first]
        if rng.random() < second_rate:
            if rng.random() < 0.5:
                alleles.append(first)
            else:
                alleles.append(rng.choice(by_gene[knowledge.judged_genes[first]]))
        for index in alleles:
            variant = knowledge.clinvar[index]
            locus = knowledge.loci[variant.key]
            code = 1 + locus.alts.index(allele_in_locus(variant, locus))
            carried.setdefault(variant.key, {}).setdefault(sample, []).append(code)
    names = [f"H{i:06d}" for i in range(samples)]
    with out.open("w", encoding="utf-8") as stream:
        stream.write("##fileformat=VCFv4.2\n##reference=GRCh38\n")
        for chrom in sorted({locus.chrom for locus in loci}, key=lambda c: _order((c, 0))):
            stream.write(f"##contig=<ID={chrom},assembly=GRCh38>\n")
        stream.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        stream.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n")
        for locus in loci:
            genotypes = ["0/0"] * samples
            for sample in rng.sample(range(samples), k=round(samples * missing_rate)):
                genotypes[sample] = "./."
            for sample, codes in carried.get(locus.key, {}).items():
                pair = sorted([*codes, 0][:2])
                genotypes[sample] = f"{pair[0]}/{pair[1]}"
            fields = [locus.chrom, str(locus.pos), ".", locus.ref, ",".join(locus.alts)]
            stream.write("\t".join([*fields, ".", "PASS", ".", "GT", *genotypes]) + "\n")
    return len(loci), carriers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, required=True, help="knowledge bundle with clinvar and acmg-sf")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--carrier-rate", type=float, default=0.03)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    sites, carriers = write_cohort(args.kb, args.samples, args.output, carrier_rate=args.carrier_rate)
    print(f"wrote {args.samples} samples x {sites} positions ({carriers} carriers) to {args.output}")


if __name__ == "__main__":
    main()
