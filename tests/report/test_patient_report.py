"""The patient report: plain language at grade 8 or below, icon arrays, and the patient's own language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.model.payloads import TherapyMatchData
from tailormed.pipeline.analyze import analyze
from tailormed.report.i18n import resolve_language
from tailormed.report.render import render_patient_html
from tailormed.report.text import visible_text

from .conftest import ON, PATIENTS, demo04_metastatic, plan_for
from .readability import grades, offline_cmudict

Plans = dict[str, tuple[Patient, CarePlan]]
SECTIONS = ["words", "medicines", "risks", "family", "todo", "questions", "limits"]


@pytest.fixture(scope="module", autouse=True)
def _cmudict(tmp_path_factory: pytest.TempPathFactory) -> None:
    offline_cmudict(tmp_path_factory.mktemp("nltk"))


@pytest.mark.parametrize("fixture", ["pgx_plans", "full_plans", pytest.param("demo_plans", marks=pytest.mark.slow)])
@pytest.mark.parametrize("patient_id", PATIENTS)
def test_english_report_reads_at_grade_8_or_below(
    request: pytest.FixtureRequest, fixture: str, patient_id: str
) -> None:
    patient, plan = request.getfixturevalue(fixture)[patient_id]
    html = render_patient_html(plan, patient, language="en")
    text = visible_text(html)
    assert len(text.split()) > 150
    scores = grades(text)
    assert scores["flesch_kincaid"] <= 8.0, scores
    assert scores["smog"] <= 8.0, scores
    assert scores["coleman_liau"] <= 8.0, scores


def test_sections_icon_arrays_and_choices(full_plans: Plans) -> None:
    patient, plan = full_plans["demo-01-hale"]
    html = render_patient_html(plan, patient, language="en")
    for section in SECTIONS:
        assert f'<section id="{section}">' in html
    text = visible_text(html)
    # 22.6% now, 13.1% after the best what-if: 23 people, 10 of them spared
    assert "about 23 of them will have a heart attack or stroke" in text
    assert html.count('fill="#c0392b"') == 13 and html.count('fill="#1e8449"') == 10
    assert "Stop smoking: about 13 in 100" in text
    assert "You have a variant in the BRCA2 gene" in text and "Should my family be tested too?" in text
    # only approved or guideline options (tier I-A) reach the patient; tier II-C and preclinical ones do not
    assert "These approved medicines may work against this change: encorafenib and cetuximab." in text
    assert "vemurafenib" not in text.casefold() and "plx4720" not in text.casefold()
    # the contraindicated option is flagged and the best fit is the top of the ranking, not the highest score
    assert "not safe for you" in text and "this option fits best: Ticagrelor." in text
    assert "Some results are for research only." in text
    assert "Some scores were not tested in people with your family background." in text


def test_medicines_from_the_pgx_engine(pgx_plans: Plans) -> None:
    patient, plan = pgx_plans["demo-02-mensah"]
    text = visible_text(render_patient_html(plan, patient, language="en"))
    assert text.count("warfarin.\n") == 1  # one box per medicine, however many actions name it
    assert text.count("You take fluoxetine.") == 1  # one note per interacting drug
    # the CPIC-adjusted range for CYP2C9 *8 in African ancestry (its 15-30 % quoted) is the weekly dose the patient
    # hears; the unadjusted IWPC 28.7 mg/week is not
    assert "A dose of about 20 to 24 mg a week may suit you at the start." in text and "29 mg" not in text
    assert "Ask your care team if warfarin is still right for you." in text


def test_spanish_patient_gets_a_spanish_report(pgx_plans: Plans) -> None:
    patient, plan = pgx_plans["demo-03-rodriguez"]
    assert patient.preferences.language == "es"
    html = render_patient_html(plan, patient)
    assert '<html lang="es">' in html
    text = visible_text(html)
    assert "Su informe de salud" in text and "azatioprina" in text  # the record's own name for it
    assert "Preguntas para su equipo de salud." in text
    assert "de marzo de 2026" in text  # dates in Spanish too


@pytest.mark.parametrize(("preference", "expected"), [("es", "es"), ("es-MX", "es"), ("en-GB", "en"), ("fr", "en")])
def test_language_choice(preference: str, expected: str) -> None:
    assert resolve_language(preference) == expected


def test_adding_a_language_is_adding_a_catalog(
    pgx_plans: Plans, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tailormed.report import i18n, render

    catalog = tmp_path / "pt" / "LC_MESSAGES" / "messages.po"
    catalog.parent.mkdir(parents=True)
    catalog.write_text(
        'msgid ""\nmsgstr ""\n"Language: pt\\n"\n\nmsgid "Your health report"\nmsgstr "O seu relatório de saúde"\n'
    )
    monkeypatch.setattr(i18n, "locales_dir", lambda: tmp_path)
    i18n.translations.cache_clear()
    render._environment.cache_clear()
    try:
        patient, plan = pgx_plans["demo-01-hale"]
        assert "<h1>O seu relatório de saúde</h1>" in render_patient_html(plan, patient, language="pt-BR")
    finally:
        i18n.translations.cache_clear()
        render._environment.cache_clear()


def test_therapy_names_read_as_words_and_regimens_keep_their_letters(full_plans: Plans) -> None:
    patient, plan = full_plans["demo-01-hale"]
    findings = [
        f.model_copy(update={"data": f.data.model_copy(update={"therapy": "Encorafenib + Cetuximab + mFOLFOX6"})})
        if isinstance(f.data, TherapyMatchData) and f.data.therapy == "encorafenib + cetuximab"
        else f
        for f in plan.findings
    ]
    text = visible_text(render_patient_html(plan.model_copy(update={"findings": findings}), patient, language="en"))
    assert "may work against this change: encorafenib and cetuximab and mFOLFOX6." in text


@pytest.mark.parametrize(
    ("language", "update", "expected", "absent"),
    [
        (
            "en",
            {"gene": "HLA-A", "alteration": "HLA-A*02:01:01:01", "matched_level": "hla", "therapy": "tebentafusp"},
            "Your tissue type is HLA-A*02:01:01:01. You were born with it. It is not a change in the tumor. These "
            "approved medicines may work for people with this tissue type: tebentafusp.",
            "change in the HLA-A gene",
        ),
        (
            "es",
            {"gene": "HLA-A", "alteration": "HLA-A*02:01:01:01", "matched_level": "hla", "therapy": "tebentafusp"},
            "Su tipo de tejido es HLA-A*02:01:01:01.",
            "gen HLA-A",
        ),
        (
            "en",
            {
                "gene": "del(5q)",
                "alteration": "del(5)(q13q33)",
                "matched_level": "cytogenetic",
                "therapy": "lenalidomide",
            },
            "Your tumor cells have lost part of chromosome 5. These approved medicines may work against this change: "
            "lenalidomide.",
            "del(5q) gene",
        ),
    ],
)
def test_hla_type_and_lost_chromosome_arm_are_not_called_gene_changes(
    full_plans: Plans, language: str, update: dict[str, str], expected: str, absent: str
) -> None:
    patient, plan = full_plans["demo-01-hale"]
    findings = [
        f.model_copy(update={"data": f.data.model_copy(update=update)})
        if isinstance(f.data, TherapyMatchData) and f.data.therapy == "encorafenib + cetuximab"
        else f
        for f in plan.findings
    ]
    text = visible_text(render_patient_html(plan.model_copy(update={"findings": findings}), patient, language=language))
    assert expected in text
    assert absent not in text


def test_a_regimen_is_named_by_its_medicines_for_the_patient(core: KnowledgeBundle) -> None:
    """demo-04's tumour stated metastatic gets encorafenib + cetuximab + mFOLFOX6 (tier I-A); the patient reads the
    medicines mFOLFOX6 is made of (curated regimens.yaml), never the acronym, in English and in Spanish."""
    metastatic = demo04_metastatic()
    runs = analyze(metastatic, None, core, on=ON, engines=["onco"]).runs
    plan = plan_for(metastatic, list(runs.values()))
    [data] = [
        f.data for f in plan.findings
        if isinstance(f.data, TherapyMatchData) and f.data.therapy == "encorafenib + cetuximab + mFOLFOX6"
    ]  # fmt: skip
    assert data.amp_tier == "I-A" and data.regimens == {"mFOLFOX6": ["oxaliplatin", "leucovorin", "fluorouracil"]}
    english = visible_text(render_patient_html(plan, metastatic, language="en"))
    assert "encorafenib and cetuximab and oxaliplatin and leucovorin and fluorouracil" in english
    spanish = visible_text(render_patient_html(plan, metastatic, language="es"))
    assert "oxaliplatin" in spanish
    for text in (english, spanish):
        assert "folfox" not in text.casefold()
