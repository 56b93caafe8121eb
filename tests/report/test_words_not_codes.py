"""Reports say words, not the program's codes: no enum value such as ``not_called`` or ``does_not_support``
reaches a reader, in the clinician report or in either language of the patient report."""

from __future__ import annotations

import re
from enum import StrEnum

import pytest

from tailormed import model
from tailormed.model import careplan, finding, genotype, patient, pgx
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.text import visible_text

from .conftest import PATIENTS

Plans = dict[str, tuple[Patient, CarePlan]]


def codes() -> set[str]:
    """Every multi-word enum value of the contracts, plus the values the engines write as plain strings."""
    found = {
        member.value
        for module in (model, careplan, finding, genotype, patient, pgx)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, StrEnum)
        for member in value
        if "_" in member.value
    }
    return found | {"does_not_support", "reduced_sensitivity", "compound_heterozygous", "gene_class", "unresolved"}


def leaks(text: str) -> list[str]:
    return sorted({code for code in codes() if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)})


def test_the_codes_include_the_ones_that_leaked() -> None:
    assert {"not_called", "no_table", "does_not_support", "unresolved"} <= codes()


@pytest.mark.parametrize("source", ["pgx_plans", "full_plans", "demo_plans", "built_plans"])
@pytest.mark.parametrize("patient_id", PATIENTS)
def test_no_codes_in_reports(request: pytest.FixtureRequest, source: str, patient_id: str) -> None:
    patient, plan = request.getfixturevalue(source)[patient_id]
    assert not leaks(visible_text(render_clinician_html(plan, patient)))
    for language in ("en", "es"):
        assert not leaks(visible_text(render_patient_html(plan, patient, language=language)))


def test_gene_status_words_in_the_clinician_report(pgx_plans: Plans) -> None:
    patient, plan = pgx_plans["demo-04-park"]
    text = visible_text(render_clinician_html(plan, patient))
    assert "not called" in text
