"""Def 7.2.1 (监控指标): Prometheus' instruments and the PromQL functions that read them.

A metric is only as good as the instrument that records it and the query that reads it.
This module encodes both with Prometheus' semantics:

* instruments: a :class:`Counter` only goes up and starts again from zero when its process
  restarts, a :class:`Gauge` goes anywhere, a :class:`Histogram` counts observations into
  cumulative ``le`` buckets ending in ``+Inf``, with ``_sum`` and ``_count``;
* the PromQL functions over scraped samples: :func:`increase` and :func:`rate` with
  counter-reset handling and Prometheus' extrapolation to the window's edges, and
  :func:`histogram_quantile`, Prometheus' ``BucketQuantile`` step for step;
* :func:`exact_quantile`, the quantile of the raw samples it estimates, and
  :func:`quantile_error`, how far the estimate is from it for a bucket layout.

The metrics a service exposes, read through these functions (RED, USE and the theory's
three kinds), are :mod:`msatheory.deployment.metrics`. Times are seconds. The module stops
at one series per metric: no labels, no aggregation across instances, no native
(exponential) histograms, no staleness handling and no created-timestamp (start time)
handling in ``rate``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from msatheory.errors import (
    TheoryError,
    require_fraction,
    require_name,
    require_number,
)

__all__ = [
    "DEFAULT_BUCKETS",
    "Counter",
    "Gauge",
    "Histogram",
    "QuantileError",
    "exact_quantile",
    "histogram_quantile",
    "increase",
    "quantile_error",
    "rate",
    "ratio_or_nan",
]

DEFAULT_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                                      5.0, 10.0)
"""The Prometheus clients' default upper bounds, seconds (client_golang ``DefBuckets``)."""

_SMALL_DELTA = 1e-12
_MIN_NORMAL = 2.2250738585072014e-308

Sample = tuple[float, float]
"""A scraped sample: ``(time, value)``."""

Bucket = tuple[float, float]
"""A classic histogram bucket: ``(upper bound le, cumulative count)``."""


# --- instruments -------------------------------------------------------------------------


class Counter:
    """Def 7.2.1 (监控指标): a Prometheus counter, a total that only goes up.

    It starts at zero and starts again from zero when its process restarts
    (:meth:`restart`); PromQL's :func:`rate` and :func:`increase` read a drop as such a
    reset.

    >>> c = Counter("http_requests_total")
    >>> c.inc(); c.inc(2); c.value
    3.0
    >>> c.restart(); c.value
    0.0
    """

    def __init__(self, name: str):
        self.name = require_name("Counter", "name", name)
        self._value = 0.0

    @property
    def value(self) -> float:
        """The total since the last restart."""
        return self._value

    def inc(self, amount: float = 1.0) -> None:
        """Add ``amount`` (not negative: a counter never goes down)."""
        self._value += require_number(f"Counter {self.name}", "amount", amount)

    def restart(self) -> None:
        """The process restarted: the counter is zero again."""
        self._value = 0.0


