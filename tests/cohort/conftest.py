"""Paths of the cohort development data (under the shared data folder)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def cineca_vcf(shared_data: Path) -> Path:
    """pgsc_calc's synthetic CINECA cohort, GRCh37 chr22, 2,504 samples, a few missing calls."""
    return shared_data / "risk" / "genotypes" / "cineca_synthetic_subset.GRCh37.chr22.vcf.gz"


@pytest.fixture(scope="session")
def pgs_dir(shared_data: Path) -> Path:
    return shared_data / "risk" / "pgs"
