"""The daily report: what was detected, beside what could be observed, in HTML and Markdown.

Pure rendering from already-computed data (events of the period, coverage, ingest counts and
run information): both documents are built from one :class:`DailyContent`, so they say the
same thing. The HTML is self-contained (inline CSS, the map embedded as a base64 PNG); the
Markdown refers to ``map.png`` written beside it.

>>> paths = render_daily(agreement=a, events=ev, sensors=s, coverage=cov,           # doctest: +SKIP
...                      ingest={"received": 10, "accepted": 9, "duplicates": 1, "quarantined": 0},
...                      run={"code_version": "0.1.0"}, period_start=t0, period_end=t0 + 86400,
...                      out_dir=Path("out"))
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined

from truceline.model.agreement import Agreement
from truceline.model.coverage import Coverage, SideCoverage
from truceline.model.tables import Columns
from truceline.model.timefmt import to_iso
from truceline.report.mapplot import ELLIPSE_95_SCALE, render_map

if TYPE_CHECKING:
    from truceline.report.drones import DroneSection

DASH = "—"
FIRE_KINDS = ("launch", "impact")
DETECTION_NOTE = (
    "Counts are of detected events only. The detection probability is the mean probability, over "
    "the period and the side's area near the line, that a tube-artillery launch (or impact) there "
    "would have been detected and located by the sensors that were online. Where it is low, few or "
    "no detections do not mean that little or no fire took place. Launches attributed to a party "
    "lie on its own side; the impacts of its fire usually lie on the other side, so read an impact "
    "count against the detection probability of the side where the impacts fell.")
ENGAGEMENT_NOTE = (
    "An engagement is fire grouped by place along the line and time. It is opened by the side of its "
    "earliest attributed round; \"undetermined\" when an unattributed round came first or both sides fired "
    "within seconds of each other.")
INCIDENT_NOTE = (
    "An incident gathers the evidence of one happening across sources (a launch, its impact, the fire seen "
    "from space). Confidence: corroborated (two independent sources), probable (one source, strong), possible "
    "(weak, or satellites alone), unverified (unsigned data alone); confirmed only by analyst review. "
    "Attribution is graded apart: attributed (p >= 0.95), largely attributed (p >= 0.8), undetermined. "
    "Criteria: docs/verification.md.")
NEUTRALITY_NOTE = (
    "This report is neutral verification, not targeting: positions are published with their "
    "uncertainty, after the fact, to every party alike. Findings are automatic; a violation is "
    "\"confirmed\" only by analyst review.")


@dataclass(frozen=True)
class Table:
    """A plain table of display strings."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class DailyContent:
    """Everything the daily report says, as display strings (shared by HTML and Markdown)."""

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
    detection_note: str = DETECTION_NOTE
    neutrality_note: str = NEUTRALITY_NOTE


# ------------------------------------------------------------------ formatting helpers

def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(float(t), tz=timezone.utc)


def period_label(start: float, end: float) -> str:
    """``00:00–24:00`` within one day, otherwise full dates: ``2026-11-26 06:00–2026-11-27 06:00``."""
    a, b = _utc(start), _utc(end)
    if a.date() == b.date():
        return f"{a:%H:%M}–{b:%H:%M}"
    if (b - a).total_seconds() <= 86_400 and b.hour == b.minute == 0 and (b.date() - a.date()).days == 1:
        return f"{a:%H:%M}–24:00"
    return f"{a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M}"


def _num(value: float, digits: int) -> str:
    return DASH if not np.isfinite(value) else f"{value:,.{digits}f}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def place_line(lon: float, lat: float, digits: int) -> str:
    """A place as the report gives it: near which town, the coordinates, the MGRS reference."""
    from truceline.report.places import describe, place_of
    place = place_of(lon, lat)
    return f"{describe(place)} · {lat:.{digits}f}° N, {lon:.{digits}f}° E · MGRS {place.mgrs}"


def _party_name(agreement: Agreement, pid: str) -> str:
    return next((p.name for p in agreement.parties if p.id == pid), pid or "undetermined")


# ------------------------------------------------------------------ content

def _masks(events: Columns) -> dict[str, np.ndarray]:
    kind = events["kind"].astype(str)
    return {"violation": events["is_violation"].astype(bool), "kind": kind,
            "excused": events["excused_by"].astype(str) != "", "thunder": kind == "thunder",
            "side": events["attributed_side"].astype(str), "sector": events["sector"].astype(str)}


