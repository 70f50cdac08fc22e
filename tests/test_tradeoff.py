"""Chapter 3 (msatheory.discovery.detectors and .tradeoff): the five detectors of Algorithm
3.2.2 driven through failure scenarios and scored, and check_health's verdict on a policy."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from msatheory.discovery.detectors import DETECTORS, Checks, Eureka, detector_named
from msatheory.discovery.health import CheckPolicy
from msatheory.discovery.scenario import (
    SCENARIOS,
    Outage,
    Scenario,
    crash,
    fleet,
    partition,
)
from msatheory.discovery.strategies import scenarios
from msatheory.discovery.tradeoff import check_health, run
from msatheory.errors import TheoryError

# -- the trade-off study ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def outcomes():
    return {(s.name, d): run(d, s) for s in SCENARIOS.values() for d in DETECTORS}


@pytest.mark.parametrize(("detector", "within"), [
    ("as written", 30), ("thresholds", 30), ("corrected", 30), ("leases", 90)])
def test_crash_is_detected(outcomes, detector, within):
    o = outcomes[("crash", detector)]
    assert o.detect is not None and 0 < o.detect <= within and o.undetected == 0
    assert o.dead_served == o.detect and o.healthy_lost == 0 and o.lost_for_good == 0


def test_eureka_self_preservation_never_detects_one_crash_in_five(outcomes):
    o = outcomes[("crash", "eureka")]
    assert o.detect is None and o.undetected == 1
    assert o.dead_served == 500 and o.listed[-1] == 5  # served from t=100 to the end
    bigger = run("eureka", crash(n=10))
    # a renewed lease runs 2 x 90 s past its last renewal; eviction runs every 60 s
    assert bigger.detect is not None and 2 * 90 - 30 < bigger.detect <= 2 * 90 + 60
    assert bigger.listed[-1] == 9 and bigger.undetected == 0


def test_eureka_detects_every_crash_of_ten_in_turn():
    """Eureka >= 1.9.17: each eviction lowers the renewals expected, so after the first
    eviction later crashes are still detected (with the expectation kept, only one is)."""
    ids = fleet(10)
    s = Scenario("three crashes", ids, 1800, {ids[k].id: (Outage(at),) for k, at in
                                              enumerate((100, 600, 1100))})
    o = run("eureka", s)
    assert o.undetected == 0 and o.detect is not None and o.listed[-1] == 7
    assert {i for i, served in o.served.items() if not served[-1]} == {
        "orders-1", "orders-2", "orders-3"}


@pytest.mark.parametrize(("detector", "lost"), [
    ("as written", 5), ("thresholds", 5), ("corrected", 0), ("leases", 0), ("eureka", 0)])
def test_partition_loses_the_fleet_only_without_self_preservation(outcomes, detector, lost):
    o = outcomes[("partition", detector)]
    assert o.lost_for_good == lost and o.dead_served == 0
    assert (o.listed[-1] == 0) is (lost == 5)


def test_eureka_serves_throughout_the_partition(outcomes):
    o = outcomes[("partition", "eureka")]
    assert o.healthy_lost == 0 and set(o.listed) == {5}
    assert outcomes[("partition", "corrected")].healthy_lost > 0  # unserved, but kept


@pytest.mark.parametrize("detector", ["leases", "eureka"])
def test_mass_restart_shorter_than_a_lease_goes_unnoticed(outcomes, detector):
    o = outcomes[("mass restart", detector)]
    assert o.detect is None and o.undetected == 5 and o.dead_served == 5 * 40


@pytest.mark.parametrize("detector", ["as written", "thresholds", "corrected"])
def test_mass_restart_is_seen_by_probes(outcomes, detector):
    o = outcomes[("mass restart", detector)]
    assert o.detect is not None and o.detect <= 30 and o.lost_for_good == 0


def test_traces_have_horizon_length_and_up_is_the_truth(outcomes):
    for (name, _), o in outcomes.items():
        s = SCENARIOS[name]
        assert len(o.listed) == len(o.up) == s.horizon
        assert list(o.up) == [sum(s.up(i.id, t) for i in s.instances) for t in range(600)]


def test_runs_are_deterministic(outcomes):
    for name in ("flapping", "partition"):
        for d in DETECTORS:
            assert run(d, SCENARIOS[name], seed=0) == outcomes[(name, d)]
    assert run("leases", SCENARIOS["flapping"], seed=5) == run("leases", SCENARIOS["flapping"],
                                                              seed=5)


def test_run_refuses_an_unknown_detector():
    with pytest.raises(TheoryError, match="unknown detector 'zookeeper': expected one of "
                                          "as written, leases, thresholds, eureka, corrected"):
        run("zookeeper", SCENARIOS["crash"])


def test_a_restart_during_a_partition_does_not_reach_the_registry():
    s = Scenario("restart in partition", fleet(1), 400,
                 {"orders-1": (Outage(60, 100, restart=True),)}, partitions=(Outage(50, 300),))
    assert set(run("as written", s).listed[60:300]) == {0}
    assert run("leases", s).listed[300] == 1  # it announces itself once the network heals


# -- properties over generated scenarios ------------------------------------------------------


@settings(max_examples=40)
@given(scenario=scenarios())
def test_every_detector_is_scored_within_bounds(scenario):
    n, horizon = len(scenario.instances), int(scenario.horizon)
    truth = [sum(scenario.up(i.id, t) for i in scenario.instances) for t in range(horizon)]
    ever_down = {i for i, outs in scenario.outages.items() if outs}
    for name in DETECTORS:
        o = run(name, scenario)
        assert o.detector == name and list(o.up) == truth and len(o.listed) == horizon
        assert 0 <= o.dead_served + o.healthy_lost <= n * horizon
        assert all(0 <= c <= n for c in o.listed)
        # listed - up <= |listed \ up| <= min(listed, down): dead served only while some are down
        assert sum(max(0, c - u) for c, u in zip(o.listed, truth, strict=True)) <= o.dead_served
        assert o.dead_served <= sum(min(c, n - u) for c, u in zip(o.listed, truth, strict=True))
        assert sum(max(0, u - c) for c, u in zip(o.listed, truth, strict=True)) <= o.healthy_lost
        assert o.healthy_lost <= sum(truth)
        assert 0 <= o.lost_for_good <= n
        if name == "corrected":
            # partitions hit every instance alike, so one never down cannot be reaped
            # while the rest renew above the self-preservation threshold
            assert o.lost_for_good <= len(ever_down)


@settings(max_examples=25)
@given(scenario=scenarios(outages=False))
def test_corrected_never_forgets_a_fleet_it_was_only_cut_off_from(scenario):
    o = run("corrected", scenario)
    assert o.lost_for_good == 0 and o.dead_served == 0


# -- check_health: a policy judged by the same score ------------------------------------------


def test_check_health_names_each_failure():
    assert check_health(CheckPolicy()).holds
    slow = check_health(CheckPolicy(interval=25, self_preservation=False))
    whats = {(w.what, w.involves[0]) for w in slow.witnesses}
    assert whats == {("late detection", "crash"), ("late detection", "mass restart"),
                     ("lost for good", "partition")}
    assert any("detected after 50 s" in w.detail for w in slow.witnesses)
    # critical at t=180 (third failed 30 s check), healed at 220, reap at 240: critical for
    # exactly 60 s, and Consul reaps only when CriticalFor() > timeout: nothing is lost
    boundary = check_health(CheckPolicy(interval=30, self_preservation=False))
    assert "lost for good" not in {w.what for w in boundary.witnesses}
    eager = check_health(CheckPolicy(failures_before_critical=1, self_preservation=False))
    assert [w.detail for w in eager.witnesses] == [
        "partition: 5 live instance(s) deregistered and never registered again"]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: check_health(CheckPolicy(), detect_within=float("nan")),
     "^check_health: detect_within must be a non-negative finite number of seconds, not nan$"),
    (lambda: check_health(CheckPolicy(), scenarios=[1]),
     "^check_health: scenarios holds 1, not an? Scenario$"),
    (lambda: check_health({"interval": 10}),
     "^check_health: policy must be an? CheckPolicy, not {'interval': 10}$"),
    (lambda: run("leases", "crash"), "^run: scenario must be an? Scenario, not 'crash'$"),
    (lambda: run(3, SCENARIOS["crash"]), "^unknown detector 3: expected one of as written"),
    (lambda: detector_named("consul"), "^unknown detector 'consul'"),
])
def test_bad_input_to_the_trade_off_is_named(call, message):
    with pytest.raises(TheoryError, match=message):
        call()


def test_fractional_check_intervals_run_at_whole_seconds():
    assert check_health(CheckPolicy(interval=0.5, reap_interval=2.5)).holds
    fast = run(lambda s, seed: Checks(s, seed, policy=CheckPolicy(interval=2.5)),
               SCENARIOS["crash"])
    slow = run(lambda s, seed: Checks(s, seed, policy=CheckPolicy(interval=25)),
               SCENARIOS["crash"])
    assert fast.detect < slow.detect


def test_eureka_record_outlives_a_crash_by_two_leases_less_half_a_heartbeat_plus_half_a_run():
    """E[D] of the registry record = 2 l - h/2 + e/2 (the double-duration lease, then the
    next eviction run), measured over 60 crash times on a fleet large enough to evict."""
    e = Eureka
    delays = [run("eureka", crash(n=10, at=100 + k, horizon=400), seed=k).detect
              for k in range(60)]
    assert all(d is not None and 2 * e.lease - e.heartbeat < d <= 2 * e.lease
               + e.eviction_interval for d in delays)
    mean = sum(d for d in delays if d is not None) / len(delays)
    assert abs(mean - (2 * e.lease - e.heartbeat / 2 + e.eviction_interval / 2)) < 2


def test_consul_node_agents_unserve_a_partitioned_fleet_without_deregistering_it():
    """Consul: serfHealth marks the cut-off nodes failed, so their services leave lookups,
    but each node's agent keeps passing its own checks, so nothing is reaped."""
    s = partition()  # registry cut off from the fleet over [100, 220)
    registered = []

    def consul(truth, seed):
        d = Checks(truth, seed, self_preservation=False, node_agents=True)
        original = d.detect

        def detect():
            original()
            registered.append(len(d.registered()))
        d.detect = detect
        return d

    o = run(consul, s)
    assert o.detector == "thresholds (node agents)"
    assert o.lost_for_good == 0 and o.dead_served == 0 and set(registered) == {5}
    assert o.healthy_lost == 5 * 120 and o.listed[99] == o.listed[220] == 5
    assert set(o.listed[100:220]) == {0}
    central = run("thresholds", s)  # a central prober with the same rules reaps them all
    assert central.lost_for_good == 5


def test_consul_node_agents_still_reap_a_crashed_instance():
    o = run(lambda truth, seed: Checks(truth, seed, self_preservation=False,
                                       node_agents=True), crash())
    assert o.detect == 20 and o.lost_for_good == 0 and o.listed[-1] == 4


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"node_agents": 1}, "^Checks: node_agents must be a bool, not 1$"),
    ({"self_preservation": None}, "^Checks: self_preservation must be a bool, not None$"),
    ({"policy": "strict"}, "^Checks: policy must be an? CheckPolicy, not 'strict'$"),
])
def test_checks_names_a_bad_argument(kwargs, message):
    with pytest.raises(TheoryError, match=message):
        Checks(crash(), 0, **kwargs)
