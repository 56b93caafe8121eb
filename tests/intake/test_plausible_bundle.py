"""The plausibility ranges follow the knowledge bundle: a bundle built with a site's own ranges file changes what
``record check``, ``analyze`` and ``risk calc`` refuse (the service upload: tests/service/test_plausible_upload.py),
the plan records which ranges were used, and a bundle without ranges is an error, never a run without the check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import CURATED_DIR, KnowledgeBundle, build_bundle, curated_sources, load_bundle
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.registry import Importer
from tailormed.pipeline.plausible import plausibility

CORE_FILE = CURATED_DIR / "plausible-ranges" / "ranges.yaml"
RECORD = """\
id: site-01
demographics: {{sex: male, birth_date: 1970-05-01}}
observations:
  - {{loinc: 8480-6, name: Systolic blood pressure, value: {sbp}, unit: "mm[Hg]", effective_date: 2026-02-10}}
  - {{loinc: 8302-2, name: Height, value: {height}, unit: cm, effective_date: 2026-02-10}}
"""
FINDRISC = (
    "sex\tage_years\tbmi\twaist_cm\tphysically_active_30min_daily\tvegetables_fruit_berries_daily\t"
    "ever_antihypertensive_medication\tever_high_blood_glucose\tfamily_history_diabetes\n"
    "female\t50\t{bmi}\t140\tno\tno\tno\tno\tnone\n"
)


def site_ranges(text: str) -> str:
    """The core's ranges with a site's own adult height (100-260 cm), BMI (10-90) and systolic pressure (70-300 mmHg)
    limits, each band quoting the cell of the site's table it is read from."""
    for old, new in (("high: 250\n", "high: 260\n"), ("| 100-250", "| 100-260"), ("high: 270\n", "high: 300\n"),
                     ("| 70-270", "| 70-300"), ("high: 80\n", "high: 90\n"), ("| 10-80", "| 10-90")):  # fmt: skip
        assert old in text
        text = text.replace(old, new, 1)  # the first 250 is the adult height's (eGFR's comes last)
    return text


