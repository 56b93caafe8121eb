"""A cohort block's PGx tables, worked out per distinct gene result, equal each person's engine rows exactly."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from tailormed.cohort import pgx_block as pgx_block_module
from tailormed.cohort.pgx_block import pgx_block
from tailormed.cohort.tables import (
    PGX_CALLS_TABLE,
    PGX_RECOMMENDATIONS_TABLE,
    pgx_call_rows,
    recommendation_rows,
    rows_table,
)
from tailormed.engines.pgx.cohort_match import MatchMemo
from tailormed.evidence.read import GenomeBatch, read_genomes
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.evidence import AbsentPolicy, DeclaredBy
from tailormed.model.patient import Medication, Patient
from tailormed.pipeline import pgx
from tailormed.pipeline.analyze import run_engines
from tailormed.report.tables import calls_tsv

pytestmark = pytest.mark.shared

ON = date(2026, 12, 3)


def _per_person(batch: GenomeBatch, samples: list[str], patients: list[Patient], bundle: KnowledgeBundle) -> (
    tuple[pa.Table, pa.Table]
):  # fmt: skip
    """Both tables as the engine gives them one person at a time (each person's own matcher run)."""
    calls, recommendations = [], []
    for sample, patient in zip(samples, patients, strict=True):
        run = run_engines(patient, batch.evidence(sample), bundle, on=ON, engines=["pgx"])["pgx"]
        calls += pgx_call_rows(run)
        recommendations += recommendation_rows(sample, run)
    return rows_table(PGX_CALLS_TABLE, calls), rows_table(PGX_RECOMMENDATIONS_TABLE, recommendations)


def _unphased_vcf(bundle: KnowledgeBundle, path: Path, samples: int, seed: int) -> Path:
    """Every defining position of every gene, unphased, each allele an ALT at 3% and a few calls missing: many
    distinct calls per gene, and people who share some genes' results but not others'."""
    definitions, _, _ = pgx.load_pgx(bundle)
    rng = random.Random(seed)
    variants = sorted(
        {v.key: v for d in definitions.values() for v in d.variants}.values(), key=lambda v: (v.chrom, v.pos)
    )
    names = [f"P{i:03d}" for i in range(samples)]
    lines = [
        "##fileformat=VCFv4.2",
        "##reference=GRCh38",
        *(f"##contig=<ID={c}>" for c in sorted({v.chrom for v in variants})),
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *names]),
    ]
    for variant in variants:
        alts = [a for a in variant.alts if a and set(a) <= set("ACGT")]
        if not alts or set(variant.ref) - set("ACGT") or not variant.ref:
            continue
        calls = []
        for _ in names:
            pair = [1 + rng.randrange(len(alts)) if rng.random() < 0.03 else 0 for _ in range(2)]
            calls.append("./." if rng.random() < 0.01 else f"{pair[0]}/{pair[1]}")
        fields = [variant.chrom, str(variant.pos), variant.rsid or ".", variant.ref, ",".join(alts), ".", "PASS", "."]
        lines.append("\t".join([*fields, "GT", *calls]))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("absent_is_reference", [False, True])
