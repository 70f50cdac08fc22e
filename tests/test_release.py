"""Strategies 7.1.1-7.1.3 (部署策略): the shared release world, its draws, windows and report.

The latency model is compared with scipy's lognormal, and the p99 drawn as an order
statistic with the nearest-rank p99 of latencies drawn one by one.
"""

from __future__ import annotations

import math
import random
import statistics

import pytest
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from msatheory.deployment.release import (
    OUTCOMES,
    SERVICE,
    STEP,
    Latency,
    Service,
    Version,
    World,
    _binomial,
    _Profile,
    broken,
    erroring,
    good,
    slow,
)
from msatheory.errors import TheoryError
from msatheory.sim import poisson, seeded_rng

# --- versions and the latency model --------------------------------------------------------


@pytest.mark.parametrize("ms", [100.0, 300.0, 500.0, 1500.0])
@pytest.mark.parametrize("tail", [0.0, 0.03, 0.2])
def test_exceeds_and_mean_are_scipys_lognormal_mixture(ms: float, tail: float) -> None:
    lat = Latency(median_ms=50.0, sigma=0.5, tail=tail, tail_median_ms=2000.0)
    body, high = stats.lognorm(s=0.5, scale=50.0), stats.lognorm(s=0.5, scale=2000.0)
    assert lat.exceeds(ms) == pytest.approx((1 - tail) * body.sf(ms) + tail * high.sf(ms),
                                            rel=1e-9, abs=1e-15)
    assert lat.mean() == pytest.approx((1 - tail) * body.mean() + tail * high.mean())


def test_presets_differ_only_where_they_say() -> None:
    base, err, tail, dead = good(), erroring(), slow(), broken()
    assert err.latency == base.latency and err.error_ratio == 0.05
    assert tail.error_ratio == base.error_ratio and tail.latency.median_ms == 50.0
    assert tail.latency.exceeds(500.0) > 0.029 > 1e-4 > base.latency.exceeds(500.0)
    assert (dead.ready, base.ready) == (False, True)


def test_the_slow_build_moves_the_mean_far_less_than_the_p99() -> None:
    base, tail = good().latency, slow().latency
    assert tail.mean() < 500.0 < 2000.0 * math.exp(0.5 * stats.norm.ppf(0.01 / 0.03))
    assert tail.mean() / base.mean() < 2.2


@pytest.mark.parametrize(("cls", "kwargs", "what"), [
    (Latency, {"sigma": 0}, "sigma"),
    (Latency, {"tail": 1.5}, "tail"),
    (Version, {"name": ""}, "name"),
    (Version, {"name": "v", "error_ratio": -0.1}, "error_ratio"),
    (Service, {"replicas": 0}, "replicas"),
    (Service, {"slo": 1.0}, "slo"),
    (Service, {"startup": 2.5}, "startup"),
])
def test_bad_records_are_refused_by_name(cls: type, kwargs: dict[str, object],
                                         what: str) -> None:
    with pytest.raises(TheoryError, match=f"{cls.__name__}: {what}"):
        cls(**kwargs)


def test_allowed_bad_requests_follow_the_slo() -> None:
    service = Service(rps=100.0, slo=0.999, slo_period=30 * 86400.0)
    assert service.allowed_bad == pytest.approx(259200.0)
    assert Service() == SERVICE


# --- the draws ------------------------------------------------------------------------------


@pytest.mark.parametrize("mean", [0.5, 4.0, 25.0, 30.0, 100.0])
def test_poisson_draws_have_the_poisson_mean_and_variance(mean: float) -> None:
    rng = seeded_rng(1)
    draws = [poisson(rng, mean) for _ in range(4000)]
    assert statistics.fmean(draws) == pytest.approx(mean, rel=0.06, abs=0.05)
    assert statistics.variance(draws) == pytest.approx(mean, rel=0.12, abs=0.1)


@pytest.mark.parametrize(("n", "p"), [(100, 0.001), (100, 0.05), (50, 0.9), (2000, 0.3),
                                      (10, 1.0), (0, 0.5)])
def test_binomial_draws_have_the_binomial_mean_and_variance(n: int, p: float) -> None:
    rng = seeded_rng(2)
    draws = [_binomial(rng, n, p) for _ in range(4000)]
    assert all(0 <= d <= n for d in draws)
    assert statistics.fmean(draws) == pytest.approx(n * p, rel=0.08, abs=0.02)
    assert statistics.pvariance(draws) == pytest.approx(n * p * (1 - p), rel=0.15, abs=0.02)


