"""PARP inhibitors in ovarian cancer, label by label and setting by setting, against the origin of the BRCA variant.

Niraparib has two maintenance labels: first-line (HRD-positive since March 2026, "a deleterious or suspected
deleterious BRCA mutation" of either origin, or genomic instability) and recurrent disease (germline BRCA only since
2022). A tumour's line of treatment is never stated, so the action's best label speaks for it and the finding names
the other setting with what it needs: the first-line label is the unconditioned answer for a BRCA variant of unstated
origin, not the recurrent-disease label's "requires germline confirmation". Olaparib's and rucaparib's ovarian
maintenance labels take either origin.
"""

from __future__ import annotations

import pytest

from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TumourProfile, actions, match_profile
from tailormed.model.alteration import VariantOrigin, parse_alteration
from tailormed.model.finding import Finding
from tailormed.model.payloads import TherapyMatchData
from tailormed.report.therapies import therapy_lines

FIRST_LINE = "first-line maintenance in complete or partial response to platinum-based chemotherapy"
RECURRENT = "maintenance of recurrent cancer in response to platinum-based chemotherapy"
MAINTENANCE = "maintenance in complete or partial response to platinum-based chemotherapy"
GERMLINE_ONLY = "requires germline confirmation (the origin of BRCA1 Q1756fs is not stated)"
SOMATIC_OFF = "the label needs a germline BRCA1 variant; BRCA1 Q1756fs is somatic"
ORIGINS = ("germline", "somatic", "unstated")


def run(knowledge: OncoKnowledge, origin: str, tumour: str = "HGSOC", text: str = "BRCA1 Q1756fs") -> OncoResult:
    alteration = parse_alteration(text)
    if origin != "unstated":
        alteration = alteration.model_copy(update={"origin": VariantOrigin(origin)})
    return match_profile(TumourProfile(case_id="t", tumour_type=tumour, alterations=[alteration]), knowledge)


def by_setting(result: OncoResult, therapy: str) -> dict[str | None, tuple[str, str | None, str | None]]:
    """Each curated ovarian label of the therapy: setting -> (tier, condition, relation note)."""
    return {
        m.row.setting: (m.amp_tier, m.condition, m.relation_note)
        for m in result.matches
        if m.row.therapy == therapy and m.row.id.startswith("onco-core:ov-")
    }


def finding(result: OncoResult, knowledge: OncoKnowledge, therapy: str) -> Finding:
    (found,) = [f for f in findings_from_result(result, knowledge) if f.title == f"BRCA1 Q1756fs: {therapy}"]
    return found


def told_to_patient(found: Finding) -> bool:
    assert isinstance(found.data, TherapyMatchData)
    (line,) = therapy_lines([(found, found.data)])
    return line.approved


# --- each label on its own: the first-line and recurrent-disease settings ------------------------------------------
@pytest.mark.parametrize(
    ("origin", "first_line", "recurrent"),
    [
        ("germline", ("I-A", None, None), ("I-A", None, None)),
        ("somatic", ("I-A", None, None), ("II-C", None, SOMATIC_OFF)),
        ("unstated", ("I-A", None, None), ("I-A", GERMLINE_ONLY, None)),
    ],
)
def test_niraparib_labels_by_setting_and_origin(
    core_knowledge: OncoKnowledge,
    origin: str,
    first_line: tuple[str, str | None, str | None],
    recurrent: tuple[str, str | None, str | None],
) -> None:
    labels = by_setting(run(core_knowledge, origin), "niraparib")
    assert labels[FIRST_LINE] == first_line  # "a deleterious or suspected deleterious BRCA mutation": either origin
    assert labels[RECURRENT] == recurrent  # germline BRCA-mutated only since 2022


# --- the setting not stated: the action's best label speaks, the other is named with what it needs -----------------
@pytest.mark.parametrize(
    ("origin", "best", "other", "patient"),
    [
        ("germline", RECURRENT, f"Also on-label for {FIRST_LINE}.", True),
        ("somatic", FIRST_LINE, f"Not on-label for {RECURRENT}: {SOMATIC_OFF}.", True),
        ("unstated", FIRST_LINE, f"Also on-label for {RECURRENT}: {GERMLINE_ONLY}.", True),
    ],
)
def test_niraparib_finding_with_the_setting_not_stated(
    core_knowledge: OncoKnowledge, origin: str, best: str, other: str, patient: bool
) -> None:
    found = finding(run(core_knowledge, origin), core_knowledge, "niraparib")
    assert isinstance(found.data, TherapyMatchData)
    assert (found.data.amp_tier, found.data.condition) == ("I-A", None)
    assert f"Peritoneal Serous Carcinoma, {best})" in found.summary
    assert other in found.summary
    assert "requires germline confirmation" not in (found.data.condition or "")
    assert told_to_patient(found) is patient  # the first-line label needs nothing the data leave open


def test_unstated_origin_action_heads_with_the_label_that_needs_nothing_more(core_knowledge: OncoKnowledge) -> None:
    """Before, the recurrent-disease label headed the action (its id sorts first) and its condition read as if every
    niraparib label needed a germline variant."""
    result = run(core_knowledge, "unstated")
    (group,) = [g for g in actions(result.matches) if g[0].row.therapy == "niraparib" and g[0].amp_tier == "I-A"]
    assert [m.row.setting for m in group[:2]] == [FIRST_LINE, RECURRENT]
    assert [m.condition for m in group[:2]] == [None, GERMLINE_ONLY]


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("tumour", ["HGSFT", "PSEC"])
def test_niraparib_in_fallopian_tube_and_primary_peritoneal_cancer(
    core_knowledge: OncoKnowledge, origin: str, tumour: str
) -> None:
    found = finding(run(core_knowledge, origin, tumour), core_knowledge, "niraparib")
    assert isinstance(found.data, TherapyMatchData)
    assert (found.data.amp_tier, found.data.condition) == ("I-A", None)
    assert RECURRENT in found.summary and FIRST_LINE in found.summary


