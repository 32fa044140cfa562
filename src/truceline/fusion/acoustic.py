"""The acoustic chain: associate, learn how sound travelled that day, associate again.

Pass one associates with a nominal sound speed and loose tolerances. From its well-recorded
events :func:`truceline.fusion.propagation.fit_propagation` learns the day's speed curve, the wind
and each sensor's time term (never assumed). Pass two associates again with that model and tight
tolerances, and every event is relocated under it. The result is a level-1 event table: where,
when, how sure, and what the sensors said it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from truceline.fusion.associate import AssociationParams, Hypothesis, associate
from truceline.fusion.explain import ExplainParams, explain
from truceline.fusion.locate import ellipse
from truceline.fusion.propagation import Propagation, PropagationParams, fit_propagation, padded, relocate
from truceline.geodesy import LocalProjection
from truceline.model.tables import Columns


@dataclass(frozen=True)
class AcousticParams:
    """Settings of the acoustic chain."""

    nominal_speed_mps: float = 340.0
    association: AssociationParams = field(default_factory=AssociationParams)
    propagation: PropagationParams = field(default_factory=PropagationParams)
    first_pass_tol_s: float = 1.0
    first_pass_speed_uncertainty: float = 0.03
    explain: ExplainParams = field(default_factory=ExplainParams)
    refit: bool = True             # learn the propagation again from pass two's events before relocating
    sparse_min_sensors: int = 4    # a last round over what is left accepts events this few sensors heard
                                   # (kept as low-confidence detections); >= association.min_sensors: off
    sparse_amp_tol_ln: float = 1.0 # their members must agree on the source level (ln amplitude x distance)
    duplicate_m: float = 15_000.0  # an event this close in place ...
    duplicate_s: float = 45.0      # ... and origin time to a larger one may be a fragment of it
    fragment_fit: float = 0.75     # ... which it is when the larger event predicts this share of its picks


@dataclass(frozen=True)
class AcousticResult:
    """Located events (level 1), the owner event per pick, and what was learnt on the way."""

    events: Columns
    pick_event: np.ndarray
    """Row of ``events`` each pick belongs to (-1: unassociated)."""
    propagation: Propagation
    assignments: Columns
    """Per pick: its event and residual, or why it has none (``PICK_ASSIGNMENTS``)."""

    @property
    def speed_by_hour(self) -> np.ndarray:
        return self.propagation.speed(self.propagation.t_ref + 3600.0 * (np.arange(24) + 0.5))

    @property
    def sensor_terms(self) -> np.ndarray:
        return self.propagation.terms

    @property
    def wind(self) -> tuple[float, float]:
        return self.propagation.wind


def detect(picks: Columns, sensors: Columns, proj: LocalProjection, params: AcousticParams,
           progress=None, origin: float = 0.0) -> AcousticResult:
    """Associate and locate ``picks`` from ``sensors`` (both conformed tables).

    ``origin``: where the processing windows start (epoch seconds); it changes no event.
    """
    sx, sy = proj.to_xy(sensors["lon"], sensors["lat"])
    index = {s: k for k, s in enumerate(sensors["sensor_id"])}
    ps = np.array([index[s] for s in picks["sensor_id"]], dtype=np.int64)
    t = np.asarray(picks["time"], dtype=float)
    t_ref = float(np.floor(t.min() / 86400.0) * 86400.0) if len(t) else 0.0
    model = Propagation(t_ref, np.array([params.nominal_speed_mps]), (0.0, 0.0), np.zeros(len(sx)))
    a = params.association
    loose = replace(a, final_tol_s=params.first_pass_tol_s, speed_uncertainty=params.first_pass_speed_uncertainty,
                    scan=replace(a.scan, speed_uncertainty=params.first_pass_speed_uncertainty))
    step = None if progress is None else (lambda i, n: progress(i, 2 * n))
    amp = np.asarray(picks["amplitude"], dtype=float)
    first, _ = associate(t, ps, sx, sy, model.speed, loose, step, origin=origin, pick_amp=amp)
    model = fit_propagation([h.members for h in first], *_positions(first), t, ps, sx, sy, model,
                            params.propagation)
    tc = t - model.terms[ps]
    step = None if progress is None else (lambda i, n: progress(n + i, 2 * n))
    second, owner = associate(tc, ps, sx, sy, model.speed, a, step, model.wind, origin, amp)
    members = [h.members for h in second]
    x, y, t0 = _positions(second)
    if params.refit:  # pass two's events are more and cleaner: learn the propagation again from them
        model = fit_propagation(members, x, y, t0, t, ps, sx, sy, model, params.propagation)
    sparse = _sparse(t - model.terms[ps], ps, amp, owner, sx, sy, model, params, origin)
    members += [h.members for h in sparse]
    x, y, t0 = (np.concatenate([u, v]) for u, v in zip((x, y, t0), _positions(sparse)))
    low = np.r_[[h.repeat for h in second], np.ones(len(sparse), dtype=bool)].astype(bool)
    rows = padded(members)
    fix = None
    if len(members):
        fix = relocate(rows, x, y, t, ps, sx, sy, model, t0)
        need = np.where(low, min(params.sparse_min_sensors, a.salvo.min_sensors), a.min_sensors)
        rows, keep = _prune(fix, rows, ps, sx, sy, a, need)
        fix = relocate(rows[keep], fix.x[keep], fix.y[keep], t, ps, sx, sy, model, fix.t0[keep])
        rows, low = rows[keep], low[keep]
        first = _duplicates(fix, rows, t, ps, sx, sy, model, params)
        if len(first) < len(rows):
            rows, low = _merge(rows, first, ps), np.array([low[first == g].all() for g in np.unique(first)])
            at = np.unique(first)
            fix = relocate(rows, fix.x[at], fix.y[at], t, ps, sx, sy, model, fix.t0[at])
            need = np.where(low, min(params.sparse_min_sensors, a.salvo.min_sensors), a.min_sensors)
            rows, keep = _prune(fix, rows, ps, sx, sy, a, need)
            keep &= (rows >= 0).any(axis=1)
            fix = relocate(rows[keep], fix.x[keep], fix.y[keep], t, ps, sx, sy, model, fix.t0[keep])
            rows, low = rows[keep], low[keep]
    events = _table(fix, rows, picks, proj, a.min_sensors)
    owner, residual = _owners(fix, rows, len(t))
    assignments = explain(np.asarray(picks["pick_id"], dtype=object), ps, t, sensors["sensor_id"], sx, sy, events,
                          owner, residual, model, params.explain)
    return AcousticResult(events, owner, model, assignments)


def _sparse(tc: np.ndarray, ps: np.ndarray, amp: np.ndarray, owner: np.ndarray, sx: np.ndarray, sy: np.ndarray,
            model: Propagation, params: AcousticParams, origin: float) -> list:
    """The last round: events heard by ``sparse_min_sensors`` or more sensors among the picks no
    event took, under the learnt propagation, whose members also agree on the source level."""
    a = params.association
    n = params.sparse_min_sensors
    free = np.flatnonzero(owner < 0)
    if n >= a.min_sensors or n < 4 or len(free) == 0:
        return []
    loose = replace(a, min_sensors=n, rounds=1, amp_tol_ln=params.sparse_amp_tol_ln,
                    scan=replace(a.scan, min_fits=n - 1))
    found, _ = associate(tc[free], ps[free], sx, sy, model.speed, loose, None, model.wind, origin, amp[free])
    return [Hypothesis(h.fix, free[h.members]) for h in found]


def _pairs(fix, rows: np.ndarray, t: np.ndarray, ps: np.ndarray, sx: np.ndarray, sy: np.ndarray,
           model: Propagation, params: AcousticParams):
    """Pairs (larger event A, smaller event B) within ``duplicate_m`` and ``duplicate_s``, B's picks
    as seen from A: their lags (pick minus A's predicted arrival), tolerances and presence."""
    size = (rows >= 0).sum(axis=1)
    pairs = cKDTree(np.column_stack([fix.x, fix.y])).query_pairs(params.duplicate_m, output_type="ndarray")
    pairs = pairs.reshape(-1, 2)
    big = np.where(size[pairs[:, 0]] >= size[pairs[:, 1]], pairs[:, 0], pairs[:, 1])
    small = np.where(big == pairs[:, 0], pairs[:, 1], pairs[:, 0])
    near = np.abs(fix.t0[big] - fix.t0[small]) <= params.duplicate_s
    big, small = big[near], small[near]
    m = rows[small]
    have = m >= 0
    pick = np.maximum(m, 0)
    gx, gy = sx[ps[pick]], sy[ps[pick]]
    d = np.hypot(gx - fix.x[big][:, None], gy - fix.y[big][:, None])
    c = model.speed(fix.t0[big])[:, None] + (model.wind[0] * (gx - fix.x[big][:, None]) +
                                               model.wind[1] * (gy - fix.y[big][:, None])) / np.maximum(d, 1.0)
    lag = t[pick] - model.terms[ps[pick]] - (fix.t0[big][:, None] + d / c)
    a = params.association
    tol = a.final_tol_s + a.speed_uncertainty * d / 340.0
    return big, small, np.where(have, lag, np.nan), tol, have, size


def _duplicates(fix, rows: np.ndarray, t: np.ndarray, ps: np.ndarray, sx: np.ndarray, sy: np.ndarray,
                model: Propagation, params: AcousticParams) -> np.ndarray:
    """Per event, the row of the event it is a fragment of (itself if none).

    A source heard by many sensors can be split in two: a second event built from the sensors the
    first did not reach (by another window, or a repeat), located off along the direction those
    sensors see it from (a one-sided array barely constrains range). Event B is a fragment of a
    larger event A within ``duplicate_m`` / ``duplicate_s`` (checked by B's own arrivals, not by
    B's position) when A predicts at least ``fragment_fit`` of B's picks within the association's
    tolerance. Rounds of a salvo are seconds apart at one place, so A predicts none of theirs.
    """
    n = len(rows)
    head = np.arange(n)
    if n < 2:
        return head
    big, small, lag, tol, have, size = _pairs(fix, rows, t, ps, sx, sy, model, params)
    fits = ((np.abs(np.nan_to_num(lag, nan=np.inf)) <= tol) & have).sum(axis=1) >= params.fragment_fit * have.sum(axis=1)
    for b, k in sorted(zip(big[fits], small[fits]), key=lambda bk: (-size[bk[0]], bk[0], bk[1])):
        if head[k] == k and head[b] == b:
            head[k] = b
    return head


def _merge(rows: np.ndarray, first: np.ndarray, ps: np.ndarray) -> np.ndarray:
    """Member rows of the merged events (in the order of ``np.unique(first)``): the
    representative's picks, then each duplicate's picks from sensors it does not have."""
    merged = []
    for g in np.unique(first):
        keep = list(rows[g][rows[g] >= 0])
        seen = set(ps[keep])
        for k in np.flatnonzero((first == g) & (np.arange(len(rows)) != g)):
            for m in rows[k][rows[k] >= 0]:
                if ps[m] not in seen:
                    keep.append(m)
                    seen.add(ps[m])
        merged.append(np.array(keep, dtype=np.int64))
    return padded(merged)


def _prune(fix, rows: np.ndarray, ps: np.ndarray, sx: np.ndarray, sy: np.ndarray, a: AssociationParams,
           need: np.ndarray):
    """After the final relocation, members must still fit (the association's own tolerance);
    events left with fewer sensors than ``need`` (per event) are dropped. Returns the rows and the
    kept mask."""
    have = rows >= 0
    pick = np.maximum(rows, 0)
    dist = np.hypot(sx[ps[pick]] - fix.x[:, None], sy[ps[pick]] - fix.y[:, None])
    tol = a.final_tol_s + a.speed_uncertainty * dist / 340.0
    fits = have & (np.abs(np.nan_to_num(fix.residuals, nan=np.inf)) <= tol)
    rows = np.where(fits, rows, -1)
    n = np.array([len(np.unique(ps[r[r >= 0]])) for r in rows])
    return rows, n >= need


def _owners(fix, rows: np.ndarray, n_picks: int) -> tuple[np.ndarray, np.ndarray]:
    """Per pick: the row of its event in the (time-ordered) table, -1 if none, and its residual."""
    owner = np.full(n_picks, -1, dtype=np.int64)
    residual = np.full(n_picks, np.nan)
    if fix is None:
        return owner, residual
    rank = np.empty(len(rows), dtype=np.int64)
    rank[np.argsort(fix.t0, kind="stable")] = np.arange(len(rows))
    h, col = np.nonzero(rows >= 0)
    owner[rows[h, col]] = rank[h]
    residual[rows[h, col]] = fix.residuals[h, col]
    return owner, residual


def _positions(hyps) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.array([h.fix.x for h in hyps]), np.array([h.fix.y for h in hyps]),
            np.array([h.fix.t0 for h in hyps]))


