"""Association benchmark, Truceline beside PyOcto: ``python benchmarks/associate.py --scenario small --json OUT``.

1. Simulates the preset's day once (``truceline.simulate.presets``, fixed seed) and writes its
   feeds; reads them once as ``truceline process`` would (ingest: duplicates and malformed rows
   set aside) so both sides get the same accepted picks and sensors.
2. Truceline, in a fresh process: ``read_inputs`` (not timed), then ``analyse`` (timed:
   association, location, pairing, attribution, rules), scored on ``Processed.events`` (and
   ``Processed.engagements`` where the engine has them).
3. PyOcto, in a fresh process (``benchmarks/pyocto_runner.py``, with ``--pyocto-python`` if it
   lives in a virtualenv of its own): the same picks, all labelled P, sensors in flat local km,
   configured as in ``docs/benchmarks.md``; only ``associate`` is timed.
4. Prints a table and writes JSON ``{"scenario", "n_picks", "truceline": {...}, "pyocto": {...}}``.

Peak memory is each process's own peak RSS (``ru_maxrss``), imports and input reading included.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
SOUND_KM_S = 0.343
"""The speed PyOcto's spatial settings are rescaled to (its defaults assume ~6 km/s)."""
SEISMIC_KM_S = 6.0
CUTOFF_KM = 32.0
"""PyOcto's association cutoff: the largest distance at which half the sensors hear fire (an MLRS
launch), the same radius Truceline's associator searches."""
FIELDS = ("wall_s", "cpu_s", "picks_per_s", "peak_mb", "precision", "recall", "f1", "loc_median_m", "loc_p95_m")
TRUCELINE_FIELDS = ("loc_over_crlb", "ellipse95_coverage", "attribution_wrong_rate",
                    "attribution_wrong_rate_near_line", "attributed_fraction", "attribution_calibration_max_gap",
                    "initiator_accuracy", "initiator_wrong_rate", "initiator_accuracy_isolated",
                    "initiator_wrong_rate_isolated", "initiator_stated_p", "initiator_right_when_named",
                    "initiator_ceiling_accuracy", "initiator_ceiling_wrong_rate",
                    "thunder_as_fire", "blast_window_recall", "n_fire_in_blast_windows")


def pyocto_config(speed_mps: float, xlim: tuple[float, float], ylim: tuple[float, float],
                  n_threads: int | None = None) -> dict[str, Any]:
    """PyOcto 0.2.2 settings for a single-phase acoustic network (see docs/benchmarks.md)."""
    scale = SOUND_KM_S / SEISMIC_KM_S  # same travel time at the speed of sound as the default at 6 km/s
    speed = speed_mps / 1000.0
    config: dict[str, Any] = {
        "xlim": xlim, "ylim": ylim, "zlim": (0.0, 0.01),  # sources on the ground, sensors at z = 0
        "time_before": round(CUTOFF_KM / speed + 5.0, 1),  # longest travel time of a used pick, + 5 s
        "min_node_size": 10.0 * scale,  # 0.57 km
        "min_node_size_location": 1.5 * scale,  # 86 m
        "pick_match_tolerance": 0.5,  # seconds: salvo rounds arrive 3-7 s apart
        "min_pick_fraction": 0.0,  # the distance check off: the cutoff bounds distance already
        "min_interevent_time": 0.0,  # network-wide: any positive value drops simultaneous events far apart
        "n_picks": 7, "n_p_picks": 7, "n_s_picks": 0, "n_p_and_s_picks": 0,
        "velocity_model": {"p_velocity": speed, "s_velocity": speed / 1.75,  # S unused, must be positive
                           "tolerance": 0.5, "association_cutoff_distance": CUTOFF_KM},
    }
    if n_threads is not None:
        config["n_threads"] = n_threads
    return config


# --------------------------------------------------------------------------- preparing the day

