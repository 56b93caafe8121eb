"""The engines an analysis runs, and the order their declared needs impose.

``risk`` reads the ``prs`` and ``hereditary`` runs and ``response`` reads the ``pgx`` run; :func:`run_order` sorts
the chosen engines so every engine runs after those it needs (ties keep :data:`ENGINES` order), and adds the needed
engines a caller left out. Each engine module imports its heavy dependencies only when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from tailormed.errors import InternalError
from tailormed.pipeline import diagnosis_engine, hereditary, onco_engine, pgx, prs_engine, response, risk
from tailormed.pipeline.engine_api import EngineSpec

ENGINES: tuple[EngineSpec, ...] = (
    pgx.ENGINE,
    diagnosis_engine.ENGINE,
    onco_engine.ENGINE,
    prs_engine.ENGINE,
    hereditary.ENGINE,
    risk.ENGINE,
    response.ENGINE,
)


def engine_names() -> list[str]:
    return [spec.name for spec in ENGINES]


def engine(name: str) -> EngineSpec:
    for spec in ENGINES:
        if spec.name == name:
            return spec
    raise KeyError(name)


def run_order(names: Sequence[str] | None = None) -> list[EngineSpec]:
    """The engines to run (all when ``names`` is None, plus what they need), each after the engines it needs.

    >>> [spec.name for spec in run_order(["response", "risk"])]
    ['pgx', 'prs', 'hereditary', 'risk', 'response']
    """
    wanted = set(engine_names() if names is None else names)
    pending = list(wanted)
    while pending:
        for need in engine(pending.pop()).needs:
            if need not in wanted:
                wanted.add(need)
                pending.append(need)
    ordered: list[EngineSpec] = []
    placed: set[str] = set()
    while len(ordered) < len(wanted):
        ready = [s for s in ENGINES if s.name in wanted and s.name not in placed and set(s.needs) <= placed]
        if not ready:
            raise InternalError(f"engine needs form a cycle among {sorted(wanted - placed)}")
        ordered.append(ready[0])
        placed.add(ready[0].name)
    return ordered
