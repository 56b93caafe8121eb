"""Option ranking: the weighted sum responds to the patient's weights, never puts a contraindicated option first,
and notes when a small change of one weight would change the first option."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tailormed.knowledge.sdm import SdmOptions
from tailormed.model.careplan import Decision, Option
from tailormed.model.finding import Finding
from tailormed.model.patient import Patient, Preferences, PreferenceWeights
from tailormed.plan.decisions import build_decisions
from tailormed.plan.ranking import CRITERIA, normalize, rank, score


def option(option_id: str, contraindicated: bool = False, **attributes: float) -> Option:
    return Option(
        id=option_id,
        title=option_id.title(),
        description=option_id,
        attributes=attributes,
        contraindicated=contraindicated,
        contraindication_reason="unsafe for this genotype." if contraindicated else None,
    )


def decision(*options: Option) -> Decision:
    return Decision(id="decision:test", question="Which?", options=list(options))


def with_weights(patient: Patient, **weights: float) -> Patient:
    prefs = Preferences(weights=PreferenceWeights(**weights))
    return patient.model_copy(update={"preferences": prefs})


def test_score_is_the_weighted_sum_of_normalized_weights() -> None:
    a = option("a", efficacy=0.9, side_effects=0.2, cost=1.0, convenience=0.5)
    ranked = rank(decision(a), {"efficacy": 3, "side_effects": 2, "cost": 2, "convenience": 1})
    w = np.array([3, 2, 2, 1]) / 8
    assert ranked.options[0].score == pytest.approx(float(w @ np.array([0.9, 0.2, 1.0, 0.5])), abs=1e-4)
    assert ranked.weights == {"efficacy": 0.375, "side_effects": 0.25, "cost": 0.25, "convenience": 0.125}


def test_changing_weights_changes_the_first_option() -> None:
    strong = option("strong", efficacy=1.0, side_effects=0.3, cost=0.2, convenience=0.5)
    gentle = option("gentle", efficacy=0.6, side_effects=1.0, cost=0.8, convenience=1.0)
    options = decision(strong, gentle)
    assert rank(options, {"efficacy": 1}).ranking == ["strong", "gentle"]
    assert rank(options, {"side_effects": 1}).ranking == ["gentle", "strong"]
    assert rank(options, {"efficacy": 4, "side_effects": 1}).ranking == ["strong", "gentle"]
    assert rank(options, {"efficacy": 1, "side_effects": 1, "cost": 1}).ranking == ["gentle", "strong"]


def test_contraindicated_best_score_is_ranked_last_with_a_safety_note() -> None:
    risky = option("risky", contraindicated=True, efficacy=1.0, side_effects=1.0, cost=1.0, convenience=1.0)
    safe = option("safe", efficacy=0.5, side_effects=0.5, cost=0.5, convenience=0.5)
    ranked = rank(decision(risky, safe), {"efficacy": 1})
    assert ranked.ranking == ["safe", "risky"]
    assert ranked.safety_note is not None
    assert "'Risky'" in ranked.safety_note and "unsafe for this genotype" in ranked.safety_note
    # when the weights would not have preferred it anyway, there is nothing to say
    assert rank(decision(option("risky", True, efficacy=0.1), safe), {"efficacy": 1}).safety_note is None


scores = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
weight = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)


@st.composite
def decisions(draw: st.DrawFn) -> Decision:
    count = draw(st.integers(min_value=2, max_value=6))
    flags = draw(st.lists(st.booleans(), min_size=count, max_size=count).filter(lambda f: not all(f)))
    return decision(*(option(f"o{i}", flag, **{c: draw(scores) for c in CRITERIA}) for i, flag in enumerate(flags)))


@settings(max_examples=300, deadline=None)
@given(decisions(), st.fixed_dictionaries(dict.fromkeys(CRITERIA, weight)).filter(lambda w: sum(w.values()) > 0))
def test_contraindicated_option_is_never_first(grid: Decision, weights: dict[str, float]) -> None:
    ranked = rank(grid, weights)
    flags = {o.id: o.contraindicated for o in grid.options}
    assert not flags[ranked.ranking[0]]
    order = [flags[i] for i in ranked.ranking]
    assert order == sorted(order)  # every safe option before every contraindicated one
    safe_scores = [score(o, normalize(weights)) for o in grid.options if not o.contraindicated]
    first = next(o for o in grid.options if o.id == ranked.ranking[0])
    assert score(first, normalize(weights)) == pytest.approx(max(safe_scores))


def test_sensitivity_note_when_a_small_change_flips_the_first_option() -> None:
    close = decision(
        option("a", efficacy=1.0, side_effects=0.0, cost=0.5, convenience=0.5),
        option("b", efficacy=0.0, side_effects=1.0, cost=0.5, convenience=0.5),
    )
    ranked = rank(close, {"efficacy": 0.52, "side_effects": 0.48, "cost": 0.0, "convenience": 0.0})
    assert ranked.ranking[0] == "a"
    assert ranked.sensitivity_note is not None and "'B' would come first" in ranked.sensitivity_note
    # the note's claim holds: with efficacy 0.1 lower (then rescaled), b is first
    moved = rank(close, {"efficacy": 0.42, "side_effects": 0.48, "cost": 0.0, "convenience": 0.0})
    assert moved.ranking[0] == "b"
    clear = decision(
        option("a", efficacy=1.0, side_effects=1.0, cost=1.0, convenience=1.0),
        option("b", efficacy=0.0, side_effects=0.2, cost=0.1, convenience=0.0),
    )
    assert rank(clear, {"efficacy": 1, "side_effects": 1, "cost": 1, "convenience": 1}).sensitivity_note is None


def test_contraindicated_options_do_not_count_for_sensitivity() -> None:
    grid = decision(
        option("a", efficacy=1.0, side_effects=0.0),
        option("b", True, efficacy=0.0, side_effects=1.0),
    )
    assert rank(grid, {"efficacy": 0.5, "side_effects": 0.5}).sensitivity_note is None


def _hale(demo_pgx: dict[str, tuple[Patient, list[Finding]]]) -> tuple[Patient, list[Finding]]:
    return demo_pgx["demo-01-hale"]


def antiplatelet(patient: Patient, findings: list[Finding], sdm: SdmOptions) -> Decision:
    return next(d for d in build_decisions(patient, findings, sdm) if d.id == "decision:antiplatelet-after-pci")


def test_hale_clopidogrel_never_first_and_cost_weights_explain_why(
    demo_pgx: dict[str, tuple[Patient, list[Finding]]], sdm: SdmOptions
) -> None:
    patient, findings = _hale(demo_pgx)
    by_efficacy = antiplatelet(with_weights(patient, efficacy=1, side_effects=0, cost=0, convenience=0), findings, sdm)
    assert by_efficacy.ranking[0] == "ticagrelor"  # TAILOR-PCI HR 0.66 in carriers vs TRITON HR 0.81 overall
    assert by_efficacy.safety_note is None
    by_cost = antiplatelet(with_weights(patient, efficacy=0, side_effects=0, cost=1, convenience=0), findings, sdm)
    assert by_cost.ranking[-1] == "clopidogrel"
    clopidogrel = next(o for o in by_cost.options if o.id == "clopidogrel")
    assert clopidogrel.contraindicated and clopidogrel.score == max(o.score or 0 for o in by_cost.options)
    assert by_cost.safety_note is not None and "Clopidogrel" in by_cost.safety_note
    assert "CPIC" in by_cost.safety_note
    by_convenience = antiplatelet(
        with_weights(patient, efficacy=1, side_effects=1, cost=0, convenience=3), findings, sdm
    )
    assert by_convenience.ranking[0] == "prasugrel"


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries(dict.fromkeys(CRITERIA, weight)).filter(lambda w: sum(w.values()) > 0))
def test_hale_contraindicated_options_never_first_for_any_weights(
    demo_pgx: dict[str, tuple[Patient, list[Finding]]], sdm: SdmOptions, weights: dict[str, float]
) -> None:
    patient, findings = _hale(demo_pgx)
    for made in build_decisions(with_weights(patient, **weights), findings, sdm):
        contraindicated = {o.id for o in made.options if o.contraindicated}
        assert made.ranking[0] not in contraindicated
        assert {"clopidogrel", "atorvastatin-80", "simvastatin-80"} & contraindicated


def test_mensah_anticoagulant_follows_weights(
    demo_pgx: dict[str, tuple[Patient, list[Finding]]], sdm: SdmOptions
) -> None:
    patient, findings = demo_pgx["demo-02-mensah"]

    def first(**weights: float) -> str:
        made = build_decisions(with_weights(patient, **weights), findings, sdm)
        return next(d for d in made if d.id == "decision:anticoagulant-af").ranking[0]

    assert first(efficacy=0, side_effects=0, cost=1, convenience=0) == "warfarin-genotype-dosed"
    assert first(efficacy=1, side_effects=1, cost=0, convenience=0) == "apixaban"
    assert first(efficacy=0, side_effects=0, cost=0, convenience=1) == "rivaroxaban"
