"""Every template string has a translation in every catalog, and a translated report keeps no template English."""

from __future__ import annotations

import re
from importlib import resources

import pytest
import textstat
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.report.i18n import SOURCE_LANGUAGE, available_languages, read_catalog
from tailormed.report.render import render_patient_html
from tailormed.report.text import visible_text

from .conftest import PATIENTS

PLACEHOLDER = re.compile(r"%\((\w+)\)s")
TRANSLATED = [lang for lang in available_languages() if lang != SOURCE_LANGUAGE]


def template_messages() -> dict[str | tuple[str, ...], str]:
    """msgid -> where it is used, read from the templates with Babel's Jinja2 extractor."""
    templates = resources.files("tailormed.report") / "templates"
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}
    found = extract_from_dir(str(templates), method_map=[("**.html", "jinja2")], options_map=options)
    return {message: f"{name}:{line}" for name, line, message, _, _ in found}


def test_there_is_a_spanish_catalog() -> None:
    assert "es" in TRANSLATED


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_is_complete(language: str) -> None:
    catalog: Catalog = read_catalog(language)
    entries = {m.id: m for m in catalog if m.id}
    wanted = template_messages()
    assert len(wanted) > 50
    missing = [f"{where}: {msgid!r}" for msgid, where in wanted.items() if msgid not in entries]
    assert not missing, "untranslated:\n" + "\n".join(missing)
    for msgid in wanted:
        message = entries[msgid]
        assert not message.fuzzy, msgid
        sources = msgid if isinstance(msgid, tuple) else (msgid,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(t.strip() for t in targets), f"empty translation for {msgid!r}"
        for source, target in zip(sources, targets, strict=False):
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(target)), msgid
    assert not set(entries) - set(wanted), "catalog entries no template uses"


@pytest.mark.parametrize("patient_id", PATIENTS)
def test_spanish_report_has_no_template_english(
    full_plans: dict[str, tuple[Patient, CarePlan]], patient_id: str
) -> None:
    patient, plan = full_plans[patient_id]
    text = visible_text(render_patient_html(plan, patient, language="es"))
    catalog = read_catalog("es")
    leftovers = []
    for msgid in template_messages():
        for source in msgid if isinstance(msgid, tuple) else (msgid,):
            for fragment in PLACEHOLDER.split(source)[::2]:
                fragment = fragment.strip(" .:,")
                if len(fragment) >= 12 and fragment in text:
                    leftovers.append(fragment)
    assert not leftovers, leftovers
    assert catalog.get("Your health report").string in text


#: Words of English that Spanish never uses: any of them on a Spanish page is English left untranslated.
ENGLISH_WORDS = {
    "the",
    "your",
    "you",
    "with",
    "and",
    "of",
    "to",
    "for",
    "is",
    "are",
    "this",
    "that",
    "will",
    "from",
    "by",
    "or",
    "once",
    "twice",
    "caused",
    "which",
    "how",
    "what",
    "keep",
    "things",
    "blood",
    "heart",
    "stroke",
    "bleeding",
    "medicine",
    "risk",
    "daily",
    "plus",
    "lower",
    "take",
    "given",
    "result",
    "results",
    "out",
}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_decision_text_shown_to_patients_is_in_every_catalog_language(language: str) -> None:
    from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
    from tailormed.knowledge.sdm import load_sdm_options

    options = load_sdm_options(KnowledgeBundle(None, None, curated_sources()))
    missing = []
    for decision in options.decisions:
        texts = [(decision.id, decision.translations)]
        texts += [(f"{decision.id}/{o.id}", o.translations) for o in decision.outcomes]
        texts += [(f"{decision.id}/{o.id}", o.translations) for o in decision.options]
        missing += [where for where, given in texts if not given.get(language, "").strip()]
    assert not missing, missing


@pytest.mark.parametrize("patient_id", ["demo-01-hale", "demo-02-mensah"])
def test_spanish_decisions_and_the_whole_page_have_no_english(
    demo_plans: dict[str, tuple[Patient, CarePlan]], patient_id: str
) -> None:
    """The options ranked by the patient's preferences speak Spanish too: questions, option titles, outcome names
    (table headers) and the what-if options; and no English word is left anywhere on the page."""
    patient, plan = demo_plans[patient_id]
    assert plan.decisions
    text = visible_text(render_patient_html(plan, patient, language="es"))
    english = [d.question for d in plan.decisions]
    english += [
        o.title for d in plan.decisions for o in d.options if not o.unverified and o.title != o.translations.get("es")
    ]
    english += [o.name for d in plan.decisions for opt in d.options for o in opt.outcomes]
    assert not [words for words in english if words in text]
    assert not sorted(ENGLISH_WORDS & set(re.findall(r"[a-z]+", text.lower())))
    textstat.set_lang("es")
    try:
        assert textstat.fernandez_huerta(text) >= 60
    finally:
        textstat.set_lang("en")


def test_spanish_report_names_each_medicine_as_the_record_writes_it(
    demo_plans: dict[str, tuple[Patient, CarePlan]],
) -> None:
    """demo-03's list is written in Spanish (tamoxifeno, azatioprina, sulfato ferroso): the patient reads those names,
    not the knowledge's English ingredient names, in the medicine boxes, what to do and what was not checked."""
    patient, plan = demo_plans["demo-03-rodriguez"]
    text = visible_text(render_patient_html(plan, patient, language="es"))
    for spanish in ("tamoxifeno", "azatioprina", "sulfato ferroso"):
        assert spanish in text
    words = set(re.findall(r"[a-z]+", text.lower()))
    assert not words & {"tamoxifen", "azathioprine", "ferrous", "sulfate"}
    assert not sorted(ENGLISH_WORDS & words)


def test_one_person_in_100_is_said_in_the_singular(demo_plans: dict[str, tuple[Patient, CarePlan]]) -> None:
    """demo-02's 5-year breast cancer risk is about 1 in 100: Spanish says 'cerca de 1 de ellas tendrá', not the
    plural 'unas 1 de ellas tendrán'."""
    patient, plan = demo_plans["demo-02-mensah"]
    text = visible_text(render_patient_html(plan, patient, language="es"))
    assert "cerca de 1 de ellas tendrá cáncer de mama" in text
    assert "unas 1 " not in text
