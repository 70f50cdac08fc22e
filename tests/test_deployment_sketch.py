"""The Rust DeploymentManager and MonitoringSystem as written (msatheory.deployment.sketch):
rand's draws, the exact chance of a check, each method's effect on the fleet and the
virtual time of its sleeps."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from msatheory.deployment.errata import promotion_frequency, within_binomial_bound
from msatheory.deployment.sketch import (
    COMPILE_REJECTIONS,
    DeploymentError,
    DeploymentStrategy,
    Fleet,
    ReadingMonitoringSystem,
    RustRand,
    SketchDeploymentManager,
    SketchMonitoringSystem,
    Version,
    canary_outcome_probabilities,
    check_probability,
    error_check_probability,
    latency_check_probability,
)
from msatheory.errors import TheoryError


class FixedRand(random.Random):
    """A generator whose ``getrandbits(64)`` answers the given values in turn."""

    def __init__(self, values):
        super().__init__(0)
        self.values = list(values)

    def getrandbits(self, k):
        assert k == 64
        return self.values.pop(0)


def manager(replicas=3, *, health=None, readings=None):
    fleet = Fleet("orders", Version("v1"), replicas, releases=[Version("v2")], health=health)
    monitoring = None if readings is None else \
        ReadingMonitoringSystem.scripted(readings, clock=fleet.clock)
    return SketchDeploymentManager(fleet, monitoring), fleet


# -- rand, as the sketch calls it ------------------------------------------------------------

@pytest.mark.parametrize(("bits", "value"), [(0, 0.0), (2 ** 11, 2.0 ** -53),
                                             (2 ** 11 - 1, 0.0), (2 ** 63, 0.5),
                                             (2 ** 64 - 1, 1 - 2.0 ** -53)])
def test_an_f64_is_the_top_53_bits_of_a_u64(bits, value):
    assert RustRand(FixedRand([bits])).f64() == value


def test_the_getters_draw_as_written():
    monitoring = SketchMonitoringSystem()
    monitoring.rand = RustRand(FixedRand([2 ** 63, 2 ** 62, 2 ** 64 - 1, 2 ** 63]))
    assert monitoring.get_cpu_usage("x") == 50.0
    assert monitoring.get_memory_usage("x") == 25.0
    assert monitoring.get_response_time("x") == (2 ** 64 - 1) % 1000 == 615
    assert monitoring.get_error_rate("x") == 0.05


def test_collect_metrics_draws_cpu_memory_time_errors_records_them_and_checks_alerts():
    monitoring = SketchMonitoringSystem()
    monitoring.rand = RustRand(FixedRand([2 ** 63, 2 ** 62, 1999, 0]))
    monitoring.collect_metrics("orders-v1-1")
    stored = {m.name: m.value for m in monitoring.metrics.metrics.values()}
    assert stored == {"cpu_usage": 50.0, "memory_usage": 25.0, "response_time": 999.0,
                      "error_rate": 0.0}
    assert 'error_rate{service="orders-v1-1"}' in monitoring.metrics.metrics
    assert monitoring.alerts.checked == ["orders-v1-1"]


def test_monitor_canary_reads_the_error_rate_then_the_response_time():
    dm, fleet = manager()
    dm.monitoring.rand = RustRand(FixedRand([(2 ** 53 // 10 - 1) << 11, 499,
                                             0, 500]))
    canary = fleet.start("v2")
    assert dm.monitor_canary(canary) is True
    assert dm.monitor_canary(canary) is False          # 500 ms is not under 500 ms
    assert [v[2:] for v in dm.verdicts] == [(dm.verdicts[0][2], 499, True), (0.0, 500, False)]


# -- the exact chance of a check -------------------------------------------------------------

def test_the_error_check_passes_for_exactly_the_draws_below_its_boundary():
    p = error_check_probability()
    k = int(p * 2 ** 53)
    assert k * 2.0 ** -53 * 0.1 >= 0.01 > (k - 1) * 2.0 ** -53 * 0.1
    assert p == Fraction(k, 2 ** 53)
    assert p - Fraction(1, 10) == Fraction(4, 5 * 2 ** 53)


def test_the_latency_check_counts_the_modulo_bias():
    assert 2 ** 64 % 1000 == 616
    p = latency_check_probability()
    assert p == Fraction(500 * (2 ** 64 // 1000 + 1), 2 ** 64)
    assert p > Fraction(1, 2)


def test_the_canary_outcomes_are_a_distribution_independent_of_the_release():
    outcomes = canary_outcome_probabilities()
    p = check_probability()
    assert sum(outcomes.values()) == 1
    assert outcomes == {Fraction(1, 10): 1 - p, Fraction(1, 2): p * (1 - p),
                        Fraction(1): p * p}


@pytest.mark.parametrize("kind", ["good", "erroring"])
def test_a_seeded_run_of_canary_deploys_matches_the_exact_probabilities(kind):
    runs = 10_000
    counts = promotion_frequency(kind, runs, seed=1)
    for share, p in canary_outcome_probabilities().items():
        assert within_binomial_bound(counts.get(share, 0), runs, p)


def test_the_binomial_bound_rejects_a_frequency_far_from_its_probability():
    assert not within_binomial_bound(100, 10_000, Fraction(1, 400))
    assert within_binomial_bound(25, 10_000, Fraction(1, 400))


# -- the strategies, on the fleet --------------------------------------------------------------

def test_blue_green_switches_to_one_green_instance_and_deletes_blue_at_once():
    dm, fleet = manager()
    dm.deploy("orders", "v2", DeploymentStrategy.BLUE_GREEN)
    assert fleet.traffic_by_version() == {"v2": 1}
    assert list(fleet.running) == ["orders-v2-1"]
    assert fleet.clock.now == 0


def test_blue_green_with_a_failing_green_returns_the_error_after_15_seconds():
    dm, fleet = manager(health={"orders-v2-1": (False,)})
    with pytest.raises(DeploymentError, match="HealthCheckFailed"):
        dm.blue_green_deploy("orders", "v2")
    assert fleet.clock.now == 15
    assert fleet.traffic_by_version() == {"v1": 1}
    assert "orders-v2-1" in fleet.running                # green is left running


@pytest.mark.parametrize(("answers", "ok", "seconds", "probes"),
                         [((True,), True, 0, 1), ((False, True), True, 5, 2),
                          ((False, False, True), True, 10, 3), ((False,), False, 15, 3)])
def test_health_check_sleeps_five_seconds_after_each_failed_attempt(answers, ok, seconds,
                                                                    probes):
    dm, fleet = manager(health={"orders-v2-1": answers})
    assert dm.health_check(fleet.start("v2")) is ok
    assert fleet.clock.now == seconds
    assert sum(event.startswith("probe") for _, event in fleet.log) == probes


def test_a_deleted_instance_never_answers_health():
    dm, fleet = manager()
    instance = fleet.running["orders-v1-1"]
    fleet.delete(instance.id)
    assert dm.health_check(instance) is False


@pytest.mark.parametrize(("readings", "shares"), [
    ([(0.0, 0), (0.0, 0)], {"v2": 1}),
    ([(0.0, 0), (0.01, 0)], {"v1": Fraction(1, 2), "v2": Fraction(1, 2)}),
    ([(0.02, 0)], {"v1": Fraction(9, 10), "v2": Fraction(1, 10)}),
    ([(0.0, 500)], {"v1": Fraction(9, 10), "v2": Fraction(1, 10)}),
])
def test_canary_deploy_moves_traffic_by_its_checks_and_always_returns_ok(readings, shares):
    dm, fleet = manager(readings=readings)
    dm.deploy("orders", "v2", DeploymentStrategy.CANARY)
    assert fleet.traffic_by_version() == shares
    assert len(fleet.running) == 4                        # v1 is never removed


def test_the_canary_is_judged_the_instant_its_traffic_moves():
    dm, fleet = manager(readings=[(0.0, 0)])
    dm.canary_deploy("orders", "v2")
    moves = [t for t, event in fleet.log if "takes" in event]
    assert [t for t, *_ in dm.verdicts] == moves[:2] == [0.0, 0.0]
    assert fleet.clock.now == 0


def test_the_stable_instances_keep_their_proportions_under_a_canary():
    dm, fleet = manager(readings=[(0.0, 0), (0.5, 0)])
    dm.canary_deploy("orders", "v2")
    assert [fleet.weights[f"orders-v1-{i}"] for i in (1, 2, 3)] == [Fraction(1, 6)] * 3


def test_rolling_replaces_each_instance_in_turn_sleeping_30_seconds_after_each():
    dm, fleet = manager(4)
    dm.deploy("orders", "v2", DeploymentStrategy.ROLLING)
    assert fleet.clock.now == 120
    assert list(fleet.running) == [f"orders-v2-{i}" for i in range(1, 5)]
    replaced = [(t, e) for t, e in fleet.log if "replaces" in e]
    assert replaced == [(30.0 * i, f"orders-v2-{i + 1} replaces orders-v1-{i + 1}")
                        for i in range(4)]


def test_rolling_stops_at_the_first_failing_instance_with_both_versions_serving():
    dm, fleet = manager(3, health={"orders-v2-3": (False,)})
    with pytest.raises(DeploymentError):
        dm.rolling_deploy("orders", "v2")
    assert fleet.clock.now == 2 * 30 + 15
    assert fleet.traffic_by_version() == {"v1": Fraction(1, 3), "v2": Fraction(2, 3)}
    assert set(fleet.running) == {"orders-v1-3", "orders-v2-1", "orders-v2-2", "orders-v2-3"}


def test_services_and_strategies_are_kept_and_never_written():
    dm, _ = manager()
    dm.deploy("orders", "v2", DeploymentStrategy.ROLLING)
    assert dm.services == {} and dm.strategies == {}


# -- what Rust rejects, and bad input ----------------------------------------------------------

def test_the_compile_rejections_name_await_outside_async_and_the_missing_getter():
    codes = {r.code: r for r in COMPILE_REJECTIONS}
    assert "canary_deploy" in codes["E0728"].where
    assert "`await` is only allowed inside `async`" in str(codes["E0728"])
    assert any("MetricsCollector" in r.message for r in COMPILE_REJECTIONS)
    assert {"E0728", "E0599", "E0308", "E0277", "E0412"} <= set(codes)


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Fleet(replicas=0), "replicas must be a positive whole number"),
    (lambda: Fleet(releases=[Version("v1")]), "must not repeat the stable version"),
    (lambda: Fleet().start("v9"), "version must be one of v1, not 'v9'"),
    (lambda: Version("v2", error_ratio=2), "error_ratio must lie in"),
    (lambda: SketchDeploymentManager(Fleet()).deploy("users", "v1",
                                                     DeploymentStrategy.ROLLING),
     "service_name must be the fleet's service 'orders', not 'users'"),
    (lambda: SketchDeploymentManager(Fleet()).deploy("orders", "v1", "Rolling"),  # type: ignore[arg-type]
     "strategy must be a DeploymentStrategy"),
    (lambda: ReadingMonitoringSystem.scripted([]), "readings must not be empty"),
    (lambda: Fleet().delete("orders-v1-9"), "instance must be one running .*'orders-v1-9'"),
    (lambda: Fleet().allocate(Fleet().running["orders-v1-1"], Fraction(3, 2)),
     "share must lie in"),
    (lambda: DeploymentError("Timeout"), "variant must be one of HealthCheckFailed"),
])
def test_bad_input_is_refused_with_a_theory_error(build, message):
    with pytest.raises(TheoryError, match=message):
        build()
