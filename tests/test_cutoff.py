"""The daily report's cut-off: 19:30 Europe/Kyiv by default, 19:30 local on both sides of each
daylight-saving change (the period then lasts 23 or 25 hours)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from truceline.report.cutoff import report_period

KYIV = ZoneInfo("Europe/Kyiv")


@pytest.mark.parametrize("day, hours, utc_end", [
    (date(2026, 3, 28), 24.0, "17:30"),   # the day before summer time: UTC+2
    (date(2026, 3, 29), 23.0, "16:30"),   # clocks go forward at 03:00 local that night: UTC+3
    (date(2026, 3, 30), 24.0, "16:30"),
    (date(2026, 10, 24), 24.0, "16:30"),
    (date(2026, 10, 25), 25.0, "17:30"),  # clocks go back at 04:00 local: UTC+2 again
    (date(2026, 10, 26), 24.0, "17:30"),
])
def test_the_cutoff_is_1930_local_across_daylight_saving(day: date, hours: float, utc_end: str) -> None:
    p = report_period(day)
    start, end = p.local(p.start), p.local(p.end)
    assert (start.hour, start.minute, end.hour, end.minute) == (19, 30, 19, 30)
    assert start.date() == date.fromordinal(day.toordinal() - 1) and end.date() == day
    assert p.hours == hours
    assert f"{datetime.fromtimestamp(p.end, timezone.utc):%H:%M}" == utc_end


def test_consecutive_periods_tile_time_without_gap_or_overlap() -> None:
    for first in (date(2026, 3, 25), date(2026, 10, 21)):
        days = [date.fromordinal(first.toordinal() + k) for k in range(10)]
        for a, b in zip(days, days[1:]):
            assert report_period(a).end == report_period(b).start
    p = report_period(date(2026, 11, 26))
    assert p.contains(p.end) and not p.contains(p.start)
    assert p.label == "2026-11-25 19:30 – 2026-11-26 19:30 Europe/Kyiv (UTC+02:00)"


def test_other_cutoffs_and_zones_and_bad_input() -> None:
    p = report_period(date(2026, 7, 1), "00:00", "UTC")
    assert (p.start, p.hours) == (datetime(2026, 6, 30, tzinfo=timezone.utc).timestamp(), 24.0)
    with pytest.raises(ValueError, match="HH:MM"):
        report_period(date(2026, 7, 1), "7pm")
    with pytest.raises(ValueError, match="IANA"):
        report_period(date(2026, 7, 1), "19:30", "Europe/Kiev-ish")


def test_a_report_for_a_day_covers_its_cutoff_period(demo_day, tmp_path) -> None:
    import shutil

    import numpy as np

    from truceline.report_again import rerender
    out = tmp_path / "out"
    shutil.copytree(demo_day["out"], out)
    period = report_period(date(2026, 11, 26))
    paths = rerender(out, demo_day["paths"]["agreement"], None, period)
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "(period 2026-11-25 19:30 – 2026-11-26 19:30 Europe/Kyiv (UTC+02:00))" in md
    ev = demo_day["processed"].events
    inside = (ev["time"] > period.start) & (ev["time"] <= period.end)
    n = int(np.sum(ev["is_violation"].astype(bool) & inside))
    assert 0 < n < int(np.sum(ev["is_violation"].astype(bool))), "the simulated day runs past 19:30 Kyiv"
    assert f"{n} ceasefire violations recorded" in md
    assert "17:30-23:30 UTC" in md, "the evening before the simulated day was not observed (hour bins from 17:30 UTC)"
    uk = paths["html_uk"].read_text(encoding="utf-8")
    assert "2026-11-25 19:30 – 2026-11-26 19:30 Europe/Kyiv" in uk and "Щоденний звіт" in uk


def test_a_run_stored_before_later_event_columns_still_reports(demo_day, tmp_path) -> None:
    """A stored run whose events predate attribution_grade and kind_basis (its column spec lacks
    them) re-renders: the grade is derived from attribution_p, the basis left empty."""
    import shutil
    import sqlite3

    from truceline.report_again import rerender
    from truceline.store import Store
    out = tmp_path / "out"
    shutil.copytree(demo_day["out"], out)
    with sqlite3.connect(out / "store.sqlite") as db:
        gone = db.execute("DELETE FROM run_columns WHERE name = 'events' AND column_name IN "
                          "('attribution_grade', 'kind_basis')").rowcount
    assert gone >= 2
    with Store.open(out / "store.sqlite") as store:
        run = [r for r in store.runs() if "events" in r.get("tables", [])][-1]
        assert "kind_basis" not in store.load_table(str(run["run_id"]), "events")
    paths = rerender(out, demo_day["paths"]["agreement"], None, report_period(date(2026, 11, 26)))
    assert "ceasefire violations recorded" in paths["markdown"].read_text(encoding="utf-8")
