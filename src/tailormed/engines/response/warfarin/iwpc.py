"""The IWPC data layout (PharmGKB "IWPC Data" spreadsheet as CSV): one validated :class:`IwpcPatient` per row.

Only the columns the dosing models use are read. Empty cells mean "not known" and stay ``None``; anything that is
neither empty nor a valid value is an :class:`~tailormed.errors.InputError` naming the file, line and column.
Genotypes are normalized to sorted alleles (``G/A`` -> ``A/G``) so the spreadsheet's two spellings agree.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field

from tailormed.engines.response.tabular import Records, Row, table_rows
from tailormed.errors import InputError
from tailormed.knowledge.warfarin import Race
from tailormed.model.base import Contract

Sex = Literal["male", "female"]

ID = ("PharmGKB Subject ID",)
SITE = ("Project Site",)
SEX = ("Gender",)
RACE = ("Race (OMB)", "Race")
AGE = ("Age",)
HEIGHT = ("Height (cm)",)
WEIGHT = ("Weight (kg)",)
DOSE = ("Therapeutic Dose of Warfarin",)
CYP2C9 = ("CYP2C9 consensus", "Cyp2C9 genotypes")
VKORC1_1639 = ("VKORC1 -1639 consensus", "VKORC1 genotype: -1639 G>A (3673); chr16:31015190; rs9923231; C/T")
VKORC1_2255 = ("VKORC1 2255 consensus", "VKORC1 genotype: 2255C>T (7566); chr16:31011297; rs2359612; A/G")
VKORC1_1173 = ("VKORC1 1173 consensus", "VKORC1 genotype: 1173 C>T(6484); chr16:31012379; rs9934438; A/G")
VKORC1_1542 = ("VKORC1 1542 consensus", "VKORC1 genotype: 1542G>C (6853); chr16:31012010; rs8050894; C/G")
AMIODARONE = ("Amiodarone (Cordarone)",)
CARBAMAZEPINE = ("Carbamazepine (Tegretol)",)
PHENYTOIN = ("Phenytoin (Dilantin)",)
RIFAMPIN = ("Rifampin or Rifampicin",)
STABLE = ("Subject Reached Stable Dose of Warfarin",)
#: 0/1 columns a learned model may add as features (``extra_flags`` in the training config).
FLAG_COLUMNS: dict[str, tuple[str, ...]] = {
    "aspirin": ("Aspirin",),
    "simvastatin": ("Simvastatin (Zocor)",),
    "atorvastatin": ("Atorvastatin (Lipitor)",),
    "diabetes": ("Diabetes",),
    "heart_failure": ("Congestive Heart Failure and/or Cardiomyopathy",),
    "valve_replacement": ("Valve Replacement",),
    "smoker": ("Current Smoker",),
    "sulfonamide": ("Sulfonamide Antibiotics",),
    "macrolide": ("Macrolide Antibiotics",),
    "azole": ("Anti-fungal Azoles",),
}

#: Columns every input must have; the others are read when present.
REQUIRED_COLUMNS: list[tuple[str, ...]] = [AGE, HEIGHT, WEIGHT, RACE, CYP2C9, VKORC1_1639]
#: Columns a training table must have in addition.
TRAINING_COLUMNS: list[tuple[str, ...]] = [DOSE, SITE]

_RACES: dict[str, Race] = {
    "white": "white",
    "asian": "asian",
    "black or african american": "black",
    "black": "black",
    "unknown": "missing_or_mixed",
    "mixed": "missing_or_mixed",
}
_SEXES: dict[str, Sex] = {"male": "male", "female": "female"}
_NOT_KNOWN = {"", "na", "n/a", "nan", "-99", "unknown", "not known"}
_STAR_DIPLOTYPE = re.compile(r"^\*(\d+[A-Z]?)/\*(\d+[A-Z]?)$")
_SNP_ALLELES = {
    "rs9923231": {"A", "G"},
    "rs2359612": {"C", "T"},
    "rs9934438": {"C", "T"},
    "rs8050894": {"C", "G"},
}

T = TypeVar("T")


class IwpcPatient(Contract):
    """One patient's row, as the dosing models see it; ``None`` means not known."""

    line: int = Field(description="Line of the input file the row starts on")
    subject_id: str | None = None
    site: str | None = None
    sex: Sex | None = None
    race: Race = "missing_or_mixed"
    age_decades: int | None = Field(default=None, ge=0, le=9, description="0 for 0-9 years ... 9 for 90+")
    height_cm: float | None = Field(default=None, gt=0)
    weight_kg: float | None = Field(default=None, gt=0)
    cyp2c9: str | None = Field(default=None, description="Star-allele diplotype, smaller allele first, e.g. '*1/*3'")
    vkorc1_1639: str | None = Field(default=None, description="rs9923231 (-1639 G>A): A/A, A/G or G/G")
    rs2359612: str | None = None
    rs9934438: str | None = None
    rs8050894: str | None = None
    amiodarone: bool | None = None
    carbamazepine: bool | None = None
    phenytoin: bool | None = None
    rifampin: bool | None = None
    stable_dose_reached: bool | None = None
    flags: dict[str, bool | None] = Field(default_factory=dict)
    dose_mg_week: float | None = Field(default=None, gt=0, description="Stable therapeutic dose, mg/week")


