"""Reports that say the few things that matter, on the demo patients analysed with the full knowledge bundle.

The clinician summary lists what to act on now, once per drug and once per biomarker-therapy; preclinical and
lower-tier tumour evidence sits in an appendix and never reaches the patient; the patient report names only approved
or guideline options, says what a genotype means for the dose, and reads at school grade 8 or below (English) or 60
or more on the Fernández-Huerta scale (Spanish).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import textstat

from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.model.careplan import ActionKind, CarePlan
from tailormed.model.engine import EngineRun
from tailormed.model.enums import DiseaseExtent
from tailormed.model.finding import Domain, Evidence, Finding, Priority
from tailormed.model.patient import Patient, ProteinExpression, Tumour
from tailormed.model.payloads import HereditaryVariantData, TherapyMatchData
from tailormed.pipeline.analyze import analyze
from tailormed.report.fhir_genomics import careplan_to_fhir
from tailormed.report.i18n import available_languages, translations
from tailormed.report.render import render_clinician_html, render_patient_html
from tailormed.report.summary import summary_text
from tailormed.report.text import visible_blocks, visible_text
from tailormed.report.therapies import therapy_key
from tailormed.report.view import build_view

from .conftest import ON, PATIENTS, demo04_metastatic, plan_for
from .readability import grades, offline_cmudict

Plans = dict[str, tuple[Patient, CarePlan]]
CHANGES = "Your genes change how your body handles this medicine."
HALF = "Your care team should start you at half the usual dose."


@pytest.fixture(scope="module", autouse=True)
def _cmudict(tmp_path_factory: pytest.TempPathFactory) -> None:
    offline_cmudict(tmp_path_factory.mktemp("nltk"))


def section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}">')
    return html[start : html.index("</section>", start)]


def summary_lines(html: str) -> list[str]:
    return [b for b in visible_blocks(section(html, "summary")) if b.startswith(("actionable ", "urgent ", "routine "))]


def named(line: str) -> set[tuple[str, ...]]:
    """The therapies a summary line names as whole entries (not as part of a combination)."""
    parts = re.split(r"\s[–|]\s|:\s|;\s", line)
    out = set()
    for part in parts:
        while (stripped := re.sub(r"\s*\([^()]*\)\s*\.?$", "", part.strip())) != part.strip():
            part = stripped
        out.add(therapy_key(part))
    return out


def subject(line: str) -> str:
    """What a summary line is about: its biomarker (``BRAF V600E``, ``RAS wild-type``) or its drug."""
    return re.split(r" – |, other therapies|: ", line, maxsplit=1)[0]


def test_one_summary_line_per_biomarker_therapy_and_per_drug(built_plans: Plans) -> None:
    patient, plan = built_plans["demo-04-park"]
    html = render_clinician_html(plan, patient)
    lines = summary_lines(html)
    matches = [f.data for f in plan.findings if isinstance(f.data, TherapyMatchData)]
    keys = {therapy_key(m.therapy) for m in matches}
    assert len(keys) > 20  # CIViC and CGI rows are there
    for key in keys:
        naming = [subject(line) for line in lines if key in named(line)]
        assert len(naming) == len(set(naming)), (key, naming)  # once per biomarker (or drug) and therapy
    shown = {k for line in lines for k in named(line)}
    assert {therapy_key("encorafenib + cetuximab"), therapy_key("cetuximab")} <= shown
    assert len(lines) <= 6, lines
    capecitabine = [line for line in lines if line.casefold().startswith("actionable capecitabine")]
    assert len(capecitabine) == 1 and "CPIC" in capecitabine[0] and "DPWG" in capecitabine[0]
    [action] = [a for a in plan.actions if "capecitabine" in a.title]
    assert action.kind is ActionKind.MEDICATION_CHANGE
    assert action.finding_ids == ["pgx:capecitabine:cpic", "pgx:capecitabine:dpwg"]


def test_summary_txt_lists_what_to_act_on_as_the_clinician_summary_does(built_plans: Plans) -> None:
    """summary.txt, which analyze and demo write beside the reports, gives the clinician summary's lines: one per drug
    and per biomarker-therapy, lower-tier evidence counted for the appendix, not one line per evidence row."""
    patient, plan = built_plans["demo-04-park"]
    text = summary_text(patient, plan)
    section = text.split("\nAct on now (", 1)[1].split("\n\n", 1)[0]
    lines = [line.removeprefix("- ") for line in section.splitlines() if line.startswith("- ")]
    html_lines = summary_lines(render_clinician_html(plan, patient))
    assert len(lines) == len(html_lines)
    for line, html_line in zip(lines, html_lines, strict=True):
        word, _, rest = html_line.partition(" ")
        assert line == f"[{word}] {rest.removesuffix('.')}"
    assert len(lines) <= 6 and "Actionable findings" not in text
    for key in {therapy_key(f.data.therapy) for f in plan.findings if isinstance(f.data, TherapyMatchData)}:
        naming = [subject(line) for line in lines if key in named(line)]
        assert len(naming) == len(set(naming)), (key, naming)
    assert "no benefit expected from FOLFOX-4 Regimen + Cetuximab" not in text
    assert "preclinical or lower-tier tumour evidence line(s) are in the clinician report's appendix" in text


def test_a_summary_line_never_stops_before_the_advice(built_plans: Plans) -> None:
    """DPWG's metoprolol row for a CYP2D6 poor metabolizer starts with its condition ("If a GRADUAL REDUCTION in
    HEART RATE is desired, ...:") and puts the advice on the next line: demo-02's summary line carries both."""
    patient, plan = built_plans["demo-02-mensah"]
    lines = summary_lines(render_clinician_html(plan, patient))
    [metoprolol] = [line for line in lines if line.startswith("actionable metoprolol")]
    assert "SYMPTOMATIC BRADYCARDIA: Use smaller steps in dose titration and/or prescribe no more than 25% of the " \
        "standard dose." in metoprolol  # fmt: skip
    for patient, plan in built_plans.values():
        for line in summary_lines(render_clinician_html(plan, patient)):
            assert not re.sub(r"\s*\[[^\]]*\]\.?$", "", line).endswith(":"), line


