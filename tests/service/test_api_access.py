"""Every patient endpoint × every role × own and other patient: allowed answers carry the right data, denied ones
none; every access (allowed or denied) is in the audit trail. The endpoints about no single patient (users, care
teams, audit, research export) × every role likewise."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tailormed.demo import demo_record

from .conftest import OUTSIDER, Service

OWN = "demo-01-hale"
NAMES = {OWN: "Robert Hale", OUTSIDER: "Jordan Lee"}
ROLES = {
    "patient": None,  # signs in as the patient whose data is "own"
    "clinician": "clinician",
    "genetic_counsellor": "counsellor",
    "researcher": "researcher",
    "admin": "admin",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    allowed: dict[str, int]
    """Role -> the status an allowed call answers; roles not listed are refused."""
    body: Callable[[Service, str], dict[str, Any]] | None = None
    shows_name: bool = True
    """Whether an allowed answer carries the patient's name (the record, reports)."""


READERS = {"patient": 200, "clinician": 200, "genetic_counsellor": 200}


def _preferences(service: Service, patient_id: str) -> dict[str, Any]:
    return {"json": {"weights": {"efficacy": 1, "side_effects": 1, "cost": 1, "convenience": 1}}}


def _consent(service: Service, patient_id: str) -> dict[str, Any]:
    return {"json": {"category": "clinical", "decision": "permit"}}


def _vcf(service: Service, patient_id: str) -> dict[str, Any]:
    content = demo_record("demo-01-hale").with_name("demo-01-hale.vcf").read_bytes()
    return {"content": content, "params": {"filename": "again.vcf"}}


ENDPOINTS = [
    Endpoint("record", "GET", "/api/patients/{pid}", READERS),
    Endpoint("careplan", "GET", "/api/patients/{pid}/careplan", READERS, shows_name=False),
    Endpoint("report html", "GET", "/api/patients/{pid}/reports/report_patient.html", READERS),
    Endpoint("fhir bundle", "GET", "/api/patients/{pid}/fhir", READERS, shows_name=False),
    Endpoint("genomes", "GET", "/api/patients/{pid}/genomes", READERS, shows_name=False),
    Endpoint("analyses", "GET", "/api/patients/{pid}/analyses", READERS, shows_name=False),
    Endpoint("preferences", "GET", "/api/patients/{pid}/preferences", READERS, shows_name=False),
    Endpoint("set preferences", "PUT", "/api/patients/{pid}/preferences", READERS, _preferences, shows_name=False),
    Endpoint("consent", "GET", "/api/patients/{pid}/consent", READERS, shows_name=False),
    Endpoint("set consent", "PUT", "/api/patients/{pid}/consent", READERS, _consent, shows_name=False),
    Endpoint("access log", "GET", "/api/patients/{pid}/access-log", {"patient": 200, "admin": 200}, shows_name=False),
    Endpoint(
        "analyse",
        "POST",
        "/api/patients/{pid}/analyses",
        {"clinician": 202, "genetic_counsellor": 202},
        shows_name=False,
    ),
    Endpoint(
        "upload genome",
        "POST",
        "/api/patients/{pid}/genomes",
        {"clinician": 201, "genetic_counsellor": 201},
        _vcf,
        shows_name=False,
    ),
    Endpoint("analysis status", "GET", "/api/analyses/{aid}", READERS, shows_name=False),
    Endpoint(
        "haplotypes", "GET", "/fhir/$find-subject-haplotypes?subject={pid}&genes=CYP2C19", READERS, shows_name=False
    ),
    Endpoint(
        "tx implications",
        "GET",
        "/fhir/$find-subject-tx-implications?subject={pid}&treatments=clopidogrel",
        READERS,
        shows_name=False,
    ),
    Endpoint(
        "variants",
        "GET",
        "/fhir/$find-subject-variants?subject={pid}&ranges=NC_000010.11:94700000-94900000&includeVariants=true",
        READERS,
        shows_name=False,
    ),
]
# Roles not bound to patients get the same answer for any patient.
PATIENT_BOUND = {"patient", "clinician", "genetic_counsellor"}