def test_block_tables_equal_each_persons_engine_on_unphased_genotypes_at_every_gene(
    cohort_bundle: KnowledgeBundle, tmp_path: Path, absent_is_reference: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    vcf = _unphased_vcf(cohort_bundle, tmp_path / "unphased.vcf", samples=70, seed=3)
    absent = AbsentPolicy(absent_is_reference=absent_is_reference, declared_by=DeclaredBy.COMMAND_LINE)
    batch = read_genomes(vcf, pgx.genome_request_for(cohort_bundle), absent=absent)
    samples = list(reversed(batch.samples))  # the block's order, not the file's
    patients = [Patient(id=sample) for sample in samples]
    memo = MatchMemo()
    rendered: list[int] = []  # each gene's distinct calls are rendered as one table
    monkeypatch.setattr(pgx_block_module, "calls_tsv", lambda pairs: rendered.append(len(pairs)) or calls_tsv(pairs))
    block = pgx_block(batch, samples, patients, cohort_bundle, on=ON, memo=memo)
    assert block is not None
    assert len(rendered) == len(pgx.load_pgx(cohort_bundle)[0]) and sum(rendered) > 2 * len(rendered)
    calls, recommendations = _per_person(batch, samples, patients, cohort_bundle)
    assert block.calls.equals(calls)
    assert block.recommendations.equals(recommendations)
    assert recommendations.num_rows > 20 and len(set(recommendations.column("drug").to_pylist())) > 5
    assert block.versions == pgx.run_versions(cohort_bundle, batch.build.build)
    again = pgx_block(batch, samples[:30], patients[:30], cohort_bundle, on=ON, memo=memo)  # a later block
    assert again is not None
    assert again.calls.equals(calls.slice(0, 30 * calls.num_rows // 70))


def test_people_on_medications_get_their_engine_rows_in_their_place(
    pgx_cohort_vcf: Path, cohort_bundle: KnowledgeBundle
) -> None:
    """Medications change a person's answers (review, actionable on the list): those people go through the engine
    one by one and their rows sit between the others' as the per-person run puts them."""
    batch = read_genomes(pgx_cohort_vcf, pgx.genome_request_for(cohort_bundle))
    samples = batch.samples
    drugs = ["clopidogrel", "simvastatin", "azathioprine", "warfarin"]
    patients = [
        Patient(id=sample, medications=[Medication(name=drugs[i % 4])]) if i % 5 == 1 else Patient(id=sample)
        for i, sample in enumerate(samples)
    ]
    block = pgx_block(batch, samples, patients, cohort_bundle, on=ON, memo=MatchMemo())
    assert block is not None
    calls, recommendations = _per_person(batch, samples, patients, cohort_bundle)
    assert block.calls.equals(calls)
    assert block.recommendations.equals(recommendations)
    on_list = recommendations.filter(pa.compute.equal(recommendations.column("priority"), "actionable"))
    assert on_list.num_rows > 0  # the medication review ran for someone
    plain = _per_person(batch, samples, [Patient(id=s) for s in samples], cohort_bundle)[1]
    assert not plain.equals(recommendations)


def test_people_whose_vcf_states_copy_numbers_get_their_engine_rows(
    cohort_bundle: KnowledgeBundle, shared_data: Path, tmp_path: Path
) -> None:
    """A CYP2D6 deletion record for one of three people (PharmCAT's example genotypes for each): their call is
    combined with it by the engine, and the block's tables still equal every person's engine rows."""
    source = shared_data / "pgx" / "pharmcat" / "examples" / "pharmcat.example.vcf"
    header = [
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position">',
        '##ALT=<ID=DEL,Description="Deletion">',
    ]
    lines: list[str] = []
    placed = False
    for line in source.read_text().splitlines():
        fields = line.split("\t")
        if line.startswith("#CHROM"):
            lines += [*header, "\t".join([*fields[:9], "A", "B", "C"])]
            continue
        if not placed and line.startswith("chr22\t"):
            lines.append("chr22\t42125000\t.\tN\t<DEL>\t.\tPASS\tEND=42132000\tGT\t0/0\t0/1\t0/0")
            placed = True
        lines.append(line if line.startswith("#") else "\t".join([*fields, fields[9], fields[9]]))
    vcf = tmp_path / "three.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    batch = read_genomes(vcf, pgx.genome_request_for(cohort_bundle))
    assert batch.copy_number is not None and batch.copy_number.records(1)
    patients = [Patient(id=sample) for sample in batch.samples]
    block = pgx_block(batch, batch.samples, patients, cohort_bundle, on=ON, memo=MatchMemo())
    assert block is not None
    calls, recommendations = _per_person(batch, batch.samples, patients, cohort_bundle)
    assert block.calls.equals(calls) and block.recommendations.equals(recommendations)
    cyp2d6 = calls.filter(pa.compute.equal(calls.column("gene"), "CYP2D6")).column("copy_number").to_pylist()
    assert cyp2d6[1] == "measured: 1" and cyp2d6[0] != cyp2d6[1]
