"""Silent sensors: the nearer sensors that were up and heard nothing of an event."""

from __future__ import annotations

import numpy as np

from truceline.fusion.silence import silent_nearer


def test_nearer_sensors_up_and_silent_are_counted_those_down_are_not() -> None:
    sx = np.arange(10) * 1_000.0                     # a row of ten sensors, 1 km apart
    sy = np.zeros(10)
    # an event at x = 0 heard by sensors 6-9; sensors 0-3 reported other picks within ten
    # minutes (up), 4 and 5 none (down, or quiet: not counted)
    heard_t = 100.0 + np.arange(6, 10) * 1_000.0 / 340.0
    other_t = np.array([-400.0, 300.0, 650.0, 50.0])
    t = np.r_[heard_t, other_t, 5_000.0]
    ps = np.r_[np.arange(6, 10), np.arange(4), 4]     # sensor 4's pick is 80 minutes later
    out = silent_nearer(np.array([0.0, 8_500.0]), np.array([0.0, 0.0]), np.array([100.0, 100.0]),
                        [np.arange(4), np.arange(2, 4)], sx, sy, ps, t)
    assert list(out) == [4, 0]                       # the second: heard by its two nearest