def test_summary_marks_a_therapy_whose_evidence_points_both_ways(built_plans: Plans) -> None:
    """BRAF V600E and panitumumab in colorectal cancer: CIViC's tier I-B claim is evidence against resistance, CGI's
    at the same tier supports resistance; the summary must not list it as a plain "may benefit"."""
    patient, plan = built_plans["demo-04-park"]
    lines = summary_lines(render_clinician_html(plan, patient))
    view = build_view(plan, patient)
    conflicting = [t for t in view.therapies_now if t.conflicting and not t.on_label]
    assert therapy_key("panitumumab") in {therapy_key(t.best.therapy) for t in conflicting}
    for line in conflicting:
        entry = f"{line.best.therapy} ({line.best.amp_tier}, conflicting evidence)"
        assert sum(entry in text for text in lines) == 1, entry
    plain = [
        t
        for t in view.therapies_now
        if not t.conflicting and not t.on_label and not t.best.off_extent and not t.best.other_type_extent
    ]
    assert plain and all(any(f"{t.best.therapy} ({t.best.amp_tier})" in text for text in lines) for t in plain)


def test_preclinical_evidence_is_in_the_appendix_only(built_plans: Plans) -> None:
    patient, plan = built_plans["demo-04-park"]
    html = render_clinician_html(plan, patient)
    matches = [f.data for f in plan.findings if isinstance(f.data, TherapyMatchData)]
    best: dict[tuple[str, ...], str] = {}
    for m in sorted(matches, key=lambda m: m.amp_tier):
        best.setdefault(therapy_key(m.therapy), m.amp_tier)
    preclinical = [m for m in matches if best[therapy_key(m.therapy)] == "II-D"]
    assert len(preclinical) >= 5
    for data in preclinical:
        cell = f"<td>{data.therapy}</td>"
        assert cell in section(html, "appendix") and cell not in section(html, "oncology")
        assert therapy_key(data.therapy) not in {k for line in summary_lines(html) for k in named(line)}


@pytest.mark.parametrize("language", available_languages())
@pytest.mark.parametrize("source", ["built_plans", "demo_plans", "full_plans"])
def test_no_preclinical_or_lower_tier_therapy_reaches_a_patient(
    request: pytest.FixtureRequest, source: str, language: str
) -> None:
    plans: Plans = request.getfixturevalue(source)
    for patient, plan in plans.values():
        text = visible_text(render_patient_html(plan, patient, language=language)).casefold()
        matches = [f.data for f in plan.findings if isinstance(f.data, TherapyMatchData)]
        approved = {drug for m in matches if m.amp_tier == "I-A" for drug in therapy_key(m.therapy)}
        taken = {m.name.casefold() for m in patient.medications}  # named as the patient's own medicines
        others = {drug for m in matches if m.amp_tier != "I-A" for drug in therapy_key(m.therapy)} - approved - taken
        shown = sorted(drug for drug in others if re.search(rf"\b{re.escape(drug)}\b", text))
        assert not shown, (patient.id, shown)


def test_patient_hears_the_concrete_dpyd_consequence(built_plans: Plans, demo_plans: Plans) -> None:
    for plans in (built_plans, demo_plans):
        patient, plan = plans["demo-04-park"]
        text = visible_text(render_patient_html(plan, patient))
        assert "capecitabine.\nYour genes change how your body handles this medicine. The usual dose could harm you. " \
            "Your care team should start you at half the usual dose." in text  # fmt: skip
        assert "may suggest a different medicine or a different dose" not in text
        spanish = visible_text(render_patient_html(plan, patient, language="es"))
        words = translations("es")
        said = [words.gettext(m) for m in ("The usual dose could harm you.", HALF)]
        assert said[1] != HALF and f"capecitabine.\n{words.gettext(CHANGES)} {' '.join(said)}" in spanish


