"""Read routes: who is calling, the served days and their findings, sensors, the daily report, the
ledger, and the public's view. Each route states its roles (docs/api.md has the whole matrix)."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any, Callable

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from truceline.api.app import CONFLICT, NOT_FOUND, Caller, allow
from truceline.api.desk import Desk, NotFound
from truceline.api.workspace import Day
from truceline.api.schemas import (CheckpointOut, ConsistencyOut, DayInfo, Engagement, EngagementPage, Event,
                                   EventPage, ExplanationOut, Incident, IncidentPage, Me, ProofOut, PublicFinding,
                                   SensorPage, ViolationPage)
from truceline.ledger.merkle import leaf_hash
from truceline.ledger.signing import to_base64

router = APIRouter(prefix="/v1", responses=NOT_FOUND)
MISSION = ("analyst", "publisher")
Offset = Query(0, ge=0, le=10_000_000)
Limit = Query(100, ge=1, le=1000)


def _desk(request: Request) -> Desk:
    return request.app.state.desk


def page(rows: list[dict[str, Any]], offset: int, limit: int, keep: Callable[[dict], bool] | None = None
         ) -> dict[str, Any]:
    chosen = rows if keep is None else [r for r in rows if keep(r)]
    return {"total": len(chosen), "offset": offset, "limit": limit, "items": chosen[offset:offset + limit]}


def table_page(day: Day, table: str, offset: int, limit: int, keep: Callable[[dict], bool] | None = None) -> Response:
    """A page of a day's table, joined from the rows' JSON text made at load (no per-request encoding);
    the same document :func:`page` would give."""
    rows, texts = day.rows[table], day.texts[table]
    chosen = texts if keep is None else [t for r, t in zip(rows, texts) if keep(r)]
    body = (f'{{"total":{len(chosen)},"offset":{offset},"limit":{limit},"items":['
            + ",".join(chosen[offset:offset + limit]) + "]}")
    return Response(body.encode("utf-8"), media_type="application/json")


@router.get("/health", summary="Liveness (any caller)")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/me", response_model=Me, summary="Who the token names (any caller; no token: the public)")
async def me(who: Caller) -> dict[str, str]:
    return {"name": who.name, "role": who.role, "party": who.party}


@router.get("/days", response_model=list[DayInfo], summary="Served days with their counts (mission, coalition)")
async def days(request: Request, who: Caller) -> list[dict[str, Any]]:
    allow(who, *MISSION, "coalition")
    return [{"day": d.day, "period_start": _iso(d.period[0]),
             "period_end": _iso(d.period[1]), "run_id": d.run_id,
             "counts": {k: len(v) for k, v in d.rows.items() if k != "sensors"}}
            for d in sorted(_desk(request).days.values(), key=lambda d: d.day)]


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _one(rows: list[dict[str, Any]], key: str, ident: str, what: str) -> dict[str, Any]:
    found = next((r for r in rows if r[key] == ident), None)
    if found is None:
        raise NotFound(f"no {what} {ident!r}")
    return found


@router.get("/days/{day}/events", response_model=EventPage, summary="Located events of a day (mission)")
async def events(request: Request, who: Caller, day: str, kind: str | None = None, sector: str | None = None,
                 violations_only: bool = False, offset: int = Offset, limit: int = Limit) -> Response:
    allow(who, *MISSION)
    keep = None
    if kind or sector or violations_only:
        def keep(r: dict) -> bool:
            return ((not kind or r["kind"] == kind) and (not sector or r["sector"] == sector)
                    and (not violations_only or r["is_violation"]))
    return table_page(_desk(request).day(day), "events", offset, limit, keep)


@router.get("/days/{day}/events/{event_id}", response_model=Event, summary="One event (mission)")
async def event(request: Request, who: Caller, day: str, event_id: str) -> dict[str, Any]:
    allow(who, *MISSION)
    return _one(_desk(request).day(day).rows["events"], "event_id", event_id, "event")


@router.get("/days/{day}/events/{event_id}/explanation", response_model=ExplanationOut,
            summary="Why: an event's kind and its basis, its picks with residuals, the picks left out and why (mission)")
async def event_explanation(request: Request, who: Caller, day: str, event_id: str) -> dict[str, Any]:
    return _explained(request, who, day, "events", "event_id", event_id, "event")


def _explained(request: Request, who: Caller, day: str, table: str, key: str, ident: str, what: str) -> dict[str, Any]:
    """What `truceline explain` prints of one event or engagement of a served day, as JSON."""
    from truceline.report.explain import Folder, explain
    allow(who, *MISSION)
    d = _desk(request).day(day)
    _one(d.rows[table], key, ident, what)
    e = explain(Folder(d.folder, d.tables["events"], d.tables["pick_assignments"], d.tables["engagements"],
                       d.tables.get("picks")), ident)
    return {"title": e.title, "facts": [{"label": k, "text": v} for k, v in e.facts],
            "tables": [{"title": t, "columns": list(h), "rows": [list(r) for r in rows]} for t, h, rows in e.tables]}


@router.get("/days/{day}/incidents", response_model=IncidentPage, summary="Incidents of a day (mission)")
async def incidents(request: Request, who: Caller, day: str, confidence: str | None = None, offset: int = Offset,
                    limit: int = Limit) -> Response:
    allow(who, *MISSION)
    keep = (lambda r: r["confidence"] == confidence) if confidence else None
    return table_page(_desk(request).day(day), "incidents", offset, limit, keep)


@router.get("/days/{day}/incidents/{incident_id}", response_model=Incident, summary="One incident (mission)")
async def incident(request: Request, who: Caller, day: str, incident_id: str) -> dict[str, Any]:
    allow(who, *MISSION)
    return _one(_desk(request).day(day).rows["incidents"], "incident_id", incident_id, "incident")


@router.get("/days/{day}/engagements", response_model=EngagementPage, summary="Engagements of a day (mission)")
async def engagements(request: Request, who: Caller, day: str, offset: int = Offset, limit: int = Limit) -> Response:
    allow(who, *MISSION)
    return table_page(_desk(request).day(day), "engagements", offset, limit)


@router.get("/days/{day}/engagements/{engagement_id}", response_model=Engagement, summary="One engagement (mission)")
async def engagement(request: Request, who: Caller, day: str, engagement_id: str) -> dict[str, Any]:
    allow(who, *MISSION)
    return _one(_desk(request).day(day).rows["engagements"], "engagement_id", engagement_id, "engagement")


@router.get("/days/{day}/engagements/{engagement_id}/explanation", response_model=ExplanationOut,
            summary="Why: an engagement's opener with its evidence, and its events in time order (mission)")
async def engagement_explanation(request: Request, who: Caller, day: str, engagement_id: str) -> dict[str, Any]:
    return _explained(request, who, day, "engagements", "engagement_id", engagement_id, "engagement")


@router.get("/days/{day}/violations", response_model=ViolationPage,
            summary="Incidents and weapons in violation of the agreement (mission)")
async def violations(request: Request, who: Caller, day: str, offset: int = Offset, limit: int = Limit) -> Response:
    allow(who, *MISSION)
    return table_page(_desk(request).day(day), "violations", offset, limit)


@router.get("/days/{day}/sensors", response_model=SensorPage,
            summary="Sensor positions: analysts all, a sensor operator its own (positions never leave the mission)")
async def sensors(request: Request, who: Caller, day: str, offset: int = Offset, limit: int = Limit) -> Response:
    allow(who, "analyst", "operator")
    keep = None if who.role == "analyst" else (lambda r: r["owner"] == who.party)
    return table_page(_desk(request).day(day), "sensors", offset, limit, keep)


@router.get("/days/{day}/report", response_class=HTMLResponse,
            summary="The day's daily report as HTML (mission, coalition)")
async def report(request: Request, who: Caller, day: str) -> HTMLResponse:
    allow(who, *MISSION, "coalition")
    path = _desk(request).day(day).folder / "daily_report.html"
    if not path.exists():
        raise NotFound(f"no daily report for {day}")
    return HTMLResponse(path.read_text(encoding="utf-8"))


@router.get("/ledger/checkpoint", response_model=CheckpointOut, summary="The latest signed checkpoint (any caller)")
async def checkpoint(request: Request, who: Caller) -> dict[str, Any]:
    desk = _desk(request)
    latest = desk.with_store(lambda s: s.latest_checkpoint())
    if latest is None:
        raise NotFound("the ledger has no checkpoint yet")
    return {"size": int(latest["size"]), "note": latest["note"], "log_key": desk.signer.verifier.to_string()}


@router.get("/ledger/consistency", response_model=ConsistencyOut, responses=CONFLICT,
            summary="Consistency proof between two tree sizes (any caller)")
async def consistency(request: Request, who: Caller, first: int = Query(ge=1, le=2**40),
                      second: int = Query(ge=1, le=2**40)) -> dict[str, Any]:
    desk = _desk(request)
    with desk.lock:
        desk.refresh_ledger()
        if not first <= second <= desk.ledger.size:
            raise NotFound(f"sizes must satisfy 1 <= first <= second <= {desk.ledger.size}")
        proof = desk.ledger.consistency(first, second)
    return {"first": first, "second": second, "proof": [to_base64(h) for h in proof]}


@router.get("/ledger/leaves/{leaf_index}/proof", response_model=ProofOut,
            summary="A leaf and its inclusion proof (mission, coalition, liaison)")
async def leaf_proof(request: Request, who: Caller, leaf_index: int, size: int | None = Query(None, ge=1, le=2**40)
                     ) -> dict[str, Any]:
    allow(who, *MISSION, "coalition", "liaison")
    desk = _desk(request)
    with desk.lock:
        desk.refresh_ledger()
        size = desk.ledger.size if size is None else size
        if not 0 <= leaf_index < size <= desk.ledger.size:
            raise NotFound(f"no leaf {leaf_index} in a tree of {size} (the ledger holds {desk.ledger.size})")
        data, proof = desk.ledger.leaf_data(leaf_index), desk.ledger.leaf_proof(leaf_index, size)
    shown = data if who.is_mission or _may_read_leaf(desk, who, data) else b""
    return {"leaf_index": leaf_index, "size": size, "leaf_hash": to_base64(leaf_hash(data)),
            "leaf_data": shown.decode("utf-8", "replace"), "proof": [to_base64(h) for h in proof]}


def _may_read_leaf(desk: Desk, who: Any, data: bytes) -> bool:
    """Outside the mission a decision leaf is shown only for a published case (or a liaison's own
    party's claim): the others would tell of findings before publication. Other leaves are shown."""
    try:
        leaf = json.loads(data)
    except ValueError:
        return False
    if leaf.get("leaf") != "decision":
        return True
    subject = str(leaf.get("subject", ""))
    published = {p["case_id"] for p in desk.publications()}
    own = {c.claim_id for c in desk.claims(who)}
    return subject in published or subject in own


@router.get("/public/findings", response_model=list[PublicFinding],
            summary="Published findings, coarsened and delayed (any caller)")
async def public_findings(request: Request) -> list[dict[str, Any]]:
    desk = _desk(request)
    grid, delay = desk.settings.public_grid_deg, desk.settings.public_delay_h * 3600.0
    now = datetime.now(timezone.utc).timestamp()
    out = []
    for p in desk.publications():
        published = datetime.strptime(p["published_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        if published.timestamp() + delay > now:
            continue
        item = p["finding"]["item"]
        start = item["start"]
        out.append({"publication_id": p["publication_id"], "kind": item["kind"], "summary": item["summary"],
                    "sector": item["sector"], "hour": None if start is None else _iso(math.floor(start / 3600) * 3600),
                    "lon": round(round(item["lon"] / grid) * grid, 6), "lat": round(round(item["lat"] / grid) * grid, 6),
                    "supersedes": p["supersedes"]})
    return out

