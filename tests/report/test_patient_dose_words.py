"""The patient report's sentence for a medicine says what the guideline asks, never the opposite.

A statin row for SLCO1B1 decreased function caps the starting dose ("Prescribe <=40mg as a starting dose ... possible
increased risk for myopathy especially for 40mg dose"): the words "increased" and "dose" in one sentence are not a
higher dose. CPIC's metoprolol row for a CYP2D6 poor metabolizer first asks for the lowest starting dose and only
then offers another beta-blocker, so the patient hears "a lower dose", not "a different medicine".
"""

from __future__ import annotations

import pytest

from tailormed.model.careplan import CarePlan
from tailormed.model.patient import Patient
from tailormed.model.pgx import GuidelineResult, MatchedRow, RecommendationStatus
from tailormed.report.advice import Change, Concern, advice, dose_share
from tailormed.report.render import render_patient_html
from tailormed.report.text import visible_text
from tailormed.report.view import build_view

Plans = dict[str, tuple[Patient, CarePlan]]
HIGHER = "start you at a higher dose"


@pytest.mark.parametrize(
    "text",
    [
        "Prescriber should be aware of possible increased risk for myopathy especially for 40mg dose.",
        "Prescriber should be aware of possible increased risk for myopathy especially for doses >1mg.",
        "To induce allopurinol tolerance, the allopurinol dose is increased every 3 days until a dose of 100 mg/day",
    ],
)
def test_increased_risk_at_a_dose_is_not_a_higher_dose(text: str) -> None:
    assert dose_share(text) is None


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("Increase starting dose 1.5 to 2 times recommended starting dose.", ("higher", None)),
        ("Increase the dose by 50%", ("higher", None)),
        ("Initiate therapy with lowest recommended starting dose.", ("lower", None)),
        ("Reduce starting dose by 50% followed by titration", ("lower", 50)),
        ("Consider a reduced dose", ("lower", None)),
        ("Prescribe ≤ 2mg as a starting dose and adjust doses of pitavastatin. Prescriber should be aware of possible "
         "increased risk for myopathy especially for doses >1mg.", ("lower", None)),
        ("Use 1.7 times the standard dose and monitor the effect", ("higher", None)),
    ],
)
def test_dose_changes_are_still_read(text: str, share: tuple[str, int | None]) -> None:
    assert dose_share(text) == share


def test_statin_with_decreased_slco1b1_is_never_a_higher_dose(demo_plans: Plans) -> None:
    patient, plan = demo_plans["demo-01-hale"]
    view = build_view(plan, patient)
    given = view.advice_for("atorvastatin")
    assert given is not None and given.change is not Change.HIGHER_DOSE
    text = visible_text(render_patient_html(plan, patient))
    assert "atorvastatin" in text and HIGHER not in text


def test_metoprolol_poor_metabolizer_hears_a_lower_dose(demo_plans: Plans) -> None:
    patient, plan = demo_plans["demo-02-mensah"]
    given = build_view(plan, patient).advice_for("metoprolol")
    assert given is not None and given.change is Change.LOWER_DOSE
    text = visible_text(render_patient_html(plan, patient))
    block = text[text.index("metoprolol tartrate.\n") :]  # named as the record writes it
    assert block.startswith(
        "metoprolol tartrate.\nYour genes change how your body handles this medicine. The usual dose could harm you. "
        "Your care team should start you at a lower dose."
    ), block[:300]


def test_an_alternative_offered_first_is_still_a_different_medicine(demo_plans: Plans) -> None:
    patient, plan = demo_plans["demo-01-hale"]
    given = build_view(plan, patient).advice_for("clopidogrel")
    assert given is not None and given.change is Change.OTHER_DRUG


def test_sentences_of_the_tumour_section_are_apart(full_plans: Plans) -> None:
    # demo-01 with a metastatic BRAF V600E tumour's approved therapy among its findings (demo-04's resected colon
    # cancer is offered none: encorafenib + cetuximab is for metastatic disease)
    patient, plan = full_plans["demo-01-hale"]
    html = render_patient_html(plan, patient)
    text = visible_text(html)
    assert "Your tumor has a change in the BRAF gene. These approved medicines may work" in text
    assert "gene.These" not in html