def test_items_not_checked_in_words(built_plans: Plans) -> None:
    patient, plan = built_plans["demo-04-park"]
    assert len(plan.limitations) > 1000  # a VCF with no absent-is-reference: most pharmacogene positions not called
    text = visible_text(render_patient_html(plan, patient))
    assert "items could not be checked" not in text
    assert "We could not read every part of these genes in your test: DPYD," in text
    assert "Your care team's report lists what could not be checked." in text


@pytest.mark.parametrize("language", available_languages())
def test_medicines_that_could_not_be_checked_are_named(demo_plans: Plans, language: str) -> None:
    """demo-03 lists sulfato ferroso (ferrous sulfate), a name the medicine vocabulary does not know: the patient reads
    that it could not be checked against her genes, rather than being counted among "other things"."""
    patient, plan = demo_plans["demo-03-rodriguez"]
    assert any(n.item == "sulfato ferroso" and n.reason == "not a known medicine" for n in plan.limitations)
    gaps = build_view(plan, patient).patient_gaps
    assert gaps.medicines == ["sulfato ferroso"]
    text = visible_text(render_patient_html(plan, patient, language=language))
    sentence = translations(language).gettext("We could not check these medicines against your genes: %(drugs)s.")
    assert sentence % {"drugs": "sulfato ferroso"} in text
    for other_id in ("demo-01-hale", "demo-04-park"):
        other, other_plan = demo_plans[other_id]
        assert build_view(other_plan, other).patient_gaps.medicines == []


FAMILY = {
    "declined": "You chose not to learn about these genes. So we did not look for them.",
    "not_checked": (
        "We could not check your test for these genes. So we cannot say if you have a change in one of them."
    ),
    "done": "This report has no results of this kind.",
}


@pytest.mark.parametrize("language", available_languages())
def test_family_section_says_whether_the_genes_were_looked_at(
    demo_plans: Plans, built_plans: Plans, language: str
) -> None:
    """No hereditary finding reads differently when the screen did not look: demo-01 without ClinVar in the bundle,
    demo-01 and demo-04 whose VCFs hold none of the ClinVar positions, demo-02 who opted out. demo-03's VCF was read
    there: she hears of her BRCA2 variant, and without it would hear that there is nothing to report."""
    words = translations(language)
    patient, plan = built_plans["demo-03-rodriguez"]
    found = [f for f in plan.findings if isinstance(f.data, HereditaryVariantData)]
    assert [f.data.gene for f in found if f.data.reportable] == ["BRCA2"]
    without = plan.model_copy(update={"findings": [f for f in plan.findings if f not in found]})
    expected = [
        (demo_plans["demo-01-hale"], "not_checked"),
        (demo_plans["demo-02-mensah"], "declined"),
        (built_plans["demo-04-park"], "not_checked"),
        (built_plans["demo-02-mensah"], "declined"),
        (built_plans["demo-01-hale"], "not_checked"),
        (built_plans["demo-03-rodriguez"], "done"),
        ((patient, without), "done"),
    ]
    for (patient, plan), screen in expected:
        patient_id = patient.id
        view = build_view(plan, patient)
        assert view.hereditary_screen == screen, patient_id
        html = render_patient_html(plan, patient, language=language)
        family = visible_text(section(html, "family"))
        reportable = [h.data.gene for h in view.hereditary if h.data.reportable]
        said = [key for key, sentence in FAMILY.items() if words.gettext(sentence) in family]
        assert said == ([] if reportable else [screen]), (patient_id, said)


@pytest.mark.parametrize("patient_id", PATIENTS)
def test_whole_patient_report_reads_at_grade_8_or_below(built_plans: Plans, patient_id: str) -> None:
    patient, plan = built_plans[patient_id]
    text = visible_text(render_patient_html(plan, patient, language="en"))
    scores = grades(text)
    assert scores["flesch_kincaid"] <= 8.0 and scores["coleman_liau"] <= 8.0, scores


@pytest.mark.parametrize("source", ["built_plans", "demo_plans", "full_plans"])
def test_spanish_patient_reports_read_easily(request: pytest.FixtureRequest, source: str) -> None:
    plans: Plans = request.getfixturevalue(source)
    textstat.set_lang("es")
    try:
        for patient, plan in plans.values():
            text = visible_text(render_patient_html(plan, patient, language="es"))
            assert textstat.fernandez_huerta(text) >= 60, patient.id
    finally:
        textstat.set_lang("en")


