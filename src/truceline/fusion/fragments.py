"""Events made of picks that other, larger events predict: fragments and salvo mixtures.

Two failures of greedy association leave an event that should not exist:

- a *fragment*: a source heard by many sensors is split in two, the second event built from
  sensors the first did not reach (another window, or a repeat) and located off along the
  direction those sensors see it from (a one-sided array barely constrains range);
- a *mixture*: picks of two or three rounds of a salvo, each missing from its own round's event,
  fitted together at a wrong place.

Where no single larger event predicts a mixture's picks (its rounds lie seconds after the
located round, not at it), :func:`unmix_salvos` finds the rounds through the salvo's moveout.

A third failure leaves two events for one source: a *split*, the source's sensors shared out
between two events that each locate it on their own, a few hundred metres and a second apart
(typically the sensor row on each side of the line). :func:`merge_splits` relocates each such
pair on the union of their picks and merges them where nearly all picks fit the joint location.

For fragments and mixtures, the larger events nearby predict the picks: a member pick of event B *fits* event A
when A has no pick from that sensor and A's predicted arrival there lies within the
association's tolerance. When at least ``fragment_fit`` of B's picks fit events larger than B,
B is dissolved: each fitting pick goes to the event it fits best, the rest are set free. Rounds
of a salvo are seconds apart at one place, so a real round's picks fit no other round.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial import cKDTree

from truceline.fusion.locate import effective_speed
from truceline.fusion.propagation import Propagation, padded, relocate
from truceline.fusion.salvo import SalvoParams, repeats


@dataclass(frozen=True)
class FragmentParams:
    """Settings of the fragment test."""

    near_m: float = 15_000.0   # larger events this close in place ...
    near_s: float = 45.0       # ... and origin time are checked
    fragment_fit: float = 0.5  # share of an event's picks the larger events must predict to dissolve it
    split_m: float = 3_000.0   # two events this close in place ...
    split_s: float = 4.0       # ... and origin time, ...
    split_shared: int = 1      # ... sharing at most this many sensors, are tried as one source,
    split_fit: float = 0.8     # merged where this share of their picks fits the joint location
    unmix: bool = True         # replace mixtures of a salvo's rounds by the rounds
    unmix_fit: float = 0.6     # share of an event's picks the rounds at a nearby event's place must explain
    unmix_same_s: float = 1.0  # a round found whose start is this close to an event's at that place is that event
    unmix_lag_tol_s: float = 0.8  # a round's picks share a lag within this at that place (impacts scatter)
    unmix_groups: int = 1      # shared-lag groups (besides the nearby event's own arrivals) a mixture must show
    unmix_gap_s: float = 2.0   # rounds of a salvo leave at least this far apart (a battery fires every 3-7 s)


def absorb(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, t: np.ndarray, ps: np.ndarray,
           sx: np.ndarray, sy: np.ndarray, model: Propagation, tol_s: float, speed_uncertainty: float,
           params: FragmentParams = FragmentParams()) -> np.ndarray:
    """The member rows after dissolving fragments and mixtures into the events that predict them.

    ``x, y, t0``: the events' positions; ``rows``: their member picks (-1 padded); ``t`` raw pick
    times, ``ps`` pick sensors. A dissolved event's row is left empty (all -1); the events that
    took picks have them appended (the result may be wider than ``rows``).
    """
    n = len(rows)
    if n < 2:
        return rows
    size = (rows >= 0).sum(axis=1)
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(params.near_m, output_type="ndarray").reshape(-1, 2)
    pairs = np.concatenate([pairs, pairs[:, ::-1]])            # both directions: (A, B), B the smaller
    a, b = pairs[:, 0], pairs[:, 1]
    ok = ((size[a] > size[b]) | ((size[a] == size[b]) & (a < b))) & (np.abs(t0[a] - t0[b]) <= params.near_s)
    a, b = a[ok], b[ok]
    if len(a) == 0:
        return rows
    has = np.zeros((n, len(sx)), dtype=bool)
    r, c = np.nonzero(rows >= 0)
    has[r, ps[rows[r, c]]] = True
    m = rows[b]
    have = m >= 0
    pick = np.maximum(m, 0)
    sensor = ps[pick]
    gx, gy = sx[sensor], sy[sensor]
    d = np.hypot(gx - x[a][:, None], gy - y[a][:, None])
    speed = model.speed(t0[a])[:, None] + (model.wind[0] * (gx - x[a][:, None]) +
                                           model.wind[1] * (gy - y[a][:, None])) / np.maximum(d, 1.0)
    lag = np.abs(t[pick] - model.terms[sensor] - (t0[a][:, None] + d / speed))
    tol = tol_s + speed_uncertainty * d / 340.0
    fits = have & (lag <= tol) & ~has[a[:, None], sensor]
    score = np.where(fits, lag / tol, np.inf)
    return _reassign(rows, a, b, score, size, ps, params.fragment_fit)


def _reassign(rows: np.ndarray, a: np.ndarray, b: np.ndarray, score: np.ndarray, size: np.ndarray, ps: np.ndarray,
              fragment_fit: float) -> np.ndarray:
    """Dissolve each event whose picks the larger events predict (``score`` finite: the pick in
    column j of event ``b[k]`` fits event ``a[k]``, lower is better), smallest events first."""
    members = [list(r[r >= 0]) for r in rows]
    sensors = [set(ps[m]) for m in members]
    alive = np.ones(len(rows), dtype=bool)
    candidates = np.unique(b)
    for e in candidates[np.argsort(size[candidates], kind="stable")]:
        ks = np.flatnonzero((b == e) & alive[a])
        if len(ks) == 0:
            continue
        best = np.argmin(score[ks], axis=0)
        fitted = np.flatnonzero(np.isfinite(score[ks][best, np.arange(score.shape[1])]))
        if len(fitted) == 0 or len(fitted) < fragment_fit * size[e]:
            continue
        for j in fitted:
            target, pick = int(a[ks[best[j]]]), int(rows[e][j])
            if ps[pick] not in sensors[target]:
                members[target].append(pick)
                sensors[target].add(ps[pick])
        members[e] = []
        alive[e] = False
    return padded([np.asarray(m, dtype=np.int64) for m in members])


def merge_splits(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, t: np.ndarray, ps: np.ndarray,
                 sx: np.ndarray, sy: np.ndarray, model: Propagation, tol_s: float, speed_uncertainty: float,
                 params: FragmentParams = FragmentParams()) -> tuple[np.ndarray, np.ndarray]:
    """(member rows, kept mask) after merging split events: pairs close in place and time that
    share at most ``split_shared`` sensors and whose union of picks (the larger event's pick where
    both have one) fits one location: ``split_fit`` of the picks within the association's
    tolerance, more than either event had (the misfits are pruned afterwards, as after every
    relocation). Each event merges at most once per call, best joint fit first; the merged-away
    event's row is dropped."""
    n = len(rows)
    keep = np.ones(n, dtype=bool)
    ab, joint = _split_pairs(x, y, t0, rows, ps, params) if n >= 2 else (np.zeros((0, 2), dtype=np.int64), None)
    if len(ab) == 0:
        return rows, keep
    fix = relocate(joint, x[ab[:, 0]], y[ab[:, 0]], t, ps, sx, sy, model, t0[ab[:, 0]])
    have = joint >= 0
    dist = np.hypot(sx[ps[np.maximum(joint, 0)]] - fix.x[:, None], sy[ps[np.maximum(joint, 0)]] - fix.y[:, None])
    tol = tol_s + speed_uncertainty * dist / 340.0
    good = have & (np.abs(np.nan_to_num(fix.residuals, nan=np.inf)) <= tol)
    n_good, n_all = good.sum(axis=1), have.sum(axis=1)
    fits = (n_good >= params.split_fit * n_all) & (n_good > (rows[ab] >= 0).sum(axis=2).max(axis=1))
    rms = np.sqrt((np.where(good, np.nan_to_num(fix.residuals), 0.0) ** 2).sum(axis=1) / np.maximum(n_good, 1))
    out = [r[r >= 0] for r in rows]
    used = np.zeros(n, dtype=bool)
    for k in np.flatnonzero(fits)[np.argsort(rms[fits], kind="stable")]:
        a, b = ab[k]
        if used[a] or used[b]:
            continue
        used[a] = used[b] = True
        out[a], keep[b] = joint[k][joint[k] >= 0], False
    return padded(out), keep


