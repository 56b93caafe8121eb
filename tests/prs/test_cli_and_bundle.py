"""``tailormed prs score`` end to end, the PGS Catalog importer, and the doctests of the engine modules."""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tailormed.engines.prs import findings, frequency, matching, risk, scoring
from tailormed.evidence import scores as dosages
from tailormed.knowledge import pgs_scoring
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.pgs_catalog import load_index, load_panel, load_reference_alleles
from tailormed.model.genotype import GenomeBuild


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from tailormed.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("module", [matching, scoring, frequency, risk, findings, dosages, pgs_scoring])
def test_doctests(module: object) -> None:
    failures, _ = doctest.testmod(module)  # type: ignore[arg-type]
    assert failures == 0


@pytest.mark.shared
def test_prs_score_tsv_json_and_match_log(cineca_vcf: Path, pgs_dir: Path, tmp_path: Path) -> None:
    out, log = tmp_path / "scores.tsv", tmp_path / "log.tsv"
    args = ["prs", "score", str(cineca_vcf), "--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt"), "--build"]
    result = cli(*args, "GRCh37", "-o", str(out), "--match-log", str(log))
    assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert lines[0].split("\t")[:5] == ["IID", "PGS", "SUM", "DENOM", "AVG"]
    assert len(lines) == 1 + 2504
    assert len(log.read_text().splitlines()) == 1 + 835
    as_json = cli(*args, "GRCh37", "--format", "json", "--sample", "HG00096_HG00096")
    payload = json.loads(as_json.stdout)
    assert payload["missing_genotypes"] == "none"  # one sample: no mean imputation, like pgsc_calc below 50
    assert payload["scores"][0]["variants_matched"] == 782


_LOADED = """
import atexit, json, sys
from tailormed.cli import main
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
main()
"""


@pytest.mark.shared
def test_prs_score_on_a_cohort_vcf_loads_only_what_scoring_needs(cineca_vcf: Path, pgs_dir: Path) -> None:
    """Start-up is a large share of a cohort VCF's scoring (about 0.3 s of 0.7 s on 20,000 variants x 2,500
    samples): no other engine, report, data-frame, plotting or service module is loaded, nor the FASTA reader
    without --reference, nor PyPGx's tables (the build markers are read without them) or the tumour and summary
    readers; nor the knowledge bundle or PyYAML without --kb or --absent-is-reference (the curated core's build
    markers are read alone)."""
    args = ["prs", "score", str(cineca_vcf), "--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt"), "--build"]
    args += ["GRCh37", "-o", os.devnull]
    done = subprocess.run([sys.executable, "-c", _LOADED, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stderr.splitlines()[-1]))
    assert "tailormed.pipeline.prs" in loaded
    others = ("pandas", "pyarrow", "matplotlib", "scipy", "sklearn", "jinja2", "sqlalchemy", "fastapi", "pyfaidx")
    assert not loaded & set(others)
    ours = ("engines.pgx", "engines.risk", "engines.prs.ancestry", "report.", "service", "store", "cohort", "intake")
    prefixes = tuple(f"tailormed.{name}" for name in (*ours, "pipeline.analyze"))
    assert [name for name in loaded if name.startswith(prefixes)] == ["tailormed.report.tables"]
    assert not loaded & {"tailormed.knowledge.pypgx", "tailormed.evidence.tumour", "tailormed.evidence.summary"}
    assert not loaded & {"tailormed.knowledge.bundle", "yaml"}


@pytest.mark.shared
def test_prs_score_opens_the_knowledge_bundle_it_is_given(cineca_vcf: Path, pgs_dir: Path, tmp_path: Path) -> None:
    """A --kb folder is checked as every command checks it, though a VCF's scoring reads only the core's markers."""
    args = ["prs", "score", str(cineca_vcf), "--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt"), "--build"]
    result = cli(*args, "GRCh37", "-o", os.devnull, "--kb", str(tmp_path))
    assert result.returncode != 0 and "not a knowledge bundle" in result.stderr


_AHEAD = """
import sys
from tailormed import bgzf
bgzf.MIN_AHEAD_BYTES = int(sys.argv.pop(1))
take = bgzf.take
def taken(path):
    ahead = take(path)
    print("taken", ahead is not None, file=sys.stderr)
    return ahead
bgzf.take = taken
from tailormed.cli import main
main()
"""


@pytest.mark.shared
def test_prs_score_reads_a_cohort_vcf_inflated_ahead_in_a_child_process(
    cineca_vcf: Path, pgs_dir: Path, tmp_path: Path
) -> None:
    """The VCF's text inflated by a child process from the start of the command gives the very same table as the
    reader's own threads."""
    args = ["prs", "score", str(cineca_vcf), "--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt"), "--build"]
    tables = []
    for min_bytes in (0, 1 << 40):
        out = tmp_path / f"{min_bytes}.tsv"
        command = [sys.executable, "-c", _AHEAD, str(min_bytes), *args, "GRCh37", "-o", str(out)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert f"taken {min_bytes == 0}" in done.stderr
        tables.append(out.read_text())
    assert tables[0] == tables[1]
    assert len(tables[0].splitlines()) == 1 + 2504


@pytest.mark.shared
def test_prs_score_fails_below_min_overlap_and_writes_nothing(kg_vcf: Path, pgs_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.tsv"
    scoring_file = str(pgs_dir / "PGS001229_hmPOS_GRCh38.normalised.txt.gz")
    args = ["prs", "score", str(kg_vcf), "--scoring", scoring_file, "--build", "GRCh38", "-o", str(out)]
    result = cli(*args)
    assert result.returncode == 2
    assert "920 of 51209 variants matched" in result.stderr and not out.exists()
    assert cli(*args, "--min-overlap", "0.01").returncode == 0


@pytest.mark.shared
def test_complex_scoring_file_is_rejected_by_the_cli(kg_vcf: Path, pgs_dir: Path) -> None:
    scoring_file = str(pgs_dir / "complex_variants_PGS000021.txt")
    result = cli("prs", "score", str(kg_vcf), "--scoring", scoring_file, "--build", "GRCh38")
    assert result.returncode == 2 and "not supported" in result.stderr


@pytest.mark.shared
def test_importer_keeps_whole_scores_with_licences(built_bundle: KnowledgeBundle) -> None:
    index = load_index(built_bundle)
    assert {"PGS000001", "PGS000002", "PGS000004", "PGS001229"} <= {k for k, v in index.scores.items() if v.files}
    pgs4 = index.scores["PGS000004"]
    assert pgs4.file_for(GenomeBuild.GRCH38) is not None and pgs4.file_for(GenomeBuild.GRCH37) is not None
    assert pgs4.licence is not None and "EBI Terms of Use" in pgs4.licence
    assert "research use" in (index.scores["PGS000013"].licence or "")  # Khera GPS: academic research only
    assert pgs4.reference_distributions[0].samples == 4896
    assert all("PGS001229_22" not in f.file for f in index.scores["PGS001229"].files)  # chr22 excerpt left out
    assert len(load_reference_alleles(built_bundle, GenomeBuild.GRCH38)) == 313
    assert load_panel(built_bundle).scores[0].adjusts_model == "gail"
