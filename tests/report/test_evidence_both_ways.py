"""A therapy whose evidence points both ways for one tumour stays with the care team.

A tumour can meet a therapy's label through one result and carry a resistance marker for the same therapy (or one of
its drugs) in another: a BRAF V600E colorectal cancer stated RAS wild-type meets panitumumab's label, while BRAF V600E
predicts no benefit from panitumumab (tier I-B). When both claims are at tier I or II on clinical evidence the patient
report does not say the therapy may work; it says the results disagree, and the clinician summary marks the evidence
as conflicting and names the marker. The rule is checked on every such pair the curated core holds.
"""

from __future__ import annotations

import re

import pytest
import textstat

from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.run import OncoKnowledge, TumourProfile, match_profile
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.onco.evidence import BiomarkerEvidence
from tailormed.model.alteration import AlterationKind
from tailormed.model.engine import EngineRun
from tailormed.model.patient import Patient
from tailormed.model.payloads import therapy_key
from tailormed.pipeline.analyze import analyze
from tailormed.pipeline.onco import load_knowledge
from tailormed.report.i18n import available_languages, translations
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.summary import summary_text
from tailormed.report.text import visible_text
from tailormed.report.therapies import patient_therapy
from tailormed.report.view import build_view

from .conftest import ON, demo04_metastatic, plan_for
from .readability import grades, offline_cmudict

UNSURE = (
    "We cannot tell if these medicines will work for your tumor: %(drugs)s. Some results say yes and some say no. "
    "Your care team will talk with you about them."
)
PANITUMUMAB = "panitumumab; panitumumab and folinic acid and fluorouracil and oxaliplatin"


@pytest.fixture(scope="module", autouse=True)
def _cmudict(tmp_path_factory: pytest.TempPathFactory) -> None:
    offline_cmudict(tmp_path_factory.mktemp("nltk"))


def _tumour(patient: Patient, **update: object) -> Patient:
    assert patient.tumour is not None
    return patient.model_copy(update={"tumour": patient.tumour.model_copy(update=update)})


def test_braf_v600e_keeps_panitumumab_for_ras_wild_type_from_the_patient(core: KnowledgeBundle) -> None:
    """Metastatic BRAF V600E colon cancer stated KRAS and NRAS wild-type: panitumumab's label is met (I-A) and BRAF
    V600E predicts no benefit from it (I-B). The patient hears that the results disagree, in plain words, in English
    and Spanish; the clinician summary marks the label line as conflicting and names BRAF V600E."""
    patient = _tumour(demo04_metastatic(), wild_type=["KRAS", "NRAS"])
    plan = plan_for(patient, list(analyze(patient, None, core, on=ON, engines=["onco"]).runs.values()))
    text = summary_text(patient, plan)
    for therapy in ("panitumumab", "panitumumab + FOLFOX"):
        line = (
            f"- [actionable] RAS wild-type – {therapy}: may benefit (AMP tier I-A; conflicting evidence: no benefit "
            "expected with BRAF V600E (I-B))"
        )
        assert line in text, text
    assert "no benefit expected: cetuximab (I-B, conflicting evidence); panitumumab (I-B, conflicting evidence)" in text
    for language in available_languages():
        words = translations(language)
        report = visible_text(render_patient_html(plan, patient, language=language))
        may_work = words.gettext("These approved medicines may work for a tumor like yours: %(drugs)s.")
        assert may_work.split("%(drugs)s")[0] not in report, language
        drugs = PANITUMUMAB.replace(" and ", f" {words.gettext('and')} ")
        assert words.gettext(UNSURE) % {"drugs": drugs} in report, language
        assert "encorafenib" in report  # BRAF V600E's own label: cetuximab alone's resistance is the same marker's
    english = visible_text(render_patient_html(plan, patient, language="en"))
    scores = grades(english)
    assert scores["flesch_kincaid"] <= 8.0 and scores["coleman_liau"] <= 8.0, scores
    sentence = grades(UNSURE % {"drugs": "panitumumab"})
    assert sentence["flesch_kincaid"] <= 8.0 and sentence["coleman_liau"] <= 8.0, sentence
    textstat.set_lang("es")
    try:
        spanish = visible_text(render_patient_html(plan, patient, language="es"))
        assert textstat.fernandez_huerta(spanish) >= 60
        assert textstat.fernandez_huerta(translations("es").gettext(UNSURE) % {"drugs": "panitumumab"}) >= 60
    finally:
        textstat.set_lang("en")
    html = render_clinician_html(plan, patient)
    start = html.index('<section id="oncology">')
    table = html[start : html.index("</section>", start)]
    assert table.count("conflicting evidence: no benefit expected with BRAF V600E (I-B)") == 5, table  # 5 labels
    assert "conflicting evidence: may benefit with RAS wild-type (I-A)" in table  # BRAF V600E's panitumumab row


