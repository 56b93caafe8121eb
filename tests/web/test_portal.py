"""The patient portal over HTTP: priorities re-rank at once, consent changes take effect, the access log in words,
downloads of the patient's own data."""

from __future__ import annotations

import html
import json

from .conftest import Server

PATIENT = "demo-02-mensah"


def test_priorities_rerank_the_decisions_at_once_and_are_saved(server: Server) -> None:
    client, csrf = server.sign_in(PATIENT)
    page = client.get("/app/me/priorities")
    assert page.status_code == 200 and "Score =" in page.text
    url = "/app/api/me/priorities"
    headers = {"X-CSRF-Token": csrf}
    cost = client.post(url, json={"weights": {"efficacy": 0, "side_effects": 0, "cost": 5, "convenience": 0}},
                       headers=headers)  # fmt: skip
    benefit = client.post(url, json={"weights": {"efficacy": 5, "side_effects": 0, "cost": 0, "convenience": 0}},
                          headers=headers)  # fmt: skip
    assert cost.status_code == 200 and benefit.status_code == 200, cost.text
    assert cost.json()["ranking"] != benefit.json()["ranking"]
    with server.platform.db.read() as db:
        entry = server.platform.repo.load_patient(db, PATIENT)
    assert entry is not None and entry.patient.preferences.weights.efficacy == 5
    assert client.post(url, json={"weights": {"efficacy": 1}}).status_code == 403
    zero = client.post(url, json={"weights": {"efficacy": 0, "side_effects": 0, "cost": 0, "convenience": 0}},
                       headers=headers)  # fmt: skip
    assert zero.status_code == 422
    reset = client.post(url, json={"weights": {"efficacy": 1, "side_effects": 1, "cost": 1, "convenience": 1}},
                        headers=headers)  # fmt: skip
    assert reset.status_code == 200
    form = client.post("/app/me/priorities", data={"efficacy": 1, "side_effects": 1, "cost": 1, "convenience": 1})
    assert form.status_code == 403


def test_consent_changes_take_effect_at_once(server: Server) -> None:
    client, csrf = server.sign_in("demo-04-park")
    assert client.post("/app/me/consent", data={"category": "research", "decision": "deny"}).status_code == 403
    out = client.post("/app/me/consent", data={"category": "research", "decision": "deny", "csrf": csrf})
    assert out.status_code == 303
    with server.platform.db.read() as db:
        assert server.platform.consent_state(db, "demo-04-park").research is False
    back = client.post(
        "/app/me/consent",
        data={"category": "research", "decision": "permit", "duo": "DUO:0000042", "csrf": csrf},
    )
    assert back.status_code == 303
    with server.platform.db.read() as db:
        state = server.platform.consent_state(db, "demo-04-park")
    assert state.research is True and "DUO:0000042" in state.duo_codes


def test_who_saw_my_data_names_the_clinicians_visit_in_words(server: Server) -> None:
    clinician, _ = server.sign_in("clinician")
    assert clinician.get(f"/app/patients/{PATIENT}").status_code == 200
    client, _ = server.sign_in(PATIENT)
    page = client.get("/app/me/access")
    assert page.status_code == 200
    assert "clinician (clinician)" in page.text and "looked at your care plan" in page.text and "your care" in page.text


def test_downloads_of_my_data(server: Server) -> None:
    client, _ = server.sign_in(PATIENT)
    plan = client.get("/app/me/download/careplan.json")
    assert plan.status_code == 200 and json.loads(plan.text)["patient_id"] == PATIENT
    fhir = client.get("/app/me/download/fhir_genomics.json")
    assert fhir.status_code == 200 and json.loads(fhir.text)["resourceType"] == "Bundle"
    pdf = client.get("/app/me/download/report_patient.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/app/me/download/report_clinician.pdf").status_code == 404


def test_priorities_never_put_an_unsafe_option_first_and_the_page_says_so(server: Server) -> None:
    """demo-01-hale is a CYP2C19 poor metabolizer after a stent: weighing only cost would put clopidogrel (the
    cheapest) first, so it comes after the safe options and the page says why."""
    client, csrf = server.sign_in("demo-01-hale")
    url = "/app/api/me/priorities"
    headers = {"X-CSRF-Token": csrf}
    cost = client.post(url, json={"weights": {"efficacy": 0, "side_effects": 0, "cost": 5, "convenience": 0}},
                       headers=headers)  # fmt: skip
    assert cost.status_code == 200, cost.text
    assert cost.json()["ranking"]["decision:antiplatelet-after-pci"][-1] == "clopidogrel"
    text = " ".join(html.unescape(cost.json()["html"]).split())
    assert "Safety first:" in text and "would rank 'Clopidogrel 75 mg once a day' first, but it is not advised" in text
    page = " ".join(html.unescape(client.get("/app/me/priorities").text).split())
    assert "Safety first:" in page and "preferences never override a safety reason" in page
    client.post(url, json={"weights": {"efficacy": 3, "side_effects": 2, "cost": 2, "convenience": 1}},
                headers=headers)  # fmt: skip
