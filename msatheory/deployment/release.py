"""Strategies 7.1.1-7.1.3 (部署策略): the world every release strategy runs in.

One service runs ``replicas`` pods of an old :class:`Version` and is released to a new one.
Each strategy (:mod:`~msatheory.deployment.bluegreen`, :mod:`~msatheory.deployment.canary`,
:mod:`~msatheory.deployment.rolling`) decides which pods exist and how traffic is split;
this module does everything else, the same way for all of them:

* :class:`World` steps virtual time in steps of :data:`STEP` seconds. In each step it
  starts and deletes pods as the strategy asks (a pod is ready ``startup`` seconds after it
  is created, or never for a :func:`broken` build), splits the requests of the step between
  *groups* of pods (a Kubernetes Service, a primary, a canary, a baseline) by the
  strategy's weights, spreads each group's share evenly over its ready pods, and draws what
  each pod served from a seeded generator: a :class:`PodSample` of requests, errors, bad
  requests, and the p99 and mean latency;
* a request is **bad** when it fails (the version's error ratio, or no capacity: a pod
  serves at most ``pod_capacity`` requests a second, a group with no ready pod none) or
  when its latency exceeds the service's ``slo_latency_ms``;
* :meth:`World.window` gathers a :class:`Window` of samples, the new pods beside their
  control pods, for the checks of :mod:`msatheory.deployment.analysis` (the
  :class:`~msatheory.deployment.analysis.Check` protocol: Flagger's thresholds and
  Kayenta's judge) to pass or fail;
* the strategy ends the run with an outcome and :meth:`World.report` measures it into a
  :class:`ReleaseReport`, one record for every strategy.

**The step.** :data:`STEP` is 10 seconds: Kubernetes probes readiness every 10 s by
default (``periodSeconds``), pods take tens of seconds to start, and Flagger's and Argo's
one-minute analysis interval is six steps, so each check reads several samples per pod.

**The draws.** Requests to a pod in a step are Poisson (normal for a mean of 30 or more);
each request independently errs with the version's error ratio and takes a latency from a
lognormal body or, with the version's tail share, a lognormal tail. Counts are binomial
(waiting times between successes when few are expected, normal otherwise). The p99 is the
sample's nearest-rank 99th percentile, drawn exactly as an order statistic (a beta variate
mapped through the quantile of the body or of the tail, taking the tail to lie above the
body); the mean is the sample mean by the central limit theorem. A group's p99 over a
window is the request-weighted mean of its pods' p99s.

The module stops at one service with a constant request rate and pods that never crash
once ready; pods are created and deleted at once (no image pulls, no graceful
termination).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

from msatheory.errors import (
    TheoryError,
    require_choice,
    require_count,
    require_fraction,
    require_instance,
    require_name,
    require_number,
)
from msatheory.sim import poisson, seeded_rng

__all__ = [
    "OLD",
    "OUTCOMES",
    "SERVICE",
    "STEP",
    "Latency",
    "PodSample",
    "ReleaseReport",
    "Service",
    "Step",
    "Version",
    "Window",
    "World",
    "broken",
    "erroring",
    "good",
    "slow",
]

STEP = 10
"""Seconds of virtual time per step (Kubernetes' default readiness probe period)."""

OUTCOMES = ("promoted", "rolled back", "stuck")
"""How a release ends: the new version serves everything, the old one again, or neither."""

_Z = NormalDist()


# --- versions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    """A latency distribution in milliseconds: a lognormal body (``median_ms``, ``sigma``)
    and, with probability ``tail``, a lognormal tail (``tail_median_ms``, same ``sigma``)."""

    median_ms: float = 50.0
    sigma: float = 0.5
    tail: float = 0.0
    tail_median_ms: float = 2000.0

    def __post_init__(self) -> None:
        owner = "Latency"
        require_number(owner, "median_ms", self.median_ms, positive=True)
        require_number(owner, "sigma", self.sigma, positive=True)
        require_fraction(owner, "tail", self.tail)
        require_number(owner, "tail_median_ms", self.tail_median_ms, positive=True)

    def exceeds(self, ms: float) -> float:
        """The probability that one request takes longer than ``ms`` milliseconds.

        >>> round(Latency().exceeds(500.0), 8)
        2.06e-06
        """
        def above(median: float) -> float:
            return 1.0 - _Z.cdf(math.log(ms / median) / self.sigma)
        return (1 - self.tail) * above(self.median_ms) + self.tail * above(self.tail_median_ms)

    def mean(self) -> float:
        """The mean latency, in milliseconds.

        >>> round(Latency(tail=0.03).mean(), 1)
        122.9
        """
        stretch = math.exp(self.sigma ** 2 / 2)
        return ((1 - self.tail) * self.median_ms + self.tail * self.tail_median_ms) * stretch


@dataclass(frozen=True)
class Version:
    """A build of the service: its ``name``, the share of requests it fails
    (``error_ratio``), its :class:`Latency`, and whether its pods ever pass their
    readiness probe (``ready``)."""

    name: str
    error_ratio: float = 0.001
    latency: Latency = field(default_factory=Latency)
    ready: bool = True

    def __post_init__(self) -> None:
        owner = "Version"
        require_name(owner, "name", self.name)
        require_fraction(owner, "error_ratio", self.error_ratio)
        require_instance(owner, "latency", self.latency, Latency)
        require_instance(owner, "ready", self.ready, bool)


def good(name: str = "v2") -> Version:
    """A healthy build: 0.1% errors, median 50 ms, p99 about 160 ms.

    >>> good()
    Version(name='v2', error_ratio=0.001, latency=Latency(median_ms=50.0, sigma=0.5, \
tail=0.0, tail_median_ms=2000.0), ready=True)
    """
    return Version(name)


OLD = good("v1")
"""The version running before a release, unless another is given."""


def erroring(name: str = "v2-erroring", error_ratio: float = 0.05) -> Version:
    """A build that fails ``error_ratio`` of its requests (5% by default) and is as fast
    as :func:`good`.

    >>> erroring().error_ratio
    0.05
    """
    return Version(name, error_ratio=error_ratio)


def slow(name: str = "v2-slow", tail: float = 0.03) -> Version:
    """A build whose median barely moves while ``tail`` of its requests (3% by default)
    take about two seconds: its p99 breaks the users a mean or a median does not show.

    >>> v = slow()
    >>> round(v.latency.exceeds(500.0), 3), round(v.latency.mean())
    (0.03, 123)
    """
    return Version(name, latency=Latency(tail=tail))


def broken(name: str = "v2-broken") -> Version:
    """A build whose pods never become ready (a crash loop or a failing readiness probe).

    >>> broken().ready
    False
    """
    return Version(name, error_ratio=1.0, ready=False)


# --- the service --------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """The service being released: ``replicas`` desired pods serving ``rps`` requests a
    second, each pod at most ``pod_capacity`` requests a second, ready ``startup``
    seconds after it is created. The SLO counts a request good when it succeeds within
    ``slo_latency_ms``; ``slo`` is the target share of good requests over
    ``slo_period`` seconds (30 days by default)."""

    replicas: int = 10
    rps: float = 100.0
    pod_capacity: float = 20.0
    startup: int = 30
    slo: float = 0.999
    slo_latency_ms: float = 500.0
    slo_period: float = 30 * 86400.0

    def __post_init__(self) -> None:
        owner = "Service"
        require_count(owner, "replicas", self.replicas, least=1)
        require_number(owner, "rps", self.rps, positive=True)
        require_number(owner, "pod_capacity", self.pod_capacity, positive=True)
        require_count(owner, "startup", self.startup)
        if not 0 < require_fraction(owner, "slo", self.slo) < 1:
            raise TheoryError(f"{owner}: slo must lie strictly between 0 and 1, not "
                              f"{self.slo!r}")
        require_number(owner, "slo_latency_ms", self.slo_latency_ms, positive=True)
        require_number(owner, "slo_period", self.slo_period, positive=True, unit="seconds")

    @property
    def allowed_bad(self) -> float:
        """The bad requests the SLO allows over its period: ``rps * period * (1 - slo)``.

        >>> round(Service().allowed_bad)
        259200
        """
        return self.rps * self.slo_period * (1 - self.slo)


SERVICE = Service()
"""The chapter's service: 10 replicas, 100 requests a second, 20 a pod, 30 s to start."""


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PodSample:
    """What one ready pod served in one step: at ``time`` (the step's start), ``pod`` (its
    number), ``group`` and ``version`` (names), ``requests``, ``errors`` (failed requests),
    ``bad`` (failed or slower than the SLO's latency), and the sample's ``p99_ms`` and
    ``mean_ms`` latency (NaN when it served nothing)."""

    time: int
    pod: int
    group: str
    version: str
    requests: int
    errors: int
    bad: int
    p99_ms: float
    mean_ms: float

    @property
    def error_ratio(self) -> float:
        """Errors over requests (NaN when it served nothing)."""
        return self.errors / self.requests if self.requests else math.nan


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a release's timeline: its start ``time``; ``weight_new``, the share of
    the step's requests sent to pods of the new version; pods of each version and how many
    are ready; ``capacity``, what the routed pods can serve over what they are sent (the
    least over groups with traffic); ``requests`` and ``bad`` requests; the ``decision`` a
    check took at the step's start, if any; and the ``events`` of that moment."""

    time: int
    weight_new: float
    pods_old: int
    pods_new: int
    ready_old: int
    ready_new: int
    capacity: float
    requests: int
    bad: int
    decision: str | None
    events: tuple[str, ...]


@dataclass(frozen=True)
class ReleaseReport:
    """Strategies 7.1.1-7.1.3 (部署策略) measured: one release of one strategy.

    ``timeline`` holds a :class:`Step` per step and ``samples`` every :class:`PodSample`.
    The measures: ``bad_requests`` served during the release; ``least_capacity`` over the
    timeline; ``extra_pods``, the peak of pods above the desired replicas, and
    ``extra_resources``, that over the replicas; ``time_to_full``, seconds from the start
    until the new version serves all traffic of a promoted release (None otherwise);
    ``time_to_rollback``, seconds from the decision to roll back (``decided_at``) until no
    request reaches the new version (None without such a decision); ``budget_consumed``,
    bad requests over the bad requests the SLO allows in its period (``requests`` counts
    every request of the release); and the ``outcome``, one of :data:`OUTCOMES`.
    """

    strategy: str
    service: Service
    old: Version
    new: Version
    outcome: str
    timeline: tuple[Step, ...]
    samples: tuple[PodSample, ...]
    bad_requests: int
    requests: int
    least_capacity: float
    extra_pods: int
    extra_resources: float
    time_to_full: int | None
    decided_at: int | None
    time_to_rollback: int | None
    budget_consumed: float

    @property
    def duration(self) -> int:
        """Seconds from the start to the end of the release."""
        return len(self.timeline) * STEP

    def events(self) -> tuple[tuple[int, str], ...]:
        """Every event with its time, in order."""
        return tuple((s.time, e) for s in self.timeline for e in s.events)

    def decisions(self) -> tuple[tuple[int, str], ...]:
        """Every decision of the check and the strategy with its time, in order."""
        return tuple((s.time, s.decision) for s in self.timeline if s.decision)

    def describe(self) -> str:
        """The measures in a few lines of at most 100 characters."""
        def seconds(value: int | None) -> str:
            return "-" if value is None else f"{value} s"
        return "\n".join([
            f"{self.strategy}: {self.old.name} -> {self.new.name}, {self.outcome} after "
            f"{self.duration} s",
            f"  bad requests {self.bad_requests} of {self.requests} "
            f"(error budget {self.budget_consumed:.2%})",
            f"  least capacity {self.least_capacity:.2f}x demand, extra pods "
            f"{self.extra_pods} ({self.extra_resources:.0%})",
            f"  time to full {seconds(self.time_to_full)}, time to roll back "
            f"{seconds(self.time_to_rollback)}",
        ])


# --- what a check reads -------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """What a check reads: the samples of the new version's pods (``new``) and of its
    comparison pods (``control``: a baseline, or the old version) over an interval."""

    start: int
    end: int
    new: tuple[PodSample, ...]
    control: tuple[PodSample, ...]


# --- sampling -----------------------------------------------------------------------------


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial count: waiting times between successes when ``n * p < 20``, a rounded
    normal otherwise."""
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    if p > 0.5:
        return n - _binomial(rng, n, 1 - p)
    if n * p >= 20:
        return min(n, max(0, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))
    log_q, count, position = math.log1p(-p), 0, 0
    while True:
        position += int(math.log(1.0 - rng.random()) / log_q) + 1
        if position > n:
            return count
        count += 1


class _Profile:
    """A version's constants for drawing samples fast."""

    __slots__ = ("body_mean", "body_median", "body_var", "error", "name", "p_body", "p_tail",
                 "ready", "sigma", "tail", "tail_mean", "tail_median", "tail_var")

    def __init__(self, version: Version, slo_ms: float):
        lat = version.latency
        stretch = math.exp(lat.sigma ** 2 / 2)
        spread = math.exp(lat.sigma ** 2) - 1
        self.name, self.error, self.ready = version.name, version.error_ratio, version.ready
        self.sigma, self.tail = lat.sigma, lat.tail
        self.body_median, self.tail_median = lat.median_ms, lat.tail_median_ms
        self.body_mean, self.tail_mean = lat.median_ms * stretch, lat.tail_median_ms * stretch
        self.body_var = self.body_mean ** 2 * spread
        self.tail_var = self.tail_mean ** 2 * spread
        self.p_body = Latency(lat.median_ms, lat.sigma).exceeds(slo_ms)
        self.p_tail = Latency(lat.tail_median_ms, lat.sigma).exceeds(slo_ms)

    def order_statistic(self, rng: random.Random, rank: int, n: int, tail: int) -> float:
        """The ``rank``-th smallest of ``n`` latencies of which ``tail`` are in the tail."""
        body = n - tail
        if rank <= body:
            k, m, median = rank, body, self.body_median
        else:
            k, m, median = rank - body, tail, self.tail_median
        u = rng.betavariate(k, m - k + 1)
        u = min(max(u, 1e-15), 1 - 1e-15)
        return median * math.exp(self.sigma * _Z.inv_cdf(u))

    def serve(self, rng: random.Random, n: int) -> tuple[int, int, float, float]:
        """Errors, bad requests, p99 and mean latency of ``n`` requests."""
        if n == 0:
            return 0, 0, math.nan, math.nan
        tail = _binomial(rng, n, self.tail)
        slow = _binomial(rng, tail, self.p_tail) + _binomial(rng, n - tail, self.p_body)
        fast_errors = _binomial(rng, n - slow, self.error)
        errors = fast_errors + _binomial(rng, slow, self.error)
        p99 = self.order_statistic(rng, math.ceil(0.99 * n), n, tail)
        mean = ((n - tail) * self.body_mean + tail * self.tail_mean) / n
        spread = math.sqrt((n - tail) * self.body_var + tail * self.tail_var) / n
        return errors, slow + fast_errors, p99, max(0.0, rng.gauss(mean, spread))


# --- the world ----------------------------------------------------------------------------


class _Pod:
    """A pod: its number, group, version profile and the time it becomes ready."""

    __slots__ = ("created", "group", "number", "profile", "ready_at")

    def __init__(self, number: int, group: str, profile: _Profile, created: int,
                 ready_at: float):
        self.number, self.group, self.profile = number, group, profile
        self.created, self.ready_at = created, ready_at


class World:
    """Strategies 7.1.1-7.1.3 (部署策略): the fleet of one service on a virtual clock.

    A strategy creates and deletes pods by group (:meth:`spawn`, :meth:`delete`), reads
    them (:meth:`count`), notes events and decisions (:meth:`note`, :meth:`decide`),
    serves each step with its traffic weights (:meth:`serve`), hands checks their
    :meth:`window`, and ends with :meth:`finish`. The clock starts at 0 with ``replicas``
    ready pods of ``old`` in ``group``.

    Examples
    --------
    >>> world = World(Service(replicas=2), good("v1"), good("v2"), seed=1, group="svc")
    >>> world.serve({"svc": 1.0}).requests, world.now
    (1033, 10)
    >>> world.count("svc", ready=True), world.count("svc", version="v2")
    (2, 0)

    References
    ----------
    Kubernetes, "Configure Liveness, Readiness and Startup Probes" (``periodSeconds``
    defaults to 10); Google SRE Workbook, "Implementing SLOs" (error budgets).
    """

    def __init__(self, service: Service, old: Version, new: Version, *, seed: int,
                 group: str, strategy: str = "release"):
        self.service = require_instance(strategy, "service", service, Service)
        self.old = require_instance(strategy, "old", old, Version)
        self.new = require_instance(strategy, "new", new, Version)
        if old.name == new.name:
            raise TheoryError(f"{strategy}: the new version must differ from the old one, "
                              f"not both {old.name!r}")
        self.strategy = strategy
        self._rng = seeded_rng(seed, strategy)
        self._profiles = {v.name: _Profile(v, service.slo_latency_ms) for v in (old, new)}
        self._pods: list[_Pod] = []
        self._numbers = 0
        self.now = 0
        self._events: list[str] = []
        self._decision: str | None = None
        self._timeline: list[Step] = []
        self._samples: list[PodSample] = []
        self._peak = 0
        self.decided_at: int | None = None
        self.spawn(group, old, service.replicas, ready=True)

    # pods

    def spawn(self, group: str, version: Version, count: int, *, ready: bool = False) -> None:
        """Create ``count`` pods of ``version`` in ``group``, ready after the service's
        start-up time (at once with ``ready``; never for a build that is not ready)."""
        profile = self._profiles[version.name]
        for _ in range(count):
            ready_at = (self.now if ready else self.now + self.service.startup) \
                if profile.ready else math.inf
            self._pods.append(_Pod(self._numbers, group, profile, self.now, ready_at))
            self._numbers += 1
        self._peak = max(self._peak, len(self._pods))

    def delete(self, group: str, count: int, version: Version | None = None) -> int:
        """Delete up to ``count`` pods of ``group`` (of ``version`` if given), not-ready
        pods first and then the newest, as a ReplicaSet picks pods to delete; return how
        many were deleted."""
        pods = [p for p in self._pods if p.group == group
                and (version is None or p.profile.name == version.name)]
        pods.sort(key=lambda p: (p.ready_at <= self.now, -p.created, -p.number))
        doomed = {p.number for p in pods[:count]}
        self._pods = [p for p in self._pods if p.number not in doomed]
        return len(doomed)

    def move(self, source: str, target: str) -> None:
        """Move every pod of ``source`` into ``target`` (a relabelled selector)."""
        for p in self._pods:
            if p.group == source:
                p.group = target

    def count(self, group: str | None = None, *, version: str | None = None,
              ready: bool = False) -> int:
        """Pods of ``group`` (every group if None), of ``version`` if given, only ready
        ones with ``ready``."""
        return sum(1 for p in self._pods
                   if (group is None or p.group == group)
                   and (version is None or p.profile.name == version)
                   and (not ready or p.ready_at <= self.now))

    # the record

    def note(self, event: str) -> None:
        """Record ``event`` at the current step."""
        self._events.append(event)

    def decide(self, label: str, *, rollback: bool = False) -> None:
        """Record a check's decision ``label``; ``rollback`` marks the decision to roll
        back, from which the time to roll back is measured."""
        self._decision = label
        if rollback and self.decided_at is None:
            self.decided_at = self.now

    def serve(self, weights: Mapping[str, float]) -> Step:
        """Serve one step of traffic split between groups by ``weights`` (shares summing
        to 1), record it and advance the clock by :data:`STEP`."""
        service, rng, now = self.service, self._rng, self.now
        per_pod_capacity = service.pod_capacity * STEP
        demand = service.rps * STEP
        requests = bad = 0
        served_new = 0
        capacity = math.inf
        old, new = self.old.name, self.new.name
        counts = {(old, False): 0, (old, True): 0, (new, False): 0, (new, True): 0}
        by_group: dict[str, list[_Pod]] = {}
        for p in self._pods:
            is_ready = p.ready_at <= now
            counts[p.profile.name, is_ready] += 1
            if is_ready:
                by_group.setdefault(p.group, []).append(p)
        for group, weight in weights.items():
            if weight <= 0:
                continue
            ready = by_group.get(group, [])
            if not ready:
                lost = poisson(rng, demand * weight)
                requests += lost
                bad += lost
                capacity = 0.0
                continue
            capacity = min(capacity, len(ready) * service.pod_capacity
                           / (service.rps * weight))
            share = demand * weight / len(ready)
            for pod in ready:
                n = poisson(rng, share)
                taken = min(n, int(per_pod_capacity))
                errors, worse, p99, mean = pod.profile.serve(rng, taken)
                errors += n - taken
                worse += n - taken
                self._samples.append(PodSample(now, pod.number, group, pod.profile.name, n,
                                               errors, worse, p99, mean))
                requests += n
                bad += worse
                if pod.profile.name == new:
                    served_new += n
        ready_old, ready_new = counts[old, True], counts[new, True]
        row = Step(now, served_new / requests if requests else 0.0,
                   counts[old, False] + ready_old, counts[new, False] + ready_new,
                   ready_old, ready_new,
                   0.0 if capacity == math.inf else capacity, requests, bad,
                   self._decision, tuple(self._events))
        self._timeline.append(row)
        self._events, self._decision = [], None
        self.now += STEP
        return row

    def window(self, start: int, new: Iterable[str], control: Iterable[str]) -> Window:
        """The samples since ``start`` of the new version in groups ``new``, and of the old
        version in groups ``control``; when the old version served nothing since
        ``start``, its samples of the same length of time up to the last step it served
        (a baseline kept from before the switch)."""
        new_groups, control_groups = set(new), set(control)
        old_name, new_name = self.old.name, self.new.name
        mine = [s for s in self._recent(start) if s.group in new_groups
                and s.version == new_name]
        theirs = [s for s in self._recent(start) if s.group in control_groups
                  and s.version == old_name]
        if not theirs:
            last = next((s.time for s in reversed(self._samples)
                         if s.group in control_groups and s.version == old_name), None)
            if last is not None:
                since = last - (self.now - start) + STEP
                theirs = [s for s in self._samples if since <= s.time <= last
                          and s.group in control_groups and s.version == old_name]
        return Window(start, self.now, tuple(mine), tuple(theirs))

    def _recent(self, start: int) -> list[PodSample]:
        """The samples of steps from ``start`` on, in order."""
        index = len(self._samples)
        while index and self._samples[index - 1].time >= start:
            index -= 1
        return self._samples[index:]

    def finish(self, outcome: str, weights: Mapping[str, float], *,
               full_at: int | None = None) -> ReleaseReport:
        """Serve one last step with ``weights`` (the state the release settled in, so the
        timeline shows its final events) and :meth:`report` it."""
        self.serve(weights)
        return self.report(outcome, full_at=full_at)

    def report(self, outcome: str, *, full_at: int | None = None) -> ReleaseReport:
        """Measure the release that ended with ``outcome``; ``full_at`` is when the new
        version began to serve all traffic, for a promoted release."""
        require_choice(self.strategy, "outcome", outcome, OUTCOMES)
        timeline = tuple(self._timeline)
        service = self.service
        bad = sum(s.bad for s in timeline)
        back = None
        if self.decided_at is not None:
            back = next((s.time - self.decided_at for s in timeline
                         if s.time >= self.decided_at and s.weight_new == 0.0),
                        self.now - self.decided_at if outcome == "rolled back" else None)
        extra = max(0, self._peak - service.replicas)
        return ReleaseReport(
            strategy=self.strategy, service=service, old=self.old, new=self.new,
            outcome=outcome, timeline=timeline, samples=tuple(self._samples),
            bad_requests=bad, requests=sum(s.requests for s in timeline),
            least_capacity=min((s.capacity for s in timeline), default=0.0),
            extra_pods=extra, extra_resources=extra / service.replicas,
            time_to_full=full_at if outcome == "promoted" else None,
            decided_at=self.decided_at, time_to_rollback=back,
            budget_consumed=bad / service.allowed_bad)
