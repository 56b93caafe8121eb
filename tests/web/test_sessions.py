"""Sign-in, sessions, CSRF and access on the web pages, over HTTP against the real server."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from tailormed.web.sessions import COOKIE, SessionStore

from .conftest import Server, csrf_of

CLINICIAN = "clinician"
PATIENT = "demo-01-hale"
OTHER_PATIENT = "demo-02-mensah"


def test_sign_in_sets_an_http_only_same_site_session_cookie(server: Server) -> None:
    client = server.client()
    form = client.get("/app/sign-in")
    done = client.post(
        "/app/sign-in", data={"username": CLINICIAN, "password": "clinician-demo", "csrf": csrf_of(form.text)}
    )
    assert done.status_code == 303 and done.headers["location"] == "/app/patients"
    cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Content-Security-Policy" in done.headers or client.get("/app/patients").headers["content-security-policy"]


def test_a_wrong_password_is_refused_and_audited(server: Server) -> None:
    client = server.client()
    form = client.get("/app/sign-in")
    refused = client.post("/app/sign-in", data={"username": CLINICIAN, "password": "nope", "csrf": csrf_of(form.text)})
    assert refused.status_code == 401
    assert "wrong user name or password" in refused.text
    assert COOKIE not in refused.cookies
    rows = server.audit_rows(actor=CLINICIAN, resource="session", outcome="denied")
    assert rows and "wrong user name or password" in (rows[-1].detail or "")


def test_every_form_rejects_a_missing_csrf_token(server: Server) -> None:
    client = server.client()
    client.get("/app/sign-in")
    no_token = client.post("/app/sign-in", data={"username": CLINICIAN, "password": "clinician-demo"})
    assert no_token.status_code == 403 and COOKIE not in no_token.cookies
    signed, _ = server.sign_in(CLINICIAN)
    out = signed.post("/app/sign-out", data={})
    assert out.status_code == 403
    assert signed.get("/app/patients").status_code == 200  # still signed in
    wrong = signed.post("/app/sign-out", data={"csrf": "not-the-token"})
    assert wrong.status_code == 403


def test_sign_out_ends_the_session_at_once(server: Server) -> None:
    client, csrf = server.sign_in(CLINICIAN)
    session_id = client.cookies[COOKIE]
    out = client.post("/app/sign-out", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"].startswith("/app/sign-in")
    replay = server.client()
    replay.cookies.set(COOKIE, session_id)
    again = replay.get("/app/patients")
    assert again.status_code == 303 and again.headers["location"].startswith("/app/sign-in")
    assert server.audit_rows(actor=CLINICIAN, detail="sign-out")


def test_an_idle_session_ends(server: Server) -> None:
    from sqlalchemy import select

    from tailormed.store.models import User, WebSessionRow

    store = SessionStore(server.platform.db, b"k" * 32, idle=0.4)
    with server.platform.db.read() as db:
        user = db.scalars(select(User).where(User.username == CLINICIAN)).one()
    session = store.open(user_id=user.id, username=user.username, role=user.role)
    assert store.get(session.id) == session
    time.sleep(0.25)
    assert store.get(session.id) == session  # activity restarts the idle clock
    time.sleep(0.25)
    assert store.get(session.id) == session
    time.sleep(0.5)
    assert store.get(session.id) is None
    assert store.get(session.id) is None
    with server.platform.db.read() as db:  # and it is gone from the store
        assert db.get(WebSessionRow, hashlib.sha256(session.id.encode()).hexdigest()) is None


def test_the_store_keeps_no_session_id_or_csrf_token(server: Server) -> None:
    """A reader of the sessions table cannot take over a browser: it holds the id's hash, no token."""
    from sqlalchemy import text

    client, csrf = server.sign_in(CLINICIAN)
    session_id = client.cookies[COOKIE]
    with server.platform.db.read() as db:
        rows = [" ".join(map(str, row)) for row in db.execute(text("SELECT * FROM web_sessions")).all()]
    assert rows and not any(session_id in row or csrf in row for row in rows)
    assert any(hashlib.sha256(session_id.encode()).hexdigest() in row for row in rows)


def test_a_patient_opening_another_patients_page_gets_404_and_it_is_audited(server: Server) -> None:
    client, _ = server.sign_in(PATIENT)
    own = client.get("/app/me")
    assert own.status_code == 200 and "Robert Hale" in own.text
    other = client.get(f"/app/patients/{OTHER_PATIENT}")
    assert other.status_code == 404
    assert "Grace Mensah" not in other.text
    denied = server.audit_rows(actor=PATIENT, patient_id=OTHER_PATIENT, outcome="denied")
    assert denied and denied[-1].resource == "care_plan"


