"""The examples in the evidence stage's docstrings are true."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from tailormed.evidence import build, columnar, reader, scores
from tailormed.model import alleles, chrom, evidence
from tailormed.pipeline import engines


@pytest.mark.parametrize("module", [build, columnar, reader, scores, alleles, chrom, evidence, engines])
def test_doctests(module: ModuleType) -> None:
    failures, tried = doctest.testmod(module)
    assert failures == 0 and tried > 0