def _split_pairs(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, ps: np.ndarray,
                 params: FragmentParams) -> tuple[np.ndarray, np.ndarray]:
    """Candidate splits: ``(a, b)`` pairs (``a`` the larger) close in place and time sharing at most
    ``split_shared`` sensors, and each pair's union of picks (``a``'s where both have a sensor)."""
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(params.split_m, output_type="ndarray").reshape(-1, 2)
    pairs = pairs[np.abs(t0[pairs[:, 0]] - t0[pairs[:, 1]]) <= params.split_s]
    size = (rows >= 0).sum(axis=1)
    members = [r[r >= 0] for r in rows]
    sensors = [set(ps[m].tolist()) for m in members]
    union, order = [], []
    for a, b in pairs:
        a, b = (a, b) if size[a] >= size[b] else (b, a)
        if len(sensors[a] & sensors[b]) > params.split_shared:
            continue
        extra = members[b][~np.isin(ps[members[b]], list(sensors[a]))]
        union.append(np.concatenate([members[a], extra]))
        order.append((a, b))
    return np.array(order, dtype=np.int64).reshape(-1, 2), padded(union)


def unmix_salvos(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, low: np.ndarray, t: np.ndarray,
                 ps: np.ndarray, sx: np.ndarray, sy: np.ndarray, model: Propagation, salvo: SalvoParams,
                 width: int, params: FragmentParams = FragmentParams()
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mixtures of a salvo's rounds replaced by the rounds: ``(rows, low, x, y, t0)``.

    Event B is tried against each event A near it in place (``near_m``) and time (the salvo's
    ``max_lag_s``) with at least as many picks: B's picks are turned into lags against A's
    predicted arrivals. Rounds fired from A's place show as lags shared by several sensors; where
    at least ``unmix_fit`` of B's picks share a lag with another of them (and are not A's own
    arrivals), the rounds are searched for at A's place as in association (:func:`repeats`) among
    the free picks and B's. B is replaced by them when there are two or more, each holding two
    of B's picks or more, together ``unmix_fit`` of them, starting ``unmix_gap_s`` apart and
    sharing two sensors pairwise (rounds heard alike; otherwise B is one source, a little off).
    A round starting within ``unmix_same_s`` of an event at A's place gives it the picks it lacks;
    the others become low-confidence repeats (``low``) placed at A, to be relocated.
    """
    n = len(rows)
    if n < 2:
        return rows, low, x, y, t0
    salvo = replace(salvo, lag_tol_s=params.unmix_lag_tol_s)
    tc = t - model.terms[ps]
    a, b = _mixture_pairs(x, y, t0, rows, tc, ps, sx, sy, model, salvo, params)
    if len(a) == 0:
        return rows, low, x, y, t0
    size = (rows >= 0).sum(axis=1)
    by_sensor = np.lexsort((tc, ps))
    offsets = np.searchsorted(ps[by_sensor], np.arange(len(sx) + 1))
    owner = np.full(len(t), -1, dtype=np.int64)
    r, c = np.nonzero(rows >= 0)
    owner[rows[r, c]] = r
    members = [list(m[m >= 0]) for m in rows]
    gone = np.zeros(n, dtype=bool)
    new_rows: list[np.ndarray] = []
    new_at: list[int] = []
    for k in np.lexsort((a, b, size[b])):
        e, src = int(b[k]), int(a[k])
        if gone[e] or gone[src]:
            continue
        suspects = np.zeros(n + 1, dtype=bool)                # the other mixtures tried at A share the salvo's picks
        suspects[b[(a == src) & ~gone[b]]] = True
        near = _window(src, x, y, t0, float(np.atleast_1d(model.speed(t0[src]))[0]), sx, tc, by_sensor, offsets,
                       salvo, sy, model.wind)
        free = np.zeros(len(t), dtype=bool)     # only the picks the search at A can see are looked at
        free[near] = _searchable(owner[near], e, suspects, n)
        found = _rounds_of(e, src, np.asarray(members[e], dtype=np.int64), free, x, y, t0, tc, ps, sx, sy, model,
                           salvo, width, params)
        if found is None:
            continue
        gone[e] = True
        owner[members[e]] = -1
        members[e] = []
        _hand_over(found, src, n, x, y, t0, ps, gone, owner, members, new_rows, new_at, params)
    if not gone.any():
        return rows, low, x, y, t0
    keep = ~gone
    at = np.asarray(new_at, dtype=np.int64).reshape(-1)
    out = [np.asarray(members[i], dtype=np.int64) for i in np.flatnonzero(keep)]
    out += [np.asarray(rd, dtype=np.int64) for rd in new_rows]
    return (padded(out), np.r_[low[keep], np.ones(len(new_rows), dtype=bool)],
            np.r_[x[keep], x[at]], np.r_[y[keep], y[at]], np.r_[t0[keep], t0[at]])


def _searchable(held: np.ndarray, e: int, suspects: np.ndarray, n: int) -> np.ndarray:
    """Which picks (their owner events ``held``) a search for ``e``'s rounds may take: free ones,
    ``e``'s own and the other suspected mixtures' (``suspects``; owners >= ``n`` are new rounds)."""
    return (held < 0) | (held == e) | ((held < n) & suspects[np.clip(held, 0, n)] & (held >= 0))


def _mixture_pairs(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, tc: np.ndarray, ps: np.ndarray,
                   sx: np.ndarray, sy: np.ndarray, model: Propagation, salvo: SalvoParams,
                   params: FragmentParams) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)``: each event B that may be a mixture of rounds fired from event A's place, with
    the A that lines up most of its picks (at least as many picks as B, near in place and time)."""
    size = (rows >= 0).sum(axis=1)
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(params.near_m, output_type="ndarray").reshape(-1, 2)
    pairs = np.concatenate([pairs, pairs[:, ::-1]])
    a, b = pairs[:, 0], pairs[:, 1]
    ok = (size[a] >= size[b]) & (np.abs(t0[a] - t0[b]) <= salvo.max_lag_s)
    a, b = a[ok], b[ok]
    lag = _lags_against(x[a], y[a], t0[a], rows[b], tc, ps, sx, sy, model)
    shared, groups = _shared_lag_share(lag, 2 * salvo.lag_tol_s, own=2 * salvo.lag_tol_s)
    tried = (shared >= params.unmix_fit * size[b]) & (groups >= params.unmix_groups)
    a, b, shared = a[tried], b[tried], shared[tried]
    best = np.lexsort((-size[a], -shared, b))
    first = best[np.r_[True, b[best][1:] != b[best][:-1]]] if len(best) else best
    return a[first], b[first]


