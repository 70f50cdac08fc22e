"""Def 7.2.1 (监控指标): a seeded service's request stream, RED, USE, the three kinds, tails."""

from __future__ import annotations

import pytest

from msatheory.deployment.metrics import (
    LatencyMix,
    ResourceMetrics,
    mean_vs_tail,
    red,
    scrape,
    serve,
    service_metrics,
    use,
)
from msatheory.deployment.prometheus import quantile_error
from msatheory.errors import TheoryError

# --- a request stream, RED and USE ------------------------------------------------------------


def test_serve_is_deterministic_and_obeys_the_queue() -> None:
    a = serve(30, 300, LatencyMix(slow_share=0.05), workers=2, queue_limit=5, seed=4)
    assert a == serve(30, 300, LatencyMix(slow_share=0.05), workers=2, queue_limit=5, seed=4)
    served = [r for r in a if not r.rejected]
    assert all(r.arrival <= r.start <= r.finish for r in a)
    # never more than `workers` requests in service at once
    events = sorted([(r.start, 1) for r in served] + [(r.finish, -1) for r in served])
    busy = peak = 0
    for _, d in events:
        busy += d
        peak = max(peak, busy)
    assert peak <= 2
    starts = [r.start for r in served]
    assert starts == sorted(starts)  # first come, first served
    assert any(r.rejected for r in a)


def test_use_follows_the_offered_load() -> None:
    stream = serve(20, 1200, workers=4, seed=2)
    mean_service = sum(r.finish - r.start for r in stream) / len(stream)
    u = use(stream, 4, 0, 1200)
    assert u.utilization == pytest.approx(20 * mean_service / 4, rel=0.03)
    assert u.errors == 0
    overloaded = use(serve(100, 300, workers=4, queue_limit=10, seed=2), 4, 0, 300)
    assert overloaded.utilization > 0.99 and overloaded.errors > 0
    assert 5 < overloaded.saturation <= 10


def test_red_reads_the_stream_through_prometheus() -> None:
    stream = serve(20, 900, LatencyMix(slow_share=0.02), error_ratio=0.05, seed=3)
    scraped = scrape(stream, 900, interval=15)
    signals = red(scraped, 300, 900)
    window = [r for r in stream if 300 < r.finish <= 900]
    assert signals.rate == pytest.approx(len(window) / 600, rel=0.02)
    assert signals.error_ratio == pytest.approx(sum(r.failed for r in window) / len(window),
                                                rel=0.05)
    durations = [r.duration for r in window]
    e = quantile_error(0.99, durations)
    assert (e.lower, e.upper) == (0.5, 1.0)
    assert e.lower <= signals.p99 <= e.upper  # the bucket of the exact p99
    assert signals.mean == pytest.approx(sum(durations) / len(durations), rel=0.02)
    restarted = red(scrape(stream, 900, restarts=[600.0]), 300, 900)
    assert restarted.rate < signals.rate and restarted.rate == pytest.approx(
        signals.rate, rel=0.05)  # the reset is handled; what came between is lost
    with pytest.raises(TheoryError, match="fewer than two scrapes"):
        red(scraped, 890, 900)


def test_service_metrics_hold_the_three_kinds() -> None:
    stream = serve(20, 600, error_ratio=0.02, seed=5)
    m = service_metrics("orders", stream, 4, 0, 600, memory=0.5, disk=0.25)
    assert m.availability.availability + m.availability.error_rate == pytest.approx(1)
    assert m.performance.response_p50 <= m.performance.response_p99
    assert m.resources == ResourceMetrics(m.resources.cpu, 0.5, 0.25)
    assert m.resources.cpu == pytest.approx(use(stream, 4, 0, 600).utilization)
    assert len(str(m).splitlines()) == 4
    with pytest.raises(TheoryError, match="memory must lie in"):
        service_metrics("orders", stream, 4, 0, 600, memory=1.5, disk=0.25)


def test_mean_hides_the_tail() -> None:
    report = mean_vs_tail()
    assert report.mean_change < 0.5 and report.p99_after > report.slo > report.p99_before
    assert report.p99_change > 5
    below = mean_vs_tail(LatencyMix(slow=1.0, slow_share=0.005))
    assert below.p99_after < below.slo  # under 1% slow, the p99 misses them
    lines = str(report).splitlines()
    assert len(lines) == 3 and "breaks the objective" in lines[2]
