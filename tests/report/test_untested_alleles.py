"""Advice resting on a gene call that could not test a named allele, as the patient hears it: the advice is not
final, some places in the gene were not checked, and a test can check them; said in every report language, at the
same reading level as the rest of the report, and only where the advice is open."""

from __future__ import annotations

from pathlib import Path

import pytest
import textstat

from tailormed.demo import demo_record
from tailormed.intake.record import load_record, resolve_genome_path
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.pipeline.analyze import analyze, read_patient_genome
from tailormed.pipeline.plausible import plausibility
from tailormed.report.i18n import SOURCE_LANGUAGE, available_languages, read_catalog, translations
from tailormed.report.render import render_patient_html
from tailormed.report.text import visible_text
from tailormed.report.view import build_view

from .conftest import ON, plan_for
from .readability import grades, offline_cmudict

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

NOT_CHECKED = (
    "Your test did not check some places in the %(genes)s gene that can change it. "
    "Ask your care team about a test for these places."
)
COPY_NUMBER = "This result may change when you have a copy-number test."


@pytest.fixture(scope="module", autouse=True)
def _cmudict(tmp_path_factory: pytest.TempPathFactory) -> None:
    offline_cmudict(tmp_path_factory.mktemp("nltk"))


def _plan(patient: Patient, vcf: Path, core: KnowledgeBundle) -> CarePlan:
    evidence = read_patient_genome(vcf, patient, core, engines=["pgx"])
    return plan_for(patient, [analyze(patient, evidence, core, on=ON, engines=["pgx"]).runs["pgx"]])


@pytest.fixture(scope="module")
def hale() -> Patient:
    return load_record(demo_record("demo-01-hale"), RANGES)


@pytest.fixture(scope="module")
def untested(hale: Patient, core: KnowledgeBundle, tmp_path_factory: pytest.TempPathFactory) -> CarePlan:
    """Demo patient 1 (on clopidogrel) with CYP2C19 rs4244285, the one position defining *2, not called: the call is
    *1/*1, whose standard-dose advice would change if *2 were there."""
    vcf = resolve_genome_path(hale, demo_record("demo-01-hale"))
    assert vcf is not None
    lines = vcf.read_text().splitlines(keepends=True)
    changed = [line.replace("\t1/1:31:99", "\t./.:0:0") if "\trs4244285\t" in line else line for line in lines]
    assert changed != lines
    path = tmp_path_factory.mktemp("untested") / "hale.vcf"
    path.write_text("".join(changed))
    return _plan(hale, path, core)


def test_the_view_names_the_gene_left_open(untested: CarePlan, hale: Patient) -> None:
    view = build_view(untested, hale)
    [cyp2c19] = [g.data for g in view.pgx.genes if g.data.gene == "CYP2C19"]
    assert cyp2c19.untested_positions == ["rs4244285"]
    assert view.untested_genes("clopidogrel") == ["CYP2C19"]
    assert view.provisional_genes("clopidogrel") == []  # no copy-number question here
    assert ("clopidogrel", ["CYP2C19"]) in view.provisional_only
    assert view.untested_genes("atorvastatin") == []


@pytest.mark.parametrize("language", available_languages())
def test_patient_hears_the_advice_is_not_final_in_every_language(
    untested: CarePlan, hale: Patient, language: str
) -> None:
    text = visible_text(render_patient_html(untested, hale, language=language))
    words = translations(language)
    sentence = words.gettext(NOT_CHECKED) % {"genes": "CYP2C19"}
    lead = words.gettext("This is not final.")
    if language != SOURCE_LANGUAGE:
        entry = read_catalog(language).get(NOT_CHECKED)
        assert entry is not None and entry.string and entry.string != NOT_CHECKED
    clopidogrel = text[text.index("clopidogrel.\n") :]
    clopidogrel = clopidogrel[: clopidogrel.index("pantoprazole.\n")]
    assert f"{lead} {sentence}" in clopidogrel
    atorvastatin = text[text.index("atorvastatin.\n") : text.index("clopidogrel.\n")]
    assert sentence not in atorvastatin
    assert words.gettext(COPY_NUMBER) not in text


def test_english_report_still_reads_at_grade_8_or_below(untested: CarePlan, hale: Patient) -> None:
    text = visible_text(render_patient_html(untested, hale, language="en"))
    assert NOT_CHECKED % {"genes": "CYP2C19"} in text
    scores = grades(NOT_CHECKED % {"genes": "CYP2C19"})
    assert scores["flesch_kincaid"] <= 8.0 and scores["coleman_liau"] <= 8.0, scores
    scores = grades(text)
    assert scores["flesch_kincaid"] <= 8.0 and scores["coleman_liau"] <= 8.0, scores


def test_spanish_report_still_reads_easily(untested: CarePlan, hale: Patient) -> None:
    sentence = translations("es").gettext(NOT_CHECKED) % {"genes": "CYP2C19"}
    text = visible_text(render_patient_html(untested, hale, language="es"))
    assert sentence in text
    textstat.set_lang("es")
    try:
        assert textstat.fernandez_huerta(sentence) >= 60
        assert textstat.fernandez_huerta(text) >= 60
    finally:
        textstat.set_lang("en")


def test_a_fully_read_gene_leaves_nothing_open(hale: Patient, core: KnowledgeBundle) -> None:
    vcf = resolve_genome_path(hale, demo_record("demo-01-hale"))
    assert vcf is not None
    plan = _plan(hale, vcf, core)
    assert build_view(plan, hale).untested_genes("clopidogrel") == []
    text = visible_text(render_patient_html(plan, hale, language="en"))
    assert "did not check some places" not in text


def test_dpyd_half_dose_is_not_final_when_the_vcf_could_not_test_other_alleles(
    built_plans: dict[str, tuple[Patient, CarePlan]],
) -> None:
    """Demo patient 4 with the built bundle: DPYD *2A found, but most DPYD positions of the full definition are not
    in the VCF; another no-function allele would change the half-dose advice, so the patient hears it is open."""
    patient, plan = built_plans["demo-04-park"]
    assert build_view(plan, patient).untested_genes("capecitabine") == ["DPYD"]
    text = visible_text(render_patient_html(plan, patient, language="en"))
    box = text[text.index("capecitabine.\n") :]
    assert box.startswith(
        "capecitabine.\nYour genes change how your body handles this medicine. The usual dose could harm you. "
        "Your care team should start you at half the usual dose.\nThis advice is not final. "
        + NOT_CHECKED % {"genes": "DPYD"}
    )