def _rounds_of(e: int, src: int, mine: np.ndarray, free: np.ndarray, x: np.ndarray, y: np.ndarray, t0: np.ndarray,
               tc: np.ndarray, ps: np.ndarray, sx: np.ndarray, sy: np.ndarray, model: Propagation,
               salvo: SalvoParams, width: int, params: FragmentParams) -> list[tuple[np.ndarray, float]] | None:
    """The rounds (pick rows, origin time) at event ``src``'s place that event ``e`` (picks
    ``mine``) is a mixture of, or None when it is not one: two rounds or more, each holding two of
    its picks, together ``unmix_fit`` of them, fired ``unmix_gap_s`` apart and heard alike."""
    speed = np.atleast_1d(model.speed(t0[src]))
    found = repeats(x[src:src + 1], y[src:src + 1], t0[src:src + 1], speed, tc, ps, free, sx, sy, model.wind,
                    salvo, width)
    rounds = [rd for rd in (np.r_[p, f[f >= 0]] for p, f in zip(found.pick, found.fitting))
              if np.isin(rd, mine).sum() >= 2]
    if len(rounds) < 2:
        return None
    taken = sum(int(np.isin(mine, rd).sum()) for rd in rounds)
    starts = [float(t0[src] + np.nanmedian(_lags_against(x[src:src + 1], y[src:src + 1], t0[src:src + 1], rd[None, :],
                                                         tc, ps, sx, sy, model))) for rd in rounds]
    alike = min(len(np.intersect1d(ps[u], ps[v])) for i, u in enumerate(rounds) for v in rounds[i + 1:])
    if taken < params.unmix_fit * len(mine) or np.diff(np.sort(starts)).min() < params.unmix_gap_s or alike < 2:
        return None                             # not rounds fired apart and heard alike: one source, a little off
    return list(zip(rounds, starts))


