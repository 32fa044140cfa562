"""What the daily report says, as display strings in one language (:class:`DailyContent`).

Pure: from already-computed data to strings. Words come from the catalogue
(:mod:`truceline.report.messages`) through a :class:`~truceline.report.i18n.Translator`; numbers are
formatted alike in every language, so the English, Ukrainian and Russian versions carry the same
figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np

from truceline.model.agreement import Agreement
from truceline.model.coverage import Coverage, SideCoverage
from truceline.model.tables import Columns
from truceline.model.timefmt import to_iso
from truceline.report.i18n import Translator
from truceline.report.mapplot import ELLIPSE_95_SCALE

if TYPE_CHECKING:
    from truceline.report.drones import DroneSection

DASH = "—"
FIRE_KINDS = ("launch", "impact")


@dataclass(frozen=True)
class Table:
    """A plain table of display strings."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class DailyContent:
    """Everything the daily report says, as display strings (shared by HTML, PDF and Markdown)."""

    title: str
    agreement_line: str
    summary: str
    by_party: Table
    by_sector: Table
    violations: Table
    unobserved: tuple[str, ...]
    map_caption: str
    ingest_line: str
    run_rows: tuple[tuple[str, str], ...]
    engagements: Table = Table(("Engagement",), ())
    incident_line: str = "No incidents were recorded."
    incidents: Table = Table(("Incident",), ())
    drones: "DroneSection | None" = None
    language: str = "en"

    @property
    def t(self) -> Translator:
        return Translator(self.language)


def utc(t: float) -> datetime:
    return datetime.fromtimestamp(float(t), tz=timezone.utc)


def period_label(start: float, end: float) -> str:
    """``00:00–24:00`` within one day, otherwise full dates: ``2026-11-26 06:00–2026-11-27 06:00``."""
    a, b = utc(start), utc(end)
    if a.date() == b.date():
        return f"{a:%H:%M}–{b:%H:%M}"
    if (b - a).total_seconds() <= 86_400 and b.hour == b.minute == 0 and (b.date() - a.date()).days == 1:
        return f"{a:%H:%M}–24:00"
    return f"{a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M}"


def num(value: float, digits: int) -> str:
    return DASH if not np.isfinite(value) else f"{value:,.{digits}f}"


def place_line(lon: float, lat: float, digits: int, language: str = "en") -> str:
    """A place as the report gives it: near which town, the coordinates, the MGRS reference."""
    from truceline.report.places import describe, place_of
    place = place_of(lon, lat)
    return f"{describe(place, language)} · {lat:.{digits}f}° N, {lon:.{digits}f}° E · MGRS {place.mgrs}"


def _party_name(agreement: Agreement, pid: str, tr: Translator) -> str:
    return next((p.name for p in agreement.parties if p.id == pid), pid or tr.term("undetermined"))


def _masks(events: Columns) -> dict[str, np.ndarray]:
    kind = events["kind"].astype(str)
    return {"violation": events["is_violation"].astype(bool), "kind": kind,
            "excused": events["excused_by"].astype(str) != "", "thunder": kind == "thunder",
            "side": events["attributed_side"].astype(str), "sector": events["sector"].astype(str)}


def _summary(agreement: Agreement, m: dict[str, np.ndarray], tr: Translator) -> str:
    v = m["violation"]
    n = int(v.sum())
    parts = [tr("summary.first_party" if k == 0 else "summary.party", n=int((v & (m["side"] == p.id)).sum()),
                party=p.name) for k, p in enumerate(agreement.parties)]
    undetermined = int((v & ~np.isin(m["side"], list(agreement.party_ids))).sum())
    tail = tr("summary.tail", excused=tr.count(int((m["excused"] & ~v).sum()), "explosion"),
              thunder=tr.count(int((m["thunder"] & ~v).sum()), "thunder event"))
    if n == 0:
        return tr("summary.none", tail=tail[0].upper() + tail[1:])
    return tr("summary.some", violations=tr.count(n, "violation"), parts=", ".join(parts), undetermined=undetermined,
              tail=tail)


def _side_cells(side: SideCoverage | None) -> tuple[str, ...]:
    if side is None:
        return (DASH,) * 5
    return (f"{side.sensors_online} / {side.sensors_total}", num(side.sensor_hours, 1),
            str(side.hours_observed), num(side.p_detect_launch, 2), num(side.p_detect_impact, 2))


def _by_party(agreement: Agreement, coverage: Coverage, m: dict[str, np.ndarray], tr: Translator) -> Table:
    v, kind = m["violation"], m["kind"]
    sides = {s.party: s for s in coverage.sides}
    groups = [(p.name, v & (m["side"] == p.id), sides.get(p.id)) for p in agreement.parties]
    groups.append((tr("row.undetermined"), v & ~np.isin(m["side"], list(agreement.party_ids)), None))
    rows = []
    for name, mask, side in groups:
        counts = [int((mask & (kind == k)).sum()) for k in FIRE_KINDS]
        rows.append((name, *map(str, counts), str(int(mask.sum()) - sum(counts)), str(int(mask.sum())),
                     *_side_cells(side)))
    totals = [int((v & (kind == k)).sum()) for k in FIRE_KINDS]
    rows.append((tr("row.total"), *map(str, totals), str(int(v.sum()) - sum(totals)), str(int(v.sum())),
                 *(("",) * 5)))
    return Table(tr.headers("t.by_party"), tuple(rows))


