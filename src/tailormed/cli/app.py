"""Root of the command tree: every command group and command, each imported when it is run.

``tailormed --help`` lists the commands from :data:`COMMANDS` (name, loader, one-line help) without importing them, so
it loads Typer and this module only; running a command imports its module through the loader, a plain import
statement (no string registry). A test checks that each listed help line is the command's own and that building the
tree loads no command module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from tailormed.version import __version__

if TYPE_CHECKING:
    from rich.console import Console


def _record() -> typer.Typer:
    from tailormed.cli import record

    return record.record_app


def _kb() -> typer.Typer:
    from tailormed.cli import kb

    return kb.kb_app


def _vcf() -> typer.Typer:
    from tailormed.cli import vcf

    return vcf.vcf_app


def _pgx() -> typer.Typer:
    from tailormed.cli import pgx

    return pgx.pgx_app


def _diagnose() -> typer.Typer:
    from tailormed.cli import diagnose

    return diagnose.diagnose_app


def _onco() -> typer.Typer:
    from tailormed.cli import onco

    return onco.onco_app


def _response() -> typer.Typer:
    from tailormed.cli import response

    return response.response_app


def _prs() -> typer.Typer:
    from tailormed.cli import prs

    return prs.prs_app


def _risk() -> typer.Typer:
    from tailormed.cli import risk

    return risk.risk_app


def _analyze() -> Callable[..., Any]:
    from tailormed.cli import analyze

    return analyze.analyze


def _demo() -> Callable[..., Any]:
    from tailormed.cli import analyze

    return analyze.demo


def _report() -> Callable[..., Any]:
    from tailormed.cli import analyze

    return analyze.report


def _hereditary() -> Callable[..., Any]:
    from tailormed.cli import hereditary

    return hereditary.hereditary


def _serve() -> Callable[..., Any]:
    from tailormed.cli import service

    return service.serve


def _db() -> typer.Typer:
    from tailormed.cli import service

    return service.db_app


def _audit() -> typer.Typer:
    from tailormed.cli import service

    return service.audit_app


def _export() -> typer.Typer:
    from tailormed.cli import service

    return service.export_app


def _cohort() -> typer.Typer:
    from tailormed.cli import cohort

    return cohort.cohort_app


@dataclass(frozen=True)
class LazyCommand:
    """A command (a function) or command group (a Typer app) of the root, loaded when it is run."""

    name: str
    load: Callable[[], typer.Typer | Callable[..., Any]]
    summary: str  # the first paragraph of its help, as ``tailormed --help`` lists it
    group: bool = True

    def command(self) -> Any:  # a command of Typer's click
        """The click command Typer makes of it, built as the root would (plain help, no Rich markup)."""
        target = self.load()
        holder = typer.Typer(rich_markup_mode=None, add_completion=False)
        if isinstance(target, typer.Typer):
            holder.add_typer(target, name=self.name)
            group = typer.main.get_command(holder)
            if not isinstance(group, TyperGroup):
                raise TypeError(f"{self.name}: expected a command group")
            return group.commands[self.name]
        holder.command(name=self.name)(target)
        return typer.main.get_command(holder)


#: The root's lazily loaded commands, each with the summary ``--help`` lists (a test checks it is the command's own).
COMMANDS = (
    LazyCommand(
        "analyze",
        _analyze,
        "Analyze one patient with every engine that applies: care plan, reports and engine tables, written atomically.",
        group=False,
    ),
    LazyCommand(
        "demo",
        _demo,
        "Analyze every bundled demo patient, show what each plan found and end with the reports' paths.",
        group=False,
    ),
    LazyCommand(
        "report",
        _report,
        "Render a stored care plan's reports again (summary, HTML/PDF, FHIR) without reading the genome.",
        group=False,
    ),
    LazyCommand(
        "hereditary",
        _hereditary,
        "List ClinVar P/LP and conflicting variants in a VCF with the ACMG secondary-findings verdict.",
        group=False,
    ),
    LazyCommand(
        "serve",
        _serve,
        "Serve the web app, REST API, CDS Hooks and FHIR Genomics operations (uvicorn); demo mode seeds demo data.",
        group=False,
    ),
    LazyCommand(
        "record",
        _record,
        "Patient records (YAML/JSON) and FHIR R4 Bundles.",
    ),
    LazyCommand(
        "kb",
        _kb,
        "The knowledge bundle: build it from upstream data releases, list its sources and licences.",
    ),
    LazyCommand(
        "vcf",
        _vcf,
        "Inspect VCF/BCF files: samples, records, contigs, phasing, gVCF blocks, genome build.",
    ),
    LazyCommand(
        "pgx",
        _pgx,
        "Pharmacogenomics: star-allele diplotypes, phenotypes and drug guidance from a VCF.",
    ),
    LazyCommand(
        "diagnose",
        _diagnose,
        "Candidate diagnoses from HPO phenotypes (+ variants): likelihood-ratio ranking of diseases and genes. "
        "'diagnose CASE.json' is short for 'diagnose rank CASE.json'.",
    ),
    LazyCommand(
        "onco",
        _onco,
        "Oncology: tumour alterations matched to targeted therapies, with evidence levels and AMP/ASCO/CAP tiers.",
    ),
    LazyCommand(
        "response",
        _response,
        "Learned treatment response: warfarin dose models and treatment effects, with model cards.",
    ),
    LazyCommand(
        "prs",
        _prs,
        "Polygenic scores: PGS Catalog scoring files on a VCF, with pgsc_calc's matching and ancestry adjustment.",
    ),
    LazyCommand(
        "risk",
        _risk,
        "Clinical risk equations (PCE, PREVENT, FINDRISC, Gail/BCRAT), integrated with genetics, with what-ifs.",
    ),
    LazyCommand(
        "cohort",
        _cohort,
        "Cohort runs: the same analyses over many people, in resumable partitions, to Parquet.",
    ),
    LazyCommand(
        "db",
        _db,
        "The service's database: migrate, back up, restore, rotate the master key.",
    ),
    LazyCommand(
        "audit",
        _audit,
        "The audit trail: verify its hash chain, export it as FHIR AuditEvent.",
    ),
    LazyCommand(
        "export",
        _export,
        "De-identified exports of stored data.",
    ),
)
_LAZY = {command.name: command for command in COMMANDS}


class _LazyRoot(TyperGroup):
    """The root group: :data:`COMMANDS` and its own, each lazy one built the first time it is asked for. Listed as
    Typer lists a tree: commands before groups, each in the order given."""

    def list_commands(self, ctx: Any) -> list[str]:  # ctx: Typer's click Context
        lazy = [command for command in COMMANDS if command.name not in self.commands]
        return [
            *(command.name for command in lazy if not command.group),
            *super().list_commands(ctx),
            *(command.name for command in lazy if command.group),
        ]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in _LAZY:
            self.commands[cmd_name] = _LAZY[cmd_name].command()
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list, lazy commands from their summaries (click's own layout, nothing imported)."""
        rows = [
            (name, self.commands[name] if name in self.commands else TyperCommand(name, help=_LAZY[name].summary))
            for name in self.list_commands(ctx)
        ]
        rows = [(name, command) for name, command in rows if not command.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


def _consoles() -> tuple[Console, Console]:
    from tailormed.cli.console import err, out

    return out, err


app = typer.Typer(
    cls=_LazyRoot,
    rich_markup_mode=None,
    name="tailormed",
    help="Personalized medical management: genome, record and preferences into one explainable care plan.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        _consoles()[0].print(f"tailormed {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Personalized medical management: genome, record and preferences into one explainable care plan."""


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
    _consoles()[0].print_json(json.dumps(models[name].model_json_schema()))


@app.command()
def version() -> None:
    """Print the tailormed version."""
    _consoles()[0].print(__version__)
