"""The cohort development data: shared genotype files, and a GRCh38 cohort built from them for every analysis."""

from __future__ import annotations

import gzip
from pathlib import Path
from random import Random

import pytest

from tailormed.knowledge.bundle import KnowledgeBundle, build_bundle, load_bundle
from tailormed.knowledge.pgx.definitions import GeneDefinition


@pytest.fixture(scope="session")
def cineca_vcf(shared_data: Path) -> Path:
    """pgsc_calc's synthetic CINECA cohort, GRCh37 chr22, 2,504 samples, a few missing calls."""
    return shared_data / "risk" / "genotypes" / "cineca_synthetic_subset.GRCh37.chr22.vcf.gz"


@pytest.fixture(scope="session")
def pgs_dir(shared_data: Path) -> Path:
    return shared_data / "risk" / "pgs"


THOUSAND_GENOMES = Path("risk") / "genotypes" / "tiny1000G.GRCh38.PGS001229_sites.vcf.gz"
CLINVAR = Path("risk") / "clinvar" / "clinvar_20260226_GRCh38_hereditary_cancer_genes_subset.vcf.gz"
#: Genes given synthetic genotypes: each sample carries two of the gene's single-position named alleles (or *1).
PGX_GENES = ("CYP2C19", "CYP2C9", "TPMT", "NUDT15", "SLCO1B1", "CYP3A5")
COHORT_SIZE = 24
#: Every 133rd person of the 1000 Genomes file: the five super-populations are all represented.
COLUMNS = [133 * i for i in range(COHORT_SIZE)]


@pytest.fixture(scope="session")
def cohort_bundle(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBundle:
    """ClinVar and the ACMG SF list built from the shared data over the curated core (PGx, risk)."""
    out = tmp_path_factory.mktemp("cohort-kb") / "kb"
    build_bundle(shared_data, out, only=["clinvar", "acmg-sf"])
    return load_bundle(out)


def _chrom_order(chrom: str) -> tuple[int, str]:
    name = chrom.removeprefix("chr")
    return (int(name), "") if name.isdigit() else (100, name)


def _single_site_alleles(definition: GeneDefinition) -> list[tuple[str, int, str]]:
    """(allele name, variant index, VCF base) of the named alleles defined by one SNV each."""
    found = []
    for allele in definition.named_alleles:
        if allele.is_reference or allele.structural or len(allele.defined) != 1:
            continue
        index, cell = allele.defined[0]
        variant = definition.variants[index]
        base = variant.cpic_to_vcf.get(cell, cell)
        if len(variant.ref) == 1 and len(base) == 1 and base in variant.alts:
            found.append((allele.name, index, base))
    return found


@pytest.fixture(scope="session")
def pgx_cohort_vcf(shared_data: Path, cohort_bundle: KnowledgeBundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GRCh38 cohort: 24 people (every 133rd) with their real 1000 Genomes genotypes at 1,004 PGS001229 sites,
    synthetic PGx genotypes at every defining position of six genes (two single-SNV named alleles or the reference
    each, phased), and two real expert-reviewed BRCA1/BRCA2 pathogenic SNVs from ClinVar carried by three of them."""
    from tailormed.pipeline.pgx import load_calling

    random = Random(16)
    records: list[tuple[str, int, str, str, str, list[str]]] = []
    with gzip.open(shared_data / THOUSAND_GENOMES, "rt") as handle:
        for line in handle:
            if line.startswith("#CHROM"):
                samples = [line.rstrip("\n").split("\t")[9 + column] for column in COLUMNS]
            elif not line.startswith("#"):
                fields = line.rstrip("\n").split("\t")
                genotypes = [fields[9 + column] for column in COLUMNS]
                records.append(("chr" + fields[0], int(fields[1]), fields[3], fields[4], fields[2], genotypes))
    definitions, _ = load_calling(cohort_bundle)
    taken = {(chrom, pos) for chrom, pos, *_ in records}
    for gene in PGX_GENES:
        definition = definitions[gene]
        options = _single_site_alleles(definition)
        haplotypes = [
            [random.choice(options) if random.random() < 0.35 else None for _ in range(2)] for _ in samples
        ]
        for index, variant in enumerate(definition.variants):
            if (variant.chrom, variant.pos) in taken:
                continue
            taken.add((variant.chrom, variant.pos))
            alts = list(variant.alts) or ["."]
            genotypes = []
            for pair in haplotypes:
                codes = [
                    str(1 + alts.index(h[2])) if h is not None and h[1] == index else "0" for h in pair
                ]
                genotypes.append("|".join(codes))
            records.append((variant.chrom, variant.pos, variant.ref, ",".join(alts), variant.rsid or ".", genotypes))
    clinvar = []
    with gzip.open(shared_data / CLINVAR, "rt") as handle:
        for line in handle:
            fields = line.split("\t")
            if line.startswith("#") or len(fields[3]) != 1 or len(fields[4]) != 1:
                continue
            acmg = "GENEINFO=BRCA1:" in fields[7] or "GENEINFO=BRCA2:" in fields[7]
            if acmg and "CLNSIG=Pathogenic;" in fields[7] and "CLNREVSTAT=reviewed_by_expert_panel" in fields[7]:
                clinvar.append(fields)
                if len(clinvar) == 2:
                    break
    carriers = ({0, 5}, {3})
    for fields, who in zip(clinvar, carriers, strict=True):
        genotypes = ["0|1" if i in who else "0|0" for i in range(len(samples))]
        records.append(("chr" + fields[0].removeprefix("chr"), int(fields[1]), fields[3], fields[4], fields[2],
                        genotypes))
    records.sort(key=lambda r: (_chrom_order(r[0]), r[1]))
    path = tmp_path_factory.mktemp("cohort") / "cohort.GRCh38.vcf"
    lines = [
        "##fileformat=VCFv4.2",
        "##reference=GRCh38",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]),
    ]
    lines += ["\t".join([c, str(p), i, ref, alt, ".", "PASS", ".", "GT", *gts]) for c, p, ref, alt, i, gts in records]
    path.write_text("\n".join(lines) + "\n")
    return path