def _summary(agreement: Agreement, m: dict[str, np.ndarray]) -> str:
    v = m["violation"]
    n = int(v.sum())
    parts = [f"{int((v & (m['side'] == p.id)).sum())} to {p.name}" for p in agreement.parties]
    known = set(agreement.party_ids)
    undetermined = int((v & ~np.isin(m["side"], list(known))).sum())
    if parts:
        parts[0] = parts[0].replace(" to ", " attributed to ", 1)
    excused = int((m["excused"] & ~v).sum())
    thunder = int((m["thunder"] & ~v).sum())
    tail = (f"{_plural(excused, 'explosion', 'explosions')} excused as declared activity; "
            f"{_plural(thunder, 'thunder event', 'thunder events')} set aside.")
    if n == 0:
        return (f"No ceasefire violations were recorded in this period. {tail[0].upper()}{tail[1:]} "
                "See below for what the sensors could observe.")
    return (f"{_plural(n, 'ceasefire violation', 'ceasefire violations')} recorded: "
            f"{', '.join(parts)}, {undetermined} undetermined; {tail} "
            "All counts are of detected events; each stands beside the detection probability of its side.")


def _side_cells(side: SideCoverage | None) -> tuple[str, ...]:
    if side is None:
        return (DASH,) * 5
    return (f"{side.sensors_online} / {side.sensors_total}", _num(side.sensor_hours, 1),
            str(side.hours_observed), _num(side.p_detect_launch, 2), _num(side.p_detect_impact, 2))


def _by_party(agreement: Agreement, coverage: Coverage, m: dict[str, np.ndarray]) -> Table:
    v, kind = m["violation"], m["kind"]
    sides = {s.party: s for s in coverage.sides}
    known = set(agreement.party_ids)
    groups = [(p.name, v & (m["side"] == p.id), sides.get(p.id)) for p in agreement.parties]
    groups.append(("Undetermined", v & ~np.isin(m["side"], list(known)), None))
    rows = []
    for name, mask, side in groups:
        counts = [int((mask & (kind == k)).sum()) for k in FIRE_KINDS]
        other = int(mask.sum()) - sum(counts)
        rows.append((name, *map(str, counts), str(other), str(int(mask.sum())), *_side_cells(side)))
    totals = [int((v & (kind == k)).sum()) for k in FIRE_KINDS]
    rows.append(("Total", *map(str, totals), str(int(v.sum()) - sum(totals)), str(int(v.sum())), *(("",) * 5)))
    headers = ("Attributed to", "Launches", "Impacts", "Other", "Total violations",
               "Sensors online / total (this side)", "Sensor-hours", "Hours observed",
               "P(detect launch)", "P(detect impact)")
    return Table(headers, tuple(rows))


def _by_sector(agreement: Agreement, coverage: Coverage, m: dict[str, np.ndarray]) -> Table:
    v, kind = m["violation"], m["kind"]
    sectors = [(s.id, s.name) for s in agreement.sectors]
    known = {sid for sid, _ in sectors}
    if np.any(v & ~np.isin(m["sector"], list(known))):
        sectors.append(("", "Outside all sectors"))
    rows = []
    for sid, name in sectors:
        mask = v & ((m["sector"] == sid) if sid else ~np.isin(m["sector"], list(known)))
        gaps = [f"{_party_name(agreement, g.party)} side {g.hours} (p {g.p_detect:.2f})"
                for g in coverage.gaps if sid and g.sector == sid]
        counts = [str(int((mask & (kind == k)).sum())) for k in FIRE_KINDS]
        rows.append((sid or DASH, name, *counts, str(int(mask.sum())), "; ".join(gaps) or "none recorded"))
    return Table(("Sector", "Name", "Launches", "Impacts", "Total violations", "Observation gaps"), tuple(rows))


def _detection_there(agreement: Agreement, coverage: Coverage, kind: str, side: str) -> str:
    """The detection probability behind one event: of a launch on the firing side, of an impact on
    the other side (where the round landed); a dash when the firing side is undetermined."""
    sides = {c.party: c for c in coverage.sides}
    if side not in agreement.party_ids or kind not in FIRE_KINDS:
        return DASH
    where = side if kind == "launch" else next((q for q in agreement.party_ids if q != side), side)
    c = sides.get(where)
    if c is None:
        return DASH
    return _num(c.p_detect_launch if kind == "launch" else c.p_detect_impact, 2)


