"""``risk calc``: a TSV of cases in, the same rows with the model's results appended out (a batch over the equations).

Columns follow the PooledCohort / NCI BCRA conventions named in the issue; booleans accept yes/no/true/false/1/0;
risks are fractions in [0, 1]. Any bad cell stops the run with an error naming the file, line and column, so a
result file is either complete or not written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tailormed.engines.risk.findrisc import findrisc_score
from tailormed.engines.risk.gail import gail_risk
from tailormed.engines.risk.inputs import (
    EquationSex,
    FamilyHistoryDiabetes,
    FindriscInputs,
    GailInputs,
    PceInputs,
    PreventInputs,
)
from tailormed.engines.risk.pce import pce_risk
from tailormed.engines.risk.prevent import BASE_OUTCOMES, prevent_risk
from tailormed.engines.risk.validity import RiskInputError
from tailormed.errors import InputError
from tailormed.intake.plausible import Plausibility, implausible
from tailormed.knowledge.risk.load import RiskKnowledge

_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n"}

Parser = Callable[[str], Any]
Compute = Callable[[dict[str, Any], RiskKnowledge], list[str]]


def _float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return value


def _int(text: str) -> int:
    value = _float(text)
    if value != int(value):
        raise ValueError("not a whole number")
    return int(value)


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("expected yes/no, true/false or 1/0")


def _sex(text: str) -> EquationSex:
    try:
        return EquationSex(text.strip().lower())
    except ValueError:
        raise ValueError("expected female or male") from None


def _race(text: str) -> str:
    if not text.strip():
        raise ValueError("empty")
    return text.strip().lower()


def _family(text: str) -> FamilyHistoryDiabetes:
    try:
        return FamilyHistoryDiabetes(text.strip().lower())
    except ValueError:
        raise ValueError("expected none, second_degree or first_degree") from None


def _risk(value: float) -> str:
    return f"{value:.8g}"


def _pce(values: dict[str, Any], knowledge: RiskKnowledge) -> list[str]:
    return [_risk(pce_risk(PceInputs.model_validate(values), knowledge).risk)]


def _prevent(values: dict[str, Any], knowledge: RiskKnowledge) -> list[str]:
    inputs = PreventInputs.model_validate(values)
    return [_risk(prevent_risk(inputs, knowledge, outcome)) for outcome in BASE_OUTCOMES]


def _findrisc(values: dict[str, Any], knowledge: RiskKnowledge) -> list[str]:
    result = findrisc_score(FindriscInputs.model_validate(values), knowledge)
    return [str(result.points), result.category]


def _gail(values: dict[str, Any], knowledge: RiskKnowledge) -> list[str]:
    result = gail_risk(GailInputs.model_validate(values), knowledge)
    return [_risk(result.absolute_risk), _risk(result.average_risk)]


@dataclass(frozen=True)
class CalcModel:
    """One model of ``risk calc``: its input columns (with their parsers), result columns and computation."""

    columns: Mapping[str, Parser]
    results: Sequence[str]
    compute: Compute


_NUMBER = _float
#: Columns that are measurements: the LOINC code of their plausibility rule and the unit the column is in.
_MEASURES = {
    "bmi": ("39156-5", "kg/m2"),
    "waist_cm": ("8280-0", "cm"),
    "bp_sys_mmhg": ("8480-6", "mmHg"),
    "chol_total_mgdl": ("2093-3", "mg/dL"),
    "chol_hdl_mgdl": ("2085-9", "mg/dL"),
    "egfr_mlminm2": ("98979-8", "mL/min/1.73m2"),
}
MODELS: dict[str, CalcModel] = {
    "pce": CalcModel(
        {"sex": _sex, "race": _race, "age_years": _NUMBER, "chol_total_mgdl": _NUMBER, "chol_hdl_mgdl": _NUMBER,
         "bp_sys_mmhg": _NUMBER, "bp_meds": _bool, "smoke_current": _bool, "diabetes": _bool},
        ("risk10_pce",),
        _pce,
    ),
    "prevent": CalcModel(
        {"sex": _sex, "age_years": _NUMBER, "chol_total_mgdl": _NUMBER, "chol_hdl_mgdl": _NUMBER,
         "bp_sys_mmhg": _NUMBER, "bp_meds": _bool, "statin_meds": _bool, "smoke_current": _bool, "diabetes": _bool,
         "bmi": _NUMBER, "egfr_mlminm2": _NUMBER},
        tuple(f"prevent_10yr_{outcome}" for outcome in BASE_OUTCOMES),
        _prevent,
    ),
    "findrisc": CalcModel(
        {"sex": _sex, "age_years": _NUMBER, "bmi": _NUMBER, "waist_cm": _NUMBER,
         "physically_active_30min_daily": _bool, "vegetables_fruit_berries_daily": _bool,
         "ever_antihypertensive_medication": _bool, "ever_high_blood_glucose": _bool,
         "family_history_diabetes": _family},
        ("findrisc_points", "risk_category"),
        _findrisc,
    ),
    "gail": CalcModel(
        {"T1": _NUMBER, "T2": _NUMBER, "N_Biop": _int, "HypPlas": _int, "AgeMen": _NUMBER, "Age1st": _NUMBER,
         "N_Rels": _int, "Race": _int},
        ("gail_abs_risk", "gail_avg_abs_risk"),
        _gail,
    ),
}  # fmt: skip


def calc_cases(
    model: str, text: str, knowledge: RiskKnowledge, *, source: str | Path, plausible: Plausibility
) -> tuple[str, int]:
    """The output TSV (input columns, then the model's result columns) and the number of rows computed; a row with a
    measurement outside ``plausible`` (the bundle's ranges) stops the run naming its line and column."""
    spec = MODELS.get(model)
    if spec is None:
        raise InputError(f"unknown model {model!r} (choose from {', '.join(MODELS)})")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"malformed TSV ({exc})", source=source, location="line 1") from None
    header = _header(first, spec, source)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    writer.writerow([*header, *spec.results])
    rows = 0
    try:
        for fields in reader:
            rows += _calc_row(fields, reader.line_num, header, spec, writer, knowledge, source, plausible)
    except csv.Error as exc:
        raise InputError(f"malformed TSV ({exc})", source=source, location=f"line {reader.line_num}") from None
    return buffer.getvalue(), rows


def _calc_row(
    fields: list[str],
    line: int,
    header: list[str],
    spec: CalcModel,
    writer: Any,
    knowledge: RiskKnowledge,
    source: str | Path,
    plausible: Plausibility,
) -> int:
    if not fields or all(not f.strip() for f in fields):
        return 0
    if len(fields) != len(header):
        raise InputError(
            f"expected {len(header)} tab-separated fields as in the header, found {len(fields)}",
            source=source,
            location=f"line {line}",
        )
    row = dict(zip(header, fields, strict=True))
    values = {column: _cell(row, column, parse, source, line) for column, parse in spec.columns.items()}
    _check_plausible(values, plausible, source, line)
    writer.writerow([*fields, *_compute(spec, values, knowledge, source, line)])
    return 1


def _check_plausible(values: Mapping[str, Any], plausible: Plausibility, source: str | Path, line: int) -> None:
    """A measurement no living person has stops the run (:mod:`tailormed.intake.plausible`); a measurement the
    ranges do not cover is not checked, as at intake."""
    age = values.get("age_years")
    for column, (loinc, unit) in _MEASURES.items():
        rule = plausible.by_loinc.get(loinc)
        if column in values and rule is not None:
            problem = implausible(rule, values[column], unit, age)
            if problem is not None:
                raise InputError(f"{column} {problem}", source=source, location=f"line {line}, column {column}")


def _header(fields: list[str] | None, spec: CalcModel, source: str | Path) -> list[str]:
    if fields is None:
        raise InputError("empty file, expected a header line", source=source, location="line 1")
    header = [name.strip().lstrip("\ufeff") for name in fields]
    missing = [name for name in spec.columns if name not in header]
    if missing:
        raise InputError(f"header lacks column(s) {', '.join(missing)}", source=source, location="line 1")
    clash = [name for name in spec.results if name in header]
    if clash or len(set(header)) != len(header):
        repeated = clash or sorted({n for n in header if header.count(n) > 1})
        raise InputError(f"column(s) {', '.join(repeated)} given twice", source=source, location="line 1")
    return header


def _cell(row: Mapping[str, str], column: str, parse: Parser, source: str | Path, line: int) -> Any:
    text = row[column].strip()
    try:
        if not text:
            raise ValueError("empty")
        return parse(text)
    except (ValueError, OverflowError) as exc:
        raise InputError(
            f"{text!r} is not valid ({exc})", source=source, location=f"line {line}, column {column}"
        ) from None


def _compute(
    spec: CalcModel, values: dict[str, Any], knowledge: RiskKnowledge, source: str | Path, line: int
) -> list[str]:
    try:
        return spec.compute(values, knowledge)
    except RiskInputError as exc:
        raise InputError(exc.message, source=source, location=f"line {line}, column {exc.field}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        column = ".".join(str(part) for part in first["loc"])
        raise InputError(first["msg"], source=source, location=f"line {line}, column {column}") from None
    except (ValueError, OverflowError, ZeroDivisionError) as exc:
        raise InputError(f"cannot compute ({exc})", source=source, location=f"line {line}") from None