class Gauge:
    """Def 7.2.1 (监控指标): a Prometheus gauge, a value that goes up and down (memory in
    use, requests in flight).

    >>> g = Gauge("inflight_requests")
    >>> g.inc(3); g.dec(); g.value
    2.0
    """

    def __init__(self, name: str):
        self.name = require_name("Gauge", "name", name)
        self.value = 0.0

    def set(self, value: float) -> None:
        """Set the gauge to ``value`` (a finite number of either sign)."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise TheoryError(f"Gauge {self.name}: value must be a finite number, not "
                              f"{value!r}")
        self.value = float(value)

    def inc(self, amount: float = 1.0) -> None:
        """Add ``amount`` (not negative)."""
        self.value += require_number(f"Gauge {self.name}", "amount", amount)

    def dec(self, amount: float = 1.0) -> None:
        """Subtract ``amount`` (not negative)."""
        self.value -= require_number(f"Gauge {self.name}", "amount", amount)


def _require_bounds(owner: str, bounds: object) -> tuple[float, ...]:
    """``bounds`` as strictly increasing finite upper bounds, at least one."""
    if isinstance(bounds, str | bytes) or not isinstance(bounds, Iterable):
        raise TheoryError(f"{owner}: bounds must be a list of numbers, not {bounds!r}")
    values = tuple(bounds)
    if not values:
        raise TheoryError(f"{owner}: bounds must hold at least one upper bound")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise TheoryError(f"{owner}: bounds holds {v!r}, which is not a finite number")
    if any(b <= a for a, b in pairwise(values)):
        raise TheoryError(f"{owner}: bounds must increase strictly, not {values!r}")
    return tuple(float(v) for v in values)


class Histogram:
    """Def 7.2.1 (监控指标): a Prometheus classic histogram.

    An observation ``v`` is counted in every bucket whose upper bound ``le`` is at least
    ``v`` (the buckets are cumulative) and in ``+Inf``; ``sum`` and ``count`` total the
    observations. A restart empties it.

    Examples
    --------
    >>> h = Histogram("request_duration_seconds", bounds=(0.1, 0.5))
    >>> for v in (0.05, 0.1, 0.3, 2.0):
    ...     h.observe(v)
    >>> h.buckets
    ((0.1, 2.0), (0.5, 3.0), (inf, 4.0))
    >>> print("\\n".join(h.exposition()))
    request_duration_seconds_bucket{le="0.1"} 2
    request_duration_seconds_bucket{le="0.5"} 3
    request_duration_seconds_bucket{le="+Inf"} 4
    request_duration_seconds_sum 2.45
    request_duration_seconds_count 4

    References
    ----------
    Prometheus, "Metric types: Histogram" and the text exposition format;
    client_golang ``prometheus/histogram.go`` (``DefBuckets``, ``findBucket``: the first
    bucket with ``v <= le``).
    """

    def __init__(self, name: str, bounds: Sequence[float] = DEFAULT_BUCKETS):
        self.name = require_name("Histogram", "name", name)
        self.bounds = _require_bounds(f"Histogram {name}", bounds)
        self._counts = [0] * (len(self.bounds) + 1)
        self._sum = 0.0

    @property
    def sum(self) -> float:
        """The total of the observations since the last restart (``_sum``)."""
        return self._sum

    @property
    def count(self) -> int:
        """How many observations since the last restart (``_count``)."""
        return sum(self._counts)

    def observe(self, value: float) -> None:
        """Count one observation (a finite number)."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise TheoryError(f"Histogram {self.name}: value must be a finite number, not "
                              f"{value!r}")
        self._counts[bisect.bisect_left(self.bounds, value)] += 1
        self._sum += value

    @property
    def buckets(self) -> tuple[Bucket, ...]:
        """The cumulative buckets ``(le, count)``, ending with ``(inf, count)``."""
        running, out = 0, []
        for le, n in zip((*self.bounds, math.inf), self._counts, strict=True):
            running += n
            out.append((le, float(running)))
        return tuple(out)

    def restart(self) -> None:
        """The process restarted: every bucket, the sum and the count are zero again."""
        self._counts = [0] * (len(self.bounds) + 1)
        self._sum = 0.0

    def exposition(self) -> tuple[str, ...]:
        """The histogram's lines in Prometheus' text exposition format."""
        lines = [f'{self.name}_bucket{{le="{"+Inf" if math.isinf(le) else f"{le:g}"}"}} '
                 f"{n:g}" for le, n in self.buckets]
        return (*lines, f"{self.name}_sum {self.sum:g}", f"{self.name}_count {self.count}")


# --- histogram_quantile -------------------------------------------------------------------


def _almost_equal(a: float, b: float) -> bool:
    """Prometheus' ``almost.Equal(a, b, 1e-12)`` (``util/almost``)."""
    if a == b:
        return True
    total, diff = abs(a) + abs(b), abs(a - b)
    if a == 0 or b == 0 or total < _MIN_NORMAL:
        return diff < _SMALL_DELTA * _MIN_NORMAL
    return diff / min(total, 1.7976931348623157e308) < _SMALL_DELTA