def _violations(agreement: Agreement, events: Columns, m: dict[str, np.ndarray], coverage: Coverage) -> Table:
    from truceline.verify.incidents import attribution_grade

    idx = np.flatnonzero(m["violation"])
    idx = idx[np.argsort(events["time"][idx], kind="stable")]
    grade = attribution_grade(np.asarray(events["attribution_p"], float))
    rows = []
    for i in idx:
        p = float(events["attribution_p"][i])
        side = str(events["attributed_side"][i])
        rows.append((
            str(events["event_id"][i]), to_iso(float(events["time"][i])), str(events["kind"][i]),
            str(events["weapon_class"][i]) or DASH, _num(float(events["lon"][i]), 5), _num(float(events["lat"][i]), 5),
            _num(float(events["sigma_major_m"][i]) * ELLIPSE_95_SCALE, 0), str(events["sector"][i]) or DASH,
            ", ".join(r for r in str(events["rules"][i]).split(";") if r) or DASH,
            _party_name(agreement, side) if side in agreement.party_ids else "undetermined",
            _num(p, 2), str(grade[i]), str(events["confidence"][i]) or DASH,
            _detection_there(agreement, coverage, str(events["kind"][i]), side), str(events["pair_id"][i]) or DASH))
    headers = ("Event", "Time (UTC)", "Kind", "Weapon class", "Lon", "Lat", "95 % semi-major (m)", "Sector",
               "Rules broken", "Attributed side", "Attribution p", "Attribution grade", "Confidence",
               "Detection p there", "Paired event")
    return Table(headers, tuple(rows))


def _unobserved(agreement: Agreement, coverage: Coverage, sensors: Columns | None) -> tuple[str, ...]:
    owners: dict[str, str] = {}
    if sensors is not None and len(sensors) and "owner" in sensors:
        owners = {str(s): str(o) for s, o in zip(sensors["sensor_id"], sensors["owner"])}
    out = []
    for g in coverage.gaps:
        where = f"in sector {g.sector}" if g.sector else "across the side"
        note = f" Note: {g.note.rstrip('.')}." if g.note else ""
        out.append(f"On the side of {_party_name(agreement, g.party)}, {where}, {g.hours}: the probability of "
                   f"detecting fire was {g.p_detect:.2f}, below 0.5; an absence of detections there "
                   f"says little.{note}")
    for sid, hours in coverage.offline_sensors:
        owner = f" (contributed by {owners[sid]})" if sid in owners else ""
        out.append(f"Sensor {sid}{owner} sent no data for {hours:.1f} h of the period.")
    if not out:
        out.append("No coverage gaps were recorded and every sensor reported throughout the period.")
    return tuple(out)


def _ingest_line(ingest: dict[str, int]) -> str:
    r, a, d, q = (int(ingest.get(k, 0)) for k in ("received", "accepted", "duplicates", "quarantined"))
    text = f"Observations received: {r:,} = {a:,} accepted + {d:,} duplicates + {q:,} quarantined"
    if a + d + q == r:
        return text + " (balanced)."
    return text.replace(" = ", " ≠ ") + f" (does not balance: the parts sum to {a + d + q:,})."


def _engagements(engagements: Columns | None) -> Table:
    headers = ("Engagement", "Time (UTC)", "Sector", "Where", "Fire events", "Opened by", "Evidence")
    if engagements is None:
        return Table(headers, ())
    rows = []
    for k in range(len(engagements)):
        p = engagements["opened_by_p"][k]
        opened = str(engagements["opened_by"][k]) + ("" if not np.isfinite(p) else f" (p = {p:.2f})")
        rows.append((str(engagements["engagement_id"][k]),
                     f"{_utc(engagements['start'][k]):%H:%M}–{_utc(engagements['end'][k]):%H:%M}",
                     str(engagements["sector"][k]) or "—",
                     place_line(float(engagements["lon"][k]), float(engagements["lat"][k]), 3),
                     f"{engagements['n_events'][k]} ({engagements['n_launches'][k]} launches)", opened,
                     str(engagements["opening_event_id"][k]) or "—"))
    return Table(headers, tuple(rows))


