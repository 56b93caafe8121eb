"""Root of the command tree: every command group and command, imported explicitly from its sibling module.

The command modules are cheap to import (their heavy imports sit inside the command functions), so building the
whole tree for ``tailormed --help`` loads Typer, Rich and these modules, never the models, knowledge or engines.
A test keeps it so.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from tailormed.cli import analyze, diagnose, hereditary, kb, onco, pgx, prs, record, response, risk, service, vcf
from tailormed.cli.console import err, out
from tailormed.errors import InternalError, TailormedError
from tailormed.version import __version__

app = typer.Typer(
    rich_markup_mode=None,
    name="tailormed",
    help="Personalized medical management: genome, record and preferences into one explainable care plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        out.print(f"tailormed {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Personalized medical management: genome, record and preferences into one explainable care plan."""


app.add_typer(record.record_app, name="record")
app.add_typer(kb.kb_app, name="kb")
app.add_typer(vcf.vcf_app, name="vcf")
app.add_typer(pgx.pgx_app, name="pgx")
app.add_typer(diagnose.diagnose_app, name="diagnose")
app.add_typer(onco.onco_app, name="onco")
app.add_typer(response.response_app, name="response")
app.add_typer(prs.prs_app, name="prs")
app.add_typer(risk.risk_app, name="risk")
app.command()(analyze.analyze)
app.command()(analyze.demo)
app.command()(analyze.report)
app.command()(hereditary.hereditary)
app.add_typer(service.db_app, name="db")
app.add_typer(service.audit_app, name="audit")
app.add_typer(service.export_app, name="export")
app.command()(service.serve)


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

    from tailormed.model.careplan import CarePlan
    from tailormed.model.finding import Finding
    from tailormed.model.genotype import SampleGenotypes
    from tailormed.model.patient import Patient

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


def main() -> None:
    """Entry point: run the app; user-facing errors become one line on stderr and their exit code."""
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
