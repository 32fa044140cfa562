"""Scoring a run against the simulator's ground truth.

``evaluate(truth, events)`` matches reported fire events (launches and impacts) to true ones,
one to one, within a time gate (2 s) and a geodesic distance gate (1 km), and reports detection
(precision, recall, F1), location error and attribution accuracy. It also asks where the reported
*violations* came from: each is matched against all true events, and those that are thunder, a
quarry blast or nothing at all are counted as nuisance violations.

>>> result = evaluate(read_truth(Path("out/truth")), events)   # doctest: +SKIP
>>> for label, value in result.table(): print(f"{label:<32} {value}")  # doctest: +SKIP

Matching minimises ``distance / max_dist + |dt| / max_dt`` with
``scipy.optimize.linear_sum_assignment``, among matchings with the most pairs, solved separately
for each connected group of gated candidates (events more than ``max_dt`` apart never compete), so
it scales to tens of thousands of events. Results do not depend on the order of the rows.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from truceline.geodesy import GEOD
from truceline.model.tables import TRUTH_EVENTS, Columns
from truceline.model.timefmt import from_iso

FIRE_KINDS = ("launch", "impact")
TRUTH_FILE = "events.csv"
_EVENT_COLUMNS = ("event_id", "time", "lon", "lat", "kind", "attributed_side", "is_violation")
_TRUTH_COLUMNS = ("truth_id", "time", "lon", "lat", "kind", "side")


# --------------------------------------------------------------------------- reading the truth

def read_truth(truth_dir: Path) -> Columns:
    """The simulator's true events from ``truth_dir/events.csv`` (TRUTH_EVENTS contract).

    Raises ``ValueError`` naming the file, line and column of the first bad value.
    """
    path = Path(truth_dir) / TRUTH_FILE
    if not path.is_file():
        raise ValueError(f"{path}: no such file (expected the simulator's truth/{TRUTH_FILE})")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in TRUTH_EVENTS.names if c not in header]
        if missing:
            raise ValueError(f"{path}: header lacks column(s) {', '.join(missing)}")
        cols: dict[str, list[object]] = {c: [] for c in TRUTH_EVENTS.names}
        for values in reader:
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise ValueError(f"{path}, line {reader.line_num}: {len(values)} fields, header has {len(header)}")
            row = {h: v.strip() for h, v in zip(header, values)}
            for column in TRUTH_EVENTS.columns:
                try:
                    cols[column.name].append(_parse_cell(row[column.name], column.dtype))
                except ValueError as exc:
                    raise ValueError(f"{path}, line {reader.line_num}, column {column.name}: {exc}") from None
    return Columns.conform(TRUTH_EVENTS, {k: np.array(v, dtype=object) for k, v in cols.items()})


def _parse_cell(text: str, dtype: str) -> object:
    if dtype == "time":
        return from_iso(text)
    if dtype == "bool":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return text.lower() == "true"
    if dtype == "float":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{text!r} is not finite")
        return value
    return text


# --------------------------------------------------------------------------- the result

@dataclass(frozen=True)
class Evaluation:
    """Scores of one run against the truth. Ratios are NaN where undefined (0 / 0)."""

    n_truth_fire: int
    n_reported_fire: int
    n_matched: int
    precision: float
    recall: float
    f1: float
    loc_err_median_m: float
    loc_err_p95_m: float
    attribution_accuracy: float
    n_violations: int
    thunder_violations: int
    blast_violations: int
    unmatched_violations: int

    def to_dict(self) -> dict[str, int | float | None]:
        """Plain values for JSON (NaN becomes ``None``)."""
        return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in asdict(self).items()}

    def table(self) -> list[tuple[str, str]]:
        """(label, formatted value) rows for printing."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            out.append((_LABELS[f.name], _format(f.name, value)))
        return out