def _incidents(incidents: Columns | None) -> tuple[str, Table]:
    """A sentence of counts by confidence level, and the corroborated incidents with all their evidence."""
    headers = ("Incident", "Time (UTC)", "Where", "Sources", "Confidence", "Attributed side", "Attribution",
               "Acoustic evidence", "Satellite evidence", "Drone evidence", "Radar evidence")
    if incidents is None or len(incidents) == 0:
        return "No incidents were recorded.", Table(headers, ())
    level = incidents["confidence"].astype(str)
    counts = ", ".join(f"{int(np.sum(level == name))} {name}"
                       for name in ("corroborated", "probable", "possible", "unverified"))
    rows = []
    for k in np.flatnonzero(level == "corroborated"):
        p = float(incidents["attribution_p"][k])
        rows.append((str(incidents["incident_id"][k]),
                     f"{_utc(incidents['start'][k]):%H:%M}–{_utc(incidents['end'][k]):%H:%M}",
                     place_line(float(incidents["lon"][k]), float(incidents["lat"][k]), 4), str(incidents["modalities"][k]),
                     "corroborated", str(incidents["attributed_side"][k]),
                     str(incidents["attribution"][k]) + ("" if not np.isfinite(p) else f" (p = {p:.2f})"),
                     str(incidents["event_ids"][k]) or DASH, str(incidents["thermal_ids"][k]) or DASH,
                     str(incidents["weapon_ids"][k]) or DASH, str(incidents["damage_ids"][k]) or DASH))
    sat = np.asarray(incidents["thermal_coverage_p"], float)
    sat = sat[np.isfinite(sat)]
    seen = (f" Satellite coverage: a fire started by one of today's rounds would appear in the FIRMS hotspots "
            f"with probability {sat.mean():.2f} on average (from {sat.min():.2f} to {sat.max():.2f} by the hour; "
            "overpass times and a clear-sky chance of 0.45 assumed, no cloud mask read), so the absence of a "
            "hotspot says little." if len(sat) else "")
    return (f"{len(incidents)} incidents: {counts}. Corroborated incidents (two independent sources) "
            f"are listed with all their evidence.{seen}"), Table(headers, tuple(rows))


def build_content(*, agreement: Agreement, events: Columns, sensors: Columns | None, coverage: Coverage,
                  ingest: dict[str, int], run: dict[str, str], period_start: float,
                  period_end: float, engagements: Columns | None = None,
                  incidents: Columns | None = None, drones: "DroneSection | None" = None) -> DailyContent:
    """The report's content as display strings (see :func:`render_daily` for the arguments)."""
    m = _masks(events)
    incident_line, incident_table = _incidents(incidents)
    date = f"{_utc(period_start):%Y-%m-%d}"
    return DailyContent(
        title=f"Daily report — {date} (period {period_label(period_start, period_end)} UTC)",
        agreement_line=(f"Judged against “{agreement.name}”, version {agreement.version}, "
                        f"content hash sha256:{agreement.content_hash}."),
        summary=_summary(agreement, m),
        by_party=_by_party(agreement, coverage, m),
        by_sector=_by_sector(agreement, coverage, m),
        violations=_violations(agreement, events, m, coverage),
        unobserved=_unobserved(agreement, coverage, sensors),
        map_caption=("Map: violations coloured by attributed side (diamond: launch, dot: impact), each with its "
                     "95 % error ellipse (semi-axes 2.45 × the 1-sigma location uncertainty); other fire events "
                     "faint; thunder and explosions excused as declared activity as grey crosses; sensors as "
                     "triangles. Lon/lat WGS 84."),
        ingest_line=_ingest_line(ingest),
        run_rows=tuple((str(k).replace("_", " "), str(v)) for k, v in run.items()),
        engagements=_engagements(engagements),
        incident_line=incident_line,
        incidents=incident_table,
        drones=drones,
    )


