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

from truceline.fusion.associate import AssociationParams, Hypothesis, associate
from truceline.fusion.explain import ExplainParams, explain
from truceline.fusion.fragments import FragmentParams, absorb, merge_splits, unmix_salvos
from truceline.fusion.locate import ellipse
from truceline.fusion.propagation import Propagation, PropagationParams, fit_propagation, padded, relocate
from truceline.fusion.recruit import recruit
from truceline.fusion.silence import silent_nearer
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
    fragments: FragmentParams = field(default_factory=FragmentParams)
    final_tukey_c: float = 0.33    # the reported fix: Tukey's biweight at its 95 %-efficiency constant, 4.685 x
                                   # the timing precision (propagation.TIMING_FLOOR_S); membership keeps 0.6 s
    recruit_tol_s: float = 0.15    # a free pick this close to an event's predicted arrival joins it (fusion.recruit)


RMS_WINDOW_S = 0.325
"""An event's ``rms_s`` is over its members within this many seconds of the fit: where the
association's 0.6 s biweight gives half weight, whatever the final fix down-weights."""


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
    fix, rows = _final_locations(padded(members), low, x, y, t0, t, ps, sx, sy, model, params)
    silent = None if fix is None else silent_nearer(fix.x, fix.y, fix.t0, [r[r >= 0] for r in rows], sx, sy, ps, t)
    events = _table(fix, rows, picks, proj, a.min_sensors, silent)
    owner, residual = _owners(fix, rows, len(t))
    assignments = explain(np.asarray(picks["pick_id"], dtype=object), ps, t, sensors["sensor_id"], sx, sy, events,
                          owner, residual, model, params.explain)
    return AcousticResult(events, owner, model, assignments)


def _final_locations(rows: np.ndarray, low: np.ndarray, x: np.ndarray, y: np.ndarray, t0: np.ndarray,
                     t: np.ndarray, ps: np.ndarray, sx: np.ndarray, sy: np.ndarray, model: Propagation,
                     params: AcousticParams):
    """Relocate every event under the learnt model, check its members, dissolve fragments and
    mixtures into the events that predict their picks, and check again: (fix, member rows)."""
    if len(rows) == 0 or not (rows >= 0).any():
        return None, rows[:0]
    fix = relocate(rows, x, y, t, ps, sx, sy, model, t0)
    fix, rows, low = _settle(fix, rows, low, t, ps, sx, sy, model, params)
    a = params.association
    absorbed = absorb(fix.x, fix.y, fix.t0, rows, t, ps, sx, sy, model, a.final_tol_s, a.speed_uncertainty,
                      params.fragments)
    if absorbed.shape != rows.shape or (absorbed != rows).any():
        fix = relocate(absorbed, fix.x, fix.y, t, ps, sx, sy, model, fix.t0)
        fix, rows, low = _settle(fix, absorbed, low, t, ps, sx, sy, model, params)
    if params.fragments.unmix:
        unmixed = unmix_salvos(fix.x, fix.y, fix.t0, rows, low, t, ps, sx, sy, model, a.salvo, a.scan.neighbours,
                               params.fragments)
        if unmixed[0] is not rows:
            fix = relocate(unmixed[0], *unmixed[2:4], t, ps, sx, sy, model, unmixed[4])
            fix, rows, low = _settle(fix, unmixed[0], unmixed[1], t, ps, sx, sy, model, params)
    merged, keep = merge_splits(fix.x, fix.y, fix.t0, rows, t, ps, sx, sy, model, a.final_tol_s, a.speed_uncertainty,
                                params.fragments)
    if not keep.all():
        low = low[keep]                            # a merged event keeps its larger part's floor
        fix = relocate(merged[keep], fix.x[keep], fix.y[keep], t, ps, sx, sy, model, fix.t0[keep])
        fix, rows, low = _settle(fix, merged[keep], low, t, ps, sx, sy, model, params)
    return _final_fix(fix, rows, low, t, ps, sx, sy, model, params)


def _final_fix(fix, rows: np.ndarray, low: np.ndarray, t: np.ndarray, ps: np.ndarray, sx: np.ndarray,
               sy: np.ndarray, model: Propagation, params: AcousticParams):
    """Members settled, the reported position no longer lets picks 0.3-0.6 s off pull it: every
    event is located once more at ``final_tukey_c`` and its members checked again: (fix, rows)."""
    fix = relocate(rows, fix.x, fix.y, t, ps, sx, sy, model, fix.t0, tukey_c=params.final_tukey_c)
    fix, rows, low = _settle(fix, rows, low, t, ps, sx, sy, model, params, params.final_tukey_c)
    joined = recruit(fix.x, fix.y, fix.t0, rows, t, ps, sx, sy, model, params.recruit_tol_s,
                     params.explain.sensors_per_event)
    if joined is not rows:
        fix = relocate(joined, fix.x, fix.y, t, ps, sx, sy, model, fix.t0, tukey_c=params.final_tukey_c)
        fix, rows, _ = _settle(fix, joined, low, t, ps, sx, sy, model, params, params.final_tukey_c)
    return fix, rows


def _settle(fix, rows: np.ndarray, low: np.ndarray, t: np.ndarray, ps: np.ndarray, sx: np.ndarray, sy: np.ndarray,
            model: Propagation, params: AcousticParams, tukey_c: float = 0.6):
    """Prune members that no longer fit, drop events under their floor (``min_sensors``, or the
    repeat / low-confidence floor where ``low``) and relocate the rest: (fix, rows, low)."""
    a = params.association
    need = np.where(low, min(params.sparse_min_sensors, a.salvo.min_sensors), a.min_sensors)
    rows, keep = _prune(fix, rows, ps, sx, sy, a, need)
    fix = relocate(rows[keep], fix.x[keep], fix.y[keep], t, ps, sx, sy, model, fix.t0[keep], tukey_c=tukey_c)
    return fix, rows[keep], low[keep]


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


def _table(fix, rows: np.ndarray, picks: Columns, proj: LocalProjection, min_sensors: int,
           silent: np.ndarray | None) -> Columns:
    """The level-1 event table; ``low_confidence``: heard by fewer than ``min_sensors`` sensors;
    ``n_silent``: sensors nearer than its farthest member, up, that heard nothing of it."""
    names = ("x", "y", "time", "sigma_major_m", "sigma_minor_m", "azimuth_deg", "sigma_time_s", "n_sensors",
             "rms_s", "label", "unknown_frac", "label_frac", "low_confidence", "n_silent")
    out: list[tuple] = []
    member_lists = []
    for k in range(0 if fix is None else len(rows)):
        have = rows[k] >= 0
        m = rows[k][have]
        major, minor, az = ellipse(fix.cov[k, :2, :2])
        r = fix.residuals[k][have]
        core = np.abs(r) < RMS_WINDOW_S
        rms = float(np.sqrt(np.mean(r[core] ** 2))) if np.any(core) else float("inf")
        label, unknown_frac, win_frac = _vote(picks["kind"][m])
        out.append((fix.x[k], fix.y[k], fix.t0[k], major, minor, az, float(np.sqrt(max(fix.cov[k, 2, 2], 0.0))),
                    len(m), rms, label, unknown_frac, win_frac, len(m) < min_sensors, int(silent[k])))
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
    cols["n_silent"] = cols["n_silent"].astype(np.int64)
    cols["member_picks"] = np.array([picks["pick_id"][member_lists[j]] for j in order] + [None], dtype=object)[:-1]
    return Columns(cols)
