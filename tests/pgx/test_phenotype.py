"""Phenotyper against PharmCAT's phenotype tables and example outputs."""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.engines.pgx.phenotype import phenotype_all, phenotype_gene
from tailormed.errors import KnowledgeError
from tailormed.knowledge.importers import pharmcat_phenotypes
from tailormed.knowledge.pgx.phenotypes import PhenotypeKnowledge, read_phenotypes
from tailormed.model.pgx import CallOrigin, CallStatus, Diplotype, GeneCall, PhenotypeStatus


@pytest.fixture(scope="module")
def tables(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> PhenotypeKnowledge:
    root = pharmcat_phenotypes.detect(shared_data)
    assert root is not None
    out = tmp_path_factory.mktemp("phenotypes")
    record = pharmcat_phenotypes.build(root, out)
    assert "CYP2D6 from phenotype_fallback/CYP2D6.cpic.json" in (record.notes or "")
    return read_phenotypes(out / "phenotypes.json")


def call(gene: str, *pairs: tuple[str, str], **extra: object) -> GeneCall:
    return GeneCall(
        sample="s1",
        gene=gene,
        status=CallStatus.CALLED if pairs else CallStatus.NO_CALL,
        diplotypes=[Diplotype(allele1=a, allele2=b) for a, b in pairs],
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("gene", "pair", "phenotype", "score"),
    [
        ("CYP2C9", ("*1", "*3"), "Intermediate Metabolizer", "1.0"),
        ("CYP2C9", ("*2", "*3"), "Poor Metabolizer", "0.5"),
        ("CYP2C19", ("*2", "*17"), "Intermediate Metabolizer", None),
        ("CYP2C19", ("*17", "*17"), "Ultrarapid Metabolizer", None),
        ("DPYD", ("Reference", "c.1905+1G>A (*2A)"), "Intermediate Metabolizer", "1.0"),
        ("DPYD", ("c.2846A>T", "c.2846A>T"), "Intermediate Metabolizer", "1.0"),
        ("TPMT", ("*1", "*3A"), "Intermediate Metabolizer", None),
        ("TPMT", ("*3A", "*3C"), "Poor Metabolizer", None),
        ("NUDT15", ("*1", "*3"), "Intermediate Metabolizer", None),
        ("CYP2D6", ("*4", "*4"), "Poor Metabolizer", "0.0"),
        ("CYP2D6", ("*1", "*1x2"), "Ultrarapid Metabolizer", "3.0"),
    ],
)
def test_table_phenotypes(tables: PhenotypeKnowledge, gene: str, pair: tuple[str, str], phenotype: str,
                          score: str | None) -> None:
    result = phenotype_gene(call(gene, pair), tables.gene(gene))
    assert result.status is PhenotypeStatus.ASSIGNED
    assert (result.phenotype, result.activity_score) == (phenotype, score)


def test_allele_functions_and_lookup_value(tables: PhenotypeKnowledge) -> None:
    result = phenotype_gene(call("CYP2C9", ("*3", "*1")), tables.gene("CYP2C9"))
    assert [(a.name, a.function, a.activity_value) for a in result.alleles] == [
        ("*1", "Normal function", "1.0"),
        ("*3", "No function", "0.0"),
    ]
    assert result.lookup_value == "1.0"
    assert result.diplotype_alleles == ("*1", "*3")


def test_dpyd_unphased_uses_two_lowest_function_alleles(tables: PhenotypeKnowledge) -> None:
    # c.1905+1G>A (activity 0) and c.2846A>T (0.5) found unphased: assumed in trans -> 0 + 0.5
    a, b = "c.1905+1G>A (*2A)", "c.2846A>T"
    result = phenotype_gene(call("DPYD", (a, b), ("Reference", f"[{a} + {b}]")), tables.gene("DPYD"))
    assert (result.phenotype, result.activity_score) == ("Poor Metabolizer", "0.5")
    assert any("two lowest-function" in note for note in result.notes)


def test_ambiguous_call_gets_no_phenotype_unless_all_agree(tables: PhenotypeKnowledge) -> None:
    tpmt = phenotype_gene(call("TPMT", ("*1", "*3A"), ("*3B", "*3C")), tables.gene("TPMT"))
    assert tpmt.status is PhenotypeStatus.AMBIGUOUS and tpmt.phenotype is None
    assert "*3B/*3C: Poor Metabolizer" in tpmt.notes[-1]
    agreeing = phenotype_gene(call("CYP2C19", ("*1", "*2"), ("*2", "*17")), tables.gene("CYP2C19"))
    assert agreeing.status is PhenotypeStatus.ASSIGNED
    assert agreeing.phenotype == "Intermediate Metabolizer" and agreeing.diplotype_alleles is None


def test_hla_allele_status_from_outside_calls(tables: PhenotypeKnowledge) -> None:
    table = tables.gene("HLA-B")
    assert table is not None and table.alleles_of_interest == ["*15:02", "*57:01", "*58:01"]
    typed = phenotype_gene(call("HLA-B", ("*15:02", "*57:01:01"), origin=CallOrigin.OUTSIDE_CALL), table)
    assert typed.allele_statuses == {"*15:02": True, "*57:01": True, "*58:01": False}
    stated = phenotype_gene(call("HLA-B", origin=CallOrigin.OUTSIDE_CALL, outside_phenotype="*57:01 negative"), table)
    assert stated.allele_statuses == {"*57:01": False}


def test_outside_call_score_or_phenotype_only(tables: PhenotypeKnowledge) -> None:
    cyp2d6 = tables.gene("CYP2D6")
    by_score = phenotype_gene(call("CYP2D6", outside_activity_score="1"), cyp2d6)
    assert (by_score.phenotype, by_score.activity_score) == ("Intermediate Metabolizer", "1.0")
    poor = phenotype_gene(call("CYP2D6", outside_phenotype="PM"), cyp2d6)
    assert (poor.phenotype, poor.activity_score) == ("Poor Metabolizer", "0.0")
    normal = phenotype_gene(call("CYP2D6", outside_phenotype="NM"), cyp2d6)
    assert (normal.phenotype, normal.activity_score) == ("Normal Metabolizer", None)
    overridden = phenotype_gene(call("CYP2D6", ("*1", "*4"), outside_activity_score="2.0"), cyp2d6)
    assert overridden.activity_score == "2.0" and "differs" in overridden.notes[-1]


def test_uncalled_and_tableless_genes(tables: PhenotypeKnowledge) -> None:
    assert phenotype_gene(call("CYP2C9"), tables.gene("CYP2C9")).status is PhenotypeStatus.NOT_CALLED
    assert phenotype_gene(call("CYP4F2", ("*1", "*3")), tables.gene("CYP4F2")).status is PhenotypeStatus.NO_TABLE


def test_pharmcat_example2_phenotypes_agree(tables: PhenotypeKnowledge, shared_data: Path) -> None:
    """Every gene with a phenotype table gets PharmCAT's phenotype for the example's diplotypes.

    Differences, by design of our data: G6PD and RYR1 have no table in this PharmCAT copy, CYP4F2 has none
    at all, and IFNL3 has no diplotype table (PharmCAT prints 'n/a').
    """
    reports = json.loads((shared_data / "pgx/pharmcat/examples/pharmcat.example2.phenotype.json").read_text())
    calls = [
        call(gene, *[(d["allele1"]["name"], (d["allele2"] or {}).get("name", "")) for d in report["sourceDiplotypes"]])
        for gene, report in reports["geneReports"].items()
        if report["callSource"] == "MATCHER"
    ]
    results = phenotype_all(calls, tables)
    compared = 0
    for gene, result in results.items():
        if gene in ("G6PD", "RYR1", "CYP4F2", "IFNL3"):
            continue
        expected = reports["geneReports"][gene]["sourceDiplotypes"][0]
        assert [result.phenotype] == expected["phenotypes"], gene
        assert result.activity_score == expected["activityScore"], gene
        compared += 1
    assert compared == 15


def test_damaged_tables_are_knowledge_errors(tmp_path: Path) -> None:
    path = tmp_path / "phenotypes.json"
    path.write_text('{"genes": {"CYP2C9": {"gene": "CYP2C9"}}}')
    with pytest.raises(KnowledgeError, match=r"phenotypes\.json"):
        read_phenotypes(path)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_fuzzed_table_file_only_raises_knowledge_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "phenotypes.json"
        path.write_bytes(data)
        with contextlib.suppress(KnowledgeError):
            read_phenotypes(path)
