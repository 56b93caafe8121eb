"""``tailormed serve --workers N``: processes with a listening socket each share the connections and serve everything
one process serves (web app, API, CDS Hooks) from the same store, the analysis jobs are run by one of them, they stop
together on SIGTERM, and a process that dies takes the command down (so a supervisor restarts it whole)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="SO_REUSEPORT is Linux's")

CONNECTIONS = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _sockets(pid: int) -> set[str]:
    found = set()
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(entry.readlink())
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _running(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and _state(pid) != "Z"


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    home: Path

    @property
    def workers(self) -> list[int]:
        return _children(self.process.pid)


def _serve(home: Path, *options: str, env: dict[str, str] | None = None) -> Served:
    port = _free_port()
    command = [sys.executable, "-m", "tailormed", "serve", "--workers", "2", "--port", str(port), *options]
    environment = {**os.environ, "TAILORMED_HOME": str(home), **(env or {})}
    for unset in ("TAILORMED_MASTER_KEY", "TAILORMED_BASE_URL") if env is None else ("TAILORMED_MASTER_KEY",):
        environment.pop(unset, None)
    if env is None:
        environment.pop("TAILORMED_DATABASE_URL", None)
    with (home / "serve.log").open("wb") as log:
        process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while True:
        try:
            if httpx.get(f"{url}/cds-services", timeout=2).status_code == 200 and len(_children(process.pid)) == 2:
                return Served(process, url, home)
        except (httpx.HTTPError, OSError):
            pass
        assert process.poll() is None and time.time() < deadline, "the server did not start"
        time.sleep(0.3)


@contextlib.contextmanager
def _stopped_at_end(served: Served) -> Iterator[Served]:
    workers = served.workers
    try:
        yield served
    finally:
        if served.process.poll() is None:
            served.process.send_signal(signal.SIGTERM)
            served.process.wait(60)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Served]:
    with _stopped_at_end(_serve(tmp_path)) as served:
        yield served


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Served]:
    """Two processes on a new, empty store (no demo to seed: quick to start)."""
    env = {
        "TAILORMED_DATABASE_URL": f"sqlite:///{tmp_path / 'tailormed.db'}",
        "TAILORMED_KEY_FILE": str(tmp_path / "k"),
    }
    with _stopped_at_end(_serve(tmp_path, "--no-demo", env=env)) as served:
        yield served


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _held(served: Served, idle: dict[int, int]) -> dict[int, int]:
    """How many more connections each process holds than it did idle."""
    return {pid: len(_sockets(pid)) - idle[pid] for pid in served.workers}


def _cds_call() -> dict[str, Any]:
    order = {
        "resourceType": "MedicationRequest",
        "id": "o-1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/demo-01-hale"},
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "32968"}],
            "text": "clopidogrel",
        },
    }
    return {
        "hook": "order-select",
        "hookInstance": "6f3c0e0a-5b1e-4d59-9c3a-5d7f3b1f4a10",
        "context": {
            "userId": "Practitioner/p-1",
            "patientId": "demo-01-hale",
            "selections": ["MedicationRequest/o-1"],
            "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]},
        },
    }


def test_every_process_serves_the_web_app_api_and_cds_hooks_from_one_store(demo: Served) -> None:
    """A browser signs in once (on whichever process takes that connection) and its session is known to both; API
    tokens and CDS calls are answered by both; analyses queued through either are all run by one process."""
    workers = demo.workers
    idle = {pid: len(_sockets(pid)) for pid in workers}
    one = lambda: httpx.Client(base_url=demo.url, follow_redirects=False, timeout=60)  # noqa: E731
    browser = one()
    form = browser.get("/app/sign-in")
    signed = browser.post(
        "/app/sign-in", data={"username": "clinician", "password": "clinician-demo", "csrf": _csrf(form.text)}
    )
    assert signed.status_code == 303
    cookies = browser.cookies
    token = one().post(
        "/api/auth/token", data={"grant_type": "password", "username": "clinician", "password": "clinician-demo"}
    )
    assert token.status_code == 200
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}

    pages = [httpx.Client(base_url=demo.url, cookies=cookies, timeout=60) for _ in range(CONNECTIONS)]
    api = [one() for _ in range(CONNECTIONS)]
    hooks = [one() for _ in range(CONNECTIONS)]
    try:
        for page in pages:
            answer = page.get("/app/patients")
            assert answer.status_code == 200 and "Robert Hale" in answer.text
        held = _held(demo, idle)
        assert min(held.values()) >= 5, held  # each process answered at least 5 (fewer: a 1-in-10^7 event)
        for client in api:
            answer = client.get("/api/patients", headers=bearer)
            assert answer.status_code == 200 and any(p["id"] == "demo-02-mensah" for p in answer.json())
        assert min(_held(demo, idle).values()) >= 10
        for client in hooks:
            answer = client.post("/cds-services/tailormed-pgx-order-select", json=_cds_call())
            assert answer.status_code == 200 and answer.json()["cards"][0]["indicator"] == "critical"
        assert min(_held(demo, idle).values()) >= 15
        signed_out = pages[0].post("/app/sign-out", data={"csrf": _csrf(pages[0].get("/app/account").text)})
        assert signed_out.status_code == 303
        assert {page.get("/app/patients").status_code for page in pages[1:]} == {303}  # ended in every process
        queued = [
            one().post(f"/api/patients/{patient}/analyses", headers=bearer)
            for patient in ("demo-01-hale", "demo-02-mensah", "demo-03-rodriguez", "demo-04-park")
        ]
        assert {answer.status_code for answer in queued} == {202}
        deadline = time.time() + 180
        states: set[str] = set()
        while time.time() < deadline:
            states = {one().get(f"/api/analyses/{a.json()['id']}", headers=bearer).json()["status"] for a in queued}
            if states <= {"succeeded", "failed"}:
                break
            time.sleep(0.5)
        assert states == {"succeeded"}
    finally:
        for client in (*pages, *api, *hooks):
            client.close()
    ran_by = _job_workers(demo.home / "demo", [a.json()["id"] for a in queued])
    assert len(ran_by) == 1 and int(next(iter(ran_by)).split(":")[1]) == workers[0], (ran_by, workers)
    verified = subprocess.run(
        [sys.executable, "-m", "tailormed", "audit", "verify"], env=_store_env(demo), capture_output=True, text=True
    )
    assert verified.returncode == 0 and "audit chain intact" in verified.stdout, verified.stdout + verified.stderr
    demo.process.send_signal(signal.SIGTERM)
    assert demo.process.wait(60) == 0
    assert not any(_running(pid) for pid in workers)


def _store_env(served: Served) -> dict[str, str]:
    folder = served.home / "demo"
    return {
        **os.environ,
        "TAILORMED_DATABASE_URL": f"sqlite:///{folder / 'tailormed.db'}",
        "TAILORMED_KEY_FILE": str(folder / "master.key"),
    }


def _job_workers(folder: Path, job_ids: list[str]) -> set[str]:
    from sqlalchemy import select

    from tailormed.service.core import Platform
    from tailormed.store.config import StoreConfig
    from tailormed.store.models import Analysis

    platform = Platform.open(StoreConfig.in_folder(folder))
    try:
        with platform.db.read() as session:
            return {str(w) for w in session.scalars(select(Analysis.worker).where(Analysis.id.in_(job_ids)))}
    finally:
        platform.close()


def test_a_process_that_dies_stops_the_others_and_the_command(empty: Served) -> None:
    first, second = empty.workers
    os.kill(first, signal.SIGKILL)
    assert empty.process.wait(60) != 0
    output = (empty.home / "serve.log").read_text()
    assert f"server process {first} ended on its own" in output
    deadline = time.time() + 30
    while _running(second) and time.time() < deadline:
        time.sleep(0.1)
    assert not _running(second)


def test_processes_stop_when_their_parent_is_killed(empty: Served) -> None:
    """A parent killed outright cannot forward a stop: its processes notice it is gone and stop on their own."""
    workers = empty.workers
    assert httpx.get(f"{empty.url}/cds-services", timeout=10).status_code == 200
    empty.process.kill()
    empty.process.wait(30)
    deadline = time.time() + 60
    while any(_running(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in workers)
