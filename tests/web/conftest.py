"""A real server for the web tests: uvicorn on a free loopback port, a temporary SQLite store seeded with the demo
(accounts, care team, the demo patients analysed), and Debian's Chromium driven by Playwright.

Chromium (``/usr/bin/chromium``), Playwright for Python and axe-core (``npm ci`` in ``tests/web``) are needed by the
browser tests: each skips with the reason when one is absent, and fails under ``CI=true``.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tailormed.service.core import Platform
from tailormed.store.config import StoreConfig
from tailormed.store.crypto import MasterKey

CHROMIUM = Path(os.environ.get("TAILORMED_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)


def missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    platform: Platform
    folder: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=60)

    def sign_in(self, username: str, password: str | None = None) -> tuple[httpx.Client, str]:
        """A client signed in through the form; returns it and the session's CSRF token."""
        client = self.client()
        form = client.get("/app/sign-in")
        token = csrf_of(form.text)
        done = client.post(
            "/app/sign-in", data={"username": username, "password": password or f"{username}-demo", "csrf": token}
        )
        assert done.status_code == 303, done.text
        landing = client.get(done.headers["location"])
        return client, csrf_of(landing.text)

    def audit_rows(self, **where: str) -> list[Any]:
        from sqlalchemy import select

        from tailormed.store.models import AuditEvent

        query = select(AuditEvent)
        for column, value in where.items():
            query = query.where(getattr(AuditEvent, column) == value)
        with self.platform.db.read() as session:
            return list(session.scalars(query.order_by(AuditEvent.seq)).all())


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import uvicorn

    from tailormed.knowledge.bundle import load_bundle
    from tailormed.service.analysis import Analyzer
    from tailormed.service.demo import seed
    from tailormed.service.settings import ServiceSettings
    from tailormed.web.app import create_app

    folder = tmp_path_factory.mktemp("web")
    config = StoreConfig.in_folder(folder)
    platform = Platform.open(config, master=MasterKey.generate())
    analyzer = Analyzer(load_bundle())
    seed(platform, analyzer)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # many sign-ins from one address in one session of tests: the sign-in rate limit is tested by the API tests
    settings = ServiceSettings(store=config, demo=True, base_url=url, token_attempts=100_000)
    app = create_app(settings, platform)
    app.state.tailormed._analyzer = analyzer
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not running.started:
        assert time.monotonic() < deadline, "the web server did not start"
        time.sleep(0.05)
    yield Server(url, platform, folder)
    running.should_exit = True
    thread.join(30)
    platform.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """A fresh headless Chromium (its own user-data-dir) as a Playwright browser context."""
    if not CHROMIUM.exists():
        missing(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed: pip install playwright")
    with tempfile.TemporaryDirectory(prefix="tailormed-chromium-") as profile, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            accept_downloads=True,
            bypass_csp=True,  # lets the test inject axe-core; the app itself sends a strict CSP
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        missing(f"axe-core not installed: run 'npm ci' in {AXE.parents[2]}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def check_axe(axe_source: str) -> Callable[[Any, str], None]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page at each width; fail listing every violation."""

    def check(page: Any, name: str) -> None:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.add_script_tag(content=axe_source)
            result = page.evaluate(
                "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
                "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
            )
            problems = [
                f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                for v in result["violations"]
            ]
            assert not problems, f"{name} at {width} px: " + "; ".join(problems)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    return check


def sign_in_page(page: Any, url: str, username: str, password: str | None = None) -> None:
    page.goto(f"{url}/app/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password or f"{username}-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
