"""The desk: the one application object behind the API (and ``truceline serve``).

It holds the served days, the store (ledger and desk tables) and the mission's signing key, and
does everything a route asks: the review queue and its decisions (each a ledger leaf), claims and
their answers, publication to every party at once, what each role may see. Routes only translate
HTTP to these calls; every store access holds one lock (the connection is shared).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from truceline.api.auth import TokenBook
from truceline.api.settings import ServeSettings
from truceline.api.workspace import Day, find_days, load_day
from truceline.ledger.keyfiles import load_or_create_signer
from truceline.ledger.log import Ledger
from truceline.model.desk import Action, Case, Claim, ClaimElement, ElementAnswer, Principal
from truceline.store import Store
from truceline.store.desk_tables import claim_to_dict
from truceline.verify.claims import Observed, answer
from truceline.verify.review import DecisionRefused, decide, reconcile, review_items

ANALYST_ACTIONS = ("preliminary", "confirm", "reject", "keep", "accept_update")


class NotFound(LookupError):
    """Nothing of that id that this caller may see (403 and 404 alike: no existence leaks)."""


class Forbidden(PermissionError):
    """The caller's role may not do this at all (a route-level refusal, not about one object)."""


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Desk:
    """See the module docstring. Open with :meth:`open`; close with :meth:`close`."""

    def __init__(self, settings: ServeSettings, store: Store, days: list[Day]) -> None:
        self.settings = settings
        self.store = store
        self.lock = threading.Lock()
        self.tokens = TokenBook(store, self.lock)
        self.signer, _ = load_or_create_signer(settings.key_path(), "truceline-mission")
        self.ledger = Ledger(store)
        self.days = {d.day: d for d in days}
        self.parties = sorted({p for d in days for p in d.parties})
        self._cases: dict[str, Case] = {}
        self.deliveries: list[threading.Thread] = []   # webhook posts under way
        with self.lock:   # what reads serve from memory; every write goes to the store first
            self._claims: list[Claim] = store.claims()
            self._publications = [_parsed(p) for p in store.publications()]
        self.sync()

    @classmethod
    def open(cls, settings: ServeSettings) -> "Desk":
        store = Store.open(settings.store_target())
        try:
            days = [load_day(f, store) for f in find_days(Path(settings.data))]
        except BaseException:
            store.close()
            raise
        return cls(settings, store, days)

    def wait_deliveries(self, timeout_s: float = 30.0) -> None:
        """Wait for webhook posts under way (before closing, and in tests)."""
        for t in list(self.deliveries):
            t.join(timeout_s)
        self.deliveries = [t for t in self.deliveries if t.is_alive()]

    def close(self) -> None:
        self.wait_deliveries()
        with self.lock:
            self.store.close()

    # ------------------------------------------------------------------ days and what they hold

    def day(self, day: str) -> Day:
        if day not in self.days:
            raise NotFound(f"no processed day {day!r} (served: {', '.join(sorted(self.days))})")
        return self.days[day]

    # ------------------------------------------------------------------ review

    def reload(self, who: Principal) -> list[Case]:
        """Read the served days again from their folders (after a re-processing run wrote them) and
        reconcile the queue; returns the cases now in conflict. Analysts only."""
        if who.role != "analyst":
            raise Forbidden("only analysts reload the served days")
        with self.lock:
            days = [load_day(f, self.store) for f in find_days(Path(self.settings.data))]
        self.days = {d.day: d for d in days}
        self.parties = sorted({p for d in days for p in d.parties})
        return self.sync()

    def sync(self) -> list[Case]:
        """Reconcile the stored cases with the served days' results (after re-processing, at start).
        Returns the cases now in conflict."""
        items = []
        for d in self.days.values():
            t = d.tables
            found = review_items(t["engagements"], t["incidents"], t["weapons"], t["storage"])
            items += [replace(it, ref=f"{d.day}/{it.ref}") for it in found]
        with self.lock:
            stored = self.store.cases()
            numbers = [int(c.case_id[1:]) for c in stored] or [0]
            counter = iter(range(max(numbers) + 1, 10**9))
            cases = reconcile(stored, items, lambda: f"C{next(counter):05d}")
            kept = {c.case_id for c in cases}
            self.store.delete_cases([c.case_id for c in stored if c.case_id not in kept])
            self.store.put_cases(cases)
            self._cases = {c.case_id: c for c in cases}
        return [c for c in cases if c.in_conflict]

    def cases(self, who: Principal) -> list[Case]:
        """The cases ``who`` may see: all of them inside the mission; a liaison only what concerns
        its party and has been confirmed or published (its notifications); nobody else any."""
        cases = sorted(self._cases.values(), key=lambda c: c.case_id)
        if who.is_mission:
            return cases
        if who.role == "liaison":
            return [c for c in cases if who.party in c.item.parties and c.state in ("confirmed", "published")]
        return []

    def case(self, who: Principal, case_id: str) -> Case:
        found = next((c for c in self.cases(who) if c.case_id == case_id), None)
        if found is None:
            raise NotFound(f"no case {case_id!r}")
        return found

    def decide(self, who: Principal, case_ids: Sequence[str], action: Action, reason: str) -> list[Case]:
        """Apply one decision to several cases, all or none; each decision is a ledger leaf."""
        if who.role != "analyst" or action not in ANALYST_ACTIONS:
            raise Forbidden(f"a {who.role} may not {action}; analysts decide, publishers publish")
        with self.lock:
            current = [self._cases.get(i) for i in case_ids]
            missing = [i for i, c in zip(case_ids, current) if c is None]
            if missing:
                raise NotFound(f"no case {missing[0]!r}")
            decided = [decide(c, action, who) for c in current]   # DecisionRefused: nothing changes
            self._append_decisions(who, [(action, c.case_id) for c in decided], reason)
            self.keep(decided)
        return decided

    def _append_decisions(self, who: Principal, decisions: Sequence[tuple[str, str]], reason: str) -> list[int]:
        self.refresh_ledger()
        return [self.ledger.record_decision(actor=f"{who.name} ({who.role})", action=a, subject=s, reason=reason)
                for a, s in decisions]

    def refresh_ledger(self, force: bool = False) -> None:
        """Read the tree again if another process (a run into the same store) appended since this
        one last looked, or (``force``) after a run of this one's committed (the caller holds the lock)."""
        if force or self.store.ledger_size() != self.ledger.size:
            self.ledger = Ledger(self.store)

    def stored_case(self, case_id: str) -> Case | None:
        """A case whoever may see it (the caller holds the lock and has checked the role)."""
        return self._cases.get(case_id)

    def keep(self, cases: Sequence[Case]) -> None:
        """Store changed cases and serve them (the caller holds the lock)."""
        self.store.put_cases(cases)
        self._cases.update({c.case_id: c for c in cases})

    # ------------------------------------------------------------------ claims

    def file_claim(self, who: Principal, title: str, elements: Sequence[ClaimElement]) -> Claim:
        """A liaison files an allegation for its party; it is answered at once, element by element,
        and the filing is a ledger leaf."""
        if who.role != "liaison":
            raise Forbidden("only a party's liaison files claims")
        answers = tuple(self._answer(e) for e in elements)
        with self.lock:
            number = len(self._claims) + 1
            claim = Claim(f"K{number:05d}", who.party, who.name, _now(), title, tuple(elements), answers)
            self.refresh_ledger()
            # the leaf commits to the claim without disclosing it (nor which party filed it) to leaf readers
            digest = hashlib.sha256(json.dumps(claim_to_dict(claim), sort_keys=True).encode()).hexdigest()
            leaf = self.ledger.record_decision(actor="party liaison", action="file_claim",
                                               subject=claim.claim_id, reason=f"sha256:{digest}")
            claim = replace(claim, leaf_index=leaf)
            self.store.put_claim(claim)
            self._claims.append(claim)
        return claim

    def _answer(self, e: ClaimElement) -> ElementAnswer:
        """An element answered against the served day its window lies in (one that overlaps none
        has no coverage here at all)."""
        day = next((d for d in self.days.values() if d.period[0] <= e.start < d.period[1]), None)
        if day is None or e.end > day.period[1] + 86400.0 * 7:
            return ElementAnswer("not corroborated (insufficient coverage)",
                                 "no served day holds that window: nothing could be observed there", (), 0.0)
        t = day.tables
        seen = Observed(t["events"], t["sensors"], t["picks"], t["thermal"], t["weapons"], day.flights)
        return answer(e, seen)

    def claims(self, who: Principal) -> list[Claim]:
        """Claims ``who`` may see: all inside the mission, its own party's for a liaison, none otherwise."""
        claims = list(self._claims)
        if who.is_mission:
            return claims
        if who.role == "liaison":
            return [c for c in claims if c.party == who.party]
        return []

    def claim(self, who: Principal, claim_id: str) -> Claim:
        found = next((c for c in self.claims(who) if c.claim_id == claim_id), None)
        if found is None:
            raise NotFound(f"no claim {claim_id!r}")
        return found

    # ------------------------------------------------------------------ publications

    def publications(self) -> list[dict[str, Any]]:
        """Every publication, oldest first (``body``: the exact bytes; ``finding``: them parsed)."""
        return list(self._publications)

    def remember_publication(self, publication_id: str) -> None:
        """Take a publication just stored into the served list (the caller holds the lock)."""
        stored = next(p for p in self.store.publications() if p["publication_id"] == publication_id)
        self._publications.append(_parsed(stored))

    # ------------------------------------------------------------------ tokens (for the CLI and tests)

    def revoke(self, token_id: str) -> bool:
        with self.lock:
            done = self.store.revoke_token(token_id)
        self.tokens.forget(token_id)
        return done

    def with_store(self, fn: Callable[[Store], Any]) -> Any:
        """Run ``fn(store)`` holding the lock (for the few routes that read the store directly)."""
        with self.lock:
            return fn(self.store)



def _parsed(publication: dict[str, Any]) -> dict[str, Any]:
    return {**publication, "finding": json.loads(publication["body"])}
