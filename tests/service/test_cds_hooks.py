"""CDS Hooks 2.0: discovery, order-select / order-sign cards, patient-view, prefetch, client JWTs, feedback.

Requests are written in the specification's format (the order-select example's shape: ``context.selections`` and a
``draftOrders`` Bundle of R4 MedicationRequests)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import text

from tailormed.service.cds import Card
from tailormed.store.db import Database

from .conftest import Service, seed_service

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SELECT = "/cds-services/tailormed-pgx-order-select"
SIGN = "/cds-services/tailormed-pgx-order-sign"
VIEW = "/cds-services/tailormed-patient-summary"


def medication_request(order_id: str, patient_id: str, drug: str, rxnorm: str, status: str = "draft") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": order_id,
        "status": status,
        "intent": "order",
        "subject": {"reference": f"Patient/{patient_id}"},
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rxnorm, "display": drug}], "text": drug},
    }


def hook_request(
    hook: str,
    patient_id: str,
    orders: list[dict[str, Any]],
    *,
    selections: list[str] | None = None,
    prefetch: dict[str, Any] | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/example", "patientId": patient_id, "encounterId": "89284"}
    if hook != "patient-view":
        context["draftOrders"] = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": order} for order in orders],
        }
    if hook == "order-select":
        context["selections"] = (
            selections if selections is not None else [f"MedicationRequest/{o['id']}" for o in orders]
        )
    body: dict[str, Any] = {"hookInstance": str(uuid.uuid4()), "hook": hook, "context": context}
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def test_discovery_lists_the_services_and_their_prefetch(service: Service) -> None:
    services = service.client.get("/cds-services").json()["services"]
    hooks = {s["hook"]: s for s in services}
    assert set(hooks) == {"order-select", "order-sign", "patient-view"}
    for entry in services:
        assert entry["id"] and entry["description"]
    assert hooks["order-select"]["prefetch"]["patient"] == "Patient/{{context.patientId}}"
    assert "MedicationRequest?patient={{context.patientId}}" in hooks["order-sign"]["prefetch"]["medications"]


def test_clopidogrel_for_a_cyp2c19_poor_metabolizer(service: Service) -> None:
    order = medication_request("clopidogrel-1", "demo-01-hale", "clopidogrel 75 MG Oral Tablet", "32968")
    response = service.client.post(SELECT, json=hook_request("order-select", "demo-01-hale", [order]))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert len(cards) == 1
    card = cards[0]
    assert card["indicator"] == "critical"
    assert len(card["summary"]) < 140 and "CYP2C19 Poor Metabolizer" in card["summary"]
    assert "Strong" in card["detail"] and "CPIC" in card["source"]["label"]
    assert card["selectionBehavior"] == "at-most-one"
    first = card["suggestions"][0]
    assert first["isRecommended"] is True
    kinds = [a["type"] for a in first["actions"]]
    assert kinds == ["delete", "create"]
    assert first["actions"][0]["resourceId"] == "MedicationRequest/clopidogrel-1"
    replacement = first["actions"][1]["resource"]
    assert replacement["resourceType"] == "MedicationRequest"
    assert replacement["medicationCodeableConcept"]["text"] in ("prasugrel", "ticagrelor")
    assert all(r["display"] for r in card["overrideReasons"])
    named = [card["uuid"], *(s["uuid"] for s in card["suggestions"])]
    assert len(set(named)) == len(named)
    assert all(str(uuid.UUID(u)) == u and uuid.UUID(u).version == 4 for u in named)
    # the web app's plan page of the patient (tests/web checks that it opens); no SMART link unless configured
    assert card["links"] == [
        {"label": "Open the tailormed care plan", "url": "http://127.0.0.1:8000/app/patients/demo-01-hale",
         "type": "absolute"}
    ]


def test_codeine_with_fluoxetine_on_the_list_is_phenoconverted(service: Service) -> None:
    order = medication_request("codeine-1", "demo-02-mensah", "codeine sulfate 30 MG", "2670")
    prefetch = {
        "medications": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {"resource": medication_request("fluox", "demo-02-mensah", "fluoxetine 20 MG", "4493", status="active")}
            ],
        }
    }
    response = service.client.post(
        SELECT, json=hook_request("order-select", "demo-02-mensah", [order], prefetch=prefetch)
    )
    cards = response.json()["cards"]
    assert len(cards) == 1, cards
    card = cards[0]
    assert card["indicator"] == "critical"
    assert "CYP2D6 Poor Metabolizer (fluoxetine)" in card["summary"]
    assert "Normal Metabolizer" in card["detail"] and "fluoxetine" in card["detail"]
    assert card["suggestions"] and card["suggestions"][0]["actions"][0]["type"] == "delete"


def test_the_same_order_without_the_inhibitor_gives_no_critical_card(tmp_path: Path) -> None:
    """Without fluoxetine (removed from the record) CYP2D6 *1/*17 is a normal metabolizer: codeine is fine; with
    fluoxetine coded only by an RxNorm product on the EHR's list it is phenoconverted again."""
    fresh = seed_service("sqlite", tmp_path)
    try:
        with fresh.platform.db.transaction() as session:
            entry = fresh.platform.repo.load_patient(session, "demo-02-mensah")
            assert entry is not None
            meds = [m for m in entry.patient.medications if not m.name.lower().startswith("fluoxetine")]
            fresh.platform.repo.update_patient(session, entry.patient.model_copy(update={"medications": meds}))
        order = medication_request("codeine-1", "demo-02-mensah", "codeine", "2670")
        cards = fresh.client.post(SELECT, json=hook_request("order-select", "demo-02-mensah", [order])).json()["cards"]
        assert cards == []
        # The EHR lists fluoxetine only by an RxNorm product code (fluoxetine 20 MG Oral Capsule): recognised as
        # fluoxetine, a strong CYP2D6 inhibitor, so codeine is flagged again.
        listed = medication_request("f1", "demo-02-mensah", "", "310385", status="active")
        listed["medicationCodeableConcept"] = {"coding": [{"system": RXNORM, "code": "310385"}]}
        prefetch = {"medications": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": listed}]}}
        body = hook_request("order-select", "demo-02-mensah", [order], prefetch=prefetch)
        cards = fresh.client.post(SELECT, json=body).json()["cards"]
        assert [c["indicator"] for c in cards] == ["critical"], cards
        assert "CYP2D6 Poor Metabolizer" in cards[0]["summary"]
        # terbinafine on the EHR's list: as a cream (dosage route SNOMED 6064005) it does not phenoconvert
        # CYP2D6; as tablets (26643006) it does
        for route, expected in (("6064005", []), ("26643006", ["critical"])):
            listed = medication_request("t1", "demo-02-mensah", "terbinafine", "37801", status="active")
            listed["dosageInstruction"] = [{"route": {"coding": [{"system": "http://snomed.info/sct", "code": route}]}}]
            prefetch = {"medications": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": listed}]}}
            body = hook_request("order-select", "demo-02-mensah", [order], prefetch=prefetch)
            cards = fresh.client.post(SELECT, json=body).json()["cards"]
            assert [c["indicator"] for c in cards] == expected, (route, cards)
    finally:
        fresh.client.close()
        fresh.platform.close()


def test_cards_link_to_the_smart_app_when_a_launch_url_is_configured(tmp_path: Path) -> None:
    launch = "https://tailormed.example.org/smart/launch"
    fresh = seed_service("sqlite", tmp_path, base_url="https://tailormed.example.org/", smart_launch_url=launch)
    try:
        order = medication_request("clopidogrel-1", "demo-01-hale", "clopidogrel", "32968")
        cards = fresh.client.post(SELECT, json=hook_request("order-select", "demo-01-hale", [order])).json()["cards"]
        cards += fresh.client.post(VIEW, json=hook_request("patient-view", "demo-01-hale", [])).json()["cards"]
        assert len(cards) == 2
        for card in cards:
            assert [(link["type"], link["url"]) for link in card["links"]] == [
                ("absolute", "https://tailormed.example.org/app/patients/demo-01-hale"),
                ("smart", launch),
            ]
            Card.model_validate(card)
    finally:
        fresh.client.close()
        fresh.platform.close()


def test_order_sign_checks_every_draft_and_order_select_only_the_selection(service: Service) -> None:
    clopidogrel = medication_request("o1", "demo-01-hale", "clopidogrel", "32968")
    other = medication_request("o2", "demo-01-hale", "flibbertigibbet 10 mg", "999999999")
    selected = service.client.post(
        SELECT,
        json=hook_request("order-select", "demo-01-hale", [clopidogrel, other], selections=["MedicationRequest/o2"]),
    )
    # a drug the medicine vocabulary does not know: said so, not silently passed
    assert [(c["indicator"], "flibbertigibbet" in c["summary"]) for c in selected.json()["cards"]] == [("info", True)]
    signed = service.client.post(SIGN, json=hook_request("order-sign", "demo-01-hale", [clopidogrel, other]))
    assert [c["indicator"] for c in signed.json()["cards"]] == ["critical", "info"]


def order_of(order_id: str, concept: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": order_id,
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/demo-01-hale"},
        "medicationCodeableConcept": concept,
    }


@pytest.mark.parametrize(
    "concept",
    [
        {"text": "Plavix 75 mg tablet"},  # a brand and a product string, no code
        {"coding": [{"system": RXNORM, "code": "309362"}]},  # an RxNorm product code only
        {"coding": [{"system": RXNORM, "code": "32968"}]},  # an RxNorm ingredient code only
        {"text": "Clopidogrel Bisulfate 75 MG Oral Tablet [Plavix]"},
    ],
    ids=["brand-product-string", "rxnorm-product-only", "rxnorm-ingredient-only", "branded-product"],
)
def test_orders_are_recognised_by_the_medicine_vocabulary(service: Service, concept: dict[str, Any]) -> None:
    response = service.client.post(SELECT, json=hook_request("order-select", "demo-01-hale", [order_of("p1", concept)]))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert [c["indicator"] for c in cards] == ["critical"]
    assert cards[0]["summary"].startswith("Clopidogrel: CYP2C19 Poor Metabolizer")
    assert cards[0]["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/p1"
    assert Card.model_validate(cards[0]).indicator == "critical"


def test_an_unknown_medication_is_reported_as_not_checked(service: Service) -> None:
    order = order_of("u1", {"text": "Flibbertigibbet 10 mg tablet"})
    cards = service.client.post(SELECT, json=hook_request("order-select", "demo-01-hale", [order])).json()["cards"]
    assert len(cards) == 1
    card = Card.model_validate(cards[0])
    assert card.indicator == "info" and not card.suggestions
    assert card.summary.startswith("Not checked for pharmacogenomics: Flibbertigibbet 10 mg tablet")
    assert card.detail is not None and "no genotype-guided check was made" in card.detail


def test_an_order_naming_a_contained_medication_is_checked(service: Service) -> None:
    order = {
        "resourceType": "MedicationRequest",
        "id": "c1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/demo-01-hale"},
        "contained": [
            {"resourceType": "Medication", "id": "med", "code": {"coding": [{"system": RXNORM, "code": "309362"}]}}
        ],
        "medicationReference": {"reference": "#med"},
    }
    cards = service.client.post(SELECT, json=hook_request("order-select", "demo-01-hale", [order])).json()["cards"]
    assert [c["indicator"] for c in cards] == ["critical"]
    assert cards[0]["summary"].startswith("Clopidogrel: CYP2C19 Poor Metabolizer")


def test_an_ambiguous_order_is_reported_ambiguous_with_its_candidates(service: Service) -> None:
    order = order_of("a1", {"text": "Soma 350 mg"})
    cards = service.client.post(SELECT, json=hook_request("order-select", "demo-01-hale", [order])).json()["cards"]
    assert [Card.model_validate(c).indicator for c in cards] == ["info"]
    assert cards[0]["summary"] == (
        "Not checked for pharmacogenomics: ambiguous name Soma 350 mg (carisoprodol or an ordinary word)"
    )


def test_unknown_patients_get_no_card_and_the_call_is_audited(service: Service) -> None:
    before = service.audit_count()
    order = medication_request("x", "no-such-patient", "clopidogrel", "32968")
    response = service.client.post(SELECT, json=hook_request("order-select", "no-such-patient", [order]))
    assert response.status_code == 200 and response.json() == {"cards": []}
    assert service.audit_count() > before


def test_a_call_is_answered_only_once_its_audit_event_is_committed(service: Service) -> None:
    """With the service's group-commit writer running: the call's audit event is in the trail when the answer
    arrives, and while the trail cannot be written (its table gone) the call gets a 503 problem and no card."""
    order = medication_request("clopidogrel-audited", "demo-01-hale", "clopidogrel", "32968")

    def call() -> Any:
        return service.client.post(SELECT, json=hook_request("order-select", "demo-01-hale", [order]))

    def rename(table: str, to: str) -> None:
        with service.platform.db.transaction() as session:
            session.execute(text(f"ALTER TABLE {table} RENAME TO {to}"))

    service.platform.start_audit_writer()
    try:
        before = service.audit_count()
        answered = call()
        assert answered.status_code == 200 and [c["indicator"] for c in answered.json()["cards"]] == ["critical"]
        assert service.audit_count() == before + 1
        rename("audit_events", "audit_events_away")
        try:
            refused = call()
        finally:
            rename("audit_events_away", "audit_events")
        assert refused.status_code == 503
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "cards" not in refused.json()
        assert [c["indicator"] for c in call().json()["cards"]] == ["critical"]
        assert service.audit_count() == before + 2
    finally:
        service.platform.stop_audit_writer()


def test_patient_view_summarises_actionable_findings(service: Service) -> None:
    response = service.client.post(VIEW, json=hook_request("patient-view", "demo-01-hale", []))
    cards = response.json()["cards"]
    assert len(cards) == 1 and cards[0]["indicator"] == "warning"
    assert "drug–gene result" in cards[0]["summary"]
    assert "clopidogrel" in cards[0]["detail"]


def test_prefetched_patient_identifier_maps_to_our_patient(service: Service) -> None:
    prefetch = {
        "patient": {
            "resourceType": "Patient",
            "id": "ehr-123",
            "identifier": [{"system": "urn:tailormed:patient", "value": "demo-01-hale"}],
        }
    }
    order = medication_request("c", "ehr-123", "clopidogrel", "32968")
    cards = service.client.post(
        SELECT, json=hook_request("order-select", "ehr-123", [order], prefetch=prefetch)
    ).json()["cards"]
    assert len(cards) == 1


def test_feedback_is_recorded(service: Service) -> None:
    body = {
        "feedback": [
            {
                "card": str(uuid.uuid4()),
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {
                        "code": "tolerated-before",
                        "system": "urn:tailormed:cds-override-reason",
                        "display": "Patient has taken this drug before",
                    },
                    "userComment": "on it for 3 years",
                },
                "outcomeTimestamp": "2026-01-01T10:00:00Z",
            }
        ]
    }
    response = service.client.post(f"{SELECT}/feedback", json=body)
    assert response.status_code == 200
    from sqlalchemy import select

    from tailormed.store.models import CdsFeedback

    with service.platform.db.read() as session:
        rows = session.scalars(select(CdsFeedback).where(CdsFeedback.card == body["feedback"][0]["card"])).all()
    assert len(rows) == 1 and rows[0].outcome == "overridden"


# -- authentication of CDS clients ------------------------------------------------------------------------------


ISSUER = "https://ehr.example.org/"


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A service outside demo mode that trusts one issuer (an ES384 key pair made here)."""
    key = ec.generate_private_key(ec.SECP384R1())
    public = jwt.PyJWK.from_dict(dict(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)))
    jwk = {**public._jwk_data, "kid": "ehr-key-1", "alg": "ES384", "use": "sig"}
    from tailormed.service.settings import CdsIssuer

    seeded = seed_service(
        "sqlite",
        tmp_path_factory.mktemp("cds-signed"),
        demo=False,
        cds_issuers=(CdsIssuer(issuer=ISSUER, jwks={"keys": [jwk]}),),
    )
    yield seeded, key
    seeded.client.close()
    seeded.platform.close()


def _token(key: Any, audience: str, **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": audience, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4()), **changes}
    headers = {"kid": changes.pop("kid", "ehr-key-1"), "typ": "JWT"}
    claims.pop("kid", None)
    return jwt.encode(claims, key, algorithm="ES384", headers=headers)


def test_signed_cds_clients_are_verified_as_the_specification_says(signed: Any) -> None:
    service, key = signed
    audience = "http://127.0.0.1:8000" + SELECT
    order = medication_request("c", "demo-01-hale", "clopidogrel", "32968")
    body = hook_request("order-select", "demo-01-hale", [order])

    def call(token: str | None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return service.client.post(SELECT, json=body, headers=headers)

    good = _token(key, audience)
    assert call(good).status_code == 200 and len(call(_token(key, audience)).json()["cards"]) == 1
    assert call(good).status_code == 401  # jti replayed
    assert call(None).status_code == 401  # unsigned calls only in demo mode
    assert call(_token(key, "http://127.0.0.1:8000/cds-services/other")).status_code == 401  # wrong aud
    assert call(_token(key, audience, iss="https://evil.example/")).status_code == 401
    assert call(_token(key, audience, exp=int(time.time()) - 120)).status_code == 401
    assert call(_token(key, audience, kid="unknown")).status_code == 401
    other_key = ec.generate_private_key(ec.SECP384R1())
    assert call(_token(other_key, audience)).status_code == 401  # not signed by the registered key
    hmac_token = jwt.encode(
        {"iss": ISSUER, "aud": audience, "exp": int(time.time()) + 60, "iat": int(time.time()), "jti": "x"},
        "shared-secret-of-32-bytes-or-more!!",
        algorithm="HS256",
        headers={"kid": "ehr-key-1"},
    )
    assert call(hmac_token).status_code == 401  # symmetric algorithms are refused


def test_a_jwt_replayed_to_another_server_process_is_refused(signed: Any) -> None:
    """Worker processes (or one restarted) share only the database: a JWT's jti is claimed there with the call's
    audit event, so a replay to a process that never saw it is refused too, and the attempt is audited."""
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from tailormed.service.app import create_app
    from tailormed.service.core import Platform
    from tailormed.store.models import AuditEvent, CdsFeedback

    service, key = signed
    audience = "http://127.0.0.1:8000" + SELECT
    order = medication_request("c", "demo-01-hale", "clopidogrel", "32968")
    body = hook_request("order-select", "demo-01-hale", [order])
    first = service.client
    settings = first.app.state.tailormed.settings
    platform = Platform.open(settings.store, master=service.platform.keyring.master)
    other = TestClient(create_app(settings, platform), client=("127.0.0.1", 50001))
    platform.start_audit_writer()  # the other process commits through its group-commit writer
    try:
        for answering, replayed in ((first, other), (other, first)):
            token = {"Authorization": f"Bearer {_token(key, audience)}"}
            answered = answering.post(SELECT, json=body, headers=token)
            assert answered.status_code == 200 and len(answered.json()["cards"]) == 1
            refused = replayed.post(SELECT, json=body, headers=token)
            assert refused.status_code == 401, refused.text
            assert "already used" in refused.json()["detail"] and "cards" not in refused.json()
        item = {"card": str(uuid.uuid4()), "outcome": "accepted", "outcomeTimestamp": "2026-01-01T10:00:00Z"}
        feedback = {"feedback": [item]}
        token = {"Authorization": f"Bearer {_token(key, audience + '/feedback')}"}
        assert first.post(f"{SELECT}/feedback", json=feedback, headers=token).status_code == 200
        refused = other.post(f"{SELECT}/feedback", json=feedback, headers=token)
        assert refused.status_code == 401 and "already used" in refused.json()["detail"]
        with service.platform.db.read() as session:
            denials = session.scalars(select(AuditEvent).where(AuditEvent.detail.contains("was already used"))).all()
            recorded = session.scalars(select(CdsFeedback).where(CdsFeedback.card == feedback["feedback"][0]["card"]))
            assert len(recorded.all()) == 1
        assert len(denials) == 3 and {e.outcome for e in denials} == {"denied"}
        with service.platform.db.read() as session:
            assert service.platform.audit.verify(session).ok
    finally:
        platform.stop_audit_writer()
        other.close()
        platform.close()


def test_without_prefetch_the_configured_fhir_server_is_asked(tmp_path: Path) -> None:
    """A real FHIR-like server on loopback answers the MedicationRequest search the prefetch template names."""
    import json as jsonlib
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    seen: list[str] = []
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": medication_request("f", "demo-01-hale-ehr", "fluoxetine", "4493", status="active")}],
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(f"{self.path} {self.headers.get('Authorization')}")
            data = jsonlib.dumps(bundle).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/fhir"
    fresh = seed_service("sqlite", tmp_path, fhir_server=base)
    try:
        order = medication_request("codeine-1", "demo-02-mensah", "codeine", "2670")
        with fresh.platform.db.transaction() as session:  # take fluoxetine off the stored list
            entry = fresh.platform.repo.load_patient(session, "demo-02-mensah")
            assert entry is not None
            meds = [m for m in entry.patient.medications if not m.name.lower().startswith("fluoxetine")]
            fresh.platform.repo.update_patient(session, entry.patient.model_copy(update={"medications": meds}))
        request = hook_request("order-select", "demo-02-mensah", [order])
        assert fresh.client.post(SELECT, json=request).json()["cards"] == []  # no server named: stored list only
        request |= {
            "fhirServer": base,
            "fhirAuthorization": {
                "access_token": "ehr-token",
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "patient/*.read",
                "subject": "tailormed",
            },
        }
        cards = fresh.client.post(SELECT, json=request).json()["cards"]
        assert len(cards) == 1 and "(fluoxetine)" in cards[0]["summary"]
        assert seen and "/fhir/MedicationRequest?patient=demo-02-mensah&status=active" in seen[-1]
        assert seen[-1].endswith("Bearer ehr-token")
    finally:
        server.shutdown()
        fresh.client.close()
        fresh.platform.close()


def test_a_consent_withdrawal_stops_the_cards_on_the_next_call(service: Service) -> None:
    """The per-call version read sees the new consent decision at once (the cached plan is not used past it)."""
    order = medication_request("clopidogrel-9", "demo-01-hale", "clopidogrel", "32968")

    def cards() -> list[dict[str, Any]]:
        answer = service.client.post(SELECT, json=hook_request("order-select", "demo-01-hale", [order]))
        assert answer.status_code == 200
        found: list[dict[str, Any]] = answer.json()["cards"]
        return found

    def decide(decision: str) -> None:
        with service.platform.db.transaction() as session:
            service.platform.repo.add_consent(session, "demo-01-hale", "clinical", decision, [], None)

    assert [c["indicator"] for c in cards()] == ["critical"]
    decide("deny")
    try:
        assert cards() == []
    finally:
        decide("permit")
    assert [c["indicator"] for c in cards()] == ["critical"]


def test_a_withdrawal_committed_by_another_worker_stops_the_cards_here(service: Service) -> None:
    """Worker processes share nothing but the database: a decision another process commits (here: other engines and
    connections on the same database) is seen by this process's next call, although it holds the plan in memory."""
    order = medication_request("clopidogrel-10", "demo-01-hale", "clopidogrel", "32968")
    elsewhere = Database(service.platform.db.url)

    def cards() -> list[dict[str, Any]]:
        answer = service.client.post(SELECT, json=hook_request("order-select", "demo-01-hale", [order]))
        assert answer.status_code == 200
        found: list[dict[str, Any]] = answer.json()["cards"]
        return found

    def decide(decision: str) -> None:
        with elsewhere.transaction() as session:
            service.platform.repo.add_consent(session, "demo-01-hale", "clinical", decision, [], None)

    try:
        assert [c["indicator"] for c in cards()] == ["critical"]
        decide("deny")
        try:
            assert cards() == []
        finally:
            decide("permit")
        assert [c["indicator"] for c in cards()] == ["critical"]
    finally:
        elsewhere.dispose()


def test_bad_hook_calls_get_the_routes_problem_details(service: Service) -> None:
    order = medication_request("clopidogrel-1", "demo-01-hale", "clopidogrel", "32968")
    cases = [
        (SELECT, {"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 422),
        (SELECT, {"json": {"hook": "order-select", "context": {}}}, 422),  # no hookInstance
        (SELECT, {"json": hook_request("order-sign", "demo-01-hale", [order])}, 400),  # the other hook
        (SELECT, {"json": hook_request("order-select", "", [order])}, 400),  # no patient
        ("/cds-services/no-such-service", {"json": hook_request("order-select", "demo-01-hale", [order])}, 404),
    ]
    for path, request, status in cases:
        answer = service.client.post(path, **request)  # type: ignore[arg-type]
        assert answer.status_code == status, (path, request, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == status and answer.json()["instance"] == path


def test_the_public_url_and_the_smart_launch_url_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tailormed.service.cds import card_links
    from tailormed.service.settings import ServiceSettings
    from tailormed.store.config import StoreConfig

    store = StoreConfig.in_folder(tmp_path)
    assert ServiceSettings.from_env(store=store).base_url == "http://127.0.0.1:8000"
    assert ServiceSettings.from_env(store=store).smart_launch_url is None
    monkeypatch.setenv("TAILORMED_BASE_URL", "https://pgx.hospital.example/tailormed")
    monkeypatch.setenv("TAILORMED_SMART_LAUNCH_URL", "https://pgx.hospital.example/tailormed/smart/launch")
    settings = ServiceSettings.from_env(store=store)
    assert [(link.type, link.url) for link in card_links(settings, "id with/slash")] == [
        ("absolute", "https://pgx.hospital.example/tailormed/app/patients/id%20with%2Fslash"),
        ("smart", "https://pgx.hospital.example/tailormed/smart/launch"),
    ]