def _codes(row: BiomarkerEvidence) -> set[str]:
    return {row.oncotree, *row.also_oncotree}


def _drugs(row: BiomarkerEvidence) -> set[str]:
    return set(therapy_key(*row.therapies))


def _shared_type(sensitive: BiomarkerEvidence, resistant: BiomarkerEvidence, knowledge: OncoKnowledge) -> str | None:
    """The most specific tumour type both rows are for (a type within the other's counts), if any."""
    for a in sorted(_codes(sensitive)):
        for b in sorted(_codes(resistant)):
            if a == b or knowledge.tree.is_within(a, b):
                return a
            if knowledge.tree.is_within(b, a):
                return b
    return None


def both_ways_pairs(knowledge: OncoKnowledge) -> list[tuple[str, BiomarkerEvidence, BiomarkerEvidence]]:
    """Every label or guideline row (level A, sensitivity) with a resistance row at level A to C in the same tumour
    type for another biomarker, whose therapy is the label's or a part of it."""
    rows = [row for table in knowledge.tables for row in table.rows if row.therapies]
    pairs = []
    for sensitive in rows:
        if sensitive.significance != "sensitivity" or sensitive.amp_level != "A":
            continue
        for resistant in rows:
            if resistant.significance not in ("resistance", "reduced_sensitivity") or resistant.amp_level not in "ABC":
                continue
            if resistant.biomarker.label == sensitive.biomarker.label or not _drugs(resistant) <= _drugs(sensitive):
                continue
            if (code := _shared_type(sensitive, resistant, knowledge)) is not None:
                pairs.append((code, sensitive, resistant))
    return pairs


def test_no_patient_is_told_a_therapy_may_work_beside_its_resistance_marker(core: KnowledgeBundle) -> None:
    """For every pair in the curated core, a tumour with both biomarkers: whenever the label line is met without a
    condition and the resistance claim is at tier I or II, the therapy is not among those that may work, the patient
    hears that the results disagree, and the summary marks the line as conflicting."""
    knowledge = load_knowledge(core)
    carrier = demo04_metastatic()
    checked = 0
    for code, sensitive, resistant in both_ways_pairs(knowledge):
        markers = [sensitive.biomarker, resistant.biomarker]
        wild_type = frozenset(g for m in markers if m.kind is AlterationKind.WILD_TYPE for g in m.wild_type)
        profile = TumourProfile(
            case_id="pair",
            tumour_type=code,
            extent=min(sensitive.extents, default=None),
            alterations=[m for m in markers if m.kind is not AlterationKind.WILD_TYPE],
            wild_type=wild_type,
        )
        findings = findings_from_result(match_profile(profile, knowledge), knowledge)
        patient = carrier.model_copy(update={"tumour": None})
        plan = plan_for(patient, [EngineRun(findings=findings, versions={"onco-core": "test"})])
        view = build_view(plan, patient)
        key = therapy_key(*sensitive.therapies)
        label = [t for t in view.therapy_lines if t.approved and not t.against and therapy_key(t.best.therapy) == key]
        met = {t.biomarker for t in label}
        against = [
            t
            for t in view.therapies_now
            if t.against and set(therapy_key(t.best.therapy)) <= set(key) and t.biomarker not in met
        ]
        if not label or not against:
            continue  # the pair does not meet both (the label needs a result the other marker rules out, ...)
        checked += 1
        where = (sensitive.id, resistant.id)
        names = {patient_therapy(t.best) for t in label}
        assert not names & {d for g in view.tumour_genes for d in g.may_work}, where
        assert names <= {d for g in view.tumour_genes for d in g.unsure}, where
        report = visible_text(render_patient_html(plan, patient))
        assert "We cannot tell if these medicines will work for your tumor" in report, where
        summary = summary_text(patient, plan)
        for line in label:
            head = f"- [actionable] {line.biomarker} – {line.best.therapy}:"
            [said] = [s for s in summary.splitlines() if s.startswith(head)]
            assert re.search(r"conflicting evidence: no benefit expected with .+\((I-A|I-B|II-C)", said), (where, said)
    assert checked >= 150  # EGFR C797S and osimertinib, ALK G1202R and alectinib, KIT exon 17 and imatinib, ...
