"""A block's hereditary table found through the carriers equals the per-person engine's, row for row and byte for byte.

The cohort carries real ClinVar alleles of the shared release (ACMG SF genes with 'all P and LP' and two-allele rules,
a gene off the list, a conflicting classification, a position with several ClinVar alleles) in every shape the
engine tells apart: heterozygous, homozygous, haploid, two alleles unphased, phased in cis and in trans, half-called,
a FILTERed record, another ALT at a ClinVar position, a missing call, and a carrier who opted out of secondary
findings.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tailormed.cohort.hereditary_block import hereditary_block
from tailormed.cohort.plan import Analysis
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.cohort.tables import HEREDITARY_TABLE, hereditary_rows, read_table, rows_table
from tailormed.evidence.read import GenomeBatch, read_genomes
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hereditary.load import HereditaryKnowledge
from tailormed.knowledge.hereditary.models import ClinvarVariant, Significance
from tailormed.model.evidence import AbsentPolicy
from tailormed.model.genotype import GenomeBuild
from tailormed.model.patient import Consent, Demographics, Patient, Sex
from tailormed.pipeline.analyze import run_engines
from tailormed.pipeline.hereditary import hereditary_request, load_hereditary

pytestmark = pytest.mark.shared

ON = date(2026, 12, 3)
PEOPLE = 24


def _single(knowledge: HereditaryKnowledge, gene: str, significance: Significance, skip: int = 0) -> ClinvarVariant:
    """The ``skip``-th SNV of the gene (genome order) with that significance, alone at its position."""
    found = [
        v
        for v, judged in zip(knowledge.clinvar, knowledge.judged_genes, strict=True)
        if judged == gene and v.significance is significance and len(v.ref) == len(v.alt) == 1
        and len(knowledge.loci[v.key].alts) == 1
    ]  # fmt: skip
    return found[skip]


def _write_cohort(knowledge: HereditaryKnowledge, path: Path) -> list[str]:
    brca1 = _single(knowledge, "BRCA1", Significance.PLP)
    brca2 = _single(knowledge, "BRCA2", Significance.PLP)
    mutyh1 = _single(knowledge, "MUTYH", Significance.PLP)
    mutyh2 = _single(knowledge, "MUTYH", Significance.PLP, skip=1)
    conflicting = next(
        v
        for v in knowledge.clinvar
        if v.significance is Significance.CONFLICTING and len(knowledge.loci[v.key].alts) == 1
    )
    outside = _single(knowledge, "ATM", Significance.PLP)
    several = next(  # two ClinVar alleles of an ACMG SF gene at one position
        locus for locus in knowledge.loci.values()
        if len(locus.alts) == 2 and len(knowledge.variants_at[locus.key]) == 2
        and knowledge.acmg.gene(knowledge.judged_genes[knowledge.variants_at[locus.key][0]]) is not None
    )  # fmt: skip
    other_base = next(base for base in "ACGT" if base not in (brca1.ref, brca1.alt))
    names = [f"P{i:02d}" for i in range(PEOPLE)]
    carried = {  # site key -> person -> genotype
        brca1.key: {1: "0/1", 10: "0/2", 11: "0/1", 12: "./.", 14: "1", 15: "0/1"},
        brca2.key: {7: "1/."},
        mutyh1.key: {2: "1/1", 3: "0/1", 4: "1|0", 5: "1|0", 6: "0/1"},
        mutyh2.key: {3: "1/0", 4: "1|0", 5: "0|1"},
        conflicting.key: {8: "0/1"},
        outside.key: {13: "0/1"},
        several.key: {9: "0/2", 16: "1/2", 17: "0/1"},
    }
    records = []
    for key, who in carried.items():
        locus = knowledge.loci[key]
        alts = [*locus.alts, other_base] if key == brca1.key else list(locus.alts)
        genotypes = [who.get(i, "0/0") for i in range(PEOPLE)]
        record_filter = "LowQual" if key == brca2.key else "PASS"
        records.append((locus.chrom, locus.pos, locus.ref, ",".join(alts), record_filter, genotypes))
    records.sort(key=lambda r: (int(r[0].removeprefix("chr")), r[1]))
    lines = [
        "##fileformat=VCFv4.2",
        "##reference=GRCh38",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *names]),
    ]
    lines += ["\t".join([c, str(p), ".", ref, alt, ".", f, ".", "GT", *gts]) for c, p, ref, alt, f, gts in records]
    path.write_text("\n".join(lines) + "\n")
    return names


def _patients(names: list[str]) -> list[Patient]:
    patients = [Patient(id=name) for name in names]
    patients[11] = Patient(id=names[11], consent=Consent(secondary_findings=False))
    patients[15] = Patient(id=names[15], demographics=Demographics(sex=Sex.MALE))
    return patients


def _per_person(
    batch: GenomeBatch, names: list[str], patients: list[Patient], bundle: KnowledgeBundle
) -> tuple[list[dict[str, object]], dict[str, str], Counter[str]]:
    """What a cohort partition collects from the engine run one person at a time."""
    rows: list[dict[str, object]] = []
    versions: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    for name, patient in zip(names, patients, strict=True):
        run = run_engines(patient, batch.evidence(name), bundle, on=ON, engines=["hereditary"])["hereditary"]
        versions.update(run.versions)
        if run.skipped is not None:
            skipped[run.skipped] += 1
        rows += hereditary_rows(run)
    return rows, versions, skipped


@pytest.fixture(scope="module")
def carriers(cohort_bundle: KnowledgeBundle, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("hereditary-block") / "carriers.vcf"
    return path, _write_cohort(load_hereditary(cohort_bundle), path)


@pytest.mark.parametrize("absent_is_reference", [False, True])
def test_the_block_table_equals_the_per_person_engine_on_carriers_of_real_clinvar_alleles(
    carriers: tuple[Path, list[str]], cohort_bundle: KnowledgeBundle, tmp_path: Path, absent_is_reference: bool
) -> None:
    vcf, names = carriers
    request = hereditary_request(load_hereditary(cohort_bundle))
    absent = AbsentPolicy.resolve(True if absent_is_reference else None, None)
    batch = read_genomes(vcf, request, build=GenomeBuild.GRCH38, absent=absent)
    order = names[::-1]  # the block's order, not the file's
    patients = _patients(names)[::-1]

    block = hereditary_block(batch, order, patients, cohort_bundle)
    rows, versions, skipped = _per_person(batch, order, patients, cohort_bundle)
    expected = rows_table(HEREDITARY_TABLE, rows)

    assert block.table.equals(expected)
    pq.write_table(block.table, tmp_path / "block.parquet")
    pq.write_table(expected, tmp_path / "engine.parquet")
    assert (tmp_path / "block.parquet").read_bytes() == (tmp_path / "engine.parquet").read_bytes()
    assert block.versions == versions and versions
    assert block.skipped == skipped == Counter({"the patient opted out of secondary findings (consent)": 1})
    # the cohort exercises what the engine tells apart
    found = block.table.to_pylist()
    listed = {row["sample"] for row in found}
    assert listed == {names[i] for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17)}
    assert [row["sample"] for row in found] == sorted((r["sample"] for r in found), reverse=True)
    reasons = " | ".join(str(row["reason"]) for row in found)
    for phrase in ("compound heterozygous (phased, in trans", "possible compound heterozygote", "in cis",
                   "not called", "VCF FILTER LowQual", "conflicting classifications", "not an ACMG SF",
                   "homozygous P/LP", "carrier: one heterozygous"):  # fmt: skip
        assert phrase in reasons
    assert {row["zygosity"] for row in found} >= {"heterozygous", "homozygous", "hemizygous", "compound_heterozygous"}


def test_nobody_is_assessed_on_a_genome_in_another_build(
    carriers: tuple[Path, list[str]], cohort_bundle: KnowledgeBundle, tmp_path: Path
) -> None:
    """A GRCh37 genome (no ClinVar loci read) gives the engine's skip for each person, by the engine's reason."""
    vcf, names = carriers
    grch37 = tmp_path / "carriers.GRCh37.vcf"
    grch37.write_text(vcf.read_text().replace("##reference=GRCh38", "##reference=GRCh37"))
    batch = read_genomes(grch37, hereditary_request(load_hereditary(cohort_bundle)))
    assert batch.build.build is GenomeBuild.GRCH37
    patients = _patients(names)
    block = hereditary_block(batch, names, patients, cohort_bundle)
    rows, versions, skipped = _per_person(batch, names, patients, cohort_bundle)
    assert block.table.num_rows == 0 == len(rows)
    assert block.versions == versions == {}
    assert block.skipped == skipped and sum(skipped.values()) == PEOPLE


def test_a_cohort_run_writes_the_tables_and_markers_of_the_per_person_engine(
    carriers: tuple[Path, list[str]], cohort_bundle: KnowledgeBundle, tmp_path: Path
) -> None:
    """The same blocks through the carriers (hereditary alone) and through the engine person by person (with risk,
    which needs each person's hereditary run): the same Parquet bytes, knowledge versions and skipped people; a
    carrier's opt-out given in ``--records``."""
    vcf, names = carriers
    records = tmp_path / "records.jsonl"
    opted_out = {"id": names[11], "consent": {"secondary_findings": False}}
    male = {"id": names[15], "demographics": {"sex": "male", "birth_date": "1960-01-01"}}
    records.write_text(json.dumps(opted_out) + "\n" + json.dumps(male) + "\n")
    runs = {}
    for name, analyses in (("carriers", [Analysis.HEREDITARY]), ("engine", [Analysis.HEREDITARY, Analysis.RISK])):
        plan = plan_run(vcf=vcf, pgen=None, analyses=analyses, kb=cohort_bundle.root, records=records, block_size=10,
                        on=ON)  # fmt: skip
        runs[name] = tmp_path / name
        run_cohort(plan, runs[name])
    blocks = sorted(path.parent.name for path in (runs["engine"] / "hereditary.parquet").glob("*/part-0.parquet"))
    assert blocks == ["block=00000", "block=00001", "block=00002"]
    for block in blocks:
        part = Path("hereditary.parquet") / block / "part-0.parquet"
        assert (runs["carriers"] / part).read_bytes() == (runs["engine"] / part).read_bytes()
        markers = [json.loads((runs[name] / "_partitions" / f"{block}.json").read_text()) for name in runs]
        assert markers[0]["knowledge"]["hereditary"] == markers[1]["knowledge"]["hereditary"] != {}
        assert markers[0]["skipped"].get("hereditary") == markers[1]["skipped"].get("hereditary")
    skipped = json.loads((runs["carriers"] / "_partitions" / "block=00001.json").read_text())["skipped"]
    assert skipped == {"hereditary": {"the patient opted out of secondary findings (consent)": 1}}
    listed = {row["sample"] for row in read_table(runs["carriers"], HEREDITARY_TABLE).to_pylist()}
    assert names[11] not in listed and names[15] in listed