def _coalesce(buckets: list[list[float]]) -> list[list[float]]:
    """Prometheus' ``coalesceBuckets``: buckets with one upper bound become one."""
    out = [list(buckets[0])]
    for le, n in buckets[1:]:
        if le == out[-1][0]:
            out[-1][1] += n
        else:
            out.append([le, n])
    return out


def _monotonic(buckets: list[list[float]]) -> None:
    """Prometheus' ``ensureMonotonicAndIgnoreSmallDeltas``: a count below the one before
    it, or within a relative 1e-12 of it, is raised (or lowered) to it."""
    prev = buckets[0][1]
    for bucket in buckets[1:]:
        if bucket[1] == prev:
            continue
        if _almost_equal(prev, bucket[1]) or bucket[1] < prev:
            bucket[1] = prev
            continue
        prev = bucket[1]


def ratio_or_nan(part: float, whole: float) -> float:
    """Def 7.2.1 (监控指标): ``part / whole``, NaN when there is no whole.

    Parameters
    ----------
    part, whole : float
        Numerator and denominator, e.g. two rates.

    Returns
    -------
    float
        ``part / whole``, or NaN when ``whole`` is 0 (a ratio of nothing, as PromQL's
        ``0 / 0``).

    Examples
    --------
    >>> ratio_or_nan(1.0, 4.0), ratio_or_nan(0.0, 0.0)
    (0.25, nan)

    References
    ----------
    Prometheus, "Operators" (float division; ``0 / 0`` is ``NaN``).
    """
    return math.nan if whole == 0 else part / whole


def histogram_quantile(q: float, buckets: Iterable[Bucket]) -> float:
    """Def 7.2.1 (监控指标): the ``q``-quantile of a classic histogram, as PromQL's
    ``histogram_quantile`` computes it.

    The quantile's rank is ``q * count``; the bucket holding that rank is found, and the
    quantile interpolated linearly inside it, as if its observations were spread evenly.
    The lowest bucket starts at 0 when its upper bound is positive (otherwise its upper
    bound is the answer); a rank in the ``+Inf`` bucket returns the highest finite upper
    bound.

    Parameters
    ----------
    q : float
        The quantile, normally in [0, 1].
    buckets : iterable of (float, float)
        ``(le, cumulative count)`` pairs in any order, one of them ``le = inf``. Counts
        may be rates or increases. Pairs with the same ``le`` are added together; a count
        below the one before it is raised to it (a non-monotonic histogram, which a
        scrape racing a recording rule produces).

    Returns
    -------
    float
        The estimate; ``-inf`` for ``q < 0``, ``inf`` for ``q > 1``, NaN for ``q`` NaN, no
        ``+Inf`` bucket, fewer than two buckets, or no observations.

    Raises
    ------
    TheoryError
        A bucket that is not a pair of numbers, a NaN bound or a negative or NaN count.

    Examples
    --------
    >>> h = [(0.1, 50), (0.2, 70), (1.0, 110), (math.inf, 120)]
    >>> [round(histogram_quantile(q, h), 12) for q in (0.2, 0.5, 0.8)]
    [0.048, 0.15, 0.72]
    >>> histogram_quantile(0.99, h)
    1.0
    >>> histogram_quantile(1.01, h), histogram_quantile(0.5, [(1.0, 3)])
    (inf, nan)

    References
    ----------
    prometheus/prometheus ``promql/quantile.go``: ``BucketQuantile``,
    ``coalesceBuckets``, ``ensureMonotonicAndIgnoreSmallDeltas``; cases from
    ``promql/promqltest/testdata/histograms.test`` (``testhistogram_bucket`` at 50m).
    """
    if isinstance(q, bool) or not isinstance(q, int | float):
        raise TheoryError(f"histogram_quantile: q must be a number, not {q!r}")
    pairs = _require_buckets(buckets)
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if not pairs:
        return math.nan
    ordered = sorted(([le, n] for le, n in pairs), key=lambda b: b[0])
    if not math.isinf(ordered[-1][0]):
        return math.nan
    ordered = _coalesce(ordered)
    _monotonic(ordered)
    if len(ordered) < 2 or ordered[-1][1] == 0:
        return math.nan
    rank = q * ordered[-1][1]
    b = next((i for i in range(len(ordered) - 1) if ordered[i][1] >= rank), len(ordered) - 1)
    if b == len(ordered) - 1:
        return ordered[-2][0]
    if b == 0 and ordered[0][0] <= 0:
        return ordered[0][0]
    start, end, count = 0.0, ordered[b][0], ordered[b][1]
    if b > 0:
        start = ordered[b - 1][0]
        count -= ordered[b - 1][1]
        rank -= ordered[b - 1][1]
    return start + (end - start) * ratio_or_nan(rank, count)