def test_spanish_patient_with_a_diagnosis_gets_no_list_of_rare_diseases(built_plans: Plans) -> None:
    patient, plan = built_plans["demo-03-rodriguez"]
    names = [f.data.disease_name for f in plan.findings if f.data is not None and f.data.kind == "diagnosis_candidate"]
    assert names  # the phenotype-driven ranking ran
    text = visible_text(render_patient_html(plan, patient))
    assert '<html lang="es">' in render_patient_html(plan, patient)
    assert not [name for name in names if name in text]


def test_whole_genome_gaps_are_summarised_in_the_clinician_report(built_plans: Plans, tmp_path: Path) -> None:
    patient, plan = built_plans["demo-04-park"]
    positions = [n for n in plan.limitations if n.reason == "position not called in the VCF"]
    assert len(positions) > 1000
    text = visible_text(render_clinician_html(plan, patient))
    assert text.count("position not called") < 100
    assert "DPYD: " in text and " more)" in text


@pytest.mark.parametrize("source", ["pgx_plans", "demo_plans", "built_plans"])
def test_options_resting_on_unverified_facts_stay_out_of_patient_reports(
    request: pytest.FixtureRequest, source: str
) -> None:
    """Each plan's last decision option, flagged as resting on an unverified number, is shown to the clinician and
    left out of the patient's grid with the sentence saying why (no curated option is unverified now, so the flag is
    set here)."""
    plans: Plans = request.getfixturevalue(source)
    hidden = 0
    for patient, plan in plans.values():
        if not plan.decisions:
            continue
        first, *rest = plan.decisions
        flagged = first.options[-1].model_copy(update={"unverified": ["a relative risk no quoted source backs"]})
        decision = first.model_copy(update={"options": [*first.options[:-1], flagged]})
        flagged_plan = plan.model_copy(update={"decisions": [decision, *rest]})
        text = visible_text(render_patient_html(flagged_plan, patient, language="en"))
        clinician = visible_text(render_clinician_html(flagged_plan, patient))
        hidden += 1
        assert flagged.title in clinician and flagged.title not in text, (patient.id, flagged.title)
        assert "their numbers could not be checked against a source" in text
        plain = visible_text(render_patient_html(plan, patient, language="en"))
        assert "their numbers could not be checked against a source" not in plain, patient.id
    assert hidden  # demo patient 2 has the anticoagulant decision


def test_rivaroxaban_reaches_the_patient_with_its_label_major_bleeding_effect(demo_plans: Plans) -> None:
    """ROCKET AF's major-bleeding hazard ratio is quoted from the XARELTO label (Table 5), so demo patient 2 (atrial
    fibrillation) sees rivaroxaban in the choices, its major bleeding at warfarin's rate x 1.04."""
    patient, plan = demo_plans["demo-02-mensah"]
    (decision,) = [d for d in plan.decisions if any(o.drug == "rivaroxaban" for o in d.options)]
    (rivaroxaban,) = [o for o in decision.options if o.drug == "rivaroxaban"]
    assert not rivaroxaban.unverified
    reference = next(o for o in decision.options if o.drug == "warfarin")
    (bleeding,) = [o for o in rivaroxaban.outcomes if not o.benefit and "bleed" in o.name.casefold()]
    (baseline,) = [o for o in reference.outcomes if o.name == bleeding.name]
    assert "FDA label: XARELTO (rivaroxaban) revised 01/2022, Reference ID 4947651" in bleeding.citations
    assert bleeding.per_100 == pytest.approx(baseline.per_100 * 1.04, abs=0.051)
    text = visible_text(render_patient_html(plan, patient, language="en"))
    assert rivaroxaban.title in text
    assert "their numbers could not be checked against a source" not in text


def test_resected_colon_cancer_is_not_offered_the_metastatic_braf_therapy(
    built_plans: Plans, demo_plans: Plans
) -> None:
    """demo-04 has resected stage III colon cancer on adjuvant capecitabine; encorafenib + cetuximab (+ mFOLFOX6) is
    approved for metastatic colorectal cancer only: never offered to the patient, shown to the clinician off-label
    with the reason."""
    for plans in (built_plans, demo_plans):
        patient, plan = plans["demo-04-park"]
        assert patient.tumour is not None and patient.tumour.extent == "early"
        for language in available_languages():
            text = visible_text(render_patient_html(plan, patient, language=language)).casefold()
            assert "encorafenib" not in text and "mfolfox6" not in text, language
        matches = [
            f for f in plan.findings if isinstance(f.data, TherapyMatchData) and "encorafenib" in f.data.therapy.lower()
        ]
        enco = [f for f in matches if therapy_key(f.data.therapy) == therapy_key("encorafenib + cetuximab")]
        assert enco and all(f.data.amp_tier == "II-C" for f in enco)  # type: ignore[union-attr]
        assert all(
            "approved for metastatic disease; this tumour is stage III, early (resectable or resected)" in f.summary
            for f in enco
        )
        html = render_clinician_html(plan, patient)
        assert "approved for metastatic disease; this tumour is stage III" in html


