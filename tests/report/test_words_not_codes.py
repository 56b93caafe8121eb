"""Reports say words, not the program's codes: no enum value such as ``not_called`` or ``does_not_support``
reaches a reader, in the clinician report, in either language of the patient report, in ``summary.txt``, on the
terminal after ``analyze`` or in the text of ``pgx report``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from enum import StrEnum
from pathlib import Path

import pytest

from tailormed import model
from tailormed.demo import demo_record
from tailormed.model import careplan, finding, genotype, patient, pgx
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.summary import summary_text
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


@pytest.mark.parametrize("patient_id", PATIENTS)
def test_no_codes_in_the_summary(full_plans: Plans, patient_id: str) -> None:
    patient, plan = full_plans[patient_id]
    text = summary_text(patient, plan)
    assert plan.actions and plan.conflicts
    assert not leaks(text), text
    assert "[medication change]" in text or "[monitoring]" in text
    for decision in plan.decisions:  # the first option by its title, not its id
        first = next(o for o in decision.options if o.id == decision.ranking[0])
        assert f"{decision.question} First for you: {first.title}\n" in text


def _tailormed(*args: str, home: Path) -> str:
    env = {**os.environ, "TAILORMED_KB": str(home / "kb"), "COLUMNS": "250"}
    done = subprocess.run([sys.executable, "-m", "tailormed", *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_no_codes_on_the_terminal(tmp_path: Path) -> None:
    """demo-01's VCF holds no CYP2D6 record, so CYP2D6 is not called: the gene table says so in words."""
    record = str(demo_record("demo-01-hale"))
    report = _tailormed("pgx", "report", "--record", record, home=tmp_path)
    assert re.search(r"CYP2D6 +│ - +│ not called", report), report
    analyzed = _tailormed("analyze", "--record", record, "--out", str(tmp_path / "out"), "--no-pdf", home=tmp_path)
    assert "medication change:" in analyzed
    assert not leaks(report) and not leaks(analyzed)
