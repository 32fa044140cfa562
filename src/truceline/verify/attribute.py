"""Who fired: the firing party of each fire event with its probability, or 'undetermined'.

A launch is attributed to the party on whose side it lies, with the probability that its true
position is on that side (normal error across the line). An impact has no side of its own: it is
attributed through the launches that could have fired it, weighted by their one-to-one matching
beliefs (:mod:`truceline.fusion.pair`), and through "its launch was not observed", under which
the round came from where fire that fits it came from: the candidates' sides weighted by their
flight-time likelihoods alone (a missed round of a salvo is the salvo's battery's). Where the
round landed is not itself evidence of who fired it. Below ``threshold`` it is undetermined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from truceline.fusion.pair import Pairing
from truceline.rules.zones import Zones

UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class AttributionParams:
    """Settings of attribution."""

    threshold: float = 0.8   # probability needed to name a firing party


def side_probabilities(zones: Zones, lon: np.ndarray, lat: np.ndarray, sigma_m: np.ndarray) -> dict[str, np.ndarray]:
    """Probability that each point truly lies on each party's side of the contact line."""
    offset = zones.signed_offset_m(lon, lat)
    p_first = norm.cdf(offset / np.maximum(sigma_m, 1.0))
    first, second = zones.party_ids[0], zones.party_ids[1]
    return {first: p_first, second: 1.0 - p_first}


def attribute(zones: Zones, lon: np.ndarray, lat: np.ndarray, sigma_m: np.ndarray, kind: np.ndarray,
              pairing: Pairing, params: AttributionParams) -> tuple[np.ndarray, np.ndarray]:
    """(attributed_side, attribution_p) per event; p is NaN where undetermined."""
    n = len(kind)
    probs = side_probabilities(zones, lon, lat, sigma_m)
    parties = list(probs)
    p = np.zeros((n, len(parties)))
    launch = kind == "launch"
    for k, party in enumerate(parties):
        p[launch, k] = probs[party][launch]
    for imp, c in pairing.candidates.items():
        if kind[imp] != "impact":
            continue
        total = c.belief.sum() + c.null
        for k, party in enumerate(parties):
            side_p = probs[party][c.launches]
            unobserved = np.sum(c.likelihood * side_p) / c.likelihood.sum()
            p[imp, k] = float((np.sum(c.belief * side_p) + c.null * unobserved) / total)
    best = np.argmax(p, axis=1) if n else np.zeros(0, dtype=int)
    p_best = p[np.arange(n), best] if n else np.zeros(0)
    ok = p_best >= params.threshold
    side = np.where(ok, np.array(parties, dtype=object)[best] if n else np.zeros(0, dtype=object), UNDETERMINED)
    return side.astype(object), np.where(ok, np.round(p_best, 3), np.nan)


def confidence(kind: np.ndarray, paired: np.ndarray, n_sensors: np.ndarray, signed: bool = True) -> np.ndarray:
    """Automatic confidence from one acoustic source: probable | possible | unverified.

    'corroborated' needs an independent second source and 'confirmed' only an analyst; an
    acoustic event alone is at most probable (launch and impact both located and paired).
    Evidence from unsigned inputs alone never rises above 'unverified'.
    """
    if not signed:
        return np.full(len(kind), "unverified", dtype=object)
    fire = np.isin(kind, ("launch", "impact"))
    out = np.where(fire & paired & (n_sensors >= 6), "probable", np.where(fire, "possible", "unverified"))
    return out.astype(object)