def prepare(scenario: str, work: Path, seed: int | None) -> dict[str, Any]:
    """Simulate and write the day, read it once, write PyOcto's inputs; return what scoring needs."""
    from truceline.evaluate_assoc import Truth, fire_in_declared_windows
    from truceline.geodesy import LocalProjection
    from truceline.pipeline import read_inputs
    from truceline.simulate.presets import write_preset

    t0 = time.perf_counter()
    sim, world, paths = write_preset(scenario, work / "day", seed=seed)
    sensors, picks = read_inputs(paths["picks"], paths["sensors"])
    s, p = sensors.table, picks.table
    proj = LocalProjection.around(np.column_stack([s["lon"], s["lat"]]))
    x, y = proj.to_xy(s["lon"], s["lat"])
    octo = work / "pyocto"
    octo.mkdir(parents=True, exist_ok=True)
    _write_csv(octo / "stations.csv", {"id": s["sensor_id"], "x": x / 1000.0, "y": y / 1000.0, "z": np.zeros(len(s))})
    _write_csv(octo / "picks.csv", {"station": p["sensor_id"], "phase": np.full(len(p), "P", dtype=object),
                                   "time": np.asarray(p["time"], dtype=float)})
    margin = CUTOFF_KM
    xlim = (float(x.min() / 1000.0 - margin), float(x.max() / 1000.0 + margin))
    ylim = (float(y.min() / 1000.0 - margin), float(y.max() / 1000.0 + margin))
    truth = Truth.from_simulation(sim, world)
    return {"truth": truth, "blast_fire": fire_in_declared_windows(truth, world.sites), "paths": paths,
            "projection": proj, "pyocto_dir": octo,
            "xlim": xlim, "ylim": ylim, "speed_mps": sim.sound_speed_mps, "n_picks": len(p),
            "n_pick_rows": len(sim.picks_rows), "n_sensors": len(s), "prepare_s": time.perf_counter() - t0}


def initiator_ceiling(day: dict[str, Any]) -> dict[str, Any]:
    """The initiator scores of the engine's own grouping run on the *true* fire events (true
    positions, sides and pairs): the most that grouping can reach against the day's truth."""
    from truceline.evaluate_assoc import initiator, truth_as_events
    from truceline.pipeline import load_history
    from truceline.rules.zones import Zones
    from truceline.verify.engagements import engagements

    perfect = truth_as_events(day["truth"])
    history = load_history(day["paths"]["agreement"])
    grouped, _ = engagements(perfect, Zones.from_agreement(history.at(float(np.min(perfect["time"])))))
    r = initiator(day["truth"].events, grouped)
    return {"initiator_ceiling_accuracy": r["initiator_accuracy"], "initiator_ceiling_wrong_rate": r["initiator_wrong_rate"],
            "initiator_ceiling_accuracy_isolated": r["initiator_accuracy_isolated"]}


def _write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    names = list(columns)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(names) + "\n")
        for row in zip(*(columns[n] for n in names)):
            fh.write(",".join(f"{v:.6f}" if isinstance(v, float) else str(v) for v in row) + "\n")


# --------------------------------------------------------------------------- the two sides

def run_truceline_child(day: Path, out: Path) -> None:
    """In the child: read (untimed), analyse (timed), pickle the events and engagements."""
    from truceline.pipeline import ProcessParams, analyse, load_history, read_inputs

    sensors, picks = read_inputs(day / "picks.csv", day / "sensors.csv")
    history = load_history(day / "agreement.yaml")
    start, cpu = time.perf_counter(), time.process_time()
    processed = analyse(sensors, picks, history, ProcessParams())
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    engagements = getattr(processed, "engagements", None)
    result = {"wall_s": wall, "cpu_s": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
              "engine_digest": engine_digest(),
              "events": dict(processed.events.data),
              "engagements": None if engagements is None else dict(engagements.data)}
    with open(out, "wb") as fh:
        pickle.dump(result, fh)


