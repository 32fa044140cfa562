"""Event kinds: thunder set aside inside storms, fire kept there when it is clearly fire."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from truceline.fusion.classify import BASIS, ClassifyParams, classify, set_aside_in_storms, settle_split_fire, split_fire
from truceline.model.tables import Columns


def level1(rows: list[tuple[float, float, str, float, float, float, int]]) -> Columns:
    """rows: (x km, time s, label, label_frac, unknown_frac, rms_s, n_sensors)."""
    x, t, label, ff, uf, rms, n = zip(*rows)
    return Columns({"x": np.array(x) * 1000.0, "y": np.zeros(len(rows)), "time": np.array(t, float),
                    "label": np.array(label, dtype=object), "label_frac": np.array(ff), "unknown_frac": np.array(uf),
                    "rms_s": np.array(rms), "n_sensors": np.array(n)})


def test_storm_sets_aside_weak_and_sparse_fire_but_keeps_clear_fire() -> None:
    storm = [(0.0, 0.0, "impact", 0.2, 0.8, 0.4, 8), (2.0, 60.0, "impact", 0.3, 0.7, 0.5, 7),
             (4.0, 120.0, "launch", 0.1, 0.9, 0.4, 6)]                      # three claps: a storm
    probes = [(3.0, 90.0, "impact", 0.6, 0.2, 0.05, 9),                     # weakly labelled: thunder
              (3.0, 95.0, "launch", 0.75, 0.25, 0.05, 4),                   # clear but heard by four: thunder
              (3.0, 99.0, "launch", 0.9, 0.1, 0.05, 9),                     # clear, well heard: fire
              (3.0, 101.0, "impact", 0.6, 0.2, 0.05, 9)]                    # weak but paired: fire
    ev = level1(storm + probes)
    params = ClassifyParams()
    kinds = classify(ev, params)
    assert list(kinds.kind[:3]) == ["thunder"] * 3 and list(kinds.basis[:3]) == ["thunder_like"] * 3
    paired = np.array([False] * 6 + [True])
    out = set_aside_in_storms(ev, kinds, paired, params)
    assert list(out.kind[3:]) == ["thunder", "thunder", "launch", "impact"]
    assert list(out.basis[3:]) == ["storm_unpaired", "storm_unpaired", "labels", "labels"]


def test_fire_split_between_launch_and_impact_is_fire_of_unsettled_kind() -> None:
    ev = level1([(0.0, 0.0, "impact", 0.45, 0.1, 0.05, 9),   # 45 % impact, 45 % launch: fire, kind unsettled
                 (50.0, 0.0, "launch", 0.3, 0.4, 0.05, 6),   # fire labels outvote unknown
                 (99.0, 0.0, "launch", 0.9, 0.1, 0.05, 9)])  # settled
    kinds = classify(ev, ClassifyParams())
    assert list(kinds.kind) == ["unknown", "unknown", "launch"]
    assert list(split_fire(ev, kinds.kind)) == [True, True, False]
    settled = settle_split_fire(ev, kinds, ClassifyParams())
    assert list(settled.kind) == ["impact", "launch", "launch"]
    assert list(settled.basis) == ["labels_split", "labels_split", "labels"]


def test_a_faint_unclear_event_under_a_storm_is_a_clap_before_pairing() -> None:
    """Heard by four sensors that split launch / impact / unknown, under a storm: thunder already
    in classify, so that a launch of nearby fire cannot become its partner; the same event well
    heard, clearly labelled or away from the storm stays fire."""
    storm = [(0.0, 0.0, "impact", 0.2, 0.8, 0.4, 8), (2.0, 60.0, "impact", 0.3, 0.7, 0.5, 7),
             (4.0, 120.0, "launch", 0.1, 0.9, 0.4, 6)]
    probes = [(3.0, 90.0, "impact", 0.5, 0.25, 0.03, 4),                   # faint, unclear, in the storm
              (3.0, 95.0, "impact", 0.5, 0.25, 0.03, 9),                   # unclear but well heard
              (3.0, 99.0, "impact", 0.75, 0.25, 0.03, 4),                  # faint but clearly labelled
              (90.0, 99.0, "impact", 0.5, 0.25, 0.03, 4)]                  # faint, unclear, far away
    kinds = classify(level1(storm + probes), ClassifyParams())
    assert list(kinds.kind[3:]) == ["thunder", "impact", "impact", "impact"]
    assert kinds.basis[3] == "storm_faint"


def test_four_sensors_heard_it_while_many_nearer_ones_did_not_is_no_fire() -> None:
    """A four-sensor event with seven nearer sensors up and silent is of unknown kind, and not
    revived as fire of unsettled kind; with six silent, or heard by five, it stays fire."""
    ev = level1([(0.0, 0.0, "impact", 0.75, 0.25, 0.05, 4), (50.0, 0.0, "impact", 0.75, 0.25, 0.05, 4),
                 (99.0, 0.0, "launch", 0.8, 0.2, 0.05, 5)])
    ev = ev.with_columns(n_silent=np.array([7, 6, 9]))
    params = ClassifyParams()
    kinds = classify(ev, params)
    assert list(kinds.kind) == ["unknown", "impact", "launch"]
    assert list(kinds.basis) == ["silent_sensors", "labels", "labels"]
    assert not split_fire(ev, kinds.kind, params).any()


def test_split_labels_under_a_storm_are_not_revived_as_fire() -> None:
    """Labels split two launch / two impact / two unknown: fire of unsettled kind on a clear day,
    but under a storm a clap labels so about one time in eight, so it is not fire there."""
    clap = (0.0, 0.0, "impact", 0.2, 0.8, 0.4, 8)
    split = (3.0, 90.0, "launch", 1 / 3, 1 / 3, 0.1, 6)
    away = (200.0, 90.0, "launch", 1 / 3, 1 / 3, 0.1, 6)
    ev = level1([clap, split, away])
    params = ClassifyParams()
    kinds = classify(ev, params)
    assert list(kinds.kind) == ["thunder", "unknown", "unknown"]
    assert list(split_fire(ev, kinds.kind, params)) == [False, False, True]
    settled = settle_split_fire(ev, kinds, params)
    assert list(settled.kind) == ["thunder", "unknown", "launch"]
    assert list(settled.basis) == ["thunder_like", "storm_split", "labels_split"]


def test_unknown_labels_in_a_storm_are_thunder_and_every_basis_is_documented() -> None:
    """Mostly-unknown labels with a good fit are not thunder-like alone; inside a storm cell they
    are thunder on the storm's basis, and away from it of unknown kind. Every basis code is a
    documented value of the events' ``kind_basis`` column."""
    storm = [(0.0, 0.0, "impact", 0.2, 0.8, 0.4, 8), (2.0, 60.0, "impact", 0.3, 0.7, 0.5, 7),
             (4.0, 120.0, "launch", 0.1, 0.9, 0.4, 6)]
    quiet = [(3.0, 90.0, "impact", 0.3, 0.4, 0.05, 9), (300.0, 90.0, "impact", 0.3, 0.4, 0.05, 9)]
    params = ClassifyParams(thunder_unknown_frac=0.6)
    kinds = classify(level1(storm + quiet), params)
    assert list(kinds.kind[3:]) == ["thunder", "unknown"]
    assert list(kinds.basis[3:]) == ["storm", "labels_split"]
    formats = (Path(__file__).resolve().parents[1] / "docs" / "formats.md").read_text(encoding="utf-8")
    assert [code for code in BASIS if f"`{code}`" not in formats] == []
