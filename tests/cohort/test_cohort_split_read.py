"""A cohort pass asked for the engines' loci and many score sites reads the loci through the index and the scores'
sites from the text (inflated by a child process into shared memory, or by threads): the tables are the bytes of
one htslib pass over every record, and each record votes on the build once."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tailormed import bgzf
from tailormed.cohort.plan import Analysis
from tailormed.cohort.run import plan_run, run_cohort
from tailormed.evidence import columnar
from tailormed.evidence import index as index_module
from tailormed.evidence import read as read_module
from tailormed.knowledge.bundle import KnowledgeBundle

from ..conftest import bgzf_blocks

pytestmark = pytest.mark.shared

ON = date(2026, 12, 4)
PGS001229 = "PGS001229_hmPOS_GRCh38.normalised.txt.gz"
TABLES = ("pgx_calls.parquet", "pgx_recommendations.parquet", "hereditary.parquet", "prs_scores.parquet")


def _files(out: Path) -> dict[str, bytes]:
    return {str(path.relative_to(out)): path.read_bytes() for table in TABLES for path in (out / table).glob("*/*")}


@pytest.mark.parametrize("inflater", ["child", "threads"])
def test_loci_through_the_index_and_scores_from_the_text_write_the_bytes_of_one_pass(
    pgx_cohort_vcf: Path,
    cohort_bundle: KnowledgeBundle,
    pgs_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    inflater: str,
) -> None:
    vcf = tmp_path / "cohort.vcf.gz"
    vcf.write_bytes(bgzf_blocks(pgx_cohort_vcf.read_bytes()))
    plan = plan_run(vcf=vcf, pgen=None, analyses=[Analysis.PGX, Analysis.HEREDITARY, Analysis.PRS],
                    kb=cohort_bundle.root, scoring=[pgs_dir / PGS001229], min_overlap=0.01, block_size=8,
                    on=ON)  # fmt: skip
    votes: list[Any] = []
    decide = read_module.decide_build

    def deciding(header: Any, build: Any, found: Any, **kwargs: Any) -> Any:
        votes.append(copy.deepcopy(found))
        return decide(header, build, found, **kwargs)

    split: list[int] = []
    read_split = read_module._Pass._read_split

    def reading(self: Any, *args: Any) -> None:
        split.append(1)
        read_split(self, *args)

    started: list[int] = []
    ahead = bgzf.Ahead.__init__

    def starting(self: bgzf.Ahead, *args: Any, **kwargs: Any) -> None:
        started.append(1)
        ahead(self, *args, **kwargs)

    monkeypatch.setattr(read_module, "decide_build", deciding)
    monkeypatch.setattr(read_module._Pass, "_read_split", reading)
    monkeypatch.setattr(bgzf.Ahead, "__init__", starting)
    run_cohort(plan, tmp_path / "one")  # 24 people: one pass through htslib
    assert not split and not started and len(votes) == 1
    monkeypatch.setattr(columnar, "MIN_SAMPLES", 1)  # a cohort for the text reader
    monkeypatch.setattr(index_module, "MIN_BYTES", 0)  # large enough for a temporary index
    monkeypatch.setattr(read_module, "SPLIT_QUERY_RATIO", 1.0)  # the bundle's ClinVar regions are many for a small file
    if inflater == "child":
        monkeypatch.setattr(bgzf, "COHORT_SAMPLES", 1)
        monkeypatch.setattr(bgzf, "MIN_AHEAD_BYTES", 0)
    run_cohort(plan, tmp_path / "split")
    assert split == [1] and len(started) == (1 if inflater == "child" else 0)
    assert votes[1] == votes[0] and sum(votes[0].seen.values()) > 1000  # every scored record voted, once
    files = _files(tmp_path / "split")
    assert files == _files(tmp_path / "one") and len(files) == 4 * 3