def _braf_line(patient: Patient, plan: CarePlan) -> str:
    lines = summary_text(patient, plan).split("\nAct on now (", 1)[1].split("\n\n", 1)[0].splitlines()
    [line] = [line for line in lines if "BRAF V600E, other therapies" in line]
    return line


def _listed(line: str, head: str) -> set[tuple[str, ...]]:
    """The therapies one part of a summary line lists after ``head`` (up to the next ' | ')."""
    if head not in line:
        return set()
    part = re.sub(r" \[[^\]]*\]$", "", line.split(head, 1)[1].split(" | ", 1)[0])
    return {therapy_key(re.sub(r"\s*\([^()]*\)$", "", name)) for name in part.split("; ")}


METASTATIC_ONLY = [
    therapy_key(t)
    for t in ("encorafenib + cetuximab", "encorafenib + cetuximab + mFOLFOX6", "dabrafenib + trametinib + panitumumab")
]


def test_therapies_for_another_extent_are_listed_apart_not_as_a_benefit(
    demo_plans: Plans, built_plans: Plans
) -> None:
    """demo-04's resected stage III colon cancer: encorafenib + cetuximab (+ mFOLFOX6, FDA) and dabrafenib +
    trametinib + panitumumab (a trial in metastatic disease) are not "may benefit" in the summary; they are named
    apart as for metastatic disease only, with the tumour's stage and extent, in summary.txt and the clinician
    summary alike."""
    head = "for metastatic disease only (this tumour: stage III, early): "
    for plans in (demo_plans, built_plans):
        patient, plan = plans["demo-04-park"]
        line = _braf_line(patient, plan)
        benefit = _listed(line, "may benefit: ")
        assert benefit and not benefit & set(METASTATIC_ONLY), line
        assert set(METASTATIC_ONLY) <= _listed(line, head), line
        assert therapy_key("cetuximab") in _listed(line, "no benefit expected: ")  # resistance, whatever the extent
        assert any(head in html_line for html_line in summary_lines(render_clinician_html(plan, patient)))


def test_a_metastatic_tumour_keeps_its_braf_therapies_as_before(core: KnowledgeBundle) -> None:
    """The same tumour stated metastatic: encorafenib + cetuximab (+ mFOLFOX6) on-label at tier I-A, each on its own
    line, dabrafenib + trametinib + panitumumab a benefit at I-B, and nothing listed for another extent."""
    metastatic = demo04_metastatic()
    runs = analyze(metastatic, None, core, on=ON, engines=["onco"]).runs
    plan = plan_for(metastatic, list(runs.values()))
    text = summary_text(metastatic, plan)
    assert "disease only" not in text
    for therapy in ("encorafenib + cetuximab", "encorafenib + cetuximab + mFOLFOX6"):
        assert f"- [actionable] BRAF V600E – {therapy}: may benefit (AMP tier I-A)" in text
    line = _braf_line(metastatic, plan)
    assert "dabrafenib + trametinib + panitumumab (I-B)" in line
    assert therapy_key("dabrafenib + trametinib + panitumumab") in _listed(line, "may benefit: ")
    assert line.startswith("- [actionable]")


def _with_ras(patient: Patient, wild_type: list[str]) -> Patient:
    assert patient.tumour is not None
    return patient.model_copy(update={"tumour": patient.tumour.model_copy(update={"wild_type": wild_type})})


def test_panitumumab_for_ras_wild_type_waits_for_the_ras_result(core: KnowledgeBundle) -> None:
    """Metastatic demo-04 without a RAS result: panitumumab is on-label only with RAS wild-type, so the clinician
    summary shows it with that condition and the patient report does not offer it; with KRAS and NRAS stated
    wild-type (and without BRAF V600E, which predicts no benefit from it: test_evidence_both_ways.py) both reports
    name it, the patient's as a tumour tested and found without a change."""
    unstated = demo04_metastatic()
    plan = plan_for(unstated, list(analyze(unstated, None, core, on=ON, engines=["onco"]).runs.values()))
    text = summary_text(unstated, plan)
    condition = "only with RAS wild-type (RAS status not stated for this tumour)"
    braf = "conflicting evidence: no benefit expected with BRAF V600E (I-B)"
    assert f"- [actionable] RAS wild-type – panitumumab: may benefit (AMP tier I-A; {braf}; {condition})" in text
    for language in ("en", "es"):
        patient_text = visible_text(render_patient_html(plan, unstated, language=language))
        assert "panitumumab" not in patient_text and "NRAS" not in patient_text
    stated = _with_ras(demo04_metastatic(), ["KRAS", "NRAS"])
    assert stated.tumour is not None
    without_braf = [v for v in stated.tumour.somatic_variants if v.gene != "BRAF"]
    stated = stated.model_copy(update={"tumour": stated.tumour.model_copy(update={"somatic_variants": without_braf})})
    plan = plan_for(stated, list(analyze(stated, None, core, on=ON, engines=["onco"]).runs.values()))
    line = "- [actionable] RAS wild-type – panitumumab + FOLFOX: may benefit (AMP tier I-A)"
    assert line in summary_text(stated, plan) and "conflicting evidence" not in summary_text(stated, plan)
    english = visible_text(render_patient_html(plan, stated, language="en"))
    assert (
        "Your tumor was tested for changes in KRAS and NRAS. None were found. These approved medicines may work for a "
        "tumor like yours: panitumumab; panitumumab and folinic acid and fluorouracil and oxaliplatin."
    ) in english
    assert "change in the RAS gene" not in english and "We cannot tell" not in english
    spanish = visible_text(render_patient_html(plan, stated, language="es"))
    assert "En su tumor se buscaron cambios en KRAS y NRAS. No se encontró ninguno." in spanish
    [finding] = [f for f in plan.findings if f.title == "RAS wild-type: panitumumab + FOLFOX"]
    assert finding.genes == ["KRAS", "NRAS"]
    assert finding.summary.startswith("RAS wild-type (no variant in KRAS or NRAS)")
    notes = json.dumps(careplan_to_fhir(plan, stated))
    assert '"RAS wild-type (no variant in KRAS or NRAS) is what the indication needs' in notes


