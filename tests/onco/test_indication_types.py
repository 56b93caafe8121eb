"""One label naming several tumour types: the PARP-inhibitor and mirvetuximab labels for "epithelial ovarian,
fallopian tube, or primary peritoneal cancer" are on-label in each type, and a tissue broader than all of them
(OVARY, PERITONEUM) is not placed on-label."""

from __future__ import annotations

from typing import Any

import pytest

from tailormed.engines.onco.findings import findings_from_result
from tailormed.engines.onco.run import OncoKnowledge, OncoResult, TumourProfile, match_profile
from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.knowledge.onco.core import CuratedEvidence, CuratedRow, curated_evidence, curated_rows
from tailormed.model.alteration import parse_alteration

PARP = ("olaparib", "niraparib", "rucaparib", "olaparib + bevacizumab")


def run(knowledge: OncoKnowledge, tumour: str, *texts: str) -> OncoResult:
    profile = TumourProfile(case_id="t", tumour_type=tumour, alterations=[parse_alteration(t) for t in texts])
    return match_profile(profile, knowledge)


def best(result: OncoResult, therapy: str) -> str | None:
    tiers = sorted(m.amp_tier for m in result.matches if m.row.therapy == therapy)
    return tiers[0] if tiers else None


@pytest.mark.parametrize("tumour", ["HGSFT", "PSEC", "OVT", "HGSOC", "EOV"])
@pytest.mark.parametrize("text", ["BRCA1 Q1756fs", "BRCA2 loss-of-function mutation"])
def test_parp_inhibitor_labels_cover_fallopian_tube_and_primary_peritoneal(
    core_knowledge: OncoKnowledge, tumour: str, text: str
) -> None:
    result = run(core_knowledge, tumour, text)
    assert {therapy: best(result, therapy) for therapy in PARP} == dict.fromkeys(PARP, "I-A")


def test_mirvetuximab_covers_fallopian_tube_cancer(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "HGSFT", "FRα IHC 2+ 80%")
    assert best(result, "mirvetuximab soravtansine") == "I-A"


@pytest.mark.parametrize(("tumour", "named"), [("OVARY", "Ovarian Epithelial Tumor (OVT)"), ("PERITONEUM", "(PSEC)")])
def test_a_tissue_broader_than_every_listed_type_is_not_placed_on_label(
    core_knowledge: OncoKnowledge, tumour: str, named: str
) -> None:
    # an ovary/fallopian-tube tumour may be a germ cell or sex cord tumour, a peritoneal one a mesothelioma
    result = run(core_knowledge, tumour, "BRCA1 Q1756fs")
    (match,) = [m for m in result.matches if m.row.therapy == "olaparib" and m.row.id.startswith("onco-core:ov-")]
    assert match.amp_tier == "II-C" and match.relation.value == "not_resolved"
    assert match.relation_note is not None and named in match.relation_note and "is broader" in match.relation_note


def test_other_tumours_of_the_tissue_stay_off_label(core_knowledge: OncoKnowledge) -> None:
    for tumour in ("PEMESO", "ODYS"):  # peritoneal mesothelioma, dysgerminoma
        assert best(run(core_knowledge, tumour, "BRCA1 Q1756fs"), "niraparib") == "II-C"


def test_finding_names_every_tumour_type_of_the_label(core_knowledge: OncoKnowledge) -> None:
    result = run(core_knowledge, "HGSFT", "BRCA2 loss-of-function mutation")
    (finding,) = [f for f in findings_from_result(result, core_knowledge) if f.title.endswith(": niraparib")]
    assert "Ovarian Epithelial Tumor, High-Grade Serous Fallopian Tube Cancer, Peritoneal Serous Carcinoma" in (
        finding.summary
    )


def test_withdrawal_covers_a_row_through_any_of_its_types(core_bundle: KnowledgeBundle) -> None:
    table = curated_evidence(core_bundle)
    (withdrawal,) = [w for w in table.withdrawn if w.id == "onco-core:ov-brca-rucaparib-treatment"]
    (row,) = [r for r in table.rows if r.id.endswith("ov-brca-rucaparib-maintenance:brca1-loss-of-function-mutation")]
    untied = row.model_copy(update={"setting": None})
    assert withdrawal.covers(untied, lambda code, ancestor: code == "PSEC" and ancestor == "OVARY")
    assert not withdrawal.covers(untied, lambda code, ancestor: False)