def iwpc_patients(records: Records, source: Path | str, *, training: bool = False) -> list[IwpcPatient]:
    """Every row of an IWPC-layout table; ``training`` also requires the dose and project site columns."""
    path = source
    required = REQUIRED_COLUMNS + (TRAINING_COLUMNS if training else [])
    patients = [_patient(row, path) for row in table_rows(records, required, path)]
    if training and not any(p.dose_mg_week is not None for p in patients):
        raise InputError("no row has a therapeutic dose to learn from", source=path)
    return patients


def patient_from_values(values: Mapping[str, str], source: str = "features") -> IwpcPatient:
    """One patient from IWPC column names and cell values (missing columns are not known)."""
    return _patient(Row(1, {k: str(v) for k, v in values.items()}), source)


def _patient(row: Row, path: Path | str) -> IwpcPatient:
    def cell(names: Sequence[str], parse: Callable[[str], T | None]) -> T | None:
        found = row.get(*names)
        if found is None or found[1].casefold() in _NOT_KNOWN:
            return None
        column, value = found
        try:
            return parse(value)
        except ValueError as exc:
            raise InputError(f"column '{column}': {exc}", source=path, location=f"line {row.line}") from None

    race = cell(RACE, _race)
    return IwpcPatient(
        line=row.line,
        subject_id=cell(ID, str),
        site=cell(SITE, _site),
        sex=cell(SEX, _sex),
        race=race or "missing_or_mixed",
        age_decades=cell(AGE, _age_decades),
        height_cm=cell(HEIGHT, _measure(50, 250, "cm")),
        weight_kg=cell(WEIGHT, _measure(2, 400, "kg")),
        cyp2c9=cell(CYP2C9, _diplotype),
        vkorc1_1639=cell(VKORC1_1639, _snp("rs9923231")),
        rs2359612=cell(VKORC1_2255, _snp("rs2359612")),
        rs9934438=cell(VKORC1_1173, _snp("rs9934438")),
        rs8050894=cell(VKORC1_1542, _snp("rs8050894")),
        amiodarone=cell(AMIODARONE, _flag),
        carbamazepine=cell(CARBAMAZEPINE, _flag),
        phenytoin=cell(PHENYTOIN, _flag),
        rifampin=cell(RIFAMPIN, _flag),
        stable_dose_reached=cell(STABLE, _flag),
        flags={name: cell(names, _flag) for name, names in FLAG_COLUMNS.items()},
        dose_mg_week=cell(DOSE, _measure(0.5, 500, "mg/week")),
    )


def _number(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _measure(low: float, high: float, unit: str) -> Callable[[str], float]:
    def parse(value: str) -> float:
        number = _number(value)
        if not low <= number <= high:
            raise ValueError(f"{number:g} {unit} is outside the plausible range {low:g}-{high:g} {unit}")
        return number

    return parse


def _flag(value: str) -> bool:
    """0/1 as the data dictionary says; the spreadsheet also has YES/NO in places."""
    word = value.casefold()
    if word in ("yes", "no"):
        return word == "yes"
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if number not in (0.0, 1.0):
        raise ValueError(f"{value!r} is not a 0/1 (or yes/no) flag")
    return number == 1.0


def _site(value: str) -> str:
    number = _number(value)
    return str(int(number)) if number.is_integer() else value


def _race(value: str) -> Race:
    race = _RACES.get(" ".join(value.split()).casefold())
    if race is None:
        raise ValueError(f"{value!r} is not an OMB race (White, Asian, Black or African American, Unknown)")
    return race


def _sex(value: str) -> Sex:
    sex = _SEXES.get(value.casefold())
    if sex is None:
        raise ValueError(f"{value!r} is not male or female")
    return sex


def _age_decades(value: str) -> int:
    """``'60 - 69'`` -> 6, ``'90+'`` -> 9, ``'0 - 9'`` -> 0."""
    text = value.replace(" ", "")
    if text == "90+":
        return 9
    low, sep, high = text.partition("-")
    if sep and low.isdigit() and high.isdigit():
        lo, hi = int(low), int(high)
        if lo % 10 == 0 and hi == lo + 9 and lo <= 80:
            return lo // 10
    raise ValueError(f"{value!r} is not an IWPC age bin ('0 - 9', '10 - 19', ..., '80 - 89', '90+')")


def _diplotype(value: str) -> str:
    match = _STAR_DIPLOTYPE.match(value.replace(" ", ""))
    if match is None:
        raise ValueError(f"{value!r} is not a star-allele diplotype such as *1/*3")
    first, second = sorted(match.groups(), key=lambda a: (int(re.sub(r"\D", "", a)), a))
    return f"*{first}/*{second}"


def _snp(rsid: str) -> Callable[[str], str]:
    alleles = _SNP_ALLELES[rsid]

    def parse(value: str) -> str:
        parts = value.replace(" ", "").upper().split("/")
        if len(parts) != 2 or not set(parts) <= alleles:
            raise ValueError(f"{value!r} is not a {rsid} genotype ({'/'.join(sorted(alleles))} alleles, e.g. A/G)")
        return "/".join(sorted(parts))

    return parse
