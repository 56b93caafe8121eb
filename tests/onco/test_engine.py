"""The care-plan engine on the demo colorectal patient and on records without tumour data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tailormed.errors import InputError
from tailormed.intake.record import load_record
from tailormed.knowledge.bundle import KnowledgeBundle, curated_sources
from tailormed.model.finding import Domain
from tailormed.model.payloads import TherapyMatchData
from tailormed.pipeline.engine_api import PatientContext
from tailormed.pipeline.onco import onco_engine
from tailormed.pipeline.plausible import plausibility

RANGES = plausibility(KnowledgeBundle(None, None, curated_sources()))

DEMO = Path(__file__).resolve().parents[2] / "src" / "tailormed" / "demo" / "patients"


def test_demo_park_gets_anti_egfr_resistance_and_encorafenib_cetuximab_off_label(
    core_bundle: KnowledgeBundle,
) -> None:
    """demo-04's colon cancer is resected stage III: encorafenib + cetuximab, approved for metastatic colorectal
    cancer, is off-label (II-C) with the reason; the same tumour stated metastatic gets it at I-A."""
    path = DEMO / "demo-04-park.yaml"
    patient = load_record(path, RANGES)
    run = onco_engine(PatientContext(patient=patient, knowledge=core_bundle, on=date(2026, 7, 1)))
    assert run.skipped is None
    assert run.inputs["extent of disease"] == "stage III, early (resectable or resected)"
    data = [TherapyMatchData.model_validate(f.data) for f in run.findings]
    assert all(f.domain is Domain.ONCOLOGY and f.evidence for f in run.findings)
    top = {(d.alteration, d.therapy, d.significance, d.amp_tier) for d in data}
    assert ("BRAF V600E", "encorafenib + cetuximab", "sensitivity", "II-C") in top
    [enco] = [d for d in data if d.therapy == "encorafenib + cetuximab"]
    assert enco.relation_note == (
        "approved for metastatic disease; this tumour is stage III, early (resectable or resected)"
    )
    assert patient.tumour is not None
    metastatic = patient.model_copy(
        update={"tumour": patient.tumour.model_copy(update={"extent": "metastatic", "stage": "IV"})}
    )
    later = onco_engine(PatientContext(patient=metastatic, knowledge=core_bundle, on=date(2026, 7, 1)))
    [enco] = [d for d in (TherapyMatchData.model_validate(f.data) for f in later.findings)
              if d.therapy == "encorafenib + cetuximab"]  # fmt: skip
    assert (enco.amp_tier, enco.relation_note, enco.condition) == ("I-A", None, None)
    assert ("BRAF V600E", "cetuximab", "resistance", "I-B") in top  # clinical evidence (CIViC level B)
    assert ("BRAF V600E", "panitumumab", "resistance", "I-B") in top
    assert ("BRAF V600E", "dabrafenib + trametinib", "sensitivity", "II-C") in top  # tumour-agnostic, not colorectal
    assert not any(d.gene == "APC" for d in data)
    assert not any("MSI-H" in d.alteration for d in data)  # the tumour is MSS
    assert "onco.tsv" in run.tables and "encorafenib + cetuximab" in run.tables["onco.tsv"]


def test_no_tumour_data_skips_with_reason(core_bundle: KnowledgeBundle) -> None:
    path = DEMO / "demo-01-hale.yaml"
    run = onco_engine(
        PatientContext(patient=load_record(path, RANGES), knowledge=core_bundle, on=date(2026, 7, 1))
    )
    assert run.skipped is not None and "no tumour data" in run.skipped


def test_record_with_a_tumour_type_that_is_not_an_oncotree_code_is_an_input_error(
    core_bundle: KnowledgeBundle, tmp_path: Path
) -> None:
    path = DEMO / "demo-04-park.yaml"
    patient = load_record(path, RANGES)
    assert patient.tumour is not None
    colon = patient.model_copy(update={"tumour": patient.tumour.model_copy(update={"oncotree_code": "COLON"})})
    with pytest.raises(InputError) as caught:
        onco_engine(PatientContext(patient=colon, knowledge=core_bundle, on=date(2026, 7, 1)))
    assert caught.value.source == "demo-04-park" and "tumour.oncotree_code" in str(caught.value)
    assert "COAD" in str(caught.value)
