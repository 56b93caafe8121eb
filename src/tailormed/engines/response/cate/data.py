"""A trial (or health-record) table for treatment-effect learning: covariates, treatment arm and outcome.

Which columns play which role is set by :class:`TrialSpec` (the defaults describe ACTG 175: arms 0-3, CD4 count at
20 +/- 5 weeks as outcome, baseline covariates only; post-randomization columns such as ``offtrt`` or ``cd496``
must never be covariates). Every cell used must be a finite number; anything else is an InputError naming the
file, line and column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import Field

from tailormed.engines.response.tabular import Records, table_rows
from tailormed.errors import InputError
from tailormed.model.base import Contract

ACTG175_COVARIATES = [
    "age", "wtkg", "hemo", "homo", "drugs", "karnof", "oprior", "z30", "preanti", "race", "gender", "str2",
    "symptom", "cd40", "cd80",
]
ACTG175_ARMS = {"0": "ZDV", "1": "ZDV+ddI", "2": "ZDV+ddC", "3": "ddI"}


class TrialSpec(Contract):
    """Column roles of a treatment-effect table."""

    id_column: str | None = "pidnum"
    treatment: str = "arms"
    outcome: str = "cd420"
    outcome_name: str = "CD4 count (cells/mm³) at 20 ± 5 weeks"
    higher_is_better: bool = True
    covariates: list[str] = Field(default_factory=lambda: list(ACTG175_COVARIATES))
    control: str = "0"
    arm_names: dict[str, str] = Field(default_factory=lambda: dict(ACTG175_ARMS))


@dataclass(frozen=True)
class Trial:
    x: np.ndarray
    arm: np.ndarray
    y: np.ndarray | None
    ids: list[str]
    lines: list[int]


def trial_from_rows(records: Records, spec: TrialSpec, source: Path | str, *, with_outcome: bool) -> Trial:
    """Covariates (and treatment and outcome when ``with_outcome``) of every row of a table read from ``source``."""
    path = source
    required = [(c,) for c in spec.covariates]
    if with_outcome:
        required += [(spec.treatment,), (spec.outcome,)]
    x, arms, y, ids, lines = [], [], [], [], []
    for row in table_rows(records, required, path):
        values = []
        for column in spec.covariates:
            values.append(_number(row.get(column), column, path, row.line))
        x.append(values)
        lines.append(row.line)
        found = row.get(spec.id_column) if spec.id_column else None
        ids.append(found[1] if found else "")
        if with_outcome:
            arm = _arm(row.get(spec.treatment), spec, path, row.line)
            arms.append(arm)
            y.append(_number(row.get(spec.outcome), spec.outcome, path, row.line))
    return Trial(
        x=np.array(x, dtype=float).reshape(len(lines), len(spec.covariates)),
        arm=np.array(arms, dtype=object),
        y=np.array(y, dtype=float) if with_outcome else None,
        ids=ids,
        lines=lines,
    )


def _number(found: tuple[str, str] | None, column: str, path: Path | str, line: int) -> float:
    if found is None or found[1] == "":
        raise InputError(f"column '{column}': empty (every covariate and the outcome must be known)", source=path,
                         location=f"line {line}")
    try:
        value = float(found[1])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(f"column '{column}': {found[1]!r} is not a finite number", source=path,
                         location=f"line {line}")
    return value


def _arm(found: tuple[str, str] | None, spec: TrialSpec, path: Path | str, line: int) -> str:
    text = found[1] if found else ""
    try:
        number = float(text)
        text = str(int(number)) if number.is_integer() else text
    except ValueError:
        pass
    if text not in spec.arm_names:
        raise InputError(f"column '{spec.treatment}': {text!r} is not one of the arms {', '.join(spec.arm_names)}",
                         source=path, location=f"line {line}")
    return text
