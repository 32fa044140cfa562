"""The dashboard in a real browser: Playwright driving Debian's Chromium (headless) against the
server on loopback, with every other host cut off. It filters to one party, opens a violation's
evidence and proof status, saves a screenshot, and an analyst confirms a review item — the
ledger gains the leaf."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("TRUCELINE_REQUIRE_SERVICES") == "1":
            pytest.fail("Debian's chromium is not installed (apt-get install chromium), and services are required")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture
def served(desk_settings):
    import uvicorn

    from truceline.api import Desk, create_app, issue_token
    desk = Desk.open(desk_settings)
    token = issue_token(desk.store, "night-shift analyst", "analyst")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(desk), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield {"desk": desk, "url": f"http://127.0.0.1:{port}", "token": token}
    server.should_exit = True
    thread.join(10)
    desk.close()


def test_the_dashboard_filters_shows_evidence_and_confirms(served, tmp_path: Path) -> None:
    _need_browser()
    from playwright.sync_api import sync_playwright
    blocked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"])
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()

        def only_the_server(route) -> None:
            if urlparse(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()
        page.route("**/*", only_the_server)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(served["url"] + "/")
        page.fill("#token", served["token"])
        page.click("#login button")
        page.wait_for_function("window.truceline && (window.truceline.ready || window.truceline.error)", timeout=60_000)
        assert page.evaluate("window.truceline.error || ''") == "" and not errors, errors
        assert "night-shift analyst" in page.inner_text("#who")
        page.select_option("#party", "A")
        items = page.locator("#findings li")
        assert items.count() > 0
        assert all(" A " in items.nth(k).inner_text() for k in range(min(items.count(), 20)))
        first_incident = page.locator("#findings li", has_text="incident").first
        first_incident.click()
        page.wait_for_selector("#evidence .proof-ok", timeout=30_000)
        assert "verified: included in the signed checkpoint" in page.inner_text("#evidence")
        page.screenshot(path=str(tmp_path / "dashboard.png"))
        size = served["desk"].ledger.size
        page.locator("#cases input[type=checkbox]").first.check()
        page.click("#confirm")
        page.wait_for_function("document.getElementById('queuestatus').textContent.startsWith('confirmed')")
        browser.close()
    assert served["desk"].ledger.size == size + 1, "the confirmation is a ledger leaf"
    leaf = served["desk"].ledger.leaf_data(size).decode()
    assert '"action":"confirm"' in leaf and "night-shift analyst" in leaf
    assert (tmp_path / "dashboard.png").stat().st_size > 20_000
    assert blocked == [], f"the page asked for hosts other than the server: {blocked[:3]}"