# ------------------------------------------------------------------ rendering

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in table.headers) + " |",
             "|" + "|".join("---" for _ in table.headers) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def to_markdown(content: DailyContent, map_name: str = "map.png") -> str:
    """The report as GitHub-flavoured Markdown (the map referenced as a file beside it)."""
    violations = _md_table(content.violations) if content.violations.rows else "No violations were recorded."
    engagements = _md_table(content.engagements) if content.engagements.rows else "No engagements were recorded."
    parts: Sequence[str] = (
        f"# {content.title}", content.agreement_line, "## Summary", content.summary,
        "## Who opened fire: engagements", engagements, f"*{ENGAGEMENT_NOTE}*",
        "## Incidents and their confidence", content.incident_line,
        *((_md_table(content.incidents),) if content.incidents.rows else ()), f"*{INCIDENT_NOTE}*",
        "## Violations by attributed party, beside what could be observed", _md_table(content.by_party),
        f"*{content.detection_note}*", "## Violations by sector", _md_table(content.by_sector),
        "## Map", f"![Map of the period]({map_name})", f"*{content.map_caption}*",
        "## Violations", violations, *_md_drones(content.drones), "## What could not be observed",
        "\n".join(f"- {s}" for s in content.unobserved), "## Notes", content.neutrality_note,
        content.ingest_line, _md_table(Table(("Processing run", "Value"), content.run_rows)),
    )
    return "\n\n".join(parts) + "\n"


def _md_drones(d: "DroneSection | None") -> tuple[str, ...]:
    if d is None:
        return ()
    return ("## Heavy weapons and storage sites (drones)", d.line,
            _md_table(d.weapons) if d.weapons.rows else "No weapon was found in violation.",
            "### Storage sites", _md_table(d.storage) if d.storage.rows else "No storage site is declared.",
            "### Withdrawal zones: what the flights could say", _md_table(d.zones), f"*{d.note}*")


def to_html(content: DailyContent, map_png: bytes, printed: bool = False) -> str:
    """The report as one self-contained HTML page (inline CSS, the map as a data URI); ``printed``:
    the variant the PDF is made from (the per-event violation list left to the HTML and CSV)."""
    env = Environment(loader=PackageLoader("truceline.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    data_uri = "data:image/png;base64," + base64.b64encode(map_png).decode("ascii")
    return env.get_template("daily.html.j2").render(c=content, map_uri=data_uri, engagement_note=ENGAGEMENT_NOTE,
                                                  incident_note=INCIDENT_NOTE, printed=printed)


def to_pdf(content: DailyContent, map_png: bytes, path: Path) -> Path:
    """The printed report (A4 landscape) as PDF, laid out by WeasyPrint from the printed HTML."""
    import weasyprint
    weasyprint.HTML(string=to_html(content, map_png, printed=True)).write_pdf(path)
    return path


def render_daily(*, agreement: Agreement, events: Columns, sensors: Columns | None, coverage: Coverage,
                 ingest: dict[str, int], run: dict[str, str], period_start: float, period_end: float,
                 out_dir: Path, engagements: Columns | None = None,
                 incidents: Columns | None = None, drones: "DroneSection | None" = None,
                 pdf: bool = False) -> dict[str, Path]:
    """Write ``daily_report.html``, ``daily_report.md`` and ``map.png`` (and with ``pdf``,
    ``daily_report.pdf``) into ``out_dir``.

    ``events`` are the period's events (``EVENTS`` contract); ``ingest`` holds received,
    accepted, duplicates and quarantined counts; ``run`` names the processing run (code
    version, parameter and agreement hashes, generation time). Returns the paths by name:
    ``{"html": ..., "markdown": ..., "map": ...}`` (and ``"pdf"``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    content = build_content(agreement=agreement, events=events, sensors=sensors, coverage=coverage,
                            ingest=ingest, run=run, period_start=period_start, period_end=period_end,
                            engagements=engagements, incidents=incidents, drones=drones)
    buffer = io.BytesIO()
    n = len(content.violations.rows)
    render_map(agreement, events, sensors, buffer,
               title=f"{content.title} — {_plural(n, 'violation', 'violations')}")
    png = buffer.getvalue()
    paths = {"html": out / "daily_report.html", "markdown": out / "daily_report.md", "map": out / "map.png"}
    paths["map"].write_bytes(png)
    paths["html"].write_text(to_html(content, png), encoding="utf-8")
    paths["markdown"].write_text(to_markdown(content, paths["map"].name), encoding="utf-8")
    if pdf:
        paths["pdf"] = to_pdf(content, png, out / "daily_report.pdf")
    return paths

