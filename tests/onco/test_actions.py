"""One action per alteration, therapy and claim: a therapy several labels or sources support is one row (and one
finding) at its best tier, citing every label and row, whatever the sources call it."""

from __future__ import annotations

from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TherapyMatch, TumourProfile, match_profile
from tailormed.model.alteration import parse_alteration
from tailormed.model.payloads import therapy_key
from tailormed.report.tables import onco_tsv

# The five FDA labels naming dabrafenib + trametinib for BRAF V600E (curated onco-core evidence.yaml): melanoma,
# NSCLC, the tumour-agnostic solid-tumour label (colorectal cancer excluded), paediatric low-grade glioma, thyroid.
DABRAFENIB_TRAMETINIB_LABELS = (
    "onco-core:mel-braf-v600-dabrafenib-trametinib:braf-v600e",
    "onco-core:nsclc-braf-v600e-dabrafenib-trametinib",
    "onco-core:pan-braf-v600e-dabrafenib-trametinib",
    "onco-core:plgg-braf-v600e-dabrafenib-trametinib",
    "onco-core:thap-braf-v600e-dabrafenib-trametinib",
)


def _braf_coad(knowledge: OncoKnowledge) -> OncoResult:
    profile = TumourProfile(case_id="crc", tumour_type="COAD", alterations=[parse_alteration("BRAF V600E")])
    return match_profile(profile, knowledge)


def _rows(text: str) -> list[dict[str, str]]:
    header, *lines = text.splitlines()
    return [dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines]


def test_braf_v600e_in_colorectal_cancer_lists_each_therapy_once_citing_every_label(
    core_knowledge: OncoKnowledge,
) -> None:
    rows = _rows(onco_tsv([_braf_coad(core_knowledge)]))
    claims = [(r["alteration"], r["therapy"].lower(), r["significance"], r["direction"]) for r in rows]
    assert len(claims) == len(set(claims))
    (both,) = [r for r in rows if r["therapy"] == "dabrafenib + trametinib"]
    assert both["amp_tier"] == "II-C"  # approved in other tumour types; the agnostic label excludes colorectal
    assert all(label in both["source"] for label in DABRAFENIB_TRAMETINIB_LABELS)
    (encorafenib,) = [r for r in rows if r["therapy"] == "encorafenib + cetuximab"]
    assert encorafenib["amp_tier"] == "I-A"  # FDA-approved for BRAF V600E metastatic colorectal cancer (2020)


def test_the_same_therapy_spelt_differently_by_other_sources_is_one_action(core_knowledge: OncoKnowledge) -> None:
    result = _braf_coad(core_knowledge)
    core = next(m for m in result.matches if m.row.id == DABRAFENIB_TRAMETINIB_LABELS[0])
    civic = _copy(core, "civic:EID1", ["Trametinib", "Dabrafenib"], "civic", "III")
    cgi = _copy(core, "cgi-biomarkers:line1", ["Dabrafenib;Trametinib"], "cgi-biomarkers", "II-C")
    merged = result.model_copy(update={"matches": [civic, cgi, *result.matches]})
    pair = therapy_key("dabrafenib", "trametinib")  # not the triplet with panitumumab, another action
    rows = [r for r in _rows(onco_tsv([merged])) if therapy_key(r["therapy"]) == pair]
    assert len(rows) == 1
    assert rows[0]["therapy"] == "dabrafenib + trametinib" and rows[0]["amp_tier"] == "II-C"  # the core speaks
    assert "civic:EID1 (civic" in rows[0]["source"] and "cgi-biomarkers:line1 (cgi-biomarkers" in rows[0]["source"]
    findings = [f for f in findings_from_result(merged, core_knowledge) if set(f.drugs) >= {"dabrafenib"}]
    (finding,) = [f for f in findings if {d.lower() for d in f.drugs} == {"dabrafenib", "trametinib"}]
    assert {e.source for e in finding.evidence} == {"onco-core", "cgi-biomarkers"}  # tier III is not reported


def _copy(match: TherapyMatch, row_id: str, therapies: list[str], source: str, tier: str) -> TherapyMatch:
    row = match.row.model_copy(update={"id": row_id, "therapies": therapies})
    return match.model_copy(update={"row": row, "source": source, "amp_tier": tier})
