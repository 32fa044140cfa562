"""Split events: one source whose sensors were shared out between two events is merged back."""

from __future__ import annotations

import numpy as np

from truceline.fusion.fragments import merge_splits
from truceline.fusion.propagation import Propagation

SPEED = 340.0


def network() -> tuple[np.ndarray, np.ndarray]:
    """Two rows of eight sensors, 6.5 km apart, either side of a line along x."""
    sx = np.tile(np.arange(8) * 6_500.0, 2)
    sy = np.repeat([-4_000.0, 4_000.0], 8)
    return sx, sy


def arrivals(sx, sy, x, y, t0, sensors):
    return t0 + np.hypot(sx[sensors] - x, sy[sensors] - y) / SPEED


def test_a_source_split_between_the_rows_is_merged_and_two_rounds_are_not() -> None:
    sx, sy = network()
    model = Propagation(0.0, np.array([SPEED]), (0.0, 0.0), np.zeros(len(sx)))
    south, north = np.arange(1, 7), np.arange(9, 15)
    # one source heard by twelve sensors, split into its southern and northern six; and, far
    # away, two rounds of a salvo 3 s apart, each heard by one row only
    t_a = arrivals(sx, sy, 20_000.0, 500.0, 100.0, np.r_[south, north])
    t_b = arrivals(sx, sy, 20_000.0, 500.0, 2_000.0, south)
    t_c = arrivals(sx, sy, 20_000.0, 500.0, 2_003.0, north)
    t = np.r_[t_a, t_b, t_c]
    ps = np.r_[south, north, south, north]
    rows = np.array([np.arange(0, 6), np.arange(6, 12), np.arange(12, 18), np.arange(18, 24)])
    # the halves each located a little off, as a one-sided row does
    x, y = np.array([20_300.0, 19_800.0, 20_000.0, 20_000.0]), np.array([900.0, 100.0, 500.0, 500.0])
    t0 = np.array([100.9, 99.5, 2_000.0, 2_003.0])
    merged, keep = merge_splits(x, y, t0, rows, t, ps, sx, sy, model, 0.25, 0.005)
    assert list(keep) == [True, False, True, True]
    assert sorted(merged[0][merged[0] >= 0]) == list(range(12))
    assert (merged[2] >= 0).sum() == 6 and (merged[3] >= 0).sum() == 6


def test_a_mixture_of_two_rounds_is_replaced_by_the_rounds() -> None:
    """Three rounds of a salvo, 4 s apart, from one place: the first located on all sixteen
    sensors; an event made of the second round's picks at five southern sensors and the third's at
    five northern ones is replaced by the two rounds, each with all sixteen picks, at the salvo's
    place (low-confidence repeats, to be relocated); a lone event of its own stays."""
    from truceline.fusion.fragments import unmix_salvos
    from truceline.fusion.salvo import SalvoParams

    sx, sy = network()
    model = Propagation(0.0, np.array([SPEED]), (0.0, 0.0), np.zeros(len(sx)))
    every = np.arange(16)
    rounds = [arrivals(sx, sy, 20_000.0, 500.0, t0, every) for t0 in (1_000.0, 1_004.0, 1_008.0)]
    lone = arrivals(sx, sy, 40_000.0, 0.0, 5_000.0, np.arange(3, 8))
    t = np.r_[rounds[0], rounds[1], rounds[2], lone]
    ps = np.r_[every, every, every, np.arange(3, 8)]
    mixture = np.r_[16 + np.arange(0, 5), 32 + np.arange(8, 13)]
    rows = np.full((3, 16), -1)
    rows[0] = np.arange(16)
    rows[1, :10] = mixture
    rows[2, :5] = 48 + np.arange(5)
    x, y = np.array([20_000.0, 21_500.0, 40_000.0]), np.array([500.0, 1_200.0, 0.0])
    t0 = np.array([1_000.0, 1_005.5, 5_000.0])
    out, low, ox, oy, ot0 = unmix_salvos(x, y, t0, rows, np.array([False, False, True]), t, ps, sx, sy, model,
                                         SalvoParams(), 24)
    members = [sorted(r[r >= 0]) for r in out]
    assert members[:2] == [list(range(16)), list(range(48, 53))]
    assert sorted(members[2:]) == [list(range(16, 32)), list(range(32, 48))]
    assert list(low) == [False, True, True, True]
    assert np.allclose(ox[2:], 20_000.0) and np.allclose(oy[2:], 500.0)
