"""htslib's own stderr lines (``[E::vcf_parse] ...``, ``[W::vcf_parse_info] ...``) never reach the user: every VCF
reader silences htslib's log, and tailormed's error, naming the file and line, is the only thing printed.

htslib writes to the process's stderr descriptor, so ``capfd`` sees it; each test first sets htslib's log back to its
default level, so an earlier test that silenced it cannot hide a reader that does not."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tailormed import htslib
from tailormed.errors import InputError, KnowledgeError
from tailormed.evidence import open_vcf
from tailormed.evidence.tumour import read_tumour
from tailormed.knowledge.importers.vcf import open_vcf as open_knowledge_vcf
from tailormed.knowledge.importers.vcf import vcf_records
from tailormed.model.genotype import GenomeBuild

HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
BAD_POSITION = HEADER + "7\tabc\t.\tA\tT\t.\tPASS\t.\n"
_RUN = "import sys; from tailormed.cli import main; sys.argv[0] = 'tailormed'; main()"
#: htslib's default log level (HTS_LOG_WARNING), as a fresh process has it.
DEFAULT_LEVEL = 3


@pytest.fixture(autouse=True)
def htslib_at_default_level() -> Iterator[None]:
    library = htslib.library()
    if library is None:
        pytest.skip("cyvcf2's htslib is not reachable through ctypes")
    library.hts_set_log_level(DEFAULT_LEVEL)
    yield
    library.hts_set_log_level(DEFAULT_LEVEL)


def _no_htslib_lines(capfd: pytest.CaptureFixture[str]) -> None:
    err = capfd.readouterr().err
    assert "[E::" not in err and "[W::" not in err, err


def test_an_unparsable_record_names_its_line_and_what_is_wrong(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.vcf"
    path.write_text(BAD_POSITION)
    with open_vcf(path) as opened, pytest.raises(InputError) as caught:
        list(opened.records())
    _no_htslib_lines(capfd)
    assert caught.value.location == "line 3"
    assert "POS 'abc' is not a whole number" in caught.value.message


def test_too_few_columns_are_named_in_a_gzipped_file(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.vcf.gz"
    path.write_bytes(gzip.compress((HEADER + "7\t140453136\t.\tA\n").encode()))
    with open_vcf(path) as opened, pytest.raises(InputError, match=r"4 tab-separated column\(s\); a record has at"):
        list(opened.records())
    _no_htslib_lines(capfd)


def test_htslib_warnings_on_a_readable_tumour_vcf_are_not_printed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tumour.vcf"
    # an INFO field and a contig the header does not declare: htslib warns about both and reads on
    path.write_text(HEADER + "7\t140753336\t.\tA\tT\t.\tPASS\tDP=3\nchrUn_x\t5\t.\tA\tT\t.\tPASS\t.\n")
    evidence = read_tumour(path, build=GenomeBuild.GRCH38)
    _no_htslib_lines(capfd)
    assert [r.allele.pos for r in evidence.records] == [140753336]


def test_a_cut_bgzf_file_is_refused_by_tailormed_alone(
    shared_data: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes((shared_data / "onco" / "pcgr_examples" / "T001-COAD.grch38.vcf.gz").read_bytes()[:300])
    with pytest.raises(InputError, match="truncated"), open_vcf(cut) as opened:
        list(opened.records())
    _no_htslib_lines(capfd)


def test_the_knowledge_importers_vcf_reader_is_quiet_too(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "clinvar.vcf"
    path.write_text(BAD_POSITION)
    reader, lines = open_knowledge_vcf(path)
    with pytest.raises(KnowledgeError, match="line 3"):
        list(vcf_records(reader, path, lines))
    _no_htslib_lines(capfd)


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [["onco", "match", "-t", "COAD", "--build", "GRCh38", "--vcf"], ["pgx", "call"], ["vcf", "info"]],
    ids=" ".join,
)
def test_a_command_prints_only_its_own_error(tmp_path: Path, command: list[str]) -> None:
    """Nothing of htslib's, and no blank line of a progress bar that never showed (stderr is not a terminal)."""
    path = tmp_path / "bad.vcf"
    path.write_text(BAD_POSITION)
    env = {**os.environ, "TAILORMED_KB": str(tmp_path), "COLUMNS": "300", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _RUN, *command, str(path)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {path}, line 3: cannot parse this record: POS 'abc' is not a whole number"
    ]
