"""Hypothesis strategies that generate chapter 3 ground truths, for properties in tests,
errata and notebooks."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from msatheory.discovery.scenario import Outage, Scenario, fleet

__all__ = ["scenarios"]


@st.composite
def scenarios(draw: st.DrawFn, outages: bool = True) -> Scenario:
    """Scenarios of 1 to 6 instances over 30 to 400 s.

    With ``outages``, some instances go down 1 to 3 times (some restarting, some for
    good) and the registry may be cut off from the fleet up to 3 times; without, the
    fleet never fails and the registry is cut off at least once.
    """
    n = draw(st.integers(min_value=1, max_value=6))
    horizon = draw(st.integers(min_value=30, max_value=400))
    ids = fleet(n)

    def interval(restart: bool) -> Outage:
        start = draw(st.integers(min_value=0, max_value=horizon - 1))
        end = draw(st.one_of(st.just(math.inf),
                             st.integers(min_value=start + 1, max_value=horizon + 50)))
        return Outage(start, end, restart and draw(st.booleans()))

    down = {}
    if outages:
        for instance in draw(st.lists(st.sampled_from(ids), max_size=n, unique=True)):
            count = draw(st.integers(min_value=1, max_value=3))
            down[instance.id] = tuple(interval(restart=True) for _ in range(count))
    cuts = tuple(interval(restart=False)
                 for _ in range(draw(st.integers(min_value=0 if outages else 1, max_value=3))))
    return Scenario("generated", ids, horizon, down, cuts)
