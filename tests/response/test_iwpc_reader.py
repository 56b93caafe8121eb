"""The IWPC layout reader: valid rows parse, bad cells name the file, line and column, and nothing crashes."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tailormed.engines.response.warfarin.features import prepare
from tailormed.engines.response.warfarin.iwpc import IwpcPatient, patient_from_values
from tailormed.errors import InputError
from tailormed.knowledge.warfarin import WarfarinKnowledge
from tailormed.training.warfarin import read_iwpc

HEADER = ["PharmGKB Subject ID", "Project Site", "Gender", "Race (OMB)", "Age", "Height (cm)", "Weight (kg)",
          "Amiodarone (Cordarone)", "Carbamazepine (Tegretol)", "Therapeutic Dose of Warfarin",
          "CYP2C9 consensus", "VKORC1   -1639 consensus", "VKORC1 2255 consensus", "VKORC1 1173 consensus",
          "VKORC1 1542 consensus"]
GOOD = ["P1", "3", "female", "Asian", "60 - 69", "160.5", "55", "0", "1.0", "21", "*3/*1", "G/A", "", "", ""]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_reads_a_row_with_whitespace_variant_header(tmp_path: Path) -> None:
    (patient,) = read_iwpc(write(tmp_path / "a.csv", [GOOD]), training=True)
    assert patient == IwpcPatient(
        line=2, subject_id="P1", site="3", sex="female", race="asian", age_decades=6, height_cm=160.5,
        weight_kg=55.0, cyp2c9="*1/*3", vkorc1_1639="A/G", amiodarone=False, carbamazepine=True,
        flags=dict.fromkeys(patient.flags), dose_mg_week=21.0,
    )


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Age", "65", "not an IWPC age bin"),
        ("Height (cm)", "1.70", "outside the plausible range"),
        ("Race (OMB)", "Martian", "not an OMB race"),
        ("CYP2C9 consensus", "*1*1", "not a star-allele diplotype"),
        ("VKORC1   -1639 consensus", "C/T", "not a rs9923231 genotype"),
        ("Amiodarone (Cordarone)", "2", "not a 0/1"),
        ("Therapeutic Dose of Warfarin", "abc", "not a number"),
    ],
)
def test_bad_cell_names_line_and_column(tmp_path: Path, column: str, value: str, message: str) -> None:
    bad = list(GOOD)
    bad[HEADER.index(column)] = value
    path = write(tmp_path / "b.csv", [GOOD, bad])
    with pytest.raises(InputError) as caught:
        read_iwpc(path)
    assert caught.value.location == "line 3"
    assert column in caught.value.message and message in caught.value.message
    assert caught.value.source == str(path)


def test_missing_required_column_and_training_columns(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="header lacks column"):
        read_iwpc(write(tmp_path / "c.csv", [GOOD[:4] + GOOD[5:]], HEADER[:4] + HEADER[5:]))
    header = [h for h in HEADER if h != "Project Site"]
    row = [v for h, v in zip(HEADER, GOOD, strict=True) if h != "Project Site"]
    assert read_iwpc(write(tmp_path / "d.csv", [row], header))[0].site is None
    with pytest.raises(InputError, match="Project Site"):
        read_iwpc(tmp_path / "d.csv", training=True)


def test_ragged_row_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected 15 fields"):
        read_iwpc(write(tmp_path / "e.csv", [GOOD, GOOD[:4]]))
    (tmp_path / "f.csv").write_text("")
    with pytest.raises(InputError):
        read_iwpc(tmp_path / "f.csv")


@pytest.mark.parametrize(
    ("race", "snps", "expected"),
    [
        ("White", {"VKORC1 2255 consensus": "T/T"}, ("AA", "imputed from rs2359612")),
        ("Black or African American", {"VKORC1 2255 consensus": "T/T"}, ("unknown", "not known")),
        ("Black or African American", {"VKORC1 1173 consensus": "C/T"}, ("AG", "imputed from rs9934438")),
        ("Unknown", {"VKORC1 1542 consensus": "C/C"}, ("unknown", "not known")),
        ("Asian", {"VKORC1 1542 consensus": "C/C"}, ("AA", "imputed from rs8050894")),
        ("Asian", {"VKORC1 2255 consensus": "C/C", "VKORC1 1173 consensus": "T/T"}, ("GG", "imputed from rs2359612")),
    ],
)
def test_vkorc1_imputation_follows_the_paper(knowledge: WarfarinKnowledge, race: str, snps: dict[str, str],
                                             expected: tuple[str, str]) -> None:
    patient = patient_from_values({"Race (OMB)": race, **snps})
    case = prepare(patient, knowledge.baselines.vkorc1_imputation)
    assert (case.vkorc1, case.vkorc1_source) == expected


def test_rare_cyp2c9_allele_counts_as_star1_and_is_flagged(knowledge: WarfarinKnowledge) -> None:
    case = prepare(patient_from_values({"CYP2C9 consensus": "*2/*11", "Phenytoin (Dilantin)": "1"}),
                   knowledge.baselines.vkorc1_imputation)
    assert (case.cyp2c9, case.cyp2c9_other_allele, case.enzyme_inducer) == ("*1/*2", True, True)


CELLS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, min_size=0, max_size=17), min_size=0, max_size=4))
def test_fuzz_never_crashes(tmp_path: Path, rows: list[list[str]]) -> None:
    path = write(tmp_path / "fuzz.csv", rows)
    try:
        read_iwpc(path, training=True)
    except InputError as exc:
        assert exc.source == str(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_fuzz_raw_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "raw.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\n" + data)
    with contextlib.suppress(InputError):
        read_iwpc(path)
