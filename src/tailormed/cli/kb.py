"""``tailormed kb``: build the knowledge bundle from upstream releases and show what it holds."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tailormed.cli.console import err, out, progress

if TYPE_CHECKING:
    from rich.progress import TaskID
    from rich.table import Table

    from tailormed.knowledge.manifest import SourceRecord

kb_app = typer.Typer(
    rich_markup_mode=None,
    name="kb",
    help="The knowledge bundle: build it from upstream data releases, list its sources and licences.",
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    TSV = "tsv"


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


@kb_app.command("build")
def build(
    upstream: Annotated[
        Path, typer.Option("--from", help="Folder with upstream releases (e.g. a data folder holding pgx/pypgx/).")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Bundle folder to write (default: $TAILORMED_KB or XDG).")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this importer (repeatable); see `kb importers`.")
    ] = None,
) -> None:
    """Compile upstream releases into a knowledge bundle; an existing bundle is replaced only on success."""
    from tailormed.knowledge.bundle import build_bundle, default_bundle_dir, plan_build

    target = output if output is not None else default_bundle_dir()
    planned = plan_build(upstream, only=only)
    with progress() as bar:
        tasks: dict[str, TaskID] = {
            step.importer.name: bar.add_task(step.importer.name, total=1, start=False) for step in planned
        }
        running: list[str] = []

        def on_progress(name: str) -> None:
            for previous in running:
                bar.update(tasks[previous], completed=1)
            running[:] = [name]
            bar.start_task(tasks[name])

        manifest = build_bundle(upstream, target, only=only, on_progress=on_progress)
        for task in tasks.values():
            bar.update(task, completed=1)
    out.print(f"Built {len(manifest.sources)} source(s) into {target}", highlight=False)
    out.print(_sources_table(manifest.sources))


@kb_app.command("info")
def info(
    kb: Annotated[Path | None, typer.Option("--kb", help="Bundle folder (default: $TAILORMED_KB or XDG).")] = None,
    verify: Annotated[bool, typer.Option("--verify", help="Check every built file against its checksum.")] = False,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Show every knowledge source, curated and built: version, licence, importer, files and citation."""
    from tailormed.knowledge.bundle import load_bundle

    bundle = load_bundle(kb)
    verified = bundle.verify() if verify else None
    sources = bundle.manifest.sources
    if output_format is OutputFormat.JSON:
        payload = {
            "location": bundle.location,
            "verified_files": verified,
            "manifest": bundle.manifest.model_dump(mode="json"),
        }
        out.print_json(json.dumps(payload))
    elif output_format is OutputFormat.TSV:
        _print_tsv(
            ["name", "version", "licence", "importer", "files", "citation"],
            [[s.name, s.version, s.licence, s.importer, str(len(s.files)), s.citation] for s in sources],
        )
    else:
        out.print(
            f"Knowledge: {bundle.location} (built {bundle.manifest.created:%Y-%m-%d %H:%M} UTC "
            f"by tailormed {bundle.manifest.tailormed_version})"
            if bundle.root is not None
            else f"Knowledge: {bundle.location}",
            highlight=False,
        )
        out.print(_sources_table(sources))
    if verified is not None:
        err.print(f"verified {verified} built file(s): all checksums match", highlight=False)


@kb_app.command("importers")
def list_importers(output_format: FormatOption = OutputFormat.TEXT) -> None:
    """List the importers `kb build` can run."""
    from rich.table import Table

    from tailormed.knowledge.registry import importers

    available = importers()
    if output_format is OutputFormat.JSON:
        out.print_json(json.dumps([{"name": i.name, "description": i.description} for i in available]))
    elif output_format is OutputFormat.TSV:
        _print_tsv(["name", "description"], [[i.name, i.description] for i in available])
    else:
        table = Table("importer", "reads")
        for importer in available:
            table.add_row(importer.name, importer.description)
        out.print(table)


def _sources_table(sources: list[SourceRecord]) -> Table:
    from rich.table import Column, Table

    table = Table(
        Column("source", no_wrap=True),
        Column("version", max_width=18, overflow="fold"),
        Column("licence", ratio=1, min_width=12, overflow="fold"),
        Column("importer", no_wrap=True),
        Column("files", justify="right", no_wrap=True),
        Column("citation", ratio=3, min_width=24, overflow="fold"),
        show_lines=True,
    )
    for source in sources:
        table.add_row(
            source.name, source.version, source.licence, source.importer, str(len(source.files)), source.citation
        )
    return table


def _print_tsv(header: list[str], rows: list[list[str]]) -> None:
    """Write raw TSV to the results console's file: Rich would expand the tabs into spaces."""

    def clean(value: str) -> str:
        return " ".join(value.split())

    for row in [header, *rows]:
        out.file.write("\t".join(clean(value) for value in row) + "\n")
