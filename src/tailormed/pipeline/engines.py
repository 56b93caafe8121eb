"""The engines ``analyze`` runs, in order; adding an engine is adding one line here.

Each entry is ``(name, module, function)`` where the function is an :data:`~tailormed.pipeline.engine_api.Engine`.
Modules are imported only when the engine runs, so an engine's optional dependencies load only when needed.
"""

from __future__ import annotations

from importlib import import_module

from tailormed.pipeline.engine_api import Engine

ENGINES: list[tuple[str, str, str]] = [
    ("pgx", "tailormed.pipeline.pgx", "pgx_engine"),
    ("diagnosis", "tailormed.pipeline.diagnosis", "diagnosis_engine"),
    ("onco", "tailormed.pipeline.onco", "onco_engine"),
    ("prs", "tailormed.pipeline.prs", "prs_engine"),
    ("hereditary", "tailormed.pipeline.hereditary", "hereditary_engine"),
    ("risk", "tailormed.pipeline.risk", "risk_engine"),
    ("response", "tailormed.pipeline.response", "response_engine"),
]


def engine(name: str) -> Engine:
    for known, module, function in ENGINES:
        if known == name:
            found: Engine = getattr(import_module(module), function)
            return found
    raise KeyError(name)


def engine_names() -> list[str]:
    return [name for name, _, _ in ENGINES]
