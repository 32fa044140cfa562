"""Request and response bodies of the API (pydantic 2); the served OpenAPI is built from them.

Row models of the result tables are derived from their column contracts (``model/tables.py``),
so the API documents exactly the columns docs/formats.md does.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model, model_validator

from truceline.model import tables as T
from truceline.model.desk import ACTIONS, CASE_STATES, CLAIM_KINDS, ITEM_KINDS, ROLES
from truceline.model.tables import Contract

MAX_WINDOW_S = 7 * 86400.0
_PY = {"str": str, "float": Optional[float], "time": Optional[str], "int": int, "bool": bool}


def row_model(contract: Contract, name: str) -> type[BaseModel]:
    """A response model with one field per column of ``contract`` (times as ISO 8601 text)."""
    fields: dict[str, Any] = {c.name: (_PY[c.dtype], Field(description=c.description + (f" [{c.unit}]" if c.unit else "")))
                              for c in contract.columns if c.dtype != "geometry"}
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


Event = row_model(T.EVENTS, "Event")
Incident = row_model(T.INCIDENTS, "Incident")
Engagement = row_model(T.ENGAGEMENTS, "Engagement")
Sensor = row_model(T.SENSORS, "Sensor")
WeaponFinding = row_model(T.WEAPON_FINDINGS, "WeaponFinding")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class Page(BaseModel):
    total: int = Field(description="Rows matching the filters, before paging.")
    offset: int
    limit: int


class EventPage(Page):
    items: list[Event]       # type: ignore[valid-type]


class IncidentPage(Page):
    items: list[Incident]    # type: ignore[valid-type]


class EngagementPage(Page):
    items: list[Engagement]  # type: ignore[valid-type]


class SensorPage(Page):
    items: list[Sensor]      # type: ignore[valid-type]


class Violation(BaseModel):
    """A finding that breaks a rule: an incident in violation or a weapon inside its withdrawal zone."""

    violation_id: str
    kind: Literal["incident", "weapon"]
    time: Optional[str]
    lon: float
    lat: float
    party: str = Field(description="Party attributed (incident) or owning the weapon; 'undetermined' if unknown.")
    attribution: str
    confidence: str
    evidence: list[str]


class ViolationPage(Page):
    items: list[Violation]


class Fact(BaseModel):
    label: str
    text: str


class ExplanationTable(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[str]]


class ExplanationOut(BaseModel):
    """Why the mission says what it says of one event or engagement (as ``truceline explain``)."""

    title: str
    facts: list[Fact] = Field(description="Kind and its basis, time, place and 95 % ellipse, sensors, pair, side, "
                                          "verdict, confidence and engagement (for an engagement: span, place, size, opener).")
    tables: list[ExplanationTable] = Field(description="An event's picks with times, labels and residuals, and the picks "
                                                       "left out that name it with their reasons; an engagement's events.")


class DayInfo(BaseModel):
    day: str
    period_start: str
    period_end: str
    run_id: str
    counts: dict[str, int]


class Me(BaseModel):
    name: str
    role: Literal[ROLES]  # type: ignore[valid-type]
    party: str


class Item(BaseModel):
    kind: Literal[ITEM_KINDS]  # type: ignore[valid-type]
    ref: str = Field(description="<day>/<id in that day's output>: G00001, I00001, W00001 or a storage site id.")
    start: Optional[float] = Field(description="Epoch seconds UTC; null for a storage site.")
    end: Optional[float]
    lon: float
    lat: float
    sector: str
    parties: list[str]
    summary: str
    automatic: dict[str, Any]
    fingerprint: str


class CaseOut(BaseModel):
    case_id: str
    state: Literal[CASE_STATES]  # type: ignore[valid-type]
    item: Item
    decided_by: str
    decided_fingerprint: str
    conflict: str = Field(description="Why the case is in conflict after re-processing; empty when it is not.")
    pending: Optional[Item] = Field(description="The re-processed result awaiting a decision (conflict only).")
    publication_id: str


class CasePage(Page):
    items: list[CaseOut]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_ids: list[str] = Field(min_length=1, max_length=1000)
    action: Literal[tuple(a for a in ACTIONS if a != "publish")]  # type: ignore[valid-type]
    reason: str = Field(min_length=1, max_length=2000)


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class ElementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal[CLAIM_KINDS]  # type: ignore[valid-type]
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    start: AwareDatetime = Field(description="RFC 3339 date-time with its offset, e.g. 2026-11-26T03:00:00Z.")
    end: AwareDatetime = Field(description="Not before start.")
    radius_m: float = Field(2000.0, gt=0, le=50_000)
    description: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _ordered(self) -> "ElementIn":
        if self.end < self.start:
            raise ValueError("end is before start")
        if (self.end - self.start).total_seconds() > MAX_WINDOW_S:
            raise ValueError("the window is longer than 7 days; file one element per day or week")
        return self


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=500)
    elements: list[ElementIn] = Field(min_length=1, max_length=50)


class AnswerOut(BaseModel):
    verdict: str
    reason: str
    evidence: list[str]
    coverage_p: float


class ClaimOut(BaseModel):
    claim_id: str
    party: str
    filed_by: str
    filed_at: str
    title: str
    elements: list[dict[str, Any]]
    answers: list[AnswerOut]
    leaf_index: int


class Notification(BaseModel):
    kind: Literal["claim answered", "finding confirmed", "finding published"]
    ref: str
    at: str
    summary: str


class PublicationOut(BaseModel):
    publication_id: str
    case_id: str
    published_at: str
    supersedes: str
    signature: str = Field(description="Ed25519 signature (base64) of the exact body bytes by the log key.")
    finding: dict[str, Any]


class PublicFinding(BaseModel):
    publication_id: str
    kind: str
    summary: str
    sector: str
    hour: Optional[str] = Field(description="Start, truncated to the hour (UTC).")
    lon: float = Field(description="Rounded to the public grid.")
    lat: float
    supersedes: str


class CheckpointOut(BaseModel):
    size: int
    note: str
    log_key: str


class ProofOut(BaseModel):
    leaf_index: int
    size: int
    leaf_hash: str = Field(description="RFC 9162 leaf hash (base64): what the proof proves.")
    leaf_data: str = Field(description="The leaf's payload; empty outside the mission for a decision on an "
                                       "unpublished case (its hash and proof are still given).")
    proof: list[str]


class ConsistencyOut(BaseModel):
    first: int
    second: int
    proof: list[str]