def _hand_over(rounds: list[tuple[np.ndarray, float]], src: int, n: int, x: np.ndarray, y: np.ndarray,
               t0: np.ndarray, ps: np.ndarray, gone: np.ndarray, owner: np.ndarray, members: list[list[int]],
               new_rows: list[np.ndarray], new_at: list[int], params: FragmentParams) -> None:
    """Give a dissolved mixture's rounds their picks (in place): taken from the other events that
    held them; to the event already at ``src``'s place that starts with the round, or to a new one."""
    for rd, _ in rounds:
        for j in np.unique(owner[rd][(owner[rd] >= 0) & (owner[rd] < n)]):
            members[j] = [q for q in members[j] if q not in set(rd.tolist())]
            owner[rd[owner[rd] == j]] = -1
    for rd, start in rounds:
        same = np.flatnonzero(~gone & (np.hypot(x - x[src], y - y[src]) <= params.split_m)
                              & (np.abs(t0 - start) <= params.unmix_same_s))
        if len(same):                           # the round has its event: the picks it lacks are its
            j = int(same[np.argmin(np.abs(t0[same] - start))])
            extra = rd[~np.isin(ps[rd], ps[np.asarray(members[j], dtype=np.int64)])]
            members[j].extend(int(q) for q in extra)
            owner[extra] = j
            continue
        owner[rd] = n + len(new_rows)
        new_rows.append(rd)
        new_at.append(src)