def _require_buckets(buckets: object) -> list[Bucket]:
    """``buckets`` as a list of ``(le, count)`` float pairs."""
    owner = "histogram_quantile"
    if isinstance(buckets, str | bytes) or not isinstance(buckets, Iterable):
        raise TheoryError(f"{owner}: buckets must be a list of (le, count) pairs, not "
                          f"{buckets!r}")
    pairs = []
    for item in buckets:
        if not (isinstance(item, tuple | list) and len(item) == 2 and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in item)):
            raise TheoryError(f"{owner}: buckets holds {item!r}, not an (le, count) pair")
        le, n = float(item[0]), float(item[1])
        if math.isnan(le) or not n >= 0:
            raise TheoryError(f"{owner}: buckets holds {item!r}: le must be a number and "
                              f"count a non-negative number")
        pairs.append((le, n))
    return pairs


# --- exact quantiles and the error of the estimate ----------------------------------------


def _require_values(owner: str, values: object) -> list[float]:
    """``values`` as a non-empty list of finite floats."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TheoryError(f"{owner}: values must be a list of numbers, not {values!r}")
    out = list(values)
    if not out:
        raise TheoryError(f"{owner}: values must hold at least one number")
    for v in out:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise TheoryError(f"{owner}: values holds {v!r}, which is not a finite number")
    return [float(v) for v in out]


def exact_quantile(q: float, values: Iterable[float]) -> float:
    """The ``q``-quantile of raw samples: the smallest value with at least a share ``q`` of
    the samples at or below it.

    This is the inverse of the empirical distribution function (Hyndman and Fan's type 1,
    NumPy's ``method="inverted_cdf"``): the ``ceil(q * n)``-th smallest value (the smallest
    for ``q = 0``). It is the definition :func:`histogram_quantile` estimates, since both
    look for the first place where ``q * n`` observations are reached, so for ``q > 0``
    the estimate lies in the bucket that holds this value. (At ``q = 0`` with an empty
    lowest bucket, :func:`histogram_quantile` divides 0 by 0 and returns NaN, as
    Prometheus does.)

    Parameters
    ----------
    q : float
        In [0, 1].
    values : iterable of float
        The samples, finite, at least one.

    Returns
    -------
    float
        One of the samples.

    Raises
    ------
    TheoryError
        ``q`` outside [0, 1], or no or non-finite samples.

    Examples
    --------
    >>> exact_quantile(0.5, [4, 1, 3, 2]), exact_quantile(0.51, [4, 1, 3, 2])
    (2.0, 3.0)
    >>> exact_quantile(0.99, range(1, 101)), exact_quantile(0, [5, 7])
    (99.0, 5.0)

    References
    ----------
    R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", The American
    Statistician 50(4), 1996, definition 1.
    """
    q = require_fraction("exact_quantile", "q", q)
    ordered = sorted(_require_values("exact_quantile", values))
    return ordered[max(math.ceil(q * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class QuantileError:
    """How far :func:`histogram_quantile` is from :func:`exact_quantile` for one layout.

    ``lower`` and ``upper`` bound the bucket holding the exact quantile (``upper`` is
    ``inf`` for the ``+Inf`` bucket); ``error`` is ``estimate - exact`` and ``relative``
    is ``error / exact``.
    """

    q: float
    exact: float
    estimate: float
    lower: float
    upper: float

    @property
    def error(self) -> float:
        """``estimate - exact``, seconds."""
        return self.estimate - self.exact

    @property
    def relative(self) -> float:
        """``error / exact`` (NaN when the exact quantile is 0)."""
        return ratio_or_nan(self.error, self.exact)

    def __str__(self) -> str:
        upper = "+Inf" if math.isinf(self.upper) else f"{self.upper:g}"
        return (f"q={self.q:g}: exact {self.exact:.4g}, histogram {self.estimate:.4g} "
                f"(error {self.error:+.4g}, {self.relative:+.1%}), bucket "
                f"({self.lower:g}, {upper}]")


def quantile_error(q: float, values: Iterable[float],
                   bounds: Sequence[float] = DEFAULT_BUCKETS) -> QuantileError:
    """The error of :func:`histogram_quantile` against :func:`exact_quantile` when
    ``values`` are observed into a histogram with upper bounds ``bounds``.

    The estimate only knows which bucket the quantile is in and assumes the bucket's
    observations are spread evenly, so its error can be as large as the bucket: with the
    default buckets a p99 of 0.3 s is known only to lie in (0.25, 0.5]. In the ``+Inf``
    bucket it is unbounded: any p99 above 10 s reads as 10 s.

    Parameters
    ----------
    q : float
        In [0, 1].
    values : iterable of float
        Non-negative finite samples (durations).
    bounds : sequence of float
        The histogram's finite upper bounds, increasing (default: Prometheus').

    Returns
    -------
    QuantileError
        The exact value, the estimate and the bucket of the exact value.

    Raises
    ------
    TheoryError
        As :func:`exact_quantile`, a negative sample, or malformed bounds.

    Examples
    --------
    >>> e = quantile_error(0.99, [0.02] * 98 + [0.3, 12.0])
    >>> e.exact, e.estimate, (e.lower, e.upper)
    (0.3, 0.5, (0.25, 0.5))
    >>> print(quantile_error(0.995, [0.02] * 98 + [0.3, 12.0]))
    q=0.995: exact 12, histogram 10 (error -2, -16.7%), bucket (10, +Inf]

    References
    ----------
    Prometheus, "Histograms and summaries" (Errors of quantile estimation).
    """
    owner = "quantile_error"
    q = require_fraction(owner, "q", q)
    samples = _require_values(owner, values)
    if min(samples) < 0:
        raise TheoryError(f"{owner}: values must not be negative, not {min(samples)!r}")
    histogram = Histogram("quantile_error", bounds)
    for v in samples:
        histogram.observe(v)
    exact = exact_quantile(q, samples)
    i = bisect.bisect_left(histogram.bounds, exact)
    lower = histogram.bounds[i - 1] if i > 0 else min(0.0, histogram.bounds[0])
    upper = histogram.bounds[i] if i < len(histogram.bounds) else math.inf
    return QuantileError(q=q, exact=exact, estimate=histogram_quantile(q, histogram.buckets),
                         lower=lower, upper=upper)


# --- rate and increase ---------------------------------------------------------------------


def _require_samples(owner: str, samples: object) -> list[Sample]:
    """``samples`` as ``(time, value)`` float pairs in increasing time."""
    if isinstance(samples, str | bytes) or not isinstance(samples, Iterable):
        raise TheoryError(f"{owner}: samples must be a list of (time, value) pairs, not "
                          f"{samples!r}")
    out = []
    for item in samples:
        if not (isinstance(item, tuple | list) and len(item) == 2 and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                for v in item)):
            raise TheoryError(f"{owner}: samples holds {item!r}, not a (time, value) pair "
                              f"of finite numbers")
        out.append((float(item[0]), float(item[1])))
    if any(b[0] <= a[0] for a, b in pairwise(out)):
        raise TheoryError(f"{owner}: sample times must increase strictly")
    return out


def _extrapolated(owner: str, samples: object, start: float, end: float,
                  per_second: bool) -> float | None:
    """Prometheus' ``extrapolatedRate`` for a counter over the window ``(start, end]``."""
    points = _require_samples(owner, samples)
    for what, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(
                value):
            raise TheoryError(f"{owner}: {what} must be a finite number, not {value!r}")
    if not end > start:
        raise TheoryError(f"{owner}: end must come after start, not {end!r} <= {start!r}")
    window = [(t, v) for t, v in points if start < t <= end]
    if len(window) < 2:
        return None
    (first_t, first_v), (last_t, last_v) = window[0], window[-1]
    result = last_v - first_v
    for (_, prev), (_, curr) in pairwise(window):
        if curr < prev:
            result += prev
    to_start, to_end = first_t - start, end - last_t
    sampled = last_t - first_t
    average = sampled / (len(window) - 1)
    threshold = average * 1.1
    if to_start >= threshold:
        to_start = average / 2
    if result > 0 and first_v >= 0:
        to_start = min(to_start, sampled * (first_v / result))
    if to_end >= threshold:
        to_end = average / 2
    factor = (sampled + to_start + to_end) / sampled
    if per_second:
        factor /= end - start
    return result * factor


