"""One read per genome input: ``analyze`` with a germline VCF, a tumour VCF and a built bundle opens each file once.

Counted by the kernel, not by us: the command runs under ``strace``, and every successful ``open``/``openat`` of
either file is counted (htslib's own opens included).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tailormed.demo import demo_record
from tailormed.knowledge.bundle import KnowledgeBundle

STRACE = shutil.which("strace")


@pytest.fixture
def strace() -> str:
    if STRACE is None:
        message = "strace is not installed (apt-get install strace; CI installs it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return STRACE


def _opens(log: Path, path: Path) -> int:
    quoted = f'"{path}"'
    return sum(1 for line in log.read_text().splitlines() if quoted in line and "= -1" not in line)


@pytest.mark.shared
def test_each_genome_input_is_opened_once(
    strace: str, built_bundle: KnowledgeBundle, shared_data: Path, tmp_path: Path
) -> None:
    germline = tmp_path / "germline.vcf"
    germline.write_bytes((demo_record("demo-04-park").parent / "demo-04-park.vcf").read_bytes())
    tumour = tmp_path / "tumour.vcf.gz"
    tumour.write_bytes((shared_data / "onco/pcgr_examples/T001-COAD.grch38.vcf.gz").read_bytes())
    log = tmp_path / "strace.log"
    command = [
        strace, "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", str(log),
        sys.executable, "-m", "tailormed", "analyze", "--record", str(demo_record("demo-04-park")),
        "--vcf", str(germline), "--tumour-vcf", str(tumour), "--build", "GRCh38",
        "--kb", str(built_bundle.root), "--out", str(tmp_path / "out"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "demo-04-park" / "evidence.json").is_file()
    assert _opens(log, germline) == 1
    assert _opens(log, tumour) == 1