def _row(**changes: Any) -> dict[str, Any]:
    raw = curated_rows(KnowledgeBundle(None, None, curated_sources()))
    (row,) = [r for r in raw.rows if r.id == "ov-brca-niraparib"]
    return {**row.model_dump(mode="json", by_alias=True, exclude_defaults=True), **changes}


@pytest.mark.parametrize(
    ("tumour", "message"),
    [
        (["OVT"], "not a list"),
        (["OVT", "OVT"], "listed twice"),
        (["OVT", "PANCANCER"], "tumour-agnostic"),
    ],
)
def test_row_model_refuses_a_malformed_tumour_list(tumour: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CuratedRow.model_validate(_row(tumour=tumour))


@pytest.mark.parametrize(
    ("tumour", "quotes", "message"),
    [
        (["OVT", "HGSOC"], None, "'HGSOC' lies within 'OVT'"),
        (["OVT", "HGSFT", "PSEC"], "recurrent epithelial ovarian cancer in response", "'HGSFT': no quote names it"),
        (["OVT", "PEMESO"], None, "'PEMESO': the crosswalk's indication_terms give no words"),
        (["OVT", "NOTACODE"], None, "'NOTACODE' is not an OncoTree code"),
    ],
)
def test_loader_refuses_tumour_types_the_label_does_not_name(
    tumour: list[str], quotes: str | None, message: str
) -> None:
    data = _row(tumour=tumour)
    if quotes is not None:
        data["sources"] = [{**source, "quote": f"In 2022, {quotes}."} for source in data["sources"]]
    raw = curated_rows(KnowledgeBundle(None, None, curated_sources()))
    rows = [CuratedRow.model_validate(data) if r.id == "ov-brca-niraparib" else r for r in raw.rows]
    patched = KnowledgeBundle(None, None, curated_sources())
    bad = CuratedEvidence(rows=rows, withdrawn=raw.withdrawn)
    patched._parsed[("onco-core", "evidence.yaml")] = bad.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    with pytest.raises(KnowledgeError, match=message) as caught:
        curated_evidence(patched)
    assert "ov-brca-niraparib" in str(caught.value)


@pytest.mark.parametrize(
    ("tumour", "text", "therapy"),
    [
        ("GEJ", "ERBB2 amplification", "trastuzumab + cisplatin + fluoropyrimidine"),  # gastric or GEJ
        ("STAD", "CLDN18.2 IHC 2+ 80%", "zolbetuximab + fluoropyrimidine- and platinum-containing chemotherapy"),
        ("HMBL", "VHL loss-of-function mutation", "belzutifan"),  # VHL disease: RCC, hemangioblastoma, pNET
        ("ODG2", "IDH1 R132H", "vorasidenib"),  # grade 2 astrocytoma or oligodendroglioma
        ("ALAL", "KMT2A::MLLT3", "revumenib"),  # acute leukaemia with a KMT2A translocation
        ("PDIFLG", "KIAA1549::BRAF", "tovorafenib"),  # paediatric low-grade glioma
    ],
)
def test_one_label_for_several_types_is_one_row(
    core_knowledge: OncoKnowledge, tumour: str, text: str, therapy: str
) -> None:
    # one match on-label, not a second one from the same label "in another tumour type"
    matches = [m for m in run(core_knowledge, tumour, text).matches if m.row.therapy == therapy]
    assert [m.amp_tier for m in matches if m.row.id.startswith("onco-core:")] == ["I-A"]


def test_nivolumab_oesophageal_labels_are_one_per_histology(core_knowledge: OncoKnowledge) -> None:
    # gastric, GEJ and oesophageal adenocarcinoma are one label; squamous cell carcinoma is another (both CPS >= 1)
    therapy = "nivolumab + fluoropyrimidine + platinum-based chemotherapy"
    for tumour, on_label, other in (("ESCA", "egc-", "escc-"), ("ESCC", "escc-", "egc-")):
        matches = [m for m in run(core_knowledge, tumour, "PD-L1 CPS 3").matches if m.row.therapy == therapy]
        tiers = sorted((m.row.id.split(":")[1].split("pdl1")[0], m.amp_tier) for m in matches)
        assert tiers == sorted([(on_label, "I-A"), (other, "II-C")]), tumour
