"""Availability of composed services, in closed form (sympy) and by simulation.

Treynor, Dahlin, Rau and Beyer, "The Calculus of Service Availability" (ACM Queue,
2017): a component up for a mean time MTTF between failures and down for a mean
time MTTR is available MTTF / (MTTF + MTTR) of the time, whatever the distributions
of its up and down times (the renewal-reward theorem; the simulation takes
exponential, Weibull, lognormal and fixed times); a request is at most as available
as the product of its critical (hard) dependencies, each unique dependency counted
once. The product assumes independent failures: a shared cause (one bad release,
one zone, one network) can bring several down together, and then the true
availability is below it. These give Feature 1.2.3 (fault isolation) and Feature
1.2.4 (independent scaling, through replicas) their numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

import networkx as nx
import sympy as sp

from msatheory.basics.model import Architecture
from msatheory.errors import (
    TheoryError,
    require_count,
    require_fraction,
    require_instance,
    require_number,
    require_seed,
)
from msatheory.sim import Simulation

__all__ = [
    "DISTRIBUTIONS",
    "MTTF",
    "MTTR",
    "YEAR_MINUTES",
    "DowntimeBudget",
    "Reliability",
    "availability_bound",
    "dependency_budget_share",
    "downtime_budget",
    "replicated",
    "serial",
    "simulate_availability",
    "simulate_service_availability",
    "steady_state_availability",
]

MTTF, MTTR = sp.symbols("MTTF MTTR", positive=True)

#: Minutes in a year of 365.25 days, exact.
YEAR_MINUTES = sp.Rational(36525 * 24 * 60, 100)


#: Shapes of up and down times :func:`simulate_availability` draws, each with the
#: mean it is given: ``exponential``; ``weibull`` (shape 2: wear-out); ``lognormal``
#: (sigma 1: mostly short, a long tail); ``deterministic`` (always the mean).
DISTRIBUTIONS = ("exponential", "weibull", "lognormal", "deterministic")


def _symbolic(value: object) -> bool:
    """Whether ``value`` is a sympy expression that is not a number (then it is not checked)."""
    return isinstance(value, sp.Basic) and not value.is_number


def _real(value: object) -> object:
    """A sympy number as a float for checking; anything else as it is."""
    return float(value) if isinstance(value, sp.Basic) and value.is_number else value


def steady_state_availability(mttf=MTTF, mttr=MTTR):
    """A = MTTF / (MTTF + MTTR): the long-run fraction of time a component is up.

    It holds for any distributions of up and down times with those means, not only
    exponential ones (the renewal-reward theorem). Numbers must be positive; sympy
    symbols give the formula.

    >>> steady_state_availability(999, 1)
    0.999
    >>> steady_state_availability(-1, 2)
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: availability: MTTF must be a positive finite number, not -1
    """
    for what, value in (("MTTF", mttf), ("MTTR", mttr)):
        if not _symbolic(value):
            require_number("availability", what, _real(value), positive=True)
    return mttf / (mttf + mttr)


def serial(availabilities: Iterable):
    """A chain that needs every part up: the product of the parts' availabilities, each in
    [0, 1] (symbols allowed)."""
    parts = list(availabilities)
    for part in parts:
        if not _symbolic(part):
            require_fraction("serial", "each availability", _real(part))
    return math.prod(parts)


def replicated(availability, replicas):
    """A service with ``replicas`` independent instances, up while any one is: 1 - (1 - a)^n.

    ``availability`` lies in [0, 1] and ``replicas`` is a whole number (either may be a
    sympy symbol).

    >>> replicated(0.9, 2)
    0.99
    >>> replicated(0.9, -1)
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: replicated: replicas must be a whole number, 0 or more, not -1
    """
    if not _symbolic(availability):
        require_fraction("replicated", "availability", _real(availability))
    if not _symbolic(replicas):
        require_count("replicated", "replicas",
                      int(replicas) if isinstance(replicas, sp.Integer) else replicas)
    return 1 - (1 - availability) ** replicas


class DowntimeBudget(NamedTuple):
    """What k nines allow: the availability, and the downtime per year and per 30 days."""

    nines: int
    availability: sp.Rational
    minutes_per_year: sp.Rational
    minutes_per_30_days: sp.Rational


def downtime_budget(nines: int) -> DowntimeBudget:
    """The downtime a target of ``nines`` nines (3 means 99.9%) allows, exactly."""
    require_count("downtime budget", "nines", nines, least=1)
    unavailability = sp.Rational(1, 10**nines)
    return DowntimeBudget(
        nines,
        1 - unavailability,
        unavailability * YEAR_MINUTES,
        unavailability * 30 * 24 * 60,
    )


def dependency_budget_share(
    nines: int, dependencies: int | sp.Symbol, extra_nines: int = 1
) -> sp.Expr:
    """Share of a service's error budget its dependencies use up (Treynor's "extra nine").

    The service targets ``nines`` nines; each of ``dependencies`` critical
    dependencies offers ``nines + extra_nines``. Returns the exact share of the
    service's unavailability budget that the dependencies consume together;
    ``dependencies`` may be a sympy symbol declared a non-negative integer, for the
    share as a formula.

    >>> dependency_budget_share(3, 1)
    1/10
    >>> d = sp.Symbol("d", integer=True, nonnegative=True)
    >>> dependency_budget_share(3, d)
    1000 - 1000*(9999/10000)**d
    """
    require_count("dependency budget", "nines", nines, least=1)
    if not (isinstance(dependencies, sp.Symbol) and dependencies.is_integer
            and dependencies.is_nonnegative):
        require_count("dependency budget", "dependencies", dependencies)
    require_count("dependency budget", "extra_nines", extra_nines)
    each = 1 - sp.Rational(1, 10 ** (nines + extra_nines))
    return (1 - each**dependencies) / sp.Rational(1, 10**nines)


class Reliability(NamedTuple):
    """Mean time to failure and mean time to repair of one instance, in the same unit."""

    mttf: float
    mttr: float

    @property
    def availability(self) -> float:
        """MTTF / (MTTF + MTTR), for positive numbers."""
        return float(steady_state_availability(self.mttf, self.mttr))


def _reliabilities(arch: Architecture, reliability: Mapping[str, Reliability]) -> None:
    missing = sorted(set(arch.services) - set(reliability))
    if missing:
        raise TheoryError(f"no reliability given for {', '.join(missing)}")
    for name, r in reliability.items():
        require_instance(name, "reliability", r, Reliability)
        require_number(name, "MTTF", r.mttf, positive=True)
        require_number(name, "MTTR", r.mttr, positive=True)


def availability_bound(
    arch: Architecture, service: str, reliability: Mapping[str, Reliability]
) -> float:
    """Treynor's bound (Feature 1.2.3): a request to ``service`` succeeds at most this often.

    The product over ``service`` and every service it reaches by hard calls (its
    critical dependencies), each counted once, of that service's replicated
    availability. A soft call (timeout and fallback) or an asynchronous one is left out:
    the request still succeeds, degraded, when that callee is down. Exact when failures
    are independent; correlated failures (one bad release, one zone) can make the
    true availability lower than the product.

    >>> from msatheory.basics.model import Architecture, Call, Service
    >>> shop = Architecture([Service("web", calls=("cart", Call("ads", timeout=0.2,
    ...                                                       fallback="no ads"))),
    ...                      Service("cart"), Service("ads")])
    >>> one = Reliability(mttf=99, mttr=1)
    >>> round(availability_bound(shop, "web", dict.fromkeys(shop.services, one)), 4)
    0.9801
    """
    arch.service(service)
    _reliabilities(arch, reliability)
    needed = {service} | nx.descendants(arch.hard_graph, service)
    return serial(
        replicated(reliability[s].availability, arch.services[s].replicas) for s in sorted(needed)
    )


def _draw(rng, distribution: str, mean: float) -> float:
    """One time drawn from ``distribution`` with the given mean."""
    if distribution == "exponential":
        return float(rng.expovariate(1 / mean))
    if distribution == "weibull":  # shape 2; scale so that the mean is ``mean``
        return float(rng.weibullvariate(mean / math.gamma(1.5), 2))
    if distribution == "lognormal":  # sigma 1; mu so that the mean is ``mean``
        return float(rng.lognormvariate(math.log(mean) - 0.5, 1))
    return mean


def simulate_availability(
    components: Mapping[str, Reliability],
    is_up: Callable[[frozenset[str]], bool],
    horizon: float,
    seed: int,
    distribution: str = "exponential",
) -> float:
    """Fraction of ``[0, horizon)`` during which ``is_up(components that are up)`` holds.

    Each component alternates up times (mean MTTF) and down times (mean MTTR) drawn
    from ``distribution`` (:data:`DISTRIBUTIONS`) on a SimPy virtual clock; all start up.
    Whatever the distribution, one component's fraction tends to MTTF / (MTTF + MTTR).
    """
    require_number("availability simulation", "horizon", horizon, positive=True)
    require_seed("availability simulation", seed)
    if distribution not in DISTRIBUTIONS:
        raise TheoryError(f"availability simulation: distribution must be one of "
                          f"{', '.join(DISTRIBUTIONS)}, not {distribution!r}")
    for name, r in components.items():
        require_instance(name, "reliability", r, Reliability)
        require_number(name, "MTTF", r.mttf, positive=True)
        require_number(name, "MTTR", r.mttr, positive=True)
    sim = Simulation(seed)
    changes: list[tuple[float, str, bool]] = []

    def lifecycle(name: str, r: Reliability):
        while True:
            yield sim.timeout(_draw(sim.rng, distribution, r.mttf))
            changes.append((sim.now, name, False))
            yield sim.timeout(_draw(sim.rng, distribution, r.mttr))
            changes.append((sim.now, name, True))

    for name in sorted(components):
        sim.process(lifecycle(name, components[name]))
    sim.run(until=horizon)

    up, since, total = set(components), 0.0, 0.0
    system_up = is_up(frozenset(up))
    for time, name, now_up in changes:
        if system_up:
            total += time - since
        since = time
        (up.add if now_up else up.discard)(name)
        system_up = is_up(frozenset(up))
    if system_up:
        total += horizon - since
    return total / horizon


def simulate_service_availability(
    arch: Architecture,
    service: str,
    reliability: Mapping[str, Reliability],
    horizon: float,
    seed: int,
    distribution: str = "exponential",
) -> float:
    """Measured fraction of time a request to ``service`` can succeed.

    Every replica of every service fails and is repaired on its own, with up and down
    times drawn from ``distribution``; a service is up while one replica is; a request
    succeeds while ``service`` and everything it reaches by hard calls are up.
    Compare with :func:`availability_bound`.
    """
    arch.service(service)
    _reliabilities(arch, reliability)
    needed = sorted({service} | nx.descendants(arch.hard_graph, service))
    instances = {
        f"{s}#{i}": reliability[s] for s in needed for i in range(arch.services[s].replicas)
    }
    groups = [{f"{s}#{i}" for i in range(arch.services[s].replicas)} for s in needed]
    return simulate_availability(
        instances, lambda up: all(group & up for group in groups), horizon, seed, distribution
    )