def _vote(kinds: np.ndarray) -> tuple[str, float, float]:
    """Majority on-sensor label and the fractions of 'unknown' and of the winning label."""
    n = max(len(kinds), 1)
    counts = {k: int(np.sum(kinds == k)) for k in ("launch", "impact", "unknown")}
    fire = {k: counts[k] for k in ("launch", "impact")}
    winner = max(fire, key=fire.get)
    return winner, counts["unknown"] / n, fire[winner] / n


def _table(fix, rows: np.ndarray, picks: Columns, proj: LocalProjection, min_sensors: int) -> Columns:
    """The level-1 event table; ``low_confidence``: heard by fewer than ``min_sensors`` sensors."""
    names = ("x", "y", "time", "sigma_major_m", "sigma_minor_m", "azimuth_deg", "sigma_time_s", "n_sensors",
             "rms_s", "label", "unknown_frac", "label_frac", "low_confidence")
    out: list[tuple] = []
    member_lists = []
    for k in range(0 if fix is None else len(rows)):
        have = rows[k] >= 0
        m = rows[k][have]
        major, minor, az = ellipse(fix.cov[k, :2, :2])
        w = fix.weights[k][have]
        r = fix.residuals[k][have]
        rms = float(np.sqrt(np.mean(r[w > 0.5] ** 2))) if np.any(w > 0.5) else float("inf")
        label, unknown_frac, win_frac = _vote(picks["kind"][m])
        out.append((fix.x[k], fix.y[k], fix.t0[k], major, minor, az, float(np.sqrt(max(fix.cov[k, 2, 2], 0.0))),
                    len(m), rms, label, unknown_frac, win_frac, len(m) < min_sensors))
        member_lists.append(m)
    if not out:
        cols = {n: np.empty(0) for n in names}
        cols["label"] = np.empty(0, dtype=object)
    else:
        cols = {n: np.array(v, dtype=object if n == "label" else None) for n, v in zip(names, zip(*out))}
    order = np.argsort(cols["time"], kind="stable")
    cols = {n: v[order] for n, v in cols.items()}
    lon, lat = proj.to_lonlat(cols["x"], cols["y"])
    cols["event_id"] = np.array([f"E{k + 1:06d}" for k in range(len(order))], dtype=object)
    cols["lon"], cols["lat"] = lon, lat
    cols["n_sensors"] = cols["n_sensors"].astype(np.int64)
    cols["member_picks"] = np.array([picks["pick_id"][member_lists[j]] for j in order] + [None], dtype=object)[:-1]
    return Columns(cols)