def tailormed(*args: str, kb_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TAILORMED_KB": str(kb_home)}  # no installed bundle: the curated core unless --kb
    return subprocess.run(
        [sys.executable, "-m", "tailormed", *args], capture_output=True, text=True, check=False, env=env
    )


@pytest.fixture(scope="module")
def site_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    upstream = tmp_path_factory.mktemp("upstream")
    (upstream / "plausible-ranges").mkdir()
    (upstream / "plausible-ranges" / "ranges.yaml").write_text(
        site_ranges(CORE_FILE.read_text(encoding="utf-8")), encoding="utf-8"
    )
    kb = tmp_path_factory.mktemp("site") / "kb"
    done = tailormed("kb", "build", "--from", str(upstream), "-o", str(kb), kb_home=kb)
    assert done.returncode == 0, done.stderr
    return kb


def test_record_check_and_analyze_follow_the_bundle_ranges(site_kb: Path, tmp_path: Path) -> None:
    record = tmp_path / "site-01.yaml"
    record.write_text(RECORD.format(sbp=280, height=175), encoding="utf-8")
    nowhere = tmp_path / "no-kb"
    core = tailormed("record", "check", str(record), kb_home=nowhere)
    assert core.returncode == 2
    assert f"{record}, line 4, observations[0].value: systolic blood pressure (LOINC 8480-6) 280 mm[Hg]" in core.stderr
    assert "outside the plausible range 70-270 mmHg (plausible-ranges: NCD-RisC" in core.stderr
    assert tailormed("record", "check", str(record), "--kb", str(site_kb), kb_home=nowhere).returncode == 0

    out = tmp_path / "out"
    refused = tailormed("analyze", "--record", str(record), "--out", str(out), "--no-pdf", kb_home=nowhere)
    assert refused.returncode == 2 and "70-270 mmHg" in refused.stderr
    assert not out.exists()  # nothing half-written
    done = tailormed("analyze", "--record", str(record), "--out", str(out), "--no-pdf", "--kb", str(site_kb),
                     kb_home=nowhere)  # fmt: skip
    assert done.returncode == 0, done.stderr
    plan = json.loads((out / "site-01" / "careplan.json").read_text(encoding="utf-8"))
    assert plan["knowledge"]["plausible-ranges"] == load_bundle(site_kb).source("plausible-ranges").version
    assert plan["knowledge"]["plausible-ranges"].startswith("site file sha256 ")

    # the site's own limits still refuse: 261 cm is outside its 100-260
    record.write_text(RECORD.format(sbp=130, height=261), encoding="utf-8")
    taller = tailormed("record", "check", str(record), "--kb", str(site_kb), kb_home=nowhere)
    assert taller.returncode == 2
    assert "line 5, observations[1].value: height (LOINC 8302-2) 261 cm is outside" in taller.stderr
    assert "plausible range 100-260 cm for ages 15 and over (plausible-ranges: site file sha256 " in taller.stderr


def test_risk_calc_follows_the_bundle_ranges(site_kb: Path, tmp_path: Path) -> None:
    cases = tmp_path / "cases.tsv"
    cases.write_text(FINDRISC.format(bmi=85), encoding="utf-8")
    core = tailormed("risk", "calc", "findrisc", "--input", str(cases), kb_home=tmp_path / "no-kb")
    assert core.returncode == 2
    assert f"{cases}, line 2, column bmi: bmi 85 kg/m2 is outside the plausible range 10-80 kg/m2" in core.stderr
    site = tailormed("risk", "calc", "findrisc", "--input", str(cases), "--kb", str(site_kb), kb_home=tmp_path / "x")
    assert site.returncode == 0, site.stderr
    assert site.stdout.splitlines()[1].startswith("female\t50\t85\t140\t")


def test_a_bundle_without_ranges_is_an_error_not_an_unchecked_run() -> None:
    without = KnowledgeBundle(None, None, [s for s in curated_sources() if s.name != "plausible-ranges"])
    with pytest.raises(KnowledgeError, match="knowledge source 'plausible-ranges' is not available"):
        plausibility(without)


def test_a_built_bundle_without_its_own_ranges_uses_the_cores(tmp_path: Path) -> None:
    def build(upstream: Path, out: Path) -> SourceRecord:
        (out / "notes.txt").write_text("site notes\n", encoding="utf-8")
        return SourceRecord(name="notes", title="notes", version="1", licence="CC0-1.0", citation="none", importer="x")

    build_bundle(tmp_path, tmp_path / "kb", importers=[Importer("notes", "site notes", lambda up: up, build)])
    bundle = load_bundle(tmp_path / "kb")
    record = bundle.source("plausible-ranges")  # the curated core's, recorded as such in every plan
    assert record.importer == "curated" and record.version.startswith("NCD-RisC data-cleaning protocol")
    assert plausibility(bundle).by_loinc["8480-6"].named == f"plausible-ranges: {record.version}"


def test_the_in_memory_analysis_holds_a_patient_to_the_bundle_ranges() -> None:
    import tailormed
    from tailormed.errors import InputError
    from tailormed.model.patient import Patient

    core = KnowledgeBundle(None, None, curated_sources())
    patient = Patient.model_validate(
        {"id": "mem-01", "observations": [{"loinc": "8480-6", "name": "SBP", "value": 300, "unit": "mmHg"}]}
    )
    with pytest.raises(InputError) as caught:
        tailormed.analyze(patient, None, core, pdf=False)
    assert str(caught.value).startswith("mem-01, observations[0].value: systolic blood pressure (LOINC 8480-6) 300")
    plan = tailormed.analyze(patient.model_copy(update={"observations": []}), None, core, pdf=False).plan
    assert plan.knowledge["plausible-ranges"] == core.source("plausible-ranges").version