def _user(role: str) -> str:
    return ROLES[role] or OWN


def _analysis_of(service: Service, patient_id: str) -> str:
    from sqlalchemy import select

    from tailormed.store.models import Analysis

    with service.platform.db.read() as session:
        found = session.scalar(select(Analysis.id).where(Analysis.patient_id == patient_id).limit(1))
    assert found is not None, patient_id
    return str(found)


def _call(service: Service, endpoint: Endpoint, role: str, patient_id: str) -> Any:
    extra = endpoint.body(service, patient_id) if endpoint.body else {}
    aid = _analysis_of(service, patient_id) if "{aid}" in endpoint.path else ""
    return service.client.request(
        endpoint.method, endpoint.path.format(pid=patient_id, aid=aid), headers=service.headers(_user(role)), **extra
    )


@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_endpoint_role_patient(service: Service, endpoint: Endpoint, role: str, whose: str) -> None:
    patient_id = OWN if whose == "own" else OUTSIDER
    before = service.audit_count()
    response = _call(service, endpoint, role, patient_id)
    allowed = endpoint.allowed.get(role)
    if whose == "other" and role in PATIENT_BOUND:
        allowed = None
    if allowed is not None:
        assert response.status_code == allowed, response.text
        if endpoint.shows_name:
            assert NAMES[patient_id] in response.text
        if response.headers["content-type"].startswith("application/json"):
            assert patient_id in response.text
    else:
        assert response.status_code in (403, 404), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert set(problem) <= {"type", "title", "status", "detail", "instance"}
        assert NAMES[patient_id] not in response.text
        if whose == "other" and role in PATIENT_BOUND and role in endpoint.allowed:
            assert response.status_code == 404  # another patient's data does not even exist for you
    after = service.audit_count()
    assert after > before, "the access was not audited"
    from tailormed.security.audit import AuditLog

    with service.platform.db.read() as session:
        latest = AuditLog(service.platform.keyring).events(session, limit=after - before)
    assert any(e.actor == _user(role) for e in latest), [(e.actor, e.resource) for e in latest]
    assert any(e.outcome == ("success" if allowed is not None else "denied") for e in latest)


#: Endpoints about no single patient: (name, method, path, role -> status when allowed; other roles get 403).
ROLE_ENDPOINTS = [
    ("users", "GET", "/api/users", {"admin": 200}),
    ("care teams", "GET", "/api/care-teams", {"admin": 200}),
    ("audit", "GET", "/api/audit", {"admin": 200}),
    ("audit verify", "GET", "/api/audit/verify", {"admin": 200}),
    ("audit as FHIR", "GET", "/api/audit/fhir", {"admin": 200}),
    ("research export", "POST", "/api/research/exports?duo=DUO:0000042", {"researcher": 200}),
]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("endpoint", ROLE_ENDPOINTS, ids=lambda e: e[0])
def test_role_endpoint(service: Service, endpoint: tuple[str, str, str, dict[str, int]], role: str) -> None:
    """Administration, audit and research endpoints: only their role gets in; every attempt is audited; a
    refusal carries no patient data."""
    _, method, path, allowed = endpoint
    before = service.audit_count()
    response = service.client.request(method, path, headers=service.headers(_user(role)))
    if role in allowed:
        assert response.status_code == allowed[role], response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert not any(name in response.text for name in NAMES.values())
    assert service.audit_count() > before, "the access was not audited"


def test_patient_list_shows_what_each_role_may_see(service: Service) -> None:
    def ids(user: str) -> set[str]:
        response = service.client.get("/api/patients", headers=service.headers(user))
        assert response.status_code == 200, response.text
        return {p["id"] for p in response.json()}

    assert ids(OWN) == {OWN}
    assert OWN in ids("clinician") and OUTSIDER not in ids("clinician")
    assert ids("clinician-b") == {OUTSIDER}
    admin = service.client.get("/api/patients", headers=service.headers("admin")).json()
    assert all(p["display_name"] is None for p in admin)  # identifiers only, no clinical data
    assert service.client.get("/api/patients", headers=service.headers("researcher")).status_code == 403