def _breast(*results: tuple[str, str]) -> Patient:
    """demo-04's person with a metastatic breast cancer (IDC) instead of the colon cancer, with these receptor
    results."""
    patient = demo04_metastatic()
    expression = [ProteinExpression(marker=marker, result=result) for marker, result in results]
    tumour = Tumour.model_validate(
        {"oncotree_code": "IDC", "extent": DiseaseExtent.METASTATIC, "stage": "IV", "protein_expression": expression}
    )
    return patient.model_copy(update={"tumour": tumour})


def test_triple_negative_breast_cancer_is_named_once_all_three_receptors_are_negative(core: KnowledgeBundle) -> None:
    """ER, PR and HER2 stated negative: sacituzumab govitecan and datopotamab deruxtecan are tier I-A without a
    condition in the clinician summary, and the patient report says in plain words what triple-negative means and
    reads at grade 8 or below. With PR not stated the label stays a condition for the care team and the patient report
    names neither."""
    stated = _breast(("ER", "IHC 0%"), ("PR", "IHC <1%"), ("HER2", "IHC 1+"))
    plan = plan_for(stated, list(analyze(stated, None, core, on=ON, engines=["onco"]).runs.values()))
    text = summary_text(stated, plan)
    for therapy in ("sacituzumab govitecan", "datopotamab deruxtecan"):
        assert f"- [actionable] triple-negative – {therapy}: may benefit (AMP tier I-A)" in text, text
    english = visible_text(render_patient_html(plan, stated, language="en"))
    assert (
        "Your tumor was tested for three markers: ER, PR and HER2. All three were negative. This is called "
        "triple-negative breast cancer. These approved medicines may work for a tumor like yours:"
    ) in english
    assert "sacituzumab govitecan" in english and "change in the" not in english
    scores = grades(english)
    assert scores["flesch_kincaid"] <= 8.0 and scores["coleman_liau"] <= 8.0, scores
    spanish = visible_text(render_patient_html(plan, stated, language="es"))
    assert "Esto se llama cáncer de mama triple negativo." in spanish
    [finding] = [f for f in plan.findings if f.title == "triple-negative: sacituzumab govitecan"]
    assert finding.genes == ["ERBB2", "ESR1", "PGR"]
    unstated = _breast(("ER", "IHC 0%"), ("HER2", "IHC 0"))
    plan = plan_for(unstated, list(analyze(unstated, None, core, on=ON, engines=["onco"]).runs.values()))
    condition = "only for triple-negative breast cancer (PR status not stated for this tumour)"
    assert f"triple-negative – sacituzumab govitecan: may benefit (AMP tier I-A; {condition})" in summary_text(
        unstated, plan
    )
    patient_text = visible_text(render_patient_html(plan, unstated, language="en"))
    assert "triple-negative" not in patient_text and "sacituzumab" not in patient_text


