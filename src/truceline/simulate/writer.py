"""Writing a simulated day: the feeds exactly as a producer would send them, and the truth apart."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np

from truceline.model.tables import PICKS, SENSORS, TRUTH_EVENT_EXTRAS, TRUTH_EVENTS, Columns
from truceline.model.timefmt import to_iso
from truceline.simulate.scenario import Simulation


def _cell(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, float) and np.isnan(value):
        return ""
    return str(value)


def write_table(table: Columns, names: tuple[str, ...], path: Path, times: tuple[str, ...] = ()) -> None:
    """Write ``table``'s columns ``names`` as CSV, times (epoch s) as ISO 8601 UTC."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(len(table)):
            w.writerow([to_iso(table[n][i]) if n in times else _cell(table[n][i]) for n in names])


def write_simulation(sim: Simulation, out: Path, agreement_path: Path) -> dict[str, Path]:
    """Write ``sensors.csv``, ``picks.csv``, ``agreement.yaml`` and ``truth/`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"sensors": out / "sensors.csv", "picks": out / "picks.csv", "agreement": out / "agreement.yaml",
             "truth": out / "truth"}
    write_table(sim.sensors, SENSORS.names, paths["sensors"])
    with open(paths["picks"], "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(PICKS.names))
        w.writeheader()
        w.writerows(sim.picks_rows)
    if Path(agreement_path).resolve() != paths["agreement"].resolve():
        shutil.copyfile(agreement_path, paths["agreement"])
    truth = paths["truth"]
    extras = tuple(c.name for c in TRUTH_EVENT_EXTRAS if c.name in sim.truth)
    write_table(sim.truth, TRUTH_EVENTS.names + extras, truth / "events.csv", times=("time",))
    write_table(sim.sensor_truth, sim.sensor_truth.names, truth / "sensors.csv")
    write_table(sim.picks, tuple(n for n in ("pick_id", "truth_id", "is_outlier") if n in sim.picks), truth / "picks.csv")
    params = {k: (str(v) if not isinstance(v, (int, float, bool)) else v) for k, v in asdict(sim.params).items()}
    (truth / "scenario.json").write_text(json.dumps({"params": params, "mean_sound_speed_mps": sim.sound_speed_mps,
                                                     "n_truth_events": len(sim.truth), "n_pick_rows": len(sim.picks_rows)},
                                                    indent=2))
    return paths
