"""``tailormed prs score`` read without Typer: the same values as Typer gives, Typer for everything else, and a
start that loads neither Typer nor the scoring modules before the VCF's inflating child is running."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tailormed.cli import prs_score
from tailormed.cli.app import app
from tailormed.cli.prs_score import DEFAULTS, quick_arguments, tell

#: Command lines after ``prs score`` that the quick reader takes: each must give Typer's very values.
PLAIN = [
    ["in.vcf.gz", "--scoring", "a.txt"],
    ["--scoring", "a.txt", "in.vcf.gz"],
    ["--scoring=a.txt", "--scoring", "b.txt.gz", "in.vcf"],
    ["in.vcf.gz", "--scoring", "a.txt", "-s", "S1", "--sample", "S2", "--sample=S3"],
    ["in.vcf.gz", "--scoring", "a.txt", "--min-overlap", "0"],
    ["in.vcf.gz", "--scoring", "a.txt", "--min-overlap", "1"],
    ["in.vcf.gz", "--scoring", "a.txt", "--min-overlap=.25", "--min-overlap", "0.5"],
    ["in.vcf.gz", "--scoring", "a.txt", "--min-overlap", "1.", "--build", "grch37"],
    ["in.vcf.gz", "--scoring", "a.txt", "--build", "GRCh38", "--kb", "kb", "--reference", "ref.fa"],
    ["in.vcf.gz", "--scoring", "a.txt", "--build=GRCH37", "--absent-is-reference", "--keep-ambiguous"],
    ["in.vcf.gz", "--scoring", "a.txt", "--build", "hg19"],
    ["in.vcf.gz", "--scoring", "a.txt", "--build=GRCh38.p14"],
    ["in.vcf.gz", "--keep-multiallelic", "--scoring", "a.txt", "-f", "json", "-o", "out.tsv"],
    ["in.vcf.gz", "--scoring", "a.txt", "--format", "tsv", "--output=o.tsv", "--match-log", "log.tsv"],
    ["--pgen", "prefix", "--build", "grch37", "--scoring", "a.txt", "--sample", "S1"],
    ["--bgen", "x.bgen", "--bgen-sample", "x.sample", "--build", "grch38", "--scoring", "a.txt"],
    ["in.vcf.gz", "--pgen", "prefix", "--scoring", "a.txt"],  # the command itself refuses two inputs
    ["in.vcf.gz", "--scoring", "a.txt", "--build", "grch37", "--build", "grch38", "-o", "a", "-o", "b"],
]
#: Command lines left to Typer: help, errors, and forms the quick reader does not take.
LEFT = [
    [],
    ["--help"],
    ["in.vcf.gz", "--scoring", "a.txt", "--help"],
    ["in.vcf.gz"],  # no --scoring
    ["in.vcf.gz", "--scoring"],
    ["in.vcf.gz", "--scoring="],
    ["in.vcf.gz", "--scoring", "a.txt", "--min-overlap", "2"],
    ["in.vcf.gz", "--scoring", "a.txt", "--min-overlap", "-0.5"],
    ["in.vcf.gz", "--scoring", "a.txt", "--min-overlap", "1e-1"],
    ["in.vcf.gz", "--scoring", "a.txt", "--min-overlap", "nan"],
    ["in.vcf.gz", "--scoring", "a.txt", "--build", "hg18"],
    ["in.vcf.gz", "--scoring", "a.txt", "--format", "TSV"],
    ["in.vcf.gz", "--scoring", "a.txt", "-oout.tsv"],
    ["in.vcf.gz", "--scoring", "a.txt", "--output", "-"],
    ["in.vcf.gz", "--scoring", "a.txt", "--scoring-file", "b.txt"],
    ["in.vcf.gz", "--scoring", "a.txt", "--keep-ambiguous=yes"],
    ["in.vcf.gz", "other.vcf.gz", "--scoring", "a.txt"],
    ["--scoring", "a.txt", "--", "in.vcf.gz"],
    ["-", "--scoring", "a.txt"],
    ["", "--scoring", "a.txt"],
]


def typer_arguments(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The values Typer's ``prs score`` hands to :func:`prs_score.score` for ``argv``."""
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(prs_score, "score", lambda **values: seen.append(values))
    result = CliRunner().invoke(app, ["prs", "score", *argv])
    assert result.exit_code == 0, result.output
    return seen[0]


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_a_plain_command_line_gives_typers_values(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    quick = quick_arguments(argv)
    assert quick is not None
    expected = typer_arguments(argv, monkeypatch)
    assert quick == expected
    assert [type(value) for value in quick.values()] == [type(value) for value in expected.values()]


@pytest.mark.parametrize("argv", LEFT, ids=" ".join)
def test_help_errors_and_other_forms_are_left_to_typer(argv: list[str]) -> None:
    assert quick_arguments(argv) is None


def test_the_quick_reader_knows_every_option_of_the_command() -> None:
    """An option added to the Typer command without the quick reader would only ever go through Typer; its
    parameter and default must be the quick reader's too, so a plain line gives the value Typer would."""
    import typer

    group = typer.main.get_command(app)
    command = group.get_command(None, "prs").get_command(None, "score")  # type: ignore[union-attr]
    names = {param.name: param for param in command.params if param.name != "help"}
    assert set(names) == set(DEFAULTS)
    options = {opt for param in command.params for opt in param.opts if param.name != "help"}
    known = set(prs_score._VALUED) | set(prs_score._FLAGS)
    assert options - {"vcf"} == known


_START = """
import atexit, json, sys
from tailormed import bgzf

forks = []
start = bgzf.Ahead.__init__
def counted(self, *args, **kwargs):
    forks.append(sorted(name for name in ("typer", "click", "numpy", "pydantic") if name in sys.modules))
    start(self, *args, **kwargs)
bgzf.Ahead.__init__ = counted
bgzf.MIN_AHEAD_BYTES = 0
atexit.register(lambda: print(json.dumps({"forks": forks, "modules": sorted(sys.modules)}), file=sys.stderr))
from tailormed.cli import main
main()
"""


@pytest.mark.shared
def test_the_vcf_inflates_before_anything_else_loads_and_typer_never_does(
    cineca_vcf: Path, pgs_dir: Path, tmp_path: Path
) -> None:
    """One child, started before numpy, pydantic or the CLI framework are loaded; the table is the one Typer's
    path gives (the ``--help`` forces that path, so the same line without it is compared through the API)."""
    out = tmp_path / "quick.tsv"
    args = ["prs", "score", str(cineca_vcf), "--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt"), "--build"]
    args += ["grch37", "-o", str(out)]
    done = subprocess.run([sys.executable, "-c", _START, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stderr.splitlines()[-1])
    assert report["forks"] == [[]]
    assert not {"typer", "click", "rich"} & set(report["modules"])  # stderr is a pipe: no bar, plain messages
    assert "782/835 variants matched" in done.stderr
    through_typer = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "typer.tsv")])
    assert through_typer.exit_code == 0, through_typer.output
    assert out.read_text() == (tmp_path / "typer.tsv").read_text()