def _answer(source: str, text: str, *, alternative: bool = False, dosing: bool = False) -> GuidelineResult:
    row = MatchedRow(
        row_id="r", actionable=True, text=text, alternate_drug_available=alternative, dosing_information=dosing
    )
    return GuidelineResult(
        drug="d", guideline_id="g", guideline_name="g", source=source, version="1", genes=["X"],
        status=RecommendationStatus.MATCHED, rows=[row],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("texts", "change"),
    [
        # CPIC capecitabine, DPYD poor metabolizer: avoid first, a strongly reduced dose only without an alternative
        ([("Avoid use of 5-fluorouracil or 5-fluorouracil prodrug-based regimens. In the event, based on clinical "
           "advice, alternative agents are not considered a suitable therapeutic option, 5-fluorouracil should be "
           "administered at a strongly reduced dose with early therapeutic drug monitoring.", True, True)],
         Change.OTHER_DRUG),
        # CPIC tricyclics: avoid first
        ([("Avoid amitriptyline use. If amitripyline is warranted, consider a 50% reduction of recommended starting "
           "dose.", True, True)], Change.OTHER_DRUG),
        # DPWG: a higher dose first, an alternative second
        ([("Use 1.7 times the standard dose and monitor the effect.", True, True)], Change.HIGHER_DOSE),
        ([("Use 1.5 times the normal dose or choose an alternative.", True, True)], Change.HIGHER_DOSE),
        ([("PERCUTANEOUS CORONARY INTERVENTION, STROKE or TIA: choose an alternative or double the dose to 150 mg/day",
           True, True)], Change.OTHER_DRUG),
        # CPIC citalopram ultrarapid: the usual start, another drug only if it does not work
        ([("Initiate therapy with recommended starting dose. If patient does not adequately respond to recommended "
           "maintenance dosing, consider titrating to a higher maintenance dose or switching to a clinically "
           "appropriate alternative antidepressant.", True, True)], Change.LATER),
        # CPIC pantoprazole, CYP2C19 poor metabolizer; CPIC sertraline, CYP2B6 poor metabolizer: the usual start
        ([("Initiate standard starting daily dose. For chronic therapy (>12 weeks) and efficacy achieved, consider 50% "
           "reduction in daily dose and monitor for continued efficacy.", False, True)], Change.LATER),
        ([("Initiate therapy with recommended starting dose. Consider a slower titration schedule and lower "
           "maintenance dose than normal metabolizers.", False, True)], Change.LATER),
        # CPIC and DPWG atorvastatin, SLCO1B1 decreased function: a capped start; DPWG's switch is conditional
        ([("Prescribe ≤40mg as a starting dose and adjust doses of atorvastatin based on disease-specific "
           "guidelines.", False, True),
          ("- Patient has ADDITIONAL SIGNIFICANT RISK FACTORS for statin-induced myopathy:\n- Choose an alternative.",
           True, True)], Change.LOWER_DOSE),
    ],
)  # fmt: skip
def test_the_first_instruction_decides(texts: list[tuple[str, bool, bool]], change: Change) -> None:
    answers = [_answer("CPIC", text, alternative=alt, dosing=dosing) for text, alt, dosing in texts]
    given = advice("d", answers)
    assert given is not None and given.change is change


def test_tamoxifen_with_cyp2d6_intermediate_metabolism_is_another_medicine(demo_plans: Plans) -> None:
    """CPIC: "Consider hormonal therapy such as an aromatase inhibitor ... If aromatase inhibitor use is
    contraindicated, consideration should be given to use a higher but FDA approved tamoxifen dose"."""
    patient, plan = demo_plans["demo-03-rodriguez"]
    given = build_view(plan, patient).advice_for("tamoxifen")
    assert given is not None and given.change is Change.OTHER_DRUG


def test_pantoprazole_starts_at_the_usual_dose(demo_plans: Plans) -> None:
    patient, plan = demo_plans["demo-01-hale"]
    text = visible_text(render_patient_html(plan, patient))
    block = text[text.index("pantoprazole.\n") :]
    assert block.startswith(
        "pantoprazole.\nYour genes change how your body handles this medicine. You can start at the usual dose. "
        "Your care team may change the dose later."
    ), block[:300]


SHOULD, MAY = "Your care team should choose a different medicine.", "Your care team may suggest a different medicine."


