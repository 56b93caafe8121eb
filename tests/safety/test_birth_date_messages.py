"""A refused birth date is quoted as the file wrote it, never as a Python value."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tailormed.errors import InputError
from tailormed.intake.fhir import convert_fhir_bundle
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))


def _years_ago(years: int) -> str:
    today = date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28)).isoformat()


OLD = _years_ago(150)
FUTURE = _years_ago(-4)


@pytest.mark.parametrize(
    ("born", "problem"), [(OLD, "makes the patient 150 years old (at most 130)"), (FUTURE, "is in the future")]
)
def test_a_record_birth_date_is_quoted_as_written(tmp_path: Path, born: str, problem: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(f"id: r1\ndemographics:\n  birth_date: {born}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_record(path, RANGES)
    message = str(caught.value)
    assert message.endswith(f"demographics.birth_date: {born} {problem}"), message
    assert "datetime" not in message and "(got" not in message


def _bundle(born: str) -> dict[str, object]:
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": born}
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": patient}]}


def test_a_fhir_birth_date_is_quoted_as_written_and_named_by_its_element() -> None:
    with pytest.raises(InputError) as caught:
        convert_fhir_bundle(_bundle(OLD), "b.json")
    assert caught.value.location == "entry[0] Patient.birthDate"
    assert str(caught.value).endswith(f"{OLD} makes the patient 150 years old (at most 130)"), str(caught.value)


def test_a_partial_fhir_birth_date_shows_the_year_the_file_gave() -> None:
    year = str(date.today().year - 151)
    with pytest.raises(InputError) as caught:
        convert_fhir_bundle(_bundle(year), "b.json")
    message = str(caught.value)
    assert f"(got '{year}')" in message and "datetime" not in message, message


def test_other_rejected_values_still_show_what_was_given(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("id: r1\ndemographics:\n  age_years: 131\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"demographics\.age_years: .*\(got 131\)"):
        load_record(path, RANGES)
