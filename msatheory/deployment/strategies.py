"""Hypothesis strategies that generate chapter 7 inputs: releases and seeds, the readings a
stand-in for the sketch's metric getters returns, error ratios of a baseline and a canary,
blue-green and rolling scenarios, for the Rust ``DeploymentManager`` (:mod:`.sketch`) and
its corrected models, in tests, errata and notebooks."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = [
    "BAD_RELEASES",
    "RELEASES",
    "blue_green_cases",
    "comparisons",
    "judged_releases",
    "readings",
    "rolling_cases",
]

#: The releases a scenario deploys: ``good`` (no errors, 100 ms), ``erroring`` (every
#: request fails) and ``slow`` (every request takes 2 s).
RELEASES = ("good", "erroring", "slow")
#: The releases no canary analysis should let through.
BAD_RELEASES = ("erroring", "slow")
#: Error ratios are drawn in basis points (1 bp = 0.01%), so each is exact in a float's
#: division and 100 bp is the sketch's threshold 0.01 exactly.
MOST_BASIS_POINTS = 300


def judged_releases(most_seed: int = 255) -> st.SearchStrategy[tuple[str, int]]:
    """``(release, seed)``: a bad release and the seed of the getters' generator."""
    return st.tuples(st.sampled_from(BAD_RELEASES),
                     st.integers(min_value=0, max_value=most_seed))


def readings(most_checks: int = 2) -> st.SearchStrategy[list[tuple[int, int]]]:
    """What the metric getters answer at each ``monitor_canary``: 1 to ``most_checks``
    pairs of (error rate in basis points, response time in ms, under 1000 as the
    sketch's draws are)."""
    pair = st.tuples(st.integers(min_value=0, max_value=MOST_BASIS_POINTS),
                     st.integers(min_value=0, max_value=999))
    return st.lists(pair, min_size=1, max_size=most_checks)


def comparisons() -> st.SearchStrategy[tuple[int, int]]:
    """``(baseline, canary)``: the error ratios, in basis points, of the old version and
    of the canary serving the same traffic."""
    ratio = st.integers(min_value=0, max_value=MOST_BASIS_POINTS)
    return st.tuples(ratio, ratio)


def blue_green_cases(most_replicas: int = 5) -> st.SearchStrategy[tuple[int, int]]:
    """``(replicas, attempt)``: blue's instances, and the ``/health`` attempt (1 to 3)
    at which green first answers."""
    return st.tuples(st.integers(min_value=1, max_value=most_replicas),
                     st.integers(min_value=1, max_value=3))


@st.composite
def rolling_cases(draw: st.DrawFn, most_replicas: int = 6) -> tuple[int, int]:
    """``(replicas, failing)``: a service of 1 to ``most_replicas`` instances, and which
    new instance (1 to ``replicas``) never answers ``/health``."""
    replicas = draw(st.integers(min_value=1, max_value=most_replicas))
    return replicas, draw(st.integers(min_value=1, max_value=replicas))
