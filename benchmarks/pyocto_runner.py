"""Run PyOcto on one benchmark day, in a process of its own: the PyOcto side of ``associate.py``.

    python benchmarks/pyocto_runner.py DIR

``DIR`` holds ``stations.csv`` (id, x, y, z in km), ``picks.csv`` (station, phase, time in epoch
s) and ``config.json`` (the OctoAssociator and VelocityModel0D settings). Writes ``events.csv``
(PyOcto's event table: idx, time, x, y, z, picks) and ``run.json`` (wall_s and cpu_s of the
association alone, all threads; peak_mb of this process). Needs only PyOcto and pandas, not Truceline: PyOcto 0.2.2 pins
numpy < 2 on Python 3.11, so it may live in a virtualenv of its own.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd
import pyocto


def associator(config: dict) -> pyocto.OctoAssociator:
    """The configured associator (``config["velocity_model"]`` holds VelocityModel0D's arguments)."""
    settings = dict(config)
    model = pyocto.VelocityModel0D(**settings.pop("velocity_model"))
    return pyocto.OctoAssociator(velocity_model=model, **settings)


def main(folder: Path) -> None:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    stations = pd.read_csv(folder / "stations.csv", dtype={"id": str})
    picks = pd.read_csv(folder / "picks.csv", dtype={"station": str, "phase": str})
    octo = associator(config)
    start, cpu = time.perf_counter(), time.process_time()
    events, assignments = octo.associate(picks, stations)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    columns = ["idx", "time", "x", "y", "z", "picks"]
    (events if len(events) else pd.DataFrame(columns=columns)).to_csv(folder / "events.csv", index=False)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kilobytes on Linux
    (folder / "run.json").write_text(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_mb": peak_mb, "n_events": len(events),
                                                 "n_assigned_picks": len(assignments),
                                                 "pyocto_version": getattr(pyocto, "__version__", "")}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
