"""Cohort matching gives every sample exactly the per-sample matcher's calls."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from typing import Any

import pytest

from tailormed.engines.pgx.cohort_match import MatchMemo, match_cohort, match_columns
from tailormed.engines.pgx.matcher import match_all, match_gene
from tailormed.evidence import read_genomes
from tailormed.evidence.columnar_pgx import read_call_columns
from tailormed.knowledge.pgx.definitions import GeneDefinition
from tailormed.model.call_columns import CallColumns
from tailormed.model.evidence import AbsentPolicy, BuildLoci, DeclaredBy, GenomeRequest
from tailormed.model.genotype import GenomeBuild, SampleGenotypes

_spec = importlib.util.spec_from_file_location(
    "pharmcat_conformance", Path(__file__).with_name("test_matcher_pharmcat.py")
)
assert _spec is not None and _spec.loader is not None
_pharmcat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_pharmcat)
N_CASES, read_vcf, synthetic_vcf = _pharmcat.N_CASES, _pharmcat.read_vcf, _pharmcat.synthetic_vcf
GENES = ("CYP2C19", "CYP2C9", "DPYD", "SLCO1B1", "TPMT", "UGT1A1", "CYP3A5", "NUDT15")


def test_pharmcat_cases_as_one_cohort(
    definitions: dict[str, GeneDefinition], cases: list[dict[str, Any]], shared_data: Path, tmp_path: Path
) -> None:
    """Each PharmCAT matcher case is one sample; cases of a gene and options form a cohort matched at once."""
    cohorts: dict[tuple[str, bool, bool], list[SampleGenotypes]] = {}
    for index in range(N_CASES):
        case = cases[index]
        if not case["withExemptions"]:
            continue
        definition = definitions[case["gene"]]
        if case["kind"] == "static_vcf":
            vcf = shared_data / "pgx/pharmcat/tests" / case["vcf"]
        else:
            vcf = synthetic_vcf(case, definition, tmp_path / f"case{index}.vcf")
        genotypes = read_vcf(vcf, definition).model_copy(update={"sample": f"case{index}"})
        key = (case["gene"], case["topCandidateOnly"], case["findCombinations"])
        cohorts.setdefault(key, []).append(genotypes)
    assert sum(len(cohort) for cohort in cohorts.values()) > 40
    for (gene, top, combinations), cohort in cohorts.items():
        found = match_cohort(definitions, cohort, genes=[gene], top_candidate_only=top, find_combinations=combinations)
        expected = [
            [match_gene(definitions[gene], one, top_candidate_only=top, find_combinations=combinations)]
            for one in cohort
        ]
        assert found == expected, gene
        single = [
            match_cohort(definitions, [one], genes=[gene], top_candidate_only=top, find_combinations=combinations)[0]
            for one in cohort
        ]
        assert single == expected


def _cohort_vcf(definitions: dict[str, GeneDefinition], path: Path, samples: int, seed: int) -> None:
    """Every defining position of GENES: unphased and phased (with phase sets), missing and half calls,
    multi-allelic ALTs where the definition has several, some positions left out, a few rare variants per sample."""
    rng = random.Random(seed)
    variants = sorted(
        {v.key: v for gene in GENES for v in definitions[gene].variants}.values(), key=lambda v: (v.chrom, v.pos)
    )
    names = [f"P{i:03d}" for i in range(samples)]
    lines = [
        "##fileformat=VCFv4.2",
        "##reference=GRCh38",
        *(f"##contig=<ID={c}>" for c in sorted({v.chrom for v in variants})),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *names]),
    ]
    for variant in variants:
        if rng.random() < 0.05:
            continue  # absent from the file
        alts = [a for a in variant.alts if a and set(a) <= set("ACGT")] or ["N"]
        if set(variant.ref) - set("ACGT") or not variant.ref:
            continue
        calls = []
        for index in range(samples):
            carrier = index % 7 == 0 or rng.random() < 0.08
            first = rng.randrange(len(alts) + 1) if carrier and rng.random() < 0.5 else 0
            second = rng.randrange(len(alts) + 1) if carrier else 0
            a, b = str(first), str(second)
            roll = rng.random()
            if roll < 0.03:
                a, b = ".", "."
            elif roll < 0.05:
                a = "."
            sep = "|" if index % 3 == 0 else "/"
            calls.append(f"{a}{sep}{b}:{1000 if sep == '|' and index % 2 else 7}")
        fields = [variant.chrom, str(variant.pos), variant.rsid or ".", variant.ref, ",".join(alts), ".", "PASS", "."]
        lines.append("\t".join([*fields, "GT:PS", *calls]))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("absent_is_reference", [False, True])
def test_synthetic_cohort_equals_per_sample(
    definitions: dict[str, GeneDefinition], tmp_path: Path, absent_is_reference: bool
) -> None:
    vcf = tmp_path / "cohort.vcf"
    _cohort_vcf(definitions, vcf, samples=120, seed=11)
    chosen = {gene: definitions[gene] for gene in GENES}
    loci = [locus for d in chosen.values() for locus in d.loci()]
    request = GenomeRequest(loci={"pgx": {GenomeBuild.GRCH38: BuildLoci(loci=loci)}})
    absent = AbsentPolicy(absent_is_reference=absent_is_reference, declared_by=DeclaredBy.COMMAND_LINE)
    batch = read_genomes(vcf, request, absent=absent)
    cohort = [batch.evidence(name).sample_genotypes("pgx") for name in batch.samples]
    found = match_cohort(chosen, cohort)
    expected = [match_all(chosen, one) for one in cohort]
    assert found == expected
    statuses = {call.status for calls in found for call in calls}
    assert len(statuses) >= 2  # the cohort exercises more than one kind of outcome
    columns = read_call_columns(vcf, request, "pgx", absent=absent)
    assert columns.samples == tuple(batch.samples)
    for index, one in enumerate(cohort):
        assert columns.genotypes(index, one.calls).calls == one.calls
    assert match_columns(chosen, columns) == expected
    held = batch.call_columns("pgx")  # the same columns from the pass that gave every sample its evidence
    assert held is not None and held.samples == columns.samples and batch.call_columns("clinvar") is None
    for index, one in enumerate(cohort):
        assert held.genotypes(index, one.calls).calls == one.calls
    assert match_columns(chosen, held) == expected


def _unphased_vcf(definitions: dict[str, GeneDefinition], path: Path, samples: int, seed: int, rate: float) -> None:
    """Every defining position of every gene, unphased: each allele an ALT at ``rate``, some calls missing, a few
    positions absent (the worst case for pattern sharing: no linkage)."""
    rng = random.Random(seed)
    variants = sorted(
        {v.key: v for d in definitions.values() for v in d.variants}.values(), key=lambda v: (v.chrom, v.pos)
    )
    names = [f"S{i:03d}" for i in range(samples)]
    lines = [
        "##fileformat=VCFv4.2",
        "##reference=GRCh38",
        *(f"##contig=<ID={c}>" for c in sorted({v.chrom for v in variants})),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *names]),
    ]
    for variant in variants:
        alts = [a for a in variant.alts if a and set(a) <= set("ACGT")]
        if not alts or set(variant.ref) - set("ACGT") or not variant.ref or rng.random() < 0.02:
            continue
        calls = []
        for _ in names:
            pair = [1 + rng.randrange(len(alts)) if rng.random() < rate else 0 for _ in range(2)]
            calls.append("./." if rng.random() < 0.005 else f"{pair[0]}/{pair[1]}")
        fields = [variant.chrom, str(variant.pos), variant.rsid or ".", variant.ref, ",".join(alts), ".", "PASS", "."]
        lines.append("\t".join([*fields, "GT", *calls]))
    path.write_text("\n".join(lines) + "\n")


def test_every_gene_on_unlinked_genotypes_in_blocks_equals_per_sample(
    definitions: dict[str, GeneDefinition], tmp_path: Path
) -> None:
    """Random unphased genotypes at every position of every gene (lowest-function genes, IUPAC cells, multi-allelic
    sites included), read as columns and matched in two blocks sharing one memo: the per-sample matcher's calls.
    Most patterns are told apart by the pattern keys alone: far fewer matcher runs than distinct patterns."""
    vcf = tmp_path / "unlinked.vcf"
    _unphased_vcf(definitions, vcf, samples=90, seed=5, rate=0.03)
    loci = [locus for d in definitions.values() for locus in d.loci()]
    request = GenomeRequest(loci={"pgx": {GenomeBuild.GRCH38: BuildLoci(loci=loci)}})
    batch = read_genomes(vcf, request)
    cohort = [batch.evidence(name).sample_genotypes("pgx") for name in batch.samples]
    expected = [match_all(definitions, one) for one in cohort]
    memo = MatchMemo()
    halves = [batch.samples[:45], batch.samples[45:]]
    found = []
    for half in halves:
        found += match_columns(definitions, read_call_columns(vcf, request, "pgx", samples=half), memo=memo)
    assert found == expected
    assert {call.status for calls in found for call in calls} >= {"called", "no_call"}
    again = match_columns(definitions, read_call_columns(vcf, request, "pgx", samples=halves[0]), memo=memo)
    assert again == expected[:45]
    keys = [v.key for d in definitions.values() for v in d.variants]
    columns = CallColumns.of(cohort, keys)
    patterns = sum(
        len(
            {
                tuple(int(columns.columns[v.key].codes[i]) for v in d.variants if v.key in columns.columns)
                for i in range(len(cohort))
            }
        )
        for d in definitions.values()
    )
    fresh = MatchMemo()
    assert match_columns(definitions, columns, memo=fresh) == expected
    assert fresh.held < patterns * 0.8


def test_empty_cohort(definitions: dict[str, GeneDefinition]) -> None:
    assert match_cohort(definitions, [], genes=["CYP2C19"]) == []