_LABELS = {
    "n_truth_fire": "True fire events", "n_reported_fire": "Reported fire events",
    "n_matched": "Matched", "precision": "Precision", "recall": "Recall", "f1": "F1",
    "loc_err_median_m": "Location error, median", "loc_err_p95_m": "Location error, 95th percentile",
    "attribution_accuracy": "Attribution accuracy", "n_violations": "Reported violations",
    "thunder_violations": "  of which thunder", "blast_violations": "  of which quarry blasts",
    "unmatched_violations": "  of which matching nothing",
}


def _format(name: str, value: int | float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if name.endswith("_m"):
        return f"{value:,.0f} m"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


# --------------------------------------------------------------------------- matching

def match(t_a: NDArray[np.float64], lon_a: NDArray[np.float64], lat_a: NDArray[np.float64],
          t_b: NDArray[np.float64], lon_b: NDArray[np.float64], lat_b: NDArray[np.float64], *,
          max_dt_s: float = 2.0, max_dist_m: float = 1000.0) -> tuple[NDArray[np.intp], NDArray[np.intp],
                                                                       NDArray[np.float64]]:
    """One-to-one matching of points ``a`` to points ``b`` within both gates.

    Returns index arrays ``(ia, ib)`` of the matched pairs and their geodesic distances (m). Among
    matchings with the most pairs it takes the one of least total ``dist/max_dist + |dt|/max_dt``.
    """
    ea, eb, dist, cost = _candidates(t_a, lon_a, lat_a, t_b, lon_b, lat_b, max_dt_s, max_dist_m)
    empty = np.empty(0, dtype=np.intp)
    if len(ea) == 0:
        return empty, empty, np.empty(0)
    n_a, n_b = len(t_a), len(t_b)
    graph = coo_matrix((np.ones(len(ea)), (ea, n_a + eb)), shape=(n_a + n_b, n_a + n_b))
    _, label = connected_components(graph, directed=False)
    edge_group = label[ea]
    order = np.argsort(edge_group, kind="stable")
    bounds = np.flatnonzero(np.diff(edge_group[order])) + 1
    pairs = [g[_solve(ea[g], eb[g], cost[g])] for g in np.split(order, bounds)]
    chosen = np.concatenate(pairs)
    return ea[chosen], eb[chosen], dist[chosen]


def _candidates(t_a: NDArray[np.float64], lon_a: NDArray[np.float64], lat_a: NDArray[np.float64],
                t_b: NDArray[np.float64], lon_b: NDArray[np.float64], lat_b: NDArray[np.float64],
                max_dt_s: float, max_dist_m: float) -> tuple[NDArray[np.intp], NDArray[np.intp],
                                                             NDArray[np.float64], NDArray[np.float64]]:
    """Edges (a, b) within the time gate (sorted search) and then the distance gate."""
    sort_b = np.argsort(t_b, kind="stable")
    tb = t_b[sort_b]
    lo = np.searchsorted(tb, t_a - max_dt_s, side="left")
    hi = np.searchsorted(tb, t_a + max_dt_s, side="right")
    counts = np.maximum(hi - lo, 0)
    ea = np.repeat(np.arange(len(t_a)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    eb = sort_b[np.repeat(lo, counts) + offsets]
    dt = np.abs(t_a[ea] - t_b[eb])
    ok = dt <= max_dt_s
    ea, eb, dt = ea[ok], eb[ok], dt[ok]
    if len(ea) == 0:
        return ea, eb, np.empty(0), np.empty(0)
    dist = np.asarray(GEOD.inv(lon_a[ea], lat_a[ea], lon_b[eb], lat_b[eb])[2], dtype=float)
    ok = dist <= max_dist_m
    cost = dist[ok] / max_dist_m + dt[ok] / max_dt_s
    return ea[ok], eb[ok], dist[ok], cost


def _solve(ea: NDArray[np.intp], eb: NDArray[np.intp], cost: NDArray[np.float64]) -> NDArray[np.intp]:
    """Positions (into the edge arrays) of the optimal assignment within one connected group."""
    ua, ia = np.unique(ea, return_inverse=True)
    ub, ib = np.unique(eb, return_inverse=True)
    big = 4.0 * (min(len(ua), len(ub)) + 1)  # above any sum of feasible costs (each <= 2)
    matrix = np.full((len(ua), len(ub)), big)
    edge_at = np.full((len(ua), len(ub)), -1, dtype=np.intp)
    matrix[ia, ib] = cost
    edge_at[ia, ib] = np.arange(len(ea))
    rows, cols = linear_sum_assignment(matrix)
    picked = edge_at[rows, cols]
    return picked[picked >= 0]


# --------------------------------------------------------------------------- scoring

def evaluate(truth: Columns, events: Columns, *, max_dt_s: float = 2.0, max_dist_m: float = 1000.0) -> Evaluation:
    """Score reported ``events`` (EVENTS contract) against ``truth`` (TRUTH_EVENTS contract)."""
    truth = _canonical(truth, _TRUTH_COLUMNS, "truth_id", "truth")
    events = _canonical(events, _EVENT_COLUMNS, "event_id", "events")
    gates = {"max_dt_s": max_dt_s, "max_dist_m": max_dist_m}
    t_fire = truth.take(np.isin(truth["kind"].astype(str), FIRE_KINDS))
    r_fire = events.take(np.isin(events["kind"].astype(str), FIRE_KINDS))
    ir, it, dist = match(r_fire["time"], r_fire["lon"], r_fire["lat"],
                         t_fire["time"], t_fire["lon"], t_fire["lat"], **gates)
    n_t, n_r, n_m = len(t_fire), len(r_fire), len(ir)
    same_side = r_fire["attributed_side"].astype(str)[ir] == t_fire["side"].astype(str)[it]
    violations = events.take(_as_bool(events["is_violation"]))
    iv, itv, _ = match(violations["time"], violations["lon"], violations["lat"],
                       truth["time"], truth["lon"], truth["lat"], **gates)
    matched_kind = truth["kind"].astype(str)[itv]
    return Evaluation(
        n_truth_fire=n_t, n_reported_fire=n_r, n_matched=n_m,
        precision=_ratio(n_m, n_r), recall=_ratio(n_m, n_t), f1=_ratio(2 * n_m, n_r + n_t),
        loc_err_median_m=float(np.median(dist)) if n_m else math.nan,
        loc_err_p95_m=float(np.percentile(dist, 95)) if n_m else math.nan,
        attribution_accuracy=_ratio(int(same_side.sum()), n_m),
        n_violations=len(violations), thunder_violations=int(np.sum(matched_kind == "thunder")),
        blast_violations=int(np.sum(matched_kind == "blast")), unmatched_violations=len(violations) - len(iv),
    )


def _canonical(table: Columns, needed: tuple[str, ...], key: str, what: str) -> Columns:
    """The columns scoring needs, rows in (time, id) order so results ignore input order."""
    missing = [c for c in needed if c not in table]
    if missing:
        raise ValueError(f"{what}: missing columns {missing}")
    data = {c: np.asarray(table[c]) for c in needed}
    for c in ("time", "lon", "lat"):
        data[c] = data[c].astype(float)
    order = np.lexsort((data["lat"], data["lon"], data[key].astype(str), data["time"]))
    return Columns(data).take(order)


def _as_bool(values: NDArray[np.generic]) -> NDArray[np.bool_]:
    """Booleans from a bool column or from ``true``/``false`` text."""
    arr = np.asarray(values)
    if arr.dtype.kind in "OUS":
        return np.array([str(v).strip().lower() in ("true", "1") for v in arr], dtype=bool)
    return arr.astype(bool)


def _ratio(num: int, den: int) -> float:
    return num / den if den else math.nan


__all__ = ["FIRE_KINDS", "Evaluation", "evaluate", "match", "read_truth"]