def _with_hereditary_finding(service: Service, patient_id: str) -> None:
    """Store a plan for ``patient_id`` that holds one hereditary (ACMG secondary) finding."""
    from tailormed.model.finding import Domain, Evidence, Finding, Priority
    from tailormed.model.payloads import HereditaryVariantData

    with service.platform.db.transaction() as session:
        stored = service.platform.repo.latest_plan(session, patient_id)
        assert stored is not None
        finding = Finding(
            id="hereditary:BRCA2:test",
            domain=Domain.HEREDITARY,
            title="BRCA2 c.5946del: pathogenic",
            summary="Hereditary breast and ovarian cancer risk",
            priority=Priority.ACTIONABLE,
            genes=["BRCA2"],
            data=HereditaryVariantData(
                gene="BRCA2",
                chrom="chr13",
                pos=32340300,
                ref="GT",
                alt="G",
                genotype="0/1",
                zygosity="heterozygous",
                clinvar_significance="Pathogenic",
                review_stars=3,
                reportable=True,
                reason="ACMG SF gene",
                condition="HBOC",
                inheritance="autosomal dominant",
            ),
            evidence=[Evidence(source="ClinVar", version="test")],
        )
        plan = stored.plan.model_copy(update={"findings": [*stored.plan.findings, finding]})
        service.platform.repo.save_plan(session, patient_id, plan, {}, analysis_id=stored.analysis_id)


def test_hereditary_findings_follow_role_and_secondary_findings_consent(service: Service) -> None:
    patient_id = "demo-03-rodriguez"
    _with_hereditary_finding(service, patient_id)

    def domains(user: str) -> set[str]:
        response = service.client.get(f"/api/patients/{patient_id}/careplan", headers=service.headers(user))
        assert response.status_code == 200, response.text
        return {f["domain"] for f in response.json()["findings"]}

    assert "hereditary" in domains("counsellor")
    assert "hereditary" in domains(patient_id)
    assert "hereditary" not in domains("clinician")
    html = service.client.get(
        f"/api/patients/{patient_id}/reports/report_clinician.html", headers=service.headers("clinician")
    ).text
    assert "BRCA2" not in html
    opt_out = service.client.put(
        f"/api/patients/{patient_id}/consent",
        headers=service.headers(patient_id),
        json={"category": "secondary_findings", "decision": "deny"},
    )
    assert opt_out.status_code == 200 and opt_out.json()["secondary_findings"] is False
    assert "hereditary" not in domains("counsellor")  # the opt-out takes effect at once
    assert "hereditary" not in domains(patient_id)
    opt_in = service.client.put(
        f"/api/patients/{patient_id}/consent",
        headers=service.headers(patient_id),
        json={"category": "secondary_findings", "decision": "permit"},
    )
    assert opt_in.status_code == 200
    assert "hereditary" in domains("counsellor")


def test_tokens_carry_only_the_scopes_asked_for(service: Service) -> None:
    response = service.client.post(
        "/api/auth/token",
        data={"grant_type": "password", "username": "clinician", "password": "clinician-demo", "scope": "user/*.read"},
    )
    assert response.status_code == 200 and response.json()["scope"] == "user/*.read"
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert service.client.get(f"/api/patients/{OWN}", headers=headers).status_code == 200
    denied = service.client.put(
        f"/api/patients/{OWN}/consent", headers=headers, json={"category": "clinical", "decision": "permit"}
    )
    assert denied.status_code == 403 and "scope" in denied.json()["detail"]


def test_requests_without_a_valid_token_are_refused(service: Service) -> None:
    assert service.client.get(f"/api/patients/{OWN}").status_code == 401
    bad = service.client.get(f"/api/patients/{OWN}", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert json.loads(bad.text)["title"] == "Unauthorized"
