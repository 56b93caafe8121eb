"""The ClinVar VCF and ACMG table parsers turn any malformed input into a KnowledgeError, never a crash."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.errors import KnowledgeError
from tailormed.knowledge.importers.acmg_sf import read_acmg_table
from tailormed.knowledge.importers.clinvar import read_clinvar_vcf

HEADER = (
    "##fileformat=VCFv4.1\n##fileDate=2026-02-26\n##reference=GRCh38\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
GOOD = "13\t32340300\t9325\tGT\tG\t.\t.\tCLNREVSTAT=reviewed_by_expert_panel;CLNSIG=Pathogenic;GENEINFO=BRCA2:675\n"
ACMG_HEADER = (
    "hgnc_id\tensembl_gene_id\tncbi_gene_id\tgene_symbol\tmim_gene_id\tdisease_phenotype\tdisorder_mim\t"
    "phenotype_category\tinheritance\tsf_list_version\tvariants_to_report\n"
)
ACMG_ROW = (
    "HGNC:1100\tENSG00000012048\t672\tBRCA1\t113705\tHereditary breast and ovarian cancer\t604370\tCancer\tAD\t"
    "1.0\tAll P and LP\n"
)

fields = st.text(alphabet=st.sampled_from("ACGTN.;=|,:_0123456789chrXPathogenicCLNSIGREV\t -"), max_size=60)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(fields, min_size=1, max_size=4), keep_header=st.booleans(), raw=st.binary(max_size=40))
def test_clinvar_parser_fails_cleanly(lines: list[str], keep_header: bool, raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clinvar.vcf.gz"
        body = (HEADER if keep_header else "") + GOOD + "\n".join(lines) + "\n"
        path.write_bytes(gzip.compress(body.encode()) + raw)
        try:
            variants, release, _ = read_clinvar_vcf(path)
        except KnowledgeError as exc:
            assert str(path) in str(exc)
        else:
            assert release.file_date == "2026-02-26" and all(v.chrom.startswith("chr") for v in variants)


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.text(max_size=20), min_size=0, max_size=14), extra=st.text(max_size=40))
def test_acmg_parser_fails_cleanly(cells: list[str], extra: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "acmg_sf_v3.2.tsv"
        path.write_text(ACMG_HEADER + ACMG_ROW + "\t".join(cells) + "\n" + extra, encoding="utf-8")
        try:
            table = read_acmg_table(path, "3.2")
        except KnowledgeError as exc:
            assert str(path) in str(exc)
        else:
            assert table.gene("BRCA1") is not None
