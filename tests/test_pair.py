"""Pairing beliefs: one-to-one matching marginals, checked against brute-force enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from truceline.fusion.pair import matching_beliefs


def exact(li: np.ndarray, ii: np.ndarray, like: np.ndarray, null: float) -> np.ndarray:
    """P(edge in the matching) by enumerating every one-to-one matching of the candidate edges;
    each launch and each impact left unmatched contributes ``null``."""
    nodes = set(li.tolist()) | set(ii.tolist())
    prob, total = np.zeros(len(li)), 0.0
    for r in range(len(li) + 1):
        for chosen in itertools.combinations(range(len(li)), r):
            used = [int(li[e]) for e in chosen] + [int(ii[e]) for e in chosen]
            if len(used) != len(set(used)):
                continue
            w = float(np.prod(like[list(chosen)])) * null ** (len(nodes) - len(used))
            total += w
            prob[list(chosen)] += w
    return prob / total


def belief_probabilities(li, ii, like, null, n):
    b = matching_beliefs(li, ii, like, null, n, iterations=200)
    out = np.empty(len(li))
    for imp in np.unique(ii):
        sel = ii == imp
        out[sel] = b[sel] / (b[sel].sum() + null)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_beliefs_are_exact_on_a_tree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # a tree: launches 0..3, impacts 4..7; a chain 0-4-1-5-2-6-3-7 plus nothing closing a cycle
    li = np.array([0, 1, 1, 2, 2, 3, 3])
    ii = np.array([4, 4, 5, 5, 6, 6, 7])
    like = rng.uniform(0.01, 1.0, len(li))
    got = belief_probabilities(li, ii, like, 0.01, 8)
    np.testing.assert_allclose(got, exact(li, ii, like, 0.01), atol=1e-6)


def test_a_launch_that_fits_another_impact_better_is_that_ones() -> None:
    # launch 0 fits impact 2 only; launch 1 fits impact 2 a little better but impact 3 much better
    li, ii = np.array([0, 1, 1]), np.array([2, 2, 3])
    like = np.array([0.3, 0.4, 0.9])
    got = belief_probabilities(li, ii, like, 1e-3, 4)
    raw_share = 0.3 / (0.3 + 0.4)
    assert raw_share < 0.5 < got[0]                 # the likelihoods alone would favour launch 1
    assert got[0] > 0.99
    np.testing.assert_allclose(got, exact(li, ii, like, 1e-3), atol=1e-6)


def test_beliefs_stay_close_to_exact_on_a_salvo() -> None:
    # a salvo: three launches, three impacts, every one a candidate of every one (loopy graph)
    rng = np.random.default_rng(3)
    li, ii = np.repeat(np.arange(3), 3), np.tile(np.arange(3, 6), 3)
    like = rng.uniform(0.2, 1.0, 9)
    got = belief_probabilities(li, ii, like, 1e-3, 6)
    assert np.max(np.abs(got - exact(li, ii, like, 1e-3))) < 0.1