def _window(src: int, x: np.ndarray, y: np.ndarray, t0: np.ndarray, speed: float, sx: np.ndarray, tc: np.ndarray,
            by_sensor: np.ndarray, offsets: np.ndarray, salvo: SalvoParams, sy: np.ndarray,
            wind: tuple[float, float]) -> np.ndarray:
    """The picks :func:`repeats` can reach from event ``src``: at its ``salvo.sensors`` nearest
    sensors, within ``max_lag_s`` of any arrival from it (a superset; ``by_sensor`` orders the
    picks by sensor then corrected time ``tc``, ``offsets`` starts each sensor's run)."""
    k = min(salvo.sensors, len(sx))
    d = np.hypot(sx - x[src], sy - y[src])
    near = np.argsort(d, kind="stable")[:k]
    slowest = max(speed - np.hypot(*wind), 0.5 * speed)
    lo, hi = t0[src] - salvo.max_lag_s - 1.0, t0[src] + d[near].max() / slowest + salvo.max_lag_s + 1.0
    out = []
    for sensor in near:
        run = by_sensor[offsets[sensor]:offsets[sensor + 1]]
        a, b = np.searchsorted(tc[run], [lo, hi])
        out.append(run[a:b])
    return np.concatenate(out)


def _lags_against(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, tc: np.ndarray, ps: np.ndarray,
                  sx: np.ndarray, sy: np.ndarray, model: Propagation) -> np.ndarray:
    """Per (event, member column): the member pick's time less the event's predicted arrival at its
    sensor (nan where no pick)."""
    have = rows >= 0
    pick = np.maximum(rows, 0)
    sensor = ps[pick]
    gx, gy = sx[sensor], sy[sensor]
    d = np.hypot(gx - x[:, None], gy - y[:, None])
    speed = effective_speed(x[:, None], y[:, None], gx, gy, model.speed(t0)[:, None], model.wind)
    return np.where(have, tc[pick] - (t0[:, None] + d / speed), np.nan)


def _shared_lag_share(lag: np.ndarray, span: float, own: float) -> tuple[np.ndarray, np.ndarray]:
    """Per row: how many of its lags lie in groups of two or more within ``span`` of each other
    (leaving out those within ``own`` of zero, the event's own arrivals), and how many such groups."""
    v = np.sort(np.where(np.abs(lag) > own, lag, np.nan), axis=1)           # nan last
    gap = np.diff(v, axis=1)
    close = np.zeros(v.shape, dtype=bool)
    close[:, 1:] |= gap <= span
    close[:, :-1] |= gap <= span
    starts = close[:, 1:] & ~(gap <= span) | (close[:, 1:] & ~close[:, :-1])
    groups = close[:, :1].astype(int).sum(axis=1) + starts.sum(axis=1)
    return close.sum(axis=1).astype(float), groups
