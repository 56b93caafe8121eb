"""The command tree: ``--version``, and a ``--help`` that lists every command without importing its module."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from tailormed.cli.app import COMMANDS, app
from tailormed.engines.prs.matching import DEFAULT_MIN_OVERLAP
from tailormed.knowledge.hereditary.acmg import DEFAULT_VERSION
from tailormed.version import __version__

runner = CliRunner()

#: What building the whole command tree may load from tailormed: the CLI itself and the light modules it names.
LIGHT = ("tailormed", "tailormed.cli", "tailormed.errors", "tailormed.fileio", "tailormed.version", "tailormed.model",
         "tailormed.model.enums")  # fmt: skip
#: Third-party packages the tree must not load (they belong to commands, not to parsing arguments).
HEAVY = ("pydantic", "numpy", "cyvcf2", "yaml", "fhir", "jinja2", "matplotlib", "sklearn", "pandas", "rich.markdown")

_PROBE = """
import json, sys
import typer
from tailormed.cli.app import COMMANDS, app
typer.main.get_command(app)
print(json.dumps(sorted(sys.modules)))
"""

#: The real entry point with three probe commands added: one leaving through ``typer.Exit``, one with a user error,
#: one with an unexpected exception; at exit it says whether the objects left were frozen out of shutdown's
#: collections.
_ENTRY = """
import atexit
import gc
import sys
import typer
from tailormed.cli import main
from tailormed.cli.app import app
from tailormed.errors import InputError

@app.command("probe-exit")
def probe_exit(code: int) -> None:
    raise typer.Exit(code)

@app.command("probe-input-error")
def probe_input_error() -> None:
    raise InputError("column 3 is not a number", source="calls.tsv", location="line 4")

@app.command("probe-crash")
def probe_crash() -> None:
    raise RuntimeError("boom")

atexit.register(lambda: print(f"frozen at exit: {gc.get_freeze_count() > 0}", file=sys.stderr))
main()
"""


def test_version_option_and_command() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"tailormed {__version__}"
    assert runner.invoke(app, ["version"]).stdout.strip() == __version__


def test_every_group_and_command_is_listed() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in ("analyze", "demo", "hereditary", "schema", "record", "kb", "vcf", "pgx", "diagnose", "onco",
                 "response", "prs", "risk"):  # fmt: skip
        assert f"  {name} " in result.stdout, name


def test_building_the_command_tree_loads_no_heavy_layer() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    ours = [m for m in loaded if m.startswith("tailormed") and not m.startswith("tailormed.cli.") and m not in LIGHT]
    assert ours == []
    assert [m for m in loaded if m.startswith(HEAVY)] == []
    assert [m for m in loaded if m.startswith("tailormed.cli.") and m != "tailormed.cli.app"] == []


def test_help_lists_each_lazy_command_with_its_own_summary() -> None:
    """The summaries ``--help`` shows without importing a command are the first paragraph of the command's help."""
    for lazy in COMMANDS:
        command = lazy.command()
        assert command.name == lazy.name
        assert (command.help or "").split("\n\n")[0].strip() == lazy.summary, lazy.name
        shown = runner.invoke(app, [lazy.name, "--help"])
        assert shown.exit_code == 0, (lazy.name, shown.output)
        assert f"Usage: tailormed {lazy.name} " in shown.stdout


def test_defaults_named_in_help_are_the_ones_used() -> None:
    """Options whose defaults live in the knowledge or an engine say them in their help text."""
    hereditary = runner.invoke(app, ["hereditary", "--help"], terminal_width=200)
    assert f"default: {DEFAULT_VERSION}" in " ".join(hereditary.stdout.split())
    score = runner.invoke(app, ["prs", "score", "--help"], terminal_width=200)
    assert f"default: {DEFAULT_MIN_OVERLAP:g}" in " ".join(score.stdout.split())


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (["probe-exit", "1"], 1, ""),
        (["probe-exit", "5"], 5, ""),
        (["probe-exit", "0"], 0, ""),
        (["--version"], 0, ""),
        (["probe-input-error"], 2, "calls.tsv, line 4: column 3 is not a number"),
        (["probe-crash"], 70, "internal error"),
        (["no-such-command"], 2, "No such command"),
        (["probe-exit"], 2, "Missing argument"),
    ],
)
def test_entry_point_exits_with_the_code_of_what_happened(args: list[str], code: int, stderr: str) -> None:
    done = subprocess.run([sys.executable, "-c", _ENTRY, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stderr
    assert stderr in done.stderr
    assert "frozen at exit: True" in done.stderr


def _commands(command: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf command under ``command`` with its path (a group's ``commands`` are its subcommands)."""
    subcommands = getattr(command, "commands", None)
    if subcommands:
        return [found for name, sub in subcommands.items() for found in _commands(sub, (*path, name))]
    return [(path, command)]


def test_every_build_option_takes_the_common_names_of_both_builds() -> None:
    """``--build`` reads hg19, b37, GRCh37.p13 (and the GRCh38 names) the same in every command, and refuses any
    other name listing the accepted ones."""
    names = [("hg19", "GRCh37"), ("b37", "GRCh37"), ("GRCh37.p13", "GRCh37"), ("grch37", "GRCh37"),
             ("hs37d5", "GRCh37"), ("hg38", "GRCh38"), ("b38", "GRCh38"), ("GRCh38.p14", "GRCh38"),
             ("GRCH38", "GRCh38")]  # fmt: skip
    taking = []
    for lazy in COMMANDS:
        for path, command in _commands(lazy.command(), (lazy.name,)):
            for param in command.params:
                if "--build" in getattr(param, "opts", ()):
                    taking.append(" ".join(path))
                    ctx = typer.Context(command)
                    for name, build in names:
                        assert param.process_value(ctx, name) == build, (path, name)
                    with pytest.raises(typer.BadParameter, match=r"'hg18'.*accepted: GRCh37, hg19, b37"):
                        param.process_value(ctx, "hg18")
    assert {"analyze", "pgx call", "onco match", "prs score", "cohort run"} <= set(taking), taking


def test_an_unknown_build_is_a_usage_error_naming_the_accepted_names() -> None:
    shown = runner.invoke(app, ["onco", "match", "-a", "BRAF V600E", "-t", "COAD", "--build", "hg18"])
    assert shown.exit_code == 2
    message = " ".join(shown.stderr.split())
    assert "unknown genome build 'hg18'" in message and "hg19" in message and "hg38" in message
