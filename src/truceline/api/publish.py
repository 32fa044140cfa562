"""Publication: a confirmed case, published by a second person, goes to every party at once.

The published finding is one canonical JSON document (the same bytes for everyone): the case's
item and decision history, the signed checkpoint taken right after the publishing decision, and
inclusion proofs of the decision leaves in that checkpoint's tree. It is signed with the
mission's key (``Truceline-Signature: ed25519=<base64>`` over the exact bytes), stored once, put
in every party's inbox in the same transaction, and posted to each party's webhook. A correction
is a new publication that names the one it ``supersedes``; a publication never changes.
"""

from __future__ import annotations

import threading
import urllib.request
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Mapping

from truceline.api.desk import Desk, Forbidden, NotFound
from truceline.ledger.records import canonical_json
from truceline.ledger.signing import to_base64
from truceline.model.desk import Principal
from truceline.store.desk_tables import item_to_dict
from truceline.verify.review import decide

SIGNATURE_HEADER = "Truceline-Signature"
WEBHOOK_TRIES = 3
WEBHOOK_TIMEOUT_S = 5.0


def publish(desk: Desk, who: Principal, case_id: str, reason: str) -> dict[str, Any]:
    """Publish one confirmed case (four eyes: not by the one who confirmed it); returns the publication."""
    if who.role != "publisher":
        raise Forbidden(f"a {who.role} may not publish; publishers do")
    with desk.lock:
        case = desk.stored_case(case_id)
        if case is None:
            raise NotFound(f"no case {case_id!r}")
        published = decide(case, "publish", who)         # DecisionRefused: state, conflict, four eyes
        desk.refresh_ledger()
        leaf = desk.ledger.record_decision(actor=f"{who.name} (publisher)", action="publish", subject=case_id,
                                           reason=reason)
        note = desk.ledger.checkpoint(desk.signer, desk.settings.origin)
        size = desk.ledger.size
        number = len(desk.publications()) + 1
        pub_id = f"P{number:05d}"
        body = canonical_json({
            "truceline_finding": 1, "publication_id": pub_id, "case_id": case_id, "supersedes": case.publication_id,
            "published_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "state": "published",
            "item": item_to_dict(case.item), "confirmed_by": case.decided_by, "published_by": who.name,
            "reason": reason, "checkpoint": note, "decision_leaf": leaf,
            "decision_leaf_data": desk.ledger.leaf_data(leaf).decode(),
            "leaf_proof": [to_base64(h) for h in desk.ledger.leaf_proof(leaf, size)],
            "log_key": desk.signer.verifier.to_string()})
        signature = to_base64(desk.signer.sign(body))
        desk.store.put_publication(pub_id, case_id, body, signature, note, case.publication_id, desk.parties)
        desk.remember_publication(pub_id)
        published = replace(published, publication_id=pub_id)
        desk.keep([published])
    publication = {"publication_id": pub_id, "body": body, "signature": signature}
    deliver_webhooks(desk, publication)
    return publication


def publications(desk: Desk, who: Principal) -> list[dict[str, Any]]:
    """Every publication, for any role but the public (which reads /public): the same for all."""
    if who.role == "public":
        raise Forbidden("the public reads /v1/public/findings")
    return desk.publications()


def deliver_webhooks(desk: Desk, publication: Mapping[str, Any], wait: bool = False) -> list[threading.Thread]:
    """POST the publication's bytes to every party's configured webhook (in the background), each
    delivery recorded per party; ``wait`` joins the threads (tests, the CLI)."""
    threads = [threading.Thread(target=_deliver, args=(desk, party, url, publication), daemon=True)
               for party, url in sorted(desk.settings.webhooks.items())]
    for t in threads:
        t.start()
    desk.deliveries.extend(threads)
    if wait:
        for t in threads:
            t.join()
    return threads


def _deliver(desk: Desk, party: str, url: str, publication: Mapping[str, Any]) -> None:
    detail = ""
    for attempt in range(1, WEBHOOK_TRIES + 1):
        request = urllib.request.Request(url, data=publication["body"], method="POST", headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: f"ed25519={publication['signature']}",
            "Truceline-Publication": publication["publication_id"]})
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as reply:
                status, detail = "delivered", f"HTTP {reply.status}"
        except Exception as exc:   # any failure is recorded and retried, never raised into the server
            status, detail = "failed", f"{type(exc).__name__}: {exc}"
        with desk.lock:
            desk.store.set_delivery(publication["publication_id"], party, "webhook", status, attempt, detail)
        if status == "delivered":
            return