def test_the_patient_list_shows_the_care_teams_patients_with_flags_search_and_sort(server: Server) -> None:
    client, _ = server.sign_in(CLINICIAN)
    listing = client.get("/app/patients")
    assert listing.status_code == 200
    for name in ("Robert Hale", "Grace Mensah", "Daniel Park"):
        assert name in listing.text
    assert "actionable PGx" in listing.text
    found = client.get("/app/patients", params={"q": "mensah"})
    assert "Grace Mensah" in found.text and "Robert Hale" not in found.text
    by_id = client.get("/app/patients", params={"sort": "id"}).text
    assert by_id.index("demo-01-hale") < by_id.index("demo-04-park")
    by_name = client.get("/app/patients", params={"sort": "name"}).text
    assert by_name.index("Daniel Park") < by_name.index("Robert Hale")


def test_the_plan_page_starts_with_what_to_act_on(server: Server) -> None:
    client, _ = server.sign_in(CLINICIAN)
    plan = client.get(f"/app/patients/{PATIENT}")
    assert plan.status_code == 200
    assert "Act on now" in plan.text
    reads = server.audit_rows(actor=CLINICIAN, patient_id=PATIENT, resource="care_plan", detail="plan page")
    assert reads and reads[-1].outcome == "success"


def test_pages_need_a_session(server: Server) -> None:
    client = server.client()
    answer = client.get(f"/app/patients/{PATIENT}")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/app/sign-in")
    assert "next=/app/patients/demo-01-hale" in answer.headers["location"]


def test_every_post_route_of_the_web_app_rejects_a_missing_or_wrong_csrf_token(server: Server) -> None:
    """Every POST the web pages make (forms, uploads and the pages' JSON calls), found from the routers themselves
    so that a new form cannot be added without the check: otherwise valid requests without the token, or with
    another session's, are refused with 403 and change nothing."""
    from fastapi.routing import APIRoute

    from tailormed.web import clinician, intake, portal, signin

    # the fields a route needs before its handler runs (without them the answer would be 422, not the CSRF check)
    bundle = ("csrf-check.json", b'{"resourceType": "Bundle"}', "application/json")
    needs: dict[str, dict[str, Any]] = {
        "/app/patients-new": {"files": {"record": bundle}},
        "/app/patients/{patient_id}/consent": {"data": {"decision": "deny"}},
        "/app/me/consent": {"data": {"category": "research", "decision": "deny"}},
        "/app/api/patients/{patient_id}/whatif": {"json": {"risk": "pce", "values": {"bp_sys_mmhg": 120}}},
        "/app/api/me/priorities": {"json": {"weights": {"efficacy": 5}}},
        "/app/api/patients/{patient_id}/genomes": {"content": b"##fileformat=VCFv4.2\n"},
        "/app/patients/{patient_id}/medication-check": {"data": {"drug": "clopidogrel"}},
        "/app/me/priorities": {"data": {"efficacy": 5}},
    }
    posts = sorted(
        route.path
        for module in (signin, intake, clinician, portal)
        for route in module.router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    )
    assert len(posts) >= 11, posts
    _, other_token = server.sign_in(CLINICIAN)
    with server.platform.db.read() as db:
        before = server.platform.consent_state(db, PATIENT)
    for path in posts:
        if path == "/app/sign-in":
            continue  # before any session: checked by test_every_form_rejects_a_missing_csrf_token
        user = PATIENT if path.startswith(("/app/me", "/app/api/me")) else CLINICIAN
        url = path.replace("{patient_id}", PATIENT)
        for token in (None, other_token):
            client, own = server.sign_in(user)
            request = {k: dict(v) if isinstance(v, dict) else v for k, v in needs.get(path, {}).items()}
            if token is not None:
                if "data" in request or "files" in request:
                    request.setdefault("data", {})["csrf"] = token
                else:
                    request["headers"] = {"X-CSRF-Token": token}
            assert token != own
            answer = client.post(url, **request)
            assert answer.status_code == 403, (path, token, answer.status_code, answer.text[:300])
            assert client.get("/app/account").status_code == 200, path  # the refusal did not end the session
    with server.platform.db.read() as db:
        assert server.platform.consent_state(db, PATIENT) == before
