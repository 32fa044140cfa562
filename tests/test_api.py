"""The API: every role against every route, no existence leaks, no sensor position or other
party's claim reaching a party, byte-identical publications (inbox and signed webhooks)."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient

from truceline.api import Desk, create_app, issue_token
from truceline.api.publish import SIGNATURE_HEADER
from truceline.ledger.signing import Verifier, from_base64
from truceline.model.desk import Principal

DAY = "2026-11-26"
ROLES = ("analyst", "publisher", "liaison", "coalition", "operator", "public")


@pytest.fixture
def api(desk_settings) -> Iterator[dict[str, Any]]:
    """A client over a fresh copy of the demo day, a token per role (liaisons of both parties), a
    confirmed case concerning B published by a second person, and a claim by each party."""
    desk = Desk.open(desk_settings)
    tokens = {"analyst": issue_token(desk.store, "alice", "analyst"),
              "publisher": issue_token(desk.store, "carol", "publisher"),
              "liaison": issue_token(desk.store, "liaison-b", "liaison", "B"),
              "liaison_a": issue_token(desk.store, "liaison-a", "liaison", "A"),
              "coalition": issue_token(desk.store, "coalition-1 desk", "coalition"),
              "operator": issue_token(desk.store, "ops-1", "operator", "coalition-1")}
    client = TestClient(create_app(desk))
    head = {r: {"Authorization": f"Bearer {t}"} for r, t in tokens.items()}
    head["public"] = {}
    case = next(c for c in desk.cases(Principal("", "x", "analyst")) if "B" in c.item.parties
                and c.item.kind == "engagement")
    assert client.post("/v1/cases/decisions", headers=head["analyst"],
                       json={"case_ids": [case.case_id], "action": "confirm", "reason": "evidence checked"}).status_code == 200
    published = client.post(f"/v1/cases/{case.case_id}/publish", headers=head["publisher"], json={"reason": "release"})
    assert published.status_code == 200, published.text
    claims = {}
    for role, lon in (("liaison", 38.42), ("liaison_a", 38.0)):
        r = client.post("/v1/claims", headers=head[role], json={"title": f"shelling alleged by {role}.", "elements": [
            {"kind": "fire", "lon": lon, "lat": 48.68, "start": f"{DAY}T00:00:00Z", "end": f"{DAY}T01:00:00Z"}]})
        assert r.status_code == 201, r.text
        claims[role] = r.json()["claim_id"]
    yield {"desk": desk, "client": client, "head": head, "case": case.case_id,
           "publication": published.json()["publication_id"], "claims": claims}
    desk.close()


def _catalogue(a: dict[str, Any]) -> list[tuple[str, str, dict | None, set[str]]]:
    """(method, path, body, roles allowed) for every route; what a role may not use answers 403."""
    mission, everyone = {"analyst", "publisher"}, set(ROLES)
    c, p, k = a["case"], a["publication"], a["claims"]["liaison"]
    claim = {"title": "t", "elements": [{"kind": "impact", "lon": 38.0, "lat": 48.5, "start": f"{DAY}T02:00:00Z",
                                         "end": f"{DAY}T03:00:00Z"}]}
    return [
        ("GET", "/v1/health", None, everyone), ("GET", "/v1/me", None, everyone),
        ("GET", "/v1/days", None, mission | {"coalition"}),
        ("GET", f"/v1/days/{DAY}/events", None, mission), ("GET", f"/v1/days/{DAY}/events/E000001", None, mission),
        ("GET", f"/v1/days/{DAY}/events/E000001/explanation", None, mission),
        ("GET", f"/v1/days/{DAY}/engagements/G00001/explanation", None, mission),
        ("GET", f"/v1/days/{DAY}/incidents", None, mission),
        ("GET", f"/v1/days/{DAY}/incidents/I00001", None, mission),
        ("GET", f"/v1/days/{DAY}/engagements", None, mission),
        ("GET", f"/v1/days/{DAY}/engagements/G00001", None, mission),
        ("GET", f"/v1/days/{DAY}/violations", None, mission),
        ("GET", f"/v1/days/{DAY}/sensors", None, {"analyst", "operator"}),
        ("GET", f"/v1/days/{DAY}/report", None, mission | {"coalition"}),
        ("GET", f"/v1/days/{DAY}/base", None, everyone), ("GET", f"/v1/days/{DAY}/map", None, mission),
        ("GET", f"/v1/days/{DAY}/coverage", None, mission),
        ("GET", f"/v1/days/{DAY}/incidents/I00001/evidence", None, mission),
        ("GET", "/v1/ledger/checkpoint", None, everyone), ("GET", "/v1/ledger/consistency?first=1&second=2", None, everyone),
        ("GET", "/v1/ledger/leaves/0/proof", None, mission | {"coalition", "liaison"}),
        ("GET", "/v1/public/findings", None, everyone),
        ("GET", "/v1/cases", None, mission | {"liaison"}), ("GET", f"/v1/cases/{c}", None, mission | {"liaison"}),
        ("POST", "/v1/cases/decisions", {"case_ids": [c], "action": "keep", "reason": "r"}, set()),
        ("POST", f"/v1/cases/{c}/publish", {"reason": "r"}, set()),
        ("POST", "/v1/cases/reload", None, {"analyst"}),
        ("POST", "/v1/claims", claim, {"liaison"}),
        ("GET", "/v1/claims", None, mission | {"liaison"}), ("GET", f"/v1/claims/{k}", None, mission | {"liaison"}),
        ("GET", "/v1/notifications", None, {"liaison"}),
        ("GET", "/v1/publications", None, everyone - {"public"}),
        ("GET", f"/v1/publications/{p}/body", None, everyone - {"public"}),
        ("POST", "/v1/ingest", {"manifest": {}, "files": [{"name": "picks.csv", "content_base64": ""}]}, set()),
    ]


ROLE_ONLY = {"/v1/cases/decisions": "analyst", "/v1/cases/{case_id}/publish": "publisher", "/v1/ingest": "operator"}
"""Routes whose sample call is refused by the lifecycle (409) even for their role; the role is tested apart."""


def test_every_route_is_in_the_matrix(api) -> None:
    spec = api["client"].get("/openapi.json").json()
    templates = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}
    def template(method: str, path: str) -> str:
        path = path.split("?")[0]
        if (method, path) in templates:
            return path
        for m, t in templates:
            if m == method and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", t), path):
                return t
        return path
    covered = {(m, template(m, p)) for m, p, _, _ in _catalogue(api)}
    assert covered == templates


@pytest.mark.parametrize("role", ROLES)
def test_each_role_against_each_route(api, role: str) -> None:
    client, head = api["client"], api["head"][role]
    for method, path, body, allowed in _catalogue(api):
        r = client.request(method, path, headers=head, json=body)
        if role in allowed:
            assert r.status_code in (200, 201), f"{role} {method} {path}: {r.status_code} {r.text[:200]}"
        elif path.endswith(("/decisions", "/publish", "/ingest")):
            expected = 409 if ROLE_ONLY[path if not path.endswith("/publish") else "/v1/cases/{case_id}/publish"] == role \
                else 403
            assert r.status_code == expected, f"{role} {method} {path}: {r.status_code}"
        else:
            assert r.status_code == 403, f"{role} {method} {path}: {r.status_code} {r.text[:200]}"
            assert r.headers["content-type"].startswith("application/problem+json")
            assert set(r.json()) == {"type", "title", "status", "detail"}


def test_objects_a_role_may_not_see_answer_like_missing_ones(api) -> None:
    client, head = api["client"], api["head"]
    other = api["claims"]["liaison_a"]       # party A's claim, asked for by B's liaison
    hidden = client.get(f"/v1/claims/{other}", headers=head["liaison"])
    missing = client.get("/v1/claims/K99999", headers=head["liaison"])
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace(other, "X") == missing.json()["detail"].replace("K99999", "X")
    unseen = next(c.case_id for c in api["desk"].cases(Principal("", "x", "analyst")) if c.state == "automatic")
    assert client.get(f"/v1/cases/{unseen}", headers=head["liaison"]).status_code == 404
    assert client.get("/v1/cases/C99999", headers=head["liaison"]).status_code == 404


def _walk(client: TestClient, head: dict[str, str], api: dict[str, Any]) -> str:
    """Everything a caller can read through every GET route it may use, as one text."""
    texts = []
    for method, path, _, _ in _catalogue(api):
        if method == "GET":
            r = client.get(path, headers=head)
            if r.status_code == 200:
                texts.append(r.text)
    return "\n".join(texts)


def _pairs(text: str) -> set[tuple[float, float]]:
    """Every pair of decimal numbers written next to each other (a position, either order), to 1e-5."""
    found = re.findall(r"(-?\d+\.\d+)[^\d-]{1,12}(-?\d+\.\d+)", text)
    return {(round(float(a), 5), round(float(b), 5)) for a, b in found}


def test_a_party_never_receives_another_partys_claim_or_any_sensor_position(api, demo_day) -> None:
    sensors = demo_day["processed"].sensors.table
    where = {(round(float(x), 5), round(float(y), 5)) for x, y in zip(sensors["lon"], sensors["lat"])}
    where |= {(b, a) for a, b in where}
    ids = [str(i) for i in sensors["sensor_id"]]
    for me, other in (("liaison", "liaison_a"), ("liaison_a", "liaison")):
        seen = _walk(api["client"], api["head"][me], api)
        assert f'"{api["claims"][me]}"' in seen and f"alleged by {me}." in seen
        assert f'"{api["claims"][other]}"' not in seen and f"alleged by {other}." not in seen
        assert not (_pairs(seen) & where) and not [i for i in ids if i in seen], f"{me} received a sensor position"
    for role in ("coalition", "public", "publisher"):
        seen = _walk(api["client"], api["head"][role], api)
        assert not (_pairs(seen) & where), role      # (the daily report names silent sensors by id)
    assert _pairs(_walk(api["client"], api["head"]["analyst"], api)) & where, "the check finds positions where they are"


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((body, self.headers[SIGNATURE_HEADER]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_every_party_receives_the_same_bytes_in_inbox_and_webhook(desk_settings) -> None:
    from dataclasses import replace
    servers = [HTTPServer(("127.0.0.1", 0), type(f"Hook{p}", (_Hook,), {"received": []})) for p in "AB"]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    hooks = {p: f"http://127.0.0.1:{s.server_port}/truceline" for p, s in zip("AB", servers)}
    desk = Desk.open(replace(desk_settings, webhooks=hooks))
    try:
        client = TestClient(create_app(desk))
        t = {r: {"Authorization": "Bearer " + issue_token(desk.store, n, r, party)}
             for r, n, party in (("analyst", "alice", ""), ("publisher", "carol", ""))}
        liaisons = {p: {"Authorization": "Bearer " + issue_token(desk.store, f"l-{p}", "liaison", p)} for p in "AB"}
        case = desk.cases(Principal("", "x", "analyst"))[0].case_id
        client.post("/v1/cases/decisions", headers=t["analyst"], json={"case_ids": [case], "action": "confirm",
                                                                        "reason": "checked"})
        same = client.post(f"/v1/cases/{case}/publish",
                           headers={"Authorization": "Bearer " + issue_token(desk.store, "alice", "publisher")},
                           json={"reason": "no second person"})
        assert same.status_code == 409 and "four eyes" in same.json()["detail"]
        pub = client.post(f"/v1/cases/{case}/publish", headers=t["publisher"], json={"reason": "release"}).json()
        bodies = {p: client.get(f"/v1/publications/{pub['publication_id']}/body", headers=h) for p, h in liaisons.items()}
        assert bodies["A"].content == bodies["B"].content
        assert bodies["A"].headers[SIGNATURE_HEADER] == bodies["B"].headers[SIGNATURE_HEADER]
        desk.wait_deliveries(timeout_s=10)
        got = [s.RequestHandlerClass.received for s in servers]
        assert all(len(g) == 1 for g in got), got
        assert got[0][0] == got[1][0] and got[0][0][0] == bodies["A"].content
        key = Verifier.from_string(json.loads(bodies["A"].content)["log_key"])
        assert key.is_valid(bodies["A"].content, from_base64(got[0][0][1].removeprefix("ed25519="), "signature"))
        deliveries = desk.store.deliveries()
        assert {(d["party"], d["channel"], d["status"]) for d in deliveries} == {
            (p, ch, "delivered") for p in "AB" for ch in ("inbox", "webhook")}
    finally:
        desk.close()
        for s in servers:
            s.shutdown()


def test_decisions_on_unpublished_cases_are_not_read_from_the_ledger_outside_the_mission(api) -> None:
    client, head, desk = api["client"], api["head"], api["desk"]
    other = next(c.case_id for c in desk.cases(Principal("", "x", "analyst")) if c.state == "automatic")
    r = client.post("/v1/cases/decisions", headers=head["analyst"],
                    json={"case_ids": [other], "action": "preliminary", "reason": "a sensitive working note"})
    assert r.status_code == 200
    leaf = desk.ledger.size - 1
    for role in ("liaison", "coalition"):
        got = client.get(f"/v1/ledger/leaves/{leaf}/proof", headers=head[role]).json()
        assert got["leaf_data"] == "" and got["proof"] and got["leaf_hash"]
    assert "a sensitive working note" in client.get(f"/v1/ledger/leaves/{leaf}/proof", headers=head["analyst"]).text
    published = next(i for i in range(desk.ledger.size) if b'"publish"' in desk.ledger.leaf_data(i))
    assert '"publish"' in client.get(f"/v1/ledger/leaves/{published}/proof", headers=head["liaison"]).json()["leaf_data"]


def test_an_explanation_is_what_truceline_explain_prints(api, demo_day) -> None:
    """The event's and the engagement's explanation over the API are those the command builds from
    the folder; an event or engagement the day lacks answers 404 as a problem."""
    from truceline.report.explain import explain, read_folder

    client, head = api["client"], api["head"]["analyst"]
    folder = read_folder(demo_day["out"])
    for path, ident in ((f"/v1/days/{DAY}/events/E000001/explanation", "E000001"),
                        (f"/v1/days/{DAY}/engagements/G00001/explanation", "G00001")):
        got = client.get(path, headers=head)
        assert got.status_code == 200, got.text
        want = explain(folder, ident)
        body = got.json()
        assert body["title"] == want.title
        assert [(f["label"], f["text"]) for f in body["facts"]] == list(want.facts)
        assert [(t["title"], tuple(t["columns"]), [tuple(r) for r in t["rows"]]) for t in body["tables"]] == [
            (t, h, list(rows)) for t, h, rows in want.tables]
    assert body["tables"][0]["rows"]                                      # G00001 has events
    missing = client.get(f"/v1/days/{DAY}/events/E999999/explanation", headers=head)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
