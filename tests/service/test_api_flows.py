"""Workflows through the API: create, upload, analyse, consent, preferences, erasure, research export, sign-in."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tailormed.demo import demo_record
from tailormed.store import models as m

from .conftest import Service, seed_service

RECORD = demo_record("demo-02-mensah")
VCF = RECORD.with_name("demo-02-mensah.vcf").read_bytes()
#: The line of the demo VCF's first heterozygous call, which the bad-genotype case breaks.
FIRST_HET = "line " + str(next(n for n, line in enumerate(VCF.splitlines(), 1) if b"\t0/1" in line))


def _new_patient(service: Service, patient_id: str) -> None:
    text = RECORD.read_text().replace("id: demo-02-mensah", f"id: {patient_id}", 1)
    response = service.client.post(
        "/api/patients?filename=new.yaml",
        content=text.encode(),
        headers={**service.headers("clinician"), "Content-Type": "application/yaml"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["record"]["id"] == patient_id


def _count(service: Service, model: type[m.Base], **where: str) -> int:
    with service.platform.db.read() as session:
        statement = select(func.count()).select_from(model)
        for column, value in where.items():
            statement = statement.where(getattr(model, column) == value)
        return int(session.scalar(statement) or 0)


def test_create_upload_analyse_and_read_the_plan(service: Service) -> None:
    _new_patient(service, "flow-01")
    headers = service.headers("clinician")
    upload = service.client.post("/api/patients/flow-01/genomes?filename=mensah.vcf", content=VCF, headers=headers)
    assert upload.status_code == 201, upload.text
    assert upload.json()["summary"]["samples"] == 1 and "MENSAH" not in upload.text
    calls = RECORD.with_name("demo-02-mensah.outside.tsv").read_bytes()
    outside = service.client.post(
        "/api/patients/flow-01/genomes?kind=outside_calls&filename=calls.tsv", content=calls, headers=headers
    )
    assert outside.status_code == 201, outside.text
    job = service.client.post("/api/patients/flow-01/analyses", headers=headers)
    assert job.status_code == 202 and job.json()["status"] == "queued"
    service.run_jobs()
    status = service.client.get(f"/api/analyses/{job.json()['id']}", headers=headers).json()
    assert status["status"] == "succeeded" and status["progress"] == 100, status
    plan = service.client.get("/api/patients/flow-01/careplan", headers=headers).json()
    assert any(f["id"].startswith("pgx:phenoconversion:CYP2D6") for f in plan["findings"])
    pdf = service.client.get("/api/patients/flow-01/reports/report_clinician.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    fhir = service.client.get("/api/patients/flow-01/fhir", headers=headers)
    assert fhir.json()["resourceType"] == "Bundle"


def test_a_fhir_bundle_creates_a_patient(service: Service) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:1",
                "resource": {
                    "resourceType": "Patient",
                    "id": "fhir-flow-02",
                    "gender": "female",
                    "birthDate": "1970-05-01",
                },
            }
        ],
    }
    response = service.client.post(
        "/api/patients",
        content=json.dumps(bundle).encode(),
        headers={**service.headers("clinician"), "Content-Type": "application/fhir+json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "fhir-bundle"
    again = service.client.post(
        "/api/patients",
        content=json.dumps(bundle).encode(),
        headers={**service.headers("clinician"), "Content-Type": "application/fhir+json"},
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (VCF.replace(b"\t0/1", b"\t0/x", 1), FIRST_HET),
        (VCF.replace(b"#CHROM", b"#CHROMOSOME", 1), "line"),
        (b"##fileformat=VCFv4.2\nchr1\t1\t.\tA\tG\t.\t.\t.\n", "line 2"),
        (gzip.compress(VCF)[:60], None),
        (b"not a vcf at all\n", "line 1"),
    ],
    ids=["bad genotype", "bad header", "no #CHROM", "truncated gzip", "not a VCF"],
)
def test_malformed_uploads_are_refused_naming_the_line_and_nothing_is_stored(
    service: Service, content: bytes, line: str | None
) -> None:
    before = _count(service, m.GenomeUpload)
    response = service.client.post(
        "/api/patients/demo-02-mensah/genomes?filename=broken.vcf",
        content=content,
        headers=service.headers("clinician"),
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["source"] == "broken.vcf"
    if line is not None:
        assert problem["location"].startswith(line), problem
    assert "/proc/self" not in response.text
    assert _count(service, m.GenomeUpload) == before


def test_oversized_uploads_are_refused_before_anything_is_stored(tmp_path: Path) -> None:
    small = seed_service("sqlite", tmp_path, upload_limit=1000)
    try:
        before = _count(small, m.GenomeUpload)
        response = small.client.post(
            "/api/patients/demo-02-mensah/genomes?filename=big.vcf", content=VCF * 3, headers=small.headers("clinician")
        )
        assert response.status_code == 413 and "limit" in response.json()["detail"]
        streamed = small.client.post(
            "/api/patients/demo-02-mensah/genomes?filename=big.vcf",
            content=iter([VCF[:600], VCF[600:], VCF]),
            headers=small.headers("clinician"),
        )
        assert streamed.status_code == 413
        assert _count(small, m.GenomeUpload) == before
    finally:
        small.client.close()
        small.platform.close()


def test_no_clinical_consent_no_analysis(service: Service) -> None:
    _new_patient(service, "flow-03")
    patient_headers_owner = service.headers("clinician")
    withdraw = service.client.put(
        "/api/patients/flow-03/consent",
        headers=patient_headers_owner,
        json={"category": "clinical", "decision": "deny"},
    )
    assert withdraw.status_code == 200 and withdraw.json()["clinical"] is False
    refused = service.client.post("/api/patients/flow-03/analyses", headers=patient_headers_owner)
    assert refused.status_code == 403 and "consent" in refused.json()["detail"]
    assert _count(service, m.Analysis, patient_id="flow-03") == 0
    grant = service.client.put(
        "/api/patients/flow-03/consent",
        headers=patient_headers_owner,
        json={"category": "clinical", "decision": "permit"},
    )
    assert grant.status_code == 200
    queued = service.client.post(
        "/api/patients/flow-03/analyses", json={"genome": False}, headers=patient_headers_owner
    )
    assert queued.status_code == 202
    # withdrawn again before the worker runs: the job fails instead of analysing
    service.client.put(
        "/api/patients/flow-03/consent",
        headers=patient_headers_owner,
        json={"category": "clinical", "decision": "deny"},
    )
    service.run_jobs()
    job = service.client.get(f"/api/analyses/{queued.json()['id']}", headers=patient_headers_owner).json()
    assert job["status"] == "failed" and job["error"]["status"] == 403


def test_preferences_rerank_the_decisions_without_rerunning_the_engines(service: Service) -> None:
    patient = "demo-01-hale"
    headers = service.headers(patient)
    before_plans = _count(service, m.CarePlanRow, patient_id=patient)
    before_jobs = _count(service, m.Analysis, patient_id=patient)
    original = service.client.get(f"/api/patients/{patient}/preferences", headers=headers).json()
    decisions = {d["id"]: d["ranking"] for d in original["decisions"]}
    assert decisions, "demo-01-hale's plan has shared decisions"
    rankings = []
    for weights in (
        {"efficacy": 10, "side_effects": 0, "cost": 0, "convenience": 0},
        {"efficacy": 0, "side_effects": 0, "cost": 10, "convenience": 0},
    ):
        response = service.client.put(
            f"/api/patients/{patient}/preferences", headers=headers, json={"weights": weights}
        )
        assert response.status_code == 200, response.text
        assert all(
            d["weights"][k] == pytest.approx(v / 10) for d in response.json()["decisions"] for k, v in weights.items()
        )
        rankings.append({d["id"]: d["ranking"] for d in response.json()["decisions"]})
    assert rankings[0] != rankings[1], "weights changed no ranking"
    plan = service.client.get(f"/api/patients/{patient}/careplan", headers=headers).json()
    assert {d["id"]: d["ranking"] for d in plan["decisions"]} == rankings[1]
    restored = service.client.put(f"/api/patients/{patient}/preferences", headers=headers, json=original["preferences"])
    assert restored.status_code == 200
    assert _count(service, m.CarePlanRow, patient_id=patient) == before_plans
    assert _count(service, m.Analysis, patient_id=patient) == before_jobs


def _export(service: Service, duo: str) -> dict[str, object]:
    response = service.client.post(f"/api/research/exports?duo={duo}&k=2", headers=service.headers("researcher"))
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    report = json.loads(archive.read("export_report.json"))
    files = archive.namelist()
    assert "patients.parquet" in files and "findings.parquet" in files
    text = b"".join(archive.read(name) for name in files)
    for identifying in (b"Robert Hale", b"demo-01-hale", b"1968-03-14", b"HALE-R-WGS"):
        assert identifying not in text
    return report


def test_research_export_follows_research_consent_and_withdrawal(service: Service) -> None:
    first = _export(service, "DUO:0000042")
    consented = first["consented_for_this_use"]
    assert isinstance(consented, int) and consented >= 2
    withdraw = service.client.put(
        "/api/patients/demo-04-park/consent",
        headers=service.headers("demo-04-park"),
        json={"category": "research", "decision": "deny"},
    )
    assert withdraw.status_code == 200
    second = _export(service, "DUO:0000042")
    assert second["consented_for_this_use"] == consented - 1
    disease_specific_only = _export(service, "DUO:0000006")
    assert disease_specific_only["consented_for_this_use"] < consented
    service.client.put(
        "/api/patients/demo-04-park/consent",
        headers=service.headers("demo-04-park"),
        json={"category": "research", "decision": "permit", "duo_codes": ["DUO:0000042"]},
    )
    for role in ("clinician", "admin", "demo-01-hale"):
        denied = service.client.post("/api/research/exports?duo=DUO:0000042", headers=service.headers(role))
        assert denied.status_code == 403


def test_erasure_leaves_only_the_audit_trail(service: Service) -> None:
    _new_patient(service, "flow-04")
    service.client.post(
        "/api/patients/flow-04/genomes?filename=x.vcf", content=VCF, headers=service.headers("clinician")
    )
    denied = service.client.delete("/api/patients/flow-04", headers=service.headers("clinician"))
    assert denied.status_code == 403
    erased = service.client.delete("/api/patients/flow-04", headers=service.headers("admin"))
    assert erased.status_code == 200 and erased.json()["deleted"]["genome_uploads"] == 1
    assert service.client.get("/api/patients/flow-04", headers=service.headers("clinician")).status_code == 404
    for model in (m.Patient, m.GenomeUpload, m.ConsentRow, m.CarePlanRow):
        column = "id" if model is m.Patient else "patient_id"
        assert _count(service, model, **{column: "flow-04"}) == 0
    with service.platform.db.read() as session:
        events = service.platform.audit.events(session, patient_id="flow-04")
        assert any(e.action == "D" and "erasure" in (e.detail or "") for e in events)
        assert service.platform.audit.verify(session).ok


def test_sign_in_refresh_and_rate_limit(tmp_path: Path) -> None:
    small = seed_service("sqlite", tmp_path, token_attempts=4)
    try:
        client = small.client
        good = client.post(
            "/api/auth/token", data={"grant_type": "password", "username": "admin", "password": "admin-demo"}
        )
        assert good.status_code == 200
        refresh = good.json()["refresh_token"]
        renewed = client.post("/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
        assert renewed.status_code == 200 and renewed.json()["access_token"] != good.json()["access_token"]
        replayed = client.post("/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
        assert replayed.status_code == 401
        wrong = client.post("/api/auth/token", data={"grant_type": "password", "username": "admin", "password": "x"})
        assert wrong.status_code == 401
        answers = [
            client.post(
                "/api/auth/token", data={"grant_type": "password", "username": "admin", "password": "admin-demo"}
            ).status_code
            for _ in range(3)
        ]
        assert answers == [200, 200, 429]  # four attempts a minute per address and user name: 2 used above
        limited = client.post(
            "/api/auth/token", data={"grant_type": "password", "username": "admin", "password": "admin-demo"}
        )
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        other_user = client.post(
            "/api/auth/token", data={"grant_type": "password", "username": "clinician", "password": "clinician-demo"}
        )
        assert other_user.status_code == 200
    finally:
        client.close()
        small.platform.close()


def test_an_interrupted_job_is_requeued_then_failed(service: Service) -> None:
    from datetime import UTC, datetime, timedelta

    from tailormed.service import jobs

    _new_patient(service, "flow-05")
    queued = service.client.post(
        "/api/patients/flow-05/analyses", json={"genome": False}, headers=service.headers("clinician")
    ).json()
    platform = service.platform
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        assert jobs.claim(platform, "worker-that-dies") == queued["id"]
        later = datetime.now(UTC) + jobs.LEASE + timedelta(seconds=1)
        counts = jobs.recover(platform, at=later)
        expected = "requeued" if attempt < jobs.MAX_ATTEMPTS else "failed"
        assert counts[expected] == 1, counts
    job = service.client.get(f"/api/analyses/{queued['id']}", headers=service.headers("clinician")).json()
    assert job["status"] == "failed" and job["stage"] == "interrupted"


def test_raw_tables_of_a_used_service_hold_no_clear_text(service: Service) -> None:
    """After seeding, analyses, uploads and reports: no VCF text, genotype, record or plan text in any raw row."""
    from sqlalchemy import inspect, text

    chunks = []
    with service.platform.db.engine.connect() as connection:
        for table in inspect(service.platform.db.engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                chunks += [bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row if v]
    dump = b"\n".join(chunks)
    for needle in (
        b"##fileformat",
        b"MENSAH-G-WGS",
        b"Grace Mensah",
        b"Robert Hale",
        b"1959-",
        b"Poor Metabolizer",
        b"CYP2C19 *2/*2",
        b"rs4244285",
        b"warfarin",
        b"<html",
        b"%PDF",
        b"resourceType",
    ):
        assert needle not in dump, needle


def test_a_record_tumour_keeps_its_stage_extent_and_wild_type_genes_through_the_service(service: Service) -> None:
    """The service reads a record as ``analyze`` does: demo-04's resected stage III colon cancer, here with KRAS and
    NRAS stated wild-type, keeps stage, extent and wild-type genes, and its analysis places the metastatic labels off
    by extent with the tumour's stage, panitumumab's RAS condition answered; a stage that is not an AJCC group is
    refused naming its line."""
    text = demo_record("demo-04-park").read_text()
    text = text.replace("id: demo-04-park", "id: flow-tumour", 1).replace(
        "  extent: early\n", "  extent: early\n  wild_type: [KRAS, NRAS]\n", 1
    )
    headers = {**service.headers("clinician"), "Content-Type": "application/yaml"}
    response = service.client.post("/api/patients?filename=tumour.yaml", content=text.encode(), headers=headers)
    assert response.status_code == 201, response.text
    tumour = response.json()["record"]["tumour"]
    assert (tumour["stage"], tumour["extent"], tumour["wild_type"]) == ("III", "early", ["KRAS", "NRAS"])
    clinician = service.headers("clinician")
    service.client.post("/api/patients/flow-tumour/analyses", json={"genome": False}, headers=clinician)
    service.run_jobs()
    plan = service.client.get("/api/patients/flow-tumour/careplan", headers=clinician).json()
    onco = {f["title"]: f["data"] for f in plan["findings"] if f["domain"] == "oncology"}
    off = "approved for metastatic disease; this tumour is stage III, early (resectable or resected)"
    assert onco["BRAF V600E: encorafenib + cetuximab"]["relation_note"] == off
    assert onco["RAS wild-type: panitumumab"]["relation_note"] == off
    assert onco["RAS wild-type: panitumumab"]["condition"] is None
    bad = text.replace("id: flow-tumour", "id: flow-tumour-2", 1).replace("  stage: III\n", "  stage: stage III\n")
    refused = service.client.post("/api/patients?filename=bad.yaml", content=bad.encode(), headers=headers)
    assert refused.status_code == 422 and "is not an AJCC stage group" in refused.text, refused.text
    assert refused.json()["location"].startswith("line "), refused.json()
