"""How many review items a day makes: ``python benchmarks/review.py --json OUT``.

Processes the demo's day (seed 7) and the ``front`` preset's breakdown day (600 km of line, ~185
sensors, ~280 engagements at the simulator's full difficulty) with their satellite and drone data,
and counts the review queue (engagements, incidents outside any engagement that matter, weapons in
violation, storage sites with pieces missing) beside the located events it stands for. Issue 7's
bar: at most 300 items on a breakdown day.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from truceline.app import run_process, run_simulate
from truceline.simulate.presets import write_preset
from truceline.verify.review import review_items


def count(paths: dict, out: Path) -> dict:
    t0 = time.monotonic()
    processed, outputs = run_process(paths["picks"], paths["sensors"], paths["agreement"], out,
                                     firms=(paths["firms_viirs"], paths["firms_modis"]),
                                     firms_history=(paths["firms_history"],),
                                     drones=(paths["drone_sightings"], paths["drone_coverage"]))
    items = review_items(processed.engagements, outputs.incidents.incidents, outputs.drones.findings,
                         outputs.drones.storage)
    return {"events": len(processed.events), "incidents": len(outputs.incidents.incidents),
            "engagements": len(processed.engagements), "items": len(items),
            "by_kind": dict(Counter(i.kind for i in items)), "wall_s": round(time.monotonic() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = run_simulate(work / "demo", agreement=None, seed=7, day=date(2026, 11, 26), calm=False)
        _, _, front = write_preset("front", work / "front")
        result = {"benchmark": "review", "bar_items": 300,
                  "demo": count(demo, work / "demo_out"), "front": count(front, work / "front_out")}
    table = Table("day", "located events", "incidents", "engagements", "review items", "by kind")
    for name in ("demo", "front"):
        r = result[name]
        table.add_row(name, str(r["events"]), str(r["incidents"]), str(r["engagements"]), str(r["items"]),
                      ", ".join(f"{k} {v}" for k, v in sorted(r["by_kind"].items())))
    Console().print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    return 0 if max(result["demo"]["items"], result["front"]["items"]) <= 300 else 1


if __name__ == "__main__":
    sys.exit(main())
