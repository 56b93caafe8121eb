"""A record uploaded to the service is held to the plausibility ranges of the service's configured knowledge bundle:
a bundle built with a site's own ranges changes what the upload refuses; a FHIR Bundle is held to them too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tailormed.knowledge.bundle import CURATED_DIR, build_bundle
from tailormed.knowledge.importers.plausible_ranges import IMPORTER

from .conftest import config_for

RECORD = """\
id: {id}
demographics: {{sex: female, birth_date: 1970-05-01}}
observations:
  - {{loinc: 8480-6, name: Systolic blood pressure, value: 280, unit: "mm[Hg]", effective_date: 2026-02-10}}
"""


def _client(tmp_path: Path, kb: Path | None) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from tailormed.knowledge.bundle import load_bundle
    from tailormed.service.analysis import Analyzer
    from tailormed.service.app import create_app
    from tailormed.service.core import Platform
    from tailormed.service.demo import seed
    from tailormed.service.settings import ServiceSettings
    from tailormed.store.crypto import MasterKey

    config = config_for("sqlite", tmp_path / "store")
    platform = Platform.open(config, master=MasterKey.generate())
    seed(platform, Analyzer(load_bundle(kb)), records=[], analyse=False)  # accounts only
    app = create_app(ServiceSettings(store=config, demo=True, run_worker=False, kb=kb), platform)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        token = client.post(
            "/api/auth/token", data={"grant_type": "password", "username": "clinician", "password": "clinician-demo"}
        )
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client
    platform.close()


@pytest.fixture
def site_kb(tmp_path: Path) -> Path:
    text = (CURATED_DIR / "plausible-ranges" / "ranges.yaml").read_text(encoding="utf-8")
    upstream = tmp_path / "upstream" / "plausible-ranges"
    upstream.mkdir(parents=True)
    (upstream / "ranges.yaml").write_text(
        text.replace("high: 270\n", "high: 300\n", 1).replace("| 70-270", "| 70-300"), encoding="utf-8"
    )
    build_bundle(upstream.parent, tmp_path / "kb", importers=[IMPORTER])
    return tmp_path / "kb"


def _upload(client: object, name: str, content: str, media: str = "application/yaml") -> object:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    return client.post(f"/api/patients?filename={name}", content=content.encode(), headers={"Content-Type": media})


def test_the_upload_follows_the_configured_bundle_ranges(
    tmp_path: Path, site_kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILORMED_KB", str(tmp_path / "no-installed-bundle"))
    for client in _client(tmp_path / "core", None):
        refused = _upload(client, "up-01.yaml", RECORD.format(id="up-01"))
        assert refused.status_code == 422, refused.text  # type: ignore[attr-defined]
        problem = refused.json()  # type: ignore[attr-defined]
        assert (problem["source"], problem["location"]) == ("up-01.yaml", "line 4, observations[0].value")
        assert problem["detail"].startswith("systolic blood pressure (LOINC 8480-6) 280 mm[Hg] is outside the")
        assert "plausible range 70-270 mmHg (plausible-ranges: NCD-RisC" in problem["detail"]
    for client in _client(tmp_path / "site", site_kb):
        created = _upload(client, "up-01.yaml", RECORD.format(id="up-01"))
        assert created.status_code == 201, created.text  # type: ignore[attr-defined]


def test_an_uploaded_fhir_bundle_is_held_to_the_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILORMED_KB", str(tmp_path / "no-installed-bundle"))
    fixture = Path(__file__).parents[1] / "intake" / "fhir_fixtures" / "synthea_like.json"
    bundle = json.loads(fixture.read_text(encoding="utf-8"))
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Observation" and resource["code"]["coding"][0]["code"] == "29463-7":
            resource["valueQuantity"]["value"] = 714.0  # a slipped decimal point
    for client in _client(tmp_path, None):
        refused = _upload(client, "bundle.json", json.dumps(bundle), "application/fhir+json")
        assert refused.status_code == 422, refused.text  # type: ignore[attr-defined]
        problem = refused.json()  # type: ignore[attr-defined]
        assert problem["source"] == "bundle.json" and problem["location"].startswith("observations[")
        assert "weight (LOINC 29463-7) 714 kg is outside the plausible range 12-300 kg" in problem["detail"]