def run_side(cmd: list[str], timeout_s: float | None, console: Console, label: str) -> tuple[bool, dict[str, Any]]:
    """Run a side's child process; (finished, the machine's load averages before and after).

    The load says whether anything else shared the cores while the side ran (``cpu_s`` beside
    ``wall_s`` is the side's own CPU time, all threads).
    """
    load = {"load_before": os.getloadavg()[0]}
    console.print(f"[bold]{label}[/bold]: {' '.join(cmd)}")
    try:
        done = subprocess.run(cmd, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        console.print(f"[red]{label} ran past {timeout_s:.0f} s and was stopped[/red]")
        return False, load
    load["load_after"] = os.getloadavg()[0]
    if done.returncode != 0:
        console.print(f"[red]{label} failed with exit status {done.returncode}[/red]")
    return done.returncode == 0, load


def truceline_side(day: dict[str, Any], work: Path, timeout_s: float | None, console: Console,
                   reuse: bool = False) -> dict[str, Any]:
    """Run Truceline in a child process and score its events (and engagements, if any).

    ``reuse``: score the output a previous run left in ``work`` instead, if there is one.
    """
    from truceline.evaluate_assoc import score
    from truceline.model.tables import Columns

    out = work / "truceline.pkl"
    ok, load = (True, {"reused": True}) if reuse and out.is_file() else run_side(
        [sys.executable, str(Path(__file__).resolve()), "--child-truceline", str(day["paths"]["sensors"].parent),
         str(out)], timeout_s, console, "Truceline")
    if not ok:
        return {"error": "did not finish", "timeout_s": timeout_s}
    with open(out, "rb") as fh:
        result = pickle.load(fh)
    engagements = None if result["engagements"] is None else Columns(result["engagements"])
    from truceline.evaluate_assoc import nuisance

    events = Columns(result["events"])
    scores = score(day["truth"], events, engagements)
    scores.update(nuisance(day["truth"], events, day["blast_fire"]))
    scores.update(initiator_ceiling(day))
    if engagements is None:
        scores["initiator_note"] = "Processed has no engagements table yet: initiator metrics are null"
    return {"wall_s": result["wall_s"], "picks_per_s": day["n_picks"] / result["wall_s"],
            "peak_mb": result["peak_mb"], "cpu_s": result.get("cpu_s"), "engine_digest": result.get("engine_digest"),
            **load, **scores}


def pyocto_side(day: dict[str, Any], python: str, timeout_s: float | None, n_threads: int | None,
                console: Console, reuse: bool = False) -> dict[str, Any]:
    """Run PyOcto in a child process (interpreter ``python``) and score its located events.

    ``reuse``: score the output a previous run left, if it ran with the same configuration.
    """
    from truceline.evaluate_assoc import score_located

    folder: Path = day["pyocto_dir"]
    config = pyocto_config(day["speed_mps"], day["xlim"], day["ylim"], n_threads)
    text = json.dumps(config, indent=1)
    same = (folder / "run.json").is_file() and (folder / "config.json").is_file() and \
        (folder / "config.json").read_text() == text
    (folder / "config.json").write_text(text)
    ok, load = (True, {"reused": True}) if reuse and same else run_side(
        [python, str(HERE / "pyocto_runner.py"), str(folder)], timeout_s, console, "PyOcto")
    if not ok:
        return {"error": "did not finish", "timeout_s": timeout_s, "config": config}
    run = json.loads((folder / "run.json").read_text())
    ev = _read_events(folder / "events.csv")
    lon, lat = day["projection"].to_lonlat(ev["x"] * 1000.0, ev["y"] * 1000.0)
    scores = score_located(day["truth"], ev["time"], lon, lat)
    return {"wall_s": run["wall_s"], "picks_per_s": day["n_picks"] / run["wall_s"], "peak_mb": run["peak_mb"],
            "cpu_s": run.get("cpu_s"), **load, **scores, "pyocto_version": run["pyocto_version"], "config": config}


def _read_events(path: Path) -> dict[str, np.ndarray]:
    rows = path.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    values = np.array([r.split(",") for r in rows[1:]], dtype=float).reshape(-1, len(header))
    return {h: values[:, k] for k, h in enumerate(header)}


# --------------------------------------------------------------------------- report

def earlier_pyocto(path: Path, scenario: str, day: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """The PyOcto side of an earlier result on the same day: PyOcto's output does not depend on
    Truceline's engine, so a run that changes only the engine may reuse it (on 2 cores a front
    day costs PyOcto ~13 minutes). Refused unless scenario, seed and picks count match."""
    earlier = json.loads(Path(path).read_text(encoding="utf-8"))
    want = (scenario, day["n_picks"], seed if seed is not None else 7)
    got = (earlier.get("scenario"), earlier.get("n_picks"), earlier.get("seed"))
    if got != want or earlier.get("pyocto", {}).get("skipped"):
        raise SystemExit(f"{path}: not a PyOcto result of this day (scenario, picks, seed {got}, need {want})")
    return {**earlier["pyocto"], "reused_from": f"{Path(path).name} (engine {earlier.get('engine_digest')}, "
                                                f"{earlier.get('truceline_version')})"}


def engine_digest() -> str:
    """sha256 (first 16 hex) of the engine's sources imported here: fusion/, verify/, pipeline.py.

    Names the engine a result was measured on, whichever checkout it came from.
    """
    import hashlib

    import truceline

    root = Path(truceline.__file__).resolve().parent
    files = sorted([*root.glob("fusion/*.py"), *root.glob("verify/*.py"), root / "pipeline.py"])
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def show(result: dict[str, Any], console: Console) -> None:
    """The side-by-side table."""
    table = Table(title=f"Association benchmark: {result['scenario']} ({result['n_picks']:,} picks, "
                        f"{result['n_true_fire']:,} true fire events, {result['n_sensors']} sensors)")
    table.add_column("metric")
    table.add_column("Truceline", justify="right")
    table.add_column("PyOcto", justify="right")
    for name in FIELDS + TRUCELINE_FIELDS:
        table.add_row(name, _fmt(result["truceline"].get(name)), _fmt(result["pyocto"].get(name)))
    cov = result["truceline"].get("ellipse95_coverage_by_geometry") or {}
    for group, value in cov.items():
        table.add_row(f"ellipse95_coverage ({group})", _fmt(value), "")
    console.print(table)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("small", "front", "full"), default="small")
    parser.add_argument("--json", type=Path, help="Write the result here.")
    parser.add_argument("--seed", type=int, default=None, help="Simulator seed (default: the preset's, 7).")
    parser.add_argument("--work", type=Path, help="Keep the day and both sides' outputs here (default: a temp dir).")
    parser.add_argument("--pyocto-python", default=sys.executable,
                        help="Interpreter with pyocto==0.2.2 installed (default: this one).")
    parser.add_argument("--pyocto-threads", type=int, default=None, help="PyOcto n_threads (default: all cores).")
    parser.add_argument("--only", choices=("truceline", "pyocto"), help="Run one side only.")
    parser.add_argument("--timeout-s", type=float, default=None, help="Stop a side after this many seconds.")
    parser.add_argument("--reuse", action="store_true",
                        help="With --work: score the outputs a previous run left there instead of running the sides again.")
    parser.add_argument("--pyocto-from", type=Path, default=None,
                        help="Take the PyOcto side from an earlier result JSON of the same scenario instead of running "
                             "it (refused unless its picks count and seed match; marked 'reused_from').")
    parser.add_argument("--child-truceline", nargs=2, metavar=("DAY", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_truceline:
        run_truceline_child(Path(args.child_truceline[0]), Path(args.child_truceline[1]))
        return 0
    console = Console()
    with tempfile.TemporaryDirectory(prefix="truceline-assoc-") as tmp:
        work = args.work or Path(tmp)
        day = prepare(args.scenario, work, args.seed)
        console.print(f"day simulated and read in {day['prepare_s']:.1f} s: {day['n_picks']:,} picks accepted "
                      f"of {day['n_pick_rows']:,} rows, {day['n_sensors']} sensors")
        skipped = {"skipped": True}
        result = {"scenario": args.scenario, "n_picks": day["n_picks"], "n_pick_rows": day["n_pick_rows"],
                  "n_sensors": day["n_sensors"], "n_true_fire": int(len(day["truth"].fire())),
                  "seed": args.seed if args.seed is not None else 7, "cpus": os.cpu_count(),
                  "python": platform.python_version(), "sound_speed_mps": day["speed_mps"],
                  "truceline": skipped if args.only == "pyocto" else truceline_side(day, work, args.timeout_s, console,
                                                                                     args.reuse),
                  "pyocto": (earlier_pyocto(args.pyocto_from, args.scenario, day, args.seed) if args.pyocto_from
                             else skipped if args.only == "truceline"
                             else pyocto_side(day, args.pyocto_python, args.timeout_s, args.pyocto_threads, console,
                                              args.reuse))}
    from truceline import __version__
    from truceline.evaluate_assoc import jsonable

    result["truceline_version"] = __version__
    result["engine_digest"] = result["truceline"].get("engine_digest") or engine_digest()
    show(result, console)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(jsonable(result), indent=1) + "\n", encoding="utf-8")
        console.print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
