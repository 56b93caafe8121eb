"""Compile the published clinical-equation tables into the curated ``risk-equations/coefficients.json``.

Usage: python scripts/compile_risk_equations.py [--from DIR] [--check]

``DIR`` is the folder with the published tables (default: ``$TAILORMED_SHARED_DATA/risk/clinical_equations``):
PCE coefficients (Goff 2013), PREVENT coefficients (Khan 2024), NCI BCRAT parameter tables (Gail 1989, Costantino
1999, CARE, SFBCS, AABCS; BCRA 2.1.2) and the FINDRISC form (Lindström 2003). Numbers are copied unchanged; only
the layout changes (one JSON object per model, coefficients keyed by term name, FINDRISC answers as numeric
bands). ``--check`` exits 1 when the shipped file differs from a fresh compile (tests run the same comparison).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from tailormed.errors import KnowledgeError
from tailormed.fileio import write_text_atomic
from tailormed.knowledge.risk.coefficients import (
    COEFFICIENTS_FILE,
    Band,
    Coefficients,
    FindriscAnswer,
    FindriscCategory,
    FindriscTables,
    GailTables,
    PceGroup,
    PreventModel,
)
from tailormed.tables import read_table

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "src" / "tailormed" / "knowledge" / "curated" / "risk-equations" / COEFFICIENTS_FILE

PCE_FILE = "pce_coefficients_goff2013.tsv"
PREVENT_FILE = "prevent_coefficients_khan2024.tsv"
GAIL_BETA_FILE = "gail_bcrat_beta.tsv"
GAIL_AR_FILE = "gail_bcrat_1_minus_attributable_risk.tsv"
GAIL_LAMBDA1_FILE = "gail_bcrat_lambda1_breast_cancer_incidence.tsv"
GAIL_LAMBDA2_FILE = "gail_bcrat_lambda2_competing_mortality.tsv"
FINDRISC_POINTS_FILE = "findrisc_points_lindstrom2003.tsv"
FINDRISC_CATEGORIES_FILE = "findrisc_risk_categories.tsv"

_PCE_SUMMARY = ("mean_individual_sum", "baseline_survival_10yr")
_GAIL_TERMS = {"N_Biop": "n_biop", "AgeMen": "age_menarche", "AgeFst": "age_first_birth", "N_Rels": "n_rels",
               "A50*NB": "age50_x_n_biop", "AF*NR": "age_first_birth_x_n_rels"}  # fmt: skip
_AGE_GROUP = re.compile(r"^\[(\d+),(\d+)\)$")
_LESS = re.compile(r"^<\s*(\d+(?:\.\d+)?)$")
_MORE = re.compile(r"^>\s*(\d+(?:\.\d+)?)$")
_RANGE = re.compile(r"^(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$")


def default_source() -> Path:
    shared = os.environ.get("TAILORMED_SHARED_DATA")
    base = Path(shared) if shared else REPO.parent / "shared" / "data"
    return base / "risk" / "clinical_equations"


def compile_coefficients(folder: Path) -> str:
    """The text of ``coefficients.json`` compiled from the published tables in ``folder``."""
    coefficients = Coefficients(
        pce=_pce(folder / PCE_FILE),
        prevent=_prevent(folder / PREVENT_FILE),
        gail=_gail(folder),
        findrisc=_findrisc(folder / FINDRISC_POINTS_FILE, folder / FINDRISC_CATEGORIES_FILE),
    )
    return coefficients.model_dump_json(indent=1, exclude_defaults=True) + "\n"


def _number(text: str, path: Path, line: int, column: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise KnowledgeError(f"{column}: {text!r} is not a number", source=path, location=f"line {line}") from None


def _rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    return read_table(path, required, delimiter="\t")


def _pce(path: Path) -> dict[str, PceGroup]:
    groups = ("white_female", "black_female", "white_male", "black_male")
    terms: dict[str, dict[str, float]] = {group: {} for group in groups}
    summary: dict[str, dict[str, float]] = {group: {} for group in groups}
    for line, row in _rows(path, ("term", *groups)):
        term = row["term"]
        for group in groups:
            value = _number(row[group], path, line, group)
            (summary if term in _PCE_SUMMARY else terms)[group][term] = value
    result = {}
    for group in groups:
        missing = [name for name in _PCE_SUMMARY if name not in summary[group]]
        if missing:
            raise KnowledgeError(f"no {', '.join(missing)} row", source=path)
        result[group] = PceGroup(coefficients=terms[group], **summary[group])
    return result


def _prevent(path: Path) -> dict[str, PreventModel]:
    columns = [f"{sex}_{outcome}" for outcome in ("cvd", "ascvd", "hf", "chd", "stroke") for sex in ("women", "men")]
    models: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for line, row in _rows(path, ("model", "variable", *columns)):
        term = row["variable"].removeprefix("coef_")
        model = models.setdefault(row["model"], {"female": {}, "male": {}})
        for column in columns:
            sex_word, outcome = column.split("_", 1)
            sex = "female" if sex_word == "women" else "male"
            model[sex].setdefault(outcome, {})[term] = _number(row[column], path, line, column)
    return {name: PreventModel(coefficients=model) for name, model in models.items()}


def _gail(folder: Path) -> GailTables:
    beta: dict[str, dict[str, float]] = {}
    path = folder / GAIL_BETA_FILE
    for line, row in _rows(path, ("term",)):
        if row["term"] not in _GAIL_TERMS:
            raise KnowledgeError(f"unknown term {row['term']!r}", source=path, location=f"line {line}")
        for column, text in row.items():
            if column != "term":
                beta.setdefault(column, {})[_GAIL_TERMS[row["term"]]] = _number(text, path, line, column)
    ar: dict[str, list[float]] = {}
    path = folder / GAIL_AR_FILE
    for line, row in _rows(path, ("age_group",)):
        for column, text in row.items():
            if column != "age_group":
                ar.setdefault(column, []).append(_number(text, path, line, column))
    groups, incidence = _rates(folder / GAIL_LAMBDA1_FILE)
    mortality_groups, mortality = _rates(folder / GAIL_LAMBDA2_FILE)
    if mortality_groups != groups:
        raise KnowledgeError("age groups differ from the incidence table's", source=folder / GAIL_LAMBDA2_FILE)
    return GailTables(
        age_groups=groups,
        beta=beta,
        one_minus_attributable_risk={name: (values[0], values[1]) for name, values in ar.items()},
        incidence=incidence,
        competing_mortality=mortality,
    )


def _rates(path: Path) -> tuple[list[tuple[int, int]], dict[str, list[float]]]:
    groups: list[tuple[int, int]] = []
    rates: dict[str, list[float]] = {}
    for line, row in _rows(path, ("age_interval",)):
        match = _AGE_GROUP.match(row["age_interval"])
        if match is None:
            raise KnowledgeError(f"bad age interval {row['age_interval']!r}", source=path, location=f"line {line}")
        groups.append((int(match[1]), int(match[2])))
        for column, text in row.items():
            if column != "age_interval":
                rates.setdefault(column, []).append(_number(text, path, line, column))
    return groups, rates


def _findrisc(points_path: Path, categories_path: Path) -> FindriscTables:
    items: dict[str, list[FindriscAnswer]] = {}
    for line, row in _rows(points_path, ("item", "answer", "points")):
        answer = row["answer"]
        points = _number(row["points"], points_path, line, "points")
        items.setdefault(row["item"], []).append(FindriscAnswer(answer=answer, points=int(points), band=_band(answer)))
    categories = [
        FindriscCategory(
            score_min=int(_number(row["score_min"], categories_path, line, "score_min")),
            score_max=int(_number(row["score_max"], categories_path, line, "score_max")),
            category=row["category"],
            risk_text=row["ten_year_t2d_risk_text"],
            risk=_number(row["ten_year_t2d_risk_approx"], categories_path, line, "ten_year_t2d_risk_approx"),
        )
        for line, row in _rows(
            categories_path,
            ("score_min", "score_max", "category", "ten_year_t2d_risk_text", "ten_year_t2d_risk_approx"),
        )
    ]
    return FindriscTables(items=items, categories=categories)


def _band(answer: str) -> Band | None:
    """``<45`` -> below 45; ``45-54`` -> 45 to 54 inclusive; ``>64`` -> above 64; words -> no band."""
    if match := _LESS.match(answer):
        return Band(high=float(match[1]), high_open=True)
    if match := _MORE.match(answer):
        return Band(low=float(match[1]), low_open=True)
    if match := _RANGE.match(answer):
        return Band(low=float(match[1]), high=float(match[2]))
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, default=None, help="folder with the published tables")
    parser.add_argument("--check", action="store_true", help="exit 1 if the shipped file is not up to date")
    args = parser.parse_args(argv)
    text = compile_coefficients(args.source or default_source())
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
        if current != text:
            print(f"{TARGET} is stale; run scripts/compile_risk_equations.py", file=sys.stderr)
            return 1
        return 0
    write_text_atomic(TARGET, text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