def test_pd_l1_triple_negative_labels_read_her2_as_the_triple_negative_labels_do(core: KnowledgeBundle) -> None:
    """PD-L1 CPS 10 in a breast cancer with ER and PR under 1% and HER2 IHC 2+ that ISH found not amplified: the
    pembrolizumab labels for triple-negative disease are tier I-A without a condition, as the triple-negative labels
    are, and the patient report names the PD-L1 test as a protein result, not a gene change, at grade 8 or below (and
    60 or more in Spanish). Without the ISH result both keep the same condition, which FHIR states and the patient
    report leaves out. Spanish names the chemotherapy in Spanish and the drugs as they are."""
    results = (("PD-L1", "CPS 10"), ("ER", "IHC 0%"), ("PR", "IHC 0%"), ("HER2", "IHC 2+"))
    stated = _breast(*results, ("HER2", "ISH negative"))
    plan = plan_for(stated, list(analyze(stated, None, core, on=ON, engines=["onco"]).runs.values()))
    text = summary_text(stated, plan)
    for therapy in ("pembrolizumab + chemotherapy", "sacituzumab govitecan + pembrolizumab"):
        assert f"- [actionable] CD274 (PD-L1) CPS 10 – {therapy}: may benefit (AMP tier I-A) [onco-core]" in text, text
    english = visible_text(render_patient_html(plan, stated, language="en"))
    assert (
        "A test of your tumor looked at the PD-L1 protein. These approved medicines may work for a tumor with this "
        "result: pembrolizumab and chemotherapy; sacituzumab govitecan and pembrolizumab."
    ) in english
    assert "change in the" not in english and "CD274" not in english
    scores = grades(english)
    assert scores["flesch_kincaid"] <= 8.0 and scores["coleman_liau"] <= 8.0, scores
    textstat.set_lang("es")
    try:
        spanish = visible_text(render_patient_html(plan, stated, language="es"))
        assert "Una prueba de su tumor estudió la proteína PD-L1." in spanish
        assert "pembrolizumab y quimioterapia; sacituzumab govitecan y pembrolizumab." in spanish, spanish
        assert "chemotherapy" not in spanish
        assert textstat.fernandez_huerta(spanish) >= 60
    finally:
        textstat.set_lang("en")
    unstated = _breast(*results)
    plan = plan_for(unstated, list(analyze(unstated, None, core, on=ON, engines=["onco"]).runs.values()))
    condition = "only for triple-negative breast cancer (ERBB2 amplification status not stated for this tumour)"
    text = summary_text(unstated, plan)
    assert f"CD274 (PD-L1) CPS 10 – pembrolizumab + chemotherapy: may benefit (AMP tier I-A; {condition})" in text
    assert f"triple-negative – sacituzumab govitecan: may benefit (AMP tier I-A; {condition})" in text
    notes = json.dumps(careplan_to_fhir(plan, unstated))
    assert f"On-label {condition}." in notes
    patient_text = visible_text(render_patient_html(plan, unstated, language="en"))
    assert "pembrolizumab" not in patient_text and "PD-L1" not in patient_text


def _bladder(ctdna: str | None) -> Patient:
    """demo-04's person with a resected muscle-invasive bladder cancer (BLCA) instead of the colon cancer."""
    tumour = Tumour.model_validate(
        {"oncotree_code": "BLCA", "extent": DiseaseExtent.EARLY, "stage": "III", "ctdna": ctdna}
    )
    return demo04_metastatic().model_copy(update={"tumour": tumour})


def test_adjuvant_atezolizumab_is_named_once_ctdna_is_found_after_surgery(core: KnowledgeBundle) -> None:
    """ctDNA stated positive after cystectomy: adjuvant atezolizumab is tier I-A without a condition, and the patient
    report says in plain words what was found (grade 8 or below). Not stated: a condition for the care team, nothing
    in the patient report. Stated negative: not offered."""
    stated = _bladder("positive")
    plan = plan_for(stated, list(analyze(stated, None, core, on=ON, engines=["onco"]).runs.values()))
    assert "- [actionable] ctDNA positive – atezolizumab: may benefit (AMP tier I-A)" in summary_text(stated, plan)
    english = visible_text(render_patient_html(plan, stated, language="en"))
    assert (
        "After your surgery, a blood test found DNA from your tumor. These approved medicines may work for a tumor "
        "like yours: atezolizumab."
    ) in english
    assert "change in the" not in english
    scores = grades(english)
    assert scores["flesch_kincaid"] <= 8.0 and scores["coleman_liau"] <= 8.0, scores
    spanish = visible_text(render_patient_html(plan, stated, language="es"))
    assert "Después de su cirugía, un análisis de sangre encontró ADN de su tumor." in spanish
    [finding] = [f for f in plan.findings if f.title == "ctDNA positive: atezolizumab"]
    assert finding.genes == [] and finding.summary.startswith("ctDNA positive (circulating tumour DNA found)")
    unstated = _bladder(None)
    plan = plan_for(unstated, list(analyze(unstated, None, core, on=ON, engines=["onco"]).runs.values()))
    condition = "only with ctDNA detected (ctDNA status not stated for this tumour)"
    assert f"ctDNA positive – atezolizumab: may benefit (AMP tier I-A; {condition})" in summary_text(unstated, plan)
    patient_text = visible_text(render_patient_html(plan, unstated, language="en"))
    assert "atezolizumab" not in patient_text and "blood test found" not in patient_text
    negative = _bladder("negative")
    plan = plan_for(negative, list(analyze(negative, None, core, on=ON, engines=["onco"]).runs.values()))
    assert "ctDNA positive" not in summary_text(negative, plan)