@pytest.mark.parametrize("version", [good(), slow(), slow(tail=0.005)])
def test_the_drawn_p99_is_the_nearest_rank_p99_of_drawn_latencies(version: Version) -> None:
    n, trials = 150, 1500
    profile = _Profile(version, 500.0)
    rng, direct = seeded_rng(3), random.Random(4)
    lat = version.latency
    drawn = [profile.serve(rng, n)[2] for _ in range(trials)]

    def one() -> float:
        xs = sorted(lat.tail_median_ms if direct.random() < lat.tail else lat.median_ms
                    for _ in range(n))
        xs = sorted(x * math.exp(lat.sigma * direct.gauss(0, 1)) for x in xs)
        return xs[math.ceil(0.99 * n) - 1]

    sampled = [one() for _ in range(trials)]
    for q in (0.25, 0.5, 0.75):
        a, b = (statistics.quantiles(v, n=4)[int(q * 4) - 1] for v in (drawn, sampled))
        assert a == pytest.approx(b, rel=0.08)


def test_serve_counts_are_consistent() -> None:
    profile, rng = _Profile(Version("x", error_ratio=0.2, latency=Latency(tail=0.1)),
                            500.0), seeded_rng(5)
    for n in (0, 1, 7, 100, 1000):
        errors, bad, p99, mean = profile.serve(rng, n)
        assert 0 <= errors <= n and errors <= bad + errors and bad <= n
        assert (math.isnan(p99) and math.isnan(mean)) == (n == 0)


# --- the world ------------------------------------------------------------------------------


def _world(seed: int = 0, **kwargs: object) -> World:
    return World(Service(**kwargs), good("v1"), erroring("v2"), seed=seed,  # type: ignore[arg-type]
                 group="svc")


def test_a_world_repeats_for_its_seed_and_only_for_it() -> None:
    def run(seed: int) -> tuple[object, ...]:
        world = _world(seed)
        world.spawn("svc", world.new, 3, ready=True)
        for _ in range(5):
            world.serve({"svc": 1.0})
        return world.report("stuck").timeline
    assert run(1) == run(1) != run(2)


def test_every_request_is_in_a_sample_or_lost() -> None:
    world = _world()
    world.spawn("new", world.new, 2)
    step = world.serve({"svc": 0.5, "new": 0.5})
    report = world.report("stuck")
    assert step.capacity == 0.0 and step.weight_new == 0.0
    served = sum(s.requests for s in report.samples)
    lost = step.requests - served
    assert lost > 0 and step.bad >= lost
    assert all(s.group == "svc" for s in report.samples)


def test_pods_become_ready_after_startup_and_broken_ones_never() -> None:
    world = World(Service(startup=20), good("v1"), broken(), seed=0, group="svc")
    world.spawn("svc", good("v1"), 1)
    world.spawn("svc", world.new, 2)
    ready = []
    for _ in range(4):
        ready.append((world.count("svc", ready=True), world.count("svc", version="v2-broken",
                                                                   ready=True)))
        world.serve({"svc": 1.0})
    assert ready == [(10, 0), (10, 0), (11, 0), (11, 0)]


def test_delete_takes_not_ready_pods_first_then_the_newest() -> None:
    world = _world(replicas=2)
    world.spawn("svc", world.old, 1)
    assert world.delete("svc", 1) == 1
    assert world.count("svc") == world.count("svc", ready=True) == 2
    world.serve({"svc": 1.0})
    world.spawn("svc", world.old, 1, ready=True)
    world.delete("svc", 1)
    assert max(s.pod for s in world.report("stuck").samples) < 2


def test_overload_is_bad_and_capacity_is_below_demand() -> None:
    world = _world(replicas=2, rps=100.0, pod_capacity=30.0)
    step = world.serve({"svc": 1.0})
    assert step.capacity == pytest.approx(0.6)
    assert step.bad >= step.requests - 2 * 30 * STEP


def test_report_measures_and_describes() -> None:
    world = _world(replicas=4)
    world.spawn("svc", world.new, 2)
    for _ in range(5):
        world.serve({"svc": 1.0})
    world.decide("undo", rollback=True)
    world.delete("svc", 2, world.new)
    report = world.finish("rolled back", {"svc": 1.0})
    assert report.extra_pods == 2 and report.extra_resources == 0.5
    assert report.time_to_rollback == 0 and report.decided_at == 50
    assert report.bad_requests == sum(s.bad for s in report.timeline)
    assert report.budget_consumed == report.bad_requests / report.service.allowed_bad
    assert report.time_to_full is None and report.duration == 60
    assert report.decisions() == ((50, "undo"),)
    assert all(len(line) <= 100 for line in report.describe().splitlines())
    with pytest.raises(TheoryError, match="outcome"):
        world.report("finished")
    assert set(OUTCOMES) == {"promoted", "rolled back", "stuck"}


def test_same_version_twice_is_refused() -> None:
    with pytest.raises(TheoryError, match="must differ"):
        World(SERVICE, good(), good(), seed=0, group="svc")


def test_the_window_falls_back_to_the_controls_last_interval() -> None:
    world = _world(replicas=2)
    for _ in range(12):
        world.serve({"svc": 1.0})
    world.spawn("green", world.new, 2, ready=True)
    for _ in range(6):
        world.serve({"green": 1.0})
    window = world.window(world.now - 60, ["green"], ["svc"])
    assert {s.time for s in window.new} == set(range(120, 180, 10))
    assert {s.time for s in window.control} == set(range(60, 120, 10))
