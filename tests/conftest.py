"""Test fixtures: where the shared development data is, and how tests skip (or fail in CI) without it.

Tests never read the environment of the person running them: before anything runs, ``HOME`` and the XDG folders
point into a fresh temporary folder and every ``TAILORMED_*`` variable except ``TAILORMED_SHARED_DATA`` is removed,
so a knowledge bundle or model folder installed by the user cannot change a result. CLI tests run as subprocesses
inherit the same environment.
"""

from __future__ import annotations

import os
import shutil
import struct
import tempfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tailormed.knowledge.bundle import KnowledgeBundle

REPO = Path(__file__).resolve().parents[1]
#: The variables tests keep from the outer environment (where the shared data is, the test PostgreSQL server).
KEPT = frozenset({"TAILORMED_SHARED_DATA", "TAILORMED_TEST_POSTGRES_URL"})
_XDG = ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


def bgzf_block(data: bytes) -> bytes:
    """One BGZF block holding ``data`` (SAM/BAM specification 4.1): a gzip member whose extra field gives its size.
    ``bgzf_block(b"")`` is the end-of-file block."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = packer.compress(data) + packer.flush()
    head = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00" + struct.pack("<H", len(body) + 25)
    return head + body + struct.pack("<II", zlib.crc32(data), len(data))


def bgzf_blocks(text: bytes, size: int = 60_000) -> bytes:
    """``text`` as BGZF blocks of ``size`` bytes each, then the end-of-file block."""
    return b"".join(bgzf_block(text[start : start + size]) for start in range(0, len(text), size)) + bgzf_block(b"")


def pytest_configure(config: pytest.Config) -> None:
    """Give the whole run (and its subprocesses) a home and XDG folders of its own, and no TAILORMED_* settings."""
    os.environ.setdefault("TAILORMED_SHARED_DATA", str(shared_data_dir()))
    home = Path(tempfile.mkdtemp(prefix="tailormed-test-home-"))
    os.environ["HOME"] = str(home)
    for name in _XDG:
        os.environ[name] = str(home / name.lower())
    for name in [n for n in os.environ if n.startswith("TAILORMED_") and n not in KEPT]:
        del os.environ[name]
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))


def shared_data_dir() -> Path:
    return Path(os.environ.get("TAILORMED_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; skipped with a reason when absent, a failure when absent under CI=true."""
    path = shared_data_dir()
    if not path.is_dir():
        message = f"shared development data not found at {path} (set TAILORMED_SHARED_DATA)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def built_bundle(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBundle:
    """A knowledge bundle built once per session from the shared data with every importer that finds its files."""
    from tailormed.knowledge.bundle import build_bundle, load_bundle

    out = tmp_path_factory.mktemp("built-bundle") / "kb"
    build_bundle(shared_data, out)
    return load_bundle(out)


@pytest.fixture(scope="session")
def core() -> KnowledgeBundle:
    """The curated knowledge core alone, as a fresh install has it (never the user's installed bundle)."""
    from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources

    return KnowledgeBundle(None, None, curated_sources())


@pytest.fixture(scope="session")
def pgx_of() -> Any:
    """``pgx_of(patient, vcf, bundle, on=..., outside_calls=None, absent_is_reference=None, build=None)``: the
    PGx engine's result for a patient's VCF, read and called the way ``analyze`` does it."""
    from tailormed.pipeline.analyze import read_patient_genome
    from tailormed.pipeline.pgx import PatientPgx, load_calling, patient_pgx, read_outside

    def run(
        patient: Any,
        vcf: Path,
        bundle: KnowledgeBundle,
        *,
        on: Any,
        outside_calls: Path | None = None,
        absent_is_reference: bool | None = None,
        build: Any = None,
    ) -> PatientPgx:
        evidence = read_patient_genome(
            vcf, patient, bundle, engines=["pgx"], build=build, absent_is_reference=absent_is_reference
        )
        outside = read_outside(outside_calls, load_calling(bundle)[0]) if outside_calls is not None else None
        return patient_pgx(patient, evidence, bundle, outside=outside, on=on)

    return run
