"""Reading a few loci the way a consumer asks for them, for tests of the evidence stage."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tailormed.evidence import GenomeBatch, read_genomes
from tailormed.model.evidence import AbsentPolicy, BuildLoci, DeclaredBy, GenomeRequest
from tailormed.model.genotype import BuildMarker, GenomeBuild, Locus, SampleGenotypes

CONSUMER = "test"
Batch = Callable[..., GenomeBatch]
Extract = Callable[..., dict[str, SampleGenotypes]]


def read_loci(
    path: Path | int,
    loci: Sequence[Locus],
    *,
    loci_build: GenomeBuild = GenomeBuild.GRCH38,
    build: GenomeBuild | None = None,
    samples: Sequence[str] | None = None,
    absent_is_reference: bool = False,
    markers: Sequence[BuildMarker] = (),
    **options: Any,
) -> GenomeBatch:
    """One pass reading ``loci`` (in ``loci_build``) for the consumer ``test``."""
    wanted = GenomeRequest(loci={CONSUMER: {loci_build: BuildLoci(loci=list(loci))}}, markers=list(markers))
    absent = AbsentPolicy(absent_is_reference=absent_is_reference, declared_by=DeclaredBy.COMMAND_LINE)
    return read_genomes(path, wanted, samples=samples, build=build, absent=absent, **options)


@pytest.fixture
def batch() -> Batch:
    return read_loci


@pytest.fixture
def extract() -> Extract:
    """Each sample's calls at the loci, keyed by sample (the consumer's view of the evidence)."""

    def run(path: Path | int, loci: Sequence[Locus], **options: Any) -> dict[str, SampleGenotypes]:
        found = read_loci(path, loci, **options)
        return {name: found.evidence(name).sample_genotypes(CONSUMER) for name in found.samples}

    return run
