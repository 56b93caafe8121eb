"""The score table's numbers: each one written as the array value it is (``%.10g``, ``nan``), for any value."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.prs import read_scores, score_vcf
from tailormed.report.tables import score_rows, scores_tsv

pytestmark = pytest.mark.shared


def as_written(value: np.floating | np.integer) -> str:
    """A numpy value as the table wrote it when it was indexed out of its array."""
    return "nan" if math.isnan(value) else f"{value:.10g}"


def test_each_number_is_written_as_its_array_value(cineca_vcf: Path, pgs_dir: Path) -> None:
    scores = read_scores([pgs_dir / "PGS001229_22.GRCh37.txt"])
    run = score_vcf(cineca_vcf, scores, None, build=GenomeBuild.GRCH37)
    result = run.scores[0]
    count = len(result.samples)
    awkward = [0.0, -0.0, 1e-300, -1.2345678901234e20, 0.1 + 0.2, math.nan, math.inf, -math.inf, 5e-324, 12.5]
    result.sums = np.resize(np.array(awkward), count)
    result.denom = np.resize(np.array([0.0, 2.0, 3.0, math.nan, 1670.0]), count)
    result.missing = np.resize(np.array([0, 7, 2**40], dtype=np.int64), count)
    rows = score_rows(run)
    avg = result.avg
    for i, row in enumerate(rows):
        assert row["SUM"] == as_written(result.sums[i])
        assert row["DENOM"] == as_written(result.denom[i])
        assert row["AVG"] == as_written(avg[i])
        assert row["MISSING_GENOTYPES"] == str(int(result.missing[i]))
    assert {row["SUM"] for row in rows[:10]} >= {"0", "-0", "1e-300", "-1.23456789e+20", "0.3", "nan", "inf", "-inf"}
    lines = scores_tsv(run).splitlines()
    assert len(lines) == 1 + count and lines[1].split("\t")[1:3] == ["PGS001229", "0"]
