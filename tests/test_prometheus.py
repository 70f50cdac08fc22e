"""Def 7.2.1 (监控指标): Prometheus' instruments, PromQL's rate and histogram_quantile.

The PromQL cases are Prometheus' own: ``promql/promqltest/testdata/histograms.test`` and
``functions.test`` (prometheus/prometheus), their series written in the test language's
expanding notation (``0+5x10`` is 0, 5, ..., 50) and evaluated as the engine does: an
instant selector reads the last sample at or before the evaluation time, a range selector
``[w]`` the samples in ``(t - w, t]``.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.deployment.prometheus import (
    DEFAULT_BUCKETS,
    Counter,
    Gauge,
    Histogram,
    exact_quantile,
    histogram_quantile,
    increase,
    quantile_error,
    rate,
)
from msatheory.errors import TheoryError

INF = math.inf


def series(notation: str, step: float) -> list[tuple[float, float]]:
    """Samples every ``step`` seconds from the test language: ``a+bxn`` is ``a, a+b, ...,
    a+n*b``; plain numbers stand for themselves; groups follow one another."""
    values: list[float] = []
    for part in notation.split():
        if "x" in part:
            start, rest = part.split("+") if "+" in part else (part.split("x")[0], "0x" +
                                                                part.split("x")[1])
            delta, times = rest.split("x")
            values += [float(start) + float(delta) * i for i in range(int(times) + 1)]
        else:
            values.append(float(part))
    return [(step * i, v) for i, v in enumerate(values)]


def at(samples: list[tuple[float, float]], t: float) -> float:
    """An instant selector: the last sample at or before ``t``."""
    return [v for s, v in samples if s <= t][-1]


MINUTE = 60.0


# histograms.test: "testhistogram" (load 5m), start="positive" and start="negative"
TESTHISTOGRAM = {
    "positive": {0.1: "0+5x10", 0.2: "0+7x10", 1.0: "0+11x10", INF: "0+12x10"},
    "negative": {-0.2: "0+1x10", -0.1: "0+2x10", 0.3: "0+2x10", INF: "0+3x10"},
}


TESTHISTOGRAM3 = {
    "positive": {0.0: "0+0x10", 0.1: "0+5x10", 0.2: "0+7x10", 1.0: "0+11x10",
                 INF: "0+11x10"},
    "negative": {-0.25: "0+0x10", -0.2: "0+1x10", -0.1: "0+2x10", 0.3: "0+2x10",
                 INF: "0+2x10"},
}


TESTHISTOGRAM2 = {0.0: "0+0x10", 2.0: "0+1x10", 4.0: "0+2x10", 6.0: "0+3x10", INF: "0+3x10"}


REQUEST_DURATION = {  # job/instance -> le -> series
    ("job1", "ins1"): {0.1: "0+1x10", 0.2: "0+3x10", INF: "0+4x10"},
    ("job1", "ins2"): {0.1: "0+2x10", 0.2: "0+5x10", INF: "0+6x10"},
    ("job2", "ins1"): {0.1: "0+3x10", 0.2: "0+4x10", INF: "0+6x10"},
    ("job2", "ins2"): {0.1: "0+4x10", 0.2: "0+7x10", INF: "0+9x10"},
}


NONMONOTONIC = {0.1: "0+2x10", 1.0: "0+1x10", 10.0: "0+5x10", 100.0: "0+4x10",
                1000.0: "0+9x10", INF: "0+8x10"}


def instant(histogram: dict[float, str], t: float) -> list[tuple[float, float]]:
    return [(le, at(series(s, 5 * MINUTE), t)) for le, s in histogram.items()]


def rated(histogram: dict[float, str], t: float, window: float) -> list[tuple[float, float]]:
    out = []
    for le, s in histogram.items():
        value = rate(series(s, 5 * MINUTE), t - window, t)
        assert value is not None
        out.append((le, value))
    return out


@pytest.mark.parametrize(("name", "q", "expected"), [
    ("positive", 0.0, 0.0), ("positive", 1.0, 1.0), ("positive", 0.2, 0.048),
    ("positive", 0.5, 0.15), ("positive", 0.8, 0.72),
    ("negative", 0.0, -0.2), ("negative", 1.0, 0.3), ("negative", 0.2, -0.2),
    ("negative", 0.5, -0.15), ("negative", 0.8, 0.3),
])
def test_testhistogram_at_50m(name: str, q: float, expected: float) -> None:
    buckets = instant(TESTHISTOGRAM[name], 50 * MINUTE)
    assert histogram_quantile(q, buckets) == pytest.approx(expected, abs=1e-12)
    # "More realistic with rates": the same through rate(...[10m])
    rates = rated(TESTHISTOGRAM[name], 50 * MINUTE, 10 * MINUTE)
    if 0 < q < 1:
        assert histogram_quantile(q, rates) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("name", "q", "expected"), [
    ("positive", 0, 0), ("positive", 0.25, 0.055), ("positive", 0.5, 0.125),
    ("positive", 0.75, 0.45), ("positive", 1, 1),
    ("negative", 0, -0.25), ("negative", 0.25, -0.225), ("negative", 0.5, -0.2),
    ("negative", 0.75, -0.15), ("negative", 1, -0.1),
])
def test_testhistogram3_at_50m(name: str, q: float, expected: float) -> None:
    assert histogram_quantile(q, instant(TESTHISTOGRAM3[name], 50 * MINUTE)) == \
        pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("q", "expected"), [(1 / 6, 1.0), (0.5, 3.0), (5 / 6, 5.0)])
def test_testhistogram2_lands_in_the_middle_of_buckets(q: float, expected: float) -> None:
    assert histogram_quantile(q, instant(TESTHISTOGRAM2, 7 * MINUTE)) == pytest.approx(
        expected, abs=1e-12)
    rates = rated(TESTHISTOGRAM2, 47 * MINUTE, 15 * MINUTE)
    assert histogram_quantile(q, rates) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("q", "expected"), [(0.3, 0.075), (0.5, 0.1277777777777778)])
def test_sum_of_rates_by_le(q: float, expected: float) -> None:
    summed: dict[float, float] = {}
    for histogram in REQUEST_DURATION.values():
        for le, value in rated(histogram, 50 * MINUTE, 10 * MINUTE):
            summed[le] = summed.get(le, 0.0) + value
    assert histogram_quantile(q, summed.items()) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("q", "expected"), [(0.01, 0.0045), (0.5, 8.5), (0.99, 979.75)])
def test_nonmonotonic_buckets_are_fixed_as_prometheus_does(q: float, expected: float) -> None:
    assert histogram_quantile(q, instant(NONMONOTONIC, 50 * MINUTE)) == pytest.approx(
        expected, rel=1e-12)


def test_special_cases() -> None:
    buckets = instant(TESTHISTOGRAM["positive"], 50 * MINUTE)
    assert histogram_quantile(-0.1, buckets) == -INF
    assert histogram_quantile(1.01, buckets) == INF
    assert math.isnan(histogram_quantile(math.nan, buckets))
    assert math.isnan(histogram_quantile(0.5, [(0.1, 1), (0.2, 2)]))  # no +Inf bucket
    assert math.isnan(histogram_quantile(0.5, [(INF, 5)]))  # fewer than two buckets
    assert math.isnan(histogram_quantile(0.5, []))
    # histograms.test "mixed": one bound written three ways, coalesced; two +Inf only
    mixed = [(0.1, 1), (0.2, 1), (2e-1, 1), (2.0e-1, 1), (INF, 4)]
    assert histogram_quantile(0.5, mixed) == pytest.approx(0.15)
    assert histogram_quantile(0.75, mixed) == histogram_quantile(1, mixed) == 0.2
    assert math.isnan(histogram_quantile(0.5, [(INF, 0), (INF, 0)]))
    # "empty_bucket" and "const_histogram": no observations
    assert math.isnan(histogram_quantile(0.2, [(0.1, 0), (0.2, 0), (INF, 0)]))
    # rank 0 in an empty lowest bucket divides 0 by 0, as Go does
    assert math.isnan(histogram_quantile(0, [(0.1, 0), (0.2, 3), (INF, 3)]))
    # unsorted input is sorted; relative deltas below 1e-12 are ignored
    assert histogram_quantile(0.5, [(INF, 4), (0.2, 4), (0.1, 2)]) == 0.1
    assert histogram_quantile(1, [(0.1, 1), (0.2, 1 + 1e-14), (INF, 1)]) == 0.1
    with pytest.raises(TheoryError, match="count a non-negative"):
        histogram_quantile(0.5, [(0.1, -1), (INF, 1)])
    with pytest.raises(TheoryError, match="not an"):
        histogram_quantile(0.5, [(0.1,)])  # type: ignore[list-item]


# --- properties against the exact quantile ----------------------------------------------

durations = st.lists(st.floats(0, 20, allow_nan=False), min_size=1, max_size=200)


quantiles = st.floats(0, 1)


def _observe(values: list[float]) -> Histogram:
    h = Histogram("d")
    for v in values:
        h.observe(v)
    return h


@settings(max_examples=150)
@given(durations, quantiles, quantiles)
def test_estimate_is_monotone_in_q(values: list[float], a: float, b: float) -> None:
    buckets = _observe(values).buckets
    low, high = sorted((a, b))
    if low == 0 and buckets[0][1] == 0:
        return  # q = 0 over an empty lowest bucket is NaN (0/0), as in Prometheus
    assert histogram_quantile(low, buckets) <= histogram_quantile(high, buckets)


@settings(max_examples=150)
@given(durations, quantiles)
def test_estimate_lies_in_the_bucket_of_the_exact_quantile(values: list[float],
                                                           q: float) -> None:
    if q == 0:
        return
    e = quantile_error(q, values)
    assert e.lower <= e.estimate <= e.upper
    if math.isinf(e.upper):  # the +Inf bucket reads as the highest finite bound
        assert e.estimate == DEFAULT_BUCKETS[-1] <= e.exact
    else:
        assert abs(e.error) <= e.upper - e.lower + 1e-12


@settings(max_examples=100)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60), quantiles)
def test_exact_quantile_is_numpys_inverted_cdf(values: list[float], q: float) -> None:
    assert exact_quantile(q, values) == np.quantile(values, q, method="inverted_cdf")


def test_quantile_error_can_be_large() -> None:
    tail = [0.02] * 98 + [0.3, 12.0]
    assert (quantile_error(0.99, tail).estimate, quantile_error(0.99, tail).relative) == \
        (0.5, pytest.approx(2 / 3))
    beyond = quantile_error(0.995, tail)
    assert (beyond.exact, beyond.estimate, beyond.upper) == (12.0, 10.0, INF)
    # a finer layout around the value shrinks the error
    fine = quantile_error(0.99, tail, bounds=(0.025, 0.29, 0.31, 1.0))
    assert abs(fine.error) <= 0.02
    with pytest.raises(TheoryError, match="negative"):
        quantile_error(0.5, [-1.0])


# --- instruments -------------------------------------------------------------------------


def test_instruments() -> None:
    c = Counter("c_total")
    c.inc(2.5)
    with pytest.raises(TheoryError, match="non-negative"):
        c.inc(-1)
    assert c.value == 2.5
    g = Gauge("g")
    g.set(-3)
    g.inc(1)
    assert g.value == -2.0
    h = Histogram("h", bounds=(0.1, 1.0))
    for v in (0.1, 0.10000001, 5.0):  # le is inclusive
        h.observe(v)
    assert h.buckets == ((0.1, 1.0), (1.0, 2.0), (INF, 3.0))
    assert (h.count, h.sum) == (3, pytest.approx(5.20000001))
    h.restart()
    assert h.buckets == ((0.1, 0.0), (1.0, 0.0), (INF, 0.0)) and h.count == 0
    with pytest.raises(TheoryError, match="increase strictly"):
        Histogram("h", bounds=(1.0, 1.0))
    assert Histogram("d").bounds == DEFAULT_BUCKETS


# --- rate and increase: functions.test ------------------------------------------------------


@pytest.mark.parametrize(("notation", "window", "expected"), [
    ("0+10x10", 50, 100), ("0+18x5 0+18x5", 50, 160), ("10+10x10", 50, 100),
    ("1+10x10", 50, 100),
    ("0+10x10", 100, 100), ("0+18x5 0+18x5", 100, 162), ("10+10x10", 100, 105),
    ("1+10x10", 100, 101),
])
def test_increase_extrapolates_as_prometheus(notation: str, window: float,
                                             expected: float) -> None:
    samples = series(notation, 5 * MINUTE)
    assert increase(samples, 50 * MINUTE - window * MINUTE, 50 * MINUTE) == pytest.approx(
        expected, rel=1e-12)


def test_rate_cases_of_functions_test() -> None:
    step = 5 * MINUTE
    assert increase(series("0 1 2 3 2 3 4", step), 0, 30 * MINUTE) == 7
    middle = series("0+27x4 0+27x5", step)
    assert rate(middle, 0, 50 * MINUTE) == pytest.approx(0.08)
    end = series("0+10x9 0 10", step)
    assert rate(end, 45 * MINUTE, 50 * MINUTE) is None  # one sample: no value
    assert rate(end, 44 * MINUTE, 50 * MINUTE) == 0
    assert rate(series("0+80x10", step), 0, 50 * MINUTE) == pytest.approx(0.26666666666666666)
    assert rate(series("0+10x10", step), 35 * MINUTE, 45 * MINUTE) == pytest.approx(
        0.03333333333333333)  # [10m] offset 5m at 50m
    for start, at_10m, at_50m in [(0, 0.5, 0.6), (60, 0.55, 0.6), (120, 0.6, 0.6),
                                  (300, 0.6, 0.6)]:
        cutoff = series(f"{start}+240x10", 4 * MINUTE)
        assert rate(cutoff, -10 * MINUTE, 10 * MINUTE) == pytest.approx(at_10m)
        assert rate(cutoff, 30 * MINUTE, 50 * MINUTE) == pytest.approx(at_50m)


@settings(max_examples=150)
@given(st.lists(st.tuples(st.integers(0, 50), st.booleans()), min_size=1, max_size=40))
def test_increase_adds_back_every_visible_reset(steps: list[tuple[int, bool]]) -> None:
    values, true_total = [0.0], 0
    for added, restarted in steps:
        values.append(float(added) if restarted else values[-1] + added)
        true_total += added
    samples = [(float(t), v) for t, v in enumerate(values, start=1)]
    seen = sum(b - a if b >= a else b for a, b in pairwise(values))
    got = increase(samples, 0.0, float(len(values)))
    assert got is not None
    assert got == pytest.approx(seen)  # first value 0, aligned window: no extrapolation
    assert got <= true_total + 1e-9  # a reset that does not drop goes unseen
    if all(not r or a < b_prev for (a, r), b_prev in zip(steps, values, strict=False)):
        assert got == pytest.approx(true_total)


def test_rate_refuses_bad_input() -> None:
    with pytest.raises(TheoryError, match="increase strictly"):
        rate([(1.0, 1.0), (1.0, 2.0)], 0, 2)
    with pytest.raises(TheoryError, match="end must come after start"):
        increase([(1.0, 1.0)], 2, 2)
