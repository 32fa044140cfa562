"""`truceline explain`: an event's kind and basis, its picks and the picks left out, its engagement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner

from truceline.cli import cli
from truceline.fusion.classify import BASIS
from truceline.report.explain import explain, read_folder


def test_an_event_lists_its_basis_picks_and_engagement(demo_day: dict[str, Any]) -> None:
    folder = read_folder(demo_day["out"])
    ev, eng = folder.events, folder.engagements
    opening = str(eng["opening_event_id"][np.flatnonzero(eng["opening_event_id"].astype(str) != "")[0]])
    i = int(np.flatnonzero(ev["event_id"].astype(str) == opening)[0])
    found = explain(folder, opening)
    facts = dict(found.facts)
    basis = str(ev["kind_basis"][i])
    assert facts["kind"].startswith(f"{ev['kind'][i]} ({basis}: {BASIS[basis]}")
    assert "this event is its opening evidence" in facts["engagement"]
    assert facts["fired by"].startswith(str(ev["attributed_side"][i]))
    (title, header, rows), _ = found.tables
    assert len(rows) == int(ev["n_sensors"][i]) and title == f"its picks ({len(rows)})"
    assert {r[1] for r in rows} and len({r[1] for r in rows}) == len(rows)            # one pick per sensor
    assert all(r[2].endswith("Z") and r[3] in ("launch", "impact", "unknown") for r in rows)  # from the store
    assert max(abs(float(r[4])) for r in rows) < 1.0
    times = [r[2] for r in rows]
    assert times == sorted(times)


def test_picks_left_out_that_name_an_event_come_with_their_reason(demo_day: dict[str, Any]) -> None:
    folder = read_folder(demo_day["out"])
    a = folder.assignments
    reason = a["reason"].astype(str)
    k = int(np.flatnonzero(np.char.startswith(reason, "outlier for "))[0])
    event_id = reason[k].split()[2]                                   # "outlier for E000002 (+0.86 s)"
    _, (title, header, rows) = explain(folder, event_id).tables
    assert header[-1] == "reason"
    assert (str(a["pick_id"][k]), reason[k]) in {(r[0], r[-1]) for r in rows}
    assert all(f" {event_id} " in r[-1] for r in rows)


def test_an_engagement_lists_its_events_with_the_opening_one_marked(demo_day: dict[str, Any]) -> None:
    folder = read_folder(demo_day["out"])
    eng = folder.engagements
    k = int(np.argmax(eng["n_events"].astype(int)))
    found = explain(folder, str(eng["engagement_id"][k]))
    (_, _, rows), = found.tables
    assert len(rows) == int(eng["n_events"][k])
    marked = [r[0] for r in rows if r[0].endswith("(opening)")]
    assert marked == [f"{eng['opening_event_id'][k]} (opening)"]
    assert dict(found.facts)["opened by"].startswith(str(eng["opened_by"][k]))


def test_the_command_prints_an_explanation_and_refuses_unknown_ids(demo_day: dict[str, Any], tmp_path: Path) -> None:
    out = demo_day["out"]
    thunder = read_folder(out).events
    event_id = str(thunder["event_id"][np.flatnonzero(thunder["kind"].astype(str) == "thunder")[0]])
    done = CliRunner().invoke(cli, ["explain", event_id, "--dir", str(out)])
    assert done.exit_code == 0, done.output
    assert f"event {event_id}" in done.output and "thunder (" in done.output and "its picks" in done.output
    missing = CliRunner().invoke(cli, ["explain", "E999999", "--dir", str(out)])
    assert missing.exit_code == 1 and "no event or engagement 'E999999'" in missing.output
    empty = CliRunner().invoke(cli, ["explain", event_id, "--dir", str(tmp_path)])
    assert empty.exit_code == 1 and "events.csv: not found" in empty.output