OTHER_TYPES = "other tumour types, for locally advanced (unresectable) or metastatic disease only"
MELANOMA_LABELS = [
    therapy_key(t)
    for t in (
        "dabrafenib", "trametinib", "encorafenib + binimetinib", "vemurafenib + cobimetinib",
        "atezolizumab + cobimetinib + vemurafenib",
    )
]  # fmt: skip


def test_other_types_labels_for_another_extent_are_listed_apart(demo_plans: Plans, built_plans: Plans) -> None:
    """demo-04's resected stage III colon cancer: the melanoma labels (unresectable or metastatic melanoma) are from
    another tumour type and for another extent; the summary says both and lists none of them as "may benefit".
    Dabrafenib + trametinib, whose melanoma label includes adjuvant treatment, and vemurafenib, whose Erdheim-Chester
    disease label names no extent, stay II-C benefits. With the built bundle a
    therapy whose best claim is a colorectal one (CIViC's tier I-B dabrafenib) keeps that claim."""
    patient, plan = demo_plans["demo-04-park"]
    line = _braf_line(patient, plan)
    head = f"{OTHER_TYPES}: "
    assert set(MELANOMA_LABELS) == _listed(line, head), line
    assert not _listed(line, "may benefit: ") & set(MELANOMA_LABELS), line
    assert {therapy_key("dabrafenib + trametinib"), therapy_key("vemurafenib")} <= _listed(line, "may benefit: ")
    assert line.count("(this tumour: stage III, early)") == 1, line
    for plans in (demo_plans, built_plans):
        patient, plan = plans["demo-04-park"]
        line = _braf_line(patient, plan)
        apart = [t for t in build_view(plan, patient).therapies_now if t.best.other_type_extent]
        assert apart and {therapy_key(t.best.therapy) for t in apart} == _listed(line, head), line
        assert therapy_key("encorafenib + binimetinib") in _listed(line, head), line  # CGI's melanoma claim too
        assert not _listed(line, "may benefit: ") & _listed(line, head), line
        html = render_clinician_html(plan, patient)
        assert any(head in html_line for html_line in summary_lines(html))


def _therapy(therapy: str, significance: str, tier: str, **extra: object) -> TherapyMatchData:
    return TherapyMatchData.model_validate(
        {"gene": "BRAF", "alteration": "V600E", "matched_level": "protein", "tumor_type": "COAD", "therapy": therapy,
         "direction": "supports", "significance": significance, "evidence_level": "B", "amp_tier": tier,
         "source": "onco-core:x", **extra}
    )  # fmt: skip


def _onco_finding(p: TherapyMatchData) -> Finding:
    return Finding(
        id=f"onco:BRAF:{p.therapy}:{p.significance}", domain=Domain.ONCOLOGY, title=f"BRAF V600E: {p.therapy}",
        summary=p.amp_tier, priority=Priority.ACTIONABLE if p.amp_tier.startswith("I-") else Priority.ROUTINE,
        genes=["BRAF"], drugs=[p.therapy], data=p,
        evidence=[Evidence(source="onco-core", version="test", level=f"{p.evidence_level} (AMP {p.amp_tier})")],
    )  # fmt: skip


def _onco_plan(patient: Patient, payloads: list[TherapyMatchData]) -> CarePlan:
    findings = [_onco_finding(p) for p in payloads]
    return plan_for(patient, [EngineRun(findings=findings, versions={"onco-core": "test"})])


def test_the_header_names_the_tiers_of_the_therapies_it_lists_with_a_tier(demo_plans: Plans) -> None:
    """Therapies listed apart for another extent carry no tier in the line, so the header's "at AMP tier ..." names
    only the tiers the line shows: cetuximab's I-B, not the II-C of encorafenib + cetuximab listed for metastatic
    disease; with nothing tiered the header names no tier."""
    patient = demo_plans["demo-04-park"][0]
    metastatic = [DiseaseExtent.METASTATIC]
    enco = _therapy("encorafenib + cetuximab", "sensitivity", "II-C", evidence_level="FDA", off_extent=metastatic)
    melanoma = _therapy("vemurafenib", "sensitivity", "II-C", evidence_level="FDA", other_type_extent=metastatic)
    cetuximab = _therapy("cetuximab", "resistance", "I-B")
    line = _braf_line(patient, _onco_plan(patient, [cetuximab, enco, melanoma]))
    assert line == (
        "- [actionable] BRAF V600E, other therapies at AMP tier I-B (see Tumour therapies) – no benefit expected: "
        "cetuximab (I-B) | for metastatic disease only (this tumour: stage III, early): encorafenib + cetuximab | "
        "other tumour types, for metastatic disease only: vemurafenib [onco-core]"
    )
    alone = _braf_line(patient, _onco_plan(patient, [enco, melanoma]))
    assert alone.startswith("- [routine] BRAF V600E, other therapies (see Tumour therapies) – for metastatic"), alone
