"""The results a call's untested alleles could give: an untested allele reads as the reference at every called
position, so it can stand only where the call has an allele that does too; an allele seen through an ALT stays, and
each result is the phenotype a real call of that diplotype gets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from tailormed.demo import demo_record
from tailormed.engines.pgx.findings import analyze_pgx
from tailormed.engines.pgx.phenotype import phenotype_gene
from tailormed.engines.pgx.untested import with_untested
from tailormed.evidence import read_genome
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.evidence import AbsentPolicy
from tailormed.model.patient import Medication, Patient
from tailormed.model.pgx import CallStatus, Diplotype, GeneCall, GenePhenotype
from tailormed.pipeline import pgx
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

HEADER = (
    '##fileformat=VCFv4.2\n##reference=GRCh38\n##FORMAT=<ID=GT,Number=1,Type=String,Description="GT">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)
RS12248560 = ("chr10", 94761900, "C", "T")  # CYP2C19*17
RS4986893 = ("chr10", 94780653, "G", "A")  # CYP2C19*3
RS3918290 = ("chr1", 97450058, "C", "T")  # DPYD c.1905+1G>A (*2A)
RS67376798 = ("chr1", 97082391, "T", "A")  # DPYD c.2846A>T
RS56038477 = ("chr1", 97573863, "C", "T")  # DPYD c.1236G>A, one of HapB3's two positions
RS75017182 = ("chr1", 97579893, "G", "C")  # DPYD c.1129-5923C>G, HapB3's other position


def _results(
    tmp_path: Path, bundle: KnowledgeBundle, rows: Sequence[tuple[tuple[str, int, str, str], str]]
) -> tuple[dict[str, GeneCall], dict[str, GenePhenotype]]:
    vcf = tmp_path / "s1.vcf"
    body = [f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\t.\tGT\t{gt}\n" for (c, p, r, a), gt in sorted(rows)]
    vcf.write_text(HEADER + "".join(body))
    definitions, _ = pgx.load_calling(bundle)
    evidence = read_genome(vcf, pgx.genome_request_for(bundle), absent=AbsentPolicy())
    calls = {call.gene: call for call in pgx.evidence_calls(evidence, definitions)[1]}
    _, knowledge, _ = pgx.load_pgx(bundle)
    patient = Patient(id="p", medications=[Medication(name="clopidogrel"), Medication(name="capecitabine")])
    result = analyze_pgx(patient, list(calls.values()), knowledge, on=date(2026, 1, 15))
    return calls, result.phenotypes


def _as_called(result: GenePhenotype, bundle: KnowledgeBundle) -> None:
    """Every listed result is the phenotype and score a call of that diplotype gets from the same table."""
    _, knowledge, _ = pgx.load_pgx(bundle)
    table = knowledge.phenotypes.gene(result.gene)
    assert result.untested and table is not None
    for possible in result.untested:
        first, second = possible.diplotype.split("/")
        diplotype = Diplotype(allele1=first, allele2=second)
        call = GeneCall(sample="p", gene=result.gene, status=CallStatus.CALLED, diplotypes=[diplotype])
        real = phenotype_gene(call, table)
        assert (possible.phenotype, possible.activity_score) == (real.phenotype, real.activity_score), possible


def test_cyp2c19_reference_call_could_be_either_haplotype_or_both(core: KnowledgeBundle, tmp_path: Path) -> None:
    """*1/*1 with rs4244285 (*2) not in the file: *2 may sit on either copy, or on both."""
    calls, results = _results(tmp_path, core, [(RS12248560, "0/0"), (RS4986893, "0/0")])
    assert [d.name for d in calls["CYP2C19"].diplotypes] == ["*1/*1"]
    assert calls["CYP2C19"].untested == {"*2": ["rs4244285"]} and calls["CYP2C19"].replaceable == ["*1"]
    cyp2c19 = results["CYP2C19"]
    assert {p.diplotype: p.phenotype for p in cyp2c19.untested} == {
        "*1/*2": "Intermediate Metabolizer",
        "*2/*2": "Poor Metabolizer",
    }
    assert cyp2c19.untested_positions == ["rs4244285"]
    _as_called(cyp2c19, core)


def test_an_observed_heterozygous_allele_fixes_its_haplotype(core: KnowledgeBundle, tmp_path: Path) -> None:
    """*1/*17 with *2 untested: only the *1 copy could be *2, so *2/*17 is possible; *1/*2 and *2/*2 are not."""
    calls, results = _results(tmp_path, core, [(RS12248560, "0/1"), (RS4986893, "0/0")])
    assert [d.name for d in calls["CYP2C19"].diplotypes] == ["*1/*17"]
    assert calls["CYP2C19"].replaceable == ["*1"]
    assert [(p.diplotype, p.phenotype) for p in results["CYP2C19"].untested] == [("*17/*2", "Intermediate Metabolizer")]
    _as_called(results["CYP2C19"], core)


def test_an_allele_seen_on_both_copies_leaves_nothing_open(core: KnowledgeBundle, tmp_path: Path) -> None:
    """*17/*17: both copies carry an ALT the untested *2 does not, so no other result is possible."""
    calls, results = _results(tmp_path, core, [(RS12248560, "1/1"), (RS4986893, "0/0")])
    assert [d.name for d in calls["CYP2C19"].diplotypes] == ["*17/*17"]
    assert calls["CYP2C19"].untested == {"*2": ["rs4244285"]} and calls["CYP2C19"].replaceable == []
    assert results["CYP2C19"].untested == [] and results["CYP2C19"].untested_positions == []


def test_dpyd_lowest_function_alternatives_keep_the_variants_seen(core: KnowledgeBundle, tmp_path: Path) -> None:
    """DPYD *2A and c.2846A>T heterozygous (phase unknown, so taken as on different copies: score 0.5), *13 not in
    the file. Both copies carry a variant seen, so *13 can only be found beside them; the two lowest-function
    alleles then score 0.0, as a call finding all three would."""
    rows = [(RS3918290, "0/1"), (RS67376798, "0/1"), (RS56038477, "0/0"), (RS75017182, "0/0")]
    calls, results = _results(tmp_path, core, rows)
    assert [d.name for d in calls["DPYD"].diplotypes] == ["c.1905+1G>A (*2A)/c.2846A>T"]
    assert calls["DPYD"].untested == {"c.1679T>G (*13)": ["rs55886062"]} and calls["DPYD"].replaceable == []
    dpyd = results["DPYD"]
    assert (dpyd.phenotype, dpyd.activity_score) == ("Poor Metabolizer", "0.5")
    assert dpyd.untested
    for possible in dpyd.untested:
        assert "c.1679T>G (*13)" in possible.diplotype and "Reference" not in possible.diplotype
        assert "c.1905+1G>A (*2A)" in possible.diplotype and "c.2846A>T" in possible.diplotype
        assert (possible.phenotype, possible.activity_score) == ("Poor Metabolizer", "0.0")
    _as_called(dpyd, core)


def test_dpyd_one_variant_seen_leaves_only_the_other_copy_open(core: KnowledgeBundle, tmp_path: Path) -> None:
    """DPYD *2A heterozygous with c.2846A>T and *13 not in the file: the *2A copy stays; no result lacks it."""
    calls, results = _results(tmp_path, core, [(RS3918290, "0/1"), (RS56038477, "0/0"), (RS75017182, "0/0")])
    assert [d.name for d in calls["DPYD"].diplotypes] == ["Reference/c.1905+1G>A (*2A)"]
    assert calls["DPYD"].replaceable == ["Reference"]
    assert {(p.diplotype, p.activity_score) for p in results["DPYD"].untested} == {
        ("c.1679T>G (*13)/c.1905+1G>A (*2A)", "0.0"),
        ("c.1905+1G>A (*2A)/c.2846A>T", "0.5"),
    }
    _as_called(results["DPYD"], core)


def test_an_allele_one_of_whose_positions_reads_ref_is_not_untested(core: KnowledgeBundle, tmp_path: Path) -> None:
    """HapB3 is defined at two positions: one read as the reference rules it out, though the other is missing."""
    calls, _ = _results(tmp_path, core, [(RS3918290, "0/1"), (RS75017182, "0/0")])
    untested = calls["DPYD"].untested
    assert "c.1129-5923C>G, c.1236G>A (HapB3)" not in untested
    assert "c.1679T>G (*13)" in untested and "c.2846A>T" in untested


def test_demo_patient_4_dpyd_alternatives_are_only_those_with_star_2a(
    built_bundle: KnowledgeBundle, pgx_of: object, tmp_path: Path
) -> None:
    """Demo patient 4: DPYD *2A heterozygous, most other DPYD positions of the full definition not in the VCF. The
    *2A copy is fixed, so no result without it (Reference/c.46C>G, Normal Metabolizer) can be listed."""
    record = demo_record("demo-04-park")
    patient = load_record(record, RANGES)
    vcf = resolve_genome_path(patient, record)
    assert vcf is not None
    run = pgx_of(patient, vcf, built_bundle, on=date(2026, 1, 15))  # type: ignore[operator]
    (call,) = [c for c in run.calls if c.gene == "DPYD"]
    assert [d.name for d in call.diplotypes] == ["Reference/c.1905+1G>A (*2A)"] and "c.46C>G" in call.untested
    dpyd = run.result.phenotypes["DPYD"]
    assert (dpyd.phenotype, dpyd.activity_score) == ("Intermediate Metabolizer", "1.0")
    listed = {p.diplotype for p in dpyd.untested}
    assert "Reference/c.46C>G" not in listed and "c.46C>G/c.46C>G" not in listed
    assert listed and all(d.count("c.1905+1G>A (*2A)") == 1 for d in listed)
    assert all(p.phenotype == "Poor Metabolizer" for p in dpyd.untested)
    assert "Normal Metabolizer" not in " ".join(dpyd.notes)
    _as_called(dpyd, built_bundle)


@pytest.mark.parametrize("gt", ["0|1", "1|0"])
def test_a_phased_heterozygous_call_fixes_the_haplotype_it_was_seen_on(
    core: KnowledgeBundle, tmp_path: Path, gt: str
) -> None:
    calls, results = _results(tmp_path, core, [(RS12248560, gt), (RS4986893, "0|0")])
    assert calls["CYP2C19"].replaceable == ["*1"]
    assert [p.diplotype for p in results["CYP2C19"].untested] == ["*17/*2"]


def test_dpyd_phased_on_one_copy_lists_only_what_lowers_the_score(
    built_bundle: KnowledgeBundle, tmp_path: Path
) -> None:
    """*2A and c.2846A>T phased on one copy (score 1.0), every other DPYD position of the full definition not in the
    file. The other copy could carry an untested allele: a normal-function one changes nothing (that copy still
    counts 1), so it is never listed; a decreased or no-function one gives Poor, each scored as a phased call."""
    calls, results = _results(tmp_path, built_bundle, [(RS3918290, "0|1"), (RS67376798, "0|1")])
    assert [d.name for d in calls["DPYD"].diplotypes] == ["Reference/[c.1905+1G>A (*2A) + c.2846A>T]"]
    dpyd = results["DPYD"]
    assert (dpyd.phenotype, dpyd.activity_score) == ("Intermediate Metabolizer", "1.0")
    _, knowledge, _ = pgx.load_pgx(built_bundle)
    table = knowledge.phenotypes.gene("DPYD")
    assert dpyd.untested and table is not None
    normal = {name for name, row in table.alleles.items() if row.activity_value == "1.0"}
    for possible in dpyd.untested:
        first, second = possible.diplotype.split("/")
        diplotypes = [Diplotype(allele1=first, allele2=second)]
        call = GeneCall(sample="p", gene="DPYD", status=CallStatus.CALLED, phased=True, diplotypes=diplotypes)
        real = phenotype_gene(call, table)
        assert (possible.phenotype, possible.activity_score) == (real.phenotype, real.activity_score), possible
        assert float(possible.activity_score or "2") < 1.0, possible
        assert not set(possible.because.split(" is present")[0].split(" and ")) <= normal, possible


def test_dpyd_with_several_candidates_lists_no_result_above_the_call(core: KnowledgeBundle) -> None:
    """A DPYD call with two candidates is scored by the lower (Reference/*2A, 1.0). With c.2846A>T untested, the
    Reference/Reference candidate alone would give Reference/c.2846A>T (1.5), above the call; scored as the call is,
    over every candidate holding c.2846A>T, the result is *2A/c.2846A>T (0.5)."""
    _, knowledge, _ = pgx.load_pgx(core)
    table = knowledge.phenotypes.gene("DPYD")
    assert table is not None
    call = GeneCall(
        sample="p",
        gene="DPYD",
        status=CallStatus.AMBIGUOUS,
        diplotypes=[
            Diplotype(allele1="Reference", allele2="c.1905+1G>A (*2A)"),
            Diplotype(allele1="Reference", allele2="Reference"),
        ],
        untested={"c.2846A>T": ["rs67376798"]},
        replaceable=["Reference"],
    )
    result = with_untested(phenotype_gene(call, table), call, table)
    assert (result.phenotype, result.activity_score) == ("Intermediate Metabolizer", "1.0")
    assert result.untested
    assert all(float(p.activity_score or "2") <= 1.0 for p in result.untested), result.untested
    assert {(p.diplotype, p.activity_score) for p in result.untested} == {("c.1905+1G>A (*2A)/c.2846A>T", "0.5")}
