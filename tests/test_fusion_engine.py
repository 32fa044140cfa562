"""The acoustic engine's parts on synthetic layouts whose answer is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from truceline.fusion.associate import AssociationParams, associate
from truceline.fusion.locate import locate_batch
from truceline.fusion.propagation import Propagation, fit_propagation

C = 338.0


def two_rows(n: int = 16, spacing: float = 5_000.0, offset: float = 5_000.0) -> tuple[np.ndarray, np.ndarray]:
    """Two staggered sensor rows either side of the x axis, like the simulator's layout."""
    x = np.r_[np.arange(n) * spacing, np.arange(n) * spacing + spacing / 2]
    y = np.r_[np.full(n, offset), np.full(n, -offset)]
    return x.astype(float), y


def arrivals(sx, sy, x, y, t0, c=C, wind=(0.0, 0.0)):
    dx, dy = sx - x, sy - y
    d = np.hypot(dx, dy)
    return t0 + d / (c + (wind[0] * dx + wind[1] * dy) / d)


def test_batch_location_recovers_sources_and_its_covariance_is_honest() -> None:
    rng = np.random.default_rng(3)
    sx, sy = two_rows()
    n, sigma = 400, 0.06
    src = np.column_stack([rng.uniform(10_000, 60_000, n), rng.uniform(-15_000, 15_000, n)])
    near = np.argsort(np.hypot(sx[None, :] - src[:, :1], sy[None, :] - src[:, 1:]), axis=1)[:, :12]
    gx, gy = sx[near], sy[near]
    t = arrivals(gx, gy, src[:, :1], src[:, 1:], 1000.0) + rng.normal(0, sigma, gx.shape)
    fix = locate_batch(gx, gy, t, src[:, 0] + 700, src[:, 1] - 600, np.full(n, C), sigma_floor=sigma)
    err = np.column_stack([fix.x - src[:, 0], fix.y - src[:, 1]])
    assert np.median(np.hypot(*err.T)) < 60
    d2 = np.einsum("ni,nij,nj->n", err, np.linalg.inv(fix.cov[:, :2, :2]), err)
    assert 0.90 <= np.mean(d2 <= 5.991) <= 0.99  # 95 % ellipses hold about 95 % of the truth


def test_propagation_learns_speed_curve_wind_and_a_bad_clock() -> None:
    rng = np.random.default_rng(5)
    sx, sy = two_rows(20)
    t_ref = 1_795_000_000.0
    true = Propagation(t_ref, np.array([338.0, 2.0, -1.5]), (3.0, -2.0), np.zeros(len(sx)))
    true.terms[7] = 0.4  # a clock running 0.4 s late
    n = 300
    src = np.column_stack([rng.uniform(10_000, 85_000, n), rng.uniform(-20_000, 20_000, n)])
    t0 = t_ref + np.sort(rng.uniform(0, 86_400, n))
    members, t_all, s_all = [], [], []
    for i in range(n):
        k = np.argsort(np.hypot(sx - src[i, 0], sy - src[i, 1]))[:14]
        t = arrivals(sx[k], sy[k], src[i, 0], src[i, 1], t0[i], true.speed(t0[i]), true.wind) + true.terms[k]
        members.append(np.arange(len(t_all), len(t_all) + len(k)))
        t_all.extend(t + rng.normal(0, 0.05, len(k)))
        s_all.extend(k)
    start = Propagation(t_ref, np.array([340.0]), (0.0, 0.0), np.zeros(len(sx)))
    model = fit_propagation(members, src[:, 0] + 300, src[:, 1] - 300, t0, np.array(t_all), np.array(s_all), sx, sy,
                            start)
    hours = t_ref + 3600 * np.arange(24)
    assert np.max(np.abs(model.speed(hours) - true.speed(hours))) < 0.6
    assert np.hypot(model.wind[0] - 3.0, model.wind[1] + 2.0) < 0.6
    assert abs(model.terms[7] - 0.4) < 0.05
    assert list(model.needs_service(0.15)) == [7]


def test_a_salvo_is_told_apart_round_by_round_among_false_picks() -> None:
    rng = np.random.default_rng(8)
    sx, sy = two_rows()
    rounds = [(30_000.0, 12_000.0, 500.0 + 4.0 * k) for k in range(4)]  # one battery, rounds 4 s apart
    t, s, truth = [], [], []
    for r, (x, y, t0) in enumerate(rounds):
        d = np.hypot(sx - x, sy - y)
        heard = np.flatnonzero(d < 25_000)
        t.extend(arrivals(sx[heard], sy[heard], x, y, t0) + rng.normal(0, 0.05, len(heard)))
        s.extend(heard)
        truth.extend([r] * len(heard))
    n_false = 60
    t.extend(rng.uniform(480, 600, n_false))
    s.extend(rng.integers(0, len(sx), n_false))
    truth.extend([-1] * n_false)
    t, s, truth = np.array(t), np.array(s), np.array(truth)
    events, owner = associate(t, s, sx, sy, lambda tt: np.full(np.shape(tt), C), AssociationParams())
    assert len(events) == 4
    for h in events:
        labels = truth[h.members]
        real = labels[labels >= 0]
        assert len(set(real)) == 1  # each event is one round, never a mixture of rounds
        assert (labels < 0).sum() <= 1  # a false pick may land within tolerance where no sensor heard it
        x, y, t0 = rounds[real[0]]
        assert np.hypot(h.fix.x - x, h.fix.y - y) < 150 and abs(h.fix.t0 - t0) < 0.2
    assert (owner[truth == -1] == -1).mean() > 0.95


