"""Strategies 5.3.1 (重试机制) and 5.3.2 (熔断器模式) over time: a breaker lab.

A calling service sends requests to one dependency for ``span`` seconds of virtual time;
requests arrive at random (a Poisson stream of ``rate`` a second, seeded). What the
dependency does is a **profile**: :class:`Phase` records, each from its ``start`` second
on failing a share ``failure_rate`` of the attempts it receives and answering after
``latency_ms`` milliseconds. The presets of :data:`PROFILES` are a healthy dependency that
goes down (``"outage"``), becomes slower than the caller's timeout (``"slow"``) or goes
down three times (``"flapping"``), and recovers.

Each request is tried by the caller's client as Strategy 5.3.1 says, guarded by a breaker
as Strategy 5.3.2 says:

* an attempt first asks the breaker (:data:`BREAKERS`: none, a
  :class:`~msatheory.communication.breaker.CircuitBreaker` or a
  :class:`~msatheory.communication.breaker.RateBreaker`, sized for the lab); a refused
  attempt is **rejected fast** and ends its request, as
  :class:`~msatheory.communication.client.ServiceClient` ends it;
* an admitted attempt fails with the phase's failure rate, and waits at most
  :data:`TIMEOUT_MS`: a dependency slower than that times out, which is a failure that took
  the whole timeout; the outcome and its duration are recorded in the breaker when the
  attempt ends;
* a failed attempt is retried by the :data:`RETRIES` policy, up to :data:`ATTEMPTS`
  attempts a request, after a sleep of :mod:`~msatheory.communication.backoff`'s
  ``exponential`` or ``full_jitter`` (base :data:`BASE_MS`, cap :data:`CAP_MS`).

A phase is **degraded** when it fails some attempts or answers slower than
:data:`SLOW_MS` (the rate breaker's slow-call duration); the outage is the time the
profile spends degraded. :func:`run` returns a :class:`BreakerRun`: second by second,
what arrived, what was sent (first tries and retries apart), what was rejected fast, what
succeeded and failed, and the breaker's state, with a :class:`Summary`: the **load
multiplier** (attempts sent per request arriving during the outage), the success rate,
the time the breaker took to open after the outage began and to close after the
dependency recovered. :func:`retry_comparison` runs one setting under every retry policy,
:func:`outcome_grid` every breaker with every policy, and :func:`arrivals` gives the
requests' arrival times every run with the same seed shares.

Every run draws its arrivals, its failures and its jitter from three generators split off
one seeded generator, so runs that differ only in breaker or policy meet the same
requests. The loop is a direct event loop on a heap, on virtual time.

The lab stops at one caller and one dependency: the dependency's behaviour does not
depend on the load it receives (no queueing, no overload feedback), and one breaker
guards every request of the caller.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from msatheory.communication.backoff import exponential, full_jitter
from msatheory.communication.breaker import Breaker, CircuitBreaker, RateBreaker
from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_fraction,
    require_items,
    require_number,
    require_seed,
)
from msatheory.sim import seeded_rng

__all__ = [
    "ATTEMPTS",
    "BASE_MS",
    "BREAKERS",
    "CAP_MS",
    "HEALTHY_MS",
    "PROFILES",
    "RATE",
    "RETRIES",
    "SLOW_MS",
    "SPAN",
    "TIMEOUT_MS",
    "BreakerRun",
    "Phase",
    "Preset",
    "Summary",
    "arrivals",
    "make_breaker",
    "outcome_grid",
    "profile",
    "retry_comparison",
    "run",
]

RATE = 20
"""Requests a second the caller sends, on average."""

SPAN = 180
"""Seconds of virtual time during which requests arrive."""

TIMEOUT_MS = 1000.0
"""How long an attempt waits for its answer, milliseconds."""

SLOW_MS = 500.0
"""An answer slower than this is slow (the rate breaker's slow-call duration), ms."""

HEALTHY_MS = 50.0
"""The healthy dependency's latency, milliseconds."""

ATTEMPTS = 3
"""Attempts a request may make when it is retried, the first included."""

BASE_MS = 100.0
"""Base of the backoff, milliseconds: the sleep before retry ``n`` is ``base * 2**n``."""

CAP_MS = 2000.0
"""Cap on any backoff sleep, milliseconds."""

BREAKERS = MappingProxyType({
    "none": "no breaker: every attempt is sent",
    "consecutive": "CircuitBreaker(fail_max=5, reset_timeout=10), pybreaker's semantics",
    "rate": ("RateBreaker(failure_rate_threshold=50, minimum_calls=20, window=20, "
             "wait_in_open=10, permitted_in_half_open=5, slow_call_duration=0.5), "
             "Resilience4j's"),
})
"""The breakers the lab offers, by name, with their lab-sized parameters."""

RETRIES = MappingProxyType({
    "no retry": "one attempt a request",
    "exponential": f"up to {ATTEMPTS} attempts, sleeping min(cap, base * 2**n) before retry n",
    "full jitter": (f"up to {ATTEMPTS} attempts, sleeping uniform(0, min(cap, base * 2**n)) "
                    "before retry n"),
})
"""The retry policies the lab offers, by name."""

def make_breaker(name: str) -> Breaker | None:
    """The lab's breaker called ``name`` (one of :data:`BREAKERS`), new and closed;
    None for ``"none"``.

    Examples
    --------
    >>> make_breaker("consecutive")
    CircuitBreaker(fail_max=5, reset_timeout=10, state='closed', failures=0)
    >>> make_breaker("none") is None
    True
    """
    name = require_choice("make_breaker", "breaker", name, BREAKERS)
    if name == "consecutive":
        return CircuitBreaker(fail_max=5, reset_timeout=10)
    if name == "rate":
        return RateBreaker(failure_rate_threshold=50, minimum_calls=20, window=20,
                           wait_in_open=10, permitted_in_half_open=5,
                           slow_call_duration=SLOW_MS / 1000)
    return None


@dataclass(frozen=True)
class Phase:
    """From ``start`` seconds on, the dependency fails a share ``failure_rate`` of the
    attempts it receives and answers (or fails) after ``latency_ms`` milliseconds."""

    start: float
    failure_rate: float
    latency_ms: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", require_number("Phase", "start", self.start))
        object.__setattr__(self, "failure_rate",
                           require_fraction("Phase", "failure_rate", self.failure_rate))
        object.__setattr__(self, "latency_ms",
                           require_number("Phase", "latency_ms", self.latency_ms))

    @property
    def timed_out(self) -> bool:
        """Whether every attempt times out: the answer comes later than :data:`TIMEOUT_MS`."""
        return self.latency_ms > TIMEOUT_MS

    @property
    def failing(self) -> float:
        """The share of attempts that fail, timeouts included."""
        return 1.0 if self.timed_out else self.failure_rate

    @property
    def degraded(self) -> bool:
        """Whether the phase fails some attempts or answers slower than :data:`SLOW_MS`."""
        return self.failure_rate > 0 or self.latency_ms > SLOW_MS


@dataclass(frozen=True)
class Preset:
    """A profile's shape: the ``outages`` (start, end) in seconds, the ``failure_rate``
    and ``latency_ms`` during them (the dependency is healthy, 0 and :data:`HEALTHY_MS`,
    outside), and what it shows (``about``)."""

    outages: tuple[tuple[float, float], ...]
    failure_rate: float
    latency_ms: float
    about: str


PROFILES = MappingProxyType({
    "outage": Preset(((30, 120),), 1.0, HEALTHY_MS,
                     "down from 30 s to 120 s: every attempt fails at once"),
    "slow": Preset(((30, 120),), 0.0, 2000.0,
                   "slow from 30 s to 120 s: every attempt times out after 1 s"),
    "flapping": Preset(((30, 45), (70, 85), (110, 125)), 1.0, HEALTHY_MS,
                       "down three times for 15 s, from 30 s, 70 s and 110 s"),
})
"""The lab's preset profiles, by name."""


def profile(name: str = "outage", failure_rate: float | None = None,
            latency_ms: float | None = None) -> tuple[Phase, ...]:
    """The phases of the preset profile ``name``, its outages changed to fail
    ``failure_rate`` of the attempts after ``latency_ms`` where these are given.

    Parameters
    ----------
    name : str
        One of :data:`PROFILES`.
    failure_rate : float, optional
        Share of attempts failing during each outage, in [0, 1].
    latency_ms : float, optional
        The dependency's latency during each outage, milliseconds (>= 0).

    Returns
    -------
    tuple of Phase
        Healthy from 0, then each outage and the healthy phase after it.

    Raises
    ------
    TheoryError
        If the name is unknown or a number is out of range.

    Examples
    --------
    >>> [(p.start, p.failure_rate, p.latency_ms) for p in profile("outage", 0.5)]
    [(0.0, 0.0, 50.0), (30.0, 0.5, 50.0), (120.0, 0.0, 50.0)]

    References
    ----------
    .. [1] M. T. Nygard, *Release It!*, 2nd ed., 2018: Stability Antipatterns (a slow
       response is worse than a refused one).
    """
    preset = PROFILES[require_choice("profile", "name", name, PROFILES)]
    rate = preset.failure_rate if failure_rate is None else require_fraction(
        "profile", "failure_rate", failure_rate)
    latency = preset.latency_ms if latency_ms is None else require_number(
        "profile", "latency_ms", latency_ms)
    phases = [Phase(0, 0.0, HEALTHY_MS)]
    for start, end in preset.outages:
        phases += [Phase(start, rate, latency), Phase(end, 0.0, HEALTHY_MS)]
    return tuple(phases)


@dataclass(frozen=True)
class Summary:
    """The totals of one run of ``breaker`` with ``retry``.

    ``requests`` arrived; each ended once: ``succeeded``, ``failed`` (its last attempt
    failed) or ``rejected`` (the breaker refused an attempt). ``attempts`` were sent to
    the dependency, ``retries`` of them retries. ``success_rate`` is succeeded per
    request; ``load`` the load multiplier, attempts sent per request arriving while the
    dependency was degraded (None without an outage); ``detect`` the seconds from the
    start of the first outage until the breaker opened (None if it did not open during
    it); ``close`` the seconds from the end of the last outage until the breaker was
    closed (0 if it was closed then, None if it never closed again or there is no
    breaker). Times are rounded to the millisecond."""

    breaker: str
    retry: str
    requests: int
    succeeded: int
    failed: int
    rejected: int
    attempts: int
    retries: int
    success_rate: float
    load: float | None
    detect: float | None
    close: float | None


@dataclass(frozen=True, repr=False)
class BreakerRun:
    """One run of the lab: its settings, second-by-second series and :class:`Summary`.

    Series hold one number per second ``t`` (from ``t`` to ``t + 1``) of the run, which
    lasts from 0 until the last request ends (at least ``span`` seconds): ``requests``
    that arrived, ``first`` tries and ``retries`` sent to the dependency, attempts
    ``rejected`` fast, requests that ``succeeded`` and that ``failed``; ``states`` is the
    breaker's state at the end of each second (``"closed"`` throughout without a
    breaker). ``transitions`` lists each change of state as ``(time, new state)``."""

    phases: tuple[Phase, ...]
    breaker: str
    retry: str
    seed: int
    rate: float
    span: int
    requests: tuple[int, ...]
    first: tuple[int, ...]
    retries: tuple[int, ...]
    rejected: tuple[int, ...]
    succeeded: tuple[int, ...]
    failed: tuple[int, ...]
    states: tuple[str, ...]
    transitions: tuple[tuple[float, str], ...]
    summary: Summary

    @property
    def sent(self) -> tuple[int, ...]:
        """Attempts sent to the dependency each second, first tries and retries."""
        return tuple(a + b for a, b in zip(self.first, self.retries, strict=True))

    def outages(self) -> tuple[tuple[float, float], ...]:
        """The degraded spans of the profile, ``(start, end)``, the last ending at the end
        of the run if the dependency never recovers."""
        return _outages(self.phases, float(len(self.requests)))

    def __repr__(self) -> str:
        return (f"BreakerRun(breaker={self.breaker!r}, retry={self.retry!r}, "
                f"seed={self.seed}, rate={self.rate:g}, span={self.span}, "
                f"phases={len(self.phases)}, seconds={len(self.requests)}, "
                f"transitions={len(self.transitions)})")


def run(phases: str | Sequence[Phase] = "outage", *, breaker: str = "consecutive",
        retry: str = "exponential", seed: int = 0, rate: float = RATE,
        span: int = SPAN) -> BreakerRun:
    """Strategies 5.3.1 and 5.3.2 (重试机制, 熔断器模式): one run of the breaker lab.

    Parameters
    ----------
    phases : str or sequence of Phase
        A preset of :data:`PROFILES`, or phases in order of start, the first at 0.
    breaker : str
        One of :data:`BREAKERS`.
    retry : str
        One of :data:`RETRIES`.
    seed : int
        Seed of the arrivals, the failures and the jitter.
    rate : float
        Requests a second, on average (> 0).
    span : int
        Seconds during which requests arrive (>= 1).

    Returns
    -------
    BreakerRun
        The series and the summary (see :class:`BreakerRun` and :class:`Summary`).

    Raises
    ------
    TheoryError
        If a name is unknown, a number out of range or the phases out of order.

    Examples
    --------
    >>> guarded = run("outage", breaker="consecutive", retry="exponential", span=60)
    >>> guarded.summary.detect, guarded.transitions[:3]
    (0.39, ((30.39, 'open'), (40.404, 'half-open'), (40.454, 'open')))
    >>> guarded.summary.load, run("outage", breaker="none", span=60).summary.load
    (0.013, 3.0)

    References
    ----------
    .. [1] Strategies 5.3.1 (重试机制) and 5.3.2 (熔断器模式) of the theory.
    .. [2] M. T. Nygard, *Release It!*, 2nd ed., 2018: Circuit Breaker, Timeouts.
    .. [3] M. Brooker, "Timeouts, retries, and backoff with jitter", Amazon Builders'
       Library, 2019.
    """
    owner = "run"
    return _run(_phases(owner, phases), require_choice(owner, "breaker", breaker, BREAKERS),
                require_choice(owner, "retry", retry, RETRIES), require_seed(owner, seed),
                require_number(owner, "rate", rate, positive=True),
                require_count(owner, "span", span, least=1))


def retry_comparison(phases: str | Sequence[Phase] = "outage", *,
                     breaker: str = "consecutive", seed: int = 0, rate: float = RATE,
                     span: int = SPAN) -> tuple[BreakerRun, ...]:
    """Strategy 5.3.1 (重试机制): :func:`run` under each policy of :data:`RETRIES`, in
    that order, with the same breaker and the same arrivals.

    The lab's dependency does not slow down under load, so a backoff moves retries in
    time without changing how many there are: exponential and full jitter send about
    the same number of attempts, and differ in when.

    Parameters
    ----------
    phases, breaker, seed, rate, span
        As for :func:`run`.

    Returns
    -------
    tuple of BreakerRun
        One run per retry policy.

    Raises
    ------
    TheoryError
        As :func:`run` does.

    Examples
    --------
    >>> runs = retry_comparison("outage", breaker="none", span=60)
    >>> [(r.retry, r.summary.load) for r in runs]
    [('no retry', 1.0), ('exponential', 3.0), ('full jitter', 3.0)]

    References
    ----------
    .. [1] M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015.
    """
    owner = "retry_comparison"
    steps = _phases(owner, phases)
    name = require_choice(owner, "breaker", breaker, BREAKERS)
    seed = require_seed(owner, seed)
    rate = require_number(owner, "rate", rate, positive=True)
    span = require_count(owner, "span", span, least=1)
    return tuple(_run(steps, name, policy, seed, rate, span) for policy in RETRIES)


def outcome_grid(phases: str | Sequence[Phase] = "outage", *, seed: int = 0,
                 rate: float = RATE, span: int = SPAN) -> tuple[Summary, ...]:
    """Strategies 5.3.1 and 5.3.2: the :class:`Summary` of every breaker of
    :data:`BREAKERS` with every policy of :data:`RETRIES` (breakers in order, then
    policies), on the same arrivals.

    Parameters
    ----------
    phases, seed, rate, span
        As for :func:`run`.

    Returns
    -------
    tuple of Summary
        Nine summaries: breakers in the order of :data:`BREAKERS`, then policies.

    Raises
    ------
    TheoryError
        As :func:`run` does.

    Examples
    --------
    >>> grid = outcome_grid("outage", span=60)
    >>> [(s.breaker, s.retry, s.load) for s in grid][:3]
    [('none', 'no retry', 1.0), ('none', 'exponential', 3.0), ('none', 'full jitter', 3.0)]

    References
    ----------
    .. [1] Strategies 5.3.1 (重试机制) and 5.3.2 (熔断器模式) of the theory.
    .. [2] B. Beyer et al., *Site Reliability Engineering*, O'Reilly, 2016, chapters
       "Handling Overload" and "Addressing Cascading Failures": retries multiply the
       load on a failing dependency.
    """
    owner = "outcome_grid"
    steps = _phases(owner, phases)
    seed = require_seed(owner, seed)
    rate = require_number(owner, "rate", rate, positive=True)
    span = require_count(owner, "span", span, least=1)
    return tuple(_run(steps, name, policy, seed, rate, span).summary
                 for name in BREAKERS for policy in RETRIES)


def arrivals(seed: int = 0, rate: float = RATE, span: int = SPAN) -> tuple[float, ...]:
    """The times at which requests arrive in every run with ``seed``, ``rate`` and
    ``span``: a Poisson stream of ``rate`` a second on ``[0, span)``.

    Parameters
    ----------
    seed, rate, span
        As for :func:`run`.

    Returns
    -------
    tuple of float
        The arrival times in seconds, in increasing order.

    Raises
    ------
    TheoryError
        If the seed is not an integer, the rate not positive or the span not a positive
        whole number.

    Examples
    --------
    >>> times = arrivals(0, rate=20, span=180)
    >>> len(times), [round(t, 3) for t in times[:3]]
    (3639, [0.005, 0.087, 0.137])
    """
    owner = "arrivals"
    return _streams(require_seed(owner, seed), require_number(owner, "rate", rate,
                                                              positive=True),
                    require_count(owner, "span", span, least=1))[0]


def _phases(owner: str, phases: object) -> tuple[Phase, ...]:
    if isinstance(phases, str):
        return profile(require_choice(owner, "phases", phases, PROFILES))
    steps = require_items(owner, "phases", phases, Phase)
    if not steps or steps[0].start != 0:
        raise TheoryError(f"{owner}: phases must begin with a phase starting at 0, "
                          f"not {steps[:1]!r}")
    for before, after in itertools.pairwise(steps):
        if not after.start > before.start:
            raise TheoryError(f"{owner}: phases must start in increasing order, not "
                              f"{after.start!r} after {before.start!r}")
    return steps


def _outages(phases: Sequence[Phase], end: float) -> tuple[tuple[float, float], ...]:
    """The degraded spans of ``phases`` up to ``end``, adjacent degraded phases merged."""
    spans: list[tuple[float, float]] = []
    for k, phase in enumerate(phases):
        stop = phases[k + 1].start if k + 1 < len(phases) else end
        if not phase.degraded or phase.start >= end:
            continue
        stop = min(stop, end)
        if spans and spans[-1][1] == phase.start:
            spans[-1] = (spans[-1][0], stop)
        else:
            spans.append((phase.start, stop))
    return tuple(spans)


def _streams(seed: int, rate: float, span: int
             ) -> tuple[tuple[float, ...], random.Random, random.Random]:
    """The arrivals, the failure draws and the jitter of every run with ``seed``, from
    three generators split off one."""
    streams = seeded_rng(seed, "run")
    first = streams.getrandbits(64)
    return (_arrivals(first, rate, span), random.Random(streams.getrandbits(64)),
            random.Random(streams.getrandbits(64)))


@functools.lru_cache(maxsize=16)
def _arrivals(seed: int, rate: float, span: int) -> tuple[float, ...]:
    """A Poisson stream of ``rate`` a second on ``[0, span)``, from a generator seeded by
    ``seed`` (kept: runs that differ in other settings share it)."""
    times = []
    gap = random.Random(seed).expovariate
    t = gap(rate)
    while t < span:
        times.append(t)
        t += gap(rate)
    return tuple(times)


def _run(phases: tuple[Phase, ...], breaker: str, retry: str, seed: int, rate: float,
         span: int) -> BreakerRun:
    """The event loop: arrivals in time order, merged with a heap of attempts that end
    and retries that are due, ``(time, order, attempt, outcome, duration)``; the outcome
    is None for a retry not yet sent."""
    times, draws, jitter = _streams(seed, rate, span)
    draw = draws.random
    guard = make_breaker(breaker)
    attempts = 1 if retry == "no retry" else ATTEMPTS
    sleeps = [exponential(n, BASE_MS, CAP_MS) / 1000 for n in range(attempts)]
    jittered = retry == "full jitter"
    starts = [p.start for p in phases]
    failing = [p.failing for p in phases]
    lasting = [min(p.latency_ms, TIMEOUT_MS) / 1000 for p in phases]
    degraded = [p.degraded for p in phases]
    size = span + math.ceil(attempts * TIMEOUT_MS / 1000 + sum(sleeps[1:])) + 2
    requests, first, retried, rejected, succeeded, failed = ([0] * size for _ in range(6))
    transitions: list[tuple[float, str]] = []
    state = "closed"
    in_outage = 0
    events: list[tuple[float, int, int, bool | None, float]] = []
    push, pop, where = heapq.heappush, heapq.heappop, bisect.bisect_right
    order = 0
    last = 0.0
    arrived = iter(times)
    upcoming = next(arrived, math.inf)
    while events or upcoming < math.inf:
        if events and events[0][0] <= upcoming:
            t, _, n, ok, took = pop(events)
            second = int(t)
            if ok is not None:  # attempt n ends
                last = t
                if guard is not None:
                    guard.record(ok, t, took)
                    if guard.state != state:
                        state = guard.state
                        transitions.append((t, state))
                if ok:
                    succeeded[second] += 1
                elif n == attempts:
                    failed[second] += 1
                else:
                    sleep = (full_jitter(n, jitter, BASE_MS, CAP_MS) / 1000 if jittered
                             else sleeps[n])
                    push(events, (t + sleep, order, n + 1, None, 0.0))
                    order += 1
                continue
        else:
            t, n = upcoming, 1
            second = int(t)
            requests[second] += 1
            upcoming = next(arrived, math.inf)
        if guard is not None:
            admitted = guard.allow(t)
            if guard.state != state:
                state = guard.state
                transitions.append((t, state))
            if not admitted:
                rejected[second] += 1
                last = t
                continue
        k = where(starts, t) - 1
        if n == 1:
            first[second] += 1
        else:
            retried[second] += 1
        in_outage += degraded[k]
        share = failing[k]
        took = lasting[k]
        push(events, (t + took, order, n, share == 0 or (share < 1 and draw() >= share), took))
        order += 1
    seconds = max(span, int(last) + 1)
    series = [tuple(s[:seconds]) for s in (requests, first, retried, rejected, succeeded,
                                           failed)]
    moves = tuple((round(t, 3), s) for t, s in transitions)
    summary = _summary(phases, breaker, retry, series, moves, times, in_outage,
                       float(seconds))
    return BreakerRun(phases, breaker, retry, seed, rate, span, requests=series[0],
                      first=series[1], retries=series[2], rejected=series[3],
                      succeeded=series[4], failed=series[5], states=_states(moves, seconds),
                      transitions=moves, summary=summary)


def _states(moves: Sequence[tuple[float, str]], seconds: int) -> tuple[str, ...]:
    """The state at the end of each second."""
    states = []
    state, k = "closed", 0
    for second in range(seconds):
        while k < len(moves) and moves[k][0] < second + 1:
            state = moves[k][1]
            k += 1
        states.append(state)
    return tuple(states)


def _summary(phases: tuple[Phase, ...], breaker: str, retry: str,
             series: list[tuple[int, ...]], moves: tuple[tuple[float, str], ...],
             times: Sequence[float], in_outage: int, end: float) -> Summary:
    requests, first, retried, rejected, succeeded, failed = (sum(s) for s in series)
    outages = _outages(phases, end)
    arrived = sum(bisect.bisect_left(times, b) - bisect.bisect_left(times, a)
                  for a, b in outages)
    detect = close = None
    if breaker != "none" and outages:
        start, stop = outages[0]
        opened = [t for t, s in moves if s == "open" and start <= t < stop]
        detect = round(opened[0] - start, 3) if opened else None
        recovered = outages[-1][1]
        if recovered < end:
            before = [s for t, s in moves if t <= recovered]
            closed = [t for t, s in moves if s == "closed" and t > recovered]
            if not before or before[-1] == "closed":
                close = 0.0
            elif closed:
                close = round(closed[0] - recovered, 3)
    return Summary(breaker, retry, requests, succeeded, failed, rejected, first + retried,
                   retried, round(succeeded / requests, 4) if requests else 0.0,
                   round(in_outage / arrived, 3) if arrived else None, detect, close)
