"""The ``tailormed`` command: Typer sub-applications wired together, errors turned into exit codes."""

from tailormed.cli.app import app, main

__all__ = ["app", "main"]
