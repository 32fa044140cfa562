"""Pairing launches with impacts by physics: range, flight time and weapon-class ballistics.

Level 1: nothing here knows parties. For each impact the candidates are earlier launches whose
range and flight time fit some weapon class; the one-to-one assignment that maximises the total
likelihood is solved per connected group (scipy's linear_sum_assignment), and each impact keeps the
weights of all its candidates (and of "no launch observed") for attribution.

Those weights are the probabilities that each candidate fired the impact *given that each launch
fired one round*: a launch that fits this impact but better fits another is probably that one's.
They are the beliefs of sum-product belief propagation over the one-to-one matching (each
launch takes at most one impact, each impact at most one launch, "not observed" at weight
``null`` on both sides; Bayati, Shah & Sharma 2008), which are exact where the candidate graph is
a tree. The likelihoods alone, which ignore the other impacts, made stated probabilities too low
(stated 0.85 was right 94 % of the time on the full scenario).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from truceline.model.weapons import WEAPONS


@dataclass(frozen=True)
class PairParams:
    """Settings of launch/impact pairing."""

    max_chi2: float = 9.0          # a pair fits if its flight-time misfit is within 3 sigma
    null_chi2: float = 9.0         # "no launch observed" scores as a pair at this misfit
    bp_iterations: int = 50        # belief-propagation sweeps for the candidates' one-to-one weights
    class_prior: tuple[tuple[str, float], ...] = (("mortar", 0.3), ("tube_artillery", 0.5), ("mlrs", 0.2))


@dataclass(frozen=True)
class Candidates:
    """The launches that could have fired one impact.

    ``belief``: each launch's one-to-one matching belief and ``null`` that of "its launch was not
    observed" (normalised together they are probabilities); ``likelihood``: each launch's own
    flight-time likelihood, which says where fire that fits this impact came from.
    """

    launches: np.ndarray
    belief: np.ndarray
    null: float
    likelihood: np.ndarray


@dataclass(frozen=True)
class Pairing:
    """Per event: partner index (-1 none) and weapon class; per impact the candidate weights."""

    partner: np.ndarray
    weapon_class: np.ndarray
    candidates: dict[int, Candidates]  # per impact with at least one candidate launch


def _likelihood(rng_m: np.ndarray, dt: np.ndarray, sig_t: np.ndarray, params: PairParams):
    """Best class and its likelihood for each (range, flight time) candidate."""
    best = np.zeros(len(dt))
    cls = np.full(len(dt), "", dtype=object)
    for name, prior in params.class_prior:
        w = WEAPONS[name]
        tof = w.time_of_flight(rng_m)
        sigma = np.hypot(w.tof_rel_sigma * tof, sig_t)
        chi2 = ((dt - tof) / sigma) ** 2
        ok = (rng_m >= w.min_range_m) & (rng_m <= w.max_range_m * 1.05) & (chi2 <= params.max_chi2)
        like = np.where(ok, prior * np.exp(-0.5 * chi2) / sigma, 0.0)
        better = like > best
        best, cls = np.where(better, like, best), np.where(better, name, cls)
    return best, cls


def pair(x: np.ndarray, y: np.ndarray, t: np.ndarray, sig_t: np.ndarray, kind: np.ndarray,
         params: PairParams) -> Pairing:
    """Pair launches and impacts of located events (positions in metres, times in seconds)."""
    n = len(t)
    partner = np.full(n, -1, dtype=np.int64)
    wclass = np.full(n, "", dtype=object)
    launches, impacts = np.nonzero(kind == "launch")[0], np.nonzero(kind == "impact")[0]
    li, ii, like, cls = _candidates(x, y, t, sig_t, launches, impacts, params)
    cands: dict[int, Candidates] = {}
    if len(li) == 0:
        return Pairing(partner, wclass, cands)
    null = float(np.exp(-0.5 * params.null_chi2)) * 0.5 / 4.0
    graph = coo_matrix((np.ones(len(li)), (li, ii)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    for c in np.unique(comp[li]):
        sel = comp[li] == c
        lu, lidx = np.unique(li[sel], return_inverse=True)
        iu, iidx = np.unique(ii[sel], return_inverse=True)
        cost = np.full((len(lu), len(iu)), 1e6)
        cost[lidx, iidx] = -np.log(like[sel])
        rows, cols = linear_sum_assignment(cost)
        for r, k in zip(rows, cols):
            if cost[r, k] < 1e5:
                partner[lu[r]], partner[iu[k]] = iu[k], lu[r]
                j = np.nonzero(sel & (li == lu[r]) & (ii == iu[k]))[0][0]
                wclass[lu[r]] = wclass[iu[k]] = cls[j]
    weight = matching_beliefs(li, ii, like, null, n, params.bp_iterations)
    order = np.argsort(ii, kind="stable")
    bounds = np.flatnonzero(np.diff(ii[order])) + 1
    for group in np.split(order, bounds):
        cands[int(ii[group[0]])] = Candidates(li[group], weight[group], null, like[group])
    return Pairing(partner, wclass, cands)


def matching_beliefs(li: np.ndarray, ii: np.ndarray, like: np.ndarray, null: float, n: int,
                     iterations: int) -> np.ndarray:
    """Per candidate edge (launch ``li``, impact ``ii``, likelihood ``like``) its unnormalised
    belief ``like * a``: normalised over the impact's edges and ``null`` it is the probability that
    this launch fired the impact under one-to-one matching.

    Messages in ratio form: ``a`` (launch to impact) = 1 / (null + what the launch's other
    candidates offer it), ``b`` (impact to launch) = 1 / (null + what the impact's other launches
    offer it); damped by half each sweep.
    """
    a, b = np.full(len(li), 1.0 / null), np.full(len(li), 1.0 / null)
    for _ in range(iterations):
        offer = like * b
        a = 0.5 * a + 0.5 / (null + np.bincount(li, weights=offer, minlength=n)[li] - offer)
        take = like * a
        b = 0.5 * b + 0.5 / (null + np.bincount(ii, weights=take, minlength=n)[ii] - take)
    return like * a


def _candidates(x, y, t, sig_t, launches, impacts, params):
    li, ii = [], []
    order = launches[np.argsort(t[launches])]
    lt = t[order]
    max_tof = max(w.time_of_flight(w.max_range_m * 1.05) * (1 + 3 * w.tof_rel_sigma) for w in WEAPONS.values())
    for imp in impacts:
        lo, hi = np.searchsorted(lt, t[imp] - max_tof), np.searchsorted(lt, t[imp])
        li.append(order[lo:hi])
        ii.append(np.full(hi - lo, imp))
    if not li:
        return (np.empty(0, dtype=np.int64),) * 2 + (np.empty(0), np.empty(0, dtype=object))
    li, ii = np.concatenate(li).astype(np.int64), np.concatenate(ii).astype(np.int64)
    rng_m = np.hypot(x[li] - x[ii], y[li] - y[ii])
    like, cls = _likelihood(rng_m, t[ii] - t[li], np.hypot(sig_t[li], sig_t[ii]), params)
    keep = like > 0
    return li[keep], ii[keep], like[keep], cls[keep]
