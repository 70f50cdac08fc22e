"""Def 7.2.1 (监控指标): the three kinds of metric, and RED and USE, on a seeded service.

The theory names three kinds of metric: performance (response time, throughput),
availability (availability, error rate) and resources (CPU, memory, disk);
:class:`ServiceMetrics` holds them as one typed record (:func:`service_metrics`). This
module computes them the way a Prometheus deployment does, with the instruments and
PromQL functions of :mod:`msatheory.deployment.prometheus`:

* a seeded request stream through a pool of workers (:func:`serve`), scraped into
  counters and a histogram (:func:`scrape`), read as RED per service (:func:`red`: rate,
  errors, duration, from scraped instruments) and USE per resource (:func:`use`:
  utilization, saturation, errors);
* :func:`mean_vs_tail`: why a mean hides the tail.

Times are seconds. The module stops at one service with one series per metric: no
labels and no aggregation across instances.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from msatheory.deployment.prometheus import (
    DEFAULT_BUCKETS,
    Counter,
    Histogram,
    Sample,
    exact_quantile,
    histogram_quantile,
    rate,
    ratio_or_nan,
)
from msatheory.errors import (
    TheoryError,
    require_count,
    require_fraction,
    require_instance,
    require_items,
    require_name,
    require_number,
    require_seed,
)
from msatheory.sim import seeded_rng

__all__ = [
    "RED",
    "USE",
    "AvailabilityMetrics",
    "LatencyMix",
    "PerformanceMetrics",
    "Request",
    "ResourceMetrics",
    "Scrape",
    "ServiceMetrics",
    "TailReport",
    "mean_vs_tail",
    "red",
    "scrape",
    "serve",
    "service_metrics",
    "use",
]

# --- a request stream --------------------------------------------------------------------


@dataclass(frozen=True)
class LatencyMix:
    """Service times: most requests fast, a share ``slow_share`` slow. Each component is
    log-normal with median ``fast`` or ``slow`` (seconds) and shape ``spread``."""

    fast: float = 0.05
    slow: float = 1.0
    slow_share: float = 0.0
    spread: float = 0.25

    def __post_init__(self) -> None:
        require_number("LatencyMix", "fast", self.fast, positive=True)
        require_number("LatencyMix", "slow", self.slow, positive=True)
        require_fraction("LatencyMix", "slow_share", self.slow_share)
        require_number("LatencyMix", "spread", self.spread)

    def draw(self, rng: random.Random) -> float:
        """One service time: first which component (one draw), then its value."""
        median = self.slow if rng.random() < self.slow_share else self.fast
        return median * math.exp(rng.gauss(0.0, 1.0) * self.spread)


@dataclass(frozen=True)
class Request:
    """One request of :func:`serve`: when it arrived, started and finished (seconds); a
    rejected request never started (``start`` and ``finish`` are its arrival)."""

    arrival: float
    start: float
    finish: float
    failed: bool
    rejected: bool

    @property
    def duration(self) -> float:
        """Waiting plus service, what the client sees."""
        return self.finish - self.arrival

    @property
    def wait(self) -> float:
        """Time queued before a worker took it."""
        return self.start - self.arrival


def serve(arrival_rate: float, duration: float, latency: LatencyMix = LatencyMix(), *,
          workers: int = 4, queue_limit: int = 100, error_ratio: float = 0.0,
          seed: int = 0) -> tuple[Request, ...]:
    """A seeded request stream through a pool of ``workers`` with a bounded FIFO queue.

    Requests arrive as a Poisson process of rate ``arrival_rate`` per second over
    ``[0, duration)``. Each waits for the first free worker in arrival order; one that
    finds ``queue_limit`` requests already waiting is rejected at once. A served request
    fails with probability ``error_ratio`` (an application error). Per request the
    generator draws, in order: the gap to it, its service time (:meth:`LatencyMix.draw`)
    and whether it fails.

    Parameters
    ----------
    arrival_rate : float
        Requests per second, positive.
    duration : float
        Seconds of arrivals, positive.
    latency : LatencyMix
        Service times.
    workers, queue_limit : int
        Workers (at least one) and the most requests that may wait.
    error_ratio : float
        Probability that a served request fails.
    seed : int
        Seeds the generator.

    Returns
    -------
    tuple of Request
        In arrival order.

    Raises
    ------
    TheoryError
        A non-positive rate or duration, no workers, a negative queue limit, or an
        error ratio outside [0, 1].

    Examples
    --------
    >>> stream = serve(20, 60, seed=1)
    >>> len(stream), sum(r.rejected for r in stream)
    (1203, 0)

    References
    ----------
    The M/G/c/K queue (Kendall's notation); B. Gregg, "The USE Method" (2012).
    """
    owner = "serve"
    arrival_rate = require_number(owner, "arrival_rate", arrival_rate, positive=True)
    duration = require_number(owner, "duration", duration, positive=True)
    require_instance(owner, "latency", latency, LatencyMix)
    workers = require_count(owner, "workers", workers, least=1)
    queue_limit = require_count(owner, "queue_limit", queue_limit)
    error_ratio = require_fraction(owner, "error_ratio", error_ratio)
    rng = seeded_rng(require_seed(owner, seed), owner)
    free = [0.0] * workers
    waiting: deque[float] = deque()  # start times of accepted requests not yet started
    out = []
    t = rng.expovariate(arrival_rate)
    while t < duration:
        service = latency.draw(rng)
        failed = rng.random() < error_ratio
        while waiting and waiting[0] <= t:
            waiting.popleft()
        if len(waiting) >= queue_limit:
            out.append(Request(t, t, t, failed=True, rejected=True))
        else:
            start = max(t, heapq.heappop(free))
            heapq.heappush(free, start + service)
            waiting.append(start)
            out.append(Request(t, start, start + service, failed=failed, rejected=False))
        t += rng.expovariate(arrival_rate)
    return tuple(out)


# --- scraping, RED and USE -----------------------------------------------------------------


@dataclass(frozen=True)
class Scrape:
    """What a Prometheus server scraped from one service every ``interval`` seconds:
    ``requests_total``, ``errors_total`` and the ``request_duration_seconds`` histogram
    (bucket series by ``le``, then ``_sum`` and ``_count``), each a tuple of
    ``(time, value)`` samples."""

    interval: float
    requests: tuple[Sample, ...]
    errors: tuple[Sample, ...]
    buckets: tuple[tuple[float, tuple[Sample, ...]], ...]
    duration_sum: tuple[Sample, ...]
    duration_count: tuple[Sample, ...]


def scrape(requests: Sequence[Request], until: float, *, interval: float = 15.0,
           bounds: Sequence[float] = DEFAULT_BUCKETS,
           restarts: Sequence[float] = ()) -> Scrape:
    """Instrument a service with Prometheus' counters and histogram, and scrape them.

    A request is counted when it finishes: ``requests_total``, ``errors_total`` (failed
    or rejected) and, for served requests, its duration in the histogram. At each
    ``restart`` time the process restarts and every instrument is zero again. Scrapes
    happen at ``0, interval, 2*interval, ... <= until``.

    Parameters
    ----------
    requests : sequence of Request
        From :func:`serve`.
    until : float
        The last scrape time bound, seconds.
    interval : float
        The scrape interval, positive (Prometheus' default is 60 s; 15 s is common).
    bounds : sequence of float
        The histogram's upper bounds.
    restarts : sequence of float
        Times at which the process restarts.

    Returns
    -------
    Scrape
        The scraped series.

    Raises
    ------
    TheoryError
        Malformed arguments.

    Examples
    --------
    >>> s = scrape(serve(20, 60, seed=1), 60)
    >>> s.requests[:3]
    ((0.0, 0.0), (15.0, 290.0), (30.0, 615.0))

    References
    ----------
    Prometheus, "Instrumentation" (counting requests, errors and durations) and
    "Metric types"; counters reset on restart.
    """
    owner = "scrape"
    until = require_number(owner, "until", until)
    interval = require_number(owner, "interval", interval, positive=True)
    requests = require_items(owner, "requests", requests, Request)
    restart_times = sorted(require_number(owner, "restart", r) for r in restarts)
    scrapes = [k * interval for k in range(int(until // interval) + 1)]
    # at one instant a restart comes first, then requests finishing, then the scrape
    timeline = sorted([(t, 0, 0) for t in restart_times] +
                      [(r.finish, 1, i) for i, r in enumerate(requests)] +
                      [(t, 2, 0) for t in scrapes])
    counter_total, counter_errors = Counter("requests_total"), Counter("errors_total")
    histogram = Histogram("request_duration_seconds", bounds)
    series: dict[str, list[Sample]] = {"requests": [], "errors": [], "sum": [], "count": []}
    bucket_series: list[list[Sample]] = [[] for _ in range(len(histogram.bounds) + 1)]
    for now, kind, i in timeline:
        if kind == 0:
            for instrument in (counter_total, counter_errors, histogram):
                instrument.restart()
        elif kind == 1:
            counter_total.inc()
            counter_errors.inc(float(requests[i].failed))
            if not requests[i].rejected:
                histogram.observe(requests[i].duration)
        else:
            series["requests"].append((now, counter_total.value))
            series["errors"].append((now, counter_errors.value))
            series["sum"].append((now, histogram.sum))
            series["count"].append((now, float(histogram.count)))
            for j, (_, n) in enumerate(histogram.buckets):
                bucket_series[j].append((now, n))
    return Scrape(interval=interval, requests=tuple(series["requests"]),
                  errors=tuple(series["errors"]),
                  buckets=tuple(zip((*histogram.bounds, math.inf),
                                    (tuple(s) for s in bucket_series), strict=True)),
                  duration_sum=tuple(series["sum"]), duration_count=tuple(series["count"]))


@dataclass(frozen=True)
class RED:
    """RED for one service over a window: **rate** (requests per second), **errors**
    (failed requests per second, and their share) and **duration** (p50 and p99 by
    ``histogram_quantile``, and the mean, ``_sum`` over ``_count``)."""

    rate: float
    error_rate: float
    error_ratio: float
    p50: float
    p99: float
    mean: float

    def __str__(self) -> str:
        return (f"rate {self.rate:.1f}/s, errors {self.error_rate:.2f}/s "
                f"({self.error_ratio:.2%}), duration p50 {self.p50 * 1000:.0f} ms, "
                f"p99 {self.p99 * 1000:.0f} ms, mean {self.mean * 1000:.0f} ms")


def red(scraped: Scrape, start: float, end: float) -> RED:
    """RED (Wilkie's method) for the window ``(start, end]``, as PromQL computes it.

    ``rate(requests_total[w])``, ``rate(errors_total[w])``, their ratio,
    ``histogram_quantile(q, rate(request_duration_seconds_bucket[w]))`` for q = 0.5 and
    0.99, and ``rate(_sum[w]) / rate(_count[w])``.

    Parameters
    ----------
    scraped : Scrape
        From :func:`scrape`.
    start, end : float
        The window, seconds.

    Returns
    -------
    RED
        The service's rate, errors and duration.

    Raises
    ------
    TheoryError
        A window holding fewer than two scrapes.

    Examples
    --------
    >>> stream = serve(20, 600, LatencyMix(slow_share=0.02), seed=1)
    >>> print(red(scrape(stream, 600), 300, 600))
    rate 19.7/s, errors 0.00/s (0.00%), duration p50 54 ms, p99 1070 ms, mean 74 ms

    References
    ----------
    T. Wilkie, "The RED Method: key metrics for microservices architecture" (2018);
    Prometheus, "Histograms and summaries" (the PromQL expressions above).
    """
    def per_second(samples: Sequence[Sample]) -> float:
        value = rate(samples, start, end)
        if value is None:
            raise TheoryError(f"red: the window ({start!r}, {end!r}] holds fewer than two "
                              f"scrapes")
        return value

    requests, errors = per_second(scraped.requests), per_second(scraped.errors)
    buckets = [(le, per_second(samples)) for le, samples in scraped.buckets]
    return RED(rate=requests, error_rate=errors, error_ratio=ratio_or_nan(errors, requests),
               p50=histogram_quantile(0.5, buckets), p99=histogram_quantile(0.99, buckets),
               mean=ratio_or_nan(per_second(scraped.duration_sum),
                              per_second(scraped.duration_count)))


@dataclass(frozen=True)
class USE:
    """USE for a pool of workers over a window: **utilization** (the share of worker time
    busy), **saturation** (the mean number of requests waiting) and **errors** (requests
    rejected because the queue was full)."""

    utilization: float
    saturation: float
    errors: int

    def __str__(self) -> str:
        return (f"utilization {self.utilization:.1%}, saturation {self.saturation:.2f} "
                f"waiting, errors {self.errors} rejected")


def _overlap(a: float, b: float, start: float, end: float) -> float:
    """The length of ``[a, b]`` inside ``[start, end]``."""
    return max(0.0, min(b, end) - max(a, start))


def use(requests: Sequence[Request], workers: int, start: float, end: float) -> USE:
    """USE (Gregg's method) of the worker pool that served ``requests`` over
    ``[start, end]``.

    Utilization is busy worker-seconds over ``workers * (end - start)``; saturation is
    waiting request-seconds over ``end - start`` (the time-average queue length); errors
    count rejections that arrived in the window.

    Parameters
    ----------
    requests : sequence of Request
        From :func:`serve`.
    workers : int
        The pool's size, as given to :func:`serve`.
    start, end : float
        The window, ``end > start``.

    Returns
    -------
    USE
        Utilization, saturation and errors.

    Raises
    ------
    TheoryError
        No workers, or ``end <= start``.

    Examples
    --------
    >>> print(use(serve(20, 600, seed=1), 4, 0, 600))
    utilization 25.5%, saturation 0.00 waiting, errors 0 rejected
    >>> print(use(serve(100, 300, seed=1, queue_limit=20), 4, 0, 300))
    utilization 100.0%, saturation 17.81 waiting, errors 6674 rejected

    References
    ----------
    B. Gregg, "The USE Method" (2012), and *Systems Performance* (2nd ed., 2020), 2.5.9.
    """
    owner = "use"
    requests = require_items(owner, "requests", requests, Request)
    workers = require_count(owner, "workers", workers, least=1)
    start, end = require_number(owner, "start", start), require_number(owner, "end", end)
    if not end > start:
        raise TheoryError(f"{owner}: end must come after start, not {end!r} <= {start!r}")
    busy = sum(_overlap(r.start, r.finish, start, end) for r in requests if not r.rejected)
    waiting = sum(_overlap(r.arrival, r.start, start, end) for r in requests)
    rejected = sum(r.rejected and start <= r.arrival <= end for r in requests)
    return USE(utilization=busy / (workers * (end - start)),
               saturation=waiting / (end - start), errors=rejected)


# --- Def 7.2.1's three kinds of metric ----------------------------------------------------


@dataclass(frozen=True)
class PerformanceMetrics:
    """Def 7.2.1's performance metrics: response time (mean, p50, p99, seconds) and
    throughput (requests served per second)."""

    response_mean: float
    response_p50: float
    response_p99: float
    throughput: float


@dataclass(frozen=True)
class AvailabilityMetrics:
    """Def 7.2.1's availability metrics: the share of requests answered successfully and
    the share that failed (``availability + error_rate = 1``, measured per request)."""

    availability: float
    error_rate: float


@dataclass(frozen=True)
class ResourceMetrics:
    """Def 7.2.1's resource metrics: CPU, memory and disk utilization, each in [0, 1]."""

    cpu: float
    memory: float
    disk: float

    def __post_init__(self) -> None:
        for what in ("cpu", "memory", "disk"):
            require_fraction("ResourceMetrics", what, getattr(self, what))


@dataclass(frozen=True)
class ServiceMetrics:
    """Def 7.2.1 (监控指标): one service's performance, availability and resource metrics
    over a window."""

    service: str
    performance: PerformanceMetrics
    availability: AvailabilityMetrics
    resources: ResourceMetrics

    def __str__(self) -> str:
        p, a, r = self.performance, self.availability, self.resources
        return "\n".join([
            f"{self.service}",
            f"  performance:  response mean {p.response_mean * 1000:.0f} ms, p50 "
            f"{p.response_p50 * 1000:.0f} ms, p99 {p.response_p99 * 1000:.0f} ms; "
            f"throughput {p.throughput:.1f}/s",
            f"  availability: {a.availability:.3%} available, error rate {a.error_rate:.3%}",
            f"  resources:    CPU {r.cpu:.0%}, memory {r.memory:.0%}, disk {r.disk:.0%}",
        ])


def service_metrics(service: str, requests: Sequence[Request], workers: int, start: float,
                    end: float, *, memory: float, disk: float) -> ServiceMetrics:
    """Def 7.2.1 (监控指标): a service's three kinds of metric from its request stream.

    Response times are the durations of requests served in ``[start, end]`` (mean, p50
    and p99 exact, :func:`~.prometheus.exact_quantile`), throughput the served requests per second,
    availability the share of requests arriving in the window that neither failed nor
    were rejected, and CPU the workers' utilization (:func:`use`). Memory and disk are
    gauges the host reports; they are passed in.

    Parameters
    ----------
    service : str
        The service's name.
    requests : sequence of Request
        From :func:`serve`.
    workers : int
        The worker pool's size (the CPU cores).
    start, end : float
        The window, seconds.
    memory, disk : float
        Utilizations in [0, 1].

    Returns
    -------
    ServiceMetrics
        The record.

    Raises
    ------
    TheoryError
        A window without served requests, or malformed arguments.

    Examples
    --------
    >>> stream = serve(20, 600, error_ratio=0.01, seed=1)
    >>> print(service_metrics("orders", stream, 4, 0, 600, memory=0.6, disk=0.3))
    orders
      performance:  response mean 52 ms, p50 50 ms, p99 91 ms; throughput 19.8/s
      availability: 98.939% available, error rate 1.061%
      resources:    CPU 26%, memory 60%, disk 30%

    References
    ----------
    Def 7.2.1; Google SRE book, ch. 6 "Monitoring Distributed Systems" (the four golden
    signals: latency, traffic, errors, saturation).
    """
    owner = "service_metrics"
    require_name(owner, "service", service)
    requests = require_items(owner, "requests", requests, Request)
    usage = use(requests, workers, start, end)
    arrived = [r for r in requests if start <= r.arrival <= end]
    served = [r.duration for r in arrived if not r.rejected]
    if not served:
        raise TheoryError(f"{owner}: no request was served in [{start!r}, {end!r}]")
    failed = sum(r.failed for r in arrived) / len(arrived)
    performance = PerformanceMetrics(
        response_mean=sum(served) / len(served), response_p50=exact_quantile(0.5, served),
        response_p99=exact_quantile(0.99, served), throughput=len(served) / (end - start))
    return ServiceMetrics(service=service, performance=performance,
                          availability=AvailabilityMetrics(1 - failed, failed),
                          resources=ResourceMetrics(min(usage.utilization, 1.0), memory, disk))


# --- why a mean hides the tail ----------------------------------------------------------------


@dataclass(frozen=True)
class TailReport:
    """Response times before and after a share of requests turned slow: the mean and the
    p99 of each, and the p99 objective (``slo``, seconds)."""

    slow_share: float
    slo: float
    mean_before: float
    mean_after: float
    p99_before: float
    p99_after: float

    @property
    def mean_change(self) -> float:
        """How much the mean grew, as a share of before."""
        return self.mean_after / self.mean_before - 1

    @property
    def p99_change(self) -> float:
        """How much the p99 grew, as a share of before."""
        return self.p99_after / self.p99_before - 1

    def __str__(self) -> str:
        def ms(v: float) -> str:
            return f"{v * 1000:.0f} ms"

        verdict = "breaks" if self.p99_after > self.slo else "meets"
        return "\n".join([
            f"{self.slow_share:.1%} of requests slow; objective p99 <= {ms(self.slo)}",
            f"  mean: {ms(self.mean_before)} -> {ms(self.mean_after)} "
            f"({self.mean_change:+.0%})",
            f"  p99:  {ms(self.p99_before)} -> {ms(self.p99_after)} "
            f"({self.p99_change:+.0%}), {verdict} the objective",
        ])


def mean_vs_tail(latency: LatencyMix = LatencyMix(slow=1.0, slow_share=0.015), *,
                 slo: float = 0.3, requests: int = 20_000, seed: int = 0) -> TailReport:
    """Why a mean hides the tail: the same requests' response times with and without a
    small slow share.

    ``requests`` service times are drawn twice with one seed: once with no slow share
    (before) and once with ``latency.slow_share`` (after). A few slow requests raise the
    mean a little, but once more than 1% are slow the p99 *is* a slow request.

    Parameters
    ----------
    latency : LatencyMix
        The degraded service times (the healthy ones are the same without slow share).
    slo : float
        The p99 objective, seconds.
    requests : int
        Samples per side (at least 100).
    seed : int
        Seeds both draws.

    Returns
    -------
    TailReport
        Means and p99s (exact, :func:`~.prometheus.exact_quantile`) before and after.

    Raises
    ------
    TheoryError
        Malformed arguments.

    Examples
    --------
    >>> print(mean_vs_tail())
    1.5% of requests slow; objective p99 <= 300 ms
      mean: 52 ms -> 66 ms (+28%)
      p99:  89 ms -> 871 ms (+874%), breaks the objective

    References
    ----------
    J. Dean and L. A. Barroso, "The Tail at Scale", CACM 56(2), 2013; Google SRE book,
    ch. 4 "Service Level Objectives" (percentiles rather than means).
    """
    owner = "mean_vs_tail"
    require_instance(owner, "latency", latency, LatencyMix)
    slo = require_number(owner, "slo", slo, positive=True)
    requests = require_count(owner, "requests", requests, least=100)
    seed = require_seed(owner, seed)
    healthy = replace(latency, slow_share=0.0)

    def draw(mix: LatencyMix) -> list[float]:
        rng = seeded_rng(seed, owner)
        return [mix.draw(rng) for _ in range(requests)]

    before, after = draw(healthy), draw(latency)
    return TailReport(slow_share=latency.slow_share, slo=slo,
                      mean_before=sum(before) / requests, mean_after=sum(after) / requests,
                      p99_before=exact_quantile(0.99, before),
                      p99_after=exact_quantile(0.99, after))
