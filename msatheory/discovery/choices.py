"""Balls into bins: why two random choices balance load so much better than one.

Throw n balls into n bins, each into the least loaded of d bins drawn at random. With
d = 1 the fullest bin holds about ln n / ln ln n balls; with d = 2 about ln ln n / ln 2
(Azar, Broder, Karlin and Upfal, "Balanced Allocations", STOC 1994; Mitzenmacher 2001).
This is the published answer behind :class:`~.balancers.PowerOfTwoChoices`, a balancer
for Algorithm 3.2.1 (服务发现算法): :func:`max_load` measures it, :func:`max_load_estimate`
gives the leading term.

The module stops at the abstract process: balancers on a simulated fleet are
:mod:`.spread`.
"""

from __future__ import annotations

import math

from msatheory.errors import require_count
from msatheory.sim import seeded_rng

__all__ = ["gonnet_max_load", "max_load", "max_load_estimate"]


def max_load(n_balls: int, n_bins: int, choices: int, seed: int) -> int:
    """The fullest bin after throwing ``n_balls`` balls one at a time, each into the least
    loaded of ``choices`` bins drawn uniformly with replacement (ties: the first drawn).

    ``choices=1`` is pure random placement; ``choices=2`` is the power of two choices.

    >>> max_load(10_000, 10_000, 1, seed=0) > max_load(10_000, 10_000, 2, seed=0)
    True
    """
    require_count("max_load", "n_balls", n_balls)
    require_count("max_load", "n_bins", n_bins, least=1)
    require_count("max_load", "choices", choices, least=1)
    rng = seeded_rng(seed, "max_load")
    bins = [0] * n_bins
    for _ in range(n_balls):
        best = rng.randrange(n_bins)
        for _ in range(choices - 1):
            other = rng.randrange(n_bins)
            if bins[other] < bins[best]:
                best = other
        bins[best] += 1
    return max(bins)


def max_load_estimate(n: int, choices: int) -> float:
    """The leading-order asymptotic max load of n balls in n bins with ``choices`` choices.

    ln n / ln ln n for one choice; ln ln n / ln d for d >= 2 (Azar, Broder, Karlin and
    Upfal, "Balanced Allocations", STOC 1994). Only the leading term: the true max load
    differs by lower-order terms (Θ(1) for d >= 2), which at practical n are not small.
    """
    require_count("max_load_estimate", "n", n, least=3)
    require_count("max_load_estimate", "choices", choices, least=1)
    if choices == 1:
        return math.log(n) / math.log(math.log(n))
    return math.log(math.log(n)) / math.log(choices)


def gonnet_max_load(n: int) -> float:
    """The expected max load of n balls thrown at random into n bins, with its lower-order
    terms: Γ⁻¹(n) − 3/2 (Gonnet, "Expected Length of the Longest Probe Sequence in Hash
    Code Searching", JACM 28(2), 1981), where Γ⁻¹ is the inverse of the gamma function
    above 2. At practical n it is within about one ball of a run, where the leading
    term ln n / ln ln n of :func:`max_load_estimate` is several balls low.

    >>> round(gonnet_max_load(10_000), 2)
    6.84
    """
    require_count("gonnet_max_load", "n", n, least=3)
    low, high = 2.0, 3.0 + math.log(n)  # Γ(3 + ln n) >= n for every n >= 3
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if math.lgamma(middle) < math.log(n) else (low, middle)
    return low - 1.5
