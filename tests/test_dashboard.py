"""The dashboard in a real browser: Playwright driving Debian's Chromium (headless) against the
server on loopback, with every other host cut off. It filters to one party, opens a violation's
evidence and proof status, saves a screenshot, and an analyst confirms a review item — the
ledger gains the leaf."""

from __future__ import annotations

import os
from datetime import date
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
        page.locator("#evidence button.why").first.click()          # why: the event's basis and picks
        page.wait_for_selector("#explanation dl", timeout=30_000)
        why = page.inner_text("#explanation")
        assert "kind" in why and "its picks" in why and "residual (s)" in why, why[:500]
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


def test_the_base_layer_and_the_served_report(desk_settings, demo_day, tmp_path: Path) -> None:
    """The map's offline base layer has the line, every sector and the security zone; and after
    `truceline report --day` rewrote a folder's report, `serve` shows that same document."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from truceline.api import Desk, create_app, issue_token
    from truceline.report.cutoff import report_period
    from truceline.report_again import rerender
    out = tmp_path / "out"
    shutil.copytree(demo_day["out"], out, ignore=shutil.ignore_patterns("store.sqlite*"))
    shutil.copy(demo_day["out"] / "store.sqlite", out / "store.sqlite")
    rerender(out, demo_day["paths"]["agreement"], None, report_period(date(2026, 11, 26)))
    desk = Desk.open(replace(desk_settings, data=out, store=str(out / "store.sqlite")))
    try:
        client = TestClient(create_app(desk))
        base = client.get("/v1/days/2026-11-26/base").json()["features"]
        layers = [f["properties"]["layer"] for f in base]
        agreement = demo_day["processed"].history.at(demo_day["processed"].period[0])
        assert layers.count("sector") == len(agreement.sectors) and layers.count("security_zone") == 1
        assert layers.count("contact_line") == 1 and layers.count("town") > 5
        head = {"Authorization": "Bearer " + issue_token(desk.store, "a", "analyst")}
        served = client.get("/v1/days/2026-11-26/report", headers=head).text
        assert served == (out / "daily_report.html").read_text(encoding="utf-8")
        assert "2026-11-25 19:30 – 2026-11-26 19:30 Europe/Kyiv" in served
        page = client.get("/")
        assert page.status_code == 200 and "/static/vendor/maplibre-gl.mjs" not in page.text  # loaded by app.js
        assert client.get("/static/vendor/maplibre-gl.mjs").status_code == 200
    finally:
        desk.close()