def _by_sector(agreement: Agreement, coverage: Coverage, m: dict[str, np.ndarray], tr: Translator) -> Table:
    v, kind = m["violation"], m["kind"]
    sectors = [(s.id, s.name) for s in agreement.sectors]
    known = {sid for sid, _ in sectors}
    if np.any(v & ~np.isin(m["sector"], list(known))):
        sectors.append(("", tr("sector.outside")))
    rows = []
    for sid, name in sectors:
        mask = v & ((m["sector"] == sid) if sid else ~np.isin(m["sector"], list(known)))
        gaps = [tr("sector.gap", party=_party_name(agreement, g.party, tr), hours=g.hours, p=f"{g.p_detect:.2f}")
                for g in coverage.gaps if sid and g.sector == sid]
        counts = [str(int((mask & (kind == k)).sum())) for k in FIRE_KINDS]
        rows.append((sid or DASH, name, *counts, str(int(mask.sum())), _sector_detection(agreement, coverage, sid, tr),
                     "; ".join(gaps) or tr("sector.no_gaps")))
    return Table(tr.headers("t.by_sector"), tuple(rows))


def _sector_detection(agreement: Agreement, coverage: Coverage, sector: str, tr: Translator) -> str:
    """Each side's detection probability of a launch and of an impact within one sector."""
    cells = []
    for party in agreement.party_ids:
        c = coverage.in_sector(party, sector) if sector else None
        if c is not None:
            cells.append(tr("sector.detect", party=_party_name(agreement, party, tr),
                            launch=num(c.p_detect_launch, 2), impact=num(c.p_detect_impact, 2)))
    return "; ".join(cells) or DASH


def _detection_there(agreement: Agreement, coverage: Coverage, kind: str, side: str, sector: str = "") -> str:
    """The detection probability behind one event: of a launch on the firing side, of an impact on
    the other side (where the round landed), within the event's sector where it has one; a dash
    when the firing side is undetermined."""
    if side not in agreement.party_ids or kind not in FIRE_KINDS:
        return DASH
    where = side if kind == "launch" else next((q for q in agreement.party_ids if q != side), side)
    c = coverage.in_sector(where, sector) if sector else None
    if c is None:
        c = {s.party: s for s in coverage.sides}.get(where)
    if c is None:
        return DASH
    return num(c.p_detect_launch if kind == "launch" else c.p_detect_impact, 2)


def _violations(agreement: Agreement, events: Columns, m: dict[str, np.ndarray], coverage: Coverage,
                tr: Translator) -> Table:
    idx = np.flatnonzero(m["violation"])
    idx = idx[np.argsort(events["time"][idx], kind="stable")]
    grade = events["attribution_grade"]
    rows = []
    for i in idx:
        side, kind = str(events["attributed_side"][i]), str(events["kind"][i])
        rows.append((
            str(events["event_id"][i]), to_iso(float(events["time"][i])), tr.term(kind),
            tr.term(str(events["weapon_class"][i])) or DASH, num(float(events["lon"][i]), 5),
            num(float(events["lat"][i]), 5), num(float(events["sigma_major_m"][i]) * ELLIPSE_95_SCALE, 0),
            str(events["sector"][i]) or DASH, ", ".join(r for r in str(events["rules"][i]).split(";") if r) or DASH,
            _party_name(agreement, side, tr) if side in agreement.party_ids else tr.term("undetermined"),
            num(float(events["attribution_p"][i]), 2), tr.term(str(grade[i])), tr.term(str(events["confidence"][i])) or DASH,
            _detection_there(agreement, coverage, kind, side, str(events["sector"][i])),
            str(events["pair_id"][i]) or DASH))
    return Table(tr.headers("t.violations"), tuple(rows))


def _unobserved(agreement: Agreement, coverage: Coverage, sensors: Columns | None, tr: Translator) -> tuple[str, ...]:
    owners: dict[str, str] = {}
    if sensors is not None and len(sensors) and "owner" in sensors:
        owners = {str(s): str(o) for s, o in zip(sensors["sensor_id"], sensors["owner"])}
    out = []
    for g in coverage.gaps:
        where = tr("gap.sector", sector=g.sector) if g.sector else tr("gap.side")
        note = tr("gap.note", p=f"{g.p_detect:.2f}") if g.note else ""
        out.append(tr("gap.line", party=_party_name(agreement, g.party, tr), where=where, hours=g.hours,
                      p=f"{g.p_detect:.2f}", note=note))
    for sid, hours in coverage.offline_sensors:
        owner = tr("gap.owner", owner=owners[sid]) if sid in owners else ""
        out.append(tr("gap.sensor", sensor=sid, owner=owner, hours=f"{hours:.1f}"))
    return tuple(out) or (tr("gap.none"),)


