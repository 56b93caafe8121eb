"""A PLINK 2 fileset scores exactly as the VCF it holds: same matches, SUM and DENOM for every sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tailormed.engines.prs.scoring import Imputation
from tailormed.errors import InputError
from tailormed.model.genotype import GenomeBuild
from tailormed.pipeline.prs import read_scores, score_pgen, score_vcf

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def cineca_pgen(cineca_vcf: Path) -> Path:
    return cineca_vcf.parent / "cineca_synthetic_subset.GRCh37.chr22"


def test_pgen_scores_equal_the_vcf_scores(cineca_pgen: Path, cineca_vcf: Path, pgs_dir: Path) -> None:
    scores = read_scores([pgs_dir / "PGS001229_22.GRCh37.txt"])
    from_pgen = score_pgen(cineca_pgen, scores, GenomeBuild.GRCH37).scores[0]
    from_vcf = score_vcf(cineca_vcf, scores, None, build=GenomeBuild.GRCH37).scores[0]
    assert from_pgen.match.matched == from_vcf.match.matched == 782
    assert [row.target_id for row in from_pgen.match.selected] == [row.target_id for row in from_vcf.match.selected]
    assert len(from_pgen.samples) == len(from_vcf.samples) == 2504
    np.testing.assert_allclose(from_pgen.sums, from_vcf.sums, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(from_pgen.denom, from_vcf.denom)


def test_pgen_sample_subset_keeps_the_requested_order(cineca_pgen: Path, pgs_dir: Path) -> None:
    scores = read_scores([pgs_dir / "PGS001229_22.GRCh37.txt"])
    everyone = score_pgen(cineca_pgen, scores, GenomeBuild.GRCH37, imputation=Imputation.NONE).scores[0]
    picked = ["NA21144", "HG00096", "HG00171"]
    some = score_pgen(cineca_pgen, scores, GenomeBuild.GRCH37, samples=picked, imputation=Imputation.NONE).scores[0]
    assert some.samples == picked
    where = [everyone.samples.index(sample) for sample in picked]
    np.testing.assert_allclose(some.sums, everyone.sums[where], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(some.denom, everyone.denom[where])
    with pytest.raises(InputError, match=r"not in the \.psam: NOPE"):
        score_pgen(cineca_pgen, scores, GenomeBuild.GRCH37, samples=["NOPE"])


def test_prs_score_cli_reads_pgen_and_needs_a_build(cineca_pgen: Path, pgs_dir: Path) -> None:
    command = [sys.executable, "-m", "tailormed", "prs", "score", "--pgen", str(cineca_pgen)]
    command += ["--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt")]
    refused = subprocess.run(command, capture_output=True, text=True)
    assert refused.returncode == 2 and "give --build" in refused.stderr
    done = subprocess.run([*command, "--build", "GRCh37"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert rows[0].startswith("IID\tPGS\tSUM") and len(rows) == 1 + 2504
    assert "782/835 variants matched" in done.stderr


#: ``prs score`` run in-process, counting the cycle collections that start from reading the scoring files to the
#: end of scoring.
_COLLECTIONS = """
import gc
import sys
from tailormed.cli import main
from tailormed.pipeline import prs

scoring, started = [False], []
read_scores, score_pgen = prs.read_scores, prs.score_pgen
def read(*args, **kwargs):
    scoring[0] = True
    return read_scores(*args, **kwargs)
def score(*args, **kwargs):
    try:
        return score_pgen(*args, **kwargs)
    finally:
        scoring[0] = False
prs.read_scores, prs.score_pgen = read, score
gc.callbacks.append(lambda phase, info: started.append(phase) if phase == "start" and scoring[0] else None)
try:
    main()
finally:
    print("collections while scoring:", len(started), file=sys.stderr)
"""


def test_prs_score_runs_with_the_collector_paused(cineca_pgen: Path, pgs_dir: Path) -> None:
    """Reading the scoring file and matching make objects by the variant, none in a reference cycle: no cycle
    collection walks them while the command scores."""
    args = ["prs", "score", "--pgen", str(cineca_pgen), "--build", "GRCh37"]
    args += ["--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt")]
    done = subprocess.run([sys.executable, "-c", _COLLECTIONS, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "collections while scoring: 0" in done.stderr


_MODULES = """
import atexit, json, sys
from tailormed.cli import main
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
main()
"""


def test_prs_score_on_a_fileset_loads_no_knowledge_bundle(cineca_pgen: Path, pgs_dir: Path) -> None:
    """A fileset names its build through --build: the bundle (whose markers vote on a VCF's build), its YAML reader
    and the ancestry engine stay unloaded, as do htslib's VCF reader and the evidence stage's VCF pass, and numpy's
    masked arrays module."""
    args = ["prs", "score", "--pgen", str(cineca_pgen), "--build", "GRCh37"]
    args += ["--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt"), "-o", os.devnull]
    done = subprocess.run([sys.executable, "-c", _MODULES, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stderr.splitlines()[-1]))
    assert "tailormed.pipeline.prs" in loaded
    assert not loaded & {"tailormed.knowledge.bundle", "tailormed.knowledge.markers", "tailormed.engines.prs.ancestry"}
    assert "yaml" not in loaded
    assert not loaded & {"cyvcf2", "tailormed.evidence.read", "tailormed.evidence.reader", "tailormed.evidence.plan"}
    assert "numpy.ma" not in loaded  # np.isin and np.unique load it; the wanted variants are found without them


_BLAS_THREADS = """
import atexit, sys
from threadpoolctl import threadpool_info
from tailormed.cli import main
atexit.register(lambda: print("blas threads:", [i["num_threads"] for i in threadpool_info()], file=sys.stderr))
main()
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: OpenBLAS starts no thread of its own anyway")
def test_prs_score_starts_no_blas_threads(cineca_pgen: Path, pgs_dir: Path) -> None:
    """Scoring does no linear algebra: numpy's OpenBLAS is loaded with one thread, so no idle BLAS thread spins on
    the core the readers need (a user's own OPENBLAS_NUM_THREADS still wins)."""
    pytest.importorskip("threadpoolctl")
    args = ["prs", "score", "--pgen", str(cineca_pgen), "--build", "GRCh37"]
    args += ["--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt"), "-o", os.devnull]
    env = {name: value for name, value in os.environ.items() if name != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", _BLAS_THREADS, *args], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "blas threads: [1]"


def test_prs_score_leaves_the_environment_alone_once_numpy_is_loaded(
    cineca_pgen: Path, pgs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run in a process that has numpy already (this one), the setting could only reach child processes."""
    from typer.testing import CliRunner

    from tailormed.cli.app import app

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    args = ["prs", "score", "--pgen", str(cineca_pgen), "--build", "GRCh37"]
    args += ["--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt"), "-o", os.devnull]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "OPENBLAS_NUM_THREADS" not in os.environ


_FAULTS = """
import resource, sys
import numpy as np
from tailormed.cli.prs import keep_freed_memory
if sys.argv[1] == "keep":
    keep_freed_memory()
np.ones(5 << 20)  # 40 MB, freed at once
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    np.ones(5 << 20)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator settings")
def test_freed_blocks_are_reused_without_faulting_their_pages_in_again() -> None:
    """prs score's arrays of a few megabytes come from memory already faulted in, not from fresh mappings each."""
    faults = {}
    for mode in ("keep", "default"):
        done = subprocess.run([sys.executable, "-c", _FAULTS, mode], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        faults[mode] = int(done.stdout)
    assert faults["default"] > 1_000  # ten 40 MB arrays, each in fresh pages (huge pages where the kernel gives them)
    assert faults["keep"] * 10 < faults["default"]
