"""Screenshots of the web app for the docs: the clinician plan page and the patient portal, at 1280 px and 390 px.

Seeds a throwaway demo store, serves the app on a free loopback port and drives Debian's Chromium with Playwright:
``.venv/bin/python scripts/web_screenshots.py docs/images``.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

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
SHOTS = (
    ("clinician", "/app/patients/demo-02-mensah", "web-clinician-plan"),
    ("demo-02-mensah", "/app/me/priorities", "web-patient-priorities"),
    ("demo-03-rodriguez", "/app/me", "web-patient-results"),
)


def main(out: Path) -> None:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from tailormed.knowledge.bundle import load_bundle
    from tailormed.service.analysis import Analyzer
    from tailormed.service.core import Platform
    from tailormed.service.demo import seed
    from tailormed.service.settings import ServiceSettings
    from tailormed.store.config import StoreConfig
    from tailormed.store.crypto import MasterKey
    from tailormed.web.app import create_app

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as profile:
        config = StoreConfig.in_folder(Path(folder))
        platform = Platform.open(config, master=MasterKey.generate())
        seed(platform, Analyzer(load_bundle()))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        app = create_app(ServiceSettings(store=config, demo=True, base_url=url), platform)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch_persistent_context(
                    profile, executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
                )
                for user, path, name in SHOTS:
                    browser.clear_cookies()
                    page = browser.new_page()
                    page.goto(f"{url}/app/sign-in")
                    page.get_by_label("User name").fill(user)
                    page.get_by_label("Password").fill(f"{user}-demo")
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_load_state()
                    for width, suffix in ((1280, ""), (390, "-390")):
                        page.set_viewport_size({"width": width, "height": 1000})
                        page.goto(f"{url}{path}")
                        page.wait_for_load_state("networkidle")
                        target = out / f"{name}{suffix}.png"
                        page.screenshot(path=str(target), full_page=False)
                        print(target)
                    page.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(30)
            platform.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images"))