def increase(samples: Iterable[Sample], start: float, end: float) -> float | None:
    """Def 7.2.1 (监控指标): how much a counter grew over the window ``(start, end]``, as
    PromQL's ``increase`` computes it.

    Only samples with ``start < t <= end`` count. A value below the one before it is a
    reset (the process restarted from zero), so the value before it is added back. The
    growth between the first and last sample is then extrapolated towards the window's
    edges: all the way when the gap is under 1.1 average sampling intervals, by half an
    interval otherwise, and never back past the time the counter would have been zero.
    So the result need not be a whole number even for whole-number counters.

    Parameters
    ----------
    samples : iterable of (float, float)
        Scraped ``(time, value)`` pairs, times increasing.
    start, end : float
        The window, ``end > start``, seconds.

    Returns
    -------
    float or None
        The increase, or None with fewer than two samples in the window (PromQL returns
        no value).

    Raises
    ------
    TheoryError
        Malformed samples, times not increasing, or ``end <= start``.

    Examples
    --------
    >>> five_minutes = [(300.0 * i, v) for i, v in enumerate([0, 1, 2, 3, 2, 3, 4])]
    >>> increase(five_minutes, 0, 1800)
    7.0
    >>> increase([(300.0 * i, 10.0 * i) for i in range(11)], 0, 3000)
    100.0

    References
    ----------
    prometheus/prometheus ``promql/functions.go``: ``extrapolatedRate`` (the path without
    start timestamps), ``funcIncrease``; cases from ``promql/promqltest/testdata/
    functions.test`` ("Test for increase() with counter reset").
    """
    return _extrapolated("increase", samples, start, end, per_second=False)


def rate(samples: Iterable[Sample], start: float, end: float) -> float | None:
    """Def 7.2.1 (监控指标): a counter's per-second rate over ``(start, end]``, as PromQL's
    ``rate``: :func:`increase` divided by the window's length.

    Parameters
    ----------
    samples : iterable of (float, float)
        Scraped ``(time, value)`` pairs, times increasing.
    start, end : float
        The window, ``end > start``, seconds.

    Returns
    -------
    float or None
        The rate per second, or None with fewer than two samples in the window.

    Raises
    ------
    TheoryError
        As :func:`increase`.

    Examples
    --------
    >>> reset = [(300.0 * i, v) for i, v in enumerate([0, 27, 54, 81, 108,
    ...                                                  0, 27, 54, 81, 108, 135])]
    >>> round(rate(reset, 0, 3000), 12)
    0.08

    References
    ----------
    prometheus/prometheus ``promql/functions.go``: ``extrapolatedRate``, ``funcRate``;
    ``functions.test`` ("Counter resets at in the middle of range are handled correctly").
    """
    return _extrapolated("rate", samples, start, end, per_second=True)
