"""Paths of the polygenic-score development data (under the shared data folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tailormed.evidence import read_genomes
from tailormed.model.dosage import SiteGroup
from tailormed.model.evidence import GenomeRequest, ScoreSites
from tailormed.model.genotype import GenomeBuild


@pytest.fixture(scope="session")
def risk_data(shared_data: Path) -> Path:
    return shared_data / "risk"


@pytest.fixture(scope="session")
def kg_vcf(risk_data: Path) -> Path:
    """Real 1000 Genomes GRCh38 genotypes (3,202 samples) at 1,004 PGS001229 sites."""
    return risk_data / "genotypes" / "tiny1000G.GRCh38.PGS001229_sites.vcf.gz"


@pytest.fixture(scope="session")
def cineca_vcf(risk_data: Path) -> Path:
    """pgsc_calc's synthetic CINECA cohort, GRCh37 chr22, 2,504 samples, a few missing calls."""
    return risk_data / "genotypes" / "cineca_synthetic_subset.GRCh37.chr22.vcf.gz"


@pytest.fixture(scope="session")
def pgs_dir(risk_data: Path) -> Path:
    return risk_data / "pgs"


def records_at(
    vcf: Path, positions: set[tuple[str, int]], build: GenomeBuild, samples: list[str] | None = None
) -> list[SiteGroup]:
    """The records of ``vcf`` at ``positions`` (canonical chromosome, position), read as the PRS engine reads them."""
    wanted = ScoreSites.at(sorted(positions))
    batch = read_genomes(vcf, GenomeRequest(scores={build: wanted}), samples=samples, build=build)
    return batch.score_groups or []


@pytest.fixture(scope="session")
def site_groups() -> Any:
    """``site_groups(vcf, positions, build, samples=None)``: see :func:`records_at`."""
    return records_at
