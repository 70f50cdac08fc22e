"""Strategy 5.3.2 (熔断器模式), its reason: a cascading failure (级联故障), simulated.

A caller serves requests with a pool of ``workers`` threads. Some requests need one
dependency, the others only the caller itself. When the dependency turns slow, every
request that calls it holds a worker for as long as the call takes; by Little's law the
calls want ``rate * dependent_share * latency`` workers, and once that exceeds the pool
the pool is full, requests that never touch the dependency queue behind them, and the
caller stops answering: the dependency's failure has become the caller's. This is the
cascade the theory's circuit breaker is meant to prevent, and :func:`cascade` shows what
each protection does about it:

* ``"timeout"``: a call gives up after ``timeout`` seconds, so it holds a worker at most
  that long;
* ``"breaker"``: :class:`~msatheory.communication.breaker.CircuitBreaker` refuses calls
  after ``fail_max`` consecutive failures, so refused calls fail fast. A slow answer is
  still an answer: without a timeout the breaker counts no failure and never opens;
* ``"bulkhead"``: at most ``bulkhead`` calls to the dependency at once (a semaphore that
  refuses, without waiting, the call beyond it, as Resilience4j's ``SemaphoreBulkhead``
  with its default ``maxWaitDuration`` of 0 does), so the rest of the pool keeps serving;
* combinations joined by ``+`` (``"timeout+breaker"``); ``"none"`` is no protection.

:func:`compare` runs every protection of :data:`PROTECTIONS` on the same requests.

Conventions: times are in seconds on SimPy's virtual clock. Requests arrive as a Poisson
stream; whether a request needs the dependency, its local work (exponential) and the
dependency's normal latency (exponential) are drawn up front from one seeded generator, so
every protection meets the same requests. A call sent during the incident
``[slow_from, slow_until)`` takes ``slow_latency``. A request succeeds when it is answered
within ``deadline`` of its arrival and its dependency call (if any) answered in time; a
request that has found no free worker by its deadline leaves the queue (the client gave
up). A worker that has started a request finishes it, even past the deadline: the caller
does not know the client has gone.

The module stops at one caller and one dependency. It does not retry (Strategy 5.3.1,
whose retries make a cascade worse), and it does not model the dependency's own
overload.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Any

import simpy

from msatheory.communication.breaker import Breaker, CircuitBreaker
from msatheory.errors import (
    TheoryError,
    require_count,
    require_fraction,
    require_instance,
    require_number,
    require_seed,
    require_time,
)
from msatheory.sim import Simulation

__all__ = [
    "GUARDS",
    "PROTECTIONS",
    "SCENARIO",
    "CascadeRun",
    "Scenario",
    "cascade",
    "compare",
    "protection_parts",
]

#: The guards a protection combines, in the order a protection's name lists them.
GUARDS = ("timeout", "breaker", "bulkhead")

#: The protections :func:`compare` runs by default.
PROTECTIONS = ("none", "timeout", "breaker", "timeout+breaker", "bulkhead",
               "timeout+bulkhead", "timeout+breaker+bulkhead")


def protection_parts(protection: str) -> tuple[str, ...]:
    """The guards of ``protection``, in :data:`GUARDS` order: ``()`` for ``"none"``.

    >>> protection_parts("breaker+timeout")
    ('timeout', 'breaker')
    >>> protection_parts("retry")
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: cascade: protection must be 'none' or guards from \
timeout, breaker, bulkhead joined by '+', not 'retry'
    """
    if protection == "none":
        return ()
    parts = protection.split("+") if isinstance(protection, str) else []
    if not parts or any(p not in GUARDS for p in parts) or len(set(parts)) < len(parts):
        raise TheoryError(f"cascade: protection must be 'none' or guards from "
                          f"{', '.join(GUARDS)} joined by '+', not {protection!r}")
    return tuple(g for g in GUARDS if g in parts)


@dataclass(frozen=True)
class Scenario:
    """The caller, its traffic and the dependency's incident.

    ``workers`` threads serve ``rate`` requests a second, a share ``dependent_share`` of
    which call the dependency; a request's own work takes ``work`` seconds on average and a
    dependency call ``latency`` (both exponential), except that a call sent during
    ``[slow_from, slow_until)`` takes ``slow_latency``. Clients wait ``deadline`` seconds
    for an answer. The guards: a call gives up after ``timeout`` seconds; at most
    ``bulkhead`` calls (<= ``workers``) run at once. The run lasts ``horizon`` seconds
    (after the incident's end) and samples the busy workers every ``step`` seconds.

    >>> Scenario().wanted_workers("none"), Scenario().wanted_workers("timeout")
    (300.1, 2.1)
    """

    workers: int = 10
    rate: float = 20.0
    dependent_share: float = 0.5
    work: float = 0.005
    latency: float = 0.020
    slow_latency: float = 30.0
    slow_from: float = 60.0
    slow_until: float = 120.0
    deadline: float = 1.0
    timeout: float = 0.2
    bulkhead: int = 4
    horizon: float = 180.0
    step: float = 1.0

    def __post_init__(self) -> None:
        owner = "Scenario"
        require_count(owner, "workers", self.workers, least=1)
        require_number(owner, "rate", self.rate, positive=True)
        require_fraction(owner, "dependent_share", self.dependent_share)
        for what in ("work", "latency", "deadline", "timeout", "step"):
            require_time(owner, what, getattr(self, what), positive=True)
        for what in ("slow_latency", "slow_from", "slow_until", "horizon"):
            require_time(owner, what, getattr(self, what))
        require_count(owner, "bulkhead", self.bulkhead, least=1)
        if self.bulkhead > self.workers:
            raise TheoryError(f"{owner}: bulkhead must be at most workers ({self.workers}), "
                              f"not {self.bulkhead!r}")
        if not self.slow_from < self.slow_until <= self.horizon:
            raise TheoryError(f"{owner}: the incident must satisfy slow_from < slow_until "
                              f"<= horizon, not {self.slow_from!r}, {self.slow_until!r}, "
                              f"{self.horizon!r}")

    def wanted_workers(self, protection: str) -> float:
        """Little's law during the incident: the workers the caller's requests want.

        ``rate * (work + dependent_share * hold)``, where ``hold``, how long a call holds a
        worker, is ``slow_latency``, or ``min(timeout, slow_latency)`` with a timeout, or
        0 with a timeout shorter than ``slow_latency`` and a breaker (the timeouts open the
        breaker, which then refuses at once). With a bulkhead the calls hold at most
        ``bulkhead`` workers. When the result exceeds ``workers`` the pool saturates.
        """
        guards = protection_parts(protection)
        hold = self.slow_latency
        if "timeout" in guards:
            hold = min(self.timeout, self.slow_latency)
            if "breaker" in guards and self.timeout < self.slow_latency:
                hold = 0.0
        calls = self.rate * self.dependent_share * hold
        if "bulkhead" in guards:
            calls = min(calls, float(self.bulkhead))
        return round(self.rate * self.work + calls, 9)


#: The scenario :func:`cascade` runs by default: 10 workers, 20 requests a second, half of
#: them calling a dependency that answers in 20 ms until it takes 30 s from t = 60 s to
#: t = 120 s.
SCENARIO = Scenario()


@dataclass(frozen=True)
class CascadeRun:
    """What :func:`cascade` measured under one ``protection``.

    ``dependent_success`` and ``independent_success`` are the shares of the requests
    arriving during the incident that succeeded, among those that call the dependency and
    those that do not. ``dependency_calls`` counts the calls sent to the dependency over
    the whole run; ``fast_failures`` the dependent requests refused without a call (by an
    open breaker or a full bulkhead); ``abandoned`` the requests that found no free worker
    before their deadline. ``wanted_workers`` is Little's law's estimate
    (:meth:`Scenario.wanted_workers`), ``peak_busy`` the most workers busy at a sample and
    ``mean_busy`` the mean over the samples taken during the incident. ``breaker_opens``
    counts the breaker's moves to open. ``occupancy`` is the time series ``(t, busy
    workers)``, one sample every ``step`` seconds, for a figure.
    """

    protection: str
    dependent_success: float
    independent_success: float
    dependency_calls: int
    fast_failures: int
    abandoned: int
    wanted_workers: float
    peak_busy: int
    mean_busy: float
    breaker_opens: int
    occupancy: tuple[tuple[float, int], ...]


def _pybreaker_defaults() -> Breaker:
    return CircuitBreaker(fail_max=5, reset_timeout=60)


def cascade(protection: str = "none", scenario: Scenario = SCENARIO, *, seed: int = 0,
            breaker: Callable[[], Breaker] = _pybreaker_defaults) -> CascadeRun:
    """Strategy 5.3.2 (熔断器模式): a slow dependency, a caller's pool, and one protection.

    Runs ``scenario`` on SimPy's virtual clock, the pool a :class:`simpy.Resource` of
    ``workers`` and the bulkhead one of ``bulkhead`` slots. A request waits for a worker
    until its deadline, does its work, and, if it needs the dependency, asks the bulkhead
    for a slot (refused at once if none is free) and the breaker for leave (refused while
    open), then calls; the call ends at its latency or, with a timeout, at the timeout if
    that comes first (a failure). The breaker records every call's outcome; an answer past
    the client's deadline is still a success to it.

    Parameters
    ----------
    protection : str
        ``"none"`` or guards of :data:`GUARDS` joined by ``+`` (any order).
    scenario : Scenario
        The caller, its traffic and the incident (:data:`SCENARIO` by default).
    seed : int
        Seed of the requests: the same seed gives every protection the same requests.
    breaker : callable
        Makes the breaker of a protection with ``"breaker"``: by default pybreaker's
        defaults, ``CircuitBreaker(fail_max=5, reset_timeout=60)``. Any
        :class:`~msatheory.communication.breaker.Breaker` will do.

    Returns
    -------
    CascadeRun
        Success of dependent and independent requests during the incident, calls sent,
        fast failures, the pool's occupancy over time and Little's law's estimate of it.

    Raises
    ------
    TheoryError
        If ``protection`` is not a protection, ``scenario`` not a :class:`Scenario`, the
        seed not an integer, or ``breaker`` does not make a breaker.

    Examples
    --------
    >>> none, bulkhead = cascade("none"), cascade("bulkhead")
    >>> none.independent_success < 0.1, bulkhead.independent_success > 0.99
    (True, True)
    >>> guarded = cascade("timeout+breaker")
    >>> guarded.breaker_opens, guarded.dependency_calls < none.dependency_calls
    (1, True)

    References
    ----------
    .. [1] Strategy 5.3.2 of the theory (熔断器模式): 当服务不可用时，快速失败，避免级联故障.
    .. [2] M. T. Nygard, *Release It!*, 2nd ed., Pragmatic Bookshelf, 2018: "Cascading
       Failures", "Timeouts", "Circuit Breaker", "Bulkheads".
    .. [3] Resilience4j documentation, "Bulkhead" (``SemaphoreBulkhead``,
       ``maxWaitDuration`` 0 by default) and "CircuitBreaker".
    """
    guards = protection_parts(protection)
    require_instance("cascade", "scenario", scenario, Scenario)
    seed = require_seed("cascade", seed)
    guard = _make_breaker(breaker) if "breaker" in guards else None
    s = scenario
    sim = Simulation(seed)
    requests = _requests(sim, s)
    pool = simpy.Resource(sim.env, capacity=s.workers)
    slots = simpy.Resource(sim.env, capacity=s.bulkhead)
    timeout = s.timeout if "timeout" in guards else math.inf
    answered: dict[bool, list[bool]] = {True: [], False: []}
    counts = {"calls": 0, "fast": 0, "abandoned": 0, "opens": 0}
    series: list[tuple[float, int]] = []

    def call(took: float) -> Generator[simpy.Event, Any, bool]:
        if "bulkhead" in guards and slots.count >= s.bulkhead:
            counts["fast"] += 1
            return False
        if guard is not None and not guard.allow(sim.now):
            counts["fast"] += 1
            return False
        counts["calls"] += 1
        if "bulkhead" in guards:
            with slots.request() as slot:
                yield slot
                yield sim.timeout(min(took, timeout))
        else:
            yield sim.timeout(min(took, timeout))
        ok = took <= timeout
        if guard is not None:
            before = guard.state
            guard.record(ok, sim.now, min(took, timeout))
            counts["opens"] += before != "open" and guard.state == "open"
        return ok

    def request(arrived: float, needs: bool, work: float,
                latency: float) -> Generator[simpy.Event, Any, None]:
        with pool.request() as worker:
            if not worker.triggered:  # every worker busy: wait, but not past the deadline
                yield worker | sim.timeout(s.deadline)
            if not worker.triggered:
                counts["abandoned"] += 1
                ok = False
            else:
                yield sim.timeout(work)
                slow = s.slow_from <= sim.now < s.slow_until
                ok = (yield from call(s.slow_latency if slow else latency)) if needs else True
                ok = ok and sim.now - arrived <= s.deadline
        if s.slow_from <= arrived < s.slow_until:
            answered[needs].append(ok)

    def arrivals() -> Generator[simpy.Event, Any, None]:
        for arrived, needs, work, latency in requests:
            yield sim.timeout(arrived - sim.now)
            sim.process(request(arrived, needs, work, latency))

    def sampler() -> Generator[simpy.Event, Any, None]:
        while True:
            series.append((sim.now, pool.count))
            yield sim.timeout(s.step)

    sim.process(arrivals())
    sim.process(sampler())
    sim.run(until=s.horizon)
    during = [busy for t, busy in series if s.slow_from <= t < s.slow_until]
    return CascadeRun(
        protection="+".join(guards) or "none",
        dependent_success=_share(answered[True]),
        independent_success=_share(answered[False]),
        dependency_calls=counts["calls"],
        fast_failures=counts["fast"],
        abandoned=counts["abandoned"],
        wanted_workers=s.wanted_workers(protection),
        peak_busy=max(busy for _, busy in series),
        mean_busy=math.fsum(during) / len(during) if during else math.nan,
        breaker_opens=counts["opens"],
        occupancy=tuple(series),
    )


def compare(protections: Iterable[str] = PROTECTIONS, scenario: Scenario = SCENARIO, *,
            seed: int = 0) -> tuple[CascadeRun, ...]:
    """Strategy 5.3.2 (熔断器模式): :func:`cascade` under each protection, same requests.

    Parameters
    ----------
    protections : iterable of str
        The protections to run (:data:`PROTECTIONS` by default), each as :func:`cascade`
        takes it.
    scenario : Scenario
        The caller, its traffic and the incident.
    seed : int
        Seed of the requests, shared by every run.

    Returns
    -------
    tuple of CascadeRun
        One run per protection, in the order given.

    Examples
    --------
    >>> runs = compare(("none", "timeout", "bulkhead"))
    >>> [(r.protection, round(r.independent_success, 2)) for r in runs]
    [('none', 0.05), ('timeout', 1.0), ('bulkhead', 1.0)]

    References
    ----------
    .. [1] M. T. Nygard, *Release It!*, 2nd ed., Pragmatic Bookshelf, 2018.
    """
    if isinstance(protections, str):
        raise TheoryError(f"compare: protections must be a list of protections, "
                          f"not {protections!r}")
    return tuple(cascade(p, scenario, seed=seed) for p in protections)


def _requests(sim: Simulation, s: Scenario) -> list[tuple[float, bool, float, float]]:
    """Every request of the run, drawn up front: ``(arrival, needs the dependency, work,
    normal dependency latency)``."""
    drawn: list[tuple[float, bool, float, float]] = []
    at = sim.rng.expovariate(s.rate)
    while at < s.horizon:
        needs = sim.rng.random() < s.dependent_share
        drawn.append((at, needs, sim.rng.expovariate(1 / s.work),
                      sim.rng.expovariate(1 / s.latency)))
        at += sim.rng.expovariate(s.rate)
    return drawn


def _make_breaker(make: object) -> Breaker:
    if not callable(make):
        raise TheoryError(f"cascade: breaker must be a function that makes a circuit breaker, "
                          f"not {type(make).__name__}")
    made = make()
    if not all(hasattr(made, name) for name in ("allow", "record", "state")):
        raise TheoryError(f"cascade: breaker must make a circuit breaker (with allow, record "
                          f"and state), not {type(made).__name__}")
    return made


def _share(outcomes: list[bool]) -> float:
    return sum(outcomes) / len(outcomes) if outcomes else math.nan