@pytest.fixture(scope="module")
def day():
    """A small simulated day at full difficulty, located (seed 5, 12 engagements)."""
    from truceline.fusion.acoustic import AcousticParams, detect
    from truceline.geodesy import LocalProjection
    from truceline.pipeline import declared_sites, load_history
    from truceline.simulate.scenario import ScenarioParams, simulate
    from truceline.simulate.world import World

    history = load_history(None)
    params = ScenarioParams(seed=5, n_engagements=12)
    a = history.at(params.day_start)
    world = World(np.asarray(a.contact_line.coords), a.party_ids[0], a.party_ids[1], a.effective_time.timestamp(),
                  declared_sites(history, params.day_start))
    sim = simulate(world, params)
    proj = LocalProjection.around(np.column_stack([sim.sensors["lon"], sim.sensors["lat"]]))
    run = lambda picks, origin=0.0: detect(picks, sim.sensors, proj, AcousticParams(), origin=origin)  # noqa: E731
    return sim, run, run(sim.picks)


def test_where_the_processing_windows_start_changes_no_event(day) -> None:
    sim, run, first = day
    events = [first.events, run(sim.picks, origin=37.0).events]
    assert len(events[0]) > 100 and len(events[0]) == len(events[1])
    members = [[frozenset(m) for m in e["member_picks"]] for e in events]
    assert members[0] == members[1]
    for col, tol in (("x", 1.0), ("y", 1.0), ("time", 1e-3)):
        assert np.max(np.abs(events[0][col] - events[1][col])) < tol


def test_every_pick_is_explained(day) -> None:
    sim, run, result = day
    a = result.assignments
    assert list(a["pick_id"]) == list(sim.picks["pick_id"])                  # one row per pick, same order
    took = a["status"] == "associated"
    assert np.all(a["event_id"][took] != "") and np.all(a["reason"][took] == "")
    r = np.abs(a["residual_s"][took])
    assert np.all(r <= 0.25 + 0.005 * 120) and np.percentile(r, 99) < 0.4    # the member tolerance: 0.25 s + 0.5 %
    assert np.all(a["reason"][~took] != "")
    assert int(took.sum()) == int(result.events["n_sensors"].sum())          # each member once
    false = np.asarray(sim.picks["truth_id"]) == ""
    assert np.mean(~took[false]) > 0.95                                       # false picks stay out


def test_a_late_pick_is_named_an_outlier_of_its_event(day) -> None:
    sim, run, result = day
    a = result.assignments
    row = int(np.flatnonzero(a["status"] == "associated")[0])
    event = a["event_id"][row]
    moved = sim.picks.take(np.arange(len(sim.picks)))
    moved["time"][row] += 0.8                                                  # well outside 0.25 s, inside 2 s
    again = run(moved).assignments
    assert again["status"][row] == "unassociated"
    assert again["reason"][row].startswith(f"outlier for {event} (+0.")     # the same event
    assert abs(float(again["residual_s"][row]) - 0.8) < 0.15


def test_bad_clocks_are_learnt_and_listed_for_service(day) -> None:
    from truceline.fusion.propagation import PropagationParams

    sim, run, result = day
    true = np.asarray(sim.sensor_truth["clock_offset_s"], dtype=float)
    learnt = result.propagation.terms
    flagged = set(result.propagation.needs_service(0.15))
    a, ev = result.assignments, result.events
    size = dict(zip(ev["event_id"], ev["n_sensors"]))
    informs = np.array([size.get(e, 0) >= PropagationParams().min_arrivals for e in a["event_id"]])  # the fit's input
    used = np.bincount(np.asarray([list(sim.sensors["sensor_id"]).index(s) for s in a["sensor_id"][informs]]),
                       minlength=len(true))
    clear = np.flatnonzero((np.abs(true) >= 0.25) & (used >= 20))  # heard often enough to be learnt
    assert len(clear) >= 3 and set(clear) <= flagged                        # every clearly bad clock is found
    assert not flagged & set(np.flatnonzero(true == 0.0))                    # and no good one is blamed
    assert np.median(np.abs(learnt[clear] - true[clear])) < 0.03             # typically to within 30 ms
