"""The ``tailormed`` command: Typer sub-applications wired together, errors turned into exit codes.

:func:`main` is the entry point. A plain ``tailormed prs score`` command line is run without loading Typer (see
:mod:`tailormed.cli.prs_score`): a cohort VCF scores in well under a second, and the framework's start-up was a
large part of that. Every other command line, and every ``prs score`` line with help or an error in it, goes
through the Typer application :data:`app` (loaded on first use).
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from tailormed.errors import InternalError, TailormedError

if TYPE_CHECKING:
    from tailormed.cli.app import app

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from tailormed.cli.app import app

        return app
    raise AttributeError(f"module 'tailormed.cli' has no attribute {name!r}")


def main() -> None:
    """Entry point: run the command; user-facing errors become one line on stderr and their exit code.

    Typer runs in standalone mode, so ``typer.Exit(n)``, usage errors and aborts leave with their own exit code
    (a non-standalone run would return that code instead of exiting with it); the quick ``prs score`` leaves as
    Typer would (a closed output pipe: exit code 1, quietly; an interrupt: 130).

    On the way out every object left is frozen (``gc.freeze``): the interpreter's shutdown then skips walking them
    in its final cycle collections, which cost a whole-genome ``analyze`` about a tenth of its CPU time for nothing
    (the process ends; outputs are already written and closed, and atexit handlers still run)."""
    quick = None
    if sys.argv[1:3] == ["prs", "score"]:
        from tailormed.cli.prs_score import quick_arguments

        quick = quick_arguments(sys.argv[3:])
    try:
        if quick is None:
            from tailormed.cli.app import app

            app()
        else:
            _quick_score(quick)
    except TailormedError as exc:
        _print_error(f"[bold red]error:[/] {_plain(exc)}")
        sys.exit(exc.exit_code)
    except Exception as exc:
        internal = InternalError(f"unexpected {type(exc).__name__}: {exc}")
        _print_error(f"[bold red]internal error:[/] {_plain(internal)} (please report this)")
        sys.exit(internal.exit_code)
    finally:
        gc.freeze()


def _quick_score(arguments: dict[str, Any]) -> None:
    """``prs score`` with arguments read without Typer: the VCF's inflating child starts first, before anything
    else is loaded, so it works on the other core while this process loads the scoring modules."""
    from tailormed import bgzf
    from tailormed.cli.prs_score import child_decoder, score

    vcf = arguments["vcf"] if arguments["pgen"] is None and arguments["bgen"] is None else None
    selected = len(arguments["sample"]) if arguments["sample"] else None
    try:
        with bgzf.inflating(vcf, selected, decoder=child_decoder):
            score(**arguments)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        _quiet_output()
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


def _quiet_output() -> None:
    """Send what is left of stdout and stderr nowhere: their reader has gone, and flushing them at exit would fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a stream without a descriptor: nothing to quiet
            os.dup2(devnull, stream.fileno())
    os.close(devnull)


def _print_error(message: str) -> None:
    from tailormed.cli.console import err

    err.print(message, highlight=False)


def _plain(message: object) -> str:
    from tailormed.cli.console import plain

    return plain(message)