def test_an_optional_or_offered_switch_is_not_told_as_a_must(demo_plans: Plans) -> None:
    """Tamoxifen for a CYP2D6 intermediate metabolizer: CPIC's row is Optional ("Consider hormonal therapy such as an
    aromatase inhibitor ...") and DPWG offers an alternative or a higher dose guided by endoxifen levels, so the patient
    hears that the team may suggest another medicine; clopidogrel for a CYP2C19 poor metabolizer (CPIC Strong: "Avoid
    clopidogrel if possible") still says the team should choose one."""
    tamoxifen_patient, tamoxifen_plan = demo_plans["demo-03-rodriguez"]
    given = build_view(tamoxifen_plan, tamoxifen_patient).advice_for("tamoxifen")
    assert given is not None and given.change is Change.OTHER_DRUG and given.tentative
    text = visible_text(render_patient_html(tamoxifen_plan, tamoxifen_patient, language="en"))
    box = text[text.index("tamoxifeno.\n") :].split("\n")[1]
    assert MAY in box and SHOULD not in box
    patient, plan = demo_plans["demo-01-hale"]
    given = build_view(plan, patient).advice_for("clopidogrel")
    assert given is not None and given.change is Change.OTHER_DRUG and not given.tentative
    text = visible_text(render_patient_html(plan, patient, language="en"))
    assert SHOULD in text[text.index("clopidogrel.\n") :].split("\n")[1]


@pytest.mark.parametrize(
    ("text", "classification", "tentative"),
    [
        ("Consider hormonal therapy such as an aromatase inhibitor for postmenopausal women.", "Optional", True),
        ("- Select an alternative or measure the endoxifen concentration and increase the dose.", None, True),
        ("Avoid clopidogrel if possible. Use prasugrel or ticagrelor at standard dose.", "Strong", False),
        ("Choose an alternative.", None, False),
        ("Consider an alternative drug.", "Moderate", True),
    ],
)
def test_a_switch_is_tentative_only_when_the_row_says_so(
    text: str, classification: str | None, tentative: bool
) -> None:
    answer = _answer("CPIC", text, alternative=True)
    answer.rows[0] = answer.rows[0].model_copy(update={"classification": classification})
    given = advice("d", [answer])
    assert given is not None and given.change is Change.OTHER_DRUG and given.tentative is tentative


def test_a_switch_says_what_is_at_stake_as_the_guideline_row_does(demo_plans: Plans) -> None:
    """Tamoxifen for a CYP2D6 intermediate metabolizer: CPIC's implications are lower endoxifen and a higher risk of
    recurrence, so the patient hears the medicine may not work as well, not that it may harm them; clopidogrel for a
    CYP2C19 poor metabolizer (reduced active metabolite formation) likewise; a row naming toxicity says harm."""
    tamoxifen_patient, tamoxifen_plan = demo_plans["demo-03-rodriguez"]
    for language, expected, absent in (
        ("en", "It may not work as well for you. " + MAY, "may harm you"),
        ("es", "Puede que no le funcione tan bien. Su equipo de salud puede sugerirle otro medicamento.", "daño"),
    ):
        text = visible_text(render_patient_html(tamoxifen_plan, tamoxifen_patient, language=language))
        box = text[text.index("tamoxifeno.\n") :].split("\n")[1]
        assert expected in box and absent not in box, box
    patient, plan = demo_plans["demo-01-hale"]
    text = visible_text(render_patient_html(plan, patient, language="en"))
    box = text[text.index("clopidogrel.\n") :].split("\n")[1]
    assert "It may not work as well for you. " + SHOULD in box and "harm" not in box
    toxic = _answer("CPIC", "Avoid use of abacavir.", alternative=True)
    toxic.rows[0] = toxic.rows[0].model_copy(update={"implications": ["Significantly increased risk of abacavir "
                                                                     "hypersensitivity"]})  # fmt: skip
    given = advice("abacavir", [toxic])
    assert given is not None and given.concern is Concern.HARM
    both = toxic.rows[0].model_copy(update={"implications": ["higher risk of recurrence", "fatal toxicity possible"]})
    given = advice("d", [toxic.model_copy(update={"rows": [both]})])
    assert given is not None and given.concern is None


def test_a_usual_gene_result_is_not_listed_for_later_medicines(pgx_plans: Plans) -> None:
    """VKORC1 -1639 GG (the reference allele on both copies) is the usual result; demo-01 and demo-03 carry it and
    are not told it "may matter for medicines you get later"; demo-02's -1639 AG still is."""
    for patient_id in ("demo-01-hale", "demo-03-rodriguez"):
        patient, plan = pgx_plans[patient_id]
        [vkorc1] = [f for f in plan.findings if f.id == "pgx:gene:VKORC1"]
        assert vkorc1.data.phenotype == "-1639 GG"  # type: ignore[union-attr]
        for language in ("en", "es"):
            text = visible_text(render_patient_html(plan, patient, language=language))
            assert "VKORC1" not in text, (patient_id, language)
    patient, plan = pgx_plans["demo-02-mensah"]
    text = visible_text(render_patient_html(plan, patient, language="en"))
    genes = text.split("They are in these genes: ", 1)[1].split(".", 1)[0]
    assert "VKORC1" in genes.split(", ")
