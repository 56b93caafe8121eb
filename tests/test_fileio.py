"""Output paths: patient folders stay inside the output folder, reruns never delete what tailormed did not write,
``-o`` handles standard output, devices, pipes and folders without replacing or crashing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tailormed.errors import InputError
from tailormed.fileio import OUTPUTS_LIST, safe_folder_name, write_folder_atomic, write_text_atomic
from tailormed.intake.fhir import convert_fhir_bundle
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.pipeline.analyze import analyze_files
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

_RUN = "import sys; from tailormed.cli import main; sys.argv[0] = 'tailormed'; main()"


def _gail_cases(folder: Path) -> Path:
    cases = folder / "g.tsv"
    cases.write_text("T1\tT2\tN_Biop\tHypPlas\tAgeMen\tAge1st\tN_Rels\tRace\n40\t45\t0\t99\t12\t25\t0\t1\n")
    return cases


def _tailormed(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("bad", [".", "..", ".hidden", "a/b", "", "x" * 129, "é"])
def test_unsafe_folder_names_are_refused(bad: str) -> None:
    with pytest.raises(InputError, match="cannot name an output folder"):
        safe_folder_name(bad)


@pytest.mark.parametrize("patient_id", [".", "..", ".x"])
def test_record_and_fhir_ids_that_are_not_folder_names_are_refused(tmp_path: Path, patient_id: str) -> None:
    record = tmp_path / "r.yaml"
    record.write_text(f"id: '{patient_id}'\n", encoding="utf-8")
    with pytest.raises(InputError, match="id: "):
        load_record(record, RANGES)
    entry = {"resource": {"resourceType": "Patient", "id": patient_id, "gender": "female"}}
    with pytest.raises(InputError, match="id"):
        convert_fhir_bundle({"resourceType": "Bundle", "type": "collection", "entry": [entry]}, "b.json")


def test_analyze_of_a_dot_id_leaves_other_patients_results(core: KnowledgeBundle, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "other-patient").mkdir(parents=True)
    (out / "other-patient" / "careplan.json").write_text("{}", encoding="utf-8")
    for patient_id in (".", ".."):
        record = tmp_path / "dot.yaml"
        record.write_text(f"id: '{patient_id}'\n", encoding="utf-8")
        with pytest.raises(InputError):
            analyze_files(record, out_dir=out, bundle=core, on=date(2026, 1, 15))
        done = _tailormed("analyze", "--record", str(record), "--out", str(out))
        assert done.returncode == 2, done.stderr
        assert "internal error" not in done.stderr
    assert (out / "other-patient" / "careplan.json").read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dot.yaml", "out"]


def test_rerun_replaces_its_own_files_only(tmp_path: Path) -> None:
    folder = tmp_path / "p1"
    write_folder_atomic(folder, {"careplan.json": "1", "hereditary.tsv": "secondary findings"})
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    written = write_folder_atomic(folder, {"careplan.json": "2", "report.pdf": b"%PDF"})
    assert written == [folder / "careplan.json", folder / "report.pdf"]
    # the user's file stays; the earlier run's file that this run does not write goes (it would be stale)
    expected = [OUTPUTS_LIST, "careplan.json", "notes.txt", "report.pdf"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(expected)
    assert (folder / "careplan.json").read_text(encoding="utf-8") == "2"
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_failed_rerun_leaves_the_previous_files(tmp_path: Path) -> None:
    folder = tmp_path / "p1"
    write_folder_atomic(folder, {"careplan.json": "1", "summary.txt": "one"})
    (folder / "report.html").mkdir()  # a folder where the new run wants a file: the swap fails part-way
    with pytest.raises(InputError, match="cannot write results"):
        write_folder_atomic(folder, {"careplan.json": "2", "summary.txt": "two", "report.html": "<p>"})
    assert (folder / "careplan.json").read_text(encoding="utf-8") == "1"
    assert (folder / "summary.txt").read_text(encoding="utf-8") == "one"
    expected = [OUTPUTS_LIST, "careplan.json", "report.html", "summary.txt"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(expected)


def test_dash_is_standard_output(tmp_path: Path) -> None:
    cases = _gail_cases(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _RUN, "risk", "calc", "gail", "--input", str(cases), "-o", "-"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("T1\t")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.tsv"]  # no file named '-'


def test_a_named_pipe_is_written_to_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    write_text_atomic(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_character_device_stays_a_device() -> None:
    null = Path("/dev/null")
    if not null.exists() or not stat.S_ISCHR(null.stat().st_mode):
        pytest.skip("no /dev/null character device here")
    write_text_atomic(null, "discarded\n")
    assert stat.S_ISCHR(null.stat().st_mode)


def test_a_folder_or_an_unwritable_place_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="output is a folder"):
        write_text_atomic(tmp_path, "x")
    with pytest.raises(InputError, match="output folder does not exist"):
        write_text_atomic(tmp_path / "missing" / "x.tsv", "x")
    if Path("/proc/self").is_dir():
        with pytest.raises(InputError, match="cannot write output"):
            write_text_atomic(Path("/proc/tailormed-test"), "x")
    cases = _gail_cases(tmp_path)
    for target in (str(tmp_path), "/proc/tailormed-test"):
        done = _tailormed("risk", "calc", "gail", "--input", str(cases), "-o", target)
        assert done.returncode == 2, done.stderr
        assert target in done.stderr and "internal error" not in done.stderr


def test_pieces_are_written_in_turn_and_a_failing_piece_leaves_the_previous_file(tmp_path: Path) -> None:
    """A table written a line at a time is the same file as one string; an error while the lines are made leaves
    the previous file and no temporary one."""
    path = tmp_path / "log.tsv"
    write_text_atomic(path, (f"{i}\tx\n" for i in range(3)))
    assert path.read_text() == "0\tx\n1\tx\n2\tx\n"

    def failing() -> Iterator[str]:
        yield "first\n"
        raise InputError("a bad row", source=path)

    with pytest.raises(InputError, match="a bad row"):
        write_text_atomic(path, failing())
    assert path.read_text() == "0\tx\n1\tx\n2\tx\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.tsv"]