def _ingest_line(ingest: dict[str, int], tr: Translator) -> str:
    r, a, d, q = (int(ingest.get(k, 0)) for k in ("received", "accepted", "duplicates", "quarantined"))
    text = tr("ingest", r=f"{r:,}", a=f"{a:,}", d=f"{d:,}", q=f"{q:,}")
    if a + d + q == r:
        return text + tr("ingest.balanced")
    return text.replace(" = ", " ≠ ") + tr("ingest.unbalanced", s=f"{a + d + q:,}")


def _engagements(engagements: Columns | None, tr: Translator) -> Table:
    headers = tr.headers("t.engagements")
    if engagements is None:
        return Table(headers, ())
    rows = []
    for k in range(len(engagements)):
        p = engagements["opened_by_p"][k]
        opened = tr.term(str(engagements["opened_by"][k])) + ("" if not np.isfinite(p) else f" (p = {p:.2f})")
        rows.append((str(engagements["engagement_id"][k]),
                     f"{utc(engagements['start'][k]):%H:%M}–{utc(engagements['end'][k]):%H:%M}",
                     str(engagements["sector"][k]) or DASH,
                     place_line(float(engagements["lon"][k]), float(engagements["lat"][k]), 3, tr.language),
                     tr("engagement.events", n=engagements["n_events"][k], k=engagements["n_launches"][k]), opened,
                     str(engagements["opening_event_id"][k]) or DASH))
    return Table(headers, tuple(rows))


def _incidents(incidents: Columns | None, tr: Translator) -> tuple[str, Table]:
    """A sentence of counts by confidence level, and the corroborated incidents with all their evidence."""
    headers = tr.headers("t.incidents")
    if incidents is None or len(incidents) == 0:
        return tr("incidents.none"), Table(headers, ())
    level = incidents["confidence"].astype(str)
    counts = ", ".join(f"{int(np.sum(level == name))} {tr.term(name)}"
                       for name in ("corroborated", "probable", "possible", "unverified"))
    rows = []
    for k in np.flatnonzero(level == "corroborated"):
        p = float(incidents["attribution_p"][k])
        rows.append((str(incidents["incident_id"][k]),
                     f"{utc(incidents['start'][k]):%H:%M}–{utc(incidents['end'][k]):%H:%M}",
                     place_line(float(incidents["lon"][k]), float(incidents["lat"][k]), 4, tr.language),
                     tr.terms(str(incidents["modalities"][k])), tr.term("corroborated"),
                     tr.term(str(incidents["attributed_side"][k])),
                     tr.term(str(incidents["attribution"][k])) + ("" if not np.isfinite(p) else f" (p = {p:.2f})"),
                     str(incidents["event_ids"][k]) or DASH, str(incidents["thermal_ids"][k]) or DASH,
                     str(incidents["weapon_ids"][k]) or DASH, str(incidents["damage_ids"][k]) or DASH))
    sat = np.asarray(incidents["thermal_coverage_p"], float)
    sat = sat[np.isfinite(sat)]
    seen = tr("incidents.satellite", mean=f"{sat.mean():.2f}", low=f"{sat.min():.2f}",
              high=f"{sat.max():.2f}") if len(sat) else ""
    return tr("incidents.line", n=len(incidents), counts=counts, seen=seen), Table(headers, tuple(rows))


def build_content(*, agreement: Agreement, events: Columns, sensors: Columns | None, coverage: Coverage,
                  ingest: dict[str, int], run: dict[str, str], period_start: float,
                  period_end: float, engagements: Columns | None = None,
                  incidents: Columns | None = None, drones: "DroneSection | None" = None,
                  language: str = "en", period_text: str | None = None) -> DailyContent:
    """The report's content in ``language`` (see :func:`truceline.report.daily.render_daily`)."""
    tr = Translator(language)
    m = _masks(events)
    incident_line, incident_table = _incidents(incidents, tr)
    return DailyContent(
        title=(tr("title", date=f"{utc(period_start):%Y-%m-%d}", period=period_label(period_start, period_end))
               if period_text is None else tr("title.local", date=f"{utc(period_end):%Y-%m-%d}", period=period_text)),
        agreement_line=tr("agreement", name=agreement.name, version=agreement.version, hash=agreement.content_hash),
        summary=_summary(agreement, m, tr), by_party=_by_party(agreement, coverage, m, tr),
        by_sector=_by_sector(agreement, coverage, m, tr), violations=_violations(agreement, events, m, coverage, tr),
        unobserved=_unobserved(agreement, coverage, sensors, tr), map_caption=tr("note.map"),
        ingest_line=_ingest_line(ingest, tr),
        run_rows=tuple((str(k).replace("_", " "), str(v)) for k, v in run.items()),
        engagements=_engagements(engagements, tr), incident_line=incident_line, incidents=incident_table,
        drones=drones, language=language)
