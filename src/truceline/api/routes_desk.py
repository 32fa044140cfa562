"""Desk routes: the review queue and its decisions, publication, claims, notifications, and the
published findings every party receives alike."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from truceline.api.app import CONFLICT, NOT_FOUND, Caller, allow
from truceline.api.desk import Desk, NotFound
from truceline.api.publish import SIGNATURE_HEADER, publications, publish
from truceline.api.routes_data import Limit, Offset
from truceline.api.schemas import (CaseOut, CasePage, ClaimIn, ClaimOut, DecisionIn, Notification, PublicationOut,
                                   PublishIn)
from truceline.model.desk import CASE_STATES, ITEM_KINDS, ClaimElement
from truceline.model.timefmt import to_iso
from truceline.store.desk_tables import case_to_dict, claim_to_dict

router = APIRouter(prefix="/v1", responses=NOT_FOUND)
REVIEWERS = ("analyst", "publisher", "liaison")


def _desk(request: Request) -> Desk:
    return request.app.state.desk


@router.get("/cases", response_model=CasePage,
            summary="The review queue (mission: all; liaison: confirmed and published cases concerning its party)")
async def cases(request: Request, who: Caller, state: Literal[CASE_STATES] | None = None,  # type: ignore[valid-type]
                kind: Literal[ITEM_KINDS] | None = None, conflict: bool | None = None,  # type: ignore[valid-type]
                offset: int = Offset, limit: int = Limit) -> dict[str, Any]:
    allow(who, *REVIEWERS)
    chosen = [c for c in _desk(request).cases(who) if (state is None or c.state == state)
              and (kind is None or c.item.kind == kind) and (conflict is None or c.in_conflict == conflict)]
    return {"total": len(chosen), "offset": offset, "limit": limit,
            "items": [case_to_dict(c) for c in chosen[offset:offset + limit]]}


@router.get("/cases/{case_id}", response_model=CaseOut, summary="One case (as /cases)")
async def case(request: Request, who: Caller, case_id: str) -> dict[str, Any]:
    allow(who, *REVIEWERS)
    return case_to_dict(_desk(request).case(who, case_id))


@router.post("/cases/decisions", response_model=list[CaseOut], responses=CONFLICT,
             summary="One decision on one or many cases, all or none; each a ledger leaf (analyst)")
def decisions(request: Request, who: Caller, body: DecisionIn) -> list[dict[str, Any]]:
    allow(who, "analyst")
    return [case_to_dict(c) for c in _desk(request).decide(who, body.case_ids, body.action, body.reason)]


@router.post("/cases/{case_id}/publish", response_model=PublicationOut, responses=CONFLICT,
             summary="Publish a confirmed case to every party at once; not by whoever confirmed it (publisher)")
def publish_case(request: Request, who: Caller, case_id: str, body: PublishIn) -> dict[str, Any]:
    allow(who, "publisher")
    desk = _desk(request)
    done = publish(desk, who, case_id, body.reason)
    return _publication(next(p for p in desk.publications() if p["publication_id"] == done["publication_id"]))


@router.post("/cases/reload", response_model=CasePage,
             summary="Read the served days again after re-processing and reconcile the queue; answers the cases "
                     "now in conflict (analyst)")
def reload_days(request: Request, who: Caller) -> dict[str, Any]:
    allow(who, "analyst")
    conflicts = _desk(request).reload(who)
    return {"total": len(conflicts), "offset": 0, "limit": len(conflicts),
            "items": [case_to_dict(c) for c in conflicts]}


@router.post("/claims", response_model=ClaimOut, status_code=201,
             summary="File a claim (allegation) for the caller's party; answered per element at once (liaison)")
def file_claim(request: Request, who: Caller, body: ClaimIn) -> dict[str, Any]:
    allow(who, "liaison")
    elements = [ClaimElement(e.kind, e.lon, e.lat, e.start.timestamp(), e.end.timestamp(), e.radius_m,
                             e.description) for e in body.elements]
    return claim_to_dict(_desk(request).file_claim(who, body.title, elements))


@router.get("/claims", response_model=list[ClaimOut],
            summary="Claims (mission: all; liaison: its own party's only)")
async def claims(request: Request, who: Caller) -> list[dict[str, Any]]:
    allow(who, *REVIEWERS)
    return [claim_to_dict(c) for c in _desk(request).claims(who)]


@router.get("/claims/{claim_id}", response_model=ClaimOut, summary="One claim (as /claims)")
async def claim(request: Request, who: Caller, claim_id: str) -> dict[str, Any]:
    allow(who, *REVIEWERS)
    return claim_to_dict(_desk(request).claim(who, claim_id))


@router.get("/notifications", response_model=list[Notification],
            summary="What concerns the caller's party: its answered claims, confirmed and published findings (liaison)")
async def notifications(request: Request, who: Caller) -> list[dict[str, Any]]:
    allow(who, "liaison")
    desk = _desk(request)
    out = [{"kind": "claim answered", "ref": c.claim_id, "at": c.filed_at,
            "summary": ", ".join(a.verdict for a in c.answers)} for c in desk.claims(who)]
    for c in desk.cases(who):
        out.append({"kind": "finding published" if c.state == "published" else "finding confirmed",
                    "ref": c.case_id, "at": "" if c.item.start != c.item.start else to_iso(c.item.start),
                    "summary": c.item.summary})
    return out


def _publication(p: dict[str, Any]) -> dict[str, Any]:
    return {"publication_id": p["publication_id"], "case_id": p["case_id"], "published_at": p["published_at"],
            "supersedes": p["supersedes"], "signature": p["signature"], "finding": p["finding"]}


@router.get("/publications", response_model=list[PublicationOut],
            summary="Every published finding, the same for every caller (all roles but the public)")
async def list_publications(request: Request, who: Caller) -> list[dict[str, Any]]:
    return [_publication(p) for p in publications(_desk(request), who)]


@router.get("/publications/{publication_id}/body", response_class=Response,
            responses={200: {"content": {"application/json": {}},
                             "description": "The exact signed bytes; the signature in the Truceline-Signature header."}},
            summary="A publication's exact bytes, as every party receives them (all roles but the public)")
async def publication_body(request: Request, who: Caller, publication_id: str) -> Response:
    found = next((p for p in publications(_desk(request), who) if p["publication_id"] == publication_id), None)
    if found is None:
        raise NotFound(f"no publication {publication_id!r}")
    return Response(found["body"], media_type="application/json",
                    headers={SIGNATURE_HEADER: f"ed25519={found['signature']}"})
