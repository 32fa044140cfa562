"""The desk's tables: API tokens (argon2 hashes only), review cases, claims, publications and their
deliveries to each party. Cases and claims are stored as JSON bodies (``case_to_dict`` and
``claim_to_dict`` give their shape); a publication's body is kept as the exact bytes every party
receives. Each write is its own durable transaction; docs/formats.md, section ``store.sqlite``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any, Sequence

from truceline.model.desk import Case, Claim, ClaimElement, ElementAnswer, ReviewItem
from truceline.store.base import StoreBase


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _finite(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def item_to_dict(item: ReviewItem) -> dict[str, Any]:
    return {**asdict(item), "start": _finite(item.start), "end": _finite(item.end), "parties": list(item.parties),
            "automatic": dict(item.automatic)}


def item_from_dict(d: dict[str, Any]) -> ReviewItem:
    nan = float("nan")
    return ReviewItem(**{**d, "start": nan if d["start"] is None else d["start"],
                         "end": nan if d["end"] is None else d["end"], "parties": tuple(d["parties"])})


def case_to_dict(case: Case) -> dict[str, Any]:
    return {"case_id": case.case_id, "state": case.state, "item": item_to_dict(case.item),
            "decided_by": case.decided_by, "decided_fingerprint": case.decided_fingerprint,
            "conflict": case.conflict, "pending": None if case.pending is None else item_to_dict(case.pending),
            "publication_id": case.publication_id}


def case_from_dict(d: dict[str, Any]) -> Case:
    return Case(d["case_id"], item_from_dict(d["item"]), d["state"], d["decided_by"], d["decided_fingerprint"],
                d["conflict"], None if d["pending"] is None else item_from_dict(d["pending"]), d["publication_id"])


def claim_to_dict(claim: Claim) -> dict[str, Any]:
    return {**asdict(claim), "elements": [asdict(e) for e in claim.elements],
            "answers": [{**asdict(a), "evidence": list(a.evidence)} for a in claim.answers]}


def claim_from_dict(d: dict[str, Any]) -> Claim:
    return Claim(**{**d, "elements": tuple(ClaimElement(**e) for e in d["elements"]),
                    "answers": tuple(ElementAnswer(**{**a, "evidence": tuple(a["evidence"])}) for a in d["answers"])})


class DeskStore(StoreBase):
    """Tokens, cases, claims and publications (see :class:`~truceline.store.Store`)."""

    # ------------------------------------------------------------------ tokens

    def put_token(self, token_id: str, name: str, role: str, party: str, secret_hash: str) -> None:
        with self._write():
            self._sql("INSERT INTO desk_tokens (token_id, name, role, party, secret_hash, created_at) "
                      "VALUES (:i, :n, :r, :p, :h, :c)",
                      {"i": token_id, "n": name, "r": role, "p": party, "h": secret_hash, "c": _now()})

    def token(self, token_id: str) -> dict[str, Any] | None:
        """One token's row (revoked ones included, with ``revoked_at`` set), or ``None``."""
        row = self._sql("SELECT * FROM desk_tokens WHERE token_id = :i", {"i": token_id}).mappings().first()
        return None if row is None else dict(row)

    def tokens(self) -> list[dict[str, Any]]:
        """Every token (without its hash), oldest first."""
        rows = self._sql("SELECT token_id, name, role, party, created_at, revoked_at FROM desk_tokens "
                         "ORDER BY created_at, token_id").mappings().all()
        return [dict(r) for r in rows]

    def revoke_token(self, token_id: str) -> bool:
        with self._write():
            done = self._sql("UPDATE desk_tokens SET revoked_at = :t WHERE token_id = :i AND revoked_at = ''",
                             {"t": _now(), "i": token_id})
        return bool(done.rowcount)

    # ------------------------------------------------------------------ cases

    def put_cases(self, cases: Sequence[Case]) -> None:
        """Insert or replace cases (one transaction)."""
        if not cases:
            return
        with self._write():
            self._sql("INSERT INTO desk_cases (case_id, state, body, updated_at) VALUES (:i, :s, :b, :t) "
                      "ON CONFLICT (case_id) DO UPDATE SET state = excluded.state, body = excluded.body, "
                      "updated_at = excluded.updated_at",
                      [{"i": c.case_id, "s": c.state, "b": json.dumps(case_to_dict(c)), "t": _now()} for c in cases])

    def delete_cases(self, case_ids: Sequence[str]) -> None:
        if case_ids:
            with self._write():
                self._sql("DELETE FROM desk_cases WHERE case_id = :i", [{"i": i} for i in case_ids])

    def cases(self) -> list[Case]:
        """Every case, in case-id order."""
        return [case_from_dict(json.loads(b)) for (b,) in self._rows("SELECT body FROM desk_cases ORDER BY case_id")]

    # ------------------------------------------------------------------ claims

    def put_claim(self, claim: Claim) -> None:
        with self._write():
            self._sql("INSERT INTO desk_claims VALUES (:i, :p, :b, :f, :l)",
                      {"i": claim.claim_id, "p": claim.party, "b": json.dumps(claim_to_dict(claim)),
                       "f": claim.filed_at, "l": claim.leaf_index})

    def claims(self) -> list[Claim]:
        """Every claim, in filing order."""
        return [claim_from_dict(json.loads(b))
                for (b,) in self._rows("SELECT body FROM desk_claims ORDER BY filed_at, claim_id")]

    # ------------------------------------------------------------------ publications

    def put_publication(self, publication_id: str, case_id: str, body: bytes, signature: str, checkpoint: str,
                        supersedes: str, parties: Sequence[str]) -> None:
        """Keep a publication's bytes and queue it for every party, in one transaction: all parties
        receive it at the same checkpoint or none does."""
        with self._write():
            self._sql("INSERT INTO desk_publications VALUES (:i, :c, :b, :s, :k, :t, :u)",
                      {"i": publication_id, "c": case_id, "b": body, "s": signature, "k": checkpoint, "t": _now(),
                       "u": supersedes})
            self._sql("INSERT INTO desk_deliveries VALUES (:i, :p, 'inbox', 'delivered', 1, '')",
                      [{"i": publication_id, "p": p} for p in parties])

    def publications(self) -> list[dict[str, Any]]:
        """Every publication, oldest first, with its ``body`` as bytes."""
        rows = self._sql("SELECT * FROM desk_publications ORDER BY published_at, publication_id").mappings().all()
        return [{**dict(r), "body": bytes(r["body"])} for r in rows]

    def set_delivery(self, publication_id: str, party: str, channel: str, status: str, attempts: int,
                     detail: str) -> None:
        with self._write():
            self._sql("INSERT INTO desk_deliveries VALUES (:i, :p, :c, :s, :a, :d) "
                      "ON CONFLICT (publication_id, party, channel) DO UPDATE SET status = excluded.status, "
                      "attempts = excluded.attempts, detail = excluded.detail",
                      {"i": publication_id, "p": party, "c": channel, "s": status, "a": attempts, "d": detail})

    def deliveries(self, party: str | None = None) -> list[dict[str, Any]]:
        where = "" if party is None else " WHERE party = :p"
        rows = self._sql(f"SELECT * FROM desk_deliveries{where} ORDER BY publication_id, party, channel",
                         {"p": party}).mappings().all()
        return [dict(r) for r in rows]
