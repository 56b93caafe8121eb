"""The PyPGx importer: concrete values from the real tables, clear errors on malformed rows, fuzzed CSV."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle, build_bundle, load_bundle
from tailormed.knowledge.importers.pypgx import (
    ALLELE_TABLE,
    TABLES,
    VARIANT_TABLE,
    detect,
    parse_alleles,
    parse_cpic,
    parse_equations,
    parse_variants,
    release_version,
)
from tailormed.knowledge.pypgx import (
    ScoreRange,
    VariantAllele,
    parse_score_range,
    pypgx_cpic_pairs,
    pypgx_diplotypes,
    pypgx_equations,
    pypgx_genes,
    pypgx_phenotype_priorities,
    pypgx_recommendations,
    pypgx_variants,
)


@pytest.fixture(scope="module")
def pypgx_bundle(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBundle:
    out = tmp_path_factory.mktemp("pypgx") / "kb"
    build_bundle(shared_data, out, only=["pypgx"])
    return load_bundle(out)


@pytest.fixture
def tables(shared_data: Path, tmp_path: Path) -> Path:
    """A writable copy of the PyPGx tables, to break on purpose."""
    folder = tmp_path / "pypgx"
    shutil.copytree(shared_data / "pgx" / "pypgx", folder)
    return folder


def test_detect_finds_tables_in_usual_layouts(shared_data: Path, tmp_path: Path) -> None:
    expected = (shared_data / "pgx" / "pypgx").resolve()
    assert detect(shared_data) == expected
    assert detect(shared_data / "pgx") == expected
    assert detect(expected) == expected
    wheel = tmp_path / "site-packages" / "pypgx" / "api" / "data"
    wheel.mkdir(parents=True)
    for name in (ALLELE_TABLE, VARIANT_TABLE):
        (wheel / name).write_text("x\n", encoding="utf-8")
    assert detect(tmp_path / "site-packages") == wheel.resolve()
    assert detect(tmp_path) is None


def test_cyp2c9_star3_function_activity_and_core_variants(pypgx_bundle: KnowledgeBundle) -> None:
    genes = pypgx_genes(pypgx_bundle)
    star3 = genes["CYP2C9"].allele("*3")
    assert star3 is not None
    assert star3.activity_score == 0.0
    assert star3.function == "No Function"
    assert star3.grch37_core == [VariantAllele(chrom="chr10", pos=96741053, ref="A", alt="C")]
    assert star3.grch38_core == [VariantAllele(chrom="chr10", pos=94981296, ref="A", alt="C")]
    star1 = genes["CYP2C9"].allele("*1")
    assert star1 is not None and star1.activity_score == 1.0 and star1.grch38_core == []
    assert len(genes) == 93
    assert sum(len(g.alleles) for g in genes.values()) == 1362


def test_gene_table_details(pypgx_bundle: KnowledgeBundle) -> None:
    genes = pypgx_genes(pypgx_bundle)
    cyp2d6 = genes["CYP2D6"]
    assert (cyp2d6.grch37_default_allele, cyp2d6.grch38_default_allele) == ("*2", "*1")
    assert cyp2d6.phenotype_method == "Score" and cyp2d6.paralog == "CYP2D7" and cyp2d6.strand == "-"
    assert (cyp2d6.grch38_region.chrom, cyp2d6.grch38_region.start, cyp2d6.grch38_region.end) == (
        "chr22", 42116498, 42155810,
    )  # fmt: skip
    assert cyp2d6.grch37_exons[0].start == 42522500
    assert "WholeDel1" in cyp2d6.cnv_calls
    star5 = cyp2d6.allele("*5")
    assert star5 is not None and star5.structural and star5.grch38_core == []
    assert genes["GSTT1"].grch38_region.chrom == "chr22_KI270879v1_alt"


def test_variant_positions_in_both_builds(pypgx_bundle: KnowledgeBundle) -> None:
    variants = {v.rsid: v for v in pypgx_variants(pypgx_bundle) if v.rsid}
    cyp2c9_star3 = variants["rs1057910"]
    assert cyp2c9_star3.gene == "CYP2C9"
    assert (cyp2c9_star3.grch37.pos, cyp2c9_star3.grch38.pos) == (96741053, 94981296)
    assert cyp2c9_star3.impact == "I359L"
    # CYP2D6 rs16947: the GRCh38 reference carries the variant allele, GRCh37 does not
    rs16947 = variants["rs16947"]
    assert (rs16947.grch37.ref, rs16947.grch38.ref, rs16947.variant_allele) == ("A", "G", "G")
    assert rs16947.grch38.name == "chr22-42127941-G-A"
    assert len(pypgx_variants(pypgx_bundle)) == 1247


def test_diplotypes_equations_priorities(pypgx_bundle: KnowledgeBundle) -> None:
    diplotypes = pypgx_diplotypes(pypgx_bundle)
    assert diplotypes["CYP2C19"]["*2/*2"] == "Poor Metabolizer"
    assert diplotypes["CYP2C19"]["*1/*17"] == "Rapid Metabolizer"
    assert diplotypes["TPMT"]["*1/*3A"] == "Intermediate Metabolizer"
    assert sum(len(table) for table in diplotypes.values()) == 23301
    equations = pypgx_equations(pypgx_bundle)
    assert sorted(equations) == ["CYP2C9", "CYP2D6", "DPYD"]
    cyp2d6 = {r.phenotype: r for r in equations["CYP2D6"]}
    assert cyp2d6["Ultrarapid Metabolizer"] == ScoreRange(phenotype="Ultrarapid Metabolizer", lower=2.5)
    assert cyp2d6["Intermediate Metabolizer"].contains(1.0)
    assert not cyp2d6["Intermediate Metabolizer"].contains(1.25)
    assert cyp2d6["Normal Metabolizer"].contains(1.25)
    cyp2c9_nm = next(r for r in equations["CYP2C9"] if r.phenotype == "Normal Metabolizer")
    assert cyp2c9_nm.contains(2.0) and not cyp2c9_nm.contains(1.5)
    priorities = pypgx_phenotype_priorities(pypgx_bundle)
    assert priorities["ABCG2"]["Poor Function"] == "Abnormal/Priority/High Risk"


def test_cpic_catalogue_and_recommendations(pypgx_bundle: KnowledgeBundle) -> None:
    pairs = {(p.gene, p.drug): p for p in pypgx_cpic_pairs(pypgx_bundle)}
    assert len(pairs) == 518
    abacavir = pairs[("HLA-B", "abacavir")]
    assert abacavir.rxnorm == "190521"
    assert abacavir.atc == ["J05AF06", "J05AR02", "J05AR13", "J05AR04"]
    assert (abacavir.cpic_level, abacavir.cpic_level_status, abacavir.pharmgkb_level) == ("A", "Final", "1A")
    assert abacavir.pmids == ["24561393", "22378157"]
    assert abacavir.fda_label == "Testing required"
    warfarin = pairs[("CYP2C9", "warfarin")]
    assert (warfarin.rxnorm, warfarin.atc, warfarin.cpic_level) == ("11289", ["B01AA03"], "A")

    recommendations = pypgx_recommendations(pypgx_bundle)
    assert len(recommendations) == 724
    fluvastatin = [
        r for r in recommendations
        if r.drug == "fluvastatin" and r.phenotypes == {"CYP2C9": "Poor Metabolizer", "SLCO1B1": None}
    ]  # fmt: skip
    assert len(fluvastatin) == 1
    assert fluvastatin[0].recommendation is not None and "<=20mg" in fluvastatin[0].recommendation


def test_release_version_from_installed_package(tmp_path: Path) -> None:
    data = tmp_path / "pypgx" / "api" / "data"
    data.mkdir(parents=True)
    (tmp_path / "pypgx-0.27.0.dist-info").mkdir()
    assert release_version(data, {"a.csv": "0" * 64}) == "0.27.0"
    loose = tmp_path / "loose"
    loose.mkdir()
    version = release_version(loose, {"a.csv": "0" * 64})
    assert version.startswith("sha256:") and len(version) == len("sha256:") + 12
    assert version != release_version(loose, {"a.csv": "1" * 64})


def _replace_line(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("table", "line", "text", "message"),
    [
        (ALLELE_TABLE, 5, "CYP2C9,*99,zero,No Function,N/A,N/A,N/A,N/A,FALSE", "column ActivityScore: 'zero'"),
        (ALLELE_TABLE, 5, "CYP2C9,*99,0,No Function,N/A,N/A,N/A,N/A,MAYBE", "column SV: 'MAYBE' is not TRUE or FALSE"),
        (ALLELE_TABLE, 5, "CYP2C9,*99,0,No Function,10-1-A-C,N/A,N/A,N/A,FALSE", "10-1-A-C not in the variant table"),
        (ALLELE_TABLE, 5, "CYP2C9,*99,0", "expected 9 fields"),
        (
            VARIANT_TABLE,
            3,
            "ABCB1,7-87160618-A-C,7-87531302-A-C,rs2032582,7,87160619,87531302,A,A,C,A893S,N/A,N/A",
            "disagrees with Chromosome/GRCh37Position",
        ),
        (
            VARIANT_TABLE,
            3,
            "ABCB1,7-87160618-A-C,7-87531302-A-C,rs2032582,7,87160618,87531302,G,A,C,A893S,N/A,N/A",
            "'G' is not the REF of chr7-87160618-A-C",
        ),
        (
            VARIANT_TABLE,
            3,
            "ABCB1,7-87160618-A-C,7-87531302-A-C,rs2032582,Q,87160618,87531302,A,A,C,A893S,N/A,N/A",
            "'Q' is not a chromosome",
        ),
        ("equation-table.csv", 2, "CYP2C9,Poor Metabolizer,__import__('os') < score", "unrecognized score equation"),
        ("cpic-table.csv", 2, "HLA-B,abacavir,19x,J05AF06,,A,Final,1A,,1", "'19x' is not an RxNorm concept id"),
        ("gene-table.csv", 1, "Gene,Target", "header lacks column(s) Control"),
        ("diplotype-table.csv", 3, "ABCG2,Reference/Reference,Poor Function", "has two phenotypes"),
    ],
)
def test_malformed_rows_name_file_and_line(tables: Path, table: str, line: int, text: str, message: str) -> None:
    _replace_line(tables / table, line, text)
    with pytest.raises(KnowledgeError) as caught:
        build_bundle(tables, tables.parent / "kb", only=["pypgx"])
    assert caught.value.source == str((tables / table).resolve())
    assert caught.value.location == f"line {line}"
    assert message in caught.value.message
    assert not (tables.parent / "kb").exists()


def test_missing_table_is_named(tables: Path) -> None:
    (tables / "cnv-table.csv").unlink()
    with pytest.raises(KnowledgeError, match=r"PyPGx table\(s\) missing: cnv-table.csv"):
        build_bundle(tables, tables.parent / "kb", only=["pypgx"])


def test_not_utf8_is_a_knowledge_error(tmp_path: Path) -> None:
    (tmp_path / "cpic-table.csv").write_bytes(HEADERS["cpic"].encode() + b"\n\xff\xfe\n")
    with pytest.raises(KnowledgeError, match="not UTF-8") as caught:
        parse_cpic(tmp_path / "cpic-table.csv")
    assert caught.value.source == str(tmp_path / "cpic-table.csv")


def test_score_range_parsing() -> None:
    assert parse_score_range("PM", "0 <= score < 1") == ScoreRange(phenotype="PM", lower=0, upper=1)
    assert parse_score_range("NM", "score == 2") == ScoreRange(phenotype="NM", lower=2, upper=2, upper_inclusive=True)
    assert parse_score_range("X", "score <= 3") == ScoreRange(phenotype="X", upper=3, upper_inclusive=True)
    for bad in ("score", "1 < 2", "0 <= score < 1; import os", ""):
        with pytest.raises(ValueError, match="unrecognized"):
            parse_score_range("X", bad)


HEADERS = {
    "variants": "Gene,GRCh37Name,GRCh38Name,rsID,Chromosome,GRCh37Position,GRCh38Position,GRCh37Allele,"
    "GRCh38Allele,Variant,Impact,GRCh37Synonym,GRCh38Synonym",
    "alleles": "Gene,StarAllele,ActivityScore,Function,GRCh37Core,GRCh37Tag,GRCh38Core,GRCh38Tag,SV",
    "cpic": "Gene,Drug,RxNorm,ATC,Guideline,CPICLevel,CPICLevelStatus,PharmGKBLevel,FDALabel,PMID",
    "equations": "Gene,Phenotype,Equation",
}
_CELL = st.text(alphabet=st.sampled_from([*'ACGTN0123456789-.,"*/ abc\n\r\t\\;:=<', "\x00", "é"]), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(HEADERS)), keep_header=st.booleans(), rows=st.lists(st.lists(_CELL), max_size=4))
def test_fuzzed_tables_give_only_knowledge_errors(
    tmp_path: Path, kind: str, keep_header: bool, rows: list[list[str]]
) -> None:
    path = tmp_path / f"{kind}.csv"
    body = "\n".join(",".join(row) for row in rows)
    path.write_text((HEADERS[kind] + "\n" if keep_header else "") + body, encoding="utf-8")
    parsers = {
        "variants": parse_variants,
        "alleles": lambda p: parse_alleles(p, set()),
        "cpic": parse_cpic,
        "equations": parse_equations,
    }
    try:
        parsers[kind](path)
    except KnowledgeError as exc:
        assert exc.source == str(path)


def test_every_table_is_required() -> None:
    assert len(TABLES) == 9 and len(set(TABLES)) == 9
