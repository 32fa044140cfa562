"""Why the mission says what it says about one event or one engagement.

``truceline explain`` reads a processing folder (``events.csv``, ``pick_assignments.csv``,
``engagements.csv`` and, where the store is there, the run's picks) and puts in one place what
an analyst or a party's liaison officer asks of a finding: what kind of source, on what basis
(``kind_basis``), where and how sure, which picks made it and how well each fits, which picks
near it were left out and why, its partner, its firing side, the agreement's verdict, and the
engagement it belongs to. Engagements list their events, the opening one marked.

:func:`read_folder` does the reading (the CSVs and the store); :func:`explain_event` and
:func:`explain_engagement` are pure over what it read, and build plain rows for a console, the
API or a test.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from truceline.fusion.classify import BASIS
from truceline.model.tables import ELLIPSE_95_SCALE, ENGAGEMENTS, PICK_ASSIGNMENTS, Columns
from truceline.model.timefmt import to_iso
from truceline.verify.engagements import OPENER_BASIS


@dataclass(frozen=True)
class Folder:
    """What a processing folder holds for explanations; ``picks`` is None without a store."""

    path: Path
    events: Columns
    assignments: Columns
    engagements: Columns
    picks: Columns | None


@dataclass(frozen=True)
class Explanation:
    """One finding explained: a title, (label, text) facts, and tables of (title, header, rows)."""

    title: str
    facts: tuple[tuple[str, str], ...]
    tables: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...]


def read_folder(path: str | Path) -> Folder:
    """Read a folder written by ``truceline process``; errors name the missing file."""
    from truceline.report.export import read_events_csv, read_table_csv

    folder = Path(path)
    for name in ("events.csv", "pick_assignments.csv"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name}: not found; is {folder} a folder written by `truceline process`?")
    events = read_events_csv(folder / "events.csv")
    assignments = read_table_csv(folder / "pick_assignments.csv", PICK_ASSIGNMENTS)
    eng_csv = folder / "engagements.csv"
    engagements = read_table_csv(eng_csv, ENGAGEMENTS) if eng_csv.is_file() else Columns.empty(ENGAGEMENTS)
    return Folder(folder, events, assignments, engagements, _stored_picks(folder))


def _stored_picks(folder: Path) -> Columns | None:
    """The picks (times and labels) of the run that wrote the folder (``run.json``; else the
    store's latest finished processing run), if the folder has its store."""
    store_path = folder / "store.sqlite"
    if not store_path.is_file():
        return None
    import json

    from truceline.store import Store
    meta = folder / "run.json"
    wanted = str(json.loads(meta.read_text(encoding="utf-8")).get("run_id", "")) if meta.is_file() else ""
    with Store.open(store_path) as store:
        runs = [str(r["run_id"]) for r in store.runs() if r.get("finished_at") and "events" in r.get("tables", [])
                and "picks" in r.get("tables", [])]
        run = wanted if wanted in runs else (runs[-1] if runs else None)
        return store.load_table(run, "picks") if run else None


def explain(folder: Folder, ident: str) -> Explanation:
    """The explanation of an event (``E…``) or an engagement (``G…``) of the folder."""
    if ident in set(folder.events["event_id"].astype(str)):
        return explain_event(folder, ident)
    if ident in set(folder.engagements["engagement_id"].astype(str)):
        return explain_engagement(folder, ident)
    raise KeyError(f"{folder.path}: no event or engagement {ident!r} (events are E…, engagements G…; "
                   f"{len(folder.events)} events and {len(folder.engagements)} engagements here)")


def explain_event(folder: Folder, event_id: str) -> Explanation:
    """Kind and basis, time, place, sensors, pair, side, verdict, engagement; its picks and the
    picks left out that name it."""
    ev = folder.events
    i = int(np.flatnonzero(ev["event_id"].astype(str) == event_id)[0])
    v = {n: ev[n][i] for n in ev.names}
    basis = str(v.get("kind_basis", ""))
    facts = [("kind", f"{v['kind']}" + (f" ({basis}: {BASIS.get(basis, 'unknown basis')})" if basis
                                         else " (basis not recorded: written before kind_basis)")),
             ("when", f"{to_iso(float(v['time']))} ± {float(v['sigma_time_s']):.2f} s (1 σ)"),
             ("where", f"{float(v['lat']):.5f} N {float(v['lon']):.5f} E; 95 % ellipse "
                       f"{ELLIPSE_95_SCALE * float(v['sigma_major_m']):,.0f} × {ELLIPSE_95_SCALE * float(v['sigma_minor_m']):,.0f} m, "
                       f"major axis {float(v['azimuth_deg']):.0f}° from north"),
             ("heard by", f"{int(v['n_sensors'])} sensors, residual RMS {float(v['rms_s']):.3f} s"
                          + ("; a low-confidence detection" if bool(v["low_confidence"]) else ""))]
    if v["pair_id"]:
        facts.append(("pair", f"{v['pair_id']} ({_kind_of(ev, str(v['pair_id']))})"
                              + (f", most likely {v['weapon_class']}" if v["weapon_class"] else "")))
    p = float(v["attribution_p"])
    facts.append(("fired by", f"{v['attributed_side']}" + ("" if math.isnan(p) else f", p {p:.2f}")
                              + f" ({v['attribution_grade']})"))
    verdict = (f"a violation of {v['rules']}" if bool(v["is_violation"]) else
               f"excused by {v['excused_by']}" if v["excused_by"] else "no rule broken")
    facts.append(("agreement", f"version {v['agreement_version']}, sector {v['sector'] or '(none)'}: {verdict}"))
    facts.append(("confidence", f"{v['confidence']}, evidence {v['evidence']}"))
    facts.extend(_engagement_of(folder.engagements, event_id))
    return Explanation(f"event {event_id}", tuple(facts), _pick_tables(folder, event_id))


def explain_engagement(folder: Folder, engagement_id: str) -> Explanation:
    """The engagement's opener with its probability and evidence, and its fire events in time order."""
    eng = folder.engagements
    i = int(np.flatnonzero(eng["engagement_id"].astype(str) == engagement_id)[0])
    p = float(eng["opened_by_p"][i])
    facts = (("from", f"{to_iso(float(eng['start'][i]))} to {to_iso(float(eng['end'][i]))}"),
             ("where", f"{float(eng['lat'][i]):.4f} N {float(eng['lon'][i]):.4f} E, sector {eng['sector'][i] or '(none)'}"),
             ("fire", f"{int(eng['n_events'][i])} events, {int(eng['n_launches'][i])} launches"),
             ("opened by", f"{eng['opened_by'][i]}" + ("" if math.isnan(p) else f", p {p:.2f}")
                           + (f" ({OPENER_BASIS[b]})" if (b := str(eng["opener_basis"][i])) in OPENER_BASIS else "")
                           + (f"; the evidence: {eng['opening_event_id'][i]}" if eng["opening_event_id"][i] else "")))
    ids = str(eng["event_ids"][i]).split()
    ev = folder.events
    row_of = {e: k for k, e in enumerate(ev["event_id"].astype(str))}
    rows = []
    for e in sorted((e for e in ids if e in row_of), key=lambda e: float(ev["time"][row_of[e]])):
        k = row_of[e]
        pk = float(ev["attribution_p"][k])
        rows.append((e + (" (opening)" if e == eng["opening_event_id"][i] else ""), to_iso(float(ev["time"][k])),
                     str(ev["kind"][k]), str(ev["attributed_side"][k]), "" if math.isnan(pk) else f"{pk:.2f}",
                     str(ev["pair_id"][k]), "yes" if bool(ev["is_violation"][k]) else ""))
    table = ("events", ("event", "time", "kind", "fired by", "p", "pair", "violation"), tuple(rows))
    return Explanation(f"engagement {engagement_id}", facts, (table,))


def _kind_of(ev: Columns, event_id: str) -> str:
    k = np.flatnonzero(ev["event_id"].astype(str) == event_id)
    return str(ev["kind"][k[0]]) if len(k) else "not in this file"


def _engagement_of(eng: Columns, event_id: str) -> list[tuple[str, str]]:
    for k in range(len(eng)):
        if event_id in str(eng["event_ids"][k]).split():
            p = float(eng["opened_by_p"][k])
            first = "; this event is its opening evidence" if eng["opening_event_id"][k] == event_id else ""
            return [("engagement", f"{eng['engagement_id'][k]}, opened by {eng['opened_by'][k]}"
                                   + ("" if math.isnan(p) else f" (p {p:.2f})") + first)]
    return []


def _pick_tables(folder: Folder, event_id: str) -> tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...]:
    a = folder.assignments
    eid, reason = a["event_id"].astype(str), a["reason"].astype(str)
    members = np.flatnonzero(eid == event_id)
    token = re.compile(rf"\b{re.escape(event_id)}\b")
    maybe = np.flatnonzero((eid != event_id) & (np.char.find(reason.astype(str), event_id) >= 0)) if len(a) else []
    named = np.array([k for k in maybe if token.search(reason[k])], dtype=np.intp)
    times, labels = _pick_details(folder.picks, _keys(a))

    def rows(idx: np.ndarray, with_reason: bool) -> tuple[tuple[str, ...], ...]:
        idx = idx[np.argsort(times[idx], kind="stable")]
        return tuple((str(a["pick_id"][k]), str(a["sensor_id"][k]),
                      "" if math.isnan(times[k]) else to_iso(float(times[k])), labels[k],
                      "" if math.isnan(float(a["residual_s"][k])) else f"{float(a['residual_s'][k]):+.3f}",
                      *((str(a["reason"][k]),) if with_reason else ())) for k in idx)

    head = ("pick", "sensor", "time", "label", "residual (s)")
    return ((f"its picks ({len(members)})", head, rows(members, False)),
            (f"picks left out that name it ({len(named)})", head + ("reason",), rows(named, True)))


def _keys(table: Columns) -> np.ndarray:
    """sensor_id and pick_id as one key (pick ids are unique per producer only)."""
    return np.char.add(np.char.add(table["sensor_id"].astype(str), "\x1f"), table["pick_id"].astype(str))


def _pick_details(picks: Columns | None, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per assignment row: its pick's time and on-sensor label (nan and '' without the picks)."""
    times, labels = np.full(len(keys), np.nan), np.full(len(keys), "", dtype=object)
    if picks is None or len(picks) == 0:
        return times, labels
    ids = _keys(picks)
    order = np.argsort(ids)
    at = np.clip(np.searchsorted(ids[order], keys), 0, len(ids) - 1)
    found = ids[order][at] == keys
    rows = order[at]
    times[found] = np.asarray(picks["time"], dtype=float)[rows[found]]
    labels[found] = picks["kind"].astype(str)[rows[found]]
    return times, labels