def test_hrd_alone_names_no_recurrent_disease_label(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "unstated", text="HRD")
    (found,) = [f for f in findings_from_result(result, core_knowledge) if f.title == "HRD: niraparib"]
    assert FIRST_LINE in found.summary and RECURRENT not in found.summary  # the recurrent label names BRCA only


# --- olaparib and rucaparib: one maintenance label each, either origin ------------------------------------------------
@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("therapy", ["olaparib", "rucaparib"])
def test_olaparib_and_rucaparib_maintenance_take_either_origin(
    core_knowledge: OncoKnowledge, origin: str, therapy: str
) -> None:
    result = run(core_knowledge, origin)
    assert by_setting(result, therapy)[MAINTENANCE] == ("I-A", None, None)
    found = finding(result, core_knowledge, therapy)
    assert isinstance(found.data, TherapyMatchData)
    assert (found.data.amp_tier, found.data.condition) == ("I-A", None)
    assert f"Peritoneal Serous Carcinoma, {MAINTENANCE})" in found.summary
    assert "Also on-label" not in found.summary and "Not on-label" not in found.summary
    assert told_to_patient(found)


# --- the cautious answer stays where the only label needs a condition ------------------------------------------------
def test_another_sources_unconditioned_claim_does_not_head_a_conditional_label(core_knowledge: OncoKnowledge) -> None:
    """Olaparib for breast cancer is labelled for germline BRCA variants only. A claim from another source that names
    no origin (it does not record one) must not take the condition away: the curated label heads the action."""
    (label,) = [r for r in core_knowledge.tables[0].rows if r.id.startswith("onco-core:brca-brca-olaparib:brca1")]
    claim = label.model_copy(update={"id": "civic:test", "origin": "somatic", "extents": [], "setting": None})
    table = core_knowledge.tables[0].model_copy(update={"source": "civic", "rows": [claim], "withdrawn": []})
    knowledge = OncoKnowledge(
        tables=[*core_knowledge.tables, table],
        genes=core_knowledge.genes,
        tree=core_knowledge.tree,
        thresholds=core_knowledge.thresholds,
    )
    result = run(knowledge, "unstated", tumour="IDC")
    found = finding(result, knowledge, "olaparib")
    assert isinstance(found.data, TherapyMatchData)
    assert found.data.source.startswith("onco-core:brca-brca-olaparib")
    assert found.data.condition is not None and "requires germline confirmation" in found.data.condition
    assert not told_to_patient(found)


def test_another_settings_label_names_only_what_the_best_label_does_not_say(core_knowledge: OncoKnowledge) -> None:
    """Breast cancer, BRCA2 variant of unstated origin, extent not stated: olaparib's metastatic label heads the
    action with its conditions; its adjuvant label is named with only what it needs beyond them."""
    result = run(core_knowledge, "unstated", tumour="IDC", text="BRCA2 R3052fs")
    (found,) = [f for f in findings_from_result(result, core_knowledge) if f.title == "BRCA2 R3052fs: olaparib"]
    assert isinstance(found.data, TherapyMatchData) and found.data.condition is not None
    assert "requires germline confirmation" in found.data.condition
    assert found.summary.count("requires germline confirmation") == 1
    assert found.summary.count("the extent of disease is not stated") == 1
    (other,) = found.data.other_settings
    assert other.startswith("Also on-label for adjuvant, high-risk early breast cancer")
    assert not told_to_patient(found)


@pytest.mark.parametrize(
    ("origin", "other"), [("germline", None), ("somatic", SOMATIC_OFF), ("unstated", GERMLINE_ONLY)]
)
def test_onco_match_note_names_the_other_setting(core_knowledge: OncoKnowledge, origin: str, other: str | None) -> None:
    from tailormed.report.tables import onco_tsv

    lines = onco_tsv([run(core_knowledge, origin)]).splitlines()
    rows = [dict(zip(lines[0].split("\t"), line.split("\t"), strict=True)) for line in lines[1:]]
    (row,) = [r for r in rows if r["therapy"] == "niraparib"]
    assert row["amp_tier"] == "I-A" and "ov-brca-niraparib" in row["source"] and "ov-hrd-niraparib" in row["source"]
    if other is None:  # germline: both labels on-label, the other named without a condition
        assert row["note"] == f"Also on-label for {FIRST_LINE}"
    elif origin == "somatic":
        assert row["note"] == f"Not on-label for {RECURRENT}: {other}"
    else:
        assert row["note"] == f"Also on-label for {RECURRENT}: {other}"


def test_a_tissue_broader_than_the_labels_names_no_other_setting(core_knowledge: OncoKnowledge) -> None:
    """An ovary/fallopian-tube tumour of unstated type is not placed on either label, so neither is named as
    'also on-label' beside the other."""
    result = run(core_knowledge, "unstated", tumour="OVARY")
    found = finding(result, core_knowledge, "niraparib")
    assert isinstance(found.data, TherapyMatchData)
    assert found.data.amp_tier == "II-C" and found.data.other_settings == []
