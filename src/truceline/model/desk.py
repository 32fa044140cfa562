"""The mission's desk: who may act (principals and roles), what analysts review (items and cases),
what parties allege (claims and their answers) and what every party receives (published findings).

Nouns only; the rules that move a case through its lifecycle live in :mod:`truceline.verify.review`,
claim matching in :mod:`truceline.verify.claims`, persistence in :mod:`truceline.store.desk_tables`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

Role = Literal["analyst", "publisher", "liaison", "coalition", "operator", "public"]
ROLES: tuple[Role, ...] = ("analyst", "publisher", "liaison", "coalition", "operator", "public")
"""Every role, in the order docs/api.md lists them."""

MISSION_ROLES: frozenset[str] = frozenset({"analyst", "publisher"})
"""Roles inside the mission: they see unpublished findings (and analysts, sensor positions)."""

CaseState = Literal["automatic", "preliminary", "confirmed", "rejected", "published"]
CASE_STATES: tuple[CaseState, ...] = ("automatic", "preliminary", "confirmed", "rejected", "published")
"""The review lifecycle, in QuakeML's vocabulary: automatic -> preliminary -> confirmed / rejected -> published."""

ItemKind = Literal["engagement", "incident", "weapon", "storage"]
ITEM_KINDS: tuple[ItemKind, ...] = ("engagement", "incident", "weapon", "storage")

Action = Literal["preliminary", "confirm", "reject", "publish", "keep", "accept_update"]
ACTIONS: tuple[Action, ...] = ("preliminary", "confirm", "reject", "publish", "keep", "accept_update")
"""Human decisions: mark preliminary, confirm, reject, publish (a second person), and the two
answers to a conflict: keep the decision, or accept the re-processed automatic result."""

ClaimKind = Literal["fire", "launch", "impact", "weapon"]
CLAIM_KINDS: tuple[ClaimKind, ...] = ("fire", "launch", "impact", "weapon")

Verdict = Literal["corroborated", "not corroborated", "not corroborated (insufficient coverage)", "contradicted"]


@dataclass(frozen=True)
class Principal:
    """Who holds a token: a person or system with one role (and, for a liaison, the party it speaks
    for; for a sensor operator, the owner whose sensors it runs)."""

    token_id: str
    name: str
    role: Role
    party: str = ""

    @property
    def is_mission(self) -> bool:
        return self.role in MISSION_ROLES


PUBLIC = Principal("", "public", "public")
"""Whoever calls without a token."""


@dataclass(frozen=True)
class ReviewItem:
    """One thing an analyst decides on: an engagement (with its incidents), an incident outside any
    engagement, a weapon in violation, or a storage site with pieces missing.

    ``automatic`` is the machine's result the decision is about; ``fingerprint`` its hash, so
    that re-processing that changes it is noticed. ``parties`` are the parties it concerns
    (the side attributed and the side it happened on)."""

    kind: ItemKind
    ref: str                      # the id in the run's output (G00001, I00042, W00003, ST2)
    start: float
    end: float
    lon: float
    lat: float
    sector: str
    parties: tuple[str, ...]
    summary: str
    automatic: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str = ""


@dataclass(frozen=True)
class Case:
    """The review lifecycle of one item: its state, the decision made on it and, when
    re-processing changed the automatic result after a decision, the conflict to settle."""

    case_id: str
    item: ReviewItem
    state: CaseState = "automatic"
    decided_by: str = ""                      # who confirmed or rejected (four eyes: not the publisher)
    decided_fingerprint: str = ""             # the automatic result the decision was made on
    conflict: str = ""                        # why the case is in conflict; empty when it is not
    pending: ReviewItem | None = None         # the re-processed result (None: no longer found)
    publication_id: str = ""

    @property
    def in_conflict(self) -> bool:
        return bool(self.conflict)


@dataclass(frozen=True)
class ClaimElement:
    """One allegation of a claim: something of ``kind`` near (lon, lat) between two times."""

    kind: ClaimKind
    lon: float
    lat: float
    start: float
    end: float
    radius_m: float = 2_000.0
    description: str = ""


@dataclass(frozen=True)
class ElementAnswer:
    """What the mechanism says about one element, why, on which evidence, and how well it could see."""

    verdict: Verdict
    reason: str
    evidence: tuple[str, ...]
    coverage_p: float


@dataclass(frozen=True)
class Claim:
    """An allegation filed by a party, and the mechanism's answer per element."""

    claim_id: str
    party: str
    filed_by: str
    filed_at: str
    title: str
    elements: tuple[ClaimElement, ...]
    answers: tuple[ElementAnswer, ...] = ()
    leaf_index: int = -1