@pytest.mark.shared
def test_an_input_error_reads_as_through_typer(cineca_vcf: Path, tmp_path: Path) -> None:
    """The quick path's errors are the command's own, printed and coded as the entry point prints them."""
    missing = tmp_path / "missing.txt"
    command = [sys.executable, "-m", "tailormed", "prs", "score", str(cineca_vcf), "--scoring", str(missing)]
    quick = subprocess.run(command, capture_output=True, text=True, check=False)
    typer_way = subprocess.run([*command, "-ftsv"], capture_output=True, text=True, check=False)
    assert quick_arguments(command[5:]) is not None
    assert quick.returncode == typer_way.returncode == 2
    assert quick.stderr == typer_way.stderr and str(missing) in quick.stderr


@pytest.mark.shared
@pytest.mark.skipif(os.name != "posix", reason="a pipe whose reader goes away")
def test_a_closed_output_pipe_ends_quietly_with_code_1(cineca_vcf: Path, pgs_dir: Path) -> None:
    """``prs score ... | head -1``: as Typer leaves on a broken pipe, exit code 1 and no internal error."""
    read, write = os.pipe()
    os.close(read)
    args = ["prs", "score", str(cineca_vcf), "--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt"), "--build"]
    command = [sys.executable, "-m", "tailormed", *args, "grch37"]
    done = subprocess.run(command, stdout=write, stderr=subprocess.PIPE, text=True, check=False)
    os.close(write)
    assert done.returncode == 1, done.stderr
    assert "error" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "text",
    [
        "PGS001229: 782/835 variants matched (93.6%), build GRCh37 (user), missing genotypes: mean imputation",
        "wrote 2504 scores to /tmp/a b/scores.tsv",
        "wrote 1 scores to ünïcödé ✓.tsv",
        "wrote 1 scores to out [1].tsv",
        "wrote 1 scores to :smile:.tsv",
        "wrote 1 scores to a\tb.tsv",
        "wrote 1 scores to a\x07b.tsv",
    ],
)
def test_a_message_to_a_file_is_the_line_rich_prints(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from tailormed.cli import console

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    expected = io.StringIO()
    Console(file=expected, soft_wrap=True).print(text, highlight=False)
    written = io.StringIO()
    monkeypatch.setattr(sys, "stderr", written)
    monkeypatch.setattr(console, "err", Console(file=written, soft_wrap=True))
    tell(text)
    assert written.getvalue() == expected.getvalue()


_BAR = """
import atexit, sys
atexit.register(lambda: print("rich.progress" in sys.modules, file=sys.__stdout__))
from tailormed.cli import main
main()
"""


@pytest.mark.shared
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal for stderr")
def test_a_terminal_still_gets_richs_progress_bar(cineca_vcf: Path, pgs_dir: Path) -> None:
    import pty

    primary, secondary = pty.openpty()
    args = ["prs", "score", str(cineca_vcf), "--build", "GRCh37", "-o", os.devnull]
    args += ["--scoring", str(pgs_dir / "PGS001229_22.GRCh37.txt")]
    env = {name: value for name, value in os.environ.items() if name not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [sys.executable, "-c", _BAR, *args], stdout=subprocess.PIPE, stderr=secondary, text=True, env=env, check=False
    )
    os.close(secondary)
    os.close(primary)
    assert done.returncode == 0
    assert done.stdout.strip() == "True"
