"""Availability of composed services, in closed form (sympy) and by simulation.

Treynor, Dahlin, Rau and Beyer, "The Calculus of Service Availability" (ACM Queue,
2017): a component up for a mean time MTTF between failures and down for a mean
time MTTR is available MTTF / (MTTF + MTTR) of the time; a service is at most as
available as the product of its critical dependencies, each unique dependency
counted once. These give Feature 1.2.3 (fault isolation) and Feature 1.2.4
(independent scaling, through replicas) their numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

import networkx as nx
import sympy as sp

from msatheory.basics.model import Architecture
from msatheory.errors import TheoryError, require_count, require_instance, require_number
from msatheory.sim import Simulation

__all__ = [
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


def steady_state_availability(mttf=MTTF, mttr=MTTR):
    """A = MTTF / (MTTF + MTTR): the long-run fraction of time a component is up."""
    return mttf / (mttf + mttr)


def serial(availabilities: Iterable):
    """A chain that needs every part up: the product of the parts' availabilities."""
    return math.prod(availabilities)


def replicated(availability, replicas):
    """A service with ``replicas`` independent instances, up while any one is: 1 - (1 - a)^n."""
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
        """MTTF / (MTTF + MTTR)."""
        return self.mttf / (self.mttf + self.mttr)


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
    """Treynor's bound: a request to ``service`` succeeds at most this often.

    The product over ``service`` and every service it transitively calls, each
    counted once, of that service's replicated availability. Exact when failures
    are independent and every call is critical.
    """
    arch.service(service)
    _reliabilities(arch, reliability)
    needed = {service} | nx.descendants(arch.call_graph, service)
    return serial(
        replicated(reliability[s].availability, arch.services[s].replicas) for s in sorted(needed)
    )


def simulate_availability(
    components: Mapping[str, Reliability],
    is_up: Callable[[frozenset[str]], bool],
    horizon: float,
    seed: int,
) -> float:
    """Fraction of ``[0, horizon)`` during which ``is_up(components that are up)`` holds.

    Each component alternates exponentially distributed up times (mean MTTF) and
    down times (mean MTTR) on a SimPy virtual clock; all start up.
    """
    sim = Simulation(seed)
    changes: list[tuple[float, str, bool]] = []

    def lifecycle(name: str, r: Reliability):
        while True:
            yield sim.timeout(sim.rng.expovariate(1 / r.mttf))
            changes.append((sim.now, name, False))
            yield sim.timeout(sim.rng.expovariate(1 / r.mttr))
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
) -> float:
    """Measured fraction of time a request to ``service`` can succeed.

    Every replica of every service fails and is repaired on its own; a service is
    up while one replica is; a request succeeds while ``service`` and everything
    it transitively calls are up. Compare with :func:`availability_bound`.
    """
    arch.service(service)
    _reliabilities(arch, reliability)
    needed = sorted({service} | nx.descendants(arch.call_graph, service))
    instances = {
        f"{s}#{i}": reliability[s] for s in needed for i in range(arch.services[s].replicas)
    }
    groups = [{f"{s}#{i}" for i in range(arch.services[s].replicas)} for s in needed]
    return simulate_availability(
        instances, lambda up: all(group & up for group in groups), horizon, seed
    )
