"""Root of the command tree. Sub-commands live in sibling modules and register themselves here."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from tailormed.cli.console import err, out
from tailormed.errors import InternalError, TailormedError
from tailormed.version import __version__

app = typer.Typer(
    name="tailormed",
    help="Personalized medical management: genome, record and preferences into one explainable care plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class SchemaName(StrEnum):
    PATIENT = "patient"
    FINDING = "finding"
    CAREPLAN = "careplan"
    GENOTYPES = "genotypes"


@app.command()
def schema(name: Annotated[SchemaName, typer.Argument(help="Which contract to print.")]) -> None:
    """Print the JSON Schema of a contract (the patient record, a finding, the care plan)."""
    import json

    from pydantic import BaseModel

    from tailormed.model import CarePlan, Finding, Patient, SampleGenotypes

    models: dict[SchemaName, type[BaseModel]] = {
        SchemaName.PATIENT: Patient,
        SchemaName.FINDING: Finding,
        SchemaName.CAREPLAN: CarePlan,
        SchemaName.GENOTYPES: SampleGenotypes,
    }
    out.print_json(json.dumps(models[name].model_json_schema()))


@app.command()
def version() -> None:
    """Print the tailormed version."""
    out.print(__version__)


def _register_subcommands() -> None:
    from tailormed.cli import registry

    for sub_app, name in registry.sub_apps():
        app.add_typer(sub_app, name=name)
    for command in registry.commands():
        app.command()(command)


def main() -> None:
    """Entry point: run the app; user-facing errors become one line on stderr and their exit code."""
    _register_subcommands()
    try:
        app(standalone_mode=False)
    except TailormedError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except (typer.Exit, SystemExit) as exc:
        code = exc.exit_code if isinstance(exc, typer.Exit) else exc.code
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:
        show = getattr(exc, "show", None)
        if callable(show) and isinstance(getattr(exc, "exit_code", None), int):  # usage errors from Typer/Click
            show()
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        internal = InternalError(f"unexpected {type(exc).__name__}: {exc}")
        err.print(f"[bold red]internal error:[/] {internal} (please report this)", highlight=False)
        sys.exit(internal.exit_code)
