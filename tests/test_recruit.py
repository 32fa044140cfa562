"""Free picks that fit a located event join it; the others stay free."""

from __future__ import annotations

import numpy as np

from truceline.fusion.propagation import Propagation
from truceline.fusion.recruit import recruit

SPEED = 340.0


def network() -> tuple[np.ndarray, np.ndarray]:
    """Two rows of eight sensors, 6.5 km apart, either side of a line along x."""
    return np.tile(np.arange(8) * 6_500.0, 2), np.repeat([-4_000.0, 4_000.0], 8)


def test_fitting_free_picks_join_and_others_do_not() -> None:
    sx, sy = network()
    model = Propagation(0.0, np.array([SPEED]), (0.0, 0.0), np.zeros(len(sx)))
    x, y, t0 = np.array([20_000.0, 33_000.0]), np.array([500.0, -200.0]), np.array([100.0, 100.5])
    arrive = lambda e, s: t0[e] + np.hypot(sx[s] - x[e], sy[s] - y[e]) / SPEED   # noqa: E731
    members = [np.array([1, 2, 3, 9, 10, 11]), np.array([4, 5, 6, 12, 13])]
    t = np.r_[arrive(0, members[0]), arrive(1, members[1])]
    ps = np.r_[members[0], members[1]]
    free = [(0, 4, +0.05),    # event 0 at sensor 4: fits, joins
            (0, 12, +0.40),   # event 0 at sensor 12: too far off, stays free
            (0, 2, +0.01),    # event 0 at sensor 2, which it already holds: a second arrival, stays
            (1, 14, -0.12),   # event 1 at sensor 14: fits, joins ...
            (1, 14, +0.03),   # ... but this one of the same sensor fits better and joins instead
            (1, 7, +0.14)]    # event 1 at sensor 7: fits within 0.15 s, joins
    t = np.r_[t, [arrive(e, np.array([s]))[0] + dt for e, s, dt in free]]
    ps = np.r_[ps, [s for _, s, _ in free]]
    rows = np.full((2, 6), -1)
    rows[0, :6], rows[1, :5] = np.arange(6), np.arange(6, 11)
    out = recruit(x, y, t0, rows, t, ps, sx, sy, model, 0.15)
    joined = [sorted(set(r[r >= 0]) - set(rows[k][rows[k] >= 0])) for k, r in enumerate(out)]
    first_free = 11
    assert joined == [[first_free + 0], [first_free + 4, first_free + 5]]
    assert (out[:, :6][rows >= 0] == rows[rows >= 0]).all()      # the members stay, in place
    assert recruit(x, y, t0, rows, t, ps, sx, sy, model, 0.0) is rows


def test_nothing_to_recruit_returns_the_rows_unchanged() -> None:
    sx, sy = network()
    model = Propagation(0.0, np.array([SPEED]), (0.0, 0.0), np.zeros(len(sx)))
    rows = np.array([[0, 1, 2, 3]])
    t = 100.0 + np.hypot(sx[:4] - 1_000.0, sy[:4]) / SPEED
    out = recruit(np.array([1_000.0]), np.array([0.0]), np.array([100.0]), rows, t, np.arange(4), sx, sy, model, 0.15)
    assert out is rows
