"""Where command groups are listed, so ``app`` needs no edit when a group is added."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

import typer

# (module, attribute, name): a Typer sub-app mounted as ``tailormed NAME ...``
SUB_APPS: list[tuple[str, str, str]] = [
    ("tailormed.cli.record", "record_app", "record"),
    ("tailormed.cli.kb", "kb_app", "kb"),
    ("tailormed.cli.vcf", "vcf_app", "vcf"),
    ("tailormed.cli.pgx", "pgx_app", "pgx"),
    ("tailormed.cli.diagnose", "diagnose_app", "diagnose"),
    ("tailormed.cli.onco", "onco_app", "onco"),
    ("tailormed.cli.response", "response_app", "response"),
    ("tailormed.cli.prs", "prs_app", "prs"),
    ("tailormed.cli.risk", "risk_app", "risk"),
]
# (module, attribute): a plain command mounted as ``tailormed FUNCTION-NAME``
COMMANDS: list[tuple[str, str]] = [
    ("tailormed.cli.analyze", "analyze"),
    ("tailormed.cli.analyze", "demo"),
    ("tailormed.cli.hereditary", "hereditary"),
]


def sub_apps() -> list[tuple[typer.Typer, str]]:
    return [(getattr(import_module(module), attr), name) for module, attr, name in SUB_APPS]


def commands() -> list[Callable[..., Any]]:
    return [getattr(import_module(module), attr) for module, attr in COMMANDS]
