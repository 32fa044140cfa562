"""What kind of source an event is: launch, impact, thunder or unknown (level 1).

The sensors' own labels vote; thunder shows as an extended source (poor fit, mostly 'unknown'
labels) and comes in storms, so an unpaired event near several thunder-like events is thunder too.
Every kind carries its *basis*: which rule gave it (:data:`BASIS`), so that a party told that its
round was thunder, or an analyst looking at an event of unknown kind, can see why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from truceline.model.tables import Columns

#: Why an event has its kind: the codes of the ``kind_basis`` column.
BASIS: dict[str, str] = {
    "labels": "fire: one fire label has at least label_min_frac of the sensors' labels",
    "labels_split": "fire: the fire labels outvote 'unknown' but split between launch and impact; reported as its "
                    "majority label, left out of pairing and attribution",
    "labels_unclear": "unknown: no fire label reaches label_min_frac and 'unknown' labels are half or more",
    "thunder_like": "thunder: thunder_unknown_frac or more of its labels are 'unknown', or it fits like an extended "
                    "source (rms_s of thunder_rms_s or more with a fire label share under 0.7)",
    "storm": "thunder: labelled unclearly inside a storm cell (storm_min_events thunder-like events within "
             "storm_radius_m and storm_window_s)",
    "storm_faint": "thunder: heard by fewer than storm_keep_sensors with a label share under storm_keep_frac, next to "
                   "thunder (before pairing)",
    "storm_unpaired": "thunder: unpaired next to thunder, and heard by fewer than storm_keep_sensors or labelled "
                      "with a share under storm_keep_frac",
    "storm_split": "unknown: labels split between launch and impact next to thunder, as a clap's often are",
    "silent_sensors": "unknown: heard by unheard_sensors or fewer while unheard_silent or more nearer sensors, up at "
                      "the time, heard nothing (n_silent)",
    "declared_activity": "explosion: fits a declared activity (excused_by names it)",
}


@dataclass(frozen=True)
class Kinds:
    """Per event its kind and the rule that gave it (a :data:`BASIS` code)."""

    kind: np.ndarray
    basis: np.ndarray

    def where(self, mask: np.ndarray, kind: np.ndarray | str, basis: str) -> "Kinds":
        """These kinds with the events of ``mask`` set to ``kind`` on ``basis``."""
        return Kinds(np.where(mask, kind, self.kind).astype(object), np.where(mask, basis, self.basis).astype(object))


@dataclass(frozen=True)
class ClassifyParams:
    """Settings of the event classifier."""

    thunder_unknown_frac: float = 0.45   # share of 'unknown' labels that marks an event thunder-like
    thunder_rms_s: float = 0.30          # residual RMS that marks an extended source
    storm_radius_m: float = 15_000.0     # space scale of a storm cell
    storm_window_s: float = 900.0        # time scale of a storm cell
    storm_min_events: int = 3            # thunder-like events that make a storm cell
    label_min_frac: float = 0.5          # share of one fire label needed to call the kind
    storm_keep_frac: float = 0.7         # an unpaired event this clearly labelled ...
    storm_keep_sensors: int = 6          # ... by this many sensors stays fire inside a storm
    unheard_sensors: int = 4             # an event this few sensors heard ...
    unheard_silent: int = 7              # ... while this many nearer sensors, up, heard nothing is of unknown kind


def classify(events: Columns, params: ClassifyParams) -> Kinds:
    """Kind per event, 'launch' | 'impact' | 'thunder' | 'unknown' (before pairing), with its basis."""
    label = np.asarray(events["label"], dtype=object)
    fire_frac = np.asarray(events["label_frac"], dtype=float)
    unknown = np.asarray(events["unknown_frac"], dtype=float)
    rms = np.asarray(events["rms_s"], dtype=float)
    settled = fire_frac >= params.label_min_frac
    k = Kinds(np.where(settled, label, "unknown").astype(object),
              np.where(settled, "labels", np.where(unknown < 0.5, "labels_split", "labels_unclear")).astype(object))
    thunder_like = (unknown >= params.thunder_unknown_frac) | ((rms >= params.thunder_rms_s) & (fire_frac < 0.7))
    k = k.where(thunder_like, "thunder", "thunder_like")
    in_storm = _near_storm(events, thunder_like, params)
    k = k.where(in_storm & (k.kind == "unknown"), "thunder", "storm")
    # under a storm, a faint event its few sensors label unclearly is a clap, before pairing can
    # give it a chance partner among the launches of nearby fire
    faint = (fire_frac < params.storm_keep_frac) & (np.asarray(events["n_sensors"]) < params.storm_keep_sensors)
    near = _near_storm(events, k.kind == "thunder", params, min_events=1)
    k = k.where(near & faint & _fire(k.kind), "thunder", "storm_faint")
    return k.where(unheard(events, params) & _fire(k.kind), "unknown", "silent_sensors")


def _fire(kind: np.ndarray) -> np.ndarray:
    return np.isin(kind, ("launch", "impact"))


def unheard(events: Columns, params: ClassifyParams) -> np.ndarray:
    """Mask of events too few sensors heard while many nearer ones, up at the time, did not
    (``n_silent``, :mod:`truceline.fusion.silence`): more likely arrivals of several sources lined
    up than a source, so not reported as fire. (On the full scenario such four-sensor events are
    two thirds false: 97 of 146.)"""
    if "n_silent" not in events.data:
        return np.zeros(len(events), dtype=bool)
    return ((np.asarray(events["n_sensors"]) <= params.unheard_sensors)
            & (np.asarray(events["n_silent"]) >= params.unheard_silent))


def split_fire(events: Columns, kind: np.ndarray, params: ClassifyParams = ClassifyParams()) -> np.ndarray:
    """Mask of 'unknown' events whose sensors heard fire but split between launch and impact.

    No fire label reached ``label_min_frac``, yet the fire labels together outvote 'unknown'
    (which was not enough to make the event thunder-like): it is fire, of a kind the sensors do not
    settle. Such an event is reported as fire of its majority label but left out of pairing and
    attribution, which both depend on the kind.
    """
    unknown = np.asarray(events["unknown_frac"], dtype=float)
    kind = np.asarray(kind, dtype=object)
    return (kind == "unknown") & (unknown < 0.5) & ~unheard(events, params) & ~_stormy(events, kind, params)


def settle_split_fire(events: Columns, kinds: Kinds, params: ClassifyParams) -> Kinds:
    """Events of :func:`split_fire` reported as fire of their majority label; split labels kept
    unknown next to thunder (``storm_split``) or with nearer sensors silent (``silent_sensors``)."""
    split = (kinds.kind == "unknown") & (kinds.basis == "labels_split")
    kinds = kinds.where(split & unheard(events, params), "unknown", "silent_sensors")
    kinds = kinds.where(split & _stormy(events, kinds.kind, params), "unknown", "storm_split")
    return kinds.where(split_fire(events, kinds.kind, params), np.asarray(events["label"], dtype=object), "labels_split")


def _stormy(events: Columns, kind: np.ndarray, params: ClassifyParams) -> np.ndarray:
    return _near_storm(events, kind == "thunder", params, min_events=1)


def set_aside_in_storms(events: Columns, kinds: Kinds, paired: np.ndarray, params: ClassifyParams) -> Kinds:
    """Kinds with unpaired fire-labelled events inside an active storm cell turned to 'thunder'.

    A thunder clap that most sensors mislabel looks like an unpaired impact; next to other thunder
    it is set aside. A paired launch or impact is kept: thunder has no partner; so is one whose
    sensors agree on its label (a share of ``storm_keep_frac`` or more): fire goes on under a
    storm, and its launches' impacts are often unheard. Low-confidence detections (fewer than
    ``storm_keep_sensors``) are set aside whatever their labels: a clap heard by four sensors can
    be labelled alike by three. (On the full scenario this keeps 109 true fire events and 10
    events of no true source, and no thunder clap, out of the storms' thunder.)
    """
    near = _stormy(events, kinds.kind, params)
    weak = ((np.asarray(events["label_frac"], dtype=float) < params.storm_keep_frac)
            | (np.asarray(events["n_sensors"]) < params.storm_keep_sensors))
    return kinds.where(near & ~paired & weak & _fire(kinds.kind), "thunder", "storm_unpaired")


def _near_storm(events: Columns, thunder_like: np.ndarray, params: ClassifyParams,
                min_events: int | None = None) -> np.ndarray:
    n = len(events)
    if n == 0 or not thunder_like.any():
        return np.zeros(n, dtype=bool)
    scale = params.storm_radius_m / params.storm_window_s
    pts = np.column_stack([events["x"], events["y"], (events["time"] - events["time"].min()) * scale])
    tree = cKDTree(pts[thunder_like])
    counts = np.array([len(v) for v in tree.query_ball_point(pts, r=params.storm_radius_m * 1.42)])
    return counts >= (params.storm_min_events if min_events is None else min_events)
